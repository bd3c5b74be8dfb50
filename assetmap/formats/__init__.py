"""Reading and writing files: tables (CSV, XLSX, GeoJSON), HSDS, census, OSM, exports, printing."""

"""Read boundary files in any coordinate system as GeoJSON features in WGS84 longitude/latitude.

Statistics Canada publishes boundary files as zipped shapefiles in Statistics Canada Lambert
(EPSG:3347); others come as GeoJSON in a projected CRS. Shapefiles (.shp, or a .zip holding one) are
read with pure-Python `pyshp`; the CRS comes from the .prj file, a GeoJSON `crs` member, or the
`crs` argument (which wins). Coordinates are reprojected with pyproj (always x=east, y=north).
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import shapefile
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely import transform
from shapely.geometry import mapping, shape

from assetmap.formats.tables import ImportFileError, read_json_file

WGS84 = CRS.from_epsg(4326)


def parse_crs(text: str) -> CRS:
    """A CRS from 'EPSG:3347', a number, a URN, WKT or a PROJ string; raises ImportFileError."""
    try:
        return CRS.from_user_input(int(text) if str(text).isascii() and str(text).isdigit() else text)
    except CRSError as exc:
        raise ImportFileError(f"unknown coordinate reference system {text!r} ({exc})") from None


def reproject_features(features: list, source: CRS) -> list:
    """Features with their geometries reprojected from source to WGS84 lon/lat."""
    if source.equals(WGS84, ignore_axis_order=True):
        return features
    to_wgs84 = Transformer.from_crs(source, WGS84, always_xy=True)

    def project(coords):
        x, y = to_wgs84.transform(coords[:, 0], coords[:, 1])
        coords[:, 0], coords[:, 1] = x, y
        return coords

    out = []
    for feat in features:
        geom = feat.get("geometry") if isinstance(feat, dict) else None
        if isinstance(geom, dict) and geom.get("coordinates"):
            feat = {**feat, "geometry": mapping(transform(shape(geom), project))}
        out.append(feat)
    return out


def read_geojson(path: Path) -> tuple[list, CRS | None]:
    """Features and the declared CRS (old-style GeoJSON `crs` member) of a GeoJSON file."""
    try:
        doc = read_json_file(path)
    except RecursionError:
        raise ImportFileError(f"{path.name}: the JSON is nested too deeply to be GeoJSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise ImportFileError(f"{path.name}: expected a GeoJSON FeatureCollection")
    declared = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    return doc["features"], parse_crs(declared) if declared else None


def read_shapefile(shp: Path) -> tuple[list, CRS | None]:
    """Features (GeoJSON dicts, in the file's CRS) and the CRS of its .prj, if any."""
    prj = shp.with_suffix(".prj")
    crs = parse_crs(prj.read_text(encoding="utf-8", errors="replace")) if prj.exists() else None
    cpg = shp.with_suffix(".cpg")
    encoding = cpg.read_text().strip() if cpg.exists() else "utf-8"
    try:
        with shapefile.Reader(str(shp), encoding=encoding, encodingErrors="replace") as reader:
            names = [f[0] for f in reader.fields[1:]]
            features = []
            for record in reader.iterShapeRecords():
                geometry = record.shape.__geo_interface__ if record.shape.shapeType != shapefile.NULL else None
                features.append(
                    {
                        "type": "Feature",
                        "properties": dict(zip(names, list(record.record), strict=True)),
                        "geometry": geometry,
                    }
                )
    except shapefile.ShapefileException as exc:
        raise ImportFileError(f"{shp.name}: cannot read the shapefile ({exc})") from None
    return features, crs


def read_features(path: str | Path, crs: str | None = None) -> list:
    """Features of a GeoJSON file, a .shp or a .zip holding one shapefile, in WGS84 lon/lat."""
    path = Path(path)
    suffix = path.suffix.lower()
    with tempfile.TemporaryDirectory() as tmp:
        if suffix == ".zip":
            try:
                with zipfile.ZipFile(path) as zf:
                    members = [m for m in zf.namelist() if not m.endswith("/")]
                    for member in members:
                        if ".." in Path(member).parts or Path(member).is_absolute():
                            raise ImportFileError(f"{path.name}: unsafe path {member!r} in the zip")
                    zf.extractall(tmp)
            except zipfile.BadZipFile:
                raise ImportFileError(f"{path.name}: not a zip file") from None
            shps = sorted(Path(tmp).rglob("*.shp"))
            geojsons = sorted(Path(tmp).rglob("*.geojson")) + sorted(Path(tmp).rglob("*.json"))
            if len(shps) == 1:
                features, declared = read_shapefile(shps[0])
            elif not shps and len(geojsons) == 1:
                features, declared = read_geojson(geojsons[0])
            else:
                raise ImportFileError(f"{path.name}: expected one shapefile (or one GeoJSON file) in the zip")
        elif suffix == ".shp":
            features, declared = read_shapefile(path)
        elif suffix in (".geojson", ".json"):
            features, declared = read_geojson(path)
        else:
            raise ImportFileError(f"{path.name}: give a GeoJSON file, a .shp or a zipped shapefile")
    source = parse_crs(crs) if crs else declared
    if source is None:
        return features  # assumed WGS84; area_records rejects coordinates that are not lon/lat
    return reproject_features(features, source)

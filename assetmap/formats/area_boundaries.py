"""Official small-area boundary files as `Area` records with WGS84 GeoJSON polygons.

Read: Statistics Canada dissemination-area boundary files (shapefile or the zip StatCan
publishes, e.g. lda_000b21a_e.zip: fields DAUID, DGUID, LANDAREA (km²), PRUID, in Statistics
Canada Lambert, EPSG:3347, from the .prj) and ONS LSOA boundaries (GeoJSON, shapefile or
GeoPackage, fields LSOA21CD/LSOA21NM or LSOA11CD/LSOA11NM, in British National Grid EPSG:27700 or
WGS84; also the Trafford Data Lab layout with `area_code`/`area_name`).

The CRS comes from the .prj, the GeoPackage's spatial reference table or a GeoJSON `crs` member
(no member means WGS84, as RFC 7946 says). Shapes are simplified, when asked, in the source's
own metres before reprojection (never in degrees), and coordinates are rounded to 6 decimals
(about 0.1 m). The shapefile and GeoJSON reading follows app/boundaries.py, which the app still
uses; this copy raises PlaceFileError and lets a national file be cut to one place before any
geometry is decoded.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterator
from functools import lru_cache
from pathlib import Path

import shapefile
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping, shape

from . import geopackage
from .place_records import Area, PlaceData, PlaceFileError, area_wanted
from .tables import read_json_file

WGS84 = CRS.from_epsg(4326)
BOUNDARY_SUFFIXES = (".shp", ".zip", ".gpkg", ".geojson", ".json")


def parse_crs(text: str, where: str) -> CRS:
    """A CRS from WKT, 'EPSG:3347', a URN or a PROJ string; raises PlaceFileError."""
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise PlaceFileError(f"{where}: unknown coordinate reference system ({exc})") from None


def _read_geojson(path: Path, keep: Callable[[dict], bool] | None) -> tuple[list[dict], CRS | None]:
    doc = read_json_file(path, PlaceFileError)
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise PlaceFileError(f"{path.name}: expected a GeoJSON FeatureCollection")
    declared = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    features = [f for f in doc["features"] if isinstance(f, dict) and (keep is None or keep(f.get("properties") or {}))]
    return features, parse_crs(declared, path.name) if declared else WGS84


def _read_shapefile(shp: Path, keep: Callable[[dict], bool] | None) -> tuple[list[dict], CRS | None]:
    prj = shp.with_suffix(".prj")
    crs = parse_crs(prj.read_text(encoding="utf-8", errors="replace"), prj.name) if prj.exists() else None
    cpg = shp.with_suffix(".cpg")
    # StatCan's 2021 boundary files carry no .cpg; their names (French accents) are Latin-1.
    encoding = cpg.read_text().strip() if cpg.exists() else "latin-1"
    try:
        with shapefile.Reader(str(shp), encoding=encoding, encodingErrors="replace") as reader:
            names = [f[0] for f in reader.fields[1:]]
            features = []
            for index, record in enumerate(reader.iterRecords()):
                props = dict(zip(names, list(record), strict=True))
                if keep is not None and not keep(props):
                    continue
                shp_shape = reader.shape(index)
                geometry = shp_shape.__geo_interface__ if shp_shape.shapeType != shapefile.NULL else None
                features.append({"type": "Feature", "properties": props, "geometry": geometry})
    except shapefile.ShapefileException as exc:
        raise PlaceFileError(f"{shp.name}: cannot read the shapefile ({exc})") from None
    return features, crs


def _unzip(path: Path, into: str) -> Path:
    try:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if ".." in Path(member).parts or Path(member).is_absolute():
                    raise PlaceFileError(f"{path.name}: unsafe path {member!r} in the zip")
            zf.extractall(into)
    except zipfile.BadZipFile:
        raise PlaceFileError(f"{path.name}: not a zip file") from None
    found = [p for s in (".shp", ".gpkg", ".geojson") for p in sorted(Path(into).rglob(f"*{s}"))]
    if len(found) != 1:
        raise PlaceFileError(f"{path.name}: expected one shapefile, GeoPackage or GeoJSON file in the zip")
    return found[0]


@contextlib.contextmanager
def _unpacked(path: Path) -> Iterator[tuple[Path, str]]:
    """The boundary file (taken out of a zip into a temporary folder while in use) and its lower-case suffix."""
    with tempfile.TemporaryDirectory() as tmp:
        if path.suffix.lower() == ".zip":
            path = _unzip(path, tmp)
        yield path, path.suffix.lower()


def read_features(
    path: str | Path, keep: Callable[[dict], bool] | None = None, layer: str | None = None
) -> tuple[list[dict], CRS | None]:
    """Features (in the file's own CRS) of a GeoJSON, shapefile, zipped shapefile or GeoPackage."""
    with _unpacked(Path(path)) as (path, suffix):
        if suffix == ".shp":
            return _read_shapefile(path, keep)
        if suffix == ".gpkg":
            return geopackage.read_geopackage(path, layer, keep)
        if suffix in (".geojson", ".json"):
            return _read_geojson(path, keep)
    raise PlaceFileError(f"{path.name}: give a GeoJSON file, a shapefile (.shp or .zip) or a GeoPackage (.gpkg)")


def first_properties(path: str | Path) -> dict:
    """The attribute names of a boundary file, with the first feature's values, read cheaply."""
    with _unpacked(Path(path)) as (path, suffix):
        if suffix == ".shp":
            try:
                with shapefile.Reader(str(path), encoding="latin-1", encodingErrors="replace") as reader:
                    names = [f[0] for f in reader.fields[1:]]
                    first = list(reader.record(0)) if len(reader) else [None] * len(names)
                    return dict(zip(names, first, strict=True))
            except shapefile.ShapefileException as exc:
                raise PlaceFileError(f"{path.name}: cannot read the shapefile ({exc})") from None
        if suffix == ".gpkg":
            return dict.fromkeys(geopackage.fields(path))
        features, _ = _read_geojson(path, None)
        return dict((features[0].get("properties") or {}) if features else {})


def to_wgs84(geometry: dict, source: CRS | None, simplify_m: float = 0.0) -> dict:
    """A GeoJSON geometry in WGS84 lon/lat, simplified first (in metres) when the source is projected."""
    geom = shape(geometry)
    projected = source is not None and source.is_projected
    if simplify_m and projected:
        geom = geom.simplify(simplify_m, preserve_topology=True)
    if source is not None and not source.equals(WGS84, ignore_axis_order=True):
        to_lonlat = _to_wgs84(source.to_wkt())

        def project(coords):
            x, y = to_lonlat.transform(coords[:, 0], coords[:, 1])
            coords[:, 0], coords[:, 1] = x, y
            return coords

        geom = shapely.transform(geom, project)
    return _rounded(mapping(geom))


@lru_cache(maxsize=8)
def _to_wgs84(source_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(source_wkt), WGS84, always_xy=True)


def _rounded(geometry: dict) -> dict:
    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            return [round(coords[0], 6), round(coords[1], 6)]
        return [walk(c) for c in coords]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _areas(
    path: Path,
    kind: str,
    level: str,
    id_field: str,
    name_field: str | None,
    *,
    ids: Collection[str] | None,
    id_prefix: str,
    name_prefix: str,
    simplify_m: float,
    layer: str | None,
    describe: Callable[[dict], dict],
) -> PlaceData:
    def keep(props: dict) -> bool:
        name = _text(props.get(name_field)) if name_field else ""
        return area_wanted(_text(props.get(id_field)), ids, id_prefix) and name.startswith(name_prefix)

    features, crs = read_features(path, keep, layer)
    data = PlaceData(kind=kind, source=path.name, level=level)
    if crs is None:
        data.notes.append("no coordinate system stated (no .prj): coordinates taken as WGS84 longitude/latitude")
    seen: set[str] = set()
    for number, feat in enumerate(features, start=1):
        props = feat.get("properties") or {}
        area_id = _text(props.get(id_field))
        geometry = feat.get("geometry")
        if not area_id:
            data.errors.append((number, f"feature without {id_field}"))
            continue
        if area_id in seen:
            data.errors.append((number, f"{id_field} {area_id} repeated"))
            continue
        if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            data.errors.append((number, f"{area_id}: geometry must be a polygon"))
            continue
        wgs84 = to_wgs84(geometry, crs, simplify_m)
        lon, lat = wgs84["coordinates"][0][0] if wgs84["type"] == "Polygon" else wgs84["coordinates"][0][0][0]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise PlaceFileError(f"{path.name}: coordinates are not longitude/latitude and no .prj says which system")
        seen.add(area_id)
        data.areas.append(Area(id=area_id, level=level, geometry=wgs84, **describe(props)))
    return data


def read_da_boundaries(
    path: str | Path,
    *,
    ids: Collection[str] | None = None,
    id_prefix: str = "",
    simplify_m: float = 0.0,
    layer: str | None = None,
) -> PlaceData:
    """Statistics Canada dissemination areas (DAUID), with LANDAREA km², DGUID and PRUID.

    `id_prefix` cuts a national file to a province ("35"), census division ("3544") or
    subdivision; CSD fields (CSDUID, CSDNAME), present in older files, give the parent and name.
    """
    path = Path(path)

    def describe(props: dict) -> dict:
        dauid = _text(props.get("DAUID"))
        csd_name = _text(props.get("CSDNAME"))
        land = props.get("LANDAREA")
        return {
            "name": f"DA {dauid}" + (f" ({csd_name})" if csd_name else ""),
            "land_area_km2": float(land) if land not in (None, "") else None,
            "parent_id": _text(props.get("CSDUID")) or None,
            "codes": {k.lower(): _text(props[k]) for k in ("DGUID", "PRUID", "CSDUID", "CDUID") if _text(props.get(k))},
        }

    return _areas(
        path,
        "statcan_da_boundaries",
        "DA",
        "DAUID",
        None,
        ids=ids,
        id_prefix=id_prefix,
        name_prefix="",
        simplify_m=simplify_m,
        layer=layer,
        describe=describe,
    )


def lsoa_fields(props: dict) -> tuple[str, str, str] | None:
    """(id field, name field, level) of an LSOA boundary layout, from a feature's properties, or None."""
    for year in ("21", "11"):
        if f"LSOA{year}CD" in props:
            return f"LSOA{year}CD", f"LSOA{year}NM", f"LSOA{year}"
    # Trafford Data Lab renames LSOA21CD/LSOA21NM to area_code/area_name: tell it by the codes.
    if "area_name" in props and re.fullmatch(r"[EW]01\d{6}", _text(props.get("area_code"))):
        return "area_code", "area_name", "LSOA21"
    return None


def read_lsoa_boundaries(
    path: str | Path,
    *,
    ids: Collection[str] | None = None,
    id_prefix: str = "",
    name_prefix: str = "",
    simplify_m: float = 0.0,
    layer: str | None = None,
) -> PlaceData:
    """ONS Lower layer Super Output Areas (2021 or 2011); `name_prefix="Trafford "` keeps one district."""
    path = Path(path)
    layout = lsoa_fields(first_properties(path))
    if layout is None:
        raise PlaceFileError(f"{path.name}: no LSOA21CD, LSOA11CD or area_code field")
    id_field, name_field, level = layout

    def describe(props: dict) -> dict:
        return {"name": _text(props.get(name_field)) or _text(props.get(id_field))}

    data = _areas(
        path,
        "ons_lsoa_boundaries",
        level,
        id_field,
        name_field,
        ids=ids,
        id_prefix=id_prefix,
        name_prefix=name_prefix,
        simplify_m=simplify_m,
        layer=layer,
        describe=describe,
    )
    if id_field == "area_code":
        data.notes.append("Trafford Data Lab layout: area_code is the LSOA 2021 code (LSOA21CD)")
    return data

"""Importing population areas: polygons (or points) with an id, a name and a population.

Other numeric properties become indicators. Files in any coordinate system are reprojected to
WGS84 (formats.boundaries). A bad feature is reported with its number and reason.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import shapely.errors
from pyproj import Geod
from sqlite_utils import Database

from assetmap import store
from assetmap.fields import header_key as _key
from assetmap.formats.tables import ImportFileError
from assetmap.validation import _number as _float

AREA_ID_FIELDS = ("id", "dauid", "dguid", "csduid", "lsoa21cd", "lsoa11cd", "geo_code", "code")
AREA_NAME_FIELDS = ("name", "csd_name_full", "lsoa21nm", "lsoa11nm", "label")
AREA_POPULATION_FIELDS = ("population", "pop", "pop_2021", "population_2021", "total_population")
AREA_KNOWN = {
    "land_area_km2": ("land_area_km2", "land_area_km2_2021", "area_km2", "landarea"),
    "parent_id": ("parent_id", "csduid", "parent"),
    "rep_lon": ("rep_lon",),
    "rep_lat": ("rep_lat",),
    "geometry_note": ("geometry_note",),
}


@dataclass
class AreaImportReport:
    written: int = 0
    indicators: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.written} areas written, {len(self.indicators)} indicators, {len(self.errors)} rejected"


def _pick(props: dict, wanted: str | None, candidates: tuple[str, ...]) -> str | None:
    if wanted:
        return wanted if wanted in props else None
    for c in candidates:
        if c in props:
            return c
    return None


def _check_lonlat(geometry: dict) -> None:
    def walk(coords):
        if coords and isinstance(coords[0], (int, float, bool)):
            if len(coords) < 2 or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2]):
                raise ValueError("coordinates must be numbers, [longitude, latitude]")
            lon, lat = coords[0], coords[1]
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(
                    f"coordinate ({lon}, {lat}) is not longitude/latitude; reproject to WGS84 (EPSG:4326) first"
                )
            return
        for c in coords:
            walk(c)

    walk(geometry.get("coordinates") or [])


_GEOD = Geod(ellps="WGS84")


def area_records(
    features: list,
    level: str,
    *,
    id_field: str | None = None,
    name_field: str | None = None,
    population_field: str | None = None,
    source: str = "",
) -> tuple[list[dict], list[str], list[tuple[int, str]]]:
    """Turn GeoJSON polygon features into area rows; other numeric properties become indicators."""
    from shapely.geometry import shape

    rows, indicator_keys, errors = [], [], []
    for index, feat in enumerate(features, start=1):
        try:
            if not isinstance(feat, dict) or not isinstance(feat.get("geometry"), dict):
                raise ValueError("feature has no geometry")
            props = {_key(k): v for k, v in (feat.get("properties") or {}).items()}
            geom = feat["geometry"]
            if geom.get("type") not in ("Polygon", "MultiPolygon", "Point"):
                raise ValueError(f"geometry must be a Polygon, MultiPolygon or Point, not {geom.get('type')}")
            _check_lonlat(geom)
            shp = shape(geom)
            if shp.is_empty:
                raise ValueError("geometry is empty")
            id_key = _pick(props, id_field, AREA_ID_FIELDS)
            if id_key is None or props.get(id_key) in (None, ""):
                raise ValueError(f"no id property (looked for {id_field or ', '.join(AREA_ID_FIELDS)})")
            area_id = str(props[id_key])
            name_key = _pick(props, name_field, AREA_NAME_FIELDS)
            name = str(props[name_key]) if name_key and props.get(name_key) else f"{level} {area_id}"
            pop_key = _pick(props, population_field, AREA_POPULATION_FIELDS)
            population = props.get(pop_key) if pop_key else None
            if population not in (None, ""):
                population = _float(population, "population")
                if population < 0:
                    raise ValueError("population must not be negative")
                population = int(round(population))
            else:
                population = None
            rep = shp.representative_point() if shp.geom_type != "Point" else shp
            row = {
                "id": area_id,
                "name": name,
                "level": level,
                "population": population,
                "geometry": json.dumps(geom, separators=(",", ":")),
                "source": source,
                "rep_lon": round(rep.x, 6),
                "rep_lat": round(rep.y, 6),
            }
            if shp.geom_type != "Point":
                # Geodesic area, so densities are right whatever the source's latitude.
                row["land_area_km2"] = round(abs(_GEOD.geometry_area_perimeter(shp)[0]) / 1e6, 4)
            used = {id_key, name_key, pop_key}
            for col, aliases in AREA_KNOWN.items():
                for alias in aliases:
                    if alias in props and props[alias] not in (None, ""):
                        row[col] = props[alias] if col in ("parent_id", "geometry_note") else _float(props[alias], col)
                        if col == "parent_id":
                            row[col] = str(row[col])
                        used.add(alias)
                        break
            for k, v in props.items():
                if k in used or k in store.AREA_COLUMNS_SET:
                    continue
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    continue
                k = re.sub(r"[^a-z0-9_]+", "_", k).strip("_")
                if not k or k in store.AREA_COLUMNS_SET or k[0].isdigit():
                    continue
                row[k] = float(v)
                if k not in indicator_keys:
                    indicator_keys.append(k)
            rows.append(row)
        except ValueError as exc:
            errors.append((index, str(exc)))
        except (TypeError, IndexError, KeyError, RecursionError, shapely.errors.ShapelyError) as exc:
            errors.append((index, f"not a valid GeoJSON geometry ({exc.__class__.__name__})"))
    return rows, indicator_keys, errors


def import_areas(
    db: Database,
    path: str | Path,
    level: str = "area",
    *,
    id_field: str | None = None,
    name_field: str | None = None,
    population_field: str | None = None,
    source: str | None = None,
    crs: str | None = None,
) -> AreaImportReport:
    """Import area polygons with an id, a name and a population: GeoJSON, a .shp or a zipped
    shapefile, in any coordinate system (from the file's .prj or GeoJSON crs member, or `crs`),
    reprojected to WGS84 (app.boundaries)."""
    from assetmap.formats.boundaries import read_features

    path = Path(path)
    if not re.fullmatch(r"[A-Za-z0-9_]{1,20}", level):
        raise ImportFileError("level must be 1-20 letters, digits or underscores (for example DA, CSD, LSOA)")
    features = read_features(path, crs)
    rows, keys, errors = area_records(
        features,
        level,
        id_field=id_field,
        name_field=name_field,
        population_field=population_field,
        source=source or path.name,
    )
    report = AreaImportReport(errors=errors, indicators=keys)
    with store.transaction(db):
        store.declare_indicators(db, [{"key": k} for k in keys if k not in store.indicator_keys(db)])
        report.written = store.upsert_areas(db, rows)
    return report

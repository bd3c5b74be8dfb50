"""CSV and GeoJSON exports of assets, areas and reach results. Every CSV cell is neutralised
against spreadsheet formula injection (app.csvsafe); confidential assets carry no point, address,
postal code or notes.

The asset CSV has the columns `import-assets` reads, so an export re-imports as the same assets
(matched on `external_id`).
"""

from __future__ import annotations

import csv
import io

from assetmap import fields
from assetmap.formats import geojson
from assetmap.formats.csvsafe import neutralise
from assetmap.privacy import public_asset
from assetmap.vocab import abcd

# Every public field (assetmap.fields), in registry order: what import-assets reads back.
ASSET_CSV_COLUMNS = list(fields.EXPORT_COLUMNS)


def to_csv(columns: list[str], rows) -> str:
    """CSV text with a header; every cell neutralised; None as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else neutralise(_plain(row.get(c))) for c in columns])
    return out.getvalue()


def _plain(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return repr(value)
    return value


def export_asset(row: dict, types: list[dict]) -> dict:
    """The public fields of one asset (confidential ones without place details), ABCD type filled in."""
    asset = public_asset(row)
    asset["abcd_type"] = abcd.effective_type(asset, types)
    return asset


def assets_csv(rows: list[dict]) -> str:
    """Assets as CSV, in import-assets' columns."""
    types = abcd.load_types()
    return to_csv(ASSET_CSV_COLUMNS, (export_asset(r, types) for r in rows))


def assets_geojson(rows: list[dict]) -> dict:
    """Assets as a GeoJSON FeatureCollection with every public field (null geometry when not mappable)."""
    types = abcd.load_types()
    features = []
    for row in rows:
        asset = export_asset(row, types)
        feature = geojson.asset_feature(asset, detail=True)
        props = feature["properties"]
        for key in ASSET_CSV_COLUMNS:
            if key not in props:
                props[key] = asset.get(key)
        props["latitude"], props["longitude"] = (
            (feature["geometry"]["coordinates"][1], feature["geometry"]["coordinates"][0])
            if feature["geometry"]
            else (None, None)
        )
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def areas_csv(rows: list[dict], indicator_keys: list[str]) -> str:
    """Areas as CSV: id, name, level, parent, population, land area, density and every indicator."""
    features = [geojson.area_feature(r, indicator_keys)["properties"] for r in rows]
    for props, row in zip(features, rows, strict=True):
        props["rep_lon"], props["rep_lat"] = row.get("rep_lon"), row.get("rep_lat")
    columns = [
        "id",
        "name",
        "level",
        "parent_id",
        "population",
        "land_area_km2",
        "population_density_km2",
        "rep_lon",
        "rep_lat",
        "geometry_note",
        *indicator_keys,
    ]
    return to_csv(columns, features)


def reach_csv(report: dict) -> str:
    """A reach report's areas as CSV (most unreached first), deprivation quintiles as columns."""
    quintile_keys = sorted({k for a in report["areas"] for k in (a.get("quintiles") or {})})
    rows = []
    for area in report["areas"]:
        row = {k: v for k, v in area.items() if k != "quintiles"}
        row.update(area.get("quintiles") or {})
        row["category"] = report["category"]
        row["distance_method"] = report["distance_method"]
        rows.append(row)
    columns = [
        "id",
        "name",
        "population",
        "unreached_population",
        "unreached_suppressed",
        "unreached_share",
        "nearest_m",
        "threshold_m",
        "urban",
        "uncertain",
        *quintile_keys,
        "category",
        "distance_method",
    ]
    if report.get("mode"):  # by travel time: minutes, the nearest asset, and whether the area was measured
        columns += ["mode", "threshold_min", "nearest_min", "nearest_asset_id", "measured"]
        for row in rows:
            row["mode"] = report["mode"]
    return to_csv(columns, rows)

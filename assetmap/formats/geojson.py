"""Turn stored rows into GeoJSON (coordinates in (lon, lat) order, rounded to 5 decimals ≈ 1 m).

Confidential assets go through assetmap.privacy.public_asset: no point and nothing that places them,
contact details kept. Assets with precision 'none' have no point. Both have `"geometry": null`.
"""

from __future__ import annotations

import json

from assetmap import fields
from assetmap.privacy import PUBLIC_POINT_SQL, has_public_point, public_asset
from needs_assessment.precision import CONFIDENTIAL_WORDS, PRECISE, describe, is_precise

# Properties in the list endpoint: enough to draw and filter markers.
LIST_PROPERTIES = ("name", "category", "location_precision", "community", "municipality")


# The list endpoint's features, built by SQLite from rows of the public_assets view (which already
# hides what a confidential site may not show); a test holds them equal to asset_feature().
LIST_FEATURE_SQL = f"""json_object(
  'type', 'Feature', 'id', id,
  'geometry', CASE WHEN {PUBLIC_POINT_SQL}
    THEN json_object('type', 'Point', 'coordinates', json_array(round(longitude, 5), round(latitude, 5)))
    ELSE NULL END,
  'properties', json_object('id', id,
    {", ".join(f"'{k}', COALESCE({k}, '')" for k in LIST_PROPERTIES)},
    'confidential', json(CASE WHEN confidential THEN 'true' ELSE 'false' END),
    'precise', json(CASE WHEN ({PUBLIC_POINT_SQL}) AND location_precision IN ({", ".join(repr(p) for p in sorted(PRECISE))})
      THEN 'true' ELSE 'false' END)))"""

# Extra properties in the single-asset endpoint.
DETAIL_PROPERTIES = tuple(
    f for f in fields.PUBLIC if f not in LIST_PROPERTIES and f not in ("latitude", "longitude", "confidential")
) + ("updated_at",)


def public_point(row: dict) -> tuple[float, float] | None:
    """The (lon, lat) an asset may be shown at, or None (confidential, unknown)."""
    if not has_public_point(row):
        return None
    return round(row["longitude"], 5), round(row["latitude"], 5)


def asset_feature(row: dict, *, detail: bool = False) -> dict:
    """A GeoJSON Feature for one asset row (made public first: see assetmap.privacy)."""
    row = public_asset(row)
    point = public_point(row)
    props = {"id": row["id"]}
    for key in LIST_PROPERTIES:
        props[key] = row.get(key) or ""
    props["confidential"] = bool(row.get("confidential"))
    props["precise"] = bool(point) and is_precise(row.get("location_precision", ""))
    if detail:
        for key in DETAIL_PROPERTIES:
            value = row.get(key)
            props[key] = value if value is not None else (None if key in fields.NUMERIC else "")
        props["location_precision_text"] = (
            CONFIDENTIAL_WORDS if row.get("confidential") else describe(row.get("location_precision", "none"))
        )
        props["status"] = row.get("status")
        props["version"] = row.get("version")
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": {"type": "Point", "coordinates": list(point)} if point else None,
        "properties": props,
    }


def area_feature(row: dict, indicator_keys: list[str], flags: frozenset[str] = frozenset()) -> dict:
    """A GeoJSON Feature for one area row, with population, density and indicators (flag indicators,
    such as core20, as booleans)."""
    props = {
        "id": row["id"],
        "name": row["name"],
        "level": row["level"],
        "parent_id": row.get("parent_id"),
        "population": row.get("population"),
        "land_area_km2": row.get("land_area_km2"),
        "population_density_km2": (
            round(row["population"] / row["land_area_km2"], 2)
            if row.get("population") is not None and row.get("land_area_km2")
            else None
        ),
        "geometry_note": row.get("geometry_note") or "",
    }
    for key in indicator_keys:
        props[key] = row.get(key)
        if key in flags and props[key] is not None:
            props[key] = bool(props[key])
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": json.loads(row["geometry"]) if row.get("geometry") else None,
        "properties": props,
    }


def dumps(obj) -> bytes:
    """Compact UTF-8 JSON bytes."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def feature_collection(features: list[dict], **members) -> bytes:
    """Serialise a FeatureCollection (extra top-level members allowed by RFC 7946 §6.1)."""
    return dumps({"type": "FeatureCollection", **members, "features": features})

"""Turn stored rows into GeoJSON (coordinates in (lon, lat) order, rounded to 5 decimals ≈ 1 m).

Confidential assets go through app.privacy.public_asset: no point and nothing that places them,
contact details kept. Assets with precision 'none' have no point. Both have `"geometry": null`.
"""

from __future__ import annotations

import json

from assetmap.privacy import CONFIDENTIAL_BLANK, public_asset
from needs_assessment.precision import CONFIDENTIAL_WORDS, PRECISE, describe, is_precise

# Properties in the list endpoint: enough to draw and filter markers.
LIST_PROPERTIES = ("name", "category", "location_precision", "community", "municipality")


def _property_sql(key: str) -> str:
    if key in CONFIDENTIAL_BLANK:  # the same rule as privacy.public_asset, in SQL
        blank = CONFIDENTIAL_BLANK[key]
        return f"'{key}', CASE WHEN confidential THEN '{blank}' ELSE COALESCE({key}, '') END"
    return f"'{key}', COALESCE({key}, '')"


_LIST_PROPERTIES_SQL = ", ".join(_property_sql(k) for k in LIST_PROPERTIES)

# The same rule as public_point() and asset_feature(), in SQL, for the fast list endpoint.
PUBLIC_POINT_SQL = (
    "confidential = 0 AND location_precision != 'none' AND latitude IS NOT NULL AND longitude IS NOT NULL"
)
LIST_FEATURE_SQL = f"""json_object(
  'type', 'Feature', 'id', id,
  'geometry', CASE WHEN {PUBLIC_POINT_SQL}
    THEN json_object('type', 'Point', 'coordinates', json_array(round(longitude, 5), round(latitude, 5)))
    ELSE NULL END,
  'properties', json_object('id', id,
    {_LIST_PROPERTIES_SQL},
    'confidential', json(CASE WHEN confidential THEN 'true' ELSE 'false' END),
    'precise', json(CASE WHEN ({PUBLIC_POINT_SQL}) AND location_precision IN ({", ".join(repr(p) for p in sorted(PRECISE))})
      THEN 'true' ELSE 'false' END)))"""

# Extra properties in the single-asset endpoint.
DETAIL_PROPERTIES = (
    "description",
    "subcategory",
    "address",
    "postal_code",
    "phone",
    "email",
    "website",
    "hours_text",
    "opening_hours",
    "languages",
    "accessibility",
    "eligibility",
    "cost",
    "capacity",
    "source",
    "source_url",
    "notes",
    "verified_date",
    "updated_at",
)


def public_point(row: dict) -> tuple[float, float] | None:
    """The (lon, lat) an asset may be shown at, or None (confidential, unknown)."""
    if row.get("confidential") or row.get("location_precision") == "none":
        return None
    if row.get("latitude") is None or row.get("longitude") is None:
        return None
    return round(row["longitude"], 5), round(row["latitude"], 5)


def asset_feature(row: dict, *, detail: bool = False) -> dict:
    """A GeoJSON Feature for one asset row (made public first: see app.privacy)."""
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
            props[key] = value if value is not None else ("" if key != "capacity" else None)
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


def area_feature(row: dict, indicator_keys: list[str]) -> dict:
    """A GeoJSON Feature for one area row, with population, density and indicators."""
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

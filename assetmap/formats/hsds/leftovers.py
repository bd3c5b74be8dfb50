"""Leftovers of someone else's HSDS: what our columns do not regenerate, kept to be put back on export.

Importing keeps in the asset's `extra["hsds"]` (`unit_leftovers()`): unmapped fields of the service,
organization, location and service_at_location, the ids of the source objects, and every child list
(phones, contacts, funding, other taxonomies' attributes...) that our columns would not regenerate
identically. `apply_leftovers()` puts them back into an exported unit. A child list tied to a column
(phones -> phone, `SLOT_COLUMNS`) is put back only while that column still holds the value it was read
into. This module owns the format of `extra["hsds"]`: `{part: {"fields": {...}, "slots": {key:
{"columns": {...}, "items": [...]}}}, "ids": {part: id}}`.
"""

from __future__ import annotations

from assetmap.formats.hsds.objects import PARTS
from assetmap.formats.hsds.terms import OUR_TAXONOMIES, Context, taxonomy_name
from assetmap.formats.hsds.unit import structured_unit, unit_ids
from assetmap.formats.hsds.values import same_value
from assetmap.privacy import public_asset

# The fields of each object of a unit that our columns set.
DRIVEN = {
    "service": {
        "id",
        "organization_id",
        "name",
        "description",
        "url",
        "email",
        "status",
        "eligibility_description",
        "fees_description",
        "assured_date",
        "last_modified",
    },
    "organization": {"id"},
    "service_at_location": {"id", "service_id", "location_id"},
    "location": {"id", "latitude", "longitude"},
}
# Child lists read into a column: put back on export only while the column is unchanged.
SLOT_COLUMNS = {
    ("service", "phones"): ("phone",),
    ("service_at_location", "phones"): ("phone",),
    ("location", "phones"): ("phone",),
    ("service", "schedules"): ("hours_text", "opening_hours"),
    ("service_at_location", "schedules"): ("hours_text", "opening_hours"),
    ("location", "schedules"): ("hours_text", "opening_hours"),
    ("service", "languages"): ("languages",),
    ("location", "languages"): ("languages",),
    ("location", "accessibility"): ("accessibility",),
    ("location", "addresses"): ("address", "community", "municipality", "postal_code"),
    ("service", "cost_options"): ("cost",),
}


def _ours(attr: dict) -> bool:
    return taxonomy_name(attr.get("taxonomy_term") or {}) in OUR_TAXONOMIES


def unit_leftovers(source: dict, record: dict, ctx: Context, ids: dict[str, str]) -> dict:
    """What of a source unit our columns do not regenerate: extra["hsds"] for the asset."""
    generated = structured_unit(public_asset(record), ctx, ids)
    out: dict = {}
    for part in PARTS:
        src = source.get(part)
        if not src:
            continue
        gen = generated.get(part) or {}
        fields = {
            k: v
            for k, v in src.items()
            if not isinstance(v, (list, dict)) and k not in DRIVEN[part] and gen.get(k) != v
        }
        slots = {}
        keys = [k for k, v in src.items() if isinstance(v, list)] + [
            k for k, v in gen.items() if isinstance(v, list) and k not in src
        ]
        for key in keys:
            if key == "attributes":
                items = [a for a in src.get(key) or [] if not _ours(a)]
                if items:
                    slots[key] = {"items": items}
                continue
            src_items, gen_items = src.get(key) or [], gen.get(key) or []
            if src_items != gen_items:
                columns = {c: record.get(c) for c in SLOT_COLUMNS.get((part, key), ())}
                slots[key] = {"columns": columns, "items": src_items} if columns else {"items": src_items}
        if fields or slots:
            out[part] = {k: v for k, v in (("fields", fields), ("slots", slots)) if v}
    default_ids = unit_ids({"external_id": record.get("external_id")})
    changed_ids = {p: ids[p] for p in PARTS if ids[p] != default_ids[p] and source.get(p)}
    if changed_ids:
        out["ids"] = changed_ids
    return out


def apply_leftovers(unit: dict, hsds_extra: dict, asset: dict, ids: dict) -> None:
    """Put an asset's extra["hsds"] back into its unit (child lists only while their columns are unchanged)."""
    for part in PARTS:
        left = hsds_extra.get(part)
        if not left:
            continue
        obj = unit.get(part)
        if obj is None:
            obj = {"id": ids[part]}
            if part == "service_at_location":
                obj.update(service_id=ids["service"], location_id=ids["location"])
            unit[part] = obj
            if part == "location" and unit["service_at_location"] is None:
                unit["service_at_location"] = {
                    "id": ids["service_at_location"],
                    "service_id": ids["service"],
                    "location_id": ids["location"],
                }
        obj.update(left.get("fields") or {})
        for key, slot in (left.get("slots") or {}).items():
            if key == "attributes":
                obj["attributes"] = (obj.get("attributes") or []) + slot["items"]
                continue
            unchanged = all(same_value(asset.get(c), v) for c, v in (slot.get("columns") or {}).items())
            if unchanged:
                if slot["items"]:
                    obj[key] = slot["items"]
                else:
                    obj.pop(key, None)

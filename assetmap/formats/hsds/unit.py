"""The structured HSDS unit of an asset: its ids, and HSDS's own fields filled from its columns.

A unit is a service, its organization, and (when the asset has a place, `has_place()`) one
service_at_location with its location. `unit_ids()` gives the unit's ids: from the asset's HSDS
external id when it came from HSDS, else derived from its key, so the same asset gets the same ids in
every export. `structured_unit()` fills everything HSDS has a field for (name, description, url,
email, phones, schedules, languages, eligibility, fees, address, coordinates, accessibility) and the
category and ABCD type terms. It adds no field attributes and no leftovers: `mapping.asset_unit()`
does, and `leftovers.unit_leftovers()` compares a source unit with this one.
"""

from __future__ import annotations

import json
import re

from jsonschema import Draft202012Validator

from assetmap.formats.hsds.objects import PARTS, uid
from assetmap.formats.hsds.terms import ABCD_TAXONOMY, CATEGORY_TAXONOMY, Context, attribute, our_term
from assetmap.formats.hsds.values import parse_opening_hours, province_for, split_languages, split_phones
from assetmap.vocab import abcd

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXTERNAL_ID = re.compile(
    r"^hsds:(?:(organization|location)/)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"(?:/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))?$"
)
_FORMATS = Draft202012Validator.FORMAT_CHECKER


def asset_extra(asset: dict) -> dict:
    """The asset's extra attributes as a dict."""
    extra = asset.get("extra")
    if isinstance(extra, str):
        return json.loads(extra) if extra else {}
    return dict(extra or {})


def unit_ids(asset: dict) -> dict[str, str]:
    """HSDS ids of the asset's unit: from its HSDS external id or source ids, else derived from its key."""
    ext = asset.get("external_id") or ""
    key = ext or f"asset:{asset.get('id')}"
    ids = {part: uid(part, key) for part in PARTS}
    m = _EXTERNAL_ID.match(ext)
    if m:
        kind, first, second = m.groups()
        if kind is None:
            ids["service"] = first
        else:
            ids[kind] = first
        if second:
            ids["location"] = second
    ids.update((asset_extra(asset).get("hsds") or {}).get("ids") or {})
    return ids


def _organization_description(asset: dict, ctx: Context) -> str:
    cat = ctx.category_by_slug.get(asset.get("category"), {})
    label = cat.get("label") or asset.get("category") or "community asset"
    sub = f" ({asset['subcategory']})" if asset.get("subcategory") else ""
    return f"Listed in the community asset inventory as: {label}{sub}."


def has_place(asset: dict) -> bool:
    """Whether the asset gets a location: a point, a place name, an address or accessibility notes."""
    return bool(
        asset.get("latitude") is not None
        or asset.get("confidential")
        or any(asset.get(k) for k in ("address", "community", "municipality", "postal_code", "accessibility"))
    )


def structured_unit(asset: dict, ctx: Context, ids: dict[str, str]) -> dict:
    """The unit built from HSDS's own fields only (no field attributes, no leftovers)."""
    s, o, sal_id, loc_id = ids["service"], ids["organization"], ids["service_at_location"], ids["location"]
    service = {"id": s, "organization_id": o, "name": asset["name"], "status": "active"}
    if asset.get("description"):
        service["description"] = asset["description"]
    if asset.get("website") and _FORMATS.conforms(asset["website"], "uri"):
        service["url"] = asset["website"]
    if asset.get("email") and _FORMATS.conforms(asset["email"], "email"):
        service["email"] = asset["email"]
    if asset.get("eligibility"):
        service["eligibility_description"] = asset["eligibility"]
    if asset.get("cost"):
        service["fees_description"] = asset["cost"]
    if asset.get("verified_date") and _DATE.match(asset["verified_date"]):
        service["assured_date"] = asset["verified_date"]
    phones = split_phones(asset.get("phone"))
    if phones:
        service["phones"] = [
            {"id": uid("phone", s, str(i)), "service_id": s, "number": n} for i, n in enumerate(phones)
        ]
    schedules = []
    if asset.get("hours_text"):
        schedules.append({"id": uid("schedule", s, "text"), "service_id": s, "description": asset["hours_text"]})
    for i, rule in enumerate(parse_opening_hours(asset.get("opening_hours")) or []):
        schedules.append({"id": uid("schedule", s, str(i)), "service_id": s, "freq": "WEEKLY", **rule})
    if schedules:
        service["schedules"] = schedules
    languages = split_languages(asset.get("languages"))
    if languages:
        service["languages"] = [{"id": uid("language", s, name), "service_id": s, "name": name} for name in languages]
    cat = ctx.category_by_slug.get(asset.get("category"), {})
    abcd_code = abcd.effective_type(asset, ctx.abcd_types)
    abcd_row = next((t for t in ctx.abcd_types if t["code"] == abcd_code), {"label": abcd_code, "description": ""})
    service["attributes"] = [
        attribute(
            "service",
            s,
            our_term(
                CATEGORY_TAXONOMY, asset["category"], cat.get("label") or asset["category"], cat.get("description")
            ),
        ),
        attribute("service", s, our_term(ABCD_TAXONOMY, abcd_code, abcd_row["label"], abcd_row["description"])),
    ]
    unit = {
        "service": service,
        "organization": {"id": o, "name": asset["name"], "description": _organization_description(asset, ctx)},
        "service_at_location": None,
        "location": None,
    }
    if has_place(asset):
        location = {"id": loc_id, "location_type": "physical", "name": asset["name"]}
        if asset.get("latitude") is not None and asset.get("longitude") is not None:
            location["latitude"], location["longitude"] = asset["latitude"], asset["longitude"]
        region = province_for(asset.get("postal_code"))
        city = asset.get("community") or asset.get("municipality")
        if asset.get("address") and city and region:
            address = {
                "id": uid("address", loc_id, "physical"),
                "location_id": loc_id,
                "address_1": asset["address"],
                "city": city,
                "state_province": region[0],
                "postal_code": asset["postal_code"],
                "country": region[1],
                "address_type": "postal" if asset.get("address_kind") == "mailing" else "physical",
            }
            if asset.get("municipality"):
                address["region"] = asset["municipality"]
            location["addresses"] = [address]
        if asset.get("accessibility"):
            location["accessibility"] = [
                {"id": uid("accessibility", loc_id), "location_id": loc_id, "description": asset["accessibility"]}
            ]
        unit["location"] = location
        unit["service_at_location"] = {"id": sal_id, "service_id": s, "location_id": loc_id}
    return unit

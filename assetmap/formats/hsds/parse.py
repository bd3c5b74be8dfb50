"""HSDS unit -> asset record: what `parse_unit()` reads back from a service, organization and location.

Fields HSDS has come from the service first (then the organization or location); phones, schedules
and languages from the first object that lists them. The category comes from the taxonomy terms: our
own `assetmap_category` term, else the first term the term map maps (an ABCD type's mapped category
last); terms the map does not know are listed in `Parsed.unmapped_terms`. Attributes of the
`assetmap_field` taxonomy override the fields they name, so an exported asset reads back exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from assetmap import fields
from assetmap.formats.hsds.terms import (
    ABCD_TAXONOMY,
    CATEGORY_TAXONOMY,
    FIELD_TAXONOMY,
    ROUND_TRIP_FIELDS,
    Context,
    map_term,
    taxonomy_name,
    term_label,
)
from assetmap.formats.hsds.values import format_opening_hours
from assetmap.vocab import abcd

NUMERIC_FIELDS = set(fields.NUMERIC) - {"confidential"}


@dataclass
class Parsed:
    """What parse_unit learned besides the record: terms it could not map, whether a default was used."""

    unmapped_terms: list[str] = field(default_factory=list)
    mapped_term: str | None = None


def _all_attributes(unit: dict) -> list[tuple[str, dict]]:
    out = []
    for part in ("service", "service_at_location", "location", "organization"):
        for attr in (unit.get(part) or {}).get("attributes") or []:
            out.append((part, attr))
    return out


def _first_list(unit: dict, key: str, parts=("service", "service_at_location", "location", "organization")):
    for part in parts:
        items = (unit.get(part) or {}).get(key) or []
        if items:
            return items
    return []


def parse_unit(unit: dict, ctx: Context) -> tuple[dict, Parsed]:
    """An asset record (column -> value) from a unit; category None when no term maps."""
    service = unit.get("service") or {}
    org = unit.get("organization") or {}
    location = unit.get("location") or {}
    info = Parsed()
    rec: dict = {k: None for k in ROUND_TRIP_FIELDS}
    rec["name"] = service.get("name") or (org.get("name") if not service else None) or location.get("name")
    rec["description"] = service.get("description") or ("" if service else org.get("description") or "")
    rec["website"] = service.get("url") or org.get("website") or ""
    rec["email"] = service.get("email") or org.get("email") or ""
    rec["eligibility"] = service.get("eligibility_description") or ""
    cost = service.get("fees_description") or ""
    if not cost:
        parts = []
        for opt in service.get("cost_options") or []:
            amount = opt.get("amount")
            words = [
                opt.get("option"),
                f"{amount:g}" if isinstance(amount, (int, float)) else None,
                opt.get("currency"),
            ]
            text = " ".join(w for w in words if w)
            if opt.get("amount_description"):
                text = f"{text} ({opt['amount_description']})" if text else opt["amount_description"]
            parts.append(text)
        cost = "; ".join(p for p in parts if p)
    rec["cost"] = cost
    rec["verified_date"] = service.get("assured_date") or ""
    numbers = []
    for phone in _first_list(unit, "phones"):
        number = phone.get("number") or ""
        if phone.get("extension") is not None:
            number += f" ext. {phone['extension']:g}"
        numbers.append(number)
    rec["phone"] = "; ".join(numbers)
    texts, rules = [], []
    for sched in _first_list(unit, "schedules", ("service_at_location", "service", "location")):
        if sched.get("description"):
            texts.append(sched["description"])
        if sched.get("byday") and sched.get("opens_at") and sched.get("closes_at"):
            if sched.get("freq") in (None, "WEEKLY") and not sched.get("interval", 1) != 1:
                rules.append(sched)
    rec["hours_text"] = "; ".join(texts)
    rec["opening_hours"] = (format_opening_hours(rules) if rules else None) or ""
    rec["languages"] = ", ".join(
        lang.get("name") or lang.get("code") or "" for lang in _first_list(unit, "languages", ("service", "location"))
    )
    rec["accessibility"] = "; ".join(
        a.get("description") or a.get("details") or "" for a in location.get("accessibility") or []
    )
    addresses = location.get("addresses") or []
    physical = next((a for a in addresses if a.get("address_type") == "physical"), None)
    if physical:
        street = physical.get("address_1") or ""
        if physical.get("address_2"):
            street = f"{street}, {physical['address_2']}"
        rec["address"] = street
        rec["community"] = physical.get("city") or ""
        rec["municipality"] = physical.get("region") or ""
        rec["postal_code"] = physical.get("postal_code") or ""
    lat, lon = location.get("latitude"), location.get("longitude")
    if lat is not None and lon is not None:
        rec["latitude"], rec["longitude"] = lat, lon
        rec["location_precision"] = "address" if physical else "exact"
        rec["precision_source"] = "HSDS location latitude/longitude"
    else:
        # No point: "" lets the importer geocode a given address offline; "none" when there is nothing to go on.
        rec["location_precision"] = "" if (rec.get("address") or rec.get("postal_code")) else "none"
        rec["precision_source"] = ""
    rec["confidential"] = 0
    # Taxonomy terms: our category first, then the mapping file, in attribute order.
    overrides = {}
    abcd_category = None
    for _part, attr in _all_attributes(unit):
        term = attr.get("taxonomy_term") or {}
        taxonomy = taxonomy_name(term)
        code = term.get("code") or term.get("name")
        if taxonomy == CATEGORY_TAXONOMY:
            if rec["category"] is None and code in ctx.category_by_slug:
                rec["category"] = code
        elif taxonomy == ABCD_TAXONOMY:
            rec["abcd_type"] = rec["abcd_type"] or abcd.resolve_type(code or "", ctx.abcd_types)
            row = map_term(term, ctx.term_map)
            if row and row.get("category") in ctx.category_by_slug:
                abcd_category = abcd_category or row["category"]
        elif taxonomy == FIELD_TAXONOMY:
            overrides[code] = attr
        else:
            row = map_term(term, ctx.term_map)
            if row is None:
                info.unmapped_terms.append(term_label(term))
                continue
            if rec["category"] is None and row.get("category") in ctx.category_by_slug:
                rec["category"] = row["category"]
                info.mapped_term = term_label(term)
                if not rec.get("subcategory") and term.get("name"):
                    rec["subcategory"] = term["name"]
            if row.get("abcd_type") and not rec["abcd_type"]:
                rec["abcd_type"] = abcd.resolve_type(row["abcd_type"], ctx.abcd_types)
    if rec["category"] is None and abcd_category:
        rec["category"] = abcd_category  # e.g. an informal group known only as an ABCD association
    extra = {}
    for code, attr in overrides.items():
        value = attr.get("value") or ""
        if code.startswith("extra."):
            extra[code[6:]] = json.loads(value) if attr.get("link_type") == "json" else value
        elif code in NUMERIC_FIELDS:
            rec[code] = float(value) if value != "" else None
        elif code == "confidential":
            rec[code] = 1 if value in ("1", "true") else 0
        elif code in rec:
            rec[code] = value
    if extra:
        rec["extra"] = extra
    return rec, info

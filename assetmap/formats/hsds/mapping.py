"""Open Referral HSDS 3.0 <-> assets: the mapping, as pure functions over plain dicts.

One asset is one HSDS *unit*: a service, its organization, and (when the asset has a place) one
service_at_location with its location. `asset_unit()` builds the unit from an asset row;
`parse_unit()` reads an asset record back from a unit. Everything HSDS has a field for goes there
(name, description, url, email, phones, schedules, languages, eligibility, fees, address,
coordinates, accessibility); our categories and ABCD types are taxonomy terms on the service; the
fields HSDS has no place for (subcategory, location precision, source, notes...) are attributes of
the taxonomy `assetmap_field` whose value holds the field. `asset_unit()` checks its own work: any
field `parse_unit()` would not read back exactly is added as such an attribute, so a round trip is
exact by construction.

Importing someone else's HSDS keeps what does not map to a column in the asset's `extra["hsds"]`
(`unit_leftovers()`): unmapped fields of the service, organization, location and
service_at_location, the ids of the source objects, and every child list (phones, contacts,
funding, other taxonomies' attributes...) that our columns would not regenerate identically.
`asset_unit()` puts them back, so they come out again on export. A child list tied to a column
(phones -> phone) is put back only while that column still holds the value it was read into.

Confidential assets leave without address, postal code, coordinates or notes (`public_asset`).
"""

from __future__ import annotations

import csv
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft202012Validator

from assetmap import (
    DATA_DIR,  # noqa: E402
    fields,
)
from assetmap.privacy import public_asset
from assetmap.vocab import abcd

TAXONOMY_MAP_FILE = DATA_DIR / "hsds_taxonomy_map.csv"

# Fixed namespace: the same asset gets the same HSDS ids in every export.
NAMESPACE = uuid.UUID("5b0f3e0c-8a51-4d53-9b1e-3f6b8f0d2c71")

CATEGORY_TAXONOMY = "assetmap_category"
ABCD_TAXONOMY = "abcd_asset_type"
FIELD_TAXONOMY = "assetmap_field"
OUR_TAXONOMIES = {
    CATEGORY_TAXONOMY: "Categories of the community asset map (assets_data/categories.csv).",
    ABCD_TAXONOMY: "Asset-based community development (ABCD) asset types: individuals' skills, associations, "
    "institutions, physical spaces, local economy, culture, natural environment.",
    FIELD_TAXONOMY: "Fields of the community asset map that HSDS has no place for; the attribute's value holds "
    "the field's value (term code = field name; 'extra.<name>' for an extra attribute).",
}

# Asset fields carried through HSDS (status and bookkeeping are not).
ROUND_TRIP_FIELDS = list(fields.PUBLIC)  # every field that may leave the app (assetmap.fields)
NUMERIC_FIELDS = set(fields.NUMERIC) - {"confidential"}
# Field attributes that describe the place are linked to the location when there is one.
LOCATION_FIELDS = {
    "address",
    "community",
    "municipality",
    "postal_code",
    "accessibility",
    "location_precision",
    "precision_source",
}
FIELD_DESCRIPTIONS = {
    "external_id": "The asset's stable id in its source (e.g. osm:node/123, muskoka:<slug>).",
    "subcategory": "Free-text kind of asset within its category.",
    "location_precision": "How the point was obtained: exact, address, landmark, postal_code, rural_postal_code, "
    "community, municipality, unreliable or none.",
    "precision_source": "Where the point came from.",
    "confidential": "1 when the site's location is confidential (never mapped, no address).",
    "source": "Where the asset record came from (attribution).",
    "source_url": "The page the record was compiled from.",
    "notes": "Editors' notes.",
    "verified_by": "Who last checked the record.",
    "capacity": "Relative capacity used in access (2SFCA) scores.",
    "opening_hours": "Opening hours in OpenStreetMap opening_hours syntax.",
    "hours_text": "Opening hours as written in the source, as last seen.",
}

# The objects a unit holds, and the fields of each that our columns set.
PARTS = ("service", "organization", "service_at_location", "location")
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

# Nested lists of each object kind (JSON key -> object kind), as in the compiled HSDS schemas.
_COMMON = {"attributes": "attribute", "metadata": "metadata"}
CHILDREN: dict[str, dict[str, str]] = {
    "service": {
        "phones": "phone",
        "schedules": "schedule",
        "service_areas": "service_area",
        "service_at_locations": "service_at_location",
        "languages": "language",
        "funding": "funding",
        "cost_options": "cost_option",
        "required_documents": "required_document",
        "contacts": "contact",
        **_COMMON,
    },
    "service_at_location": {"contacts": "contact", "phones": "phone", "schedules": "schedule", **_COMMON},
    "location": {
        "languages": "language",
        "addresses": "address",
        "contacts": "contact",
        "accessibility": "accessibility",
        "phones": "phone",
        "schedules": "schedule",
        **_COMMON,
    },
    "organization": {
        "funding": "funding",
        "contacts": "contact",
        "phones": "phone",
        "locations": "location",
        "programs": "program",
        "organization_identifiers": "organization_identifier",
        **_COMMON,
    },
    "contact": {"phones": "phone", **_COMMON},
    "phone": {"languages": "language", **_COMMON},
    "attribute": {"metadata": "metadata"},
    "taxonomy_term": {"metadata": "metadata"},
    "taxonomy": {"metadata": "metadata"},
    "metadata": {},
}
for _kind in (
    "program",
    "address",
    "schedule",
    "language",
    "accessibility",
    "cost_option",
    "funding",
    "required_document",
    "service_area",
    "organization_identifier",
    "meta_table_description",
):
    CHILDREN[_kind] = dict(_COMMON)
# Single nested objects: JSON key -> (object kind, the id field that points at it).
SINGLE = {
    "service": {"organization": ("organization", "organization_id"), "program": ("program", "program_id")},
    "service_at_location": {"location": ("location", "location_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "taxonomy_term_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "taxonomy_id")},
}
# Links to other units, not part of a unit's own objects.
UNIT_LINKS = {("service", "service_at_locations"), ("organization", "locations")}

# Canadian postal code first letter -> province or territory (X is NT or NU: not derivable).
PROVINCE_BY_POSTAL = {
    "A": "NL",
    "B": "NS",
    "C": "PE",
    "E": "NB",
    "G": "QC",
    "H": "QC",
    "J": "QC",
    "K": "ON",
    "L": "ON",
    "M": "ON",
    "N": "ON",
    "P": "ON",
    "R": "MB",
    "S": "SK",
    "T": "AB",
    "V": "BC",
    "Y": "YT",
}
_CA_POSTAL = re.compile(r"^[A-Z]\d[A-Z] \d[A-Z]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXTERNAL_ID = re.compile(
    r"^hsds:(?:(organization|location)/)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
    r"(?:/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))?$"
)
_FORMATS = Draft202012Validator.FORMAT_CHECKER


def uid(*parts: str) -> str:
    """A stable UUID (version 5) for the given parts."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


# --- context: categories, ABCD types, taxonomy mapping -----------------------------------------


@dataclass
class Context:
    """What the mapping needs besides the asset: categories, ABCD types, the term -> category map."""

    categories: list[dict]
    abcd_types: list[dict] = field(default_factory=abcd.load_types)
    term_map: list[dict] = field(default_factory=list)

    @property
    def category_by_slug(self) -> dict[str, dict]:
        return {c["slug"]: c for c in self.categories}


def read_term_map(path: str | Path = TAXONOMY_MAP_FILE) -> list[dict]:
    """Read a taxonomy-term -> category mapping CSV (taxonomy, term, category[, abcd_type, note])."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"taxonomy", "term", "category"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        rows = []
        for number, row in enumerate(reader, start=2):
            if not (row.get("term") or "").strip():
                continue
            rows.append({k: (v or "").strip() for k, v in row.items() if k} | {"row": number})
    return rows


def _norm(text) -> str:
    return re.sub(r"[\s_\-]+", " ", str(text or "").strip().lower())


def term_label(term: dict) -> str:
    """'taxonomy: code (name)' for reports."""
    taxonomy = term.get("taxonomy") or (term.get("taxonomy_detail") or {}).get("name") or "?"
    code, name = term.get("code"), term.get("name")
    if code and name and code != name:
        return f"{taxonomy}: {code} ({name})"
    return f"{taxonomy}: {code or name}"


def _taxonomy_name(term: dict) -> str:
    return term.get("taxonomy") or (term.get("taxonomy_detail") or {}).get("name") or ""


def map_term(term: dict, term_map: list[dict]) -> dict | None:
    """The first mapping row that matches a taxonomy term: same taxonomy (or '*'), then the term's code or
    name (case, spaces, dashes and underscores ignored); a term ending in '*' is a prefix of the code."""
    taxonomy = _norm(_taxonomy_name(term))
    code, name = _norm(term.get("code")), _norm(term.get("name"))
    for row in term_map:
        if row["taxonomy"] not in ("", "*") and _norm(row["taxonomy"]) != taxonomy:
            continue
        wanted = _norm(row["term"])
        if row["term"].endswith("*"):
            if code and code.startswith(_norm(row["term"][:-1])):
                return row
        elif wanted in (code, name):
            return row
    return None


# --- small value helpers -----------------------------------------------------------------------


def _blank(value) -> bool:
    return value is None or value == ""


def same_value(a, b) -> bool:
    """Field equality as a round trip needs it: None == '' and 1 == 1.0."""
    if _blank(a) and _blank(b):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def _text(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


def split_phones(phone: str | None) -> list[str]:
    """A phone cell holds numbers separated by '; '."""
    return [p for p in (phone or "").split("; ") if p.strip()]


def split_languages(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"[,;]", text or "") if p.strip()]


def province_for(postal_code: str | None) -> tuple[str, str] | None:
    """(state_province, country) derived from a Canadian postal code, else None."""
    code = (postal_code or "").upper()
    if _CA_POSTAL.match(code) and code[0] in PROVINCE_BY_POSTAL:
        return PROVINCE_BY_POSTAL[code[0]], "CA"
    return None


# OpenStreetMap opening_hours <-> HSDS weekly schedules (only the plain "Mo-Fr 09:00-17:00" form).
_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
_RULE = re.compile(
    r"^((?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?(?:,(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?)*) ((?:[01]\d|2[0-3]):[0-5]\d-(?:[01]\d|2[0-3]):[0-5]\d(?:,(?:[01]\d|2[0-3]):[0-5]\d-(?:[01]\d|2[0-3]):[0-5]\d)*)$"
)


def parse_opening_hours(text: str | None) -> list[dict] | None:
    """Weekly rules (byday, opens_at, closes_at) from simple OSM opening_hours, or None when not simple.

    >>> parse_opening_hours("Mo-We,Fr 09:00-12:00,13:00-17:00")[1]
    {'byday': 'MO,TU,WE,FR', 'opens_at': '13:00', 'closes_at': '17:00'}
    >>> parse_opening_hours("24/7") is None
    True
    """
    if not text or not text.strip():
        return None
    rules = []
    for part in text.split("; "):
        m = _RULE.match(part.strip())
        if not m:
            return None
        days: list[str] = []
        for chunk in m.group(1).split(","):
            first, _, last = chunk.partition("-")
            i, j = _DAYS.index(first), _DAYS.index(last or first)
            if j < i:
                return None
            days += [d for d in _DAYS[i : j + 1] if d not in days]
        for span in m.group(2).split(","):
            opens, closes = span.split("-")
            rules.append({"byday": ",".join(d.upper() for d in days), "opens_at": opens, "closes_at": closes})
    return rules


def format_opening_hours(rules: list[dict]) -> str | None:
    """OSM opening_hours text from weekly rules; None when a rule is not a plain weekly one."""
    groups: dict[str, list[str]] = {}
    for rule in rules:
        days = [d.strip().title() for d in (rule.get("byday") or "").split(",") if d.strip()]
        opens, closes = (rule.get("opens_at") or "")[:5], (rule.get("closes_at") or "")[:5]
        if not days or any(d not in _DAYS for d in days) or not (opens and closes):
            return None
        days_text = _day_ranges(sorted(set(days), key=_DAYS.index))
        groups.setdefault(days_text, []).append(f"{opens}-{closes}")
    return "; ".join(f"{days} {','.join(spans)}" for days, spans in groups.items()) or None


def _day_ranges(days: list[str]) -> str:
    out, run = [], [days[0]]
    for d in days[1:]:
        if _DAYS.index(d) == _DAYS.index(run[-1]) + 1:
            run.append(d)
        else:
            out.append(run)
            run = [d]
    out.append(run)
    return ",".join(r[0] if len(r) == 1 else (f"{r[0]},{r[1]}" if len(r) == 2 else f"{r[0]}-{r[-1]}") for r in out)


# --- asset -> unit -----------------------------------------------------------------------------


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


def _term(taxonomy: str, code: str, name: str, description: str) -> dict:
    return {
        "id": uid("taxonomy_term", taxonomy, code),
        "code": code,
        "name": name,
        "description": description or name,
        "taxonomy": taxonomy,
        "taxonomy_id": uid("taxonomy", taxonomy),
        "taxonomy_detail": {"id": uid("taxonomy", taxonomy), "name": taxonomy, "description": OUR_TAXONOMIES[taxonomy]},
    }


def field_term(code: str) -> dict:
    """The assetmap_field taxonomy term for one field (or 'extra.<name>')."""
    if code.startswith("extra."):
        description = f"Extra attribute {code[6:]!r} kept from an imported file."
    else:
        description = FIELD_DESCRIPTIONS.get(code, f"The asset's {code.replace('_', ' ')}.")
    return _term(FIELD_TAXONOMY, code, code, description)


def _attribute(link_entity: str, link_id: str, term: dict, value: str | None = None, link_type: str = "") -> dict:
    attr = {
        "id": uid("attribute", link_entity, link_id, term["id"]),
        "link_id": link_id,
        "link_entity": link_entity,
        "taxonomy_term_id": term["id"],
    }
    if link_type:
        attr["link_type"] = link_type
    if value is not None:
        attr["value"] = value
    attr["taxonomy_term"] = term
    return attr


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
        _attribute(
            "service",
            s,
            _term(CATEGORY_TAXONOMY, asset["category"], cat.get("label") or asset["category"], cat.get("description")),
        ),
        _attribute("service", s, _term(ABCD_TAXONOMY, abcd_code, abcd_row["label"], abcd_row["description"])),
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
                "address_type": "physical",
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


def asset_unit(row: dict, ctx: Context) -> dict:
    """The HSDS unit of one asset: structured fields, field attributes for the rest, source leftovers."""
    asset = public_asset(row)
    ids = unit_ids(asset)
    unit = structured_unit(asset, ctx, ids)
    extra = asset_extra(asset)
    hsds_extra = extra.pop("hsds", None) or {}
    _apply_leftovers(unit, hsds_extra, asset, ids)
    back, _ = parse_unit(unit, ctx)
    attrs: list[tuple[str, dict]] = []
    for name in ROUND_TRIP_FIELDS:
        want = abcd.effective_type(asset, ctx.abcd_types) if name == "abcd_type" else asset.get(name)
        if name == "external_id" and not want:
            continue  # no id of its own: the importer keeps hsds:<service id>, stable for re-imports
        if not same_value(back.get(name), want):
            attrs.append((name, {"value": _text(want)}))
    for key, value in sorted(extra.items()):
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        attrs.append((f"extra.{key}", {"value": text, "link_type": "" if isinstance(value, str) else "json"}))
    for code, spec in attrs:
        if code in LOCATION_FIELDS and unit["location"] is not None:
            entity, link = "location", unit["location"]
        elif code == "external_id" and unit["service_at_location"] is not None:
            # One service can have several locations, each its own asset with its own id.
            entity, link = "service_at_location", unit["service_at_location"]
        else:
            entity, link = "service", unit["service"]
        link.setdefault("attributes", []).append(
            _attribute(entity, link["id"], field_term(code), spec["value"], spec.get("link_type", ""))
        )
    return unit


def _apply_leftovers(unit: dict, hsds_extra: dict, asset: dict, ids: dict) -> None:
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


# --- unit -> asset record ----------------------------------------------------------------------


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
        taxonomy = _taxonomy_name(term)
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


# --- leftovers of someone else's HSDS ---------------------------------------------------------


def _ours(attr: dict) -> bool:
    return _taxonomy_name(attr.get("taxonomy_term") or {}) in OUR_TAXONOMIES


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


# --- tables <-> nested objects -----------------------------------------------------------------


def flatten(kind: str, obj: dict, tables: dict[str, dict[str, dict]], parent: tuple[str, str] | None = None) -> None:
    """Add a nested HSDS object and everything under it to tables (kind -> id -> flat row), first wins."""
    row = {k: v for k, v in obj.items() if not isinstance(v, (list, dict))}
    if parent is not None:
        parent_kind, parent_id = parent
        if kind == "attribute":
            row.setdefault("link_id", parent_id)
            row.setdefault("link_entity", parent_kind)
        elif kind == "metadata":
            row.setdefault("resource_id", parent_id)
            row.setdefault("resource_type", parent_kind)
        else:
            row.setdefault(f"{parent_kind}_id", parent_id)
    for key, (child_kind, id_field) in SINGLE.get(kind, {}).items():
        child = obj.get(key)
        if isinstance(child, dict) and child.get("id"):
            row.setdefault(id_field, child["id"])
            flatten(child_kind, child, tables)
    for key, child_kind in CHILDREN.get(kind, {}).items():
        for item in obj.get(key) or []:
            if isinstance(item, dict):
                flatten(child_kind, item, tables, (kind, row.get("id")))
    tables.setdefault(kind, {}).setdefault(row.get("id"), row)


class TableIndex:
    """Flat HSDS tables indexed for nesting: rows by id, children by (parent kind, parent id, kind)."""

    def __init__(self, tables: dict[str, list[dict]]):
        self.by_id = {kind: {r["id"]: r for r in rows if r.get("id")} for kind, rows in tables.items()}
        self.children: dict[tuple[str, str, str], list[dict]] = {}
        for kind, rows in tables.items():
            for row in rows:
                for parent_kind, parent_id in self._parents(kind, row):
                    self.children.setdefault((parent_kind, parent_id, kind), []).append(row)

    @staticmethod
    def _parents(kind: str, row: dict):
        if kind == "attribute":
            if row.get("link_entity") and row.get("link_id"):
                yield row["link_entity"], row["link_id"]
            return
        if kind == "metadata":
            if row.get("resource_type") and row.get("resource_id"):
                yield row["resource_type"], row["resource_id"]
            return
        for parent_kind in CHILDREN:
            if parent_kind != kind and row.get(f"{parent_kind}_id") and kind in CHILDREN[parent_kind].values():
                yield parent_kind, row[f"{parent_kind}_id"]

    def nest(self, kind: str, row: dict, skip: set[tuple[str, str]] = frozenset()) -> dict:
        """The row with its children (and a taxonomy term's details) nested, as in HSDS JSON."""
        obj = dict(row)
        for key, child_kind in CHILDREN.get(kind, {}).items():
            if (kind, key) in skip or (kind, key) in UNIT_LINKS:
                continue
            children = self.children.get((kind, row["id"], child_kind), [])
            if children:
                obj[key] = [self.nest(child_kind, c) for c in children]
        if kind == "attribute":
            term = self.by_id.get("taxonomy_term", {}).get(row.get("taxonomy_term_id"))
            if term:
                obj["taxonomy_term"] = self.nest("taxonomy_term", term)
        if kind == "taxonomy_term":
            taxonomy = self.by_id.get("taxonomy", {}).get(row.get("taxonomy_id"))
            if taxonomy:
                obj["taxonomy_detail"] = self.nest("taxonomy", taxonomy)
        return obj


def service_document(units: list[dict]) -> dict:
    """One fully nested HSDS service (as the compiled service schema has it) from its units."""
    first = units[0]
    doc = dict(first["service"])
    doc["organization"] = first["organization"]
    sals = []
    for unit in units:
        if unit.get("service_at_location") and unit.get("location"):
            sals.append({**unit["service_at_location"], "location": unit["location"]})
    if sals:
        doc["service_at_locations"] = sals
    return doc


def unmapped_summary(counter: Counter) -> list[tuple[str, int]]:
    """Unmapped terms, most frequent first."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))

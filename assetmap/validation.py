"""Validating an incoming asset record (a form, an API body, a file row), driven by the field registry.

Only the fields a record carries are validated and returned: a form or a file that leaves a
field out never clears it. Every field's error is collected (field -> message), so a form shows
them all at once and an import reports them with the row number.

>>> cats = [{"slug": "food", "label": "Food", "label_fr": "Alimentation"}]
>>> check = validate_asset({"name": " Food bank ", "category": "Food", "phone": "705 555 0100"}, cats)
>>> check.errors, check.clean["name"], check.clean["category"], "address" in check.clean
({}, 'Food bank', 'food', False)
>>> validate_asset({"name": "X", "category": "food", "latitude": "45", "longitude": "500"}, cats).errors
{'longitude': 'longitude 500.0 is outside -180..180'}
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assetmap import fields
from assetmap.geocoding import normalise_postal_code
from assetmap.vocab import abcd, category_terms, supports
from needs_assessment.precision import is_known as is_known_precision

TRUE_WORDS = {"1", "true", "yes", "y", "t", "oui"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "non", ""}
UK_POSTCODE_RE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", re.I)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.I)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH_OR_DATE_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
LOCATION_KEYS = ("latitude", "longitude", "address", "postal_code", "location_precision")
CHOICE_WORDS = {"wheelchair": supports.WHEELCHAIR, "cost_level": supports.COST_LEVELS}

# Source vocabularies seen in real files -> our category slugs.
CATEGORY_ALIASES = {
    "park": "parks",
    "parks_and_green_space": "parks",
    "green_space": "parks",
    "food_bank": "food",
    "food_banks": "food",
    "food_pantry": "food",
    "meal_program": "food",
    "volunteer_group": "community_groups",
    "community_group": "community_groups",
    "health_service": "health",
    "hospital": "health",
    "clinic": "health",
    "social_service": "social_services",
    "library": "culture",
    "museum": "culture",
    "education": "early_years",
    "child_care": "early_years",
}


@dataclass
class AssetCheck:
    """Result of validate_asset(): clean fields (when valid), errors by field, warnings."""

    clean: dict | None
    errors: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def resolve_category(value: str, categories: list[dict]) -> str | None:
    """Map a slug, a label (English or French) or a known source term to a category slug."""
    k = fields.header_key(str(value))
    by_slug = {c["slug"] for c in categories}
    if k in by_slug:
        return k
    for c in categories:
        if fields.header_key(c["label"]) == k or fields.header_key(c.get("label_fr") or "") == k:
            return c["slug"]
    alias = CATEGORY_ALIASES.get(k)
    if alias in by_slug:
        return alias
    term = category_terms.resolve_term(value)  # "Food bank", "Libraries", "Community food bank"
    return term if term in by_slug else None


def names_a_kind_of_place(value: str, categories: list[dict]) -> bool:
    """True when a category value is a kind of place ("Food bank") rather than a category's own slug
    or label: worth keeping as the subcategory."""
    k = fields.header_key(str(value))
    labels = {fields.header_key(c[key] or "") for c in categories for key in ("slug", "label", "label_fr") if key in c}
    return bool(k) and k not in labels


def _number(value, label: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{label} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{label} {value!r} is not a finite number")
    return number


def _flag(value, label: str) -> int:
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return 1
    if word in FALSE_WORDS:
        return 0
    raise ValueError(f"{label} {value!r} is not yes/no")


def _postal(text: str) -> str:
    ca = normalise_postal_code(text)
    if ca and len(text.replace(" ", "")) == 6:
        return ca
    if UK_POSTCODE_RE.match(text):
        compact = text.replace(" ", "").upper()
        return f"{compact[:-3]} {compact[-3:]}"
    raise ValueError(f"postal code {text!r} is not a Canadian (A1A 1A1) or UK postcode")


def _url(text: str, name: str) -> str:
    url = text if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I) else "https://" + text
    if not URL_RE.match(url):
        raise ValueError(f"{name} {text!r} is not a web address")
    return url


def parse_value(f: fields.Field, raw, categories: list[dict]):
    """One field's clean value from raw input; raises ValueError with a message for people."""
    if f.type is not str:
        value = _flag(raw, f.name) if f.parse == "flag" else _number(raw, f.name)
        if f.name == "capacity" and value is not None and value < 0:
            raise ValueError("capacity must not be negative")
        return value
    text = "" if raw is None else str(raw).strip()
    if len(text) > f.max_len:
        raise ValueError(f"{f.name} is longer than {f.max_len:,} characters")
    if not text:
        if f.required:
            raise ValueError(f"{f.name} is required")
        return None if f.parse == "external_id" else ""
    kind = f.parse
    if kind == "url":
        return _url(text, f.name)
    if kind == "email" and not EMAIL_RE.match(text):
        raise ValueError(f"email {text!r} is not an email address")
    if kind == "phone" and len(re.sub(r"\D", "", text)) < 7:
        raise ValueError(f"phone {text!r} has fewer than 7 digits")
    if kind == "postal":
        return _postal(text)
    if kind == "date" and not DATE_RE.match(text):
        raise ValueError(f"{f.name} {text!r} is not a date (YYYY-MM-DD)")
    if kind == "month_or_date" and not MONTH_OR_DATE_RE.match(text):
        raise ValueError(f"{f.name} {text!r} is not a date (YYYY-MM-DD or YYYY-MM)")
    if kind == "precision" and not is_known_precision(text):
        raise ValueError(f"unknown location_precision {text!r}")
    if kind == "category":
        slug = resolve_category(text, categories)
        if slug is None:
            raise ValueError(f"unknown category {text!r} (known: {', '.join(c['slug'] for c in categories)})")
        return slug
    if kind == "abcd":
        code = abcd.resolve_type(text, abcd.load_types())
        if code is None:
            raise ValueError(f"unknown abcd_type {text!r} (known: {', '.join(t['code'] for t in abcd.load_types())})")
        return code
    if kind == "choice":
        value = CHOICE_WORDS.get(f.name, {}).get(text.lower().rstrip("."), text.lower())
        if value not in f.choices:
            raise ValueError(f"{f.name} {text!r} is not one of {', '.join(f.choices)}")
        return value
    if kind == "language_codes":
        codes = supports.language_codes(text)
        if codes is None:
            raise ValueError(f"language_codes {text!r}: use ISO 639 codes such as en, fr, oj")
        return codes
    if kind == "age_groups":
        groups = supports.age_groups(text)
        if not groups:
            raise ValueError(f"age_groups {text!r}: use {', '.join(supports.AGE_GROUPS)} or all")
        return groups
    if kind == "opening_hours" and not supports.hours.is_valid(text):
        raise ValueError(f"opening_hours {text!r} is not OpenStreetMap opening_hours syntax")
    return text


def _locate(rec: dict, clean: dict, errors: dict, warnings: list, geocoder, region) -> None:
    """Cross-field rules for the point: both coordinates or none, the region, geocoding, precision."""
    if {"latitude", "longitude"} & set(errors):
        return
    lat, lon = clean.get("latitude"), clean.get("longitude")
    precision = clean.get("location_precision", "")
    if (lat is None) != (lon is None):
        errors["latitude"] = "give both latitude and longitude, or neither"
        return
    if lat is not None and not -90 <= lat <= 90:
        errors["latitude"] = f"latitude {lat} is outside -90..90"
        return
    if lon is not None and not -180 <= lon <= 180:
        errors["longitude"] = f"longitude {lon} is outside -180..180"
        return
    if lat is not None and region is not None and not region.allow_points_outside and not region.in_region(lat, lon):
        errors["latitude"] = (
            f"the point {lat:.5f}, {lon:.5f} is outside the area this map covers ({region.name}): check the "
            "coordinates (latitude first, then longitude, both in decimal degrees; west is negative)"
        )
        return
    if {"postal_code", "location_precision"} & set(errors):
        return
    if lat is None and precision == "none":
        clean.update(latitude=None, longitude=None)  # the record states the location is unknown
    elif lat is None:
        postal, address = clean.get("postal_code", ""), clean.get("address", "")
        if not (address or postal or clean.get("community") or clean.get("municipality")):
            errors["latitude"] = "give latitude/longitude, or an address, postal code or town to locate it"
            return
        found = geocoder.geocode(postal or address) if geocoder and (postal or address) else None
        if found is None and postal and address and geocoder:
            found = geocoder.geocode(address)
        # A street address the offline geocoder cannot place, or none: at least its town (as approximate).
        for town in (clean.get("community", ""), clean.get("municipality", "")):
            if found is None and town and geocoder:
                found = geocoder.geocode(town)
        if found is not None:
            clean.update(latitude=round(found.latitude, 6), longitude=round(found.longitude, 6))
            clean["location_precision"] = found.raw["precision"]
            typed = clean.get("precision_source") or ""  # words a person gave about the place are kept
            said = f"geocoded: {found.raw['source']}" + (f"; {typed}" if typed else "")
            clean["precision_source"] = said[: fields.FIELD["precision_source"].max_len]
            if clean["location_precision"] not in ("exact", "address", "postal_code"):
                warnings.append(f"located only approximately ({clean['location_precision']}) from {found.address!r}")
        else:
            clean.update(latitude=None, longitude=None, location_precision="none")
            warnings.append("could not locate it offline; imported without a point")
    elif not precision:
        clean["location_precision"] = "exact"
    if clean.get("location_precision") == "none":
        clean.update(latitude=None, longitude=None)


def validate_asset(
    record: dict, categories: list[dict], geocoder=None, *, region=None, complete: bool = False
) -> AssetCheck:
    """Validate one incoming record (keys: field names or their aliases), collecting every field's error.

    Coordinates missing but an address or postal code given: geocoded with `geocoder` (offline
    by default) and the precision set from what was found. `region` (an assetmap.place.Place)
    refuses points outside the place's region. Keys that are no field become extra attributes
    (with those in record["__extra__"]). complete=True treats the record as the whole asset (a
    source such as OpenStreetMap or HSDS that says everything it knows): fields it lacks are empty.
    """
    if record.get("__error__"):
        return AssetCheck(None, {"geometry": record["__error__"]}, [])
    rec = {k: v for k, v in record.items() if k in fields.FIELD}  # exact field names first
    extra = dict(record.get("__extra__") or {})
    for key, value in record.items():
        if key.startswith("__") or key in fields.FIELD or key in fields.EXPORT_ONLY:
            continue
        name = fields.column_for_header(key)
        if name is None:
            if value not in ("", None):
                extra[key] = value
        elif name not in rec or rec[name] in ("", None):
            rec[name] = value
    if complete:
        rec = {**{f.name: None for f in fields.FIELDS if f.name not in ("confidential", "verified_by")}, **rec}
    clean: dict = {}
    errors: dict[str, str] = {}
    warnings: list[str] = []
    for f in fields.FIELDS:
        if f.name in rec:
            try:
                clean[f.name] = parse_value(f, rec.get(f.name), categories)
            except ValueError as exc:
                errors[f.name] = str(exc)
    for f in fields.FIELDS:
        if f.required and f.name not in rec and f.name not in errors:
            errors[f.name] = f"{f.name} is required"
    if clean.get("category") and not clean.get("subcategory") and not rec.get("subcategory"):
        raw = str(rec.get("category") or "").strip()
        if names_a_kind_of_place(raw, categories):
            clean["subcategory"] = raw  # the file's own words for the kind of place ("Food bank")
    if any(k in rec for k in LOCATION_KEYS):
        _locate(rec, clean, errors, warnings, geocoder, region)
    text = {k: (v if isinstance(v, str) else "") for k, v in clean.items()}
    for key, value in supports.derived_fields(text).items():
        if value and not clean.get(key):
            clean[key] = value
    if clean.get("abcd_type"):
        clean["abcd_type"] = abcd.stored_type(clean["abcd_type"], clean.get("category", ""), abcd.load_types())
    if errors:
        return AssetCheck(None, errors, warnings)
    if extra:
        clean["extra"] = extra
    return AssetCheck(clean, {}, warnings)


def clean_asset(
    record: dict, categories: list[dict], geocoder=None, *, region=None, complete: bool = False
) -> tuple[dict, list[str]]:
    """Validate one record; returns (clean fields, warnings) or raises ValueError naming every problem."""
    check = validate_asset(record, categories, geocoder, region=region, complete=complete)
    if check.errors:
        raise ValueError("; ".join(check.errors.values()))
    return check.clean, check.warnings

"""Taxonomies and terms: our own taxonomies, the mapping context, and mapping someone else's terms.

Our categories and ABCD asset types are terms of the taxonomies `assetmap_category` and
`abcd_asset_type`; the asset fields HSDS has no place for are attributes of the taxonomy
`assetmap_field` whose value holds the field (`field_term()`, `attribute()`). `Context` is what the
mapping needs besides an asset: the categories, the ABCD types and the term map, a CSV that maps other
taxonomies' terms to our categories (`read_term_map()`, `map_term()`); terms it does not know are
reported with `term_label()` and counted by `unmapped_summary()`.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assetmap import DATA_DIR, fields
from assetmap.formats.hsds.objects import uid
from assetmap.vocab import abcd

TAXONOMY_MAP_FILE = DATA_DIR / "hsds_taxonomy_map.csv"

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
# What each assetmap_field term means (default: "The asset's <field name>.").
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


def taxonomy_name(term: dict) -> str:
    """The name of a term's taxonomy ('' when it has none)."""
    return term.get("taxonomy") or (term.get("taxonomy_detail") or {}).get("name") or ""


def map_term(term: dict, term_map: list[dict]) -> dict | None:
    """The first mapping row that matches a taxonomy term: same taxonomy (or '*'), then the term's code or
    name (case, spaces, dashes and underscores ignored); a term ending in '*' is a prefix of the code."""
    taxonomy = _norm(taxonomy_name(term))
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


def our_term(taxonomy: str, code: str, name: str, description: str) -> dict:
    """A term of one of our taxonomies (OUR_TAXONOMIES), with its taxonomy's details nested."""
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
    return our_term(FIELD_TAXONOMY, code, code, description)


def attribute(link_entity: str, link_id: str, term: dict, value: str | None = None, link_type: str = "") -> dict:
    """An attribute linking a term (and optionally a value) to one object."""
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


def unmapped_summary(counter: Counter) -> list[tuple[str, int]]:
    """Unmapped terms, most frequent first."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))

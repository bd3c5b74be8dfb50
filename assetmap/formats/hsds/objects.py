"""The shape of HSDS 3.0 objects: which kinds nest under which, stable ids, nested <-> flat tables.

HSDS JSON nests objects (a service holds its phones, schedules, attributes...); the Tabular Data
Package holds one flat table per kind, linked by `<parent>_id` columns (`link_id`/`link_entity` for
attributes, `resource_id`/`resource_type` for metadata). `CHILDREN` and `SINGLE` say which kinds nest
under which, as the compiled HSDS schemas do; `flatten()` turns a nested object into table rows and
`TableIndex` nests table rows back. A *unit* is the four objects one asset becomes (`PARTS`); `uid()`
gives the objects we generate the same id in every export. Nothing here knows about assets.
"""

from __future__ import annotations

import uuid

# Fixed namespace: the same asset gets the same HSDS ids in every export.
NAMESPACE = uuid.UUID("5b0f3e0c-8a51-4d53-9b1e-3f6b8f0d2c71")

# The objects a unit holds.
PARTS = ("service", "organization", "service_at_location", "location")

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


def uid(*parts: str) -> str:
    """A stable UUID (version 5) for the given parts."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


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

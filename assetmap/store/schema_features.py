"""Migration sets of features that add to the core schema: the finder's structured attributes,
the open-data ABCD type and the online geocoder's cache. Each set keeps its own numbering."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from assetmap.vocab import supports

finder = Migrations("finder")
hsds = Migrations("hsds")
geocoding = Migrations("geocoding")

# The finder's columns as first added (2026-11); this literal stays as it was.
_FINDER_COLUMNS = {"language_codes": str, "wheelchair": str, "cost_level": str, "age_groups": str}


@finder()
def m001_structured_attributes(db: Database) -> None:
    for column, kind in _FINDER_COLUMNS.items():
        db["assets"].add_column(column, kind)
    # Confidential and unlocated matches are looked up apart from the R*Tree.
    db["assets"].create_index(["status", "confidential"], if_not_exists=True)
    # Rows stored before this migration: derive what their free text says unambiguously.
    for row in list(db.query("SELECT id, hours_text, opening_hours, languages, cost FROM assets")):
        derived = supports.clean_fields(
            {"hours_text": row["hours_text"] or "", "languages": row["languages"] or "", "cost": row["cost"] or ""}
        )
        changes = {k: v for k, v in derived.items() if v and not row.get(k)}
        if changes:
            db["assets"].update(row["id"], changes)


@hsds()
def m001_abcd_type(db: Database) -> None:
    # NULL = the category's default type (see assetmap.vocab.abcd).
    db["assets"].add_column("abcd_type", str)


@geocoding()
def m001_geocode_cache(db: Database) -> None:
    db["geocode_cache"].create({"query": str, "result": str, "at": str}, pk="query")
    # One row: when the last request went to the online service (shared by all processes).
    db["geocode_clock"].create({"id": int, "last": float}, pk="id")

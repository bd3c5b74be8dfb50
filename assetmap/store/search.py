"""What the resident finder reads: its in-memory index's columns, text matches, and result rows."""

from __future__ import annotations

from sqlite_utils import Database

from assetmap.store.assets import fts_query

INDEX_COLUMNS = (
    "id",
    "name",
    "category",
    "latitude",
    "longitude",
    "location_precision",
    "confidential",
    "language_codes",
    "wheelchair",
    "cost_level",
    "age_groups",
    "opening_hours",
)


def finder_index_rows(db: Database) -> list[tuple]:
    """The finder index's columns (INDEX_COLUMNS) of every active asset, as the public may see it."""
    return db.execute(f"SELECT {', '.join(INDEX_COLUMNS)} FROM public_assets").fetchall()


def text_matches(db: Database, q: str) -> list[tuple[int, float]] | None:
    """(asset id, FTS5 rank) of every asset whose public text matches q (every word as a prefix);
    None when q holds no word."""
    match = fts_query(q)
    if match is None:
        return None
    return db.execute("SELECT rowid, rank FROM assets_fts WHERE assets_fts MATCH ?", [match]).fetchall()

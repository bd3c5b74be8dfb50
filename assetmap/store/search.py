"""What the resident finder reads: its in-memory index's columns, text matches, and result rows."""

from __future__ import annotations

import numpy as np
from sqlite_utils import Database

from assetmap.store.assets import fts_query

# Who and where an asset is: the index's first columns, and what a finder result sets itself
# (services.finder.RESULT_FIELDS are the public fields besides these).
WHO_AND_WHERE = ("id", "name", "category", "latitude", "longitude", "location_precision", "confidential")
# The filters' columns, after WHO_AND_WHERE in the index's rows (FinderIndex.build reads them by position).
FILTER_COLUMNS = ("language_codes", "wheelchair", "cost_level", "age_groups", "opening_hours")
INDEX_COLUMNS = WHO_AND_WHERE + FILTER_COLUMNS


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


def text_match_ids(db: Database, q: str) -> np.ndarray | None:
    """The ids text_matches() gives, unranked, as an array; None when q holds no word. Without
    FTS5's scoring and as one row of text instead of a row per match: about a third of the cost
    for a common word (20k matches in 100k assets: 3.5 ms instead of 10)."""
    match = fts_query(q)
    if match is None:
        return None
    ids = db.execute("SELECT group_concat(rowid) FROM assets_fts WHERE assets_fts MATCH ?", [match]).fetchone()[0]
    return np.array(ids.split(","), dtype=np.int64) if ids else np.zeros(0, dtype=np.int64)


def category_rows(db: Database) -> list[dict]:
    """slug, label and label_fr of every category, in display order (one statement, no savepoint)."""
    cursor = db.execute("SELECT slug, label, label_fr FROM categories ORDER BY sort_order, slug")
    return [dict(zip(("slug", "label", "label_fr"), r, strict=True)) for r in cursor]

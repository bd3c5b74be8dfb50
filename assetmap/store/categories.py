"""Categories of assets: slug, labels, colour, symbol, reach thresholds."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from assetmap.errors import InvalidParameter
from assetmap.store.db import transaction


def list_categories(db: Database) -> list[dict]:
    """All categories in display order, each with the count of active assets."""
    return list(
        db.query(
            """SELECT c.*, (SELECT COUNT(*) FROM assets a WHERE a.category = c.slug AND a.status = 'active') AS asset_count
            FROM categories c ORDER BY c.sort_order, c.slug"""
        )
    )


def category_slugs(db: Database) -> list[str]:
    """Slugs of all categories in display order."""
    return [r["slug"] for r in db.query("SELECT slug FROM categories ORDER BY sort_order, slug")]


def category_labels(db: Database) -> list[dict]:
    """slug, label and label_fr of every category, in display order (no counts: cheap)."""
    return list(db.query("SELECT slug, label, label_fr FROM categories ORDER BY sort_order, slug"))


def rural_thresholds(db: Database) -> dict[str, float | None]:
    """Each category's reach threshold outside towns (estimated road metres; None when unset)."""
    return {r[0]: r[1] for r in db.execute("SELECT slug, threshold_rural_m FROM categories")}


def get_category(db: Database, slug: str | None) -> dict:
    """The category record, or InvalidParameter naming the known ones."""
    if not slug:
        raise InvalidParameter("category is required")
    rows = list(db.query("SELECT * FROM categories WHERE slug = ?", [slug]))
    if not rows:
        raise InvalidParameter(f"unknown category {slug!r}; known: {', '.join(category_slugs(db))}")
    return rows[0]


def upsert_categories(db: Database, rows: Iterable[dict]) -> None:
    """Insert or update category definitions by slug."""
    with transaction(db):
        db["categories"].upsert_all(rows, pk="slug")

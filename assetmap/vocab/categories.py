"""The default category vocabulary (assets_data/categories.csv): nine categories with colours,
map symbols and reach thresholds. `init-db` adds it to a new database; admins can change it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlite_utils import Database

from assetmap import DATA_DIR, store
from assetmap.errors import InvalidParameter

CATEGORIES_FILE = DATA_DIR / "categories.csv"


def default_categories(path: Path = CATEGORIES_FILE) -> list[dict]:
    """The default categories as rows ready to store."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["sort_order"] = int(row["sort_order"])
        for key in ("threshold_urban_m", "threshold_rural_m"):
            row[key] = float(row[key]) if row.get(key) else None
    return rows


def ensure_default_categories(db: Database, path: Path = CATEGORIES_FILE) -> int:
    """Add the default categories a database lacks (never changes existing ones); returns how many were added."""
    existing = set(store.category_slugs(db))
    missing = [row for row in default_categories(path) if row["slug"] not in existing]
    if missing:
        store.upsert_categories(db, missing)
    return len(missing)


SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


def add_category(
    db: Database, slug: str, *, label: str, label_fr: str = "", colour: str = "#555555", symbol: str = ""
) -> dict:
    """Add a category, or change an existing one's labels, colour and symbol (thresholds kept)."""
    slug = (slug or "").strip().lower()
    label = (label or "").strip()
    if not SLUG_RE.match(slug):
        raise InvalidParameter("the slug must be lower-case letters, digits or _ (e.g. faith_groups), at most 40")
    if not label or len(label) > 100:
        raise InvalidParameter("give a label of 1 to 100 characters")
    if not COLOUR_RE.match(colour or ""):
        raise InvalidParameter(f"colour {colour!r} must be #RRGGBB, e.g. #1a7f37")
    symbol = (symbol or label[0]).strip()[:2].upper()
    existing = {c["slug"]: c for c in store.list_categories(db)}
    row = {"slug": slug, "label": label, "label_fr": (label_fr or "").strip()[:100], "colour": colour, "symbol": symbol}
    if slug not in existing:
        row.update(sort_order=max([c["sort_order"] or 0 for c in existing.values()] + [0]) + 1, description="")
    store.upsert_categories(db, [row])
    return next(c for c in store.list_categories(db) if c["slug"] == slug)

"""ABCD (asset-based community development) asset types, and the `hsds` migration set.

Each asset has one ABCD type. The column `assets.abcd_type` holds it only when it differs from its
category's default (assets_data/abcd_asset_types.csv, column default_for_categories): an empty value
means "the category's default". Exports always give the effective type (`effective_type`), as the
HSDS attribute taxonomy `abcd_asset_type`, so informal groups (associations) survive a round trip.

>>> types = load_types()
>>> [t["code"] for t in types][:3]
['individuals', 'associations', 'institutions']
>>> effective_type({"category": "community_groups", "abcd_type": None}, types)
'associations'
>>> effective_type({"category": "parks", "abcd_type": "physical_spaces"}, types)
'physical_spaces'
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from assetmap import DATA_DIR  # noqa: E402

TYPES_FILE = DATA_DIR / "abcd_asset_types.csv"

# A fallback for categories no type lists as their default.
FALLBACK_TYPE = "institutions"


@lru_cache(maxsize=4)
def _read_types(path: str) -> tuple[dict, ...]:
    with open(path, newline="", encoding="utf-8") as fh:
        return tuple(dict(row) for row in csv.DictReader(fh))


def load_types(path: str | Path = TYPES_FILE) -> list[dict]:
    """The ABCD types (code, label, description, default_for_categories) in file order."""
    return [dict(t) for t in _read_types(str(path))]


def category_defaults(types: list[dict]) -> dict[str, str]:
    """Category slug -> default ABCD type code."""
    out = {}
    for t in types:
        for slug in (t.get("default_for_categories") or "").split(";"):
            if slug.strip():
                out[slug.strip()] = t["code"]
    return out


def default_type(category: str, types: list[dict]) -> str:
    """The ABCD type an asset of this category has unless it says otherwise."""
    return category_defaults(types).get(category, FALLBACK_TYPE)


def effective_type(asset: dict, types: list[dict]) -> str:
    """The asset's ABCD type: its own, else its category's default."""
    return asset.get("abcd_type") or default_type(asset.get("category") or "", types)


def resolve_type(value: str, types: list[dict]) -> str | None:
    """Map a code or a label (any case, spaces or underscores) to an ABCD type code."""
    key = re.sub(r"[\s\-']+", "_", str(value).strip().lower())
    for t in types:
        if key in (t["code"], re.sub(r"[\s\-']+", "_", t["label"].lower())):
            return t["code"]
    return None


def stored_type(abcd_type: str | None, category: str, types: list[dict]) -> str | None:
    """What to store in assets.abcd_type: None when the type is the category's default."""
    if not abcd_type or abcd_type == default_type(category, types):
        return None
    return abcd_type

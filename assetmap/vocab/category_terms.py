"""Words spreadsheets use for a kind of place ("Food bank", "Libraries", "Community food bank"),
resolved to a category slug.

The terms are not a new list: they are read from the vocabularies the project already keeps, the
subcategories of `assets_data/osm_tag_map.csv` and the term names of
`assets_data/hsds_taxonomy_map.csv` (term codes such as `BD-*` are left out), plus the validation
aliases. A value matches a term exactly, then in the singular, then by containing a term as whole
words (the longest term wins, so "Community food bank" is a food bank, not a community centre).

>>> resolve_term("Food bank"), resolve_term("Libraries"), resolve_term("Community food bank")
('food', 'culture', 'food')
>>> resolve_term("Hockey arena (indoor)"), resolve_term("Something else") is None
('recreation', True)
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from assetmap import DATA_DIR

SOURCES = (
    (DATA_DIR / "osm_tag_map.csv", "subcategory"),
    (DATA_DIR / "hsds_taxonomy_map.csv", "term"),
)
EXTRA_TERMS = {
    # common spreadsheet words the two maps do not hold
    "soup kitchen": "food",
    "food pantry": "food",
    "community meal": "food",
    "meal delivery": "food",
    "meals on wheels": "food",
    "beach": "parks",
    "trail": "parks",
    "conservation area": "parks",
    "community center": "recreation",
    "recreation centre": "recreation",
    "recreation center": "recreation",
    "arena": "recreation",
    "pool": "recreation",
    "library": "culture",
    "archives": "culture",
    "heritage site": "culture",
    "museum": "culture",
    "earlyon": "early_years",
    "daycare": "early_years",
    "day care": "early_years",
    "school": "early_years",
    "service club": "community_groups",
    "seniors centre": "community_groups",
    "seniors center": "community_groups",
    "church": "community_groups",
    "shelter": "social_services",
    "ontario works": "social_services",
    "mental health": "health",
    "family health team": "health",
    "pharmacy": "health",
    "hospice": "health",
    "long-term care": "health",
    "bus": "transport",
    "transit": "transport",
    "train station": "transport",
}


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", str(text).lower()))


@lru_cache(maxsize=1)
def known_terms() -> dict[str, str]:
    """Term (folded: lower case, words only) -> category slug."""
    terms: dict[str, str] = {}
    for path, column in SOURCES:
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                term, category = row.get(column) or "", row.get("category") or ""
                if term and category and "*" not in term:
                    terms.setdefault(_key(term), category)
    for term, category in EXTRA_TERMS.items():
        terms.setdefault(_key(term), category)
    return terms


def _singular(key: str) -> str:
    words = key.split()
    last = words[-1] if words else ""
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith(("ches", "shes", "sses")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return " ".join(words[:-1] + [last])


def resolve_term(value: str) -> str | None:
    """The category a kind-of-place word means, or None."""
    terms = known_terms()
    key = _key(value)
    if not key:
        return None
    for candidate in (key, _singular(key)):
        if candidate in terms:
            return terms[candidate]
    words = f" {key} "
    singular_words = " " + " ".join(_singular(w) for w in key.split()) + " "
    for term in sorted(terms, key=len, reverse=True):
        if f" {term} " in words or f" {term} " in singular_words:
            return terms[term]
    return None

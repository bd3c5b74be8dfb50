"""Unmet demand from the finder: how often people look for supports in each area, and how often
nothing came back nearby. Nothing that identifies a person is kept.

What one search leaves behind (store.finder_demand, one counter per combination): the date (the
place's time zone), the category filters (sorted slugs, '' for all), the area the searched place
falls in ('' outside every area), its FSA when a postal code or an FSA was typed, and whether a
support came back *nearby*. No IP address, no text typed, no point, no time of day, no result.

Nearby: at least one support with a point came back within reach as the reach analysis defines
it for the searched categories: the largest of their thresholds outside towns (estimated road
distance), i.e. that distance divided by the circuity factor in a straight line. Only searches of
the /finder page near a place are counted (the JSON API is not, so other programs do not skew it);
ASSETMAP_RECORD_FINDER_DEMAND=0 turns recording off.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from sqlite_utils import Database

from assetmap import store
from assetmap.geocoding import FSA_RE
from assetmap.services.area_lookup import area_index
from needs_assessment.disclosure import suppress_lines
from needs_assessment.reach import DEFAULT_CIRCUITY
from needs_assessment.suppression import is_small

DEFAULT_RURAL_M = 20_000.0  # a category without a threshold (reach.py's default)
NEARBY_WORDS = (
    "a support with a point came back within reach of the searched categories: their largest threshold "
    "outside towns (estimated road distance, straight line x 1.3)"
)


def nearby_m(db: Database, categories) -> float:
    """Straight-line metres within which a result counts as nearby for these categories (all when None)."""
    thresholds = store.rural_thresholds(db)
    wanted = [thresholds.get(c) for c in categories] if categories else list(thresholds.values())
    return max((t or DEFAULT_RURAL_M) for t in wanted or [None]) / DEFAULT_CIRCUITY


def fsa_of(query: str | None, postal_code: str | None) -> str:
    """The FSA of a typed postal code or FSA, else ''."""
    if postal_code:
        return postal_code[:3].upper()
    match = FSA_RE.match(query or "")
    return match.group(1).upper() if match and match.group(1)[1] != "0" else ""


def record_search(
    db: Database,
    *,
    lonlat: tuple[float, float],
    query: str | None,
    postal_code: str | None,
    categories,
    nearest_m: float | None,
    zone: str,
    now: datetime | None = None,
) -> None:
    """Count one search near a place (the module docstring says what is kept; the rest is dropped)."""
    level = store.default_level(db)
    area = (area_index(db, level).locate([lonlat])[0] if level else None) or ""
    nearby = nearest_m is not None and nearest_m <= nearby_m(db, categories)
    day = (now or datetime.now(ZoneInfo(zone))).date().isoformat()
    store.record_search(db, day, ",".join(sorted(categories or ())), area, fsa_of(query, postal_code), nearby)


def _hide_line(values: list[float], total: float, threshold: int, forced: list[bool] | None = None) -> list[bool]:
    """Hidden entries of a line of counts and its total (last); forced entries (hidden elsewhere) are
    treated as small, so the secondary rule protects them too."""
    v = np.array(list(values) + [total], dtype=float)
    if forced and threshold > 1:
        v[:-1][np.array(forced, dtype=bool)] = 1.0
    return (suppress_lines(v, [np.arange(len(v))], threshold) > 0).tolist()


def _hide_pairs(pairs: list[list[int]], threshold: int) -> tuple[list[bool], list[bool]]:
    """(searches hidden, no-nearby hidden) per entry and for the total (last), for [searches, no nearby] pairs."""
    hide = _hide_line([p[0] for p in pairs], sum(p[0] for p in pairs), threshold)
    hide_missed = _hide_line([p[1] for p in pairs], sum(p[1] for p in pairs), threshold, hide[:-1])
    return hide, [a or b for a, b in zip(hide, hide_missed, strict=True)]


def _share(part, whole):
    return None if part is None or not whole else part / whole


def demand_report(
    db: Database, *, since: str | None = None, until: str | None = None, threshold: int = 5, area_ids=None
) -> dict:
    """Searches per 1,000 people by area and the share with no nearby result, small counts hidden."""
    level = store.default_level(db)
    areas = {a["id"]: a for a in (store.list_areas(db, level) if level else [])}
    wanted = set(area_ids) if area_ids is not None else None
    by_area = defaultdict(lambda: [0, 0])  # searches, no nearby
    by_fsa = defaultdict(lambda: [0, 0])
    by_cat = defaultdict(lambda: [0, 0])
    for r in store.demand_rows(db, since, until):
        if wanted is not None and r["area_id"] not in wanted:
            continue
        missed = 0 if r["nearby"] else r["searches"]
        for table, key in ((by_area, r["area_id"]), (by_fsa, r["fsa"])):
            table[key][0] += r["searches"]
            table[key][1] += missed
        for cat in r["categories"].split(",") if r["categories"] else ["(all)"]:
            by_cat[cat][0] += r["searches"]
            by_cat[cat][1] += missed
    entries = sorted(a for a in by_area if a) + ([""] if "" in by_area else [])
    total = sum(v[0] for v in by_area.values())
    missed_total = sum(v[1] for v in by_area.values())
    hide, hide_missed = _hide_pairs([by_area[a] for a in entries], threshold)
    rows = []
    for k, a in enumerate(entries):
        searches = None if hide[k] else by_area[a][0]
        missed = None if hide_missed[k] else by_area[a][1]
        people = (areas.get(a) or {}).get("population")
        rows.append(
            {
                "id": a or None,
                "name": (areas.get(a) or {}).get("name") if a else "outside the areas",
                "population": people,
                "searches": searches,
                "searches_per_1000": None if searches is None or not people else 1000 * searches / people,
                "no_nearby": missed,
                "no_nearby_share": _share(missed, searches),
            }
        )
    fsas = sorted(f for f in by_fsa if f)
    hide_fsa, hide_fsa_missed = _hide_pairs([by_fsa[f] for f in fsas], threshold)
    shown_total = None if hide[-1] else total
    shown_missed = None if hide_missed[-1] else missed_total
    return {
        "since": since,
        "until": until,
        "searches": shown_total,
        "no_nearby": shown_missed,
        "no_nearby_share": _share(shown_missed, shown_total),
        "areas": sorted(rows, key=lambda r: (r["id"] is None, -(r["searches_per_1000"] or 0), r["id"] or "")),
        "fsas": [
            {"fsa": f, "searches": None if h else by_fsa[f][0], "no_nearby": None if m else by_fsa[f][1]}
            for f, h, m in zip(fsas, hide_fsa, hide_fsa_missed, strict=False)
        ],
        "categories": [
            {"category": c, "searches": None if small else v[0], "no_nearby": None if small else v[1]}
            for c, v in sorted(by_cat.items())
            for small in [is_small(v[0], threshold) or is_small(v[1], threshold)]
        ],
        "suppression": {
            "threshold": threshold,
            "rule": f"Counts of searches from 1 to {threshold - 1} are not shown, nor anything worked out from them; "
            "where a total is shown, at least one more count of the same line is hidden too.",
        },
    }

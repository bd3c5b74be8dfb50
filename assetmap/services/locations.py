"""The location-fixing queue: assets placed only roughly (or not at all), most reach impact first.

Reach counts only precise points by default (services.reach), so a food bank placed at its town's
centre is left out of "who isn't reached" altogether. For each such asset with a rough point, the
*impact* is how many people now counted beyond reach of its category would be reached if the site
were confirmed near that rough point: the sample points (people spread over each area, as reach
does) that are beyond reach today and within the category's threshold of the rough point. It is an
estimate of what fixing the location could change, not a promise: the true site may be elsewhere.
An asset with no point has no estimate and comes after those with one.

No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from sqlite_utils import Database

from assetmap import store
from assetmap.services.areadata import default_level, load_area_data
from assetmap.services.reach import assets_for, category_row, coverage_for
from needs_assessment import reach
from needs_assessment.precision import TO_FIX

GROUPS = {
    "approximate": ("rural_postal_code", "community", "municipality"),
    "unreliable": ("unreliable",),
    "none": ("none",),
    "all": TO_FIX,
}


@dataclass
class QueueItem:
    """One asset to place, with the people its location could move in or out of reach."""

    asset: dict
    impact: float | None  # people; None: no point to estimate from


def category_impacts(
    db: Database, category: str, points: dict[int, tuple[float, float]], *, circuity: float, level: str
) -> dict[int, float]:
    """asset id -> people beyond reach of `category` today who are within reach of its rough (lon, lat)."""
    category_row(db, category)
    data = load_area_data(db, level)
    used = assets_for(db, category, include_imprecise=False)
    # The coverage reach_report shows (kept per data version): measured to entrances where known.
    cov, thresholds = coverage_for(db, data, category, used, None, circuity, False)
    limit = (thresholds / circuity)[data.samples.area]  # straight-line reach at each sample
    weight = np.nan_to_num(data.population)[data.samples.area] * data.samples.share
    out_of_reach = cov.sample_unreached
    tree = cKDTree(data.samples.xy)
    ids = list(points)
    xy = data.proj.xy(np.array([points[i] for i in ids], dtype=float).reshape(-1, 2))
    impacts = {}
    for asset_id, (x, y), near in zip(ids, xy, tree.query_ball_point(xy, r=float(limit.max())), strict=True):
        near = np.asarray(near, dtype=np.intp)
        if not len(near):
            impacts[asset_id] = 0.0
            continue
        d = np.hypot(data.samples.xy[near, 0] - x, data.samples.xy[near, 1] - y)
        gained = near[(d <= limit[near]) & out_of_reach[near]]
        impacts[asset_id] = float(weight[gained].sum())
    return impacts


def location_queue(
    db: Database, group: str = "all", *, circuity: float = reach.DEFAULT_CIRCUITY, level: str | None = None
) -> list[QueueItem]:
    """Assets whose location needs fixing (GROUPS[group]), largest reach impact first, then by name."""
    level = level or default_level(db)
    rows = store.assets_to_place(db, GROUPS[group])
    by_category: dict[str, dict[int, tuple[float, float]]] = {}
    for r in rows:
        if r["latitude"] is not None and r["longitude"] is not None and r["location_precision"] != "none":
            by_category.setdefault(r["category"], {})[r["id"]] = (r["longitude"], r["latitude"])
    impacts: dict[int, float] = {}
    if level is not None:
        for category, points in by_category.items():
            impacts.update(category_impacts(db, category, points, circuity=circuity, level=level))
    items = [QueueItem(r, impacts.get(r["id"])) for r in rows]
    items.sort(key=lambda it: (it.impact is None, -(it.impact or 0.0)))  # stable: names stay in order
    return items


def reach_figures(db: Database, categories: list[str]) -> dict[str, float]:
    """People beyond reach (precise points only, the default measure) per category; None where reach
    cannot be measured (no precisely located asset of the category yet)."""
    from assetmap.services.reach import reach_report

    if default_level(db) is None:
        return {}
    return {c: reach_report(db, c)["unreached_population"] for c in categories}

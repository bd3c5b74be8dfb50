"""What if: reach and access after adding or closing a few sites, updated from the answer before
instead of computed again from scratch.

Reach: whether a sample point is reached can only change if an added or closed site lies within its
reach. So only the samples of areas within reach of those sites (the area's radius included) are
searched again, against the sites after the change; every other sample keeps its status, and the
areas holding a searched sample are summed again in the order reach.coverage sums them. The answer
is identical to reach.coverage on the new set of sites (tested).

Access (2SFCA, Luo & Wang 2003): a site's ratio R_j = S_j / (weighted people within its catchment)
depends on that site and the people only, not on the other sites. So closing site r takes
w_ir * R_r off each area i in its catchment, adding site a adds w_ia * R_a, and no other area
changes. Equal to a full recompute up to floating-point rounding (the terms are added in another
order; about 1e-16 relative).

Worked example: one area of 100 people with two samples 1 km either side of its centre, a 1.5 km
reach and one site 1 km east of the centre. The western sample (2 km away) is beyond reach; a new
site 1 km west of the centre reaches it.

>>> import numpy as np
>>> from needs_assessment.reach import Samples, coverage
>>> s = Samples(area=np.array([0, 0]), xy=np.array([[-1000.0, 0], [1000.0, 0]]), share=np.array([0.5, 0.5]))
>>> args = (s, np.array([100.0]), np.array([1500.0]), np.array([[0.0, 0]]))
>>> sites = np.array([[1000.0, 0]])
>>> before = coverage(*args, sites, circuity=1.0)
>>> after = coverage_after(*args, before, sites, np.ones(1, bool), np.array([[-1000.0, 0]]), 1.0)
>>> before.unreached.tolist(), after.unreached.tolist(), after.changed_areas.tolist()
([50.0], [0.0], [0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.spatial import cKDTree

from .access import DEFAULT_BANDS, Pairs, band_weights
from .reach import Coverage, Samples, reach_bound_m, unreached_people


@dataclass(frozen=True)
class CoverageChange:
    """Reach after the change: people beyond reach per area, and the samples that were looked at again."""

    unreached: np.ndarray  # people beyond reach per area
    changed_areas: np.ndarray  # indices of the areas looked at again (a superset of those that changed)
    samples: np.ndarray  # indices of the samples looked at again (those of changed_areas)
    status: np.ndarray  # whether each of them is beyond reach now
    before: np.ndarray  # every sample's flag before

    @cached_property
    def sample_unreached(self) -> np.ndarray:
        """Bool per sample after the change (built on demand: a copy of every sample's flag)."""
        out = self.before.copy()
        out[self.samples] = self.status
        return out


def areas_near(
    rep_xy: np.ndarray, reach_m: np.ndarray, points_xy: np.ndarray, rep_tree: cKDTree | None = None
) -> np.ndarray:
    """Indices of the areas (representative point, reach incl. radius per area) within reach of any point."""
    points_xy = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    if len(points_xy) == 0 or len(rep_xy) == 0:
        return np.zeros(0, dtype=np.intp)
    tree = rep_tree if rep_tree is not None else cKDTree(rep_xy)
    found = tree.query_ball_point(points_xy, r=float(reach_m.max()), return_sorted=False)
    owner = np.repeat(np.arange(len(points_xy)), [len(f) for f in found])
    area = np.fromiter((i for f in found for i in f), dtype=np.intp, count=len(owner))
    d = np.hypot(*(rep_xy[area] - points_xy[owner]).T)
    return np.unique(area[d <= reach_m[area]])


def coverage_after(
    samples: Samples,
    population: np.ndarray,
    threshold_m: np.ndarray,
    rep_xy: np.ndarray,
    before: Coverage,
    sites_xy: np.ndarray,
    keep: np.ndarray,
    added_xy: np.ndarray,
    circuity: float,
    radius_m: np.ndarray | None = None,
    rep_tree: cKDTree | None = None,
    sites_tree: cKDTree | None = None,
) -> CoverageChange:
    """Reach after closing the sites where `keep` is False and adding `added_xy`, from `before`
    (reach.coverage on sites_xy with the same samples, thresholds and circuity; `sites_tree`, if
    given, is a KD-tree over sites_xy).

    A sample reached before and near a closed site is searched again among the sites left; a sample
    within reach of an added site is reached. Both use reach.coverage's rule and arithmetic (reached
    when the nearest site is at most the bound away), so each flag is the one a full count gives.
    """
    population = np.nan_to_num(np.asarray(population, dtype=float))
    sites_xy = np.asarray(sites_xy, dtype=float).reshape(-1, 2)
    keep = np.asarray(keep, dtype=bool)
    added_xy = np.asarray(added_xy, dtype=float).reshape(-1, 2)
    bound = reach_bound_m(threshold_m, circuity)
    if radius_m is None:
        radius_m = samples.radius_m(rep_xy)
    closed = np.flatnonzero(~keep)
    touched = np.vstack([sites_xy[closed], added_xy])
    # A little over each area's reach plus radius: the exact tests are below.
    areas = areas_near(rep_xy, (bound + radius_m) * (1 + 1e-9) + 1e-6, touched, rep_tree)
    idx = samples.of_areas(areas)
    status = before.sample_unreached[idx]  # a copy (fancy indexing)
    sample_bound = bound[samples.area[idx]]
    x, y = samples.xy[idx, 0], samples.xy[idx, 1]
    if len(closed):
        again = np.flatnonzero(~status)
        status[again] = _unreached_without(samples.xy[idx[again]], sample_bound[again], sites_xy, closed, sites_tree)
    for ax, ay in added_xy:
        status &= ~(np.sqrt((x - ax) ** 2 + (y - ay) ** 2) <= sample_bound)
    unreached = before.unreached.copy()
    # Summed over the same samples in the same order as reach.coverage, so the figures are identical.
    subset = Samples(samples.area[idx], samples.xy[idx], samples.share[idx])
    unreached[areas] = unreached_people(subset, status, population)[areas]
    return CoverageChange(unreached, areas, idx, status, before.sample_unreached)


def _unreached_without(
    xy: np.ndarray, bound: np.ndarray, sites_xy: np.ndarray, closed: np.ndarray, tree: cKDTree | None
) -> np.ndarray:
    """For each point, whether no site but the closed ones is within its bound."""
    out = np.ones(len(xy), dtype=bool)
    few = tree is not None and len(closed) <= 8
    if not few:  # many closed: a tree of the sites left
        left = np.delete(sites_xy, closed, axis=0)
        if len(left) == 0 or len(xy) == 0:
            return out
        tree = cKDTree(left)
    k = len(closed) + 1 if few else 1
    for value in np.unique(bound):
        group = np.flatnonzero(bound == value)
        d, i = tree.query(xy[group], k=k, distance_upper_bound=value * (1 + 1e-9), workers=-1)
        if few:  # the nearest site that is still open is among the k nearest
            d, i = d.reshape(len(group), k), i.reshape(len(group), k)
            d = np.where(np.isin(i, closed), np.inf, d).min(axis=1)
        out[group] = d > value
    return out


def site_column(
    demand_xy: np.ndarray,
    site_xy: np.ndarray,
    catchment_m: float,
    circuity: float,
    method: str = "2sfca",
    bands: Sequence[tuple[float, float]] = DEFAULT_BANDS,
    demand_tree: cKDTree | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(demand indices, weights) of one site's catchment: the pairs access.catchment_pairs would find
    for it, with the same distances, weighted by the method."""
    reach_m = catchment_m / circuity * (1 + 1e-12)
    tree = demand_tree if demand_tree is not None else cKDTree(demand_xy)
    site_xy = np.asarray(site_xy, dtype=float)
    rows = np.asarray(tree.query_ball_point(site_xy, r=reach_m * (1 + 1e-9) + 1e-6, return_sorted=True), dtype=np.intp)
    # The strip join's arithmetic and test, so the column is exactly the pairs' column.
    d2 = (site_xy[0] - demand_xy[rows, 0]) ** 2
    d2 += (site_xy[1] - demand_xy[rows, 1]) ** 2
    inside = d2 <= reach_m * reach_m
    rows, distance = rows[inside], np.sqrt(d2[inside]) * circuity
    if method == "2sfca":
        return rows, np.ones(len(rows))
    if method == "e2sfca":
        return rows, band_weights(distance, catchment_m, bands)
    raise ValueError("method must be '2sfca' or 'e2sfca'")


def access_after(
    pairs: Pairs,
    raw_before: np.ndarray,
    demand: np.ndarray,
    supply: np.ndarray,
    demand_xy: np.ndarray,
    sites_xy: np.ndarray,
    keep: np.ndarray,
    added_xy: np.ndarray,
    added_supply: np.ndarray,
    circuity: float,
    method: str = "2sfca",
    bands: Sequence[tuple[float, float]] = DEFAULT_BANDS,
    demand_tree: cKDTree | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw 2SFCA scores after closing the sites where `keep` is False and adding `added_xy` (with
    capacities `added_supply`), from the scores before (access.two_step_fca on `pairs`, built from
    demand_xy and sites_xy). Returns (scores, indices of the areas whose score changed)."""
    demand = np.nan_to_num(np.asarray(demand, dtype=float))
    supply = np.asarray(supply, dtype=float)
    demand_xy = np.asarray(demand_xy, dtype=float)
    raw = np.array(raw_before, dtype=float, copy=True)
    tree = demand_tree if demand_tree is not None else cKDTree(demand_xy)
    column = {"catchment_m": pairs.catchment_m, "circuity": circuity, "method": method, "bands": bands}
    changed = []
    closed = np.flatnonzero(~np.asarray(keep, dtype=bool))
    if len(closed):
        seen = pairs.demand_within(demand, method, bands)  # kept with the pairs: no product here
        for j in closed:  # take off what the site gave, with its ratio as it was
            rows, weights = site_column(demand_xy, sites_xy[j], demand_tree=tree, **column)
            raw[rows] -= weights * (supply[j] / seen[j] if seen[j] > 0 else 0.0)
            changed.append(rows)
    for xy, capacity in zip(np.asarray(added_xy, dtype=float).reshape(-1, 2), added_supply, strict=True):
        rows, weights = site_column(demand_xy, xy, demand_tree=tree, **column)
        people = float(weights @ demand[rows])  # a new site's ratio needs only the people it reaches
        raw[rows] += weights * (float(capacity) / people if people > 0 else 0.0)
        changed.append(rows)
    return raw, np.unique(np.concatenate(changed)) if changed else np.zeros(0, dtype=np.intp)

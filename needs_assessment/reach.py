"""Who isn't reached: population beyond a distance threshold of the nearest asset of a category.

All coordinates are projected metres (see geo.LocalProjection). Distances are straight lines times
a circuity factor, an *estimate* of the distance along roads, not a routed distance:

    estimated_m = straight_line_m * circuity

The default circuity, 1.3, is the middle of the 20-40% by which road trips exceed the straight line
in rural areas (DESIGN.md); set 1.0 for plain straight-line distance.

People are spread evenly over sample points laid on a grid inside each area's polygon (see
geo.sample_points), not lumped at the centroid: with large rural areas and short thresholds a
centroid puts a quarter of the people on the wrong side of the line. An area given only as a point
has one sample.

Thresholds can differ by area: the USDA Food Access Research Atlas counts people beyond 1 mile of
a supermarket in urban areas and beyond 10 miles in rural ones, "urban" meaning an area in a
population centre; we call an area urban when its density is at least 400 people per km², the
Statistics Canada population-centre density.

Worked example: one 1 km x 1 km area of 100 people and one asset 2.5 km east of the area's centre.
With a 2.5 km threshold and circuity 1.0, the western half of the square is beyond reach:

>>> import numpy as np
>>> xs = np.linspace(-450, 450, 10)
>>> grid = np.array([(x, y) for x in xs for y in xs])      # 100 sample points
>>> samples = Samples(area=np.zeros(100, int), xy=grid, share=np.full(100, 0.01))
>>> result = coverage(samples, population=np.array([100.0]), threshold_m=np.array([2500.0]),
...                   rep_xy=np.array([[0.0, 0.0]]), assets_xy=np.array([[2500.0, 0.0]]), circuity=1.0)
>>> round(float(result.unreached[0]), 6), float(result.nearest_m[0])
(50.0, 2500.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.spatial import cKDTree

DEFAULT_CIRCUITY = 1.3
URBAN_DENSITY_PER_KM2 = 400.0
MILE_M = 1609.344


@dataclass(frozen=True)
class Samples:
    """Population sample points: `area[k]` is the index of the area sample k belongs to,
    `xy[k]` its projected position (metres), `share[k]` its share of that area's population
    (the shares of one area add up to 1)."""

    area: np.ndarray
    xy: np.ndarray
    share: np.ndarray

    def radius_m(self, rep_xy: np.ndarray) -> np.ndarray:
        """For each area, the largest straight-line distance from its representative point to its samples."""
        d = np.hypot(*(self.xy - rep_xy[self.area]).T)
        out = np.zeros(len(rep_xy))
        np.maximum.at(out, self.area, d)
        return out

    @cached_property
    def _by_area(self) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """(stable order by area or None when already sorted, start offset per area, share total per area)."""
        area = np.asarray(self.area)
        order = None if len(area) < 2 or bool((area[1:] >= area[:-1]).all()) else np.argsort(area, kind="stable")
        counts = np.bincount(area) if len(area) else np.zeros(0, dtype=np.intp)
        start = np.concatenate(([0], np.cumsum(counts)))
        return order, start, np.bincount(area, weights=self.share) if len(area) else np.zeros(0)

    def per_sample(self, values: np.ndarray) -> np.ndarray:
        """A per-area array spread to the samples (values[area[k]] for every sample k)."""
        order, start, _ = self._by_area
        if order is None and len(values) == len(start) - 1:
            return np.repeat(values, np.diff(start))  # samples sorted by area: no gather needed
        return values[self.area]

    def of_areas(self, areas: np.ndarray) -> np.ndarray:
        """Indices of the samples of these areas, in sample order within each area.

        >>> Samples(np.array([1, 0, 1, 2]), np.zeros((4, 2)), np.ones(4)).of_areas(np.array([1, 2])).tolist()
        [0, 2, 3]
        """
        order, start, _ = self._by_area
        areas = np.asarray(areas, dtype=np.intp)
        areas = areas[areas < len(start) - 1]
        lo, n = start[areas], start[areas + 1] - start[areas]
        ends = np.cumsum(n)
        idx = np.repeat(lo - (ends - n), n) + np.arange(int(ends[-1]) if len(ends) else 0)
        return idx if order is None else order[idx]

    def share_total(self, n_areas: int) -> np.ndarray:
        """Sum of the shares of each area's samples (1 up to rounding; 0 for an area without samples)."""
        total = self._by_area[2]
        out = np.zeros(n_areas)
        out[: min(n_areas, len(total))] = total[:n_areas]
        return out


@dataclass(frozen=True)
class Coverage:
    """Result of coverage(): per area and per sample."""

    unreached: np.ndarray  # people beyond the threshold, per area
    nearest_m: np.ndarray  # estimated distance from the area's representative point to the nearest asset (inf: none)
    sample_unreached: np.ndarray  # bool per sample

    @property
    def total_unreached(self) -> float:
        return float(self.unreached.sum())


def reach_bound_m(threshold_m: np.ndarray, circuity: float) -> np.ndarray:
    """Straight-line metres within which a site reaches a point, per area; a hair over threshold / circuity
    so a point exactly at the threshold counts as reached despite rounding."""
    limit = np.asarray(threshold_m, dtype=float) / circuity
    return limit * (1 + 1e-12) + 1e-9


def unreached_people(samples: Samples, sample_unreached: np.ndarray, population: np.ndarray) -> np.ndarray:
    """People beyond reach per area: population x the summed shares of its unreached samples."""
    n = len(population)
    share = np.bincount(samples.area, weights=samples.share * sample_unreached, minlength=n)[:n]
    return population * np.minimum(share, 1.0)


def area_thresholds(
    density_per_km2: Sequence[float | None],
    urban_m: float,
    rural_m: float,
    urban_density: float = URBAN_DENSITY_PER_KM2,
) -> np.ndarray:
    """Threshold per area: urban_m where density >= urban_density, else rural_m (unknown density: rural).

    >>> area_thresholds([1200.0, 15.0, None], urban_m=MILE_M, rural_m=10 * MILE_M).round().tolist()
    [1609.0, 16093.0, 16093.0]
    """
    d = np.asarray(density_per_km2, dtype=float)  # None becomes NaN
    return np.where(d >= urban_density, float(urban_m), float(rural_m))


def coverage(
    samples: Samples,
    population: np.ndarray,
    threshold_m: np.ndarray,
    rep_xy: np.ndarray,
    assets_xy: np.ndarray,
    circuity: float = DEFAULT_CIRCUITY,
    tree: cKDTree | None = None,
    radius_m: np.ndarray | None = None,
) -> Coverage:
    """Population beyond threshold_m (estimated road metres) of the nearest asset, per area.

    population, threshold_m and rep_xy are per area; assets_xy is (n, 2) metres. A sample is
    reached when straight_line * circuity <= threshold. Pass a prebuilt `tree` over assets_xy and
    `radius_m` (Samples.radius_m) to reuse them across calls.

    Most samples are settled without a search, by the triangle inequality from the representative
    point's nearest asset (distance d, area radius r): an area is wholly reached when d + r is
    within reach and wholly beyond it when d - r is not; in the areas left, a sample is reached when
    that same asset is within reach of it, and beyond reach when d minus its own distance from the
    representative point is too far. Only the rest are searched. The answer is the same as searching
    every sample.
    """
    if circuity < 1.0:
        raise ValueError("circuity must be at least 1 (roads are never shorter than the straight line)")
    population = np.nan_to_num(np.asarray(population, dtype=float))
    threshold_m = np.asarray(threshold_m, dtype=float)
    n_areas = len(population)
    if len(assets_xy) == 0:
        return Coverage(population.copy(), np.full(n_areas, np.inf), np.ones(len(samples.area), dtype=bool))
    if tree is None:
        tree = cKDTree(assets_xy)
    if radius_m is None:
        radius_m = samples.radius_m(rep_xy)
    assets_xy = np.asarray(tree.data)
    limit = threshold_m / circuity
    bound = reach_bound_m(threshold_m, circuity)
    d_rep, nearest = tree.query(rep_xy, k=1, workers=-1)
    slack = 1e-9 * (d_rep + radius_m + 1.0)  # far above the rounding error of the inequalities below
    all_in = d_rep + radius_m <= limit
    all_out = d_rep - radius_m - slack > bound
    undecided = np.flatnonzero(~(all_in | all_out))
    idx = samples.of_areas(undecided)
    area = samples.area[idx]
    x, y = samples.xy[idx, 0], samples.xy[idx, 1]
    site = assets_xy[nearest[area]]
    # The same arithmetic as the KD-tree's, so "that asset is within reach" is exact.
    to_site = np.sqrt((x - site[:, 0]) ** 2 + (y - site[:, 1]) ** 2)
    to_rep = np.sqrt((x - rep_xy[area, 0]) ** 2 + (y - rep_xy[area, 1]) ** 2)
    sure_out = d_rep[area] - to_rep - slack[area] > bound[area]
    unreached = sure_out.copy()
    rest = np.flatnonzero(~(to_site <= bound[area]) & ~sure_out)
    rest_bound = bound[area[rest]]
    for value in np.unique(rest_bound):
        group = rest[rest_bound == value]
        # A slightly larger search bound, so a nearest asset exactly at `value` comes back with its distance.
        d, _ = tree.query(samples.xy[idx[group]], k=1, distance_upper_bound=value * (1 + 1e-9), workers=-1)
        unreached[group] = d > value
    sample_unreached = samples.per_sample(all_out)
    sample_unreached[idx] = unreached
    # Per area: the summed shares of its unreached samples, added in sample order as a full count would.
    share = np.where(all_out, samples.share_total(n_areas), 0.0)
    share += np.bincount(area, weights=samples.share[idx] * unreached, minlength=n_areas)[:n_areas]
    return Coverage(population * np.minimum(share, 1.0), d_rep * circuity, sample_unreached)


def group_breakdown(
    unreached: np.ndarray, population: np.ndarray, groups: Mapping[str, np.ndarray]
) -> dict[str, dict[str, float]]:
    """Unreached people per priority group, assuming each group is spread like its area's population.

    groups maps a group name to its count per area (NaN where unknown; such areas are left out of
    that group's totals).

    >>> r = group_breakdown(np.array([50.0, 0.0]), np.array([100.0, 100.0]), {"seniors": np.array([40.0, 10.0])})
    >>> r["seniors"]
    {'population': 50.0, 'unreached_population': 20.0, 'unreached_share': 0.4}
    """
    population = np.asarray(population, dtype=float)
    fraction = np.divide(unreached, population, out=np.zeros_like(population), where=population > 0)
    out = {}
    for name, counts in groups.items():
        counts = np.asarray(counts, dtype=float)
        known = ~np.isnan(counts)
        total = float(counts[known].sum())
        beyond = float((counts[known] * fraction[known]).sum())
        out[name] = {
            "population": total,
            "unreached_population": beyond,
            "unreached_share": beyond / total if total else 0.0,
        }
    return out


def band_breakdown(
    unreached: np.ndarray, population: np.ndarray, values: np.ndarray, bands=(1, 2, 3, 4, 5)
) -> list[dict]:
    """Population and unreached people in each band of a deprivation index (quintiles 1-5 by default,
    deciles, or a 1/0 flag such as Core20), in the order given; areas without a value (NaN) left out.

    >>> rows = band_breakdown(np.array([10.0, 90.0]), np.array([100.0, 100.0]), np.array([1, 5]))
    >>> [(r["band"], r["unreached_share"]) for r in rows if r["population"]]
    [(1, 0.1), (5, 0.9)]
    """
    population = np.asarray(population, dtype=float)
    q = np.asarray(values, dtype=float)
    rows = []
    for k in bands:
        mask = q == k
        pop = float(population[mask].sum())
        beyond = float(np.asarray(unreached)[mask].sum())
        rows.append(
            {
                "band": k,
                "quintile": k,  # the older name, kept for API clients
                "areas": int(mask.sum()),
                "population": pop,
                "unreached_population": beyond,
                "unreached_share": beyond / pop if pop else 0.0,
            }
        )
    return rows


def best_site(
    samples: Samples,
    sample_unreached: np.ndarray,
    sample_weight: np.ndarray,
    sample_limit_m: np.ndarray,
    candidates_xy: np.ndarray,
) -> tuple[int, float, np.ndarray]:
    """The candidate that would reach the most currently unreached weight.

    sample_weight is what each sample counts for (people, or people in a priority group);
    sample_limit_m is each sample's straight-line reach (threshold / circuity). Returns
    (best candidate index, its gain, gain of every candidate). Ties go to the lower index.

    >>> s = Samples(area=np.array([0, 0, 1]), xy=np.array([[0.0, 0], [10, 0], [100, 0]]), share=np.array([.5, .5, 1]))
    >>> best_site(s, np.array([True, True, True]), np.array([5.0, 5.0, 3.0]), np.full(3, 20.0),
    ...           np.array([[5.0, 0], [100.0, 0]]))[:2]
    (0, 10.0)
    """
    gains = np.zeros(len(candidates_xy))
    if len(candidates_xy) == 0:
        raise ValueError("no candidate sites")
    idx = np.flatnonzero(sample_unreached & (sample_weight > 0))
    if idx.size:
        tree = cKDTree(candidates_xy)
        limits = sample_limit_m[idx]
        for value in np.unique(limits):
            group = idx[limits == value]
            hits = tree.query_ball_point(samples.xy[group], r=value * (1 + 1e-12) + 1e-9, workers=-1)
            for sample, cands in zip(group, hits, strict=True):
                if cands:
                    gains[cands] += sample_weight[sample]
    best = int(np.argmax(gains))
    return best, float(gains[best]), gains

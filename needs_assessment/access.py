"""Capacity-aware access: two-step floating catchment area (2SFCA) and its enhanced form (E2SFCA).

Luo & Wang (2003): for each asset j with capacity S_j (hours open a week, seats, staff; default 1),

    R_j = S_j / sum over demand points k within d0 of j of  w(d_kj) * P_k
    A_i = sum over assets j within d0 of i of  w(d_ij) * R_j

with w = 1 for 2SFCA. The enhanced method (Luo & Qi 2009) weights distance bands; as in PySAL
`access`, the default bands are the thirds of the catchment with weights 1, 0.68 and 0.22 (a
distance exactly on a band edge takes the nearer band's weight). Distances are straight lines
times the circuity factor (estimated, not routed), in metres.

Scores are normalised so 1.0 means the district average: A_i divided by the population-weighted
mean of A over all demand points.

Worked example: two villages of 100 and 300 people, one clinic of capacity 2 within reach of both:
R = 2 / 400 = 0.005 and both villages score 0.005, which is the average, so 1.0 normalised.

>>> import numpy as np
>>> pairs = catchment_pairs(np.array([[0.0, 0], [1000, 0]]), np.array([[500.0, 0]]), 2000, circuity=1.0)
>>> a = two_step_fca(pairs, np.array([100.0, 300.0]), np.array([2.0]))
>>> a.tolist(), normalise(a, np.array([100.0, 300.0])).tolist()
([0.005, 0.005], [1.0, 1.0])
"""

from __future__ import annotations

import hashlib
import mmap
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

DEFAULT_BANDS = ((1 / 3, 1.0), (2 / 3, 0.68), (1.0, 0.22))


@dataclass(frozen=True)
class Pairs:
    """Demand-supply pairs within the catchment, as a sparse matrix of estimated distances (metres).

    Row r of `distance` is demand point `order[r]` (rows are in spatial order, which makes them
    cheap to build); columns are supply points. Weighted matrices per method are cached on the
    object, so repeated scores with the same pairs cost two sparse matrix-vector products.
    """

    order: np.ndarray
    distance: sparse.csr_matrix
    n_demand: int
    n_supply: int
    catchment_m: float
    _weights: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def demand(self) -> np.ndarray:
        """Demand index of every pair."""
        return self.order[np.repeat(np.arange(self.distance.shape[0]), np.diff(self.distance.indptr))]

    @property
    def supply(self) -> np.ndarray:
        """Supply index of every pair."""
        return self.distance.indices.astype(np.intp)

    @property
    def distance_m(self) -> np.ndarray:
        """Estimated distance of every pair."""
        return self.distance.data

    def weights(self, method: str, bands: Sequence[tuple[float, float]] = DEFAULT_BANDS) -> sparse.csr_matrix:
        """The pair weight matrix for a method (1 inside the catchment, or E2SFCA band weights)."""
        key = (method, tuple(bands))
        if key not in self._weights:
            if method == "2sfca":
                data = _fresh(len(self.distance.data), np.float64)
                data.fill(1.0)
            elif method == "e2sfca":
                data = band_weights(self.distance.data, self.catchment_m, bands)
            else:
                raise ValueError("method must be '2sfca' or 'e2sfca'")
            self._weights[key] = sparse.csr_matrix(
                (data, self.distance.indices, self.distance.indptr), shape=self.distance.shape, copy=False
            )
        return self._weights[key]

    def demand_within(
        self, demand: np.ndarray, method: str = "2sfca", bands: Sequence[tuple[float, float]] = DEFAULT_BANDS
    ) -> np.ndarray:
        """Weighted demand within reach of each supply point (the 2SFCA denominator).

        It depends on the pairs and the demand only, not on capacities, so the last one per method is
        kept: scoring again with the same people (a what-if, another capacity) is one product, not two.
        """
        demand = np.nan_to_num(np.asarray(demand, dtype=float))
        digest = hashlib.blake2b(demand.tobytes(), digest_size=16).digest()
        key = ("demand_within", method, tuple(bands))
        kept = self._weights.get(key)
        if kept is None or kept[0] != digest or len(kept[1]) != self.n_supply:
            kept = self._weights[key] = (digest, self.weights(method, bands).T @ demand[self.order])
        return kept[1]


def _strip_windows(demand_xy: np.ndarray, supply_xy: np.ndarray, reach_m: float, strips_per_reach: int):
    """Supply sorted into horizontal strips (by x within a strip) and, for every demand point and every
    strip it could reach, the range of sorted supply inside the circle's chord (a little wider, never
    narrower: the exact test comes after).

    Returns (demand order, supply order, window starts, window lengths); windows are (demand, strip).
    """
    height = reach_m / strips_per_reach
    y0 = min(demand_xy[:, 1].min(), supply_xy[:, 1].min())
    x0 = min(demand_xy[:, 0].min(), supply_xy[:, 0].min()) - reach_m - 1.0
    width = max(demand_xy[:, 0].max(), supply_xy[:, 0].max()) - x0 + reach_m + 2.0
    supply_strip = np.floor((supply_xy[:, 1] - y0) / height).astype(np.int64)
    supply_order = np.lexsort((supply_xy[:, 0], supply_strip))
    # One sorted key over all strips, so one searchsorted finds every window.
    key = supply_strip[supply_order] * width + (supply_xy[supply_order, 0] - x0)
    n_strips = int(supply_strip.max()) + 1
    demand_strip = np.floor((demand_xy[:, 1] - y0) / height).astype(np.int64)
    order = np.lexsort((demand_xy[:, 0], demand_strip))  # spatial order: neighbours share candidates
    x, y = demand_xy[order, 0], demand_xy[order, 1]
    strip = demand_strip[order, None] + np.arange(-strips_per_reach - 1, strips_per_reach + 2)
    bottom = y0 + strip * height
    # Rounding can leave a point a hair outside its strip's computed edges, and the key a hair off
    # its x: widen every window by more than either error.
    slack = 1e-9 * (reach_m + abs(y0) + abs(x0) + width) + 8 * np.spacing(n_strips * width)
    dy = np.maximum(0.0, np.maximum(bottom - y[:, None], y[:, None] - (bottom + height)) - slack)
    usable = (dy <= reach_m) & (strip >= 0) & (strip < n_strips)
    half = np.sqrt(np.where(usable, reach_m * reach_m - dy * dy, 0.0)) + slack
    centre = strip * width + (x[:, None] - x0)
    # Column by column (order="F"), the queries of one strip offset rise with the demand order, and
    # searchsorted starts each search from the last answer: several times faster than row by row.
    lo = np.searchsorted(key, (centre - half).ravel("F"), "left").reshape(strip.shape, order="F")
    hi = np.searchsorted(key, (centre + half).ravel("F"), "right").reshape(strip.shape, order="F")
    return order, supply_order, lo, np.where(usable, hi - lo, 0)


def _fresh(n: int, dtype) -> np.ndarray:
    """An uninitialised array in plain anonymous memory, freed with the array.

    numpy asks for transparent huge pages for big arrays; on a busy machine with fragmented memory
    the kernel then compacts memory on every first touch, which cost more (0.5 s for 300 MB here)
    than the pairs themselves. Ordinary pages fault in at a steady 0.1 s for the same size, and
    mapped all at once (MAP_POPULATE) in about half that.
    """
    size = max(int(n), 1) * np.dtype(dtype).itemsize
    # MAP_POPULATE (Linux): the kernel maps every page at once, about half the cost of a fault per page.
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_POPULATE", 0)
    return np.frombuffer(mmap.mmap(-1, size, flags=flags), dtype=dtype, count=max(int(n), 1))[:n]


def catchment_pairs(
    demand_xy: np.ndarray,
    supply_xy: np.ndarray,
    catchment_m: float,
    circuity: float = 1.3,
    chunk: int = 1024,
    strips_per_reach: int = 8,
    workers: int = -1,
) -> Pairs:
    """Every (demand, supply) pair whose estimated distance (straight line x circuity) is <= catchment_m.

    Vectorised strip join, no per-pair or per-area Python: supply is sorted into strips an eighth of
    the reach high, one searchsorted finds each demand point's candidate range in every strip, and
    blocks of `chunk` demand points test their candidates (about 1.1x the pairs) exactly. Output goes
    straight into the CSR arrays, sized from the candidate count. `workers` threads (-1: one per
    core) take a share of the blocks each; numpy releases the GIL, so they run at once.
    Pairs are the same as a KD-tree's sparse distance matrix gives, distances bit for bit.
    """
    if catchment_m <= 0:
        raise ValueError("catchment_m must be positive")
    if circuity < 1.0:
        raise ValueError("circuity must be at least 1")
    demand_xy = np.asarray(demand_xy, dtype=float).reshape(-1, 2)
    supply_xy = np.asarray(supply_xy, dtype=float).reshape(-1, 2)
    n, m = len(demand_xy), len(supply_xy)
    reach = catchment_m / circuity * (1 + 1e-12)
    if n == 0 or m == 0:
        return Pairs(np.arange(n), sparse.csr_matrix((n, m)), n, m, catchment_m)
    order, supply_order, lo, count = _strip_windows(demand_xy, supply_xy, reach, strips_per_reach)
    per_point = count.sum(axis=1)
    bound = int(per_point.sum())
    index_type = np.int32 if max(bound, m) < 2**31 - 1 else np.int64
    join = _Join(
        lo, count, per_point, demand_xy[order, 0], demand_xy[order, 1], supply_xy[supply_order, 0],
        supply_xy[supply_order, 1], supply_order.astype(index_type), reach * reach, circuity,
        indices=_fresh(bound, index_type), data=_fresh(bound, np.float64), indptr=np.zeros(n + 1, dtype=index_type),
    )  # fmt: skip
    # Shares of whole blocks with about equal candidates; share p writes from its first candidate's
    # position (its output cannot outgrow its candidates), then moves down to close the gap.
    blocks = np.arange(0, n, chunk)
    share_count = max(1, min((os.cpu_count() or 1) if workers == -1 else workers, len(blocks)))
    before_block = np.concatenate(([0], np.cumsum(per_point)))[blocks]
    cuts = np.searchsorted(before_block, np.arange(share_count) * bound / share_count, side="right") - 1
    starts = np.unique(np.concatenate(([0], blocks[cuts[1:]])))
    shares = [(a, b) for a, b in zip(starts, [*starts[1:], n], strict=True)]
    if len(shares) == 1:
        written = [join.run(0, n, chunk, 0)]
    else:
        with ThreadPoolExecutor(len(shares)) as pool:
            written = list(
                pool.map(lambda ab: join.run(ab[0], ab[1], chunk, int(before_block[ab[0] // chunk])), shares)
            )
    filled = 0
    for (a, b), k in zip(shares, written, strict=True):
        offset = int(before_block[a // chunk])
        join.move(offset, filled, k)
        join.indptr[a + 1 : b + 1] -= offset - filled
        filled += k
    distance = sparse.csr_matrix((join.data[:filled], join.indices[:filled], join.indptr), shape=(n, m), copy=False)
    return Pairs(order, distance, n, m, catchment_m)


@dataclass
class _Join:
    """The block loop of catchment_pairs over one share of the demand points, writing into shared arrays."""

    lo: np.ndarray
    count: np.ndarray
    per_point: np.ndarray
    x: np.ndarray
    y: np.ndarray
    sx: np.ndarray
    sy: np.ndarray
    supply_index: np.ndarray
    r2: float
    circuity: float
    indices: np.ndarray
    data: np.ndarray
    indptr: np.ndarray

    def run(self, first: int, last: int, chunk: int, filled: int) -> int:
        """Pairs of demand points first..last-1 written from position `filled`; returns how many."""
        start_filled = filled
        for start in range(first, last, chunk):
            stop = min(start + chunk, last)
            length = self.count[start:stop].ravel()
            ends = np.cumsum(length)
            total = int(ends[-1])
            candidate = np.repeat(self.lo[start:stop].ravel() - (ends - length), length)
            candidate += np.arange(total)
            d2 = self.sx[candidate]
            d2 -= np.repeat(self.x[start:stop], self.per_point[start:stop])
            dy = self.sy[candidate]
            dy -= np.repeat(self.y[start:stop], self.per_point[start:stop])
            d2 *= d2
            dy *= dy
            d2 += dy
            keep = d2 <= self.r2  # the same test and arithmetic as a KD-tree's, so the same pairs
            kept = np.zeros(total + 1, dtype=np.int64)
            np.cumsum(keep, out=kept[1:])
            row_end = np.cumsum(self.per_point[start:stop])
            self.indptr[start + 1 : stop + 1] = filled + kept[row_end]
            k = int(kept[-1])
            np.take(self.supply_index, candidate[keep], out=self.indices[filled : filled + k])
            np.multiply(np.sqrt(d2[keep]), self.circuity, out=self.data[filled : filled + k])
            filled += k
        return filled - start_filled

    def move(self, source: int, target: int, length: int, step: int = 1 << 20) -> None:
        """Move `length` pairs from `source` down to `target` (<= source), a block at a time."""
        if source == target:
            return
        for a in range(0, length, step):
            b = min(a + step, length)
            self.indices[target + a : target + b] = self.indices[source + a : source + b]
            self.data[target + a : target + b] = self.data[source + a : source + b]


def band_weights(
    distance_m: np.ndarray, catchment_m: float, bands: Sequence[tuple[float, float]] = DEFAULT_BANDS
) -> np.ndarray:
    """Step weights by distance band; bands are (upper edge as a fraction of the catchment, weight).

    >>> band_weights(np.array([0.0, 1000.0, 1500.0, 3000.0, 3001.0]), 3000.0).tolist()
    [1.0, 1.0, 0.68, 0.22, 0.0]
    """
    bands = sorted(bands)
    edges = np.array([edge * catchment_m * (1 + 1e-12) for edge, _ in bands])
    table = np.array([weight for _, weight in bands] + [0.0])  # beyond the last edge (or NaN): 0
    distance_m = np.asarray(distance_m, dtype=float)
    weights = _fresh(len(distance_m), np.float64)
    step = 1 << 20  # blocks keep the band indices small
    for start in range(0, len(distance_m), step):
        # side="left": a distance exactly on an edge falls in the nearer band
        band = np.searchsorted(edges, distance_m[start : start + step], side="left")
        np.take(table, band, out=weights[start : start + step])
    return weights


def two_step_fca(
    pairs: Pairs,
    demand: np.ndarray,
    supply: np.ndarray,
    method: str = "2sfca",
    bands: Sequence[tuple[float, float]] = DEFAULT_BANDS,
) -> np.ndarray:
    """Raw 2SFCA (or E2SFCA with method='e2sfca') access score per demand point."""
    w = pairs.weights(method, bands)
    supply = np.asarray(supply, dtype=float)
    seen = pairs.demand_within(demand, method, bands)  # weighted people within reach of each site
    ratio = np.divide(supply, seen, out=np.zeros(pairs.n_supply), where=seen > 0)
    scores = np.empty(pairs.n_demand)
    scores[pairs.order] = w @ ratio
    return scores


def normalise(scores: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Scores divided by their population-weighted mean (1.0 = district average; all 0 stays 0)."""
    population = np.nan_to_num(np.asarray(population, dtype=float))
    total = population.sum()
    mean = float((scores * population).sum() / total) if total else 0.0
    return scores / mean if mean > 0 else np.zeros_like(scores)

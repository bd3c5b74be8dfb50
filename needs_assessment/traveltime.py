"""Reach and access from a travel-time matrix computed by a routing engine (r5py, OTP, OSRM, Valhalla...).

The matrix has one row per area and one column per asset and holds minutes of travel from the
area's origin point to the asset. Unreachable pairs are NaN or inf in a dense array; in a scipy
sparse matrix they are the entries that are not stored (a stored 0 is a real zero-minute trip).

Each area is routed from ONE origin (its representative point, as the routing engine was given it),
so an area is wholly reached or wholly unreached: unlike reach.coverage, nobody is spread over sample
points inside the area. Use small areas (dissemination blocks) or the network module (which does
sample areas) when that matters.

A reachable time equal to the threshold counts as reached, as in reach.coverage.

Areas without a row in the matrix and assets without a column (the file did not name them) are not
treated as unreachable: they are *excluded* and reported, and their people are counted apart
(`excluded_population`), never silently added to the unreached.

Worked example: three areas, two clinics, 30-minute threshold. Area 0 is 10 minutes from clinic 0;
area 1 cannot reach clinic 0 and is 40 minutes from clinic 1; area 2 is 35 minutes from clinic 0:

>>> minutes = np.array([[10.0, 50.0], [np.nan, 40.0], [35.0, np.inf]])
>>> r = reach_from_matrix(minutes, population=np.array([100.0, 200.0, 300.0]), threshold_min=30)
>>> r.nearest_min.tolist(), r.nearest_asset.tolist(), r.unreached.tolist(), r.total_unreached
([10.0, 40.0, 35.0], [0, 1, 0], [0.0, 200.0, 300.0], 500.0)

Capacity-aware access (2SFCA) with a 45-minute catchment reuses access.two_step_fca unchanged:
clinic 0 serves areas 0 and 2 (400 people), clinic 1 only area 1 (200 people; area 0 is 50 minutes away).

>>> from needs_assessment import access
>>> pairs = pairs_from_matrix(minutes, catchment_min=45)
>>> (access.two_step_fca(pairs, np.array([100.0, 200.0, 300.0]), np.array([1.0, 1.0])) * 1200).round(6).tolist()
[3.0, 6.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .access import Pairs


@dataclass(frozen=True)
class MatrixReach:
    """Result of reach_from_matrix(): per area, plus what the matrix left out."""

    nearest_min: np.ndarray  # minutes to the nearest considered asset (inf: none reachable; nan: area excluded)
    nearest_asset: np.ndarray  # column index of that asset (-1: none reachable or area excluded)
    unreached: np.ndarray  # people beyond the threshold (0 for excluded areas)
    excluded_areas: np.ndarray  # indices of areas with no row in the matrix
    excluded_assets: np.ndarray  # column indices of considered assets with no column in the matrix
    population: np.ndarray  # people per area as used (NaN read as 0)

    @property
    def total_unreached(self) -> float:
        """People beyond the threshold, over the areas in the matrix."""
        return float(self.unreached.sum())

    @property
    def excluded_population(self) -> float:
        """People in areas that have no row in the matrix (neither reached nor unreached)."""
        return float(self.population[self.excluded_areas].sum())

    @property
    def total_population(self) -> float:
        """People in the areas that are in the matrix."""
        return float(self.population.sum()) - self.excluded_population


def _nearest_dense(minutes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row minimum and its column, NaN/inf/negative read as unreachable."""
    m = np.where(np.isfinite(minutes) & (minutes >= 0), minutes, np.inf)
    if m.shape[1] == 0:
        return np.full(m.shape[0], np.inf), np.full(m.shape[0], -1)
    col = np.argmin(m, axis=1)
    best = m[np.arange(m.shape[0]), col]
    return best, np.where(np.isfinite(best), col, -1)


def _nearest_sparse(minutes: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Row minimum over stored entries (absent = unreachable) and its column."""
    n = minutes.shape[0]
    row = np.repeat(np.arange(n), np.diff(minutes.indptr))
    data, col = minutes.data, minutes.indices
    ok = np.isfinite(data) & (data >= 0)
    row, data, col = row[ok], data[ok], col[ok]
    best = np.full(n, np.inf)
    best_col = np.full(n, -1)
    if len(data):
        order = np.lexsort((col, data, row))  # per row: smallest time first, ties to the lower column
        first = order[np.r_[True, row[order][1:] != row[order][:-1]]]
        best[row[first]], best_col[row[first]] = data[first], col[first]
    return best, best_col


def _as_matrix(minutes) -> np.ndarray | sparse.csr_matrix:
    if sparse.issparse(minutes):
        return sparse.csr_matrix(minutes)
    m = np.asarray(minutes, dtype=float)
    if m.ndim != 2:
        raise ValueError("the travel-time matrix must be 2-D (areas x assets)")
    return m


def reach_from_matrix(
    minutes,
    population: np.ndarray,
    threshold_min: float | np.ndarray,
    *,
    assets: Sequence[int] | np.ndarray | None = None,
    area_in_matrix: np.ndarray | None = None,
    asset_in_matrix: np.ndarray | None = None,
) -> MatrixReach:
    """People beyond threshold_min minutes of the nearest asset, per area, from a travel-time matrix.

    minutes: areas x assets (dense with NaN/inf unreachable, or scipy sparse with absent entries
    unreachable). threshold_min: one value or one per area. assets: the columns to consider (one
    category); nearest_asset is reported in full-matrix column indices. area_in_matrix /
    asset_in_matrix: which areas had a row and which assets a column in the source file (default:
    all); the others are excluded and reported, not counted as unreached.
    """
    m = _as_matrix(minutes)
    n_areas, n_assets = m.shape
    population = np.nan_to_num(np.asarray(population, dtype=float))
    if population.shape != (n_areas,):
        raise ValueError(f"population has {population.size} values for {n_areas} matrix rows")
    threshold = np.broadcast_to(np.asarray(threshold_min, dtype=float), (n_areas,))
    columns = np.arange(n_assets) if assets is None else np.asarray(assets, dtype=np.intp).reshape(-1)
    area_in = np.ones(n_areas, bool) if area_in_matrix is None else np.asarray(area_in_matrix, bool)
    asset_in = np.ones(n_assets, bool) if asset_in_matrix is None else np.asarray(asset_in_matrix, bool)
    used = columns[asset_in[columns]]
    sub = m[:, used]
    best, best_col = _nearest_sparse(sparse.csr_matrix(sub)) if sparse.issparse(sub) else _nearest_dense(sub)
    nearest_asset = np.where(best_col >= 0, used[np.maximum(best_col, 0)] if len(used) else -1, -1)
    reached = best <= threshold * (1 + 1e-12) + 1e-9
    unreached = np.where(area_in & ~reached, population, 0.0)
    best = np.where(area_in, best, np.nan)
    nearest_asset = np.where(area_in, nearest_asset, -1)
    return MatrixReach(
        nearest_min=best,
        nearest_asset=nearest_asset,
        unreached=unreached,
        excluded_areas=np.flatnonzero(~area_in),
        excluded_assets=columns[~asset_in[columns]],
        population=population,
    )


def pairs_from_matrix(minutes, catchment_min: float) -> Pairs:
    """access.Pairs of every (area, asset) pair with a reachable time <= catchment_min, for access.two_step_fca.

    The pair "distances" are minutes, and catchment_m holds catchment_min: access.band_weights only
    compares them with each other, so E2SFCA's default bands become thirds of the catchment in
    minutes (10/20/30 for a 30-minute catchment, PySAL's default steps). Rows are in area order.
    """
    if catchment_min <= 0:
        raise ValueError("catchment_min must be positive")
    m = _as_matrix(minutes)
    n, k = m.shape
    limit = catchment_min * (1 + 1e-12) + 1e-9
    if sparse.issparse(m):
        m = m.copy()
        m.sum_duplicates()
        m.sort_indices()
        keep = np.isfinite(m.data) & (m.data >= 0) & (m.data <= limit)
        row = np.repeat(np.arange(n), np.diff(m.indptr))[keep]
        data, col = m.data[keep], m.indices[keep]
    else:
        row, col = np.nonzero(np.isfinite(m) & (m >= 0) & (m <= limit))  # row-major: already CSR order
        data = m[row, col]
    indptr = np.r_[0, np.cumsum(np.bincount(row, minlength=n))]
    # Built from (data, indices, indptr) so that zero-minute pairs stay stored as pairs.
    distance = sparse.csr_matrix((data, col, indptr), shape=(n, k), copy=False)
    return Pairs(np.arange(n), distance, n, k, float(catchment_min))

"""Counts given per postal code (or FSA) spread over areas by population share.

Partners often count service use by the postal code or forward sortation area (FSA, the first
three characters) of the people served. Each code's count is shared among the areas its postal
points fall in, in proportion to a weight per (code, area) that the app supplies: the population
of the areas the code's points fall in (for a full postal code usually one area; for an FSA, the
areas its postal-code points fall in, each weighted by the area's population). Shares are fractional;
totals are conserved: what cannot be placed is returned, with the reason, rather than dropped.

Reasons a count (or part of it) cannot be placed:
* "unknown code": the code has no weights (not in the lookup);
* "no population": the code's areas weigh 0 in all;
* "outside the areas": part of the weight is on areas that are not among area_ids (a code straddling
  the edge of the map): that share is returned, not pushed onto the areas inside.

Worked example: FSA P1H's 10 visits over two areas of 300 and 100 people; K0K is unknown:

>>> a = allocate({"P1H": 10.0, "K0K": 2.0}, {"P1H": [("A", 300.0), ("B", 100.0)]}, ["A", "B"])
>>> a.counts.tolist(), a.unallocated
([7.5, 2.5], {'K0K': (2.0, 'unknown code')})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Allocation:
    """counts: per area (areas,) or per area and band (areas, bands), fractional.
    unallocated: code -> (count or per-band counts that were not placed, reason)."""

    counts: np.ndarray
    unallocated: dict[str, tuple[float | np.ndarray, str]]

    @property
    def total_unallocated(self) -> float | np.ndarray:
        parts = [np.asarray(v, dtype=float) for v, _ in self.unallocated.values()]
        return sum(parts, np.zeros(self.counts.shape[1:]))


def allocate(
    counts: Mapping[str, float | Sequence[float]],
    weights: Mapping[str, Sequence[tuple[object, float]]],
    area_ids: Sequence,
) -> Allocation:
    """Share each code's count (a number, or one number per band) among its areas by weight.

    weights maps a code to (area_id, weight) pairs, weights being the populations of the areas the
    code's points fall in (see the module docstring). Returns counts per area in area_ids order.
    """
    index = {area_id: k for k, area_id in enumerate(area_ids)}
    codes = list(counts)
    values = np.array([np.asarray(counts[c], dtype=float) for c in codes]) if codes else np.zeros((0,))
    per_band = values.ndim == 2
    out = np.zeros((len(area_ids),) + values.shape[1:])
    unallocated: dict[str, tuple[float | np.ndarray, str]] = {}
    rows, cols, shares = [], [], []
    for i, code in enumerate(codes):
        pairs = weights.get(code)
        if not pairs:
            unallocated[code] = (_plain(values[i]), "unknown code")
            continue
        w = np.clip(np.nan_to_num(np.array([float(weight) for _, weight in pairs])), 0.0, None)
        if w.sum() <= 0:
            unallocated[code] = (_plain(values[i]), "no population")
            continue
        share = w / w.sum()
        inside = np.array([area in index for area, _ in pairs])
        if not inside.all():
            unallocated[code] = (_plain(values[i] * share[~inside].sum()), "outside the areas")
        rows += [i] * int(inside.sum())
        cols += [index[area] for area, _ in pairs if area in index]
        shares += share[inside].tolist()
    if rows:
        rows, cols, shares = np.array(rows), np.array(cols), np.array(shares)
        part = values[rows] * (shares[:, None] if per_band else shares)
        np.add.at(out, cols, part)
    return Allocation(out, unallocated)


def _plain(v: np.ndarray) -> float | np.ndarray:
    return float(v) if np.ndim(v) == 0 else np.asarray(v, dtype=float)

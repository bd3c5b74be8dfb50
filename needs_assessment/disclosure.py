"""Suppression of small counts across published lines, vectorised for many areas and periods.

The same rules as suppression.py, applied to counts of events (service use) that are published per
area and in totals:

* primary: a count from 1 to threshold - 1, judged after rounding half up, is suppressed ("small");
  zero is shown (suppression.is_small's rule, on arrays);
* secondary: in every published line (entries that add up to a published total, the total being
  part of the line) the number of suppressed entries must be 0 or at least 2. While a line has
  exactly one, its smallest other entry is suppressed too ("secondary"), preferring a non-zero
  entry to a zero and an entry to the line's total, then the smaller value, then the first.

Lines are lists of entry indices whose last index is the line's total. Entries with an unknown
(NaN) count are never suppressed and never protect. Like suppression.py this protects against
recovery by subtraction within a line, not against every combination of lines.

Worked example: four areas and their total; 3 is small, and the next smallest area (12) is hidden too:

>>> codes = suppress_lines(np.array([3.0, 40.0, 12.0, 0.0, 55.0]), [np.array([0, 1, 2, 3, 4])], threshold=10)
>>> [SUPPRESSION_REASONS[c] for c in codes]
['small', None, 'secondary', None, None]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SUPPRESSION_REASONS = (None, "small", "secondary")  # index = code
SMALL, SECONDARY = 1, 2


def small_counts(values: np.ndarray, threshold: int) -> np.ndarray:
    """True where a count is suppressed by the primary rule (1 to threshold - 1 after rounding half up).

    >>> small_counts(np.array([0, 1, 4.4, 4.6, 5, np.nan]), 5).tolist()
    [False, True, True, False, False, False]
    """
    rounded = np.floor(np.asarray(values, dtype=float) + 0.5)
    with np.errstate(invalid="ignore"):
        return (rounded > 0) & (rounded < threshold)


def suppress_lines(values: np.ndarray, lines: Sequence[np.ndarray], threshold: int) -> np.ndarray:
    """Suppression codes for a 1-D vector of published counts and its lines (module docstring)."""
    values = np.asarray(values, dtype=float)
    codes = np.where(small_counts(values, threshold), SMALL, 0).astype(np.int8)
    if not codes.any():
        return codes
    known = np.isfinite(values)
    lines = [(line[known[line]], line[-1]) for line in lines]
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            hidden = codes[members] > 0
            if hidden.sum() != 1 or hidden.all():
                continue
            cand = members[~hidden]
            v = values[cand]
            best = cand[np.lexsort((cand, v, cand == total, np.floor(v + 0.5) == 0))[0]]
            codes[best] = SECONDARY
            changed = True
    return codes


@dataclass(frozen=True)
class Suppression:
    """Codes into SUPPRESSION_REASONS for each published count: per area, the total, per band, per group."""

    areas: np.ndarray  # (..., areas)
    total: np.ndarray  # (...)
    bands: np.ndarray | None  # (..., bands)
    groups: dict[str, np.ndarray]  # name -> (..., groups)


def suppress_published(
    areas: np.ndarray,
    total: np.ndarray,
    threshold: int,
    bands: np.ndarray | None = None,
    groups: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Suppression:
    """Suppress the counts published for areas (..., areas), their total (...), band totals (..., bands)
    and groups (name -> (group index per area, -1 for none; group totals (..., groups))).

    Lines: the areas with the total; the bands with the total; for each group, its areas with its
    total; and each grouping's totals with the total. Leading (period) axes are handled one by one.

    >>> s = suppress_published(np.array([5.0, 20.0, 30.0]), np.array(55.0), 10,
    ...                        groups={"q": (np.array([0, 0, 1]), np.array([25.0, 30.0]))})
    >>> s.areas.tolist(), s.groups["q"].tolist()  # 25 = 5 + 20 tells neither
    ([1, 2, 0], [0, 0])
    """
    areas = np.asarray(areas, dtype=float)
    groups = dict(groups or {})
    n_areas = areas.shape[-1]
    parts = [areas, np.asarray(total, dtype=float)[..., None]]
    lines = [np.arange(n_areas + 1)]
    offset = n_areas + 1
    if bands is not None:
        bands = np.asarray(bands, dtype=float)
        parts.append(bands)
        lines.append(np.append(np.arange(offset, offset + bands.shape[-1]), n_areas))
        offset += bands.shape[-1]
    spans = {}
    for name, (labels, sums) in groups.items():
        sums = np.asarray(sums, dtype=float)
        labels = np.asarray(labels)
        n = sums.shape[-1]
        for g in range(n):
            lines.append(np.append(np.flatnonzero(labels == g), offset + g))
        lines.append(np.append(np.arange(offset, offset + n), n_areas))
        parts.append(sums)
        spans[name] = (offset, offset + n)
        offset += n
    lead = np.broadcast_shapes(*(p.shape[:-1] for p in parts))
    flat = np.concatenate([np.broadcast_to(p, lead + p.shape[-1:]) for p in parts], axis=-1)
    codes = np.zeros(flat.shape, np.int8)
    for i in np.ndindex(lead):
        codes[i] = suppress_lines(flat[i], lines, threshold)
    b0 = n_areas + 1
    return Suppression(
        areas=codes[..., :n_areas],
        total=codes[..., n_areas],
        bands=None if bands is None else codes[..., b0 : b0 + bands.shape[-1]],
        groups={name: codes[..., a:b] for name, (a, b) in spans.items()},
    )

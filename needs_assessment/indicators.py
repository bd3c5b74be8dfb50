"""Indicator arithmetic on plain values: quintiles, population-weighted means, rates.

>>> quintile(0.5, [-0.8, -0.3, 0.1, 0.66])
4
>>> weighted_mean([1.0, 3.0], [1, 3])
2.5
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence


def quintile(value: float | None, cutpoints: Sequence[float]) -> int | None:
    """Quintile 1-5 of value given the four cut points q20, q40, q60, q80 (None stays None).

    A value equal to a cut point falls in the lower quintile (q20 itself is the top of quintile 1).
    With CIMD scores, quintile 5 is the most deprived fifth.
    """
    if value is None:
        return None
    if len(cutpoints) != 4 or list(cutpoints) != sorted(cutpoints):
        raise ValueError("cutpoints must be four ascending numbers (q20, q40, q60, q80)")
    return bisect_left(list(cutpoints), value) + 1


def weighted_mean(values: Sequence[float | None], weights: Sequence[float | None]) -> float | None:
    """Mean of values weighted by weights, skipping pairs where either is missing; None if no weight."""
    num = den = 0.0
    for v, w in zip(values, weights, strict=True):
        if v is None or w is None:
            continue
        num += v * w
        den += w
    return num / den if den else None

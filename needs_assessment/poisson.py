"""Confidence limits for counts of events and funnel-plot control limits, as OHID Fingertips computes them.

A count of events O (visits, people seen) is treated as Poisson. Its 100(1 - α)% limits are:

* O >= 10: Byar's approximation (Breslow & Day 1987)

      O_low  = O (1 - 1/(9 O) - z / (3 √O))³
      O_high = (O + 1) (1 - 1/(9 (O + 1)) + z / (3 √(O + 1)))³      z = Φ⁻¹(1 - α/2)

* O < 10: the χ² exact method (Armitage & Berry 2002)

      O_low  = χ²(α/2; 2 O) / 2            (0 when O = 0)
      O_high = χ²(1 - α/2; 2 O + 2) / 2

  computed here as the inverse regularised incomplete gamma function, since χ²(q; 2k) / 2 = P⁻¹(k, q).

Rates and ratios take the limits of their count: rate limits are O_low / n and O_high / n, and an
indirectly standardised ratio O / E has limits O_low / E and O_high / E.

Sources: OHID Fingertips "Public health technical guidance", pages "Rates" and "Indirectly
standardised ratios" (https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/);
PHE "Technical Guide – Confidence Intervals" (Public Health Data Science, 25 May 2018); and the R
package PHEindicatormethods (functions `byars_lower`, `byars_upper`, `calculate_ISRatio`/`phe_isr`),
whose switch at 10 and formulas these match.

Worked example, the published Byar's case: 65 events give 95% limits 50.163 to 82.849.

>>> low, high, exact = count_limits(np.array([65.0, 3.0, 0.0]))
>>> low.round(3).tolist(), high.round(3).tolist(), exact.tolist()
([50.163, 0.619, 0.0], [82.849, 8.767, 3.689], [False, True, True])

Funnel plots for ratios (PHE "Technical Guide – Funnel Plots", 2017, and the "Funnel plot tool for
ratios"; PHEindicatormethods `calculate_funnel_limits(statistic = "ratio")`): the control limits are
exact Poisson limits at 95% (2 sigma, p = 0.025 in each tail) and 99.8% (3 sigma, p = 0.001). PHE
traces them from observed counts O: the lower limit passes through (E, O / E) where E is the
expected count at which O is just in the lower tail, P(X <= O | E) = p, i.e. E = χ²(1 - p; 2 O + 2) / 2;
the upper limit passes through (E, O / E) with P(X >= O | E) = p, i.e. E = χ²(p; 2 O) / 2. funnel_limits
evaluates the same curves on a grid of expected counts by solving those equations for a continuous O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

BYARS_MIN_COUNT = 10  # Byar's method from this count up, exact method below (Fingertips)
CONFIDENCE_LEVELS = (0.95, 0.998)


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for a confidence level given as a fraction (0.95 -> 1.95996).

    >>> round(z_value(0.95), 6), round(z_value(0.998), 6)
    (1.959964, 3.090232)
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be a fraction between 0 and 1, e.g. 0.95")
    return float(stats.norm.ppf(confidence + (1.0 - confidence) / 2.0))


def byars_limits(observed: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's lower and upper limits of counts (meant for counts of 10 or more).

    >>> [round(float(v), 6) for v in byars_limits(np.array(65.0), 0.998)]
    [42.880261, 94.000291]
    """
    o = np.asarray(observed, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = o * (1.0 - 1.0 / (9.0 * o) - z / (3.0 * np.sqrt(o))) ** 3
        o1 = o + 1.0
        high = o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * np.sqrt(o1))) ** 3
    return low, high


def exact_limits(observed: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """χ² exact Poisson limits of counts; the lower limit of 0 is 0. Counts need not be whole.

    >>> [v.round(4).tolist() for v in exact_limits(np.array([0.0, 1.0, 9.0]))]
    [[0.0, 0.0253, 4.1154], [3.6889, 5.5716, 17.0848]]
    """
    o = np.asarray(observed, dtype=float)
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore"):
        low = np.where(o > 0, special.gammaincinv(np.where(o > 0, o, 1.0), alpha / 2.0), np.where(o == 0, 0.0, np.nan))
        high = special.gammaincinv(o + 1.0, 1.0 - alpha / 2.0)
    return low, high


def count_limits(observed: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Limits of counts the Fingertips way: exact below 10, Byar's from 10. Returns (low, high, exact).

    `exact` is True where the exact method was used. NaN counts give NaN limits (and exact False).
    Only the counts below 10 go through the (slower) inverse gamma function.
    """
    o = np.asarray(observed, dtype=float)
    low, high = (np.array(v, dtype=float) for v in byars_limits(o, confidence))
    exact = o < BYARS_MIN_COUNT  # False for NaN
    if exact.any():
        small = o[exact]
        whole = small == np.floor(small)
        # Whole counts 0..9 are looked up (the inverse gamma function is slow on many values).
        table_low, table_high = exact_limits(np.arange(BYARS_MIN_COUNT, dtype=float), confidence)
        k = np.where(whole, small, 0).astype(int)
        elow, ehigh = table_low[k], table_high[k]
        if not whole.all():
            elow[~whole], ehigh[~whole] = exact_limits(small[~whole], confidence)
        low[exact] = elow
        high[exact] = ehigh
    return low, high, exact


@dataclass(frozen=True)
class FunnelLimits:
    """Funnel-plot control limits for a ratio (observed / expected) at each expected count of the grid.

    Draw each limit as a line through (expected, limit); the centre line is 1.
    """

    expected: np.ndarray
    low95: np.ndarray
    high95: np.ndarray
    low998: np.ndarray
    high998: np.ndarray


def funnel_grid(expected: np.ndarray, n_points: int = 100) -> np.ndarray:
    """A geometric grid of expected counts spanning the areas' expected counts, for drawing funnels.

    Runs from 0.95 x the smallest positive expected count to 1.05 x the largest (PHE's axis padding).

    >>> funnel_grid(np.array([2.0, 50.0, 0.0]), n_points=3).round(3).tolist()  # 1.9 to 52.5
    [1.9, 9.987, 52.5]
    """
    e = np.asarray(expected, dtype=float)
    e = e[np.isfinite(e) & (e > 0)]
    if e.size == 0:
        raise ValueError("no positive expected counts to draw a funnel for")
    return np.geomspace(0.95 * e.min(), 1.05 * e.max(), n_points)


def _observed_at_tail(expected: np.ndarray, cdf: float, shift: float) -> np.ndarray:
    """Continuous O with gammainc(O + shift, E) = cdf, i.e. the count whose exact limit is E."""
    # scipy's gdtrib(1, p, x) solves gammainc(b, x) = p for the shape b.
    return special.gdtrib(1.0, cdf, expected) - shift


def funnel_limits(expected: np.ndarray) -> FunnelLimits:
    """Exact Poisson control limits of a ratio at each expected count (see the module docstring).

    The lower limit at E is O / E for the O whose exact upper limit is E; it is 0 while even 0
    events would not be significantly low (E below χ²(1 - p; 2) / 2, 3.69 at 95%). The upper limit
    at E is O / E for the O whose exact lower limit is E.

    >>> f = funnel_limits(np.array([18.39035604, 100.0]))  # 18.39: the exact upper 95% limit of 10 events
    >>> f.low95.round(5).tolist(), f.high95.round(4).tolist()
    ([0.54376, 0.80391], [1.5081, 1.2056])
    """
    e = np.asarray(expected, dtype=float)
    if np.any(e <= 0):
        raise ValueError("expected counts on a funnel grid must be positive")
    limits = {}
    for confidence, name in ((0.95, "95"), (0.998, "998")):
        p = (1.0 - confidence) / 2.0
        low_o = _observed_at_tail(e, 1.0 - p, 1.0)  # P(X <= O | E) = p
        high_o = _observed_at_tail(e, p, 0.0)  # P(X >= O | E) = p
        limits["low" + name] = np.maximum(low_o, 0.0) / e
        limits["high" + name] = high_o / e
    return FunnelLimits(expected=e, **limits)

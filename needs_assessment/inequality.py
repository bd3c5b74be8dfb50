"""Inequality in uptake by deprivation: ratios by quintile and the slope index of inequality (SII).

Ratios by quintile are population-weighted in the usual way for indirectly standardised ratios:
within each quintile, the sum of observed counts over the sum of expected counts (not a mean of the
areas' ratios), with confidence limits from the summed count (poisson.count_limits).

The SII follows PHE (Low & Low 2004; PHE "Inequalities calculation tool" and "Slope index of
inequality tool (simulated confidence intervals)"; PHEindicatormethods `phe_sii`):

* groups are ordered from most to least deprived; each gets a relative rank b, the midpoint of its
  range in the cumulative population share (a group holding the first 12% has b = 0.06);
* with a = the group's share of the population, the model y √a = β0 √a + β1 b √a is fitted by
  least squares without intercept (a weighted regression of y on b with weights a); the SII is β1,
  the fitted difference between the least deprived end (b = 1) and the most deprived end (b = 0);
* the confidence interval is simulated: each group's value is drawn many times from a normal
  distribution (on the log scale for ratios, PHE's `value_type = 1` for rates) with the standard
  error implied by its 95% limits, SE = (log high - log low) / (2 × 1.96); each draw is refitted,
  and the limits are the draws at positions round(R × 0.025) and round(R × 0.975) of the sorted R
  results (R = 100,000 repetitions, as PHE's default). A fixed seed makes it reproducible. When a
  group's value or lower limit is 0 the log scale is impossible, and the draws are made on the
  natural scale instead (PHE's `value_type = 0`).

PHE requires every quantile to be present; with few areas a deprivation quintile can be empty, so
groups without population are left out and the ranks are taken over the groups present (at least
two are needed).

Worked example: five equal fifths whose ratio rises by 0.1 a fifth from the most deprived end give
an SII of 0.5 (0.1 per fifth of the population, over the whole range):

>>> s = slope_index(np.array([0.8, 0.9, 1.0, 1.1, 1.2]), np.full(5, 1000.0))
>>> round(s.sii, 12)
0.5
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import poisson

SII_REPETITIONS = 100_000


@dataclass(frozen=True)
class QuintileTable:
    """Sums per deprivation quintile (last axis: quintiles 1..n) and the ratio with its limits."""

    quintile: np.ndarray
    areas: np.ndarray
    population: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    ratio: np.ndarray
    ratio_low95: np.ndarray
    ratio_high95: np.ndarray
    ratio_low998: np.ndarray
    ratio_high998: np.ndarray


def quintile_table(
    labels: np.ndarray, observed: np.ndarray, expected: np.ndarray, population: np.ndarray, n_groups: int = 5
) -> QuintileTable:
    """Population, observed, expected and ratio per quintile 1..n_groups; leading (period) axes kept.

    labels has one quintile per area (0, NaN or out of range: left out). Areas whose observed or
    expected count is unknown (NaN) are left out of that period's sums altogether.

    >>> t = quintile_table(np.array([1, 1, 2]), np.array([10.0, 20.0, 5.0]), np.array([15.0, 15.0, 10.0]),
    ...                    np.array([100.0, 100.0, 50.0]), n_groups=2)
    >>> t.observed.tolist(), t.expected.tolist(), t.ratio.tolist()
    ([30.0, 5.0], [30.0, 10.0], [1.0, 0.5])
    """
    q = np.asarray(labels, dtype=float)
    groups = np.arange(1, n_groups + 1)
    member = (q[:, None] == groups[None, :]).astype(float)  # areas x groups
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    n = np.broadcast_to(np.asarray(population, dtype=float), np.broadcast_shapes(o.shape, e.shape))
    valid = np.isfinite(o) & np.isfinite(e)
    obs = np.where(valid, o, 0.0) @ member
    exp = np.where(valid, e, 0.0) @ member
    pop = np.where(valid, np.nan_to_num(n), 0.0) @ member
    areas = valid.astype(float) @ member
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(exp > 0, obs / exp, np.nan)
        limits = {}
        for confidence, name in ((0.95, "95"), (0.998, "998")):
            low, high, _ = poisson.count_limits(obs, confidence)
            limits["ratio_low" + name] = np.where(exp > 0, low / exp, np.nan)
            limits["ratio_high" + name] = np.where(exp > 0, high / exp, np.nan)
    return QuintileTable(groups, areas.astype(int), pop, obs, exp, ratio, **limits)


@dataclass(frozen=True)
class SlopeIndex:
    """SII with simulated limits; NaN when fewer than two groups have people."""

    sii: float
    low95: float
    high95: float
    low998: float
    high998: float
    groups_used: int
    scale: str  # "log" or "natural": where the simulation draws were made
    repetitions: int
    seed: int


def relative_ranks(population: np.ndarray) -> np.ndarray:
    """Midpoint of each group's range in the cumulative population share (groups in rank order).

    >>> relative_ranks(np.array([12.0, 10.0, 78.0])).round(2).tolist()
    [0.06, 0.17, 0.61]
    """
    a = np.asarray(population, dtype=float) / np.sum(population)
    return np.cumsum(a) - a / 2.0


def slope_index(
    value: np.ndarray,
    population: np.ndarray,
    low95: np.ndarray | None = None,
    high95: np.ndarray | None = None,
    *,
    repetitions: int = SII_REPETITIONS,
    seed: int = 0,
) -> SlopeIndex:
    """Slope index of inequality of value over groups ordered most to least deprived (module docstring).

    low95/high95 are the groups' 95% limits; without them (or with repetitions=0) the limits are NaN.
    """
    value = np.asarray(value, dtype=float)
    population = np.asarray(population, dtype=float)
    keep = (population > 0) & np.isfinite(value)
    nan = float("nan")
    if keep.sum() < 2:
        return SlopeIndex(nan, nan, nan, nan, nan, int(keep.sum()), "", 0, seed)
    sqrt_a = np.sqrt(population[keep] / population[keep].sum())
    b = relative_ranks(population[keep])
    design = np.column_stack([sqrt_a, b * sqrt_a])
    solve = np.linalg.pinv(design)  # (2, groups): least-squares coefficients = solve @ (y √a)
    sii = float((solve @ (value[keep] * sqrt_a))[1])
    if low95 is None or high95 is None or repetitions <= 0:
        return SlopeIndex(sii, nan, nan, nan, nan, int(keep.sum()), "", 0, seed)
    y, low, high = value[keep], np.asarray(low95, float)[keep], np.asarray(high95, float)[keep]
    z = poisson.z_value(0.95)
    rng = np.random.default_rng(seed)
    log_scale = bool(np.all(y > 0) and np.all(low > 0))
    if log_scale:
        draws = np.exp(rng.normal(np.log(y), (np.log(high) - np.log(low)) / (2 * z), size=(repetitions, len(y))))
    else:
        draws = rng.normal(y, (high - low) / (2 * z), size=(repetitions, len(y)))
    slopes = np.sort((draws * sqrt_a) @ solve[1])
    limits = []
    for confidence in (0.95, 0.998):
        tail = (1.0 - confidence) / 2.0
        # PHE takes the sorted results at 1-based positions round(R * tail) and round(R * (1 - tail)).
        lo = max(int(np.rint(repetitions * tail)), 1) - 1
        hi = min(int(np.rint(repetitions * (1.0 - tail))), repetitions) - 1
        limits += [float(slopes[lo]), float(slopes[hi])]
    return SlopeIndex(sii, *limits, int(keep.sum()), "log" if log_scale else "natural", repetitions, seed)

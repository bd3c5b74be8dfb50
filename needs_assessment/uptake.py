"""Realised uptake: who isn't using a service, from counts of use per area (no personal data).

Partners give counts of service use per area (optionally by age band) for a period. Each area's
count is compared with what the area's population would give at a standard's band rates:

    expected = Σ_bands standard_rate[band] × population[area, band]
    ratio    = observed / expected            (indirectly standardised ratio; 1 = as the standard)

The standard is a reference (events and population per band, e.g. the province: reference_standard)
or internal (all loaded areas together: internal_standard). Arrays are areas × bands, with any
number of leading period axes, so many periods are computed at once.

Decisions, stated once:
* A band the reference has no events in has rate 0: it adds 0 to expected, and its observed events
  still count (as PHEindicatormethods does). A band with events but no population is an error.
* A missing (NaN) band population counts as 0 people, like PHEindicatormethods' na.zero; a missing
  band count counts as 0 events. An internal standard is made of the areas that have both band
  population and counts; areas without counts still get an expected count from it.
* An area without any band population falls back to its total population (population_total) and
  the standard's crude rate: expected = total × crude rate, flagged standardised=False (the ratio
  then compares crude rates; it is not age-adjusted). Without a total either, expected is unknown.
* Confidence limits: poisson.count_limits (Byar's from 10 events, exact below) divided by expected.
  Significance compares them with the standard (1): "lower" when the upper limit is below 1,
  "higher" when the lower limit is above 1, else "similar", at 95% and at 99.8%.
* Counts from 1 to threshold - 1 are suppressed (rounded half up, zero shown: suppression.is_small's
  rule), with the secondary rule of suppression.suppress_table applied to every published line:
  the areas with the total, the areas of each deprivation quintile with the quintile's total, the
  quintiles with the total, and the age bands with the total. Everything derived from a suppressed
  count (rate, ratio, limits, method, significance, distance class; a quintile's ratio and that
  dimension's SII; a band's rate) is hidden with it.

Worked example: two areas, two bands, against a reference of 10 and 100 per 1,000. Area 0 has 100
people under 65 and 100 over, expected 1 + 10 = 11, and 12 observed events; with a threshold of 10,
area 1's 4 events are suppressed and so, with it, area 0 (else 16 - 12 would give it away):

>>> ref = reference_standard(np.array([10.0, 100.0]), np.array([1000.0, 1000.0]))
>>> r = assess(np.array([[100.0, 100.0], [50.0, 0.0]]), observed_total=np.array([12.0, 4.0]), standard=ref)
>>> r.expected.tolist(), [SUPPRESSION_REASONS[c] for c in r.suppression]
([11.0, 0.5], ['secondary', 'small'])
>>> r = assess(np.array([[100.0, 100.0], [50.0, 0.0]]), observed_total=np.array([12.0, 4.0]), standard=ref,
...            threshold=0)
>>> round(float(r.ratio[0]), 4), [SIGNIFICANCE[c] for c in r.significance_95]
(1.0909, ['similar', 'higher'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import inequality, poisson
from .disclosure import SUPPRESSION_REASONS, suppress_published

DEFAULT_THRESHOLD = 10  # hide 1-9 events; callers pass the assessment template's threshold where it has one

SIGNIFICANCE = (None, "lower", "similar", "higher")  # index = code; 0 means not tested
LOWER, SIMILAR, HIGHER = 1, 2, 3

DISTANCE_CLASSES = (None, "near_similar_or_higher", "near_lower", "far_similar_or_higher", "far_lower")
DISTANCE_WORDS = {
    "near_similar_or_higher": "Near a service and using it as expected or more",
    "near_lower": "Near a service but using it less than expected: barriers other than distance",
    "far_similar_or_higher": "Far from a service but using it as expected or more",
    "far_lower": "Far from a service and using it less than expected: distance may be the barrier",
}


@dataclass(frozen=True)
class Standard:
    """Band rates (events per person) that define expected counts; crude_rate is all bands together."""

    band_rate: np.ndarray  # (..., bands)
    crude_rate: np.ndarray  # (...)
    kind: str  # "reference" or "internal"


def _rates(events: np.ndarray, population: np.ndarray) -> np.ndarray:
    if np.any((population <= 0) & (events > 0)):
        raise ValueError("a standard age band has events but no population")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(population > 0, events / population, 0.0)


def reference_standard(events: np.ndarray, population: np.ndarray) -> Standard:
    """A reference standard from its events and population per band (last axis), e.g. the province.

    >>> reference_standard(np.array([0.0, 30.0]), np.array([500.0, 1000.0])).band_rate.tolist()
    [0.0, 0.03]
    """
    events = np.nan_to_num(np.asarray(events, dtype=float))
    population = np.nan_to_num(np.asarray(population, dtype=float))
    return Standard(_rates(events, population), _rates(events.sum(-1), population.sum(-1)), "reference")


def internal_standard(observed: np.ndarray, population: np.ndarray) -> Standard:
    """The standard of all areas with counts and band data together: Σ observed / Σ population per band.

    Leading (period) axes give one standard per period.

    >>> internal_standard(np.array([[1.0, 9.0], [3.0, 3.0]]), np.array([[100.0, 100.0], [100.0, 0.0]])).band_rate
    array([0.02, 0.12])
    """
    events, people = _band_sums(np.asarray(observed, dtype=float), np.asarray(population, dtype=float))
    return Standard(_rates(events, people), _rates(events.sum(-1), people.sum(-1)), "internal")


def _band_sums(observed: np.ndarray, population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Events and people per band over the areas that have both (fast path when nothing is missing)."""
    if np.isnan(population).any() or np.isnan(observed).any():
        usable = (np.isfinite(population).any(-1) & np.isfinite(observed).any(-1))[..., None]
        events = np.where(usable, np.nan_to_num(observed), 0.0).sum(-2)
        people = np.where(usable, np.nan_to_num(population), 0.0).sum(-2)
    else:
        events, people = observed.sum(-2), population.sum(-2)
    shape = np.broadcast_shapes(events.shape, people.shape)
    return np.broadcast_to(events, shape), np.broadcast_to(people, shape)


def crude_rate_per_1000(observed: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Events per 1,000 people, element by element (NaN where the population is 0 or unknown).

    >>> crude_rate_per_1000(np.array([3.0, 1.0]), np.array([1500.0, 0.0])).tolist()
    [2.0, nan]
    """
    o, n = np.asarray(observed, dtype=float), np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, 1000.0 * o / n, np.nan)


def significance(low: np.ndarray, high: np.ndarray, target: float = 1.0) -> np.ndarray:
    """Codes into SIGNIFICANCE: lower (high < target), higher (low > target), similar, or 0 (no limits).

    >>> [SIGNIFICANCE[c] for c in significance(np.array([0.5, 1.1, 0.9, np.nan]), np.array([0.9, 1.5, 1.2, np.nan]))]
    ['lower', 'higher', 'similar', None]
    """
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    codes = np.where(high < target, LOWER, np.where(low > target, HIGHER, SIMILAR)).astype(np.int8)
    codes[~(np.isfinite(low) & np.isfinite(high))] = 0
    return codes


def distance_classes(far: np.ndarray, significance_codes: np.ndarray) -> np.ndarray:
    """Codes into DISTANCE_CLASSES from a far flag and a significance code per area (0 when untested).

    >>> [DISTANCE_CLASSES[c] for c in distance_classes(np.array([False, False, True, True]),
    ...                                                np.array([HIGHER, LOWER, SIMILAR, LOWER]))]
    ['near_similar_or_higher', 'near_lower', 'far_similar_or_higher', 'far_lower']
    """
    far = np.asarray(far, dtype=bool)
    s = np.asarray(significance_codes)
    codes = 1 + 2 * far + (s == LOWER)
    return np.where(s == 0, 0, codes).astype(np.int8)


@dataclass(frozen=True)
class Deprivation:
    """One deprivation dimension: sums and ratios per quintile, the SII per period, and suppression."""

    table: inequality.QuintileTable  # (..., quintiles 1..5); suppressed observed and ratios are NaN
    sii: list[inequality.SlopeIndex]  # one per period (leading axes flattened in C order)
    suppression: np.ndarray  # (..., quintiles) codes into SUPPRESSION_REASONS
    sii_hidden: np.ndarray  # (...) True where a quintile of this dimension is suppressed


@dataclass(frozen=True)
class Uptake:
    """Result of assess(): arrays over (..., areas) unless noted. Suppressed figures are NaN (codes 0)."""

    population: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    standardised: np.ndarray  # False: no band data, crude fallback
    rate_per_1000: np.ndarray
    ratio: np.ndarray
    ratio_low95: np.ndarray
    ratio_high95: np.ndarray
    ratio_low998: np.ndarray
    ratio_high998: np.ndarray
    exact: np.ndarray  # True: exact method (under 10 events), False: Byar's; see ci_method()
    significance_95: np.ndarray  # codes into SIGNIFICANCE
    significance_998: np.ndarray
    distance_class: np.ndarray  # codes into DISTANCE_CLASSES
    suppression: np.ndarray  # codes into SUPPRESSION_REASONS
    totals: dict[str, np.ndarray]  # (...): population, observed, expected, ratio, limits, suppression
    band_rate_per_1000: np.ndarray  # (..., bands): all areas together; NaN without counts by band
    band_suppression: np.ndarray  # (..., bands)
    standard: Standard
    threshold: int
    deprivation: dict[str, Deprivation] = field(default_factory=dict)

    def ci_method(self) -> np.ndarray:
        """'byars' or 'exact' per area (None where there is no ratio, e.g. suppressed)."""
        return np.where(np.isfinite(self.ratio), np.where(self.exact, "exact", "byars"), None)


def _expected(pop0: np.ndarray, band_rate: np.ndarray) -> np.ndarray:
    """Σ_bands population × rate per area; the fast matrix product for the common shapes."""
    n_areas, n_bands = pop0.shape[-2:]
    if band_rate.ndim == 1:
        return (pop0.reshape(-1, n_bands) @ band_rate).reshape(pop0.shape[:-1])
    if pop0.ndim == 2:
        return band_rate @ pop0.T
    if pop0.shape[:-2] == band_rate.shape[:-1]:
        flat = np.einsum("pab,pb->pa", pop0.reshape(-1, n_areas, n_bands), band_rate.reshape(-1, n_bands))
        return flat.reshape(pop0.shape[:-1])
    return np.einsum("...ab,...b->...a", pop0, band_rate[..., None, :])


def _ratio_limits(observed: np.ndarray, expected: np.ndarray) -> dict[str, np.ndarray]:
    ok = expected > 0
    safe = np.where(ok, expected, 1.0)
    out = {"ratio": np.where(ok, observed / safe, np.nan)}
    for confidence, name in ((0.95, "95"), (0.998, "998")):
        low, high, exact = poisson.count_limits(observed, confidence)
        out["ratio_low" + name] = np.where(ok, low / safe, np.nan)
        out["ratio_high" + name] = np.where(ok, high / safe, np.nan)
    out["exact"] = exact & ok
    return out


def _hide(values: dict[str, np.ndarray], hidden: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
    return {k: (np.where(hidden, np.nan, v) if k in names else v) for k, v in values.items()}


RATIO_FIELDS = ("ratio", "ratio_low95", "ratio_high95", "ratio_low998", "ratio_high998")


def _counts(population, observed, observed_total):
    """Arrays for assess(), skipping the copying NaN-aware paths when nothing is missing."""
    pop = np.asarray(population, dtype=float)
    missing = bool(np.isnan(pop).any())
    with_bands = np.isfinite(pop).any(-1) if missing else np.ones(pop.shape[:-1], bool)
    pop0 = np.nan_to_num(pop) if missing else pop
    if observed is None:
        return pop, pop0, with_bands, None, np.asarray(observed_total, dtype=float)
    observed = np.asarray(observed, dtype=float)
    obs = observed.sum(-1)
    if np.isnan(obs).any():
        obs = np.where(np.isfinite(observed).any(-1), np.nansum(observed, -1), np.nan)
    return pop, pop0, with_bands, observed, obs


def _band_rates(observed, pop, lead):
    """Events per band over all areas with counts and band data, and their rate per 1,000."""
    if observed is None:
        return None, np.full(lead + pop.shape[-1:], np.nan)
    events, people = _band_sums(observed, pop)
    return events, crude_rate_per_1000(events, people)


def _deprivation(tables, codes, most_deprived, repetitions, seed) -> dict[str, Deprivation]:
    """Hide suppressed quintiles and work out the SII per period where none is hidden."""
    order = slice(None, None, -1) if most_deprived == 5 else slice(None)  # most deprived first
    out = {}
    for name, table in tables.items():
        hidden = codes.groups[name] > 0
        table = inequality.QuintileTable(**_hide(vars(table), hidden, ("observed",) + RATIO_FIELDS))
        sii_hidden = hidden.any(-1)
        siis = []
        for i in np.ndindex(sii_hidden.shape):
            if sii_hidden[i]:
                siis.append(inequality.slope_index(np.full(5, np.nan), np.zeros(5)))
                continue
            t = [getattr(table, k)[i][order] for k in ("ratio", "population", "ratio_low95", "ratio_high95")]
            siis.append(inequality.slope_index(*t, repetitions=repetitions, seed=seed))
        out[name] = Deprivation(table, siis, codes.groups[name], sii_hidden)
    return out


def assess(
    population: np.ndarray,
    observed: np.ndarray | None = None,
    *,
    observed_total: np.ndarray | None = None,
    standard: Standard | None = None,
    population_total: np.ndarray | None = None,
    far: np.ndarray | None = None,
    deprivation: Mapping[str, np.ndarray] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    distance_confidence: float = 0.95,
    most_deprived: int = 5,
    sii_repetitions: int = inequality.SII_REPETITIONS,
    seed: int = 0,
) -> Uptake:
    """Expected counts, ratios, limits, significance, distance classes, quintiles, SII, suppression.

    population: (..., areas, bands) people, NaN where unknown. Counts: observed (..., areas, bands)
    or observed_total (..., areas). standard: None for internal (needs counts by band).
    population_total: (..., areas) people for areas without band data. far: (areas,) bool.
    distance_confidence: 0.95 or 0.998, the significance the distance classes use.
    deprivation: dimension -> quintile 1..5 per area (0/NaN unknown), most_deprived being 5 or 1.
    threshold: suppress counts 1 to threshold - 1 (0: none). The SII simulation draws
    sii_repetitions times from a generator seeded with seed (0 repetitions: no SII limits).
    """
    if (observed is None) == (observed_total is None):
        raise ValueError("give the counts either by band (observed) or as totals (observed_total)")
    if most_deprived not in (1, 5):
        raise ValueError("most_deprived must be 1 or 5")
    if distance_confidence not in poisson.CONFIDENCE_LEVELS:
        raise ValueError("distance_confidence must be 0.95 or 0.998")
    pop, pop0, with_bands, observed, obs = _counts(population, observed, observed_total)
    if standard is None:
        if observed is None:
            raise ValueError("an internal standard needs counts by band")
        standard = internal_standard(observed, pop)
    total = np.full(with_bands.shape, np.nan) if population_total is None else np.asarray(population_total, float)
    expected = np.where(with_bands, _expected(pop0, standard.band_rate), total * standard.crude_rate[..., None])
    people = np.where(with_bands, pop0.sum(-1), total)
    shape = np.broadcast_shapes(obs.shape, expected.shape)
    obs, expected, people = (np.broadcast_to(a, shape) for a in (obs, expected, people))
    area = {"observed": obs, "rate_per_1000": crude_rate_per_1000(obs, people), **_ratio_limits(obs, expected)}
    sig95 = significance(area["ratio_low95"], area["ratio_high95"])
    sig998 = significance(area["ratio_low998"], area["ratio_high998"])
    classes = np.zeros(shape, np.int8)
    if far is not None:
        classes = distance_classes(np.asarray(far, bool), sig95 if distance_confidence == 0.95 else sig998)

    known = np.isfinite(obs) & np.isfinite(expected)
    t_obs, t_exp = np.where(known, obs, 0.0).sum(-1), np.where(known, expected, 0.0).sum(-1)
    totals = {"population": np.where(known, people, 0.0).sum(-1), "observed": t_obs, "expected": t_exp}
    totals.update({k: v for k, v in _ratio_limits(t_obs, t_exp).items() if k != "exact"})
    band_obs, band_rate = _band_rates(observed, pop, shape[:-1])
    tables, groups = {}, {}
    for name, labels in (deprivation or {}).items():
        q = np.asarray(labels, dtype=float)
        tables[name] = inequality.quintile_table(q, obs, expected, people)
        groups[name] = (np.where(np.isin(q, [1, 2, 3, 4, 5]), np.nan_to_num(q) - 1, -1), tables[name].observed)

    codes = suppress_published(obs, t_obs, threshold, bands=band_obs, groups=groups)
    hidden = codes.areas > 0
    area = _hide(area, hidden, ("observed", "rate_per_1000") + RATIO_FIELDS)
    totals = _hide(totals, codes.total > 0, ("observed",) + RATIO_FIELDS)
    totals["suppression"] = codes.total
    band_codes = np.zeros(band_rate.shape, np.int8) if codes.bands is None else codes.bands
    return Uptake(
        population=people,
        expected=expected,
        standardised=np.broadcast_to(with_bands, shape),
        exact=area.pop("exact") & ~hidden,
        significance_95=np.where(hidden, 0, sig95).astype(np.int8),
        significance_998=np.where(hidden, 0, sig998).astype(np.int8),
        distance_class=np.where(hidden, 0, classes).astype(np.int8),
        suppression=codes.areas,
        totals=totals,
        band_rate_per_1000=np.where(band_codes > 0, np.nan, band_rate),
        band_suppression=band_codes,
        standard=standard,
        threshold=threshold,
        deprivation=_deprivation(tables, codes, most_deprived, sii_repetitions, seed),
        **area,
    )


def _value(v):
    """A plain JSON value: NaN -> None, numpy scalars -> Python."""
    if v is None:
        return None
    if isinstance(v, np.generic | np.ndarray):  # numpy scalars and 0-d arrays
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def to_json(result: Uptake, ids: Sequence, names: Sequence[str], period: int | tuple = ()) -> dict:
    """Plain dicts for the web API: areas (one dict per area), totals, deprivation, sii, suppression.

    period picks one period when the result has leading period axes (an index or a tuple of them).
    Suppressed figures are None; each area says whether and why it was suppressed.
    """
    p = period if isinstance(period, tuple) else (period,)
    method = result.ci_method()[p]
    sig95, sig998 = result.significance_95[p], result.significance_998[p]
    cls, sup = result.distance_class[p], result.suppression[p]
    areas = []
    for k, (area_id, name) in enumerate(zip(ids, names, strict=True)):
        row = {"id": area_id, "name": name}
        for key in ("population", "observed", "expected", "rate_per_1000") + RATIO_FIELDS:
            row[key] = _value(getattr(result, key)[p][k])
        row.update(
            ci_method=method[k],
            significance_95=SIGNIFICANCE[sig95[k]],
            significance_998=SIGNIFICANCE[sig998[k]],
            distance_class=DISTANCE_CLASSES[cls[k]],
            standardised=bool(result.standardised[p][k]),
            suppressed=SUPPRESSION_REASONS[sup[k]],
        )
        areas.append(row)
    totals = {key: _value(value[p]) for key, value in result.totals.items() if key != "suppression"}
    totals["suppressed"] = SUPPRESSION_REASONS[result.totals["suppression"][p]]
    deprivation, sii = {}, {}
    flat = int(np.ravel_multi_index(p, result.ratio.shape[:-1])) if p else 0
    for dim, dep in result.deprivation.items():
        t = dep.table
        deprivation[dim] = [
            {
                "quintile": int(q),
                "areas": int(t.areas[p][j]),
                "population": _value(t.population[p][j]),
                "observed": _value(t.observed[p][j]),
                "expected": _value(t.expected[p][j]),
                "rate_per_1000": _value(crude_rate_per_1000(t.observed[p][j], t.population[p][j])),
                **{key: _value(getattr(t, key)[p][j]) for key in RATIO_FIELDS},
                "suppressed": SUPPRESSION_REASONS[dep.suppression[p][j]],
            }
            for j, q in enumerate(t.quintile)
        ]
        s = dep.sii[flat]
        sii[dim] = (
            None
            if dep.sii_hidden[p]
            else {
                "sii": _value(s.sii),
                "sii_low95": _value(s.low95),
                "sii_high95": _value(s.high95),
                "sii_low998": _value(s.low998),
                "sii_high998": _value(s.high998),
                "groups_used": s.groups_used,
                "simulation_scale": s.scale,
                "repetitions": s.repetitions,
                "seed": s.seed,
            }
        )
    return {
        "areas": areas,
        "totals": totals,
        "deprivation": deprivation,
        "sii": sii,
        "standard": result.standard.kind,
        "suppression": {"threshold": result.threshold, "rule": rule_text(result.threshold)},
    }


def rule_text(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The suppression rule for uptake figures, in plain words."""
    return (
        f"Counts of service use from 1 to {threshold - 1} are not shown, nor any rate, ratio, interval or "
        "significance worked out from them. Where a total is shown, at least one more count of the same "
        "table is hidden too, so a hidden count cannot be found by subtraction."
    )

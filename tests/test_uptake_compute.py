"""Realised uptake on hand-checkable cases and published PHE / PHEindicatormethods values."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from needs_assessment import allocation, disclosure, inequality, poisson, suppression, uptake

Z95 = 1.959963984540054  # Φ⁻¹(0.975)
Z998 = 3.090232306167813  # Φ⁻¹(0.999)


def byars(o, z):
    """Byar's limits written out from the Fingertips "Rates" page, independently of poisson.py."""
    return o * (1 - 1 / (9 * o) - z / (3 * o**0.5)) ** 3, (o + 1) * (
        1 - 1 / (9 * (o + 1)) + z / (3 * (o + 1) ** 0.5)
    ) ** 3


# --- confidence limits of counts -------------------------------------------------------------------


def test_byars_published_case_65():
    low, high, exact = poisson.count_limits(np.array([65.0]))
    assert (low[0], high[0]) == pytest.approx((50.163, 82.849), abs=5e-4)  # PHE Technical Guide example
    assert (low[0], high[0]) == pytest.approx(byars(65.0, Z95), rel=1e-12)
    assert (low[0], high[0]) == pytest.approx((50.16318771, 82.84913855), abs=1e-6)
    assert not exact[0]


def test_byars_998():
    low, high, _ = poisson.count_limits(np.array([65.0, 1045.0]), 0.998)
    expected = byars(np.array([65.0, 1045.0]), Z998)
    assert low == pytest.approx(expected[0], rel=1e-12) and high == pytest.approx(expected[1], rel=1e-12)
    assert (low[0], high[0]) == pytest.approx((42.880261, 94.000291), abs=1e-6)


# Exact limits as published in PHEindicatormethods' funnel test data (tests/testthat/
# testdata_funnel_ratio_outputs.csv): for observed O, the upper-limit "exp_events" column is the
# exact lower limit of O and the lower-limit column its exact upper limit (PHE bisects to about
# 1e-7, so agreement is to 2e-7 absolute or 2e-6 relative).
@pytest.mark.parametrize(
    "observed, confidence, low, high",
    [
        (1, 0.95, 0.025317898, 5.571644585),
        (3, 0.95, 0.618671905, 8.767273828),
        (9, 0.95, 4.11537405, 17.08479966),
        (5, 0.998, 0.739371928, 16.45474478),
        (9, 0.998, 2.452425215, 22.65737951),
    ],
)
def test_exact_method_under_10_matches_published(observed, confidence, low, high):
    got_low, got_high, exact = poisson.count_limits(np.array([float(observed)]), confidence)
    assert exact[0]
    assert got_low[0] == pytest.approx(low, rel=2e-6, abs=2e-7)
    assert got_high[0] == pytest.approx(high, rel=2e-6, abs=2e-7)
    # and the textbook χ² form
    alpha = 1 - confidence
    assert got_low[0] == pytest.approx(stats.chi2.ppf(alpha / 2, 2 * observed) / 2, rel=1e-10)
    assert got_high[0] == pytest.approx(stats.chi2.ppf(1 - alpha / 2, 2 * observed + 2) / 2, rel=1e-10)


def test_zero_count_limits():
    low, high, exact = poisson.count_limits(np.array([0.0]))
    assert low[0] == 0.0 and exact[0]
    assert high[0] == pytest.approx(-np.log(0.025), rel=1e-12)  # 3.689: P(X = 0 | 3.689) = 2.5%
    low998, high998, _ = poisson.count_limits(np.array([0.0]), 0.998)
    assert (low998[0], high998[0]) == pytest.approx((0.0, -np.log(0.001)), rel=1e-12)


def test_method_switches_at_10():
    low, high, exact = poisson.count_limits(np.array([9.0, 10.0, np.nan]))
    assert exact.tolist() == [True, False, False]
    assert (low[1], high[1]) == pytest.approx(byars(10.0, Z95), rel=1e-12)
    assert np.isnan(low[2]) and np.isnan(high[2])


# --- funnel limits ---------------------------------------------------------------------------------

# PHEindicatormethods testdata_funnel_ratio_outputs.csv rows: O, then (expected, limit as ISR x 100)
# for the lower 95%, upper 95%, lower 99.8% and upper 99.8% limits.
PUBLISHED_FUNNEL = [
    (10, 18.39035799, 54.3763205, 4.795387629, 208.5337156, 24.13397235, 41.43536693, 2.960519925, 337.778507),
    (100, 121.6268111, 82.21871402, 81.36400699, 122.9044681, 134.9243187, 74.11562345, 71.92139974, 139.0406755),
    (716, 770.4222128, 92.93605352, 664.5083011, 107.7488421, 802.60414, 89.20960712, 636.1521174, 112.5516964),
]


@pytest.mark.parametrize("row", PUBLISHED_FUNNEL)
def test_funnel_limits_match_published(row):
    _, e_lo95, lo95, e_hi95, hi95, e_lo998, lo998, e_hi998, hi998 = row
    f = poisson.funnel_limits(np.array([e_lo95, e_hi95, e_lo998, e_hi998]))
    assert f.low95[0] == pytest.approx(lo95 / 100, rel=1e-6)
    assert f.high95[1] == pytest.approx(hi95 / 100, rel=1e-6)
    assert f.low998[2] == pytest.approx(lo998 / 100, rel=1e-6)
    assert f.high998[3] == pytest.approx(hi998 / 100, rel=1e-6)


def test_funnel_limits_shape_and_floor():
    grid = poisson.funnel_grid(np.array([0.5, 3.0, 400.0]))
    f = poisson.funnel_limits(grid)
    assert len(grid) == 100 and grid[0] == pytest.approx(0.475) and grid[-1] == pytest.approx(420.0)
    assert np.all(np.diff(f.low95) >= -1e-12) and np.all(np.diff(f.high95) <= 1e-12)  # a funnel narrows
    assert np.all(f.low998 <= f.low95) and np.all(f.high998 >= f.high95)
    # below E = -ln(0.025) = 3.689 even 0 events are not significantly low: the lower limit is 0
    assert np.all(f.low95[grid < 3.68] == 0.0) and np.all(f.low95[grid > 3.7] > 0.0)


# --- standardisation -------------------------------------------------------------------------------

POP = np.array([[100.0, 100.0], [200.0, 0.0], [50.0, 50.0]])  # 3 areas x (under 65, 65+)
REF = uptake.reference_standard(np.array([10.0, 100.0]), np.array([1000.0, 1000.0]))  # 10 and 100 per 1,000


def test_reference_standard_by_hand():
    r = uptake.assess(POP, observed_total=np.array([12.0, 2.0, 4.0]), standard=REF, threshold=0)
    assert r.expected.tolist() == pytest.approx([11.0, 2.0, 5.5])
    assert r.ratio.tolist() == pytest.approx([12 / 11, 1.0, 4 / 5.5])
    assert r.rate_per_1000.tolist() == pytest.approx([60.0, 10.0, 40.0])
    assert r.ratio_low95[0] == pytest.approx(byars(12.0, Z95)[0] / 11, rel=1e-12)
    assert r.ratio_high95[1] == pytest.approx(stats.chi2.ppf(0.975, 6) / 2 / 2.0, rel=1e-10)
    assert r.ci_method().tolist() == ["byars", "exact", "exact"]
    assert r.totals["observed"] == 18.0 and r.totals["expected"] == pytest.approx(18.5)
    assert r.standard.crude_rate == pytest.approx(0.055)


def test_zero_reference_rate_band_adds_nothing_and_warns_nothing():
    ref = uptake.reference_standard(np.array([0.0, 50.0]), np.array([1000.0, 1000.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = uptake.assess(POP, observed=np.array([[3.0, 10.0], [4.0, 0.0], [0.0, 2.0]]), standard=ref, threshold=0)
    assert r.expected.tolist() == pytest.approx([5.0, 0.0, 2.5])
    assert r.observed.tolist() == [13.0, 4.0, 2.0]  # events in the zero-rate band still count
    assert np.isnan(r.ratio[1]) and r.significance_95[1] == 0  # nothing expected: no ratio, no test
    assert r.ci_method()[1] is None


def test_band_with_events_but_no_population_is_an_error():
    with pytest.raises(ValueError, match="no population"):
        uptake.reference_standard(np.array([1.0, 5.0]), np.array([0.0, 100.0]))


def test_internal_standard_reproduces_the_total():
    obs = np.array([[2.0, 15.0], [6.0, 0.0], [1.0, 4.0]])
    r = uptake.assess(POP, obs, threshold=0)
    assert r.standard.kind == "internal"
    assert r.standard.band_rate.tolist() == pytest.approx([9 / 350, 19 / 150])
    assert r.expected.sum() == pytest.approx(obs.sum())  # internal: Σ expected = Σ observed
    assert r.totals["ratio"] == pytest.approx(1.0)
    assert r.band_rate_per_1000.tolist() == pytest.approx([9 / 350 * 1000, 19 / 150 * 1000])
    # against the reference the same counts give other ratios
    ext = uptake.assess(POP, obs, standard=REF, threshold=0)
    assert ext.expected.tolist() == pytest.approx([11.0, 2.0, 5.5])
    assert ext.ratio[1] == pytest.approx(3.0) and r.ratio[1] == pytest.approx(6 / (200 * 9 / 350))


def test_area_without_band_data_falls_back_to_crude():
    pop = np.array([[100.0, 100.0], [np.nan, np.nan]])
    r = uptake.assess(pop, observed_total=np.array([12.0, 30.0]), standard=REF,
                      population_total=np.array([np.nan, 400.0]), threshold=0)  # fmt: skip
    assert r.standardised.tolist() == [True, False]
    assert r.expected[1] == pytest.approx(400 * 0.055)  # total population x the standard's crude rate
    assert r.population.tolist() == [200.0, 400.0]
    no_total = uptake.assess(pop, observed_total=np.array([12.0, 30.0]), standard=REF, threshold=0)
    assert np.isnan(no_total.expected[1]) and np.isnan(no_total.ratio[1]) and no_total.significance_95[1] == 0
    assert no_total.totals["observed"] == 12.0  # an area without expected is left out of the totals


def test_missing_band_counts_as_no_people():
    pop = np.array([[100.0, np.nan]])
    r = uptake.assess(pop, observed_total=np.array([3.0]), standard=REF, threshold=0)
    assert r.expected.tolist() == [1.0] and r.standardised.tolist() == [True]


def rounded(value):
    """JSON-like value with floats rounded to 9 significant digits, to compare results up to rounding."""
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return float(f"{value:.9g}") if isinstance(value, float) else value


def test_many_periods_at_once_equal_one_by_one():
    rng = np.random.default_rng(3)
    pop = rng.integers(0, 300, size=(4, 30, 5)).astype(float)
    obs = rng.poisson(pop * np.array([0.01, 0.02, 0.05, 0.1, 0.2])).astype(float)
    quint = rng.integers(1, 6, size=30)
    both = uptake.assess(pop, obs, deprivation={"d": quint}, sii_repetitions=2000)
    for p in range(4):
        one = uptake.assess(pop[p], obs[p], deprivation={"d": quint}, sii_repetitions=2000)
        for name in ("expected", "ratio", "ratio_low998"):  # summed in another order: equal to rounding
            np.testing.assert_allclose(getattr(both, name)[p], getattr(one, name), rtol=1e-13)
        for name in ("significance_95", "significance_998", "suppression", "exact"):
            np.testing.assert_array_equal(getattr(both, name)[p], getattr(one, name))
        assert both.deprivation["d"].sii[p].sii == pytest.approx(one.deprivation["d"].sii[0].sii, rel=1e-12)
        a, b = uptake.to_json(both, range(30), ["x"] * 30, period=p), uptake.to_json(one, range(30), ["x"] * 30)
        assert rounded(a) == rounded(b)


# --- significance and the four classes ---------------------------------------------------------------


def test_significance_at_both_levels():
    # 65 observed against 50 expected: 95% limits 1.003-1.657 (higher), 99.8% 0.858-1.880 (similar)
    r = uptake.assess(np.array([[1000.0]]), observed_total=np.array([65.0]),
                      standard=uptake.reference_standard(np.array([50.0]), np.array([1000.0])), threshold=0)  # fmt: skip
    assert r.ratio_low95[0] == pytest.approx(50.16318771 / 50, abs=1e-8)
    assert uptake.SIGNIFICANCE[r.significance_95[0]] == "higher"
    assert uptake.SIGNIFICANCE[r.significance_998[0]] == "similar"


def test_four_distance_classes():
    pop = np.full((4, 1), 1000.0)
    std = uptake.reference_standard(np.array([100.0]), np.array([1000.0]))  # 100 expected each
    r = uptake.assess(pop, observed_total=np.array([100.0, 50.0, 130.0, 40.0]), standard=std,
                      far=np.array([False, False, True, True]), threshold=0)  # fmt: skip
    names = [uptake.DISTANCE_CLASSES[c] for c in r.distance_class]
    assert names == ["near_similar_or_higher", "near_lower", "far_similar_or_higher", "far_lower"]
    assert set(uptake.DISTANCE_WORDS) == set(uptake.DISTANCE_CLASSES[1:])


# --- inequality ------------------------------------------------------------------------------------


def test_quintile_ratios_are_population_weighted():
    quint = np.array([1, 1, 5, 5, 3])
    obs = np.array([10.0, 30.0, 5.0, 5.0, 20.0])
    exp = np.array([20.0, 20.0, 10.0, 30.0, 20.0])
    t = inequality.quintile_table(quint, obs, exp, np.array([100, 100, 100, 300, 200.0]))
    assert t.ratio[[0, 2, 4]].tolist() == pytest.approx([1.0, 1.0, 0.25])  # Σ O / Σ E, not the mean of ratios
    assert t.areas.tolist() == [2, 0, 1, 0, 2] and t.population.tolist() == [200, 0, 200, 0, 400]
    assert np.isnan(t.ratio[1])


def test_sii_by_hand():
    # equal fifths, y = [1, 1, 1, 1, 2] at ranks 0.1..0.9: slope = Σ(b-b̄)(y-ȳ) / Σ(b-b̄)² = 0.4 / 0.4
    assert inequality.slope_index(np.array([1, 1, 1, 1, 2.0]), np.full(5, 7.0)).sii == pytest.approx(1.0)
    # two halves: ranks 0.25 and 0.75, slope = (y2 - y1) / 0.5
    assert inequality.slope_index(np.array([0.6, 0.9]), np.array([5.0, 5.0])).sii == pytest.approx(0.6)
    # unequal groups: 20% at rank 0.1, 80% at rank 0.6; a line through both points, slope 0.2 / 0.5
    s = inequality.slope_index(np.array([0.8, 1.0]), np.array([20.0, 80.0]))
    assert s.sii == pytest.approx(0.4) and s.groups_used == 2


def test_sii_simulated_limits_reproducible_and_close_to_the_delta_method():
    y = np.array([0.7, 0.8, 0.95, 1.0, 1.1])
    pop = np.array([900.0, 1100.0, 1000.0, 1000.0, 1000.0])
    low, high = y * 0.9, y / 0.9
    a = inequality.slope_index(y, pop, low, high, seed=7)
    b = inequality.slope_index(y, pop, low, high, seed=7)
    assert a == b and a.scale == "log" and a.repetitions == 100_000
    assert a.low95 < a.sii < a.high95 and a.low998 < a.low95 and a.high998 > a.high95
    # delta method: SII = Σ w_i y_i with w the slope row of the least-squares solution
    sqrt_a = np.sqrt(pop / pop.sum())
    w = np.linalg.pinv(np.column_stack([sqrt_a, inequality.relative_ranks(pop) * sqrt_a]))[1] * sqrt_a
    se = np.sqrt(np.sum((w * y * (np.log(high) - np.log(low)) / (2 * Z95)) ** 2))
    assert a.high95 - a.low95 == pytest.approx(2 * Z95 * se, rel=0.03)


def test_sii_direction_most_deprived_first():
    # quintile 5 (most deprived) uses the service least: SII > 0 (higher uptake in less deprived areas)
    pop = np.full((5, 1), 1000.0)
    std = uptake.reference_standard(np.array([100.0]), np.array([1000.0]))
    r = uptake.assess(pop, observed_total=np.array([140.0, 120.0, 100.0, 80.0, 60.0]), standard=std,
                      deprivation={"econ": np.array([1, 2, 3, 4, 5])}, threshold=0, sii_repetitions=1000)  # fmt: skip
    s = r.deprivation["econ"].sii[0]
    assert s.sii == pytest.approx(1.0)  # ratios 0.6 .. 1.4 over ranks 0.1 .. 0.9
    out = uptake.to_json(r, list("abcde"), list("ABCDE"))
    assert [q["ratio"] for q in out["deprivation"]["econ"]] == pytest.approx([1.4, 1.2, 1.0, 0.8, 0.6])
    assert [q["rate_per_1000"] for q in out["deprivation"]["econ"]] == pytest.approx([140, 120, 100, 80, 60])
    assert out["sii"]["econ"]["sii"] == pytest.approx(1.0)


# --- suppression ------------------------------------------------------------------------------------


def test_vectorised_rule_matches_suppression_is_small():
    values = np.arange(0, 12.01, 0.1)
    for threshold in (5, 10):
        assert disclosure.small_counts(values, threshold).tolist() == [
            suppression.is_small(v, threshold) for v in values
        ]


DERIVED = ("observed", "rate_per_1000", "ratio", "ratio_low95", "ratio_high95", "ratio_low998", "ratio_high998",
           "ci_method", "significance_95", "significance_998", "distance_class")  # fmt: skip


def test_nothing_derived_from_a_suppressed_count_survives():
    pop = np.full((5, 2), 500.0)
    obs = np.array([[2.0, 2.0], [20.0, 30.0], [15.0, 25.0], [0.0, 0.0], [30.0, 60.0]])  # area 0: 4 events
    quint = np.array([5, 5, 1, 1, 3])
    r = uptake.assess(pop, obs, standard=REF, far=np.ones(5, bool), deprivation={"econ": quint}, threshold=10)
    out = uptake.to_json(r, list("abcde"), list("ABCDE"))
    rows = {row["id"]: row for row in out["areas"]}
    assert rows["a"]["suppressed"] == "small"
    assert rows["c"]["suppressed"] == "secondary"  # smallest other non-zero area (40): else total - rest
    assert rows["d"]["suppressed"] is None and rows["d"]["observed"] == 0.0  # zero is shown
    assert rows["b"]["suppressed"] == "secondary"  # quintile 5 = a + b: its total would reveal a
    for key in ("a", "b", "c"):
        assert all(rows[key][field] is None for field in DERIVED), rows[key]
        assert rows[key]["population"] == 1000.0 and rows[key]["expected"] == pytest.approx(55.0)
    for key in ("d", "e"):
        assert rows[key]["ratio"] is not None and rows[key]["significance_95"] is not None
    # quintile 1 = c + d (0): its total would reveal c, so it is hidden, and so is the next quintile
    # total (5: 54; quintiles 2 and 4 are empty zeros), else the grand total would give quintile 1 away
    q = {row["quintile"]: row for row in out["deprivation"]["econ"]}
    assert [q[k]["suppressed"] for k in (1, 2, 3, 4, 5)] == ["secondary", None, None, None, "secondary"]
    assert q[1]["observed"] is None and q[1]["ratio"] is None and q[1]["rate_per_1000"] is None
    assert q[3]["observed"] == 90.0 and q[3]["rate_per_1000"] == pytest.approx(90.0)
    assert out["sii"]["econ"] is None  # worked out from the hidden quintiles
    assert out["totals"]["observed"] == 184.0 and out["totals"]["suppressed"] is None
    # the arrays hold no trace either
    hidden = r.suppression > 0
    assert np.isnan(r.observed[hidden]).all() and np.isnan(r.ratio_high998[hidden]).all()
    assert not r.exact[hidden].any() and (r.distance_class[hidden] == 0).all()


def test_small_quintile_hides_its_ratio_and_the_sii():
    pop = np.full((4, 1), 1000.0)
    std = uptake.reference_standard(np.array([20.0]), np.array([1000.0]))
    r = uptake.assess(pop, observed_total=np.array([3.0, 2.0, 40.0, 30.0]), standard=std,
                      deprivation={"econ": np.array([5, 5, 1, 3])}, threshold=10)  # fmt: skip
    out = uptake.to_json(r, list("abcd"), list("ABCD"))
    q = {row["quintile"]: row for row in out["deprivation"]["econ"]}
    assert q[5]["suppressed"] == "small" and q[5]["observed"] is None and q[5]["ratio"] is None
    assert q[5]["expected"] == pytest.approx(40.0)  # expected depends on population only: shown
    assert q[3]["suppressed"] == "secondary" and q[3]["ratio_low95"] is None  # else total - others
    assert out["sii"]["econ"] is None and r.deprivation["econ"].sii_hidden.tolist() is True


def test_small_band_total_hides_the_band_rate():
    pop = np.array([[500.0, 20.0], [500.0, 20.0]])
    r = uptake.assess(pop, np.array([[30.0, 1.0], [25.0, 2.0]]), standard=REF, threshold=10)
    assert np.isnan(r.band_rate_per_1000).all()  # 3 is small, and 55 would give it away with the total
    assert [disclosure.SUPPRESSION_REASONS[c] for c in r.band_suppression] == ["secondary", "small"]


def test_secondary_rule_prefers_non_zero_then_smallest():
    codes = disclosure.suppress_lines(np.array([4.0, 0.0, 30.0, 11.0, 45.0]), [np.arange(5)], threshold=10)
    assert codes.tolist() == [1, 0, 0, 2, 0]


def test_json_field_names():
    r = uptake.assess(POP, observed_total=np.array([12.0, 20.0, 40.0]), standard=REF, far=np.zeros(3, bool),
                      threshold=0)  # fmt: skip
    out = uptake.to_json(r, ["35440163", "35440164", "35440165"], ["A", "B", "C"])
    assert list(out["areas"][0]) == [
        "id", "name", "population", "observed", "expected", "rate_per_1000", "ratio", "ratio_low95",
        "ratio_high95", "ratio_low998", "ratio_high998", "ci_method", "significance_95", "significance_998",
        "distance_class", "standardised", "suppressed",
    ]  # fmt: skip
    assert out["areas"][0]["ci_method"] == "byars" and out["areas"][0]["distance_class"] == "near_similar_or_higher"
    assert {"observed", "expected", "ratio"} <= set(out["totals"])
    import json

    json.dumps(out)  # plain values only


# --- allocation by postal code ----------------------------------------------------------------------


def test_allocation_by_population_share_per_band():
    a = allocation.allocate(
        {"P1H": [4.0, 8.0], "P1L": [1.0, 0.0], "X9X": [2.0, 2.0], "P0B": [3.0, 3.0]},
        {"P1H": [("A", 100.0), ("B", 300.0)], "P1L": [("B", 50.0), ("OUTSIDE", 50.0)], "P0B": [("A", 0.0)]},
        ["A", "B"],
    )
    assert a.counts.tolist() == [[1.0, 2.0], [3.5, 6.0]]
    assert a.unallocated["X9X"][1] == "unknown code" and a.unallocated["P0B"][1] == "no population"
    assert a.unallocated["P1L"][0].tolist() == [0.5, 0.0] and a.unallocated["P1L"][1] == "outside the areas"
    assert (a.counts.sum(0) + a.total_unallocated).tolist() == [10.0, 13.0]


@given(
    st.dictionaries(
        st.sampled_from(["P1H", "P1L", "P0B", "K0K", "X1X"]),
        st.floats(0, 1000, allow_nan=False),
        min_size=1,
    ),
    st.dictionaries(
        st.sampled_from(["P1H", "P1L", "P0B", "K0K"]),
        st.lists(st.tuples(st.sampled_from(["A", "B", "C", "Z"]), st.floats(0, 5000, allow_nan=False)), max_size=4),
    ),
)
def test_allocation_conserves_totals(counts, weights):
    a = allocation.allocate(counts, weights, ["A", "B", "C"])
    assert a.counts.sum() + a.total_unallocated == pytest.approx(sum(counts.values()), rel=1e-9, abs=1e-9)
    assert (a.counts >= 0).all()


def test_exact_limits_of_fractional_counts_from_postal_allocation():
    # allocated counts are fractional: the table of whole counts must not round them
    o = np.array([0.5, 2.0, 2.25, 9.999, 10.0])
    low, high, exact = poisson.count_limits(o)
    ref_low, ref_high = poisson.exact_limits(o[:4])
    assert low[:4] == pytest.approx(ref_low, rel=1e-12) and high[:4] == pytest.approx(ref_high, rel=1e-12)
    assert high[0] < high[2] < high[3] and exact.tolist() == [True] * 4 + [False]


def test_internal_standard_leaves_out_areas_without_counts():
    obs = np.array([[2.0, 15.0], [np.nan, np.nan], [1.0, 4.0]])
    std = uptake.internal_standard(obs, POP)
    assert std.band_rate.tolist() == pytest.approx([3 / 150, 19 / 150])  # area 1's 200 people left out
    r = uptake.assess(POP, obs, threshold=0)
    assert np.isnan(r.observed[1]) and r.expected[1] == pytest.approx(200 * 3 / 150)
    assert r.totals["observed"] == 22.0 and r.totals["expected"] == pytest.approx(22.0)

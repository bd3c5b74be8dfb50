"""Needs-assessment computation on tiny hand-computable data: sums, weighted means, rates, quintiles,
municipal figures, comparators, change between runs, polygon selection; and small-number suppression."""

import pytest
from shapely.geometry import box

from needs_assessment import assessment as calc
from needs_assessment import report_tables
from needs_assessment.evaluation import NO_DATA, Data, evaluate
from needs_assessment.expressions import parse_expression
from needs_assessment.geo import areas_in_polygon
from needs_assessment.suppression import is_small, suppress_table
from needs_assessment.template_files import parse_template

AREAS = [
    # id, municipality, people, land km2, score, quintile
    {"id": "a", "parent_id": "m1", "population": 100, "land_area_km2": 10.0, "score": 1.0, "score_quintile": 5},
    {"id": "b", "parent_id": "m1", "population": 300, "land_area_km2": 30.0, "score": 3.0, "score_quintile": 1},
    {"id": "c", "parent_id": "m2", "population": 600, "land_area_km2": 60.0, "score": None, "score_quintile": None},
    {"id": "d", "parent_id": "m2", "population": None, "land_area_km2": 5.0, "score": 2.0, "score_quintile": 5},
]
MUNIS = {
    "m1": {"id": "m1", "name": "One", "population": 400, "pop_2016": 320, "seniors": 100, "age": 50.0},
    "m2": {"id": "m2", "name": "Two", "population": 600, "pop_2016": 600, "seniors": None, "age": 40.0},
}
ASSETS = [
    {"id": 1, "category": "food", "area_id": "a", "has_point": True, "precise": True, "confidential": False},
    {"id": 2, "category": "food", "area_id": "c", "has_point": True, "precise": False, "confidential": False},
    {"id": 3, "category": "parks", "area_id": "b", "has_point": True, "precise": True, "confidential": False},
    {"id": 4, "category": "food", "area_id": None, "has_point": False, "precise": False, "confidential": False},
]
CATS = [{"slug": "food", "label": "Food"}, {"slug": "parks", "label": "Parks"}]
REACH = {"food": {"unreached": {"a": 0.0, "b": 30.0, "c": 600.0, "d": 0.0}, "assets_used": 1, "excluded_assets": 1}}


def data(areas=AREAS):
    return Data(
        areas=areas,
        district_areas=AREAS,
        municipalities=MUNIS,
        assets=ASSETS,
        reach=REACH,
        reference={"Ontario": {"population_2021": "14223942", "land_area_km2": "892411.5"}},
        categories=CATS,
    )


def ev(text, d=None):
    return evaluate(parse_expression(text), d or data())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sum(population)", 1000.0),  # d has no count: left out
        ("sum(land_area_km2)", 105.0),
        ("weighted_mean(score, population)", (1 * 100 + 3 * 300) / 400),  # c has no score, d no people
        ("ratio(sum(population), sum(land_area_km2))", 1000 / 105),
        # the whole district: 2 food assets with a point in the areas and 1 district-wide one (no point)
        ("rate_per_1000(asset_count(food), sum(population))", 3.0),
        ("rate_per_1000(asset_count(), sum(population))", 4.0),
        ("percent(asset_count(parks), asset_count())", 100 / 4),
        ("share_in_quintile(score_quintile, 5)", 25.0),  # 100 of the 400 people with a quintile
        ("people_in_quintile(score_quintile, 1)", 300.0),
        ("reach(food)", 630.0),
        ("reach_share(food)", 63.0),
        ("areas()", 4.0),
        ("csd_sum(pop_2016)", 920.0),
        ("percent_change(csd_sum(population), csd_sum(pop_2016))", 100 * (1000 - 920) / 920),
        ("csd_weighted_mean(age, population)", (50 * 400 + 40 * 600) / 1000),
        ("ref(Ontario, population_2021)", 14223942.0),
    ],
)
def test_indicator_values(text, expected):
    value, _ = ev(text)
    assert value == pytest.approx(expected, rel=1e-12)


def test_missing_data_says_so_and_notes_what_was_left_out():
    assert ev("sum(households)") == (None, NO_DATA)
    assert ev("manual") == (None, NO_DATA)
    assert ev("sum(population)")[1] == "1 area(s) without a value left out"
    assert ev("share_in_quintile(score_quintile, 5)")[1] == "600 people in areas without a score left out"
    # seniors are known for municipality One only: 400 of 1,000 people is below the 95% coverage rule
    assert ev("csd_sum(seniors)") == (None, "known for municipalities with 400 of 1,000 people only")
    assert ev("asset_count(bakeries)") == (None, "no asset category 'bakeries'")
    assert ev("reach(parks)") == (None, "no reach analysis for 'parks'")
    assert ev("ratio(sum(population), areas())", data([AREAS[0]]))[0] == 100.0


def test_municipal_figures_only_for_whole_municipalities():
    one = data([AREAS[0], AREAS[1]])
    assert ev("csd_sum(seniors)", one) == (100.0, "")
    assert ev("csd_sum(pop_2016)", data([AREAS[0]])) == (None, NO_DATA)  # only part of municipality One


@pytest.mark.parametrize(
    "value, comparator, direction, expected",
    [
        (12.0, 10.0, "higher_is_better", "better"),
        (12.0, 10.0, "higher_is_worse", "worse"),
        (8.0, 10.0, "higher_is_worse", "better"),
        (10.5, 10.0, "higher_is_worse", "similar"),  # within 5%
        (10.51, 10.0, "higher_is_worse", "worse"),
        (0.0, 0.0, "higher_is_better", "similar"),
        (5.0, 10.0, "neutral", ""),
        (None, 10.0, "higher_is_better", ""),
    ],
)
def test_judge(value, comparator, direction, expected):
    assert calc.judge(value, comparator, direction) == expected


def test_changes_between_runs():
    current = [{"id": "a", "value": 120.0}, {"id": "b", "value": None, "suppressed": True}, {"id": "new", "value": 1.0}]
    previous = [{"id": "a", "value": 100.0}, {"id": "b", "value": 7.0}]
    assert calc.changes_since(current, previous) == {
        "a": {"previous": 100.0, "change": 20.0, "change_pct": 20.0, "previously_suppressed": False},
        "b": {"previous": 7.0, "change": None, "change_pct": None, "previously_suppressed": False},
    }
    assert calc.changes_since(current, None) == {}


def test_polygon_selects_areas_by_representative_point():
    reps = {"in": (0.5, 0.5), "edge": (1.0, 0.5), "out": (1.5, 0.5)}
    assert areas_in_polygon(box(0, 0, 1, 1), reps) == ["in", "edge"]


TEMPLATE = parse_template(
    """
name: t
version: 2
title: T
sections:
  - id: s
    title: S
    indicators:
      - {id: pop, label: People, definition: d, unit: people, source: s, year: 2021, direction: neutral,
         compute: sum(population), comparators: [district, ontario], ontario: "ref(Ontario, population_2021)"}
      - {id: food, label: Food rate, definition: d, unit: per 1000, source: s, year: 2021,
         direction: higher_is_better, compute: "rate_per_1000(asset_count(food), sum(population))"}
      - {id: q5, label: Q5, definition: d, unit: people, source: s, year: 2021, direction: neutral,
         compute: "people_in_quintile(score_quintile, 5)"}
"""
)


def test_compute_whole_assessment_with_comparators_and_suppression():
    result = calc.compute(TEMPLATE, data([AREAS[0], AREAS[1]]), threshold=5)
    rows = {r["id"]: r for r in result["indicators"]}
    assert rows["pop"]["value"] == 400.0
    assert rows["pop"]["comparators"] == {
        "district": {"value": 1000.0, "note": "1 area(s) without a value left out"},
        "ontario": {"value": 14223942.0, "note": ""},
    }
    assert (
        rows["food"]["value"] == 2.5 and rows["food"]["comparators"]["district"]["value"] == 3.0
    )  # + the district-wide one
    assert (rows["food"]["judgement"], rows["food"]["judged_against"]) == ("worse", "district")  # 2.5 < 3.0
    assert rows["q5"]["value"] == 100.0 and not rows["q5"]["suppressed"]
    small = calc.compute(TEMPLATE, data([dict(AREAS[0], population=3), AREAS[1]]), threshold=5)
    q5 = {r["id"]: r for r in small["indicators"]}["q5"]
    assert (q5["value"], q5["suppressed"]) == (None, True)  # 3 people: suppressed, and not stored
    quint = small["tables"]["quintile_distribution"]
    assert quint == {}  # the tiny data has no CIMD columns
    pop = small["tables"]["population_by_area"]
    assert pop["rows"] == [
        {
            "id": "m1",
            "name": "One",
            "counted": 2,
            "areas": 2,
            "population": 303,
            "suppressed": False,
            "not_enumerated": False,
            "population_2016": 320,
            "population_2016_suppressed": False,
        }
    ]


def test_compute_skips_district_comparator_for_the_district():
    result = calc.compute(TEMPLATE, data(), is_district=True)
    assert set(result["indicators"][0]["comparators"]) == {"ontario"}


def test_asset_tables_count_by_category_and_municipality_with_precision():
    tables = report_tables.tables(data(), 5)
    by_cat = {r["category"]: r for r in tables["assets_by_category"]["rows"]}
    assert by_cat["food"] == {
        "category": "food",
        "label": "Food",
        "count": 3,  # the one with no point and no municipality counts for the whole district
        "per_1000": 3.0,
        "precise": 1,
        "approximate": 1,
        "no_point": 1,
        "confidential": 0,
    }
    assert tables["assets_by_category"]["no_point"] == 1
    assert tables["assets_by_area"]["columns"] == [{"id": "m1", "name": "One"}, {"id": "m2", "name": "Two"}]
    assert [r["counts"] for r in tables["assets_by_area"]["rows"]] == [[1, 1], [1, 0]]
    reach = tables["reach_by_category"][0]
    assert (reach["unreached"], reach["share"], reach["suppressed"]) == (630, 0.63, False)


# --- suppression ------------------------------------------------------------------------------


def test_primary_rule():
    assert [is_small(v) for v in (0, 1, 4, 4.49, 4.5, 5, None)] == [False, True, True, True, False, False, False]
    assert is_small(9, threshold=10) and not is_small(10, threshold=10)


def test_no_total_needs_no_secondary_suppression():
    s = suppress_table([[3], [50], [60]], 5)
    assert s.cells == [[True], [False], [False]] and (s.primary, s.secondary) == (1, 0)


def test_secondary_suppression_in_a_row_with_its_total():
    s = suppress_table([[40, 30, 27, 20, 3]], 5, row_totals=True)
    assert s.cells == [[False, False, False, True, True]]  # 20 hidden too: 3 = 120 - 117 otherwise
    assert s.row_totals == [False] and (s.primary, s.secondary) == (1, 1)


def test_secondary_prefers_non_zero_cells_over_zeros():
    s = suppress_table([[0, 2, 50, 60]], 5, row_totals=True)
    assert s.cells == [[False, True, True, False]]


def test_two_small_cells_protect_each_other():
    s = suppress_table([[2, 3, 50]], 5, row_totals=True)
    assert s.cells == [[True, True, False]] and s.secondary == 0


def test_small_total_is_suppressed_and_protected():
    # total 4 is itself small; the cells 1 and 3 are small too: all three hidden, nothing recoverable
    s = suppress_table([[1, 3]], 5, row_totals=True)
    assert s.cells == [[True, True]] and s.row_totals == [True]


def test_secondary_suppression_propagates_across_rows_and_columns():
    table = [
        [20, 3, 30],
        [25, 40, 35],
    ]
    s = suppress_table(table, 5, row_totals=True, col_totals=True)
    # 3 is primary. Row 0 then hides 20 (its smallest other cell); column 1 hides 40 (the only other
    # cell: totals come after cells); column 0 now has one hidden cell, so 25 is hidden; row 1 then has
    # two. Every row and column with a hidden entry has at least two.
    assert s.cells == [[True, True, False], [True, True, False]]
    assert s.row_totals == [False, False] and s.col_totals == [False, False, False] and not s.grand
    for r in range(2):
        assert sum(s.cells[r]) + s.row_totals[r] != 1
    for c in range(3):
        assert sum(s.cells[r][c] for r in range(2)) + s.col_totals[c] != 1


def test_none_cells_are_ignored():
    s = suppress_table([[None, 2, 40, 50]], 5, row_totals=True)
    assert s.cells == [[False, True, True, False]]

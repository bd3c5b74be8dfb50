"""Figures a planner can defend (issue 13): what cannot be measured says so, the figures that can be
match an independent geodesic computation, both bounds are shown, and no hidden count can be
recovered by subtraction within or across tables, in the report, its CSV/XLSX and the public API."""

from __future__ import annotations

import csv
import io
import itertools
import json

import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Point, box, mapping

from app import create_app
from assetmap import store
from assetmap.services import assessments

GEOD = Geod(ellps="WGS84")
# Four 0.1° x 0.1° areas near Sudbury (far from the demo), with their people.
CELLS = {
    "A1": (box(-81.0, 46.5, -80.9, 46.6), 1000),
    "A2": (box(-80.9, 46.5, -80.8, 46.6), 400),
    "A3": (box(-81.0, 46.4, -80.9, 46.5), 250),
    "A4": (box(-80.9, 46.4, -80.8, 46.5), 90),
}
SITE = (-80.93, 46.52)  # (lon, lat) inside A1 near its corner with A3
THRESHOLD_M = 8_000


def _geodesic_unreached(poly, site, radius_m: float) -> float:
    """The share of the polygon's area beyond radius_m (geodesic) of the site, computed independently:
    the circle is exact in an azimuthal equidistant projection centred on the site, and areas are
    geodesic (WGS84) after projecting back."""
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={site[1]} +lon_0={site[0]} +datum=WGS84 +units=m")
    forward = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    back = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)

    def to(transformer):
        return lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    circle = Point(0, 0).buffer(radius_m, 512)
    inside = shapely.transform(shapely.transform(poly, to(forward)).intersection(circle), to(back))
    whole = abs(GEOD.geometry_area_perimeter(poly)[0])
    near = abs(GEOD.geometry_area_perimeter(inside)[0]) if not inside.is_empty else 0.0
    return 1 - near / whole


@pytest.fixture
def region(tmp_path):
    """A place imported through the documented CLI: init-db, import-areas, import-assets."""
    path = tmp_path / "region.db"
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "t"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    areas = tmp_path / "areas.geojson"
    areas.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": mapping(g), "properties": {"id": k, "name": k, "population": p}}
                    for k, (g, p) in CELLS.items()
                ],
            }
        )
    )
    result = runner.invoke(args=["import-areas", str(areas), "--level", "DA"])
    assert result.exit_code == 0, result.output
    return app, runner


def _import(runner, tmp_path, name, precision):
    rows = tmp_path / f"{name}.csv"
    rows.write_text(
        f"name,category,latitude,longitude,location_precision\n{name},food,{SITE[1]},{SITE[0]},{precision}\n"
    )
    result = runner.invoke(args=["import-assets", str(rows)])
    assert result.exit_code == 0, result.output


def test_a_category_whose_only_asset_is_approximate_cannot_be_measured(region, tmp_path):
    app, runner = region
    _import(runner, tmp_path, "Town food bank", "community")
    client = app.test_client()
    r = client.get(f"/api/reach?category=food&threshold_m={THRESHOLD_M}&circuity=1").get_json()
    assert (r["measurable"], r["unreached_population"], r["unreached_share"]) == (False, None, None)
    assert r["reason"] == (
        "cannot be measured: no located food assets (1 with only an approximate point (include_imprecise=1 uses them))"
    )
    assert all(a["unreached_population"] is None for a in r["areas"])
    parks = client.get("/api/reach?category=parks").get_json()
    assert (parks["measurable"], parks["reason"]) == (
        False,
        "cannot be measured: no located parks and green space assets (none in the inventory)",
    )
    # Counting approximate points as the site, the same asset gives figures.
    loose = client.get(f"/api/reach?category=food&threshold_m={THRESHOLD_M}&circuity=1&include_imprecise=1").get_json()
    assert loose["measurable"] is True and loose["unreached_population"] > 0


def test_one_precise_asset_matches_an_area_weighted_geodesic_computation(region, tmp_path):
    app, runner = region
    _import(runner, tmp_path, "Sudbury food bank", "exact")
    r = app.test_client().get(f"/api/reach?category=food&threshold_m={THRESHOLD_M}&circuity=1").get_json()
    assert r["measurable"] is True
    expected = {k: _geodesic_unreached(g, SITE, THRESHOLD_M) for k, (g, _) in CELLS.items()}
    expected_total = sum(expected[k] * p for k, (_, p) in CELLS.items())
    assert r["unreached_population"] == pytest.approx(expected_total, rel=0.03)
    for a in r["areas"]:
        if not a["unreached_suppressed"]:
            assert abs(a["unreached_population"] / a["population"] - expected[a["id"]]) <= 0.15, a["id"]
    assert 0.05 < expected["A1"] < 0.95  # the site's own area is only partly reached: a real test


# --- the demo report -----------------------------------------------------------------------------


def _pdf_text(client, aid: int) -> str:
    from pypdf import PdfReader

    resp = client.get(f"/assessments/{aid}.pdf")
    assert resp.status_code == 200
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(resp.data)).pages)


def test_demo_pdf_shows_both_bounds_no_unmeasurable_100_and_wahta_not_enumerated(client, db):
    aid = store.list_assessments(db)[0]["id"]
    text = _pdf_text(client, aid)
    assert "Counting precise points only" in text and "Counting approximate points too" in text
    assert "Wahta Mohawk Territory" in text and "not enumerated" in text
    row = store.get_assessment(db, aid)
    unmeasurable = [r for r in row["results"]["tables"]["reach_by_category"] if not r["precise"]["measurable"]]
    assert unmeasurable  # volunteer groups and others have no located asset in the demo
    lines = text.splitlines()
    for r in unmeasurable:
        line = next(line for line in lines if line.startswith(r["label"]) and "cannot be measured" in line)
        assert "100%" not in line


# --- small numbers: nothing hidden can be recovered ----------------------------------------------


def _feasible(hidden_truth_range, equations):
    """Values a hidden cell can take given linear identities among published numbers.

    Each equation is (total, others): hidden = total - sum(others), where each published number is
    (value, slack): the truth lies within value ± slack (4 when randomly rounded, 0 when exact).
    """
    low, high = hidden_truth_range
    for (total, total_slack), others in equations:
        centre = total - sum(v for v, _ in others)
        slack = total_slack + sum(s for _, s in others)
        low, high = max(low, centre - slack), min(high, centre + slack)
    return [v for v in range(int(low), int(high) + 1)]


def _published(cell, rounded: bool):
    return (cell, 4 if rounded else 0)


@pytest.mark.parametrize("threshold", [25, 50])
def test_no_hidden_count_can_be_recovered_within_or_across_tables(db, threshold):
    """Small areas with thresholds 10 and 25: every hidden cell of the population and quintile tables
    stays ambiguous (two or more possible values) given every published cell and total, including
    the identity linking the two tables (people by municipality = people by quintile + no score)."""
    geography = {"kind": "areas", "ids": ["35440238", "35440202", "35440259", "35440255"]}
    aid = assessments.run_assessment(db, geography=geography, actor="t", parameters={"threshold": str(threshold)})
    tables = store.get_assessment(db, aid)["results"]["tables"]
    pop = tables["population_by_area"]
    quint = tables["quintile_distribution"]
    hidden_found = 0
    pop_rounded = any(r["suppressed"] for r in pop["rows"])
    pop_cells = [r for r in pop["rows"] if not r["not_enumerated"]]
    for dim in quint.values():
        q_rounded = any(dim["suppressed"]) or dim["unscored_suppressed"] or dim["total_suppressed"]
        cells = [(v, h) for v, h in zip(dim["people"], dim["suppressed"], strict=True)]
        cells.append((dim["unscored"], dim["unscored_suppressed"]))
        for i, (_value, hidden) in enumerate(cells):
            if not hidden:
                continue
            hidden_found += 1
            others = [_published(v, q_rounded) for j, (v, h) in enumerate(cells) if j != i and not h]
            within = ((dim["total"], 4 if q_rounded else 0), others[:-1] if i < 5 else others)
            across = (_published(pop["total"], pop_rounded), others)
            assert len(_feasible((1, threshold - 1), [within, across])) >= 2, (dim["label"], i)
    for i, row in enumerate(pop_cells):
        if row["suppressed"]:
            hidden_found += 1
            others = [_published(r["population"], True) for j, r in enumerate(pop_cells) if j != i]
            assert len(_feasible((1, threshold - 1), [(_published(pop["total"], True), others)])) >= 2
    assert hidden_found >= 1  # the geography really has small cells (23 people in 35440238) at this threshold


def test_csv_xlsx_and_api_publish_the_same_protected_numbers(client, db):
    aid = assessments.run_assessment(
        db, geography={"kind": "areas", "ids": ["35440238", "35440202"]}, actor="t", parameters={"threshold": "100"}
    )
    text = client.get(f"/assessments/{aid}.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = {r["indicator_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["population"]["suppressed"] == "no" and rows["population"]["value"] == "259"  # a census total
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(f"/assessments/{aid}.xlsx").data))
    sheet = {r[1]: r for r in wb["Indicators"].iter_rows(min_row=2, values_only=True)}
    assert sheet["population"][3] == 259
    # The public API's per-area counts obey the same rule: small ones hidden, the rest on a grid of 5.
    r = client.get("/api/reach?category=food&include_imprecise=1").get_json()
    for a in r["areas"]:
        value = a["unreached_population"]
        assert (value is None) == a["unreached_suppressed"]
        assert value is None or value % 5 == 0 or value == a["population"]
        assert not isinstance(value, float)


def test_rounding_is_stable_and_unbiased():
    from needs_assessment.rounding import random_round

    assert {random_round(613.4, ("cell", 1)) for _ in range(5)} == {random_round(613.4, ("cell", 1))}
    draws = [random_round(12, ("cell", k)) for k in range(4000)]
    assert set(draws) == {10, 15}
    assert sum(draws) / len(draws) == pytest.approx(12, abs=0.15)  # unbiased: 12 on average


def test_every_combination_of_two_rounded_cells_leaves_a_hidden_cell_ambiguous():
    """Exhaustively: a row of two visible cells and one hidden (1-9), all rounded with the total."""
    from needs_assessment.rounding import Publisher

    pub = Publisher(("t",), 10)
    for a, b, hidden in itertools.product(range(10, 40, 7), range(10, 40, 11), range(1, 10)):
        shown = pub.table({"a": a, "b": b, "h": hidden, "total": a + b + hidden}, "row", a, b, hidden)
        assert shown["h"] == (None, True)
        candidates = _feasible((1, 9), [((shown["total"][0], 4), [(shown["a"][0], 4), (shown["b"][0], 4)])])
        assert hidden in candidates and len(candidates) >= 2


def test_the_reach_summary_names_its_category(client):
    """The headline sentence sits in a template block: it must still see the category's name."""
    html = client.get("/reach?category=food").get_data(as_text=True)
    assert "live beyond reach of food (more than" in " ".join(html.split())


def test_the_reach_pdf_shows_both_bounds_and_which_points_were_used(client):
    """/reach.pdf, like the /reach page: the precise-only figure and the one with approximate points side
    by side, which precisions each counts, and which areas are uncertain."""
    import subprocess

    page = client.get("/reach?category=food").get_data(as_text=True)
    resp = client.get("/reach.pdf?category=food")
    assert resp.status_code == 200
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=resp.data, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    other = client.get("/api/reach?category=food&include_imprecise=1").get_json()
    assert f"Counting approximate points as the site: {round(other['unreached_population']):,} people" in text
    assert "Points used: the site itself, a street address, a landmark next to it, or an urban postal code." in text
    assert "Both are estimates" in text
    uncertain = client.get("/api/reach?category=food").get_json()["uncertain_areas"]
    assert uncertain and f"{uncertain} areas are uncertain" in text and f"{uncertain} areas are uncertain" in page
    assert "uncertain" in text.split("Area People")[1]  # the rows mark them too


def test_reach_indicators_give_the_other_bound_beside_the_chosen_one(db):
    """'People beyond reach of food assets' is the precise-points figure; its note gives the figure
    with approximate points too (both bounds in every report table), hidden when its count is small."""
    row = store.get_assessment(db, store.list_assessments(db)[0]["id"])
    indicators = {r["id"]: r for r in row["results"]["indicators"]}
    loose = {r["category"]: r for r in row["results"]["tables"]["reach_by_category"]}["food"]["with_approximate"]
    note = indicators["beyond_food"]["note"]
    assert note.startswith("counting approximate points too: "), note
    assert abs(float(note.split(": ")[1].rstrip("%")) - 100 * loose["share"]) < 0.06
    assert "counting approximate points too" in indicators["beyond_transport"]["note"]
    assert indicators["beyond_food_people"]["note"] == ""  # counts are not given a second, unrounded figure


def test_an_unmeasurable_category_says_so_once_and_prints_no_empty_table(client):
    import subprocess

    html = " ".join(client.get("/reach?category=community_groups").get_data(as_text=True).split())
    assert "<strong>Cannot be measured</strong>: no located volunteer and community groups assets" in html
    pdf = client.get("/reach.pdf?category=community_groups").data
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode().split()
    )
    assert "Cannot be measured: no located volunteer" in text and "cannot be measured: cannot" not in text.lower()
    assert "Beyond reach Nearest" not in text  # no table of areas for a figure that was not measured


def test_a_share_is_100_percent_only_when_everyone_is_beyond_reach():
    """Rounding 1,080 of 1,084 people gives 1,080 of 1,080: the share must not read 100% (it is 99.6%);
    1,134 of 1,134 is everyone, and reads 100% whatever the two counts round to."""
    from needs_assessment.rounding import Publisher

    pub = Publisher(("test",), 10)
    for key in range(200):  # many keys: every way the two counts can round
        population, _ = pub.count(1084, "area-population", key)
        shown, share, _ = pub.share(1080, population, "reach-area", key, whole=1084)
        assert share < 1 and shown <= population
        population, _ = pub.count(1134, "area-population", key)
        shown, share, _ = pub.share(1134, population, "reach-area", key, whole=1134)
        assert share == 1 and shown == population


def test_asset_indicators_count_what_the_asset_tables_count(db):
    """'Food assets per 1,000 residents' and the 'Community assets by category' table count the same
    assets (by municipality, district-wide ones and confidential ones in the district), so a
    planner never reads 0.2 on one page and 0.34 on the next."""
    row = store.get_assessment(db, store.list_assessments(db)[0]["id"])
    indicators = {r["id"]: r for r in row["results"]["indicators"]}
    table = row["results"]["tables"]["assets_by_category"]
    food = next(r for r in table["rows"] if r["category"] == "food")
    by_compute = {r["compute"]: r for r in indicators.values()}
    assert by_compute["asset_count()"]["value"] == table["total"]
    per_1000 = by_compute["rate_per_1000(asset_count(food), sum(population))"]["value"]
    assert per_1000 == pytest.approx(food["per_1000"], abs=1e-6)


def test_the_reach_note_says_what_its_figures_are(client):
    # The note under /reach says every count is rounded to a multiple of 5; the figures it sits under
    # include areas shown as their whole population (everyone beyond reach) and an unrounded total.
    # Either the figures follow the note or the note names both exceptions.
    report = client.get("/api/reach?category=food").get_json()
    capped = [a for a in report["areas"] if a["unreached_population"] and a["unreached_population"] % 5]
    assert capped and all(a["unreached_population"] == a["population"] for a in capped)
    note = report["disclosure"]
    assert "shown as that whole" in note and "total" in note
    page = client.get("/reach?category=food").get_data(as_text=True).replace("&#39;", "'")
    assert "below 10 are not shown" in page and "shown as that whole" in page and "not rounded" in page
    french = client.get("/reach?category=food&lang=fr").get_data(as_text=True).replace("&#39;", "'")
    assert "affiché comme ce tout" in french and "Small numbers" not in french

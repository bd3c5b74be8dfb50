"""`load-demo --place trafford`: England's embedded place, built through new-place's path from the
official files in assets_data/trafford/ (numbers below are those files' own)."""

from __future__ import annotations

import re
import shutil

import pytest

from app import create_app
from app.db import init_db
from assetmap import store
from assetmap.place import load_place
from assetmap.services import reach
from assetmap.store import open_database


@pytest.fixture(scope="session")
def trafford_file(tmp_path_factory):
    """A fresh database with Trafford loaded by the CLI command, once per session."""
    path = tmp_path_factory.mktemp("trafford") / "trafford.db"
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "test"})
    result = app.test_cli_runner().invoke(args=["load-demo", "--place", "trafford"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Trafford (GB): 139 areas, population 241,025, deprivation for 139 (11 in Core20), age bands for 139, "
        "11,264 postcodes."
    )
    assert lines[-1] == (
        "Assets: 399 added, 0 updated, 0 unchanged, 0 rejected; 475 park entrances; "
        "example needs assessment: /assessments/1."
    )
    db = init_db(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def trafford(trafford_file, tmp_path):
    path = tmp_path / "trafford.db"
    shutil.copy(trafford_file, path)
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "test"})
    return app, open_database(path)


def test_trafford_has_its_lsoas_deciles_postcodes_and_settings(trafford):
    _, db = trafford
    assert store.level_counts(db) == {"LSOA21": 139, "LAD": 1}
    assert store.count_postcodes(db) == 11264 and store.count_access_points(db) == 475
    core20 = [r["id"] for r in store.list_areas(db, "LSOA21") if r["core20"] == 1]
    assert len(core20) == 11 and all(r["imd_decile"] <= 2 for r in store.areas_by_ids(db, core20))
    place = load_place(db)
    assert (place.name, place.country, place.timezone, place.holidays, place.zoom) == (
        "Trafford",
        "GB",
        "Europe/London",
        "GB-ENG",
        12,
    )
    assert (
        place.attribution[-1]
        == "Dentists: uses information from the Care Quality Commission. Libraries: Trafford Council."
    )


def test_the_finder_answers_m15_4ab(trafford):
    client = trafford[0].test_client()
    found = client.get("/api/search?near=M15+4AB&category=food&limit=3").get_json()
    assert found["near"] == {
        "query": "M15 4AB",
        "label": "M15 4AB",
        "latitude": 53.46558,
        "longitude": -2.26046,
        "precision": "postal_code",
        "approximate": False,
        "note": "Distances are measured from M15 4AB.",
    }
    assert [(r["name"], r["distance_m"], r["old_year"]) for r in found["results"]] == [
        ("The Globe: Old Trafford Pantry", 357, 2018),
        ("Trussell Trust food bank at Trafford Christian Life Centre", 4241, 2018),
        ("Trussell Trust food bank at St Francis Church", 6078, 2018),
    ]
    page = client.get("/finder?near=M15+4AB&category=food").get_data(as_text=True)
    assert page.count("Last seen 2018 — check before you go.") >= 3
    assert '<h2 id="results-heading" tabindex="-1">7 supports near M15 4AB</h2>' in page


def test_reach_for_parks_is_measured_from_their_entrances_and_food_works(trafford):
    app, db = trafford
    client = app.test_client()
    parks = client.get("/api/reach?category=parks").get_json()
    food = client.get("/api/reach?category=food").get_json()
    assert (parks["total_population"], parks["assets_used"], parks["unreached_population"]) == (241025, 184, 15488.6)
    assert (food["assets_used"], food["unreached_population"]) == (7, 131577.0)
    assert food["deprivation"]["core20"]["most"]["population"] == 18939.0
    # measured to each park's own point instead, more people are beyond reach
    store.set_access_points(db, {a["id"]: [] for a in parks["assets"]})
    assert reach.reach_report(db, "parks")["unreached_population"] == 21741.6


def test_the_english_assessment_prints(trafford):
    app, db = trafford
    client = app.test_client()
    row = store.get_assessment(db, 1)
    assert (row["template_name"], row["external_id"]) == ("english_neighbourhood", "demo:trafford")
    values = {r["id"]: r["value"] for r in row["results"]["indicators"]}
    assert (values["population"], values["lsoas"], values["core20_people"]) == (241025.0, 139.0, 18939.0)
    assert values["core20_share"] == pytest.approx(100 * 18939 / 241025)
    html = client.get("/assessments/1/print").get_data(as_text=True)
    assert "People by Core20: the most deprived fifth of England (IMD 2025 deciles 1–2)" in html
    assert "ONS mid-year population estimates by LSOA: mid-year_2024_population_estimates_lsoa.csv" in html
    pdf = client.get("/assessments/1.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    from tests.test_finder import pdf_text

    pages, text = pdf_text(pdf.data)
    assert pages > 3 and "Core20: the most deprived 20% of England" in re.sub(r"\s+", " ", text)


def test_the_footer_shows_traffords_licences(trafford):
    html = trafford[0].test_client().get("/").get_data(as_text=True)
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S).group(1)
    assert "Contains National Statistics and OS data © Crown copyright and database right 2025" in footer
    assert "GeoNames" not in footer and "Open Government Licence – Canada" not in footer


def test_loading_again_changes_nothing_and_muskoka_is_refused(trafford):
    app, db = trafford
    runner = app.test_cli_runner()
    again = runner.invoke(args=["load-demo", "--place", "trafford"])
    assert "Assets: 0 added, 0 updated, 399 unchanged, 0 rejected; 475 park entrances" in again.stdout
    assert store.level_counts(db) == {"LSOA21": 139, "LAD": 1}
    muskoka = runner.invoke(args=["load-demo"])
    assert muskoka.exit_code == 1
    assert "this database already describes Trafford: load Muskoka into a new database" in muskoka.output


@pytest.mark.parametrize("kind", ["remove", "both"])
def test_closing_parks_closes_all_their_gates_in_the_what_if(trafford, kind):
    from tests.test_whatif import assert_scenario_equals_full_recompute

    _, db = trafford
    parks = reach.assets_for(db, "parks", include_imprecise=True)
    gated = sorted(parks.entrances, key=lambda i: -len(parks.entrances[i]))[:3]  # the parks with most gates
    assert min(len(parks.entrances[i]) for i in gated) > 1
    add = [(-2.33, 53.43)] if kind == "both" else []  # Timperley way
    assert_scenario_equals_full_recompute(db, "parks", add, gated)


@pytest.mark.parametrize(
    "near,town",
    [("Sale", "Sale"), ("Stretford", "Stretford"), ("Timperley", "Timperley"), ("12 Church St, Sale", "Sale"),
     ("Sale M33", "Sale"), ("Stretford, M32", "Stretford"), ("Sale, Trafford", "Sale")],
)  # fmt: skip
def test_the_finder_knows_the_towns_its_wards_are_named_after(trafford, near, town):
    """Wards are 'Sale Central', 'Sale North'...: the town itself is a place name too, and the first
    place named in a query is the one meant ('Sale, Trafford' is Sale, not the borough's centre)."""
    found = trafford[0].test_client().get("/api/search", query_string={"near": near, "limit": 1})
    assert found.status_code == 200, found.get_json()
    assert found.get_json()["near"]["label"] == town


def test_both_bounds_of_the_same_figure_are_published_as_one_number(trafford):
    """Trafford's parks all have precise points: 'precise only' and 'with approximate points' are the
    same figure and must not be rounded two ways (15,490 beside 15,485)."""
    _, db = trafford
    run = store.get_assessment(db, store.list_assessments(db)[0]["id"])
    rows = [r for r in run["results"]["tables"]["reach_by_category"] if r["measurable"]]
    same = [r for r in rows if r["precise"]["assets_used"] == r["with_approximate"]["assets_used"]]
    assert any(r["category"] == "parks" for r in same)
    for r in same:
        assert r["precise"]["unreached"] == r["with_approximate"]["unreached"], r["category"]


def test_hsds_export_gives_english_assets_their_address(trafford, tmp_path):
    """HSDS asks an address for its city, state/province and country: for a UK postcode the nation
    ('England'), the asset's town or municipality and 'GB'. Valid, and the round trip keeps it."""
    from assetmap.formats.hsds import package as hsds_io
    from assetmap.formats.hsds import schema as hsds_schema

    _, db = trafford
    hsds_io.export_hsds(db, tmp_path / "out")
    assert hsds_schema.validate_package(tmp_path / "out") == []
    _, tables = hsds_schema.read_package(tmp_path / "out")
    addresses = [row for _, row in tables["address"]]
    with_address = db.execute(
        "SELECT count(*) FROM assets WHERE address != '' AND postal_code != '' AND confidential = 0"
    ).fetchone()[0]
    assert with_address > 100 and len(addresses) == with_address
    assert {(a["state_province"], a["country"]) for a in addresses} == {("England", "GB")}


def test_hsds_round_trip_of_english_assets_is_exact(trafford, tmp_path):
    from assetmap.formats.hsds import package as hsds_io
    from assetmap.privacy import public_asset

    _, db = trafford
    hsds_io.export_hsds(db, tmp_path / "out")
    from assetmap.vocab.categories import ensure_default_categories

    copy = init_db(tmp_path / "copy.db")
    ensure_default_categories(copy)
    report = hsds_io.import_hsds(copy, tmp_path / "out")
    assert report.errors == []
    fields = ("name", "address", "community", "municipality", "postal_code", "latitude", "longitude")
    before = {r["external_id"]: {k: public_asset(r).get(k) for k in fields} for r in db.query("SELECT * FROM assets")}
    after = {r["external_id"]: {k: r.get(k) for k in fields} for r in copy.query("SELECT * FROM assets")}
    assert after == before

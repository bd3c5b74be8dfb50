"""Start your own place (issue 15): new-place from official files in both countries, a fresh database
without the demo, the admin page with progress, entrances for reach, British postcodes and labels."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from app import ROOT, create_app
from assetmap import store
from assetmap.place import load_place
from assetmap.services import assessments
from assetmap.store import open_database
from tests.place_files import canadian_files, english_assets, english_files, polygons_geojson

GB_SUMMARY = "Testford (GB): 4 areas, population 564, deprivation for 4 (2 in Core20), age bands for 4, 4 postcodes."


@pytest.fixture
def fresh(tmp_path):
    """An app on a new, empty database (no demo) and its CLI runner."""
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "new.db"), "SECRET_KEY": "test"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    return app, runner


def new_place(runner, name: str, country: str, files: dict, *extra: str):
    args = ["new-place", name, "--country", country, *extra]
    for role, path in files.items():
        args += [f"--{role}", str(path)]
    return runner.invoke(args=args)


@pytest.fixture
def testford(fresh, tmp_path):
    """The four-LSOA English place built by new-place, with its assets and the park's gate."""
    app, runner = fresh
    result = new_place(runner, "Testford", "GB", english_files(tmp_path / "files"))
    assert result.exit_code == 0, result.output
    assets, entrances = english_assets(tmp_path / "files")
    assert runner.invoke(args=["import-assets", str(assets)]).exit_code == 0
    result = runner.invoke(args=["import-entrances", str(entrances)])
    assert result.stdout.splitlines()[-1].endswith("1 access points stored.")
    return app, result


def test_new_place_for_england_stores_areas_indices_core20_postcodes_and_settings(fresh, tmp_path):
    app, runner = fresh
    result = new_place(runner, "Testford", "GB", english_files(tmp_path / "files"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == GB_SUMMARY
    db = open_database(app.config["DATABASE"])
    assert store.level_counts(db) == {"LSOA21": 4, "LAD": 1}
    rows = {r["id"]: r for r in store.list_areas(db, "LSOA21")}
    assert {a: (r["population"], r["imd_decile"], r["core20"], r["parent_id"]) for a, r in rows.items()} == {
        "E01099001": (141, 1, 1, "E08000009"),
        "E01099002": (141, 2, 1, "E08000009"),
        "E01099003": (141, 5, 0, "E08000009"),
        "E01099004": (141, 10, 0, "E08000009"),
    }
    # 600 m squares: 0.36 km² each, measured on the ellipsoid
    assert [round(r["land_area_km2"], 3) for r in rows.values()] == [0.36] * 4
    assert rows["E01099001"]["age_65_plus"] == 26 and rows["E01099001"]["imd_income_decile"] == 1
    bands = {b["key"]: (b["role"], b["bands"], b["most_deprived"], b["scope"]) for b in store.deprivation_bands(db)}
    assert bands["imd_decile"] == ("band", 10, 1, "England")
    assert bands["core20"] == ("flag", 2, 1, "England")
    assert [store.find_postcode(db, "M15 4AB")[k] for k in ("outward", "area_id")] == ["M15", "E01099001"]
    place = load_place(db)
    assert (place.name, place.country, place.timezone, place.holidays, place.postcode_label) == (
        "Testford",
        "GB",
        "Europe/London",
        "GB-ENG",
        "postcode",
    )
    assert place.search_examples[0] in {"M15 4AB", "M15 4AD", "M16 7AA", "M16 7AB"}
    assert place.in_region(53.466, -2.248) and not place.in_region(45.0, -79.3)
    assert any("ONS Postcode Directory" in line for line in place.attribution)
    assert store.category_slugs(db)  # init-db's categories are kept


def test_api_areas_carries_each_areas_indices_and_a_core20_boolean(testford):
    app, _ = testford
    features = app.test_client().get("/api/areas?level=LSOA21").get_json()["features"]
    props = {f["id"]: f["properties"] for f in features}
    assert [(props[a]["imd_decile"], props[a]["core20"]) for a in sorted(props)] == [
        (1, True),
        (2, True),
        (5, False),
        (10, False),
    ]
    assert props["E01099001"]["imd"] == 36.0 and props["E01099001"]["imd_rank"] == 1000


def test_the_map_legend_shades_by_the_places_own_indices(testford):
    app, _ = testford
    html = app.test_client().get("/").get_data(as_text=True)
    assert '<option value="imd_decile">IMD 2025: decile (1 = most deprived tenth of England)</option>' in html
    assert '<option value="imd">' not in html and '<option value="imd_rank">' not in html  # the bands stand for them
    assert "<title>Map · Testford community assets</title>" in html
    assert "Show district outlines" in html


def test_the_finder_answers_full_and_outward_postcodes_and_names_from_the_areas(testford):
    client = testford[0].test_client()
    found = client.get("/api/search?near=M15+4AB&limit=3").get_json()
    assert found["near"]["label"] == "M15 4AB" and found["near"]["precision"] == "postal_code"
    assert [(r["name"], r["distance_m"]) for r in found["results"]][:1] == [("Testford Surgery", 0)]
    outward = client.get("/api/search?near=m16&limit=1").get_json()["near"]
    assert (outward["label"], outward["precision"], outward["approximate"]) == ("M16", "community", True)
    town = client.get("/api/search?near=Trafford&limit=1").get_json()["near"]  # the district named in File 7
    assert (town["label"], town["precision"]) == ("Trafford", "community")
    page = client.get("/finder?near=ZZ9+9ZZ").get_data(as_text=True)
    assert "Try a full postcode or a town name." in page
    html = client.get("/finder").get_data(as_text=True)
    assert '<label for="near">Postcode, address or town</label>' in html


def test_old_records_carry_their_year_and_ask_to_be_checked(testford):
    client = testford[0].test_client()
    page = client.get("/finder?near=M16+7AB&category=food").get_data(as_text=True)
    assert '<p class="old-record" role="note"><strong>Last seen 2018 — check before you go.</strong></p>' in page
    food = client.get("/api/search?near=M16+7AB&category=food").get_json()["results"][0]
    assert (food["name"], food["last_seen"], food["old_year"]) == ("Testford Food Bank", "2018-01", 2018)
    surgery = client.get("/api/search?near=M15+4AB&category=health").get_json()["results"][0]
    assert surgery["old_year"] is None
    french = client.get("/finder?near=M16+7AB&category=food&lang=fr").get_data(as_text=True)
    assert "Vu pour la dernière fois en 2018 — vérifiez avant de vous déplacer." in french


def test_reach_measures_a_park_from_its_nearest_entrance(testford):
    app, _ = testford
    client = app.test_client()
    query = "/api/reach?category=parks&threshold_m=500&circuity=1"
    with_gate = {a["id"]: a for a in client.get(query).get_json()["areas"]}
    # the gate is at the middle of LSOA 3: everyone there is within 500 m of it
    assert (with_gate["E01099003"]["nearest_m"], with_gate["E01099003"]["unreached_population"]) == (0, 0.0)
    db = open_database(app.config["DATABASE"])
    park = store.id_for_external_id(db, "test:park:1")
    store.set_access_points(db, {park: []})
    without = {a["id"]: a for a in client.get(query).get_json()["areas"]}
    # measured to the park's own point (the middle of LSOA 2, 600 m east and 600 m south): 849 m
    assert without["E01099003"]["nearest_m"] == pytest.approx(849, abs=3)
    assert without["E01099003"]["unreached_population"] > 100


def test_reach_breaks_down_by_decile_and_core20(testford):
    client = testford[0].test_client()
    r = client.get("/api/reach?category=food&threshold_m=420&circuity=1").get_json()
    core20 = r["deprivation"]["core20"]
    assert [(q["band"], q["areas"], q["population"]) for q in core20["quintiles"]] == [(1, 2, 282.0), (0, 2, 282.0)]
    decile = r["deprivation"]["imd_decile"]
    assert (decile["bands"], decile["most_deprived"], decile["most"]["band"], decile["least"]["band"]) == (10, 1, 1, 10)
    # the food bank is in the middle of LSOA 4 (decile 10): all of its people are within 420 m, and all
    # of LSOA 1's (decile 1) are beyond (its nearest corner is 424 m away)
    # the public API publishes counts under the small-number rule: 141 randomly rounded to 140 or 145
    assert decile["least"]["unreached_population"] == 0 and decile["most"]["unreached_population"] in (140, 145)
    page = client.get("/reach?category=food").get_data(as_text=True)
    assert "decile 1 (the most deprived tenth)" in page and "areas in the Core20" in page
    assert '<option value="core20:1">for people in areas in the Core20: Core20' in page
    suggest = client.get("/api/reach/suggest?category=food&threshold_m=420&circuity=1&weight=core20:1").get_json()
    assert (
        suggest["weight"] == "people in the areas of Core20: the most deprived fifth of England (IMD 2025 deciles 1–2)"
    )
    # LSOAs 1 and 2 (Core20) are beyond 420 m of the food bank: a site at LSOA 1's centre reaches its 141
    # people and the samples of LSOA 2 within 420 m of it (17.4 more); people outside Core20 count for 0
    assert (suggest["newly_reached"], suggest["site"]["area_id"]) == (158.4, "E01099001")


def test_an_english_assessment_runs_for_the_new_place(testford):
    app, _ = testford
    db = open_database(app.config["DATABASE"])
    aid = assessments.run_assessment(
        db, geography={"kind": "district"}, actor="test", template_name="english_neighbourhood"
    )
    results = store.get_assessment(db, aid)["results"]
    values = {r["id"]: r["value"] for r in results["indicators"]}
    assert (values["core20_share"], values["core20_people"], values["lsoas"], values["population"]) == (
        50.0,
        282.0,
        4.0,
        564.0,
    )
    dist = results["tables"]["deprivation_distribution"]["imd_decile"]
    assert dist["values"] == list(range(1, 11)) and dist["people"] == [141, 141, 0, 0, 141, 0, 0, 0, 0, 141]
    assert results["place"]["country"] == "GB" and results["geography"]["level"] == "LSOA21"
    page = app.test_client().get(f"/assessments/{aid}/print").get_data(as_text=True)
    assert "Core20: the most deprived 20% of England" in page
    assert "People by Core20: the most deprived fifth of England (IMD 2025 deciles 1–2)" in page


def test_new_place_for_canada_keeps_cimd_quintiles_and_the_province_settings(fresh, tmp_path):
    app, runner = fresh
    result = new_place(runner, "Test BC", "CA", canadian_files(tmp_path / "files"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "Test BC (CA): 2 areas, population 1,250, deprivation for 2, age bands for 2."
    )
    db = open_database(app.config["DATABASE"])
    rows = {r["id"]: r for r in store.list_areas(db, "DA")}
    assert {a: (r["cimd_economic_dependency_quintile"], r["cimd_economic_dependency"]) for a, r in rows.items()} == {
        "59150001": (5, 0.945),
        "59150002": (1, -1.1),
    }
    assert rows["59150001"]["land_area_km2"] == 1.0  # LANDAREA from the file, not the shape
    # population from the Census Profile (listed before CIMD's own column), ages and low income too
    assert [(r["population"], r["age_65_plus"], r["low_income_lim_at_pct"]) for r in rows.values()] == [
        (745, 245, 12.5),
        (505, 245, 20.0),
    ]
    bands = {b["key"]: (b["bands"], b["most_deprived"], b["scope"], b["label"]) for b in store.deprivation_bands(db)}
    assert bands["cimd_economic_dependency_quintile"] == (
        5,
        5,
        "Canada",
        "Deprivation (CIMD 2021): economic dependency, national quintile",
    )
    place = load_place(db)
    assert (place.timezone, place.holidays, place.postcode_label) == ("America/Vancouver", "CA-BC", "postal code")
    assert place.attribution[-1] == "Postal code locations © GeoNames (geonames.org), CC BY 4.0."


def test_new_place_names_a_file_given_in_the_wrong_role_or_country(fresh, tmp_path):
    _, runner = fresh
    files = english_files(tmp_path / "files")
    wrong = new_place(runner, "X", "GB", {"boundaries": files["deprivation"]})
    assert wrong.exit_code == 1
    assert "is English Indices of Deprivation, File 7 (LSOA code, IMD Score, Rank, Decile), not a boundaries file" in (
        wrong.output
    )
    canada = new_place(runner, "X", "CA", {"deprivation": files["deprivation"]})
    assert "give Canadian Index of Multiple Deprivation" in canada.output
    assert new_place(runner, "X", "GB", {}).exit_code == 2  # no file at all


def test_new_place_again_replaces_only_when_asked(fresh, tmp_path):
    app, runner = fresh
    files = english_files(tmp_path / "files")
    assert new_place(runner, "Testford", "GB", files).exit_code == 0
    again = new_place(runner, "Testford", "GB", {"boundaries": files["boundaries"]})
    assert again.exit_code == 1 and "already holds areas (1 LAD, 4 LSOA21)" in again.output
    replaced = new_place(runner, "Testford", "GB", {"boundaries": files["boundaries"]}, "--replace")
    assert replaced.exit_code == 0, replaced.output
    db = open_database(app.config["DATABASE"])
    assert store.level_counts(db) == {"LSOA21": 4}  # no File 7 this time: no district, no deciles
    assert store.deprivation_bands(db) == []


def test_new_place_adds_a_file_to_the_areas_already_loaded(fresh, tmp_path):
    app, runner = fresh
    files = english_files(tmp_path / "files")
    assert new_place(runner, "Testford", "GB", {"boundaries": files["boundaries"]}).exit_code == 0
    later = new_place(runner, "Testford", "GB", {"deprivation": files["deprivation"]})
    assert later.exit_code == 0, later.output
    assert later.stdout.splitlines()[0] == "Testford (GB): population 600, deprivation for 4 (2 in Core20)."
    db = open_database(app.config["DATABASE"])
    rows = store.list_areas(db, "LSOA21")
    assert [(r["population"], r["imd_decile"]) for r in rows] == [(150, 1), (150, 2), (150, 5), (150, 10)]
    attribution = load_place(db).attribution
    assert attribution[0].startswith("Source: Office for National Statistics")  # the boundaries' line is kept
    assert attribution[1].startswith("English Indices of Deprivation")


def test_a_fresh_database_takes_areas_assets_and_answers_reach_without_the_demo(fresh, tmp_path):
    app, runner = fresh
    areas = polygons_geojson(tmp_path / "areas.geojson")
    result = runner.invoke(args=["import-areas", str(areas), "--level", "LSOA"])
    assert result.exit_code == 0 and "2 areas written" in result.output
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text(
        "name,category,latitude,longitude,location_precision\n"
        "Pantry,food,53.4630,-2.2530,exact\n"
        "Soup kitchen,Food,53.4630,-2.2440,exact\n"  # a category by its label
        "Mystery,spaceships,53.4630,-2.2440,exact\n"
    )
    result = runner.invoke(args=["import-assets", str(csv_path)])
    assert result.exit_code == 1  # one bad row, reported; the good rows are kept
    assert "2 added" in result.output and "row 4: unknown category 'spaceships'" in result.output
    r = app.test_client().get("/api/reach?category=food").get_json()
    assert (r["total_population"], r["assets_used"], r["level"]) == (3000, 2, "LSOA")


def test_the_admin_page_builds_a_place_in_the_background(as_role, db, tmp_path):
    admin, token = as_role("admin")
    files = english_files(tmp_path / "files")
    data = {"csrf_token": token, "name": "Testford", "country": "GB", "replace": "1"}
    for role, path in files.items():
        data[role] = (io.BytesIO(Path(path).read_bytes()), f"my {role}{Path(path).suffix}")
    resp = admin.post("/admin/place", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    job = resp.headers["Location"].rsplit("/", 1)[1]
    for _ in range(200):
        status = admin.get(f"/admin/place/{job}/status").get_json()
        if status["status"] not in ("pending", "running"):
            break
        time.sleep(0.1)
    assert (status["status"], status["done"], status["total"], status["error"]) == ("done", 7, 7, None)
    page = admin.get(f"/admin/place/{job}").get_data(as_text=True)
    assert GB_SUMMARY in page and "my deprivation.csv" in page  # the person's own file names
    assert store.level_counts(db) == {"LSOA21": 4, "LAD": 1} and load_place(db).name == "Testford"
    assert not list((ROOT / "instance" / "uploads").glob("place-*"))  # uploads are deleted once read


def test_the_admin_page_refuses_a_file_for_another_role(as_role, tmp_path):
    admin, token = as_role("admin")
    files = english_files(tmp_path / "files")
    data = {"csrf_token": token, "name": "Testford", "country": "GB"}
    data["boundaries"] = (io.BytesIO(Path(files["postcodes"]).read_bytes()), "lsoa.csv")
    resp = admin.post("/admin/place", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert "lsoa.csv is ONS Postcode Directory or NSPL (pcds, doterm, lat, long), not a boundaries file" in (
        resp.get_data(as_text=True)
    )
    editor, _ = as_role("editor")
    assert editor.get("/admin/place").status_code == 403

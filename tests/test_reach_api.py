"""Reach, access and what-if through the API and the page, on the embedded Muskoka data."""

import pytest

from assetmap.services import reach as reach_service


def reach(client, **params):
    resp = client.get("/api/reach", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def test_reach_payload_fields_and_totals(client, db):
    r = reach(client, category="food")
    assert list(r)[:5] == ["category", "category_label", "level", "threshold_m", "thresholds"]
    assert r["category"] == "food" and r["threshold_m"] is None and r["circuity"] == 1.3
    assert r["thresholds"]["urban_m"] == 1609 and r["thresholds"]["rural_m"] == 16093
    assert r["total_population"] == 66674
    assert len(r["areas"]) == 107
    assert set(r["areas"][0]) >= {"id", "name", "population", "unreached_population", "nearest_m", "uncertain"}
    # per-area counts are published under the small-number rule; the service's own figures add up exactly
    raw = reach_service.reach_report(db, "food")
    assert r["unreached_population"] == raw["unreached_population"]
    assert raw["unreached_population"] == pytest.approx(sum(a["unreached_population"] for a in raw["areas"]), abs=1)
    for shown, exact in zip(r["areas"], raw["areas"], strict=True):
        if shown["unreached_suppressed"]:
            assert shown["unreached_population"] is None and 0.5 <= exact["unreached_population"] < 9.5
        else:  # a multiple of 5, or capped at the area's people (a part never exceeds its whole)
            assert shown["unreached_population"] % 5 == 0 or shown["unreached_population"] == exact["population"]
            assert abs(shown["unreached_population"] - exact["unreached_population"]) < 5
    # most unreached first
    unreached = [a["unreached_population"] for a in raw["areas"]]
    assert unreached == sorted(unreached, reverse=True)
    assert r["measurable"] is True and r["reason"] is None
    assert r["precisions_used"] == ["exact", "address", "landmark", "postal_code"]
    # precision: only precise food points are used by default; the rest are counted and explained
    precise = db.execute(
        "SELECT COUNT(*) FROM assets WHERE category = 'food' AND location_precision IN ('exact','address','landmark','postal_code')"
    ).fetchone()[0]
    total = db.execute("SELECT COUNT(*) FROM assets WHERE category = 'food'").fetchone()[0]
    assert r["assets_used"] == precise
    assert r["excluded_assets"] == total - precise == sum(r["excluded_by_precision"].values())
    assert r["excluded_by_precision"]["community"] == 10
    assert "include_imprecise=1" in r["excluded_reason"]
    assert r["distance_method"] == "estimated: straight line x circuity, not routed"


def test_include_imprecise_switch(client):
    strict = reach(client, category="food")
    loose = reach(client, category="food", include_imprecise=1)
    assert loose["assets_used"] == strict["assets_used"] + strict["excluded_assets"] - 2  # two have no point at all
    assert loose["excluded_by_precision"] == {"none": 2}
    assert loose["unreached_population"] < strict["unreached_population"]


def test_threshold_and_circuity_change_results(client):
    near = reach(client, category="health", include_imprecise=1, threshold_m=2000, circuity=1.0)
    far = reach(client, category="health", include_imprecise=1, threshold_m=40000, circuity=1.0)
    assert near["threshold_m"] == 2000 and all(a["threshold_m"] == 2000 for a in near["areas"])
    assert far["unreached_population"] < near["unreached_population"]
    road = reach(client, category="health", include_imprecise=1, threshold_m=2000, circuity=1.5)
    assert road["unreached_population"] >= near["unreached_population"]


def test_deprivation_breakdown(client):
    r = reach(client, category="food", include_imprecise=1)
    dim = r["deprivation"]["cimd_economic_dependency_quintile"]
    rows = dim["quintiles"]
    assert [q["quintile"] for q in rows] == [1, 2, 3, 4, 5]
    # every counted DA has a CIMD score except five: their people are outside the quintile rows
    assert 60000 < sum(q["population"] for q in rows) <= 66674
    for q in rows:
        if q["unreached_suppressed"] or not q["population"]:
            assert q["unreached_share"] is None
        else:
            assert q["unreached_share"] == pytest.approx(q["unreached_population"] / q["population"], abs=1e-4)


@pytest.mark.parametrize(
    "query, message",
    [
        ({}, "category is required"),
        (
            {"category": "bakeries"},
            "unknown category 'bakeries'; known: parks, food, transport, community_groups, health, social_services, recreation, culture, early_years",
        ),
        ({"category": "food", "threshold_m": "far"}, "threshold_m must be a number of metres, not 'far'"),
        ({"category": "food", "threshold_m": "-5"}, "threshold_m must be between 0 and 500,000 metres"),
        ({"category": "food", "circuity": "0.5"}, "circuity must be between 1 and 3 (1 = straight line)"),
        ({"category": "food", "include_imprecise": "yes"}, "include_imprecise must be 0 or 1"),
        ({"category": "food", "level": "LSOA"}, "level must be one of CSD, DA"),
    ],
)
def test_reach_bad_parameters(client, query, message):
    resp = client.get("/api/reach", query_string=query)
    assert resp.status_code == 400
    assert resp.get_json() == {"error": message}


def test_reach_geojson(client):
    resp = client.get("/api/reach?category=parks&format=geojson")
    doc = resp.get_json(force=True)
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 107
    assert doc["features"][0]["geometry"]["type"] == "Polygon"
    assert "unreached_population" in doc["features"][0]["properties"]


def test_results_cached_and_invalidated_by_asset_changes(client, db):
    before = reach(client, category="early_years", threshold_m=5000, include_imprecise=1)
    assert reach(client, category="early_years", threshold_m=5000, include_imprecise=1) == before
    # a new child care centre in the most unreached area's centre
    worst = before["areas"][0]
    area = next(iter(db.query("SELECT rep_lon, rep_lat FROM areas WHERE id = ?", [worst["id"]])))
    db["assets"].insert(
        {
            "name": "New EarlyON",
            "category": "early_years",
            "latitude": area["rep_lat"],
            "longitude": area["rep_lon"],
            "location_precision": "exact",
        }
    )
    after = reach(client, category="early_years", threshold_m=5000, include_imprecise=1)
    assert after["unreached_population"] < before["unreached_population"]
    assert after["data_version"] != before["data_version"]


def test_access_scores_normalised_to_district_average(client):
    resp = client.get("/api/access?category=health&catchment_m=30000&include_imprecise=1")
    assert resp.status_code == 200
    r = resp.get_json()
    assert r["method"] == "2sfca" and r["catchment_m"] == 30000
    pops = [a["population"] or 0 for a in r["areas"]]
    mean = sum(a["score"] * p for a, p in zip(r["areas"], pops, strict=True)) / sum(pops)
    assert mean == pytest.approx(1.0, abs=1e-3)
    e = client.get("/api/access?category=health&catchment_m=30000&include_imprecise=1&method=e2sfca").get_json()
    assert e["method"] == "e2sfca" and [a["score"] for a in e["areas"]] != [a["score"] for a in r["areas"]]
    bad = client.get("/api/access?category=health&catchment_m=30000&method=gravity")
    assert bad.status_code == 400 and bad.get_json() == {"error": "method must be one of 2sfca, e2sfca"}


def test_scenario_add_and_remove(client, db):
    base = reach(client, category="food", include_imprecise=1)
    worst = next(iter(db.query("SELECT rep_lon, rep_lat FROM areas WHERE id = ?", [base["areas"][0]["id"]])))
    resp = client.post(
        "/api/reach/scenario",
        json={"category": "food", "include_imprecise": 1, "add": [{"lon": worst["rep_lon"], "lat": worst["rep_lat"]}]},
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    s = resp.get_json()
    assert s["before"]["unreached_population"] == base["unreached_population"]
    assert s["after"]["unreached_population"] < s["before"]["unreached_population"]
    assert s["change"] == pytest.approx(
        s["after"]["unreached_population"] - s["before"]["unreached_population"], abs=0.2
    )
    assert s["saved"] is False
    assert (
        s["areas"][0]["id"] == base["areas"][0]["id"]
        and s["areas"][0]["unreached_after"] < s["areas"][0]["unreached_before"]
    )
    assert db["assets"].count == 149  # nothing saved
    # removing every used food asset leaves everyone unreached
    used = [a["id"] for a in base["assets"]]
    confidential_used = base["assets_used"] - len(used)
    assert confidential_used == 0
    gone = client.post(
        "/api/reach/scenario", json={"category": "food", "include_imprecise": 1, "remove": used}
    ).get_json()
    assert gone["after"]["unreached_population"] == pytest.approx(66674, abs=1)


@pytest.mark.parametrize(
    "body, message",
    [
        (None, 'send a JSON object, e.g. {"category": "food", "add": [{"lon": -79.3, "lat": 45.0}]}'),
        ({"category": "food", "add": [{"lon": "x", "lat": 45}]}, "add[1] needs numeric lon and lat"),
        ({"category": "food", "add": [{"lon": 200, "lat": 45}]}, "add[1]: lon/lat out of range"),
        ({"category": "food", "remove": ["abc"]}, "remove[1] must be an asset id"),
        ({"category": "food", "remove": [424242]}, "remove: no active food asset with id 424242"),
        ({"category": "food", "add": "here"}, "add and remove must be lists"),
    ],
)
def test_scenario_bad_bodies(client, body, message):
    resp = (
        client.post("/api/reach/scenario", json=body)
        if body is not None
        else client.post("/api/reach/scenario", data="nope")
    )
    assert resp.status_code == 400
    assert resp.get_json() == {"error": message}


def test_suggest_best_site_everyone_and_most_deprived(client, db):
    s = client.get("/api/reach/suggest?category=food&include_imprecise=1").get_json()
    assert s["weight"] == "everyone" and s["candidates"] == 107
    assert s["newly_reached"] > 0
    # the suggested site, added as a scenario, reaches exactly that many more people
    sc = client.post(
        "/api/reach/scenario",
        json={"category": "food", "include_imprecise": 1, "add": [{"lon": s["site"]["lon"], "lat": s["site"]["lat"]}]},
    ).get_json()
    assert -sc["change"] == pytest.approx(s["newly_reached"], rel=0.01)
    dep = client.get(
        "/api/reach/suggest?category=food&include_imprecise=1&weight=cimd_economic_dependency_quintile:5"
    ).get_json()
    assert dep["weight"].startswith("people in quintile 5 of Deprivation")
    bad = client.get("/api/reach/suggest?category=food&weight=martians")
    assert bad.status_code == 400 and bad.get_json()["error"].startswith("unknown weight 'martians'")


def test_reach_page_renders_summary_and_table_without_js(client):
    loose = reach(client, category="food", include_imprecise=1)
    strict = reach(client, category="food")
    resp = client.get("/reach?category=food&include_imprecise=1")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Who isn't reached: Food" in html
    assert f"<strong>{loose['unreached_population']:,.0f}</strong> of 66,674 people" in html
    words = " ".join(html.split())
    assert f"With precise points only: {strict['unreached_population']:,.0f} people" in words
    assert "the most deprived fifth" in html
    assert html.count('<tr data-area="') == 20
    assert f'<tr data-area="{loose["areas"][0]["id"]}">' in html


def test_reach_page_bad_threshold_is_400_with_message(client):
    resp = client.get("/reach?category=food&threshold_km=abc")
    assert resp.status_code == 400
    assert "threshold must be a number of kilometres, not &#39;abc&#39;" in resp.get_data(as_text=True)

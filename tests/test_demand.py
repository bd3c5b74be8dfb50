"""Unmet demand from the finder: what one search leaves behind (and what it never does), the setting
that turns it off, GET /api/demand with small counts hidden, and the assessment block."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import Point, shape

from app import create_app
from assetmap import store
from assetmap.geocoding import OfflineGeocoder
from assetmap.place import load_place
from assetmap.services import assessments, demand


def demand_rows(db):
    return [dict(r) for r in db.query("SELECT * FROM finder_demand ORDER BY area_id")]


def area_containing(db, lon, lat):
    """The DA a point falls in, worked out here with shapely alone."""
    found = [
        a["id"] for a in store.list_areas(db, "DA") if shape(json.loads(a["geometry"])).intersects(Point(lon, lat))
    ]
    return found[0]


def test_a_search_keeps_only_date_categories_area_fsa_and_nearby(client, db):
    resp = client.get("/finder?near=P1L+1T8&category=food")
    assert resp.status_code == 200
    point = OfflineGeocoder().geocode("P1L 1T8")
    [row] = demand_rows(db)
    assert set(row) == {"day", "categories", "area_id", "fsa", "nearby", "searches"}  # nothing else is kept
    assert row == {
        "day": datetime.now(ZoneInfo(load_place(db).timezone)).date().isoformat(),  # the place's day, not the machine's
        "categories": "food",
        "area_id": area_containing(db, point.longitude, point.latitude),
        "fsa": "P1L",
        "nearby": 1,
        "searches": 1,
    }
    client.get("/finder?near=P1L+1T8&category=food")
    assert demand_rows(db)[0]["searches"] == 2  # one counter, not one row per search
    client.get("/finder?near=P1L+1T8&category=food&q=bank&language=oj")
    assert (
        len(demand_rows(db)) == 2
        and "bank" not in json.dumps(demand_rows(db))
        and "1T8" not in json.dumps(demand_rows(db))
    )
    text = client.get("/finder").get_data(as_text=True)
    assert "this page counts searches near a place" in text and "never what you typed" in text


def test_nothing_nearby_and_what_is_not_counted(client, db):
    client.get("/finder?near=45.06703,-80.023939&category=transport")  # 54 km from the nearest transport point
    [row] = demand_rows(db)
    assert (row["categories"], row["fsa"], row["nearby"]) == ("transport", "", 0)
    assert row["area_id"] == area_containing(db, -80.023939, 45.06703) == "35440259"
    assert demand.nearby_m(db, ["transport"]) == pytest.approx(5000 / 1.3)
    client.get("/finder?category=food")  # no place: nothing to count
    client.get("/api/search?near=P1L+1T8&category=food")  # the API is not counted
    client.get("/finder?near=P9Z")  # a place that cannot be found
    assert len(demand_rows(db)) == 1


def test_the_setting_turns_counting_off(db_path, db):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "SECRET_KEY": "t", "RECORD_FINDER_DEMAND": False})
    client = app.test_client()
    page = client.get("/finder?near=P1L+1T8&category=food").get_data(as_text=True)
    assert demand_rows(db) == [] and "This site does not count searches." in page
    assert client.get("/api/demand").get_json()["recording"] is False


def record(db, area_id, searches, missed, fsa="", day="2026-03-01", categories="food"):
    for k in range(searches):
        store.record_search(db, day, categories, area_id, fsa, nearby=k >= missed)


def test_api_demand_per_1000_with_small_counts_hidden(client, db):
    people = {a["id"]: a["population"] for a in store.list_areas(db, "DA")}
    record(db, "35440163", 40, 10, fsa="P1H")
    record(db, "35440164", 20, 6, fsa="P1H")
    record(db, "35440165", 3, 0)
    body = client.get("/api/demand").get_json()
    assert body["recording"] is True
    assert (body["searches"], body["no_nearby"]) == (63, 16)
    assert body["no_nearby_share"] == pytest.approx(16 / 63)
    rows = {r["id"]: r for r in body["areas"]}
    assert rows["35440163"] == {
        "id": "35440163",
        "name": "DA 35440163 (Lake of Bays)",
        "population": people["35440163"],
        "searches": 40,
        "searches_per_1000": pytest.approx(40_000 / people["35440163"]),
        "no_nearby": 10,
        "no_nearby_share": 0.25,
    }
    # 3 is under the threshold of 5, and 20 is hidden with it so 3 cannot be found from the total.
    for hidden in ("35440164", "35440165"):
        assert [rows[hidden][k] for k in ("searches", "searches_per_1000", "no_nearby", "no_nearby_share")] == [
            None
        ] * 4
    assert body["fsas"] == [{"fsa": "P1H", "searches": 60, "no_nearby": 16}]
    assert body["categories"] == [{"category": "food", "searches": 63, "no_nearby": 16}]
    assert body["suppression"]["threshold"] == 5
    assert client.get("/api/demand?since=2026-04-01").get_json()["areas"] == []
    assert client.get("/api/demand?since=2026-03-01&until=2026-03-01").get_json()["searches"] == 63
    assert client.get("/api/demand?since=March").status_code == 400
    assert client.get("/api/demand?since=2026-05-01&until=2026-04-01").status_code == 400


def test_assessment_block_counts_the_year_before_the_run(client, db):
    record(db, "35440163", 40, 10, day="2026-03-01")
    record(db, "35440163", 9, 9, day="2024-01-01")  # more than a year before the run: left out
    aid = assessments.run_assessment(db, geography={"kind": "district"}, actor="test", run_date="2026-06-30")
    table = store.get_assessment(db, aid)["results"]["tables"]["finder_demand"]
    assert (table["since"], table["until"], table["searches"], table["no_nearby"]) == (
        "2025-07-01",
        "2026-06-30",
        40,
        10,
    )
    page = client.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "<strong>40</strong> searches near a place in these areas between 2025-07-01 and 2026-06-30" in page
    assert "<strong>25%</strong> (10) found no support nearby" in page

"""The location-fixing queue: rough points listed by how much fixing them could change reach, one
click from a map that records the new precision and who placed the point; the editors' screens
speak in labels and local time."""

import re

import pytest

from assetmap import store
from assetmap.services import locations
from assetmap.services.reach import reach_report


def test_queue_lists_rough_points_most_reach_impact_first(db):
    items = locations.location_queue(db)
    precisions = {it.asset["location_precision"] for it in items}
    assert precisions == {"community", "municipality", "rural_postal_code", "unreliable", "none"}
    assert not any(it.asset["name"].startswith("Alex's Place") for it in items)  # confidential: never listed
    impacts = [it.impact for it in items]
    known = [i for i in impacts if i is not None]
    assert known == sorted(known, reverse=True) and impacts[len(known) :] == [None] * (len(items) - len(known))
    assert {it.asset["location_precision"] for it in items if it.impact is None} == {"none"}
    first = items[0]
    assert (first.asset["name"], first.asset["location_precision"], round(first.impact)) == (
        "Fairvern Early Learning and Child Care Centre (Muskoka Family Focus)",
        "community",
        13495,
    )
    assert len(items) == 106
    assert [it.asset["location_precision"] for it in locations.location_queue(db, "unreliable")] == ["unreliable"] * 7


def test_impact_is_the_change_in_reach_if_the_site_is_where_its_rough_point_says(db):
    item = next(it for it in locations.location_queue(db) if it.asset["category"] == "food")
    before = reach_report(db, "food")["unreached_population"]
    a = item.asset
    store.update_asset(db, a["id"], {"location_precision": "exact"}, "test", action="place")
    after = reach_report(db, "food")["unreached_population"]
    assert before - after == pytest.approx(item.impact, abs=0.2)  # rounded to 0.1 person by the report


def test_placing_a_point_records_precision_and_who_and_changes_reach(as_role, db):
    client, token = as_role("editor")
    page = client.get("/assets/locations").get_data(as_text=True)
    assert 'Place on the map<span class="sr-only">: The Salvation Army Huntsville (food bank)</span>' in page
    assert "Food <strong>55,062</strong>" in page
    bank = store.get_asset(db, 3)
    assert (bank["name"], bank["location_precision"]) == ("The Salvation Army Huntsville (food bank)", "community")
    form = client.get("/assets/3/place").get_data(as_text=True)
    assert '<input type="hidden" id="location_precision" name="location_precision" value="community">' in form
    # saving the rough point unchanged fixes nothing
    unchanged = {
        "csrf_token": token,
        "version": bank["version"],
        "location_precision": "community",
        "latitude": bank["latitude"],
        "longitude": bank["longitude"],
    }
    resp = client.post("/assets/3/place", data=unchanged)
    assert resp.status_code == 400 and "That point is still approximate" in resp.get_data(as_text=True)
    far = dict(unchanged, latitude="-33.86", longitude="151.2", location_precision="exact")
    assert client.post("/assets/3/place", data=far).status_code == 400
    # placed by hand on the map (the script sets exact)
    placed = dict(unchanged, latitude="45.3269", longitude="-79.2176", location_precision="exact")
    resp = client.post("/assets/3/place", data=placed)
    assert resp.status_code == 302 and resp.headers["Location"] == "/assets/locations"
    row = store.get_asset(db, 3)
    assert (row["latitude"], row["longitude"], row["location_precision"]) == (45.3269, -79.2176, "exact")
    assert re.fullmatch(
        r"placed by hand on the map by editor@example\.org on \d{4}-\d{2}-\d{2}", row["precision_source"]
    )
    last = store.asset_history(db, 3)[0]  # newest first
    assert (last["action"], last["actor"]) == ("place", "editor@example.org (editor)")
    after = reach_report(db, "food")["unreached_population"]
    assert after < 55062.1
    page = client.get("/assets/locations").get_data(as_text=True)
    assert f"People beyond reach of food: 55,062 → {after:,.0f}." in page
    assert 'id="asset-3"' not in page  # fixed: off the queue


def test_found_address_keeps_the_geocoders_precision(as_role, db):
    client, token = as_role("editor")
    bank = store.get_asset(db, 3)
    data = {
        "csrf_token": token,
        "version": bank["version"],
        "location_precision": "postal_code",
        "found_by": "P1H 2J4",
        "latitude": "45.33",
        "longitude": "-79.22",
    }
    assert client.post("/assets/3/place", data=data).status_code == 302
    row = store.get_asset(db, 3)
    assert row["location_precision"] == "postal_code"
    assert row["precision_source"].startswith("found from “P1H 2J4” and confirmed on the map by editor@example.org")


def test_dashboard_and_editor_screens_speak_in_labels_and_local_time(as_role, db):
    client, _ = as_role("editor")
    page = client.get("/assets").get_data(as_text=True)
    assert (
        "<strong>83</strong> active assets placed only approximately, <strong>7</strong> at a point known not to be the site, <strong>16</strong> with no point"
        in page
    )
    assert '<a href="/assets/locations">Fix locations, most useful first</a>' in page
    row = re.search(r"Annie Williams Memorial Park</a>.*?</tr>", page, re.S).group(0)
    assert "<td>Parks and green space</td>" in row and "<td>town centre (approximate)</td>" in row
    changed = store.get_asset(db, 3)["updated_at"]  # stored in UTC
    assert changed.endswith("+00:00")
    assert re.search(r"<td>[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [ap]\.m\.</td></tr>", row)
    # editor navigation
    for link in (
        'href="/assets/new">Add asset</a>',
        'href="/assessments/new">New assessment</a>',
        'href="/assets/locations"',
    ):
        assert link in page


def test_local_time_is_the_places_time_zone(app):
    with app.test_request_context("/"):
        from app.context import local_time

        assert local_time("2026-11-29T18:05:00+00:00") == "Nov 29, 2026, 1:05 p.m."  # Toronto, EST
        assert local_time("2026-07-01T12:00:00") == "Jul 1, 2026, 8:00 a.m."  # EDT; no zone means UTC
        assert local_time("") == "" and local_time("not a time") == "not a time"


def test_placing_the_first_precise_point_of_a_category_makes_its_reach_measurable(as_role, db):
    client, token = as_role("editor")
    page = client.get("/assets/locations").get_data(as_text=True)
    assert "Recreation <em>cannot be measured: no precise point yet</em>" in page
    arena = next(it.asset for it in locations.location_queue(db) if it.asset["category"] == "recreation")
    data = {
        "csrf_token": token,
        "version": arena["version"],
        "location_precision": "exact",
        "latitude": arena["latitude"] + 0.001,
        "longitude": arena["longitude"],
    }
    resp = client.post(f"/assets/{arena['id']}/place", data=data, follow_redirects=True)
    after = reach_report(db, "recreation")["unreached_population"]
    assert after is not None
    assert f"Reach of recreation can now be measured: {after:,.0f} people beyond reach." in resp.get_data(as_text=True)


def test_the_place_page_says_where_the_rough_point_came_from_in_words(as_role, db):
    client, _ = as_role("editor")
    asset_id = next(db.query("SELECT id FROM assets WHERE precision_source = 'town_point_geonames'"))["id"]
    page = client.get(f"/assets/{asset_id}/place").get_data(as_text=True)
    assert "(town point, GeoNames)" in page and "town_point_geonames" not in page

"""Adding and editing assets: validation next to fields, geocoding, duplicates, locking, history."""

import json
import re

import pytest
from geopy.adapters import BaseSyncAdapter

from assetmap import store
from assetmap.place import load_place


def form(token, **fields):
    base = {"csrf_token": token, "name": "", "category": "", "confidential": ""}
    base.update(fields)
    return {k: v for k, v in base.items() if v != "" or k in ("name", "category")}


def field_error(html, field):
    m = re.search(rf'<p class="field-error" id="e-{field}">([^<]*)</p>', html)
    return m.group(1) if m else None


def test_validation_messages_next_to_fields(as_role, db):
    client, token = as_role("editor")
    resp = client.post(
        "/assets/new",
        data=form(
            token,
            name="",
            category="",
            website="not a url",
            phone="12",
            postal_code="12345",
            latitude="95",
            longitude="-79",
        ),
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert field_error(html, "name") == "name is required"
    assert field_error(html, "category") == "category is required"
    assert field_error(html, "website") == "website &#39;not a url&#39; is not a web address"
    assert field_error(html, "phone") == "phone &#39;12&#39; has fewer than 7 digits"
    assert field_error(html, "postal_code") == "postal code &#39;12345&#39; is not a Canadian (A1A 1A1) or UK postcode"
    assert field_error(html, "latitude") == "latitude 95.0 is outside -90..90"
    assert (
        'id="f-website" name="website" type="url"' in html
        and 'aria-invalid="true" aria-describedby="e-website"' in html
    )
    assert 'value="not a url"' in html  # what was typed is kept
    assert db["assets"].count == 149


def test_add_by_postal_code_geocodes_and_records_history(as_role, db):
    client, token = as_role("editor")
    resp = client.post(
        "/assets/new", data=form(token, name="Bracebridge Seniors Lunch", category="food", postal_code="p1l 2b5")
    )
    assert resp.status_code == 302
    row = next(iter(db.query("SELECT * FROM assets WHERE name = 'Bracebridge Seniors Lunch'")))
    assert (row["latitude"], row["longitude"], row["location_precision"]) == (45.039, -79.3103, "postal_code")
    assert row["postal_code"] == "P1L 2B5" and row["version"] == 1
    history = store.asset_history(db, row["id"])
    assert [(h["action"], h["actor"], h["version"]) for h in history] == [("create", "editor@example.org (editor)", 1)]
    assert history[0]["after"]["name"] == "Bracebridge Seniors Lunch"


def test_typed_precision_source_is_kept_beside_the_geocoders(as_role, db):
    # Placing the point from a postal code must not erase the words an editor typed about it.
    client, token = as_role("editor")
    typed = "postal code from the owner's letter, 2026"
    resp = client.post(
        "/assets/new",
        data=form(token, name="Lunch Club", category="food", postal_code="P1L 2B5", precision_source=typed),
    )
    assert resp.status_code == 302
    row = next(iter(db.query("SELECT * FROM assets WHERE name = 'Lunch Club'")))
    assert row["location_precision"] == "postal_code"
    assert row["precision_source"].startswith("geocoded: ") and typed in row["precision_source"]


def test_dragged_marker_is_exact_and_confidential_kept(as_role, db):
    client, token = as_role("editor")
    client.post(
        "/assets/new",
        data=form(
            token,
            name="Safe House",
            category="social_services",
            latitude="45.0401",
            longitude="-79.3002",
            location_precision="exact",
            confidential="1",
            phone="705-555-0101",
        ),
    )
    row = next(iter(db.query("SELECT * FROM assets WHERE name = 'Safe House'")))
    assert row["confidential"] == 1 and row["location_precision"] == "exact"
    doc = client.get(f"/api/assets/{row['id']}").get_json(force=True)
    assert doc["geometry"] is None and doc["properties"]["address"] == ""


def test_duplicate_warning_then_confirm(as_role, db):
    client, token = as_role("editor")
    # same postal code and nearly the same name as the Salvation Army Gravenhurst food bank
    data = form(token, name="Salvation Army Gravenhurst", category="food", postal_code="P1P 1T7")
    resp = client.post("/assets/new", data=data)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "This may already be in the inventory" in html and "The Salvation Army Gravenhurst</a>" in html
    assert db["assets"].count == 149
    resp = client.post("/assets/new", data={**data, "confirm_new": "1"})
    assert resp.status_code == 302 and db["assets"].count == 150


def test_verified_today_and_stale_view(as_role, db):
    client, token = as_role("editor")
    row = store.get_asset(db, 5)
    page = client.get("/assets/stale?months=6").get_data(as_text=True)
    assert row["name"] in page  # never verified
    resp = client.post("/assets/5/verify", data={"csrf_token": token, "back": "/assets/stale?months=6"})
    assert resp.headers["Location"] == "/assets/stale?months=6"
    row = store.get_asset(db, 5)
    today = load_place(db).today().isoformat()  # the place's day, not the server's
    assert (row["verified_date"], row["verified_by"]) == (today, "editor@example.org")
    assert row["name"] not in client.get("/assets/stale?months=6").get_data(as_text=True)
    assert client.get("/assets/stale?months=0").status_code == 400


def test_edit_conflict_is_refused_and_shows_the_other_change(app, as_role, db):
    alice, token_a = as_role("editor")
    bob = app.test_client()
    from tests.conftest import form_values, sign_in

    token_b = sign_in(bob, "admin@example.org")
    row = store.get_asset(db, 4)
    values = form_values(
        row, ("name", "category", "address", "community", "postal_code", "latitude", "longitude", "location_precision")
    )
    first = alice.post(
        "/assets/4/edit", data={**values, "phone": "705-555-0111", "version": row["version"], "csrf_token": token_a}
    )
    assert first.status_code == 302
    second = bob.post(
        "/assets/4/edit", data={**values, "phone": "705-555-0222", "version": row["version"], "csrf_token": token_b}
    )
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Someone else changed this asset while you were editing" in html
    assert "editor@example.org (editor)" in html and "705-555-0111" in html  # their change, shown
    assert 'value="705-555-0222"' in html  # bob's typing is not lost
    assert store.get_asset(db, 4)["phone"] == "705-555-0111"  # not overwritten
    new_version = int(re.search(r'name="version" value="(\d+)"', html).group(1))
    third = bob.post(
        "/assets/4/edit", data={**values, "phone": "705-555-0222", "version": new_version, "csrf_token": token_b}
    )
    assert third.status_code == 302 and store.get_asset(db, 4)["phone"] == "705-555-0222"


def test_archive_history_restore_and_purge(as_role, db):
    editor, token = as_role("editor")
    original = store.get_asset(db, 10)
    editor.post("/assets/10/archive", data={"csrf_token": token})
    assert store.get_asset(db, 10)["status"] == "archived"
    assert 10 not in [f["id"] for f in editor.get("/api/assets").get_json(force=True)["features"]]
    store.update_asset(db, 10, {"name": "Renamed"}, "someone")
    page = editor.get("/assets/10/history").get_data(as_text=True)
    assert "archive" in page and "Renamed" in page
    assert "Restore version 1" in page and "Restore version 3" not in page  # not the version it is now
    v1 = store.asset_history(db, 10)[-1]["version"]
    resp = editor.post(
        f"/assets/10/restore/{v1}", data={"csrf_token": token, "version": store.get_asset(db, 10)["version"]}
    )
    assert resp.status_code == 302
    restored = store.get_asset(db, 10)
    assert restored["name"] == original["name"] and restored["status"] == "active"
    actions = [h["action"] for h in store.asset_history(db, 10)]
    assert actions[:3] == ["restore", "edit", "archive"]
    # editors cannot purge; admins can, and the history remains
    assert editor.post("/assets/10/purge", data={"csrf_token": token, "confirm": original["name"]}).status_code == 403
    from tests.conftest import sign_in

    admin = editor  # reuse the client: sign in as admin
    admin.post("/logout", data={"csrf_token": token})
    token = sign_in(admin, "admin@example.org")
    wrong = admin.post("/assets/10/purge", data={"csrf_token": token, "confirm": "nope"})
    assert wrong.status_code == 302 and store.get_asset(db, 10)
    admin.post("/assets/10/purge", data={"csrf_token": token, "confirm": original["name"]})
    assert db.execute("SELECT COUNT(*) FROM assets WHERE id = 10").fetchone()[0] == 0
    history = store.asset_history(db, 10)
    assert history[0]["action"] == "purge" and history[0]["before"]["name"] == original["name"]
    assert "purged asset 10" in admin.get("/assets/10/history").get_data(as_text=True)


def test_demo_and_cli_imports_are_in_history(db, runner, tmp_path):
    first = store.asset_history(db, 1)
    assert [(h["action"], h["actor"]) for h in first] == [("import", "load-demo (embedded Muskoka data)")]
    path = tmp_path / "one.csv"
    path.write_text("name,category,latitude,longitude\nNew Trail,parks,45.2,-79.2\n")
    runner.invoke(args=["import-assets", str(path)])
    row = next(iter(db.query("SELECT id FROM assets WHERE name = 'New Trail'")))
    assert store.asset_history(db, row["id"])[0]["actor"] == "cli import-assets one.csv"


def test_geocode_endpoint(as_role):
    client, _ = as_role("editor")
    assert client.get("/assets/geocode?q=P1H 1H7").get_json() == {
        "found": True,
        "lat": 45.2771,
        "lon": -79.2618,
        "label": "P1H 1H7, Huntsville",
        "precision": "postal_code",
        "precision_text": "approximate: postal code point, usually within a few hundred metres in town",
        "source": "Postal code locations © GeoNames (geonames.org), CC BY 4.0",
        "postal_code": "P1H 1H7",
        "community": "Huntsville",
    }
    rural = client.get("/assets/geocode?q=P0B1J0").get_json()
    assert rural["precision"] == "rural_postal_code"
    town = client.get("/assets/geocode?q=gravenhurst").get_json()
    assert (town["lat"], town["lon"], town["precision"]) == (44.9168, -79.3663, "community")
    assert client.get("/assets/geocode?q=P9Z").get_json() == {
        "found": False,
        "message": "We couldn't find 'P9Z'. Try a full postal code or a town name.",
    }


# --- the JSON editing API -----------------------------------------------------------------------


def test_api_create_patch_conflict_delete(as_role, db):
    client, token = as_role("editor")
    h = {"X-CSRFToken": token}
    created = client.post(
        "/api/assets", json={"name": "Pantry", "category": "food", "latitude": 45.1, "longitude": -79.4}, headers=h
    )
    assert created.status_code == 201
    feat = created.get_json(force=True)
    asset_id = feat["id"]
    assert feat["geometry"] == {"type": "Point", "coordinates": [-79.4, 45.1]}
    assert feat["properties"]["location_precision"] == "exact"
    bad = client.patch(f"/api/assets/{asset_id}", json={"version": 1, "website": "nope nope"}, headers=h)
    assert bad.status_code == 400 and bad.get_json() == {
        "error": "website 'nope nope' is not a web address",
        "fields": {"website": "website 'nope nope' is not a web address"},
    }
    ok = client.patch(f"/api/assets/{asset_id}", json={"version": 1, "phone": "705-555-0199"}, headers=h)
    assert ok.status_code == 200 and ok.get_json(force=True)["properties"]["phone"] == "705-555-0199"
    stale = client.patch(f"/api/assets/{asset_id}", json={"version": 1, "phone": "705-555-0000"}, headers=h)
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["version"] == 2 and body["current"]["properties"]["phone"] == "705-555-0199"
    assert client.patch(f"/api/assets/{asset_id}", json={"phone": "x"}, headers=h).status_code == 400
    gone = client.delete(f"/api/assets/{asset_id}?version=2", headers=h)
    assert gone.status_code == 200 and gone.get_json() == {"id": asset_id, "status": "archived", "version": 3}
    assert [r["action"] for r in store.asset_history(db, asset_id)] == ["archive", "edit", "create"]
    # without the CSRF header the session cookie alone is not enough
    assert (
        client.post("/api/assets", json={"name": "X", "category": "food", "location_precision": "none"}).status_code
        == 400
    )


def test_api_duplicate_needs_confirmation(as_role):
    client, token = as_role("editor")
    h = {"X-CSRFToken": token}
    body = {"name": "The Salvation Army Gravenhurst", "category": "food", "postal_code": "P1P 1T7"}
    dup = client.post("/api/assets", json=body, headers=h)
    assert (
        dup.status_code == 409
        and dup.get_json()["duplicates"][0]["properties"]["name"] == "The Salvation Army Gravenhurst"
    )
    assert client.post("/api/assets", json={**body, "confirm_duplicate": True}, headers=h).status_code == 201


# --- online geocoding with a fake adapter (never the network) ----------------------------------


class FakeAdapter(BaseSyncAdapter):
    calls = []

    def get_text(self, url, *, timeout, headers):
        raise NotImplementedError

    def get_json(self, url, *, timeout, headers):
        FakeAdapter.calls.append((url, headers.get("User-Agent")))
        if "nowhere" in url:
            return []
        return [
            {
                "lat": "45.0457",
                "lon": "-79.3071",
                "display_name": "70 Pine Street, Bracebridge, Ontario",
                "class": "building",
                "type": "yes",
                "osm_type": "way",
                "address": {"house_number": "70", "road": "Pine Street"},
            }
        ]


class DownAdapter(FakeAdapter):
    def get_json(self, url, *, timeout, headers):
        from geopy.exc import GeocoderUnavailable

        raise GeocoderUnavailable("no network")


def test_online_geocoder_caches_and_respects_user_agent(db_path):
    from assetmap.geocoding import make_geocoder
    from assetmap.place import Place

    FakeAdapter.calls = []
    geo = make_geocoder(
        Place(), db_path=str(db_path), user_agent="asset-map-tests (test@example.org)", adapter_factory=FakeAdapter
    )
    geo.online.min_delay_s = 0.0
    found = geo.geocode("70 Pine Street, Bracebridge")
    assert (found.latitude, found.longitude, found.raw["precision"]) == (45.0457, -79.3071, "address")
    again = geo.geocode("70  pine street, BRACEBRIDGE")
    assert again.latitude == 45.0457
    assert len(FakeAdapter.calls) == 1  # the second answer came from the cache
    assert FakeAdapter.calls[0][1] == "asset-map-tests (test@example.org)"
    # postal codes and town names stay offline
    assert geo.geocode("P1L 2B5").raw["precision"] == "postal_code" and len(FakeAdapter.calls) == 1


def test_online_geocoder_unavailable_falls_back_offline(db_path):
    from assetmap.geocoding import make_geocoder
    from assetmap.place import Place

    geo = make_geocoder(Place(), db_path=str(db_path), user_agent="asset-map-tests", adapter_factory=DownAdapter)
    geo.online.min_delay_s = 0.0
    found = geo.geocode("70 Pine Street, Bracebridge")
    assert found.raw["precision"] == "community" and found.address == "Bracebridge"
    assert geo.online.unavailable == "online geocoding unavailable (GeocoderUnavailable)"


def test_history_snapshots_are_json(db):
    row = next(iter(db.query("SELECT before, after FROM asset_history WHERE asset_id = 1")))
    assert row["before"] is None and json.loads(row["after"])["name"] == store.get_asset(db, 1)["name"]


@pytest.mark.parametrize("version", [None, 1])
def test_store_update_without_changes_records_nothing(db, version):
    before = len(store.asset_history(db, 3))
    changed, _ = store.update_asset(db, 3, {"name": store.get_asset(db, 3)["name"]}, "x", expected_version=version)
    assert changed is False and len(store.asset_history(db, 3)) == before

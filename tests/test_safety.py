"""Safe in public: one test per finding of the adversarial review (issue 11), named after it.

Each of these failed on main before the fix (the HTTP ones were run against it); they go through
the public interface (HTTP, CLI) wherever the finding was reported that way.
"""

from __future__ import annotations

import io
import json
import os
import stat
import threading
import time
import zipfile

import pytest

from assetmap import store
from tests.conftest import PASSWORD, csrf_token, new_site_in_bracebridge, sign_in

SHELTER = 91  # Muskoka Interval House: confidential, in Bracebridge (demo data)


def public_texts(client, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.get_data(as_text=True)


# --- 1. no request can stall a worker -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/search?near=45,120", "/finder?near=-33.86,151.2", "/api/search?near=0,0"])
def test_search_near_a_place_outside_the_region_answers_at_once(client, path):
    start = time.monotonic()
    resp = client.get(path)
    assert time.monotonic() - start < 2
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert "outside the area this map covers (Muskoka)" in text


def test_search_stays_bounded_when_a_stored_point_is_far_away(db, client):
    # An asset saved before points were checked, with a mistyped longitude (150.3 for -79.3).
    moved = db.execute("UPDATE assets SET longitude = 150.3 WHERE name = 'Town of Bracebridge Municipal Office'")
    assert moved.rowcount == 1
    for query in ("near=P1L%201T8&language=oj", "near=P1L%201T8&category=health&limit=100", "near=Huntsville&q=zzz"):
        start = time.monotonic()
        resp = client.get(f"/api/search?{query}")
        assert resp.status_code == 200
        assert time.monotonic() - start < 2, query
    found = client.get("/api/search?near=P1L%201T8&q=municipal&limit=100").get_json()
    office = next(r for r in found["results"] if r["name"] == "Town of Bracebridge Municipal Office")
    assert office["distance_m"] > 8_000_000  # honest: its stored point is on the other side of the world


def test_points_outside_the_region_are_refused_at_save_and_import(as_role, app, runner, tmp_path):
    editor, token = as_role("editor")
    body = {"name": "Typo Park", "category": "parks", "latitude": 45.03, "longitude": 150.3}
    resp = editor.post("/api/assets", json=body, headers={"X-CSRFToken": token})
    assert resp.status_code == 400
    assert resp.get_json()["fields"]["latitude"].startswith("the point 45.03000, 150.30000 is outside the area")
    csv_path = tmp_path / "rows.csv"
    csv_path.write_text("name,category,latitude,longitude\nGood Park,parks,45.03,-79.31\nTypo Park,parks,45.03,150.3\n")
    result = runner.invoke(args=["import-assets", str(csv_path)])
    assert result.exit_code == 1
    assert "1 added" in result.output and "row 3: the point 45.03000, 150.30000 is outside" in result.output
    app.config["ALLOW_POINTS_OUTSIDE"] = True  # an admin setting lets it through
    resp = editor.post("/api/assets", json=body, headers={"X-CSRFToken": token})
    assert resp.status_code == 201


def test_twenty_hostile_searches_in_parallel_leave_healthz_answering(live):
    import urllib.request

    server = live
    db = store.open_database(server.db_path)
    db.execute("UPDATE assets SET longitude = 150.3 WHERE name = 'Town of Bracebridge Municipal Office'")
    db.close()
    try:
        queries = ["near=45,120", "near=-33.86,151.2", "near=P1L%201T8&language=oj", "near=P0B%201J0&q=zz"]
        statuses = []

        def hit(q):
            try:
                with urllib.request.urlopen(f"{server.url}/api/search?{q}", timeout=20) as r:
                    statuses.append(r.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)

        threads = [threading.Thread(target=hit, args=(queries[i % 4],)) for i in range(20)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert time.monotonic() - start < 20
        assert sorted(set(statuses)) == [200, 400] and len(statuses) == 20
        start = time.monotonic()
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as r:
            assert r.status == 200
        assert time.monotonic() - start < 2
    finally:
        db = store.open_database(server.db_path)
        db.execute("UPDATE assets SET longitude = -79.31 WHERE name = 'Town of Bracebridge Municipal Office'")
        db.close()


# --- 2. no confidential site can be located -------------------------------------------------------


def _figures(client, category: str) -> dict:
    reach = client.get(f"/api/reach?category={category}&include_imprecise=1").get_json()
    access = client.get(f"/api/access?category={category}&catchment_m=20000&include_imprecise=1").get_json()
    scenario = client.post(
        "/api/reach/scenario",
        json={"category": category, "add": [{"lon": -79.4, "lat": 45.2}], "remove": [SHELTER], "include_imprecise": 1},
    ).get_json()
    suggest = client.get(f"/api/reach/suggest?category={category}&include_imprecise=1").get_json()
    return {
        "reach": [(a["id"], a["unreached_population"], a["nearest_m"]) for a in reach["areas"]],
        "unreached": reach["unreached_population"],
        "assets": reach["assets"],
        "access": [(a["id"], a["score"], a["raw"]) for a in access["areas"]],
        "scenario": (scenario["change"], scenario["areas"], scenario["before"], scenario["after"]),
        "suggest": (suggest["site"], suggest["newly_reached"]),
    }


def test_confidential_site_with_exact_point_changes_no_public_figure(db, client):
    before = _figures(client, "social_services")
    new_site_in_bracebridge(db, confidential=1)
    after = _figures(client, "social_services")
    assert after == before
    report = client.get("/api/reach?category=social_services").get_json()
    assert report["excluded_by_precision"].get("confidential") == 5  # counted, never used or shown


@pytest.mark.parametrize(
    "path",
    [
        "/api/assets?q={town}",
        "/api/assets.csv?q={town}",
        "/api/assets.geojson?q={town}",
        "/api/search?q={town}",
        "/finder?q={town}",
        "/hsds/services?search={town}",
    ],
)
def test_text_search_never_finds_a_confidential_site_by_its_town(client, path):
    # The full names: another asset's notes mention "Chrysalis" (a garden gives it produce).
    for town, name in (("Bracebridge", "Muskoka Interval House (Muskoka"), ("Huntsville", "Chrysalis (Muskoka")):
        assert name not in public_texts(client, path.format(town=town))
    assert "Muskoka Interval House" in public_texts(client, path.format(town="Interval"))  # by its name it is


def test_correction_form_of_a_confidential_site_shows_nothing_that_locates_it(client):
    html = public_texts(client, f"/assets/{SHELTER}/suggest")
    assert "Bracebridge" not in html and 'name="postal_code"' not in html and 'name="address"' not in html
    assert 'name="phone"' in html


def test_correction_form_is_no_address_oracle(client, db):
    token = csrf_token(client, f"/assets/{SHELTER}/suggest")
    real = store.get_asset(db, SHELTER)
    resp = client.post(
        f"/assets/{SHELTER}/suggest",
        data={"csrf_token": token, "name": real["name"], "community": real["community"], "address": "guess"},
    )
    assert resp.status_code == 400  # the same answer whether the guessed town is right or wrong
    wrong = client.post(
        f"/assets/{SHELTER}/suggest", data={"csrf_token": token, "name": real["name"], "community": "Gravenhurst"}
    )
    assert wrong.status_code == 400
    assert store.count_pending_suggestions(db) == 0


def test_extra_attributes_and_external_id_of_confidential_sites_never_leave(db, client):
    db.execute(
        "UPDATE assets SET external_id = 'osm:node/987654321', extra = ? WHERE id = ?",
        [json.dumps({"osm": {"addr:street": "Secret Street"}}), SHELTER],
    )
    for path in (
        "/hsds/services?full=true&per_page=200",
        "/hsds/service_at_locations?full=true&per_page=200",
        "/api/assets.csv",
        "/api/assets.geojson",
        f"/api/assets/{SHELTER}",
        "/api/assets",
    ):
        text = public_texts(client, path)
        assert "987654321" not in text and "Secret Street" not in text, path


def test_public_assessment_never_places_a_confidential_site(client, db):
    aid = store.list_assessments(db)[0]["id"]
    row = store.get_assessment(db, aid)
    listed = {a["name"] for a in row["results"]["tables"]["assets_list"]}
    secret = {r["name"] for r in db.query("SELECT name FROM assets WHERE confidential = 1")}
    assert secret and not listed & secret
    for path in (f"/assessments/{aid}", f"/assessments/{aid}/print"):
        html = public_texts(client, path)
        assert "Interval House" not in html and "Chrysalis" not in html


def test_accepting_an_unrelated_change_keeps_a_confidential_address(db, client, as_role):
    db.execute("UPDATE assets SET address = '1 Hidden Rd' WHERE id = ?", [SHELTER])
    token = csrf_token(client, f"/assets/{SHELTER}/suggest")
    resp = client.post(
        f"/assets/{SHELTER}/suggest",
        data={"csrf_token": token, "phone": "705-555-0199", "address": "", "community": "", "postal_code": ""},
    )
    assert resp.status_code == 201
    (suggestion,) = store.list_suggestions(db, "pending")
    assert suggestion["payload"] == {"phone": "705-555-0199"}  # only what the suggester was shown
    editor, etoken = as_role("editor")
    page = editor.get(f"/moderation/{suggestion['id']}").get_data(as_text=True)
    assert 'value="1 Hidden Rd"' in page
    form = {"csrf_token": etoken, "decision": "accept", "version": store.get_asset(db, SHELTER)["version"]}
    row = store.get_asset(db, SHELTER)
    for key in ("name", "category", "address", "community", "municipality", "latitude", "longitude"):
        form[key] = "" if row[key] is None else row[key]
    form.update(phone="705-555-0199", location_precision=row["location_precision"], confidential="1")
    assert editor.post(f"/moderation/{suggestion['id']}", data=form).status_code == 302
    after = store.get_asset(db, SHELTER)
    assert (after["phone"], after["address"]) == ("705-555-0199", "1 Hidden Rd")


# --- 3. concurrent writes end in 409, never 500 ----------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory, demo_db_file):
    """One gunicorn server (2 workers) for the module's tests against a real server, with 3 editors."""
    import shutil

    from assetmap.store import users
    from tests.server import LiveServer

    tmp_path = tmp_path_factory.mktemp("live")
    path = tmp_path / "live.db"
    shutil.copy(demo_db_file, path)
    db = store.open_database(path)
    for n in range(3):
        users.create_user(db, f"editor{n}@example.org", PASSWORD, "editor", store.now_iso())
    db.close()
    server = LiveServer(path, tmp_path, gunicorn_workers=2)
    yield server
    server.stop()


def _session(server, n: int):
    from tests.server import HttpSession

    s = HttpSession(server.url)
    s.sign_in(f"editor{n}@example.org", PASSWORD)
    return s


def _json(session, path: str) -> dict:
    status, _, body = session.get(path)
    assert status == 200, (path, status)
    return json.loads(body)


def _patch(session, path: str, payload: dict) -> int:
    return session.send_json("PATCH", path, payload)[0]


def _race(calls) -> list[int]:
    statuses = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i):
        barrier.wait()
        statuses[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return statuses


def test_two_editors_saving_one_asset_get_one_success_and_one_409(live):
    a, b = _session(live, 0), _session(live, 1)
    for round_ in range(5):
        version = _json(a, "/api/assets/7")["properties"]["version"]
        statuses = _race(
            [
                lambda s=s, n=n, v=version, r=round_: _patch(
                    s, "/api/assets/7", {"version": v, "phone": f"705-555-01{r}{n}"}
                )
                for n, s in enumerate((a, b))
            ]
        )
        assert sorted(statuses) == [200, 409], statuses


def test_editor_writes_during_a_big_import_never_fail_with_500(live, tmp_path):
    importer, editor = _session(live, 0), _session(live, 1)
    rows = "\n".join(f"Bulk park {i},parks,45.{i % 900:03d},-79.{i % 700:03d}" for i in range(4000))
    status, headers, _ = importer.upload("/imports", "bulk.csv", ("name,category,latitude,longitude\n" + rows).encode())
    assert status == 302, status
    map_path = headers["Location"].replace(live.url, "")
    mapping = {"map-name": "name", "map-category": "category", "map-latitude": "latitude", "map-longitude": "longitude"}
    assert importer.post_form(map_path, mapping)[0] == 302
    job_path = map_path.rsplit("/map", 1)[0]
    statuses = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        version = _json(editor, "/api/assets/7")["properties"]["version"]
        statuses.append(_patch(editor, "/api/assets/7", {"version": version, "notes": f"n{len(statuses)}"}))
        job = _json(importer, job_path + "/status")
        if job["status"] in ("done", "failed"):
            break
    assert job["status"] == "done" and job["inserted"] == 4000, job
    assert statuses and set(statuses) == {200}


def test_an_interrupted_job_can_be_resumed_once(live):
    from assetmap.store import jobs as jobs_store

    db = store.open_database(live.db_path)
    upload = live.db_path.parent / "resume.csv"  # long enough that the first resume is still running
    upload.write_text("name,category,latitude,longitude\n" + "\n".join(
        f"Resume park {i},parks,45.{i % 900:03d},-79.{i % 700:03d}" for i in range(3000)))  # fmt: skip
    params = {
        "path": str(upload),
        "original_name": "resume.csv",
        "headers": ["name", "category", "latitude", "longitude"],
    }
    job_id = jobs_store.create_job(db, "import", params, "test")
    jobs_store.save_progress(db, job_id, status="running", owner="elsewhere:1")
    db.execute("UPDATE jobs SET updated_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", [job_id])
    db.close()
    a, b = _session(live, 0), _session(live, 1)
    a.refresh_token("/imports")
    b.refresh_token("/imports")
    statuses = _race(
        [
            lambda s=s: s.request(
                "POST", f"/imports/{job_id}/resume", b"", {"X-CSRFToken": s.token, "Accept": "application/json"}
            )[0]
            for s in (a, b)
        ]
    )
    assert sorted(statuses) == [302, 409], statuses


def test_two_moderators_accepting_one_suggestion_get_one_success_and_one_409(live):
    db = store.open_database(live.db_path)
    sid = store.add_suggestion(db, "edit", 7, {"phone": "705-555-0177"}, "", "")
    row = store.get_asset(db, 7)
    db.close()
    form = {"decision": "accept", "version": str(row["version"])}
    for key in ("name", "category", "latitude", "longitude", "location_precision", "community"):
        form[key] = "" if row[key] is None else str(row[key])
    form["phone"] = "705-555-0177"
    a, b = _session(live, 0), _session(live, 1)
    statuses = _race([lambda s=s: s.post_form(f"/moderation/{sid}", form)[0] for s in (a, b)])
    assert sorted(statuses) == [302, 409], statuses


# --- 4. other findings ------------------------------------------------------------------------------


def test_restore_never_repeats_a_data_version(app, db, runner, tmp_path):
    first = store.data_version(db)
    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    store.update_asset(db, 7, {"phone": "705-555-0100"}, "test")
    changed = store.data_version(db)
    (backup_file,) = (tmp_path / "b").glob("assetmap-*.db")
    assert runner.invoke(args=["restore", str(backup_file), "--yes"]).exit_code == 0
    restored = store.data_version(store.open_database(app.config["DATABASE"]))
    assert restored not in (first, changed)


def test_import_hsds_never_reads_outside_the_package(runner, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("id,name\nx,Secret\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "datapackage.json").write_text(
        json.dumps(
            {"resources": [{"name": "service", "path": "../secret.csv"}, {"name": "location", "path": str(secret)}]}
        )
    )
    result = runner.invoke(args=["import-hsds", str(pkg)])
    assert result.exit_code != 0
    assert "outside the package" in result.output and "Secret" not in result.output


def _xlsx_bomb(path, megabytes: int) -> None:
    """A real workbook whose sheet unpacks to `megabytes` of XML (it compresses to almost nothing)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["name", "category"])
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    filler = "<!--" + "x" * (1024 * 1024 - 7) + "-->"
    members["xl/worksheets/sheet1.xml"] = sheet.replace("<sheetData>", filler * megabytes + "<sheetData>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_an_xlsx_that_expands_hugely_is_refused_quickly(as_role, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    _xlsx_bomb(bomb, 104)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    editor, token = as_role("editor")
    start = time.monotonic()
    resp = editor.post(
        "/imports",
        data={"csrf_token": token, "file": (io.BytesIO(bomb.read_bytes()), "bomb.xlsx")},
        follow_redirects=True,
    )
    assert time.monotonic() - start < 3
    assert "unpacks to 104 MB (at most 80 MB)" in resp.get_data(as_text=True)


def test_a_huge_header_cell_is_refused_not_rendered(as_role):
    editor, token = as_role("editor")
    body = ("name," + "h" * 4_000_000 + "\nx,y\n").encode()
    resp = editor.post(
        "/imports", data={"csrf_token": token, "file": (io.BytesIO(body), "wide.csv")}, follow_redirects=True
    )
    text = resp.get_data(as_text=True)
    assert "wide.csv: row 1: a column name is longer than 200 characters" in text and len(text) < 100_000


def test_logout_ends_every_session_of_the_user(app, accounts):
    one, two = app.test_client(), app.test_client()
    sign_in(one, accounts["editor"])
    sign_in(two, accounts["editor"])
    assert two.get("/assets").status_code == 200
    one.post("/logout", data={"csrf_token": csrf_token(one, "/")})
    assert two.get("/assets").status_code == 302  # the other browser is signed out too


def test_a_password_change_by_an_admin_ends_the_users_sessions(app, db, accounts, as_role):
    victim = app.test_client()
    sign_in(victim, accounts["editor"])
    admin, token = as_role("admin")
    user = next(u for u in store.users.list_users(db) if u["email"] == accounts["editor"])
    resp = admin.post(
        f"/admin/users/{user['id']}",
        data={"csrf_token": token, "role": "editor", "active": "1", "password": "a brand new password"},
    )
    assert resp.status_code in (302, 303)
    assert victim.get("/assets").status_code == 302


def test_rate_limits_trust_exactly_n_proxies(app, client):
    app.config["TRUST_PROXY"] = 1
    app.config["RATELIMIT_ENABLED"] = True
    token = csrf_token(client)
    statuses = []
    for n in range(12):
        # A client rotating a fake leftmost address; the proxy appends the real one (203.0.113.9).
        headers = {"X-Forwarded-For": f"10.0.0.{n}, 203.0.113.9"}
        resp = client.post(
            "/login", data={"email": "x@example.org", "password": "x", "csrf_token": token}, headers=headers
        )
        statuses.append(resp.status_code)
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]


def test_ids_beyond_sqlite_integers_are_404_in_every_route(app, as_role):
    editor, _ = as_role("admin")
    big = 2**63
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule or "GET" not in rule.methods:
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", str(big))
        assert editor.get(path).status_code == 404, path


def test_a_csv_cell_over_128_kb_is_a_clear_error_and_cr_only_files_work(runner, tmp_path, db):
    big = tmp_path / "big.csv"
    big.write_text("name,category,latitude,longitude\n" + "x" * 140_000 + ",parks,45.0,-79.3\n")
    result = runner.invoke(args=["import-assets", str(big)])
    assert result.exit_code != 0 and "row 2" in result.output and "characters" in result.output
    mac = tmp_path / "mac.csv"
    mac.write_bytes(b"name,category,latitude,longitude\rCR Park,parks,45.0,-79.3\rCR Park 2,parks,45.01,-79.3\r")
    result = runner.invoke(args=["import-assets", str(mac)])
    assert result.exit_code == 0 and "2 added" in result.output


def test_deeply_nested_geojson_is_a_clear_error(runner, tmp_path):
    deep = tmp_path / "deep.geojson"
    deep.write_text('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}")
    for command in ("import-assets", "import-areas"):
        result = runner.invoke(args=[command, str(deep)])
        assert result.exit_code != 0 and "nested too deeply" in result.output, (command, result.output)


def test_reusing_an_external_id_is_a_400(as_role, db):
    editor, token = as_role("editor")
    taken = store.get_asset(db, 7)["external_id"]
    resp = editor.post(
        "/api/assets",
        json={"name": "Copy", "category": "parks", "latitude": 45.0, "longitude": -79.3, "external_id": taken},
        headers={"X-CSRFToken": token},
    )
    assert resp.status_code == 400 and "already belongs to asset 7" in resp.get_json()["error"]
    version = store.get_asset(db, 8)["version"]
    resp = editor.patch(
        "/api/assets/8", json={"version": version, "external_id": taken}, headers={"X-CSRFToken": token}
    )
    assert resp.status_code == 400


def test_uploads_of_failed_imports_are_deleted(as_role, app):
    from assetmap.services import jobs

    editor, token = as_role("editor")
    uploads = jobs.upload_dir(app.instance_path)
    before = set(uploads.iterdir())
    resp = editor.post("/imports", data={"csrf_token": token, "file": (io.BytesIO(b"\xff\xfe\x00bad"), "bad.csv")})
    assert resp.status_code == 302
    assert set(uploads.iterdir()) == before


def test_backups_are_private_and_keep_removes_leftovers(runner, tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "assetmap-20000101-000000.db-wal").write_text("stale")
    (folder / "assetmap-20000101-000000.db.partial").write_text("half")
    for _ in range(2):
        assert runner.invoke(args=["backup", str(folder), "--keep", "1"]).exit_code == 0
        time.sleep(1.1)
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 1 and kept[0].endswith(".db")
    assert stat.S_IMODE(os.stat(folder / kept[0]).st_mode) == 0o600


def test_editor_pages_are_never_cached(as_role, client):
    editor, _ = as_role("editor")
    for path in ("/assets", "/assets/7/edit", "/moderation", "/imports"):
        assert editor.get(path).headers.get("Cache-Control") == "no-store", path
    assert client.get("/").headers.get("Cache-Control") != "no-store"


def test_share_links_and_hsds_urls_use_the_base_url_not_the_host_header(app, client):
    app.config["BASE_URL"] = "https://assets.example.org"
    html = client.get("/finder/handout?ids=7", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "https://assets.example.org/finder/handout?ids=7" in html and "evil.example" not in html
    meta = client.get("/hsds/", headers={"Host": "evil.example"}).get_json()
    assert meta["openapi_url"] == "https://assets.example.org/hsds/openapi.json"


def test_handout_pdf_is_cached_per_version_and_rate_limited(app, client, db, monkeypatch):
    from app.views import finder as finder_views

    monkeypatch.setattr(finder_views, "HANDOUT_PDF_LIMIT", (4, 600))  # fewer PDFs to make before the limit
    app.config["RATELIMIT_ENABLED"] = True
    start = time.monotonic()
    first = client.get("/finder/handout.pdf?ids=7,8")
    made = time.monotonic() - start
    start = time.monotonic()
    again = client.get("/finder/handout.pdf?ids=7,8")
    assert again.data == first.data and time.monotonic() - start < made / 3
    statuses = [client.get(f"/finder/handout.pdf?ids={i}").status_code for i in range(9, 15)]
    assert statuses.count(429) >= 1 and 500 not in statuses
    assert client.get("/finder/handout.pdf?ids=7,8").status_code == 200  # a cached one is never limited


def test_patch_with_an_unknown_key_keeps_the_other_extra_attributes(as_role, db):
    db.execute("UPDATE assets SET extra = ? WHERE id = 7", [json.dumps({"osm": {"a": 1}, "keep": "me"})])
    editor, token = as_role("editor")
    version = store.get_asset(db, 7)["version"]
    resp = editor.patch("/api/assets/7", json={"version": version, "colour": "red"}, headers={"X-CSRFToken": token})
    assert resp.status_code == 400 and "unknown field(s) colour" in resp.get_json()["error"]
    resp = editor.patch(
        "/api/assets/7", json={"version": version, "extra": {"colour": "red"}}, headers={"X-CSRFToken": token}
    )
    assert resp.status_code == 200
    assert json.loads(store.get_asset(db, 7)["extra"]) == {"colour": "red", "keep": "me", "osm": {"a": 1}}


def test_geojson_coordinates_must_be_numbers(runner, tmp_path):
    path = tmp_path / "bools.geojson"
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [True, False]}, "properties": {}}
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": [{**feature, "properties": {"name": "B", "category": "parks"}}]}
        )
    )
    result = runner.invoke(args=["import-assets", str(path)])
    assert result.exit_code == 1 and "coordinates must be two numbers" in result.output
    area = tmp_path / "area.geojson"
    poly = {"type": "Polygon", "coordinates": [[[True, False], [1, 0], [1, 1], [True, False]]]}
    area.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": poly, "properties": {"id": "A"}}],
            }
        )
    )
    result = runner.invoke(args=["import-areas", str(area)])
    assert result.exit_code == 1 and "coordinates must be numbers" in result.output


def test_editors_still_find_a_confidential_site_by_its_town(as_role, client):
    """The public text index leaves out where a confidential site is; the editors' inventory (signed in)
    still finds it by town, and the public never does."""
    editor, _ = as_role("editor")
    listing = editor.get("/assets?q=Huntsville&status=all").get_data(as_text=True)
    assert "Chrysalis (Muskoka" in listing and "The Table Men" in listing
    assert "Chrysalis (Muskoka" not in public_texts(client, "/api/assets?q=Huntsville")

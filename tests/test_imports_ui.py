"""Bulk import in the browser: upload, column mapping, background job with progress, rejects CSV."""

import csv
import io
import json
import re
import time

import pytest

from assetmap import store
from assetmap.store import jobs as jobs_store

MIXED = """Site name,Type,Lat,Lng,Post code,Telephone,Notes
Good Park,parks,45.10,-79.30,,,fine
Bad Lat,parks,95,-79.3,,,
,food,45.1,-79.3,,,no name
Pantry by postcode,food,,,P1L 2B5,705-555-0100,
=HYPERLINK("http://evil"),spas,45.1,-79.3,,,
"""


def upload(client, token, name, content, mimetype="text/csv"):
    data = {
        "csrf_token": token,
        "file": (io.BytesIO(content if isinstance(content, bytes) else content.encode()), name, mimetype),
    }
    return client.post("/imports", data=data, content_type="multipart/form-data")


def wait_done(db, job_id, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = jobs_store.get_job(db, job_id)
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job['status']}")


def mapping_form(token, **columns):
    return {"csrf_token": token, **{f"map-{k}": v for k, v in columns.items()}, "source": "Coalition survey 2026"}


def test_upload_preview_map_import_and_rejects(as_role, db):
    client, token = as_role("editor")
    resp = upload(client, token, "survey.csv", MIXED)
    assert resp.status_code == 302
    job_id = int(re.search(r"/imports/(\d+)/map", resp.headers["Location"]).group(1))
    page = client.get(f"/imports/{job_id}/map").get_data(as_text=True)
    assert "5 rows" in page and '<th scope="col">Site name</th>' in page
    assert "&lt;/td&gt;" not in page and "=HYPERLINK(&#34;http://evil&#34;)" in page  # preview escapes cells
    # guessed: Lat -> latitude, Lng -> longitude (aliases); names need choosing
    assert '<option value="Lat" selected>' in page and '<option value="Lng" selected>' in page
    resp = client.post(
        f"/imports/{job_id}/map",
        data=mapping_form(
            token,
            name="Site name",
            category="Type",
            latitude="Lat",
            longitude="Lng",
            postal_code="Post code",
            phone="Telephone",
        ),
    )
    assert resp.status_code == 302
    job = wait_done(db, job_id)
    r = job["result"]
    assert (job["status"], job["done"], job["total"]) == ("done", 5, 5)
    assert (r["inserted"], r["updated"], r["unchanged"]) == (2, 0, 0)
    assert [(e["row"], e["reason"]) for e in r["errors"]] == [
        (3, "latitude 95.0 is outside -90..90"),
        (4, "name is required"),
        (
            6,
            "unknown category 'spas' (known: parks, food, transport, community_groups, health, social_services, recreation, culture, early_years)",
        ),
    ]
    assert r["precision"] == {"exact": 1, "postal_code": 1}
    pantry = next(iter(db.query("SELECT * FROM assets WHERE name = 'Pantry by postcode'")))
    assert (pantry["latitude"], pantry["source"], pantry["extra"]) == (45.039, "Coalition survey 2026", None)
    park = next(iter(db.query("SELECT extra FROM assets WHERE name = 'Good Park'")))
    assert json.loads(park["extra"]) == {"Notes": "fine"}  # an unmapped column is kept, not dropped
    assert store.asset_history(db, pantry["id"])[0]["actor"] == "import of survey.csv by editor@example.org (editor)"
    # results page and the rejected rows download (formula neutralised)
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Download the rejected rows as CSV" in page
    rejected = client.get(f"/imports/{job_id}/rejected.csv")
    rows = list(csv.reader(io.StringIO(rejected.get_data(as_text=True))))
    assert rows[0] == ["row", "reason", "Site name", "Type", "Lat", "Lng", "Post code", "Telephone", "Notes"]
    assert rows[1][:4] == ["3", "latitude 95.0 is outside -90..90", "Bad Lat", "parks"]
    assert rows[3][2] == '\'=HYPERLINK("http://evil")'
    status = client.get(f"/imports/{job_id}/status").get_json()
    assert status == {
        "id": job_id,
        "kind": "import",
        "status": "done",
        "total": 5,
        "done": 5,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 3,
        "improved": 0,
        "error": None,
    }


def test_reimport_same_file_creates_no_duplicates(as_role, db):
    client, token = as_role("editor")
    counts = []
    for _ in range(2):
        job_id = int(
            re.search(r"/imports/(\d+)/map", upload(client, token, "survey.csv", MIXED).headers["Location"]).group(1)
        )
        client.post(
            f"/imports/{job_id}/map",
            data=mapping_form(
                token, name="Site name", category="Type", latitude="Lat", longitude="Lng", postal_code="Post code"
            ),
        )
        r = wait_done(db, job_id)["result"]
        counts.append((r["inserted"], r["updated"], r["unchanged"]))
    assert counts == [(2, 0, 0), (0, 0, 2)]
    assert db["assets"].count == 151


def test_xlsx_and_geojson_uploads(as_role, db, tmp_path):
    from openpyxl import Workbook

    client, token = as_role("editor")
    wb = Workbook()
    ws = wb.active
    ws.append(["name", "category", "latitude", "longitude", "verified_date"])
    ws.append(["Sheet Park", "parks", 45.2, -79.25, None])
    ws.append(["Sheet Hall", "recreation", 45.21, -79.26, None])
    path = tmp_path / "a.xlsx"
    wb.save(path)
    job_id = int(
        re.search(
            r"/imports/(\d+)/map",
            upload(client, token, "parks.xlsx", path.read_bytes(), "application/octet-stream").headers["Location"],
        ).group(1)
    )
    client.post(
        f"/imports/{job_id}/map",
        data=mapping_form(token, name="name", category="category", latitude="latitude", longitude="longitude"),
    )
    assert wait_done(db, job_id)["result"]["inserted"] == 2
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-79.2, 45.3]},
                "properties": {"title": "Geo Garden", "kind": "parks"},
            }
        ],
    }
    job_id = int(
        re.search(r"/imports/(\d+)/map", upload(client, token, "g.geojson", json.dumps(geo)).headers["Location"]).group(
            1
        )
    )
    client.post(
        f"/imports/{job_id}/map",
        data=mapping_form(token, name="title", category="kind", latitude="latitude", longitude="longitude"),
    )
    assert wait_done(db, job_id)["result"]["inserted"] == 1
    row = next(iter(db.query("SELECT latitude, longitude FROM assets WHERE name = 'Geo Garden'")))
    assert (row["latitude"], row["longitude"]) == (45.3, -79.2)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.txt.exe", "x", "“notes.txt.exe” is not a CSV, XLSX or GeoJSON file."),
        ("broken.geojson", "{oops", "broken.geojson: not valid JSON"),
        ("empty.csv", "name,category\n", "“empty.csv” has no data rows."),
    ],
)
def test_unusable_uploads_are_explained(as_role, name, content, message):
    client, token = as_role("editor")
    resp = upload(client, token, name, content)
    assert resp.status_code == 302 and resp.headers["Location"] == "/imports"
    assert message in client.get("/imports").get_data(as_text=True).replace("&#34;", '"')


def test_upload_name_never_becomes_a_path(as_role, db, app):
    client, token = as_role("editor")
    resp = upload(client, token, "../../../../tmp/evil.csv", "name,category\nA,parks\n")
    job_id = int(re.search(r"/imports/(\d+)/map", resp.headers["Location"]).group(1))
    job = jobs_store.get_job(db, job_id)
    assert job["params"]["original_name"] == "evil.csv"
    assert re.fullmatch(r".*/instance/uploads/[0-9a-f]{32}\.csv", job["params"]["path"])


def test_oversized_upload_rejected_with_message(as_role, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    client, token = as_role("editor")
    resp = upload(client, token, "big.csv", "name,category\n" + "x,parks\n" * 500)
    assert resp.status_code == 413
    assert "The file is larger than 20 MB." in resp.get_data(as_text=True)


def test_interrupted_import_resumes_without_duplicates(as_role, db):
    client, token = as_role("editor")
    lines = ["name,category,latitude,longitude"] + [f"Bench {i},parks,45.{1000 + i},-79.3" for i in range(250)]
    job_id = int(
        re.search(
            r"/imports/(\d+)/map", upload(client, token, "benches.csv", "\n".join(lines)).headers["Location"]
        ).group(1)
    )
    # Simulate a worker killed after the first batch: rows 1-100 are saved and the heartbeat is old.
    params = dict(
        jobs_store.get_job(db, job_id)["params"],
        mapping={"name": "name", "category": "category", "latitude": "latitude", "longitude": "longitude"},
    )
    db["jobs"].update(job_id, {"params": json.dumps(params)})
    first = {k: v for k, v in jobs_store.get_job(db, job_id).items()}
    from assetmap import validation
    from assetmap.formats import asset_import, tables

    table = tables.read_table(params["path"])
    with db.atomic():
        for _, raw in table.records[:100]:
            clean, _ = validation.clean_asset(
                asset_import.apply_mapping(raw, params["mapping"]), store.list_categories(db)
            )
            store.save_asset(db, clean, actor="import")
        db["jobs"].update(
            job_id,
            {
                "status": "running",
                "done": 100,
                "total": 250,
                "updated_at": "2000-01-01T00:00:00+00:00",
                "result": json.dumps(
                    {
                        "inserted": 100,
                        "updated": 0,
                        "unchanged": 0,
                        "errors": [],
                        "warnings": [],
                        "precision": {"exact": 100},
                    }
                ),
            },
        )
    assert first["status"] == "pending"
    assert jobs_store.get_job(db, job_id)["status"] == "interrupted"
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Resume from row 101" in page
    client.post(f"/imports/{job_id}/resume", data={"csrf_token": token})
    job = wait_done(db, job_id)
    assert (job["done"], job["result"]["inserted"]) == (250, 250)
    assert db.execute("SELECT COUNT(*) FROM assets WHERE name LIKE 'Bench %'").fetchone()[0] == 250

"""Faults: kill -9 the server during a bulk import and during edits; nothing saved is lost,
no half-written rows, and interrupted imports resume."""

import json
import re
import sqlite3
import threading
import time

import pytest

from assetmap import store
from assetmap.services import jobs
from assetmap.store import jobs as jobs_store
from assetmap.store import open_database
from tests.conftest import PASSWORD
from tests.server import HttpSession, LiveServer


@pytest.fixture
def editor_db(db_path, accounts):
    """The test's database, which has the editor account (editor@example.org)."""
    return db_path


def integrity_ok(path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_kill_during_bulk_import_then_resume(editor_db, tmp_path):
    rows = 4000
    csv = "name,category,latitude,longitude\n" + "".join(
        f"Crash bench {i},parks,45.{100000 + i},-79.3\n" for i in range(rows)
    )
    server = LiveServer(editor_db, tmp_path)
    try:
        s = HttpSession(server.url)
        s.sign_in("editor@example.org", PASSWORD)
        status, headers, _ = s.upload("/imports", "benches.csv", csv.encode())
        assert status == 302
        job_id = int(re.search(r"/imports/(\d+)/map", headers["Location"]).group(1))
        s.post_form(
            f"/imports/{job_id}/map",
            {"map-name": "name", "map-category": "category", "map-latitude": "latitude", "map-longitude": "longitude"},
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            state = json.loads(s.get(f"/imports/{job_id}/status")[2])
            if state["done"] >= 300:
                break
            time.sleep(0.02)
        assert state["done"] < rows, "the import finished before it could be interrupted"
        server.kill()  # kill -9, mid-import
    finally:
        if server.proc.poll() is None:
            server.stop()

    assert integrity_ok(editor_db)
    db = open_database(editor_db)
    job = jobs_store.get_job(db, job_id)
    saved = db.execute("SELECT COUNT(*) FROM assets WHERE name LIKE 'Crash bench %'").fetchone()[0]
    assert job["status"] == "interrupted"  # its process is gone
    assert saved == job["done"] and saved % jobs.BATCH == 0  # whole batches only, matching the recorded progress
    assert db.execute("SELECT COUNT(*) FROM assets WHERE id <= 149").fetchone()[0] == 149  # nothing earlier lost
    history = db.execute(
        "SELECT COUNT(*) FROM asset_history h JOIN assets a ON a.id = h.asset_id WHERE a.name LIKE 'Crash bench %'"
    ).fetchone()[0]
    assert history == saved  # every saved row has its history row, no orphans
    db.close()

    server = LiveServer(editor_db, tmp_path)
    try:
        s = HttpSession(server.url)
        s.sign_in("editor@example.org", PASSWORD)
        page = s.get(f"/imports/{job_id}")[2].decode()
        assert f"Resume from row {saved + 1}" in page
        s.post_form(f"/imports/{job_id}/resume", {})
        deadline = time.time() + 120
        while time.time() < deadline:
            state = json.loads(s.get(f"/imports/{job_id}/status")[2])
            if state["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert state["status"] == "done" and state["done"] == rows
    finally:
        server.stop()
    db = open_database(editor_db)
    assert db.execute("SELECT COUNT(*) FROM assets WHERE name LIKE 'Crash bench %'").fetchone()[0] == rows
    db.close()
    assert integrity_ok(editor_db)


def test_kill_during_edits_leaves_whole_versions(editor_db, tmp_path):
    server = LiveServer(editor_db, tmp_path)
    s = HttpSession(server.url)
    s.sign_in("editor@example.org", PASSWORD)
    stop = threading.Event()

    def edit_loop():
        n = 0
        while not stop.is_set():
            asset_id = 1 + n % 5
            try:
                status, _, body = s.get(f"/api/assets/{asset_id}")
                version = json.loads(body)["properties"]["version"]
                s.send_json(
                    "PATCH", f"/api/assets/{asset_id}", {"version": version, "phone": f"705-555-{n % 10000:04d}"}
                )
            except OSError:  # the server is gone
                return
            n += 1

    worker = threading.Thread(target=edit_loop, daemon=True)
    try:
        worker.start()
        time.sleep(1.5)
        server.kill()
    finally:
        stop.set()
        worker.join(5)
        if server.proc.poll() is None:
            server.stop()
    assert integrity_ok(editor_db)
    db = open_database(editor_db)
    for asset_id in range(1, 6):
        row = store.get_asset(db, asset_id)
        history = store.asset_history(db, asset_id)
        # every committed version has exactly one history row, and the newest one is the row as stored
        assert row["version"] == len(history) == history[0]["version"]
        assert history[0]["after"]["phone"] == row["phone"]
    edits = db.execute("SELECT COUNT(*) FROM asset_history WHERE action = 'edit'").fetchone()[0]
    db.close()
    assert edits > 0, "no edit happened before the kill"

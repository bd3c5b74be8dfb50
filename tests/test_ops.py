"""Running it for real: health check, security headers and CSP nonces, production secret, backups."""

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app import create_app
from assetmap import store
from assetmap.store import backup, open_database

ROOT = Path(__file__).resolve().parents[1]


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["status"], body["database"], body["active_assets"]) == ("ok", "ok", 149)


def test_healthz_reports_a_broken_database(tmp_path):
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"not a database at all" * 100)
    app = create_app({"TESTING": True, "DATABASE": str(bad), "SECRET_KEY": "x"})
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503 and resp.get_json()["status"] == "error"


PAGES = [
    "/",
    "/reach?category=food",
    "/sources",
    "/suggest",
    "/login",
    "/assets/3/suggest",
    "/finder?near=P1L%201T8",
    "/finder/handout?ids=3,7",
    "/nope-404",
]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_and_every_inline_script_has_the_nonce(client, path):
    resp = client.get(path)
    assert resp.status_code == (404 if path == "/nope-404" else 200)
    h = resp.headers
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert h["X-Frame-Options"] == "DENY"
    csp = h["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", csp).group(1)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "img-src 'self' data: https://tile.openstreetmap.org" in csp
    html = resp.get_data(as_text=True)
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        if "src=" in tag or 'type="application/json"' in tag:  # data blocks never run
            continue
        assert f'nonce="{nonce}"' in tag, tag
    assert "style=" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)  # no inline style attributes


def test_api_responses_have_no_csp_but_keep_nosniff(client):
    resp = client.get("/api/categories")
    assert "Content-Security-Policy" not in resp.headers and resp.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("key", [None, "", "dev", "short-key", "a" * 40])
def test_production_refuses_weak_secret_keys(tmp_path, key):
    with pytest.raises(RuntimeError, match="ASSETMAP_SECRET_KEY must be set to a long random value"):
        create_app({"PRODUCTION": True, "SECRET_KEY": key, "DATABASE": str(tmp_path / "x.db")})


def test_production_turns_on_secure_cookies(tmp_path):
    app = create_app(
        {"PRODUCTION": True, "SECRET_KEY": "k3y-" + "0123456789abcdef" * 3, "DATABASE": str(tmp_path / "x.db")}
    )
    resp = app.test_client().get("https://localhost/login")
    assert resp.headers["Strict-Transport-Security"] == "max-age=31536000"
    # the session cookie the sign-in form sets (for its CSRF token) is HTTPS-only; see also
    # test_accounts.test_session_cookie_is_secure_when_configured for a whole sign-in
    assert "; Secure" in resp.headers["Set-Cookie"]


# --- backups -------------------------------------------------------------------------------------


def test_backup_while_writing_is_consistent(db_path, tmp_path):
    stop = threading.Event()
    written = []

    def writer():
        db = open_database(db_path)
        n = 0
        while not stop.is_set():
            store.create_asset(
                db,
                {"name": f"Writer {n}", "category": "parks", "location_precision": "none", "confidential": 0},
                "test",
            )
            written.append(n)
            n += 1
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.2)
        path = backup.backup(db_path, tmp_path / "backups")
        time.sleep(0.1)
    finally:
        stop.set()
        thread.join()
    assert written, "the writer made no changes during the backup"
    assert backup.integrity(path) == "ok"
    copy = sqlite3.connect(path)
    n_assets = copy.execute("SELECT COUNT(*) FROM assets").fetchone()[0]
    n_history = copy.execute("SELECT COUNT(*) FROM asset_history").fetchone()[0]
    writers = copy.execute("SELECT COUNT(*) FROM assets WHERE name LIKE 'Writer %'").fetchone()[0]
    creates = copy.execute("SELECT COUNT(*) FROM asset_history WHERE action = 'create'").fetchone()[0]
    copy.close()
    assert n_assets == 149 + writers and creates == writers  # each asset with its history row: a snapshot
    assert n_history == 149 + writers


def test_backup_keep_prunes_older_copies(db_path, tmp_path):
    paths = [backup.backup(db_path, tmp_path / "b", keep=2) for _ in range(3)]
    assert sorted(p.name for p in (tmp_path / "b").glob("*.db")) == sorted(p.name for p in paths[1:])


def test_restore_checks_before_replacing(db_path, tmp_path):
    good = backup.backup(db_path, tmp_path / "b")
    db = open_database(db_path)
    db.execute("DELETE FROM assets WHERE id > 100")
    assert db["assets"].count == 100
    corrupt = tmp_path / "corrupt.db"
    data = bytearray(good.read_bytes())
    data[5000:9000] = b"\xff" * 4000
    corrupt.write_bytes(bytes(data))
    not_ours = tmp_path / "other.db"
    sqlite3.connect(not_ours).execute("CREATE TABLE x (a)").connection.commit()
    for bad, reason in [
        (corrupt, ""),
        (not_ours, "not an asset map database (missing tables: _sqlite_migrations, areas, assets, categories)"),
        (tmp_path / "nope.db", "does not exist"),
    ]:
        with pytest.raises(backup.BackupError, match="cannot be restored"):
            backup.restore(bad, db_path, tmp_path / "safety")
        assert reason in backup.integrity(bad)
    assert db["assets"].count == 100  # untouched
    safety = backup.restore(good, db_path, tmp_path / "safety")
    assert db["assets"].count == 149  # the open connection sees the restored data
    assert sqlite3.connect(safety).execute("SELECT COUNT(*) FROM assets").fetchone()[0] == 100
    db.close()


def test_backup_and_restore_commands(runner, app, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 0 and "integrity ok" in result.output
    path = next((tmp_path / "b").glob("*.db"))
    bad = tmp_path / "bad.db"
    bad.write_text("garbage")
    refused = runner.invoke(args=["restore", str(bad), "--yes"])
    assert refused.exit_code == 1 and "cannot be restored: not a readable SQLite database" in refused.output
    ok = runner.invoke(args=["restore", str(path), "--yes"])
    assert ok.exit_code == 0 and "Restored" in ok.output


# --- a real WSGI server -----------------------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_with_several_workers(db_path, tmp_path):
    if shutil.which("gunicorn", path=os.path.dirname(sys.executable)) is None:
        pytest.fail("gunicorn is not installed in the test environment (scripts/test installs it)")
    port = _free_port()
    env = dict(
        os.environ,
        ASSETMAP_DATABASE=str(db_path),
        ASSETMAP_PRODUCTION="1",
        ASSETMAP_SECRET_KEY="t" + "0123456789abcdef" * 3,
    )
    proc = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        import urllib.request

        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as resp:
            assert "Secure" in resp.headers["Set-Cookie"] and "HttpOnly" in resp.headers["Set-Cookie"]
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert out.count("Booting worker") == 2
    assert re.search(r'"GET /healthz HTTP/1.1" 200', out)  # requests are logged

"""One sqlite-utils Database per request (in flask.g), taken from the thread's open connection.

Opening a connection costs statements (foreign keys, recursive triggers) on every request, so each
worker thread keeps one connection per database file and lends it to its requests in turn; at the
end of a request any transaction left open is rolled back, so the next one starts clean.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import current_app, g
from sqlite_utils import Database

from assetmap.store import migrate, open_database


def get_db() -> Database:
    """The request's database connection (the thread's own, opened on first use).

    Its queries are interrupted once the request has run for ASSETMAP_REQUEST_TIMEOUT_S, so no
    request can hold a worker thread for long (gunicorn's own --timeout does not reach a stuck
    thread of a threaded worker).
    """
    if "db" not in g:
        g.db = _thread_connection(current_app.config["DATABASE"])
        limit = float(current_app.config.get("REQUEST_TIMEOUT_S") or 0)
        if limit > 0:
            deadline = time.monotonic() + limit
            g.db.conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
    return g.db


def _thread_connection(path: str) -> Database:
    """This thread's connection to `path` for this app (kept with the app, so it goes with it)."""
    local = current_app.extensions.setdefault("assetmap_connections", threading.local())
    pool = local.__dict__.setdefault("by_path", {})
    db = pool.get(path)
    if db is None:
        db = pool[path] = open_database(path)
    return db


def close_db(_exc=None) -> None:
    """End of request: roll back what was left open and hand the connection back to the thread."""
    db = g.pop("db", None)
    if db is not None:
        db.conn.set_progress_handler(None, 0)
        if db.conn.in_transaction:
            db.conn.rollback()


def init_db(path: str | Path) -> Database:
    """Create the file's folder and apply all migrations; returns the open database."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = open_database(path)
    migrate(db)
    return db


def init_app(app) -> None:
    app.teardown_appcontext(close_db)

"""One sqlite-utils Database per request (in flask.g), closed on teardown."""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app, g
from sqlite_utils import Database

from assetmap.store import migrate, open_database


def get_db() -> Database:
    """The request's database connection, opened on first use.

    Its queries are interrupted once the request has run for ASSETMAP_REQUEST_TIMEOUT_S, so no
    request can hold a worker thread for long (gunicorn's own --timeout does not reach a stuck
    thread of a threaded worker).
    """
    if "db" not in g:
        g.db = open_database(current_app.config["DATABASE"])
        limit = float(current_app.config.get("REQUEST_TIMEOUT_S") or 0)
        if limit > 0:
            deadline = time.monotonic() + limit
            g.db.conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
    return g.db


def close_db(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db(path: str | Path) -> Database:
    """Create the file's folder and apply all migrations; returns the open database."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = open_database(path)
    migrate(db)
    return db


def init_app(app) -> None:
    app.teardown_appcontext(close_db)

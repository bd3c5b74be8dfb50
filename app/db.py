"""One sqlite-utils Database per request (in flask.g), closed on teardown."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, g
from sqlite_utils import Database

from assetmap.store import migrate, open_database


def get_db() -> Database:
    """The request's database connection, opened on first use."""
    if "db" not in g:
        g.db = open_database(current_app.config["DATABASE"])
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

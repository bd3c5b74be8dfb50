"""Connections, the one transaction rule, timestamps and the data version.

Every write goes through `transaction(db)`: it begins as a write (BEGIN IMMEDIATE), so a
read-then-write never has to upgrade its lock (which SQLite refuses at once with "database is
locked"); a busy database is waited for up to BUSY_TIMEOUT_MS. Nested calls become savepoints.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from assetmap.errors import Busy

BUSY_TIMEOUT_MS = 15_000


def open_database(path: str | Path) -> Database:
    """Open the SQLite file with the pragmas every connection needs."""
    db = Database(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000))
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return db


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """One write transaction: BEGIN IMMEDIATE (waiting while another writer holds the lock), commit
    on success, roll back on any error. Inside another transaction it is a savepoint."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise Busy("the database is busy with another change; try again in a moment") from exc
        raise
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def now_iso() -> str:
    """Current UTC time as an ISO 8601 string (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def new_epoch() -> str:
    """A random tag for a database file's timeline (see data_version)."""
    return secrets.token_hex(4)


def data_version(db: Database) -> str:
    """'<epoch>.<counter>': the counter is bumped by triggers whenever assets or areas change, and the
    epoch is new whenever a file's timeline restarts (a restored backup), so a version never repeats."""
    rows = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('data_version', 'epoch')").fetchall())
    return f"{rows.get('epoch', '0')}.{rows.get('data_version', '0')}"


def db_key(db: Database) -> str:
    """The database's file path (a key for per-database caches); asked once per connection."""
    key = getattr(db, "_assetmap_key", None)
    if key is None:
        row = db.execute("PRAGMA database_list").fetchone()
        key = db._assetmap_key = row[2] if row else str(id(db))
    return key


def get_meta(db: Database, key: str) -> str | None:
    """A value of the meta table (settings kept with the data), or None."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db: Database, key: str, value: str) -> None:
    """Set a value of the meta table."""
    with transaction(db):
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])


def sample_extent(db: Database) -> tuple[float, float, float, float] | None:
    """(minlon, minlat, maxlon, maxlat) of every area's population sample points, or None."""
    row = db.execute("SELECT MIN(longitude), MIN(latitude), MAX(longitude), MAX(latitude) FROM area_samples").fetchone()
    return None if row is None or row[0] is None else tuple(float(v) for v in row)

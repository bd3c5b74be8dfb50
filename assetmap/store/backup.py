"""Online backups and checked restores of the SQLite database. No Flask here.

`backup()` uses SQLite's backup API, which copies a consistent snapshot while the app keeps
serving reads and writes. `restore()` checks the file (`PRAGMA integrity_check` and our tables)
before anything is replaced, keeps a copy of the current database first, and copies the backup
in through the same API (so open connections see the restored data, not a half-written file).
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from assetmap.store.db import open_database
from assetmap.store.derived import restart_timeline

REQUIRED_TABLES = {"assets", "categories", "areas", "_sqlite_migrations"}


class BackupError(RuntimeError):
    """A backup could not be made or a file cannot be restored (the message says why)."""


def integrity(path: str | Path) -> str:
    """'ok', or what PRAGMA integrity_check reports (or why the file cannot be read)."""
    path = Path(path)
    if not path.exists():
        return f"{path} does not exist"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"not a readable SQLite database ({exc})"
    result = "; ".join(r[0] for r in rows)
    if result != "ok":
        return result
    missing = REQUIRED_TABLES - tables
    if missing:
        return f"not an asset map database (missing tables: {', '.join(sorted(missing))})"
    return "ok"


def _copy(src: sqlite3.Connection, dst: sqlite3.Connection, progress=None) -> None:
    def report(status, remaining, total):
        if progress:
            progress(total - remaining, total)

    src.backup(dst, pages=256, progress=report, sleep=0.0)


def backup(db_path: str | Path, directory: str | Path, progress=None, keep: int | None = None) -> Path:
    """Copy the live database into directory/assetmap-YYYYmmdd-HHMMSS.db and check the copy."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    final = directory / f"assetmap-{stamp}.db"
    n = 1
    while final.exists():
        final = directory / f"assetmap-{stamp}-{n}.db"
        n += 1
    partial = final.with_suffix(".db.partial")
    # Backups hold editors' accounts and confidential addresses: readable by the owner only.
    partial.touch(mode=0o600)
    os.chmod(partial, 0o600)
    src = sqlite3.connect(str(db_path), timeout=30)
    dst = sqlite3.connect(str(partial))
    try:
        _copy(src, dst, progress)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file: no -wal/-shm beside it
    finally:
        dst.close()
        src.close()
    check = integrity(partial)
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {check}")
    partial.rename(final)
    os.chmod(final, 0o600)
    if keep:
        # Newest by modification time (names tie within one second).
        for old in sorted(directory.glob("assetmap-*.db"), key=lambda p: p.stat().st_mtime_ns)[:-keep]:
            old.unlink()
        kept = {p.name for p in directory.glob("assetmap-*.db")}
        for leftover in [*directory.glob("assetmap-*-wal"), *directory.glob("assetmap-*-shm")]:
            if leftover.name.rsplit("-", 1)[0] not in kept:
                leftover.unlink(missing_ok=True)
        for partial_file in directory.glob("assetmap-*.db.partial"):
            if partial_file != partial:
                partial_file.unlink(missing_ok=True)
    return final


def restore(backup_file: str | Path, db_path: str | Path, safety_dir: str | Path, progress=None) -> Path:
    """Replace the database's contents with a checked backup; returns the safety copy of the old one."""
    check = integrity(backup_file)
    if check != "ok":
        raise BackupError(f"{backup_file} cannot be restored: {check}. Nothing was changed.")
    safety = backup(db_path, safety_dir) if Path(db_path).exists() else None
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(str(db_path), timeout=30)
    try:
        _copy(src, dst, progress)
    finally:
        src.close()
        dst.close()
    after = integrity(db_path)
    if after != "ok":  # pragma: no cover - the backup API either completes or raises
        raise BackupError(f"the restored database failed its check ({after}); the previous one is in {safety}")
    # A new timeline: data versions (and every cache keyed on them) never repeat an abandoned one.
    db = open_database(db_path)
    try:
        restart_timeline(db)
    finally:
        db.close()
    return safety

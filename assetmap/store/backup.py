"""Online backups and checked restores of the SQLite database. No Flask here.

`backup()` uses SQLite's backup API, which copies a consistent snapshot while the app keeps
serving reads and writes. `restore()` checks the file (`PRAGMA integrity_check` and our tables)
before anything is replaced, keeps a copy of the current database first, and copies the backup
in through the same API (so open connections see the restored data, not a half-written file).

Road networks live in files beside the database (store.travel.network_folder_for); a backup copies
the ones its snapshot names into the same place beside the copy (`assetmap-STAMP-networks/`), and a
restore brings them back before the rows that name them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from assetmap.store.db import open_database
from assetmap.store.derived import restart_timeline
from assetmap.store.travel import network_folder_for

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


def _networks(db_path: str | Path) -> list[tuple[str, str]]:
    """(mode, file) of every road network a database names (travel_sources rows of kind 'network')."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'travel_sources'").fetchone():
            return []
        sql = "SELECT mode, file FROM travel_sources WHERE kind = 'network' AND file IS NOT NULL ORDER BY mode"
        return [(r[0], r[1]) for r in conn.execute(sql)]
    finally:
        conn.close()


def network_files(db_path: str | Path) -> list[str]:
    """The road network files a database names."""
    return [name for _, name in _networks(db_path)]


def _copy_networks(names: list[str], source: Path, target: Path) -> None:
    """Copy network files by name from one networks folder to another (each whole, or not at all)."""
    if not names:
        return
    target.mkdir(mode=0o700, exist_ok=True)
    for name in names:
        if not (source / name).exists():
            raise BackupError(f"the road network file {source / name} is missing")
        partial = target / f"{name}.partial"
        shutil.copyfile(source / name, partial)
        partial.replace(target / name)


def missing_networks(db_path: str | Path) -> list[tuple[str, str]]:
    """(mode, file) of the networks the database names that are not in its networks folder."""
    folder = network_folder_for(db_path)
    return [(mode, name) for mode, name in _networks(db_path) if not (folder / name).exists()]


def backup(db_path: str | Path, directory: str | Path, progress=None, keep: int | None = None) -> Path:
    """Copy the live database into directory/assetmap-YYYYmmdd-HHMMSS.db and check the copy; the road
    networks it names go to assetmap-YYYYmmdd-HHMMSS-networks/ beside it."""
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
    try:  # the files the snapshot names (a network import meanwhile keeps its old file until it commits)
        _copy_networks(network_files(partial), network_folder_for(db_path), network_folder_for(final))
    except (OSError, BackupError) as exc:
        partial.unlink(missing_ok=True)
        shutil.rmtree(network_folder_for(final), ignore_errors=True)
        raise BackupError(f"the road networks could not be copied ({exc}); run the backup again") from None
    partial.rename(final)
    os.chmod(final, 0o600)
    if keep:
        # Newest by modification time (names tie within one second).
        for old in sorted(directory.glob("assetmap-*.db"), key=lambda p: p.stat().st_mtime_ns)[:-keep]:
            old.unlink()
            shutil.rmtree(network_folder_for(old), ignore_errors=True)
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
    # The networks first, so no restored row ever names a file that is not there yet.
    live = network_folder_for(db_path)
    carried = [n for n in network_files(backup_file) if (network_folder_for(backup_file) / n).exists()]
    _copy_networks(carried, network_folder_for(backup_file), live)
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
    # Files only the replaced database named are in the safety copy's networks: not kept twice.
    if safety is not None and live.is_dir():
        named = set(network_files(db_path))
        for path in live.iterdir():
            if path.name not in named and (network_folder_for(safety) / path.name).exists():
                path.unlink()
    return safety

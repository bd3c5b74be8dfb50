"""Travel times kept with the place: routing engines' matrices (rows in SQLite) and road networks
(a .npz file beside the database, described by a row).

Tables (migration set "travel"):

- `travel_sources`: one row per loaded source, key (kind, mode); kind is 'matrix' or 'network'.
  label, source (file name), imported_at (UTC ISO), unit, file (networks: the .npz's name in
  network_folder()), counts and details (JSON). Any change to it bumps the data version, so every
  cached analysis goes stale by itself.
- `travel_times`: (mode, area_id, asset_id, minutes), reachable pairs only.
- `travel_time_areas` / `travel_time_assets`: which areas had a row and which assets a column in
  the file, so "not in the matrix" (excluded, reported) stays distinct from "unreachable".

Replacing a mode is one transaction: the old rows go and the new ones come, or nothing changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database, Migrations

from assetmap.store.db import db_key, transaction

migrations = Migrations("travel")
KINDS = ("matrix", "network")

# The same rule as the core tables' triggers (store.schema): a change bumps the data version.
_VERSION_TRIGGER = """
CREATE TRIGGER travel_sources_version_{op} AFTER {event} ON travel_sources
BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'; END;
"""


@migrations()
def m001_travel(db: Database) -> None:
    db["travel_sources"].create(
        {
            "kind": str,
            "mode": str,
            "label": str,
            "source": str,
            "imported_at": str,
            "unit": str,
            "file": str,
            "counts": str,
            "details": str,
        },
        pk=("kind", "mode"),
        not_null={"kind", "mode", "imported_at"},
    )
    db["travel_times"].create(
        {"mode": str, "area_id": str, "asset_id": int, "minutes": float},
        pk=("mode", "area_id", "asset_id"),
        not_null={"minutes"},
    )
    db["travel_time_areas"].create({"mode": str, "area_id": str}, pk=("mode", "area_id"))
    db["travel_time_assets"].create({"mode": str, "asset_id": int}, pk=("mode", "asset_id"))
    for op, event in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE")):
        db.execute(_VERSION_TRIGGER.format(op=op, event=event))


def _decode(row: dict) -> dict:
    out = dict(row)
    for key in ("counts", "details"):
        out[key] = json.loads(out[key]) if out.get(key) else {}
    return out


def travel_sources(db: Database) -> list[dict]:
    """Every loaded source (matrices first, then networks; by mode), counts and details decoded."""
    rows = db.query("SELECT * FROM travel_sources ORDER BY kind, mode")
    return [_decode(r) for r in rows]


def travel_source(db: Database, kind: str, mode: str) -> dict | None:
    """The loaded source of a kind for a mode, or None."""
    rows = list(db.query("SELECT * FROM travel_sources WHERE kind = ? AND mode = ?", [kind, mode]))
    return _decode(rows[0]) if rows else None


def _source_row(kind: str, mode: str, source: dict) -> dict:
    return {
        "kind": kind,
        "mode": mode,
        "label": source.get("label") or "",
        "source": source.get("source") or "",
        "imported_at": source["imported_at"],
        "unit": source.get("unit") or "",
        "file": source.get("file") or "",
        "counts": json.dumps(source.get("counts") or {}, sort_keys=True),
        "details": json.dumps(source.get("details") or {}, sort_keys=True, ensure_ascii=False),
    }


def replace_matrix(
    db: Database,
    mode: str,
    source: dict,
    area_ids: Iterable[str],
    asset_ids: Iterable[int],
    pairs: Iterable[tuple[str, int, float]],
) -> None:
    """Replace a mode's matrix in one transaction: its source row, the areas and assets the file
    covered, and the reachable (area_id, asset_id, minutes) pairs."""
    with transaction(db):
        for table in ("travel_times", "travel_time_areas", "travel_time_assets"):
            db.execute(f"DELETE FROM {table} WHERE mode = ?", [mode])
        db.execute("DELETE FROM travel_sources WHERE kind = 'matrix' AND mode = ?", [mode])
        db["travel_time_areas"].insert_all(({"mode": mode, "area_id": a} for a in area_ids), batch_size=5000)
        db["travel_time_assets"].insert_all(({"mode": mode, "asset_id": a} for a in asset_ids), batch_size=5000)
        db["travel_times"].insert_all(
            ({"mode": mode, "area_id": a, "asset_id": j, "minutes": m} for a, j, m in pairs), batch_size=5000
        )
        db["travel_sources"].insert(_source_row("matrix", mode, source))


def replace_network(db: Database, mode: str, source: dict) -> str | None:
    """Point a mode's network row at a new .npz (one transaction); returns the file it replaced, if any."""
    with transaction(db):
        old = travel_source(db, "network", mode)
        db.execute("DELETE FROM travel_sources WHERE kind = 'network' AND mode = ?", [mode])
        db["travel_sources"].insert(_source_row("network", mode, source))
    return old["file"] if old and old["file"] != source.get("file") else None


def remove_source(db: Database, kind: str, mode: str) -> dict | None:
    """Forget a loaded source (and a matrix's rows); returns the row removed, or None."""
    with transaction(db):
        old = travel_source(db, kind, mode)
        if kind == "matrix":
            for table in ("travel_times", "travel_time_areas", "travel_time_assets"):
                db.execute(f"DELETE FROM {table} WHERE mode = ?", [mode])
        db.execute("DELETE FROM travel_sources WHERE kind = ? AND mode = ?", [kind, mode])
    return old


def matrix_pairs(db: Database, mode: str) -> list[tuple[str, int, float]]:
    """(area_id, asset_id, minutes) of a mode's reachable pairs."""
    return db.execute("SELECT area_id, asset_id, minutes FROM travel_times WHERE mode = ?", [mode]).fetchall()


def matrix_area_ids(db: Database, mode: str) -> set[str]:
    """Areas that had a row in a mode's matrix file."""
    return {r[0] for r in db.execute("SELECT area_id FROM travel_time_areas WHERE mode = ?", [mode])}


def matrix_asset_ids(db: Database, mode: str) -> set[int]:
    """Assets that had a column in a mode's matrix file."""
    return {r[0] for r in db.execute("SELECT asset_id FROM travel_time_assets WHERE mode = ?", [mode])}


def area_names(db: Database) -> list[tuple[str, str, str]]:
    """(id, name, level) of every area, for matching a matrix's origins."""
    return db.execute("SELECT id, name, level FROM areas ORDER BY level, id").fetchall()


def active_asset_names(db: Database) -> list[tuple[int, str, str | None]]:
    """(id, name, external_id) of active assets, for matching a matrix's destinations."""
    return db.execute("SELECT id, name, external_id FROM assets WHERE status = 'active' ORDER BY id").fetchall()


def network_folder(db: Database) -> Path:
    """Where a database's networks are kept: `<database name>-networks/` beside the database file
    (instance/ by default), so a network stays with the place it was clipped to."""
    return network_folder_for(db_key(db))


def network_folder_for(db_path: str | Path) -> Path:
    """network_folder() of the database file at db_path (a backup's networks lie beside it the same way)."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}-networks")

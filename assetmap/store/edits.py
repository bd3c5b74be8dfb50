"""Changing assets, each change recorded in the asset's history (who, when, before and after).

Every function here runs in one write transaction (store.db.transaction). Only the fields a
change names are touched: a form that does not show a field never clears it.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from assetmap import fields
from assetmap.errors import Conflict, InvalidParameter, NotFound
from assetmap.store.assets import find_matching_asset, get_asset, id_for_external_id
from assetmap.store.db import now_iso, transaction

EDITABLE = frozenset(fields.NAMES) | {"status", "extra"}


def snapshot(row: dict) -> dict:
    """The fields, status and extra attributes of an asset row (what history records)."""
    out = {k: row.get(k) for k in fields.NAMES}
    out["status"] = row.get("status")
    out["extra"] = row.get("extra")
    return out


def record_change(
    db: Database, asset_id: int, version: int, action: str, actor: str, before, after, note: str = ""
) -> None:
    """Append one history row (call inside the transaction that made the change)."""
    db["asset_history"].insert(
        {
            "asset_id": asset_id,
            "version": version,
            "action": action,
            "actor": actor,
            "at": now_iso(),
            "before": json.dumps(before, ensure_ascii=False, sort_keys=True) if before is not None else None,
            "after": json.dumps(after, ensure_ascii=False, sort_keys=True) if after is not None else None,
            "note": note,
        }
    )


def _changed(existing: dict, values: dict) -> dict:
    """Fields whose value differs (treating None and '' alike)."""
    return {
        k: v
        for k, v in values.items()
        if existing.get(k) != v and not (v in (None, "") and existing.get(k) in (None, ""))
    }


def _stored_values(values: dict) -> dict:
    out = {k: v for k, v in values.items() if k in EDITABLE}
    if isinstance(out.get("extra"), dict):
        out["extra"] = json.dumps(out["extra"], ensure_ascii=False, sort_keys=True) if out["extra"] else None
    return out


def _check_external_id(db: Database, external_id: str | None, asset_id: int | None) -> None:
    other = id_for_external_id(db, external_id)
    if other is not None and other != asset_id:
        raise InvalidParameter(f"external_id {external_id!r} already belongs to asset {other}")


def create_asset(db: Database, values: dict, actor: str, action: str = "create", note: str = "") -> int:
    """Insert a new active asset and record it; returns its id."""
    record = _stored_values(values)
    record.pop("status", None)
    stamp = now_iso()
    record.update(created_at=stamp, updated_at=stamp, status="active", version=1)
    with transaction(db):
        _check_external_id(db, record.get("external_id"), None)
        db["assets"].insert(record)
        asset_id = int(db.execute("SELECT last_insert_rowid()").fetchone()[0])
        record_change(db, asset_id, 1, action, actor, None, snapshot(get_asset(db, asset_id)), note)
    return asset_id


def check_version(kind: str, record_id, row: dict, expected_version: int | None) -> None:
    """Optimistic locking: raise Conflict (carrying the stored row) when the row moved past the
    version the person's form was loaded at. None means the caller does not lock."""
    if expected_version is not None and row["version"] != expected_version:
        raise Conflict(
            f"{kind} {record_id} was changed by someone else (now version {row['version']}, "
            f"your form was version {expected_version})",
            row,
        )


def update_asset(
    db: Database,
    asset_id: int,
    values: dict,
    actor: str,
    expected_version: int | None = None,
    action: str = "edit",
    note: str = "",
) -> tuple[bool, dict]:
    """Change the named fields of an asset. Returns (changed?, the stored row).

    With expected_version (the version the editor's form was loaded at), a save over somebody
    else's newer change raises Conflict carrying the current row: nothing is merged silently.
    """
    values = _stored_values(values)
    with transaction(db):
        existing = get_asset(db, asset_id)
        check_version("asset", asset_id, existing, expected_version)
        changed = _changed(existing, values)
        if not changed:
            return False, existing
        if "external_id" in changed:
            _check_external_id(db, changed["external_id"], asset_id)
        new_version = existing["version"] + 1
        changed.update(updated_at=now_iso(), version=new_version)
        sets = ", ".join(f'"{k}" = ?' for k in changed)
        db.execute(f"UPDATE assets SET {sets} WHERE id = ?", [*changed.values(), asset_id])
        stored = get_asset(db, asset_id)
        record_change(db, asset_id, new_version, action, actor, snapshot(existing), snapshot(stored), note)
    return True, stored


def save_asset(db: Database, record: dict, actor: str = "system", action: str = "import") -> tuple[str, int]:
    """Insert a record, or update the asset it duplicates. Returns (inserted|updated|unchanged, id).

    A record with an "extra" key (a dict, or None) replaces the stored extra attributes; without
    the key they are left alone. Blank locating fields never erase a confidential site's location:
    public exports withhold it, so re-importing one must not wipe it.
    """
    values = {k: record[k] for k in EDITABLE if k in record and k != "status"}
    if "extra" in record:
        values["extra"] = record["extra"] or None
    with transaction(db):
        existing = find_matching_asset(db, values)
        if existing is None:
            return "inserted", create_asset(db, values, actor, action=action)
        if existing["confidential"]:
            for name in fields.LOCATING:
                if values.get(name) in (None, "", "none") and name in values:
                    del values[name]
            if not values.get("extra"):
                values.pop("extra", None)
        if existing["status"] != "active":
            values["status"] = "active"  # re-importing an archived asset brings it back, recorded
        changed, _ = update_asset(db, existing["id"], values, actor, action=action)
    return ("updated" if changed else "unchanged"), existing["id"]


def archive_asset(db: Database, asset_id: int, actor: str, expected_version: int | None = None, note: str = "") -> dict:
    """Take an asset off the map and lists (deleting archives; nothing is lost)."""
    return update_asset(db, asset_id, {"status": "archived"}, actor, expected_version, action="archive", note=note)[1]


def unarchive_asset(db: Database, asset_id: int, actor: str) -> dict:
    """Put an archived asset back on the map and lists."""
    return update_asset(db, asset_id, {"status": "active"}, actor, action="unarchive")[1]


def asset_history(db: Database, asset_id: int) -> list[dict]:
    """History rows of an asset, newest first, with before/after decoded and the changed fields."""
    rows = list(db.query("SELECT * FROM asset_history WHERE asset_id = ? ORDER BY id DESC", [asset_id]))
    for row in rows:
        before = json.loads(row["before"]) if row["before"] else {}
        after = json.loads(row["after"]) if row["after"] else {}
        row["before"], row["after"] = before, after
        row["changes"] = [
            {"field": k, "previous_value": before.get(k), "replacement_value": after.get(k)}
            for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k) and not (before.get(k) in (None, "") and after.get(k) in (None, ""))
        ]
    return rows


def restore_version(db: Database, asset_id: int, version: int, actor: str, expected_version: int | None = None) -> dict:
    """Make an earlier version current again (recorded as a new version)."""
    rows = list(
        db.query(
            "SELECT after FROM asset_history WHERE asset_id = ? AND version = ? ORDER BY id DESC LIMIT 1",
            [asset_id, version],
        )
    )
    if not rows or not rows[0]["after"]:
        raise NotFound(f"asset {asset_id} has no version {version}")
    values = json.loads(rows[0]["after"])
    return update_asset(
        db, asset_id, values, actor, expected_version, action="restore", note=f"restored version {version}"
    )[1]


def purge_asset(db: Database, asset_id: int, actor: str, note: str = "") -> None:
    """Delete an asset for good (admins only); its history keeps a final 'purge' row."""
    with transaction(db):
        existing = get_asset(db, asset_id)
        db.execute("DELETE FROM assets WHERE id = ?", [asset_id])
        db.execute("DELETE FROM asset_access_points WHERE asset_id = ?", [asset_id])
        record_change(db, asset_id, existing["version"] + 1, "purge", actor, snapshot(existing), None, note)

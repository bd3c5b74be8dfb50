"""Recording a change of a record in its history table (who, when, what kind, before and after).

Assets and assessments keep their history in tables of the same shape (`asset_history`,
`assessment_history`, created by their migrations); the record a row belongs to is named by an owner
column (`asset_id`, `assessment_id`).
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from assetmap.store.db import now_iso


def create_history_table(db: Database, table: str, owner: str) -> None:
    """Create a history table whose rows belong to records named by `owner` (migrations call this).

    Migrations that ran once must make the same table forever: never change this shape here; a new
    column is a new migration.
    """
    db[table].create(
        {
            "id": int,
            owner: int,
            "version": int,
            "action": str,
            "actor": str,
            "at": str,
            "before": str,
            "after": str,
            "note": str,
        },
        pk="id",
        not_null={owner, "action", "actor", "at"},
    )
    db[table].create_index([owner, "id"])


def append_history(
    db: Database, table: str, owner: str, owner_id: int, version: int, action: str, actor: str, before, after, note=""
) -> None:
    """Append one history row, before/after as JSON (call inside the transaction that made the change)."""
    db[table].insert(
        {
            owner: owner_id,
            "version": version,
            "action": action,
            "actor": actor,
            "at": now_iso(),
            "before": json.dumps(before, ensure_ascii=False, sort_keys=True) if before is not None else None,
            "after": json.dumps(after, ensure_ascii=False, sort_keys=True) if after is not None else None,
            "note": note,
        }
    )

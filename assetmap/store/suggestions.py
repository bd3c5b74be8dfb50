"""Public suggestions (a missing asset, or a correction) waiting for an editor, and their outcome."""

from __future__ import annotations

import json

from sqlite_utils import Database

from assetmap.errors import Conflict, NotFound
from assetmap.store.db import now_iso, transaction

STATUSES = ("pending", "accepted", "rejected")


def add_suggestion(db: Database, kind: str, asset_id: int | None, payload: dict, message: str, contact: str) -> int:
    """Store a suggestion ('new' or 'edit' of asset_id) as pending; returns its id."""
    with transaction(db):
        db["suggestions"].insert(
            {
                "kind": kind,
                "asset_id": asset_id,
                "payload": json.dumps(payload, ensure_ascii=False),
                "message": message,
                "contact": contact,
                "status": "pending",
                "created_at": now_iso(),
            }
        )
        return int(db.execute("SELECT last_insert_rowid()").fetchone()[0])


def _decoded(row: dict) -> dict:
    row["payload"] = json.loads(row["payload"])
    return row


def get_suggestion(db: Database, suggestion_id: int) -> dict:
    """One suggestion with its payload decoded; raises NotFound."""
    rows = list(db.query("SELECT * FROM suggestions WHERE id = ?", [suggestion_id]))
    if not rows:
        raise NotFound(f"no suggestion {suggestion_id}")
    return _decoded(rows[0])


def list_suggestions(db: Database, status: str, limit: int = 200) -> list[dict]:
    """Suggestions of a status, newest first."""
    return [
        _decoded(r)
        for r in db.query("SELECT * FROM suggestions WHERE status = ? ORDER BY id DESC LIMIT ?", [status, limit])
    ]


def count_pending(db: Database) -> int:
    """Number of suggestions waiting for an editor."""
    return db.execute("SELECT COUNT(*) FROM suggestions WHERE status = 'pending'").fetchone()[0]


def decide(
    db: Database,
    suggestion_id: int,
    status: str,
    actor: str,
    *,
    reason: str = "",
    result_asset_id: int | None = None,
) -> None:
    """Mark a pending suggestion accepted or rejected. Raises Conflict when someone decided it first
    (call inside the transaction that applied it, so the loser's change is rolled back too)."""
    with transaction(db):
        row = db.execute("SELECT status FROM suggestions WHERE id = ?", [suggestion_id]).fetchone()
        if row is None:
            raise NotFound(f"no suggestion {suggestion_id}")
        if row[0] != "pending":
            raise Conflict(f"suggestion {suggestion_id} was already {row[0]} by someone else")
        db["suggestions"].update(
            suggestion_id,
            {
                "status": status,
                "reason": reason[:2000] or None,
                "reviewed_by": actor,
                "reviewed_at": now_iso(),
                "result_asset_id": result_asset_id,
            },
        )

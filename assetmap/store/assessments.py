"""Needs assessment runs: immutable computed results, an editable narrative, and its history."""

from __future__ import annotations

import json

from sqlite_utils import Database, Migrations

from assetmap.errors import Conflict, NotFound
from assetmap.store.db import now_iso, transaction
from assetmap.store.history import append_history, create_history_table

migrations = Migrations("assessments")


@migrations()
def m001_assessments(db: Database) -> None:
    db["assessments"].create(
        {
            "id": int,
            "external_id": str,  # set for the demo run, so load-demo never duplicates it
            "title": str,
            "geography": str,  # JSON definition: {"kind": ..., ...}
            "geography_key": str,  # canonical JSON of the definition: runs of the same place share it
            "geography_label": str,
            "run_date": str,  # ISO date the run's values describe
            "parameters": str,  # JSON
            "template_name": str,
            "template_version": str,
            "results": str,  # JSON snapshot of computed values (never changed after the run)
            "narrative": str,  # JSON of editable fields, incl. manual values
            "version": int,
            "created_at": str,
            "created_by": str,
            "updated_at": str,
            "updated_by": str,
        },
        pk="id",
        not_null={"title", "geography", "geography_key", "run_date", "results", "narrative", "version"},
        defaults={"version": 1},
    )
    db["assessments"].create_index(["external_id"], unique=True)
    db["assessments"].create_index(["geography_key", "template_name", "run_date"])
    create_history_table(db, "assessment_history", "assessment_id")


def _record(db: Database, assessment_id: int, version: int, action: str, actor: str, before, after, note="") -> None:
    append_history(
        db, "assessment_history", "assessment_id", assessment_id, version, action, actor, before, after, note
    )


def insert_assessment(db: Database, record: dict, actor: str, note: str) -> int:
    """Store a new run (its narrative recorded as version 1); returns its id."""
    stamp = now_iso()
    record = {
        **record,
        "version": 1,
        "created_at": stamp,
        "created_by": actor,
        "updated_at": stamp,
        "updated_by": actor,
    }
    with transaction(db):
        db["assessments"].insert(record)
        new_id = int(db.execute("SELECT last_insert_rowid()").fetchone()[0])
        _record(db, new_id, 1, "run", actor, None, json.loads(record["narrative"]), note)
    return new_id


def assessment_id_for(db: Database, external_id: str) -> int | None:
    """The id of the run with this external id (the demo's), if stored."""
    row = db.execute("SELECT id FROM assessments WHERE external_id = ?", [external_id]).fetchone()
    return row[0] if row else None


def get_assessment(db: Database, assessment_id: int) -> dict:
    """One assessment with its JSON columns decoded; NotFound when absent."""
    rows = list(db.query("SELECT * FROM assessments WHERE id = ?", [assessment_id]))
    if not rows:
        raise NotFound(f"no assessment with id {assessment_id}")
    row = rows[0]
    for key in ("geography", "parameters", "results", "narrative"):
        row[key] = json.loads(row[key])
    return row


def list_assessments(db: Database) -> list[dict]:
    """Saved assessments, newest run first (without their results)."""
    return list(
        db.query(
            "SELECT id, title, geography_label, run_date, template_name, template_version, created_by, updated_at, "
            "version FROM assessments ORDER BY run_date DESC, id DESC"
        )
    )


def previous_run(db: Database, row: dict) -> dict | None:
    """The latest earlier run of the same geography with the same template, or None."""
    rows = list(
        db.query(
            "SELECT id FROM assessments WHERE geography_key = ? AND template_name = ? AND id != ? "
            "AND (run_date < ? OR (run_date = ? AND id < ?)) ORDER BY run_date DESC, id DESC LIMIT 1",
            [row["geography_key"], row["template_name"], row["id"], row["run_date"], row["run_date"], row["id"]],
        )
    )
    return get_assessment(db, rows[0]["id"]) if rows else None


def set_narrative(
    db: Database, assessment_id: int, base: dict, new: dict, actor: str, expected_version: int | None
) -> tuple[bool, dict]:
    """Replace the narrative computed from `base` (the row read by the caller) by `new`.

    Raises Conflict when the stored row moved past expected_version, or past `base`'s version
    since the caller read it: nothing is merged silently.
    """
    with transaction(db):
        row = get_assessment(db, assessment_id)
        for version in (expected_version, base["version"]):
            if version is not None and row["version"] != version:
                raise Conflict(
                    f"assessment {assessment_id} was changed by someone else (now version {row['version']}, "
                    f"your form was version {version})",
                    row,
                )
        if new == row["narrative"]:
            return False, row
        version = row["version"] + 1
        db.execute(
            "UPDATE assessments SET narrative = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ?",
            [json.dumps(new, ensure_ascii=False, sort_keys=True), version, now_iso(), actor, assessment_id],
        )
        _record(db, assessment_id, version, "edit", actor, row["narrative"], new)
    return True, get_assessment(db, assessment_id)


def history_rows(db: Database, assessment_id: int) -> list[dict]:
    """History rows of an assessment, newest first, before/after decoded."""
    rows = list(db.query("SELECT * FROM assessment_history WHERE assessment_id = ? ORDER BY id DESC", [assessment_id]))
    for row in rows:
        row["before"] = json.loads(row["before"]) if row["before"] else {}
        row["after"] = json.loads(row["after"]) if row["after"] else {}
    return rows

"""Rows of long-running jobs (imports, geocoding): parameters, progress, result, owner process.

A job whose owner process is gone, or whose heartbeat (updated_at) is older than STALE_AFTER_S
while 'running', was interrupted and can be resumed; `claim_job` lets exactly one request do so.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime

from sqlite_utils import Database

from assetmap.errors import Conflict, NotFound
from assetmap.store.db import now_iso, transaction

STALE_AFTER_S = 120


def create_job(db: Database, kind: str, params: dict, created_by: str) -> int:
    """A pending job; returns its id."""
    stamp = now_iso()
    with transaction(db):
        db["jobs"].insert(
            {
                "kind": kind,
                "status": "pending",
                "total": 0,
                "done": 0,
                "params": json.dumps(params),
                "result": json.dumps({}),
                "created_by": created_by,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        return int(db.execute("SELECT last_insert_rowid()").fetchone()[0])


def _effective(job: dict) -> dict:
    job["params"] = json.loads(job["params"] or "{}")
    job["result"] = json.loads(job["result"] or "{}")
    if job["status"] == "running" and (not owner_alive(job.get("owner")) or _age_s(job) > STALE_AFTER_S):
        job["status"] = "interrupted"
    return job


def get_job(db: Database, job_id: int) -> dict:
    """A job with params and result decoded; a dead 'running' job reads as 'interrupted'."""
    rows = list(db.query("SELECT * FROM jobs WHERE id = ?", [job_id]))
    if not rows:
        raise NotFound(f"no job {job_id}")
    return _effective(rows[0])


def owner() -> str:
    """host:pid of this process (the owner of the jobs it runs)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(job_owner: str | None) -> bool:
    """False when the job's process, on this host, no longer exists (killed, crashed, restarted)."""
    if not job_owner or ":" not in job_owner:
        return True  # unknown: rely on the heartbeat
    host, _, pid = job_owner.rpartition(":")
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


def _age_s(job: dict) -> float:
    return (datetime.now(UTC) - datetime.fromisoformat(job["updated_at"])).total_seconds()


def list_jobs(db: Database, kind: str | None = None, limit: int = 20) -> list[dict]:
    """The newest jobs (of a kind)."""
    rows = db.query("SELECT * FROM jobs WHERE (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?", [kind, kind, limit])
    return [_effective(r) for r in rows]


def save_progress(db: Database, job_id: int, **values) -> None:
    """Update a job's progress columns (and its heartbeat)."""
    if "result" in values:
        values["result"] = json.dumps(values["result"], ensure_ascii=False)
    if "params" in values:
        values["params"] = json.dumps(values["params"], ensure_ascii=False)
    values["updated_at"] = now_iso()
    with transaction(db):
        db["jobs"].update(job_id, values)


def claim_job(db: Database, job_id: int, startable: tuple[str, ...] = ("pending", "interrupted", "failed")) -> dict:
    """Mark a job running, owned by this process, if its state allows; Conflict otherwise.
    Two requests racing to start or resume the same job: exactly one wins."""
    with transaction(db):
        job = get_job(db, job_id)
        if job["status"] not in startable:
            raise Conflict(f"job {job_id} is {job['status']}: it cannot be started again")
        db["jobs"].update(job_id, {"status": "running", "owner": owner(), "error": None, "updated_at": now_iso()})
    return get_job(db, job_id)


def assets_to_geocode(db: Database, asset_ids: list[int]) -> list[int]:
    """Of these assets, those with a street address whose point is no better than a postal code."""
    if not asset_ids:
        return []
    marks = ", ".join("?" for _ in asset_ids)
    return [
        r["id"]
        for r in db.query(
            f"SELECT id FROM assets WHERE id IN ({marks}) AND COALESCE(address, '') != '' AND confidential = 0 "
            "AND location_precision IN ('postal_code', 'rural_postal_code', 'community', 'municipality', 'unreliable', 'none')",
            asset_ids,
        )
    ]

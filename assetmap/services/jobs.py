"""Long work in the background with progress that survives a restart. No Flask here.

A job row holds its parameters, progress (done/total) and result (counts, rejected rows). An
import commits in batches, each batch together with the job's progress, so after a crash the
database holds whole batches and the job resumes from the last one (re-importing a row never
duplicates it). A job whose heartbeat (updated_at) is older than STALE_AFTER_S while 'running'
was interrupted (its process died) and can be resumed.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import traceback
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from app.db import open_database
from assetmap import store
from assetmap.errors import NotFound
from assetmap.formats import importers

BATCH = 100
STALE_AFTER_S = 120
MAX_REPORTED_ERRORS = 5000


def create_job(db: Database, kind: str, params: dict, created_by: str) -> int:
    stamp = store.now_iso()
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


def get_job(db: Database, job_id: int) -> dict:
    rows = list(db.query("SELECT * FROM jobs WHERE id = ?", [job_id]))
    if not rows:
        raise NotFound(f"no job {job_id}")
    job = rows[0]
    job["params"] = json.loads(job["params"] or "{}")
    job["result"] = json.loads(job["result"] or "{}")
    if job["status"] == "running" and (not _owner_alive(job.get("owner")) or _age_s(job) > STALE_AFTER_S):
        job["status"] = "interrupted"
    return job


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_alive(owner: str | None) -> bool:
    """False when the job's process, on this host, no longer exists (killed, crashed, restarted)."""
    if not owner or ":" not in owner:
        return True  # unknown: rely on the heartbeat
    host, _, pid = owner.rpartition(":")
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
    ids = [
        r["id"]
        for r in db.query(
            "SELECT id FROM jobs WHERE (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?", [kind, kind, limit]
        )
    ]
    return [get_job(db, i) for i in ids]


def _save_progress(db: Database, job_id: int, **values) -> None:
    if "result" in values:
        values["result"] = json.dumps(values["result"], ensure_ascii=False)
    values["updated_at"] = store.now_iso()
    db["jobs"].update(job_id, values)


def run_import(db_path: str, job_id: int, geocoder=None) -> dict:
    """Run (or resume) an import job to the end; returns its final row."""
    db = open_database(db_path)
    try:
        job = get_job(db, job_id)
        params = job["params"]
        table = importers.read_table(params["path"])
        mapping = params.get("mapping") or importers.guess_mapping(table.headers)
        result = job["result"] or {}
        for key in ("inserted", "updated", "unchanged"):
            result.setdefault(key, 0)
        result.setdefault("errors", [])
        result.setdefault("warnings", [])
        result.setdefault("precision", {})
        categories = store.list_categories(db)
        actor = f"import of {params.get('original_name', 'a file')} by {job['created_by']}"
        _save_progress(db, job_id, status="running", total=len(table.records), owner=_owner())
        start = job["done"]
        for offset in range(start, len(table.records), BATCH):
            batch = table.records[offset : offset + BATCH]
            with db.atomic():
                for number, raw in batch:
                    record = importers.apply_mapping(raw, mapping)
                    if params.get("source") and not record.get("source"):
                        record["source"] = params["source"]
                    check = importers.validate_asset(record, categories, geocoder)
                    if check.errors:
                        if len(result["errors"]) < MAX_REPORTED_ERRORS:
                            reason = "; ".join(check.errors.values())
                            result["errors"].append({"row": number, "reason": reason, "cells": _cells(raw)})
                        continue
                    outcome, asset_id = store.save_asset(db, check.clean, actor=actor, action="import")
                    result[outcome] += 1
                    result.setdefault("asset_ids", []).append(asset_id)
                    precision = check.clean["location_precision"]
                    result["precision"][precision] = result["precision"].get(precision, 0) + 1
                    result["warnings"] += [{"row": number, "warning": w} for w in check.warnings]
                _save_progress(db, job_id, done=offset + len(batch), result=result)
        _save_progress(db, job_id, status="done", done=len(table.records), result=result)
    except importers.ImportFileError as exc:
        _save_progress(db, job_id, status="failed", error=str(exc))
    except Exception as exc:  # noqa: BLE001 - recorded on the job for the person waiting on it
        _save_progress(db, job_id, status="failed", error=f"{exc.__class__.__name__}: {exc}")
        traceback.print_exc()
    finally:
        final = get_job(db, job_id)
        db.close()
    return final


def _cells(raw: dict) -> dict:
    return {k: ("" if v is None else str(v)) for k, v in raw.items() if not k.startswith("__")}


def upload_dir(instance_path: str) -> Path:
    path = Path(instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


PRECISION_RANK = [
    "exact",
    "address",
    "landmark",
    "postal_code",
    "rural_postal_code",
    "community",
    "municipality",
    "unreliable",
    "none",
]


def better_precision(new: str, old: str) -> bool:
    rank = {p: i for i, p in enumerate(PRECISION_RANK)}
    return rank.get(new, 99) < rank.get(old, 99)


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


def run_geocode(db_path: str, job_id: int, geocoder) -> dict:
    """Geocode the job's assets by street address (online geocoder), one commit per asset."""
    db = open_database(db_path)
    try:
        job = get_job(db, job_id)
        ids = job["params"]["asset_ids"]
        result = job["result"] or {}
        result.setdefault("improved", 0)
        result.setdefault("unchanged", 0)
        result.setdefault("precision", {})
        _save_progress(db, job_id, status="running", total=len(ids), owner=_owner())
        for n, asset_id in enumerate(ids[job["done"] :], start=job["done"] + 1):
            row = store.get_asset(db, asset_id)
            query = ", ".join(
                p for p in (row["address"], row["community"] or row["municipality"], row["postal_code"]) if p
            )
            found = geocoder.geocode(query)
            precision = found.raw["precision"] if found else None
            with db.atomic():
                if found is not None and better_precision(precision, row["location_precision"]):
                    store.update_asset(
                        db,
                        asset_id,
                        {
                            "latitude": round(found.latitude, 6),
                            "longitude": round(found.longitude, 6),
                            "location_precision": precision,
                            "precision_source": f"geocoded: {found.raw.get('source', '')}",
                        },
                        f"geocoding job {job_id}",
                        action="geocode",
                    )
                    result["improved"] += 1
                    result["precision"][precision] = result["precision"].get(precision, 0) + 1
                else:
                    result["unchanged"] += 1
                _save_progress(db, job_id, done=n, result=result)
        _save_progress(db, job_id, status="done", result=result)
    except Exception as exc:  # noqa: BLE001
        _save_progress(db, job_id, status="failed", error=f"{exc.__class__.__name__}: {exc}")
        traceback.print_exc()
    finally:
        final = get_job(db, job_id)
        db.close()
    return final


def start(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread

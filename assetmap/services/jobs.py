"""Long work in the background with progress that survives a restart. No Flask here.

A job row (store.jobs) holds its parameters, progress (done/total) and result (counts, rejected
rows). An import commits in batches, each batch together with the job's progress, so after a
crash the database holds whole batches and the job resumes from the last one (re-importing a row
never duplicates it). Starting or resuming claims the job first (store.jobs.claim_job), so two
requests never run one job twice.
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path

from assetmap import store, validation
from assetmap.formats import asset_import, tables
from assetmap.store import jobs
from assetmap.store.db import open_database

BATCH = 100
MAX_REPORTED_ERRORS = 5000


def run_import(db_path: str, job_id: int, geocoder=None, region=None) -> dict:
    """Run (or resume) an import job to the end; returns its final row."""
    db = open_database(db_path)
    try:
        job = jobs.get_job(db, job_id)
        params = job["params"]
        table = tables.read_table(params["path"])
        mapping = params.get("mapping") or asset_import.guess_mapping(table.headers)
        result = job["result"] or {}
        for key in ("inserted", "updated", "unchanged"):
            result.setdefault(key, 0)
        result.setdefault("errors", [])
        result.setdefault("warnings", [])
        result.setdefault("precision", {})
        categories = store.list_categories(db)
        if not categories:
            raise asset_import.no_categories_error()
        actor = f"import of {params.get('original_name', 'a file')} by {job['created_by']}"
        jobs.save_progress(db, job_id, status="running", total=len(table.records), owner=jobs.owner())
        start = job["done"]
        for offset in range(start, len(table.records), BATCH):
            batch = table.records[offset : offset + BATCH]
            with store.transaction(db):
                for number, raw in batch:
                    record = asset_import.apply_mapping(raw, mapping)
                    if params.get("source") and not record.get("source"):
                        record["source"] = params["source"]
                    check = validation.validate_asset(record, categories, geocoder, region=region)
                    if check.errors:
                        if len(result["errors"]) < MAX_REPORTED_ERRORS:
                            reason = "; ".join(check.errors.values())
                            result["errors"].append({"row": number, "reason": reason, "cells": _cells(raw)})
                        continue
                    outcome, asset_id = store.save_asset(db, check.clean, actor=actor, action="import")
                    result[outcome] += 1
                    result.setdefault("asset_ids", []).append(asset_id)
                    precision = check.clean.get("location_precision") or "none"
                    result["precision"][precision] = result["precision"].get(precision, 0) + 1
                    result["warnings"] += [{"row": number, "warning": w} for w in check.warnings]
                jobs.save_progress(db, job_id, done=offset + len(batch), result=result)
        jobs.save_progress(db, job_id, status="done", done=len(table.records), result=result)
        _forget_upload(params)
    except tables.ImportFileError as exc:
        jobs.save_progress(db, job_id, status="failed", error=str(exc))
        _forget_upload(job["params"])
    except Exception as exc:  # noqa: BLE001 - recorded on the job for the person waiting on it
        jobs.save_progress(db, job_id, status="failed", error=f"{exc.__class__.__name__}: {exc}")
        traceback.print_exc()
    finally:
        final = jobs.get_job(db, job_id)
        db.close()
    return final


def _forget_upload(params: dict) -> None:
    """Delete an upload once its import is over (its rejected rows are kept in the job's result)."""
    if params.get("path"):
        Path(params["path"]).unlink(missing_ok=True)


def _cells(raw: dict) -> dict:
    return {k: ("" if v is None else str(v)) for k, v in raw.items() if not k.startswith("__")}


def upload_dir(instance_path: str) -> Path:
    """The folder uploads wait in until their import job has read them."""
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
    """True when precision `new` is better than `old`."""
    rank = {p: i for i, p in enumerate(PRECISION_RANK)}
    return rank.get(new, 99) < rank.get(old, 99)


def run_geocode(db_path: str, job_id: int, geocoder) -> dict:
    """Geocode the job's assets by street address (online geocoder), one commit per asset."""
    db = open_database(db_path)
    try:
        job = jobs.get_job(db, job_id)
        ids = job["params"]["asset_ids"]
        result = job["result"] or {}
        result.setdefault("improved", 0)
        result.setdefault("unchanged", 0)
        result.setdefault("precision", {})
        jobs.save_progress(db, job_id, status="running", total=len(ids), owner=jobs.owner())
        for n, asset_id in enumerate(ids[job["done"] :], start=job["done"] + 1):
            row = store.get_asset(db, asset_id)
            query = ", ".join(
                p for p in (row["address"], row["community"] or row["municipality"], row["postal_code"]) if p
            )
            found = geocoder.geocode(query)
            precision = found.raw["precision"] if found else None
            with store.transaction(db):
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
                jobs.save_progress(db, job_id, done=n, result=result)
        jobs.save_progress(db, job_id, status="done", result=result)
    except Exception as exc:  # noqa: BLE001
        jobs.save_progress(db, job_id, status="failed", error=f"{exc.__class__.__name__}: {exc}")
        traceback.print_exc()
    finally:
        final = jobs.get_job(db, job_id)
        db.close()
    return final


def run_place(db_path: str, job_id: int) -> dict:
    """Build a place from uploaded official files (services.place_setup), with progress per step;
    the uploads are deleted when it ends."""
    from assetmap.errors import Conflict, InvalidParameter
    from assetmap.formats.place_records import PlaceFileError
    from assetmap.services import place_setup

    db = open_database(db_path)
    job = jobs.get_job(db, job_id)
    params = job["params"]
    try:
        jobs.save_progress(db, job_id, status="running", owner=jobs.owner())

        def progress(done: int, total: int, message: str) -> None:
            jobs.save_progress(db, job_id, done=done, total=total, result={"message": message})

        report = place_setup.build_place(
            db,
            params["name"],
            params["country"],
            params["files"],
            id_prefix=params.get("id_prefix", ""),
            name_prefix=params.get("name_prefix", ""),
            replace=bool(params.get("replace")),
            progress=progress,
        )
        names = params.get("original_names", {})
        lines = report.lines()
        for role, stored in params["files"].items():  # show the person's file names, not ours
            lines = [line.replace(Path(stored).name, names.get(role, Path(stored).name)) for line in lines]
        jobs.save_progress(db, job_id, status="done", result={"message": "done", "lines": lines, **report.counts})
    except (Conflict, InvalidParameter, PlaceFileError) as exc:
        jobs.save_progress(db, job_id, status="failed", error=str(exc))
    except Exception as exc:  # noqa: BLE001 - recorded on the job for the person waiting on it
        jobs.save_progress(db, job_id, status="failed", error=f"{exc.__class__.__name__}: {exc}")
        traceback.print_exc()
    finally:
        for stored in params.get("files", {}).values():
            Path(stored).unlink(missing_ok=True)
        final = jobs.get_job(db, job_id)
        db.close()
    return final


def start(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread

"""Start your own place in the browser (admins): upload the official files, build it in the background
with progress, read what each file gave. The same work as `flask --app app new-place`."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from app.auth import actor, admin_required
from app.context import place
from app.db import get_db
from assetmap import store
from assetmap.errors import Conflict, InvalidParameter
from assetmap.formats.place_records import PlaceFileError
from assetmap.services import jobs, place_setup
from assetmap.store import jobs as jobs_store

bp = Blueprint("places", __name__, url_prefix="/admin/place")

SUFFIXES = (".zip", ".shp", ".gpkg", ".geojson", ".json", ".csv", ".xlsx")


def _page(errors: dict | None = None, form: dict | None = None, status: int = 200):
    db = get_db()
    return render_template(
        "admin/place.html",
        current=place(),
        levels=store.level_counts(db),
        postcodes=store.count_postcodes(db),
        jobs=jobs_store.list_jobs(db, "place", limit=10),
        countries=place_setup.COUNTRIES,
        roles=place_setup.ROLES,
        errors=errors or {},
        form=form or {},
        max_mb=current_app.config["MAX_UPLOAD_MB"],
    ), status


@bp.get("")
@admin_required
def index():
    return _page()


@bp.post("")
@admin_required
def start():
    """Keep the uploads under random names, check each is the kind of file its role needs, start the job."""
    form = {k: request.form.get(k, "").strip() for k in ("name", "country", "id_prefix", "name_prefix", "replace")}
    errors: dict[str, str] = {}
    if not form["name"]:
        errors["name"] = "Give the place a name."
    if form["country"] not in place_setup.COUNTRIES:
        errors["country"] = "Choose Canada (CA) or England (GB)."
    folder = jobs.upload_dir(current_app.instance_path)
    stored, names = {}, {}
    for role in place_setup.ROLES:
        file = request.files.get(role)
        if file is None or not file.filename:
            continue
        suffix = Path(file.filename).suffix.lower()
        if suffix not in SUFFIXES:
            errors[role] = f"“{file.filename}”: give a zip, shapefile, GeoPackage, GeoJSON, CSV or XLSX file."
            continue
        path = folder / f"place-{secrets.token_hex(12)}{suffix}"
        file.save(path)
        stored[role], names[role] = str(path), Path(file.filename).name[:200]
    if not stored and not errors:
        errors["files"] = "Choose at least one file."
    if not errors:
        try:
            place_setup.recognise_files(stored, form["country"])
        except (InvalidParameter, PlaceFileError) as exc:
            message = str(exc)
            for role, path in stored.items():
                message = message.replace(Path(path).name, names[role])
            errors["files"] = message
    if errors:
        for path in stored.values():
            Path(path).unlink(missing_ok=True)
        return _page(errors, form, 400)
    db = get_db()
    params = {**form, "replace": form["replace"] == "1", "files": stored, "original_names": names}
    job_id = jobs_store.create_job(db, "place", params, actor())
    try:
        jobs_store.claim_job(db, job_id, startable=("pending",))
    except Conflict:  # pragma: no cover - a new job is always pending
        return redirect(url_for("places.show", job_id=job_id))
    jobs.start(jobs.run_place, current_app.config["DATABASE"], job_id)
    return redirect(url_for("places.show", job_id=job_id))


def _job(job_id: int) -> dict:
    job = jobs_store.get_job(get_db(), job_id)
    if job["kind"] != "place":
        raise InvalidParameter(f"job {job_id} is not a place")
    return job


@bp.get("/<int:job_id>")
@admin_required
def show(job_id: int):
    return render_template("admin/place_job.html", job=_job(job_id))


@bp.get("/<int:job_id>/status")
@admin_required
def status(job_id: int):
    job = _job(job_id)
    return jsonify(
        id=job["id"],
        kind=job["kind"],
        status=job["status"],
        total=job["total"],
        done=job["done"],
        message=(job["result"] or {}).get("message", ""),
        error=job["error"],
    )

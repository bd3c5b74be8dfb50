"""Bulk import in the browser: upload, preview and map columns, import with progress, fix rejects."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for

from app.auth import actor, editor_required, wants_json
from app.context import geocoder, offline_geocoder, place
from app.db import get_db
from assetmap import fields, store
from assetmap.errors import Conflict, InvalidParameter
from assetmap.formats import asset_import, tables
from assetmap.formats.spreadsheet import csv_text
from assetmap.services import jobs
from assetmap.store import jobs as jobs_store

bp = Blueprint("imports", __name__, url_prefix="/imports")

# Every field a column can fill (the field registry), with its label.
MAPPABLE = [(f.name, f.label) for f in fields.FIELDS]
REQUIRED = tuple(f.name for f in fields.FIELDS if f.required)


def _job_or_404(job_id: int) -> dict:
    job = jobs_store.get_job(get_db(), job_id)
    if job["kind"] not in ("import", "geocode"):
        raise InvalidParameter(f"job {job_id} is not an import")
    return job


@bp.get("")
@editor_required
def index():
    db = get_db()
    return render_template(
        "imports/index.html",
        jobs=jobs_store.list_jobs(db),
        max_mb=current_app.config["MAX_UPLOAD_MB"],
        sources=store.mapping_sources(db),
    )


@bp.post("")
@editor_required
def upload():
    """Keep the uploaded file under a random name (the person's file name is only displayed)."""
    file = request.files.get("file")
    if file is None or not file.filename:
        flash("Choose a file to import.", "error")
        return redirect(url_for("imports.index"))
    suffix = Path(file.filename).suffix.lower()
    if suffix not in tables.SUPPORTED_SUFFIXES:
        flash(f"“{file.filename}” is not a CSV, XLSX or GeoJSON file.", "error")
        return redirect(url_for("imports.index"))
    path = jobs.upload_dir(current_app.instance_path) / f"{secrets.token_hex(16)}{suffix}"
    file.save(path)
    try:
        # Only the header and a few rows here (the whole file is read once, by the import job).
        table = tables.read_table(path, max_rows=tables.PREVIEW_ROWS)
    except tables.ImportFileError as exc:
        path.unlink(missing_ok=True)
        flash(str(exc).replace(path.name, file.filename), "error")
        return redirect(url_for("imports.index"))
    if not table.records:
        path.unlink(missing_ok=True)
        flash(f"“{file.filename}” has no data rows.", "error")
        return redirect(url_for("imports.index"))
    job_id = jobs_store.create_job(
        get_db(),
        "import",
        {
            "path": str(path),
            "original_name": Path(file.filename).name[:200],
            "headers": table.headers,
            "preview": [[n, rec] for n, rec in table.records],
            "source": request.form.get("source", "").strip()[:300],
        },
        actor(),
    )
    return redirect(url_for("imports.mapping", job_id=job_id))


@bp.route("/<int:job_id>/map", methods=["GET", "POST"])
@editor_required
def mapping(job_id: int):
    """Preview the first rows and choose which column holds each of our fields."""
    job = _job_or_404(job_id)
    if job["status"] != "pending":
        return redirect(url_for("imports.show", job_id=job_id))
    table = tables.Table(job["params"]["headers"], [tuple(r) for r in job["params"].get("preview", [])], "row")
    db = get_db()
    if request.method == "GET":
        remembered = store.remembered_mapping(db, table.headers, job["params"].get("source"))
        guess = asset_import.guess_mapping(table.headers)
        if remembered:
            guess.update(remembered["mapping"])
        source = job["params"].get("source") or (remembered or {}).get("source") or job["params"]["original_name"]
        return _mapping_page(job, table, guess, source, remembered=remembered)
    chosen, errors = {}, {}
    for name, _ in MAPPABLE:
        column = request.form.get(f"map-{name}", "")
        if column and column not in table.headers:
            errors[name] = f"The file has no column “{column}”."
        elif column:
            chosen[name] = column
    source = request.form.get("source", "").strip()
    if len(source) > 300:
        errors["source"] = "The source is longer than 300 characters."
    for name in REQUIRED:
        if name not in chosen and name not in errors:
            errors[name] = f"Choose the column that holds the {fields.FIELD[name].label.lower()}."
    if errors:
        return _mapping_page(job, table, chosen, source, errors=errors), 400
    params = dict(job["params"], mapping=chosen, source=source)
    jobs_store.save_progress(db, job_id, params=params)
    try:
        jobs_store.claim_job(db, job_id, startable=("pending",))
    except Conflict:
        flash("This import has already started.", "error")
        return redirect(url_for("imports.show", job_id=job_id))
    store.remember_mapping(db, source or job["params"]["original_name"], table.headers, chosen, actor())
    jobs.start(jobs.run_import, current_app.config["DATABASE"], job_id, offline_geocoder(), place())
    return redirect(url_for("imports.show", job_id=job_id))


def _mapping_page(job, table, guess, source, *, errors=None, remembered=None):
    """The mapping form: the preview, a column choice per field, errors next to their fields."""
    return render_template(
        "imports/map.html",
        job=job,
        table=table,
        guess=guess,
        fields=MAPPABLE,
        required_fields=REQUIRED,
        preview=table.records,
        errors=errors or {},
        source=source,
        remembered=remembered,
    )


@bp.get("/<int:job_id>")
@editor_required
def show(job_id: int):
    job = _job_or_404(job_id)
    online = bool(current_app.config.get("NOMINATIM_USER_AGENT"))
    to_geocode = (
        jobs_store.assets_to_geocode(get_db(), job["result"].get("asset_ids", []))
        if online and job["status"] == "done"
        else []
    )
    return render_template("imports/show.html", job=job, online=online, to_geocode=len(to_geocode))


@bp.get("/<int:job_id>/status")
@editor_required
def status(job_id: int):
    job = _job_or_404(job_id)
    r = job["result"]
    return jsonify(
        id=job["id"],
        kind=job["kind"],
        status=job["status"],
        total=job["total"],
        done=job["done"],
        inserted=r.get("inserted", 0),
        updated=r.get("updated", 0),
        unchanged=r.get("unchanged", 0),
        rejected=len(r.get("errors", [])),
        improved=r.get("improved", 0),
        error=job["error"],
    )


@bp.post("/<int:job_id>/resume")
@editor_required
def resume(job_id: int):
    """Continue an interrupted job from its last saved batch."""
    job = _job_or_404(job_id)
    try:
        jobs_store.claim_job(get_db(), job_id, startable=("interrupted", "failed"))
    except Conflict as exc:  # another request resumed it first, or it is running or done
        if wants_json():
            return jsonify(error=str(exc)), 409
        flash(f"{exc}.")
        return redirect(url_for("imports.show", job_id=job_id)), 303
    if job["kind"] == "geocode":
        jobs.start(jobs.run_geocode, current_app.config["DATABASE"], job_id, geocoder())
    else:
        jobs.start(jobs.run_import, current_app.config["DATABASE"], job_id, offline_geocoder(), place())
    flash(f"Resuming from row {job['done'] + 1}.")
    return redirect(url_for("imports.show", job_id=job_id))


@bp.post("/<int:job_id>/geocode")
@editor_required
def geocode(job_id: int):
    """Locate the imported rows' street addresses online, in the background (about one a second)."""
    job = _job_or_404(job_id)
    db = get_db()
    ids = jobs_store.assets_to_geocode(db, job["result"].get("asset_ids", []))
    if not ids or not current_app.config.get("NOMINATIM_USER_AGENT"):
        flash("Nothing to geocode online (or online geocoding is not configured).")
        return redirect(url_for("imports.show", job_id=job_id))
    geo_job = jobs_store.create_job(
        db,
        "geocode",
        {"asset_ids": ids, "import_job": job_id, "original_name": job["params"].get("original_name")},
        actor(),
    )
    jobs_store.claim_job(db, geo_job)
    jobs.start(jobs.run_geocode, current_app.config["DATABASE"], geo_job, geocoder())
    return redirect(url_for("imports.show", job_id=geo_job))


@bp.get("/<int:job_id>/rejected.csv")
@editor_required
def rejected(job_id: int):
    """The rejected rows with their row number and reason, to fix in a spreadsheet and re-import."""
    job = _job_or_404(job_id)
    errors = job["result"].get("errors", [])
    headers = job["params"].get("headers") or sorted({k for e in errors for k in e["cells"]})
    rows = [{"row": e["row"], "reason": e["reason"], **e["cells"]} for e in errors]
    body = csv_text(rows, ["row", "reason", *headers])
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="rejected-rows-{job_id}.csv"'}
    )

"""Bulk import in the browser: upload, preview and map columns, import with progress, fix rejects."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for

from app.auth import actor, editor_required
from app.db import get_db
from app.views.assets import FORM_GROUPS, geocoder
from assetmap.errors import InvalidParameter
from assetmap.formats import importers
from assetmap.formats.spreadsheet import csv_text
from assetmap.geocoding import OfflineGeocoder
from assetmap.services import jobs

bp = Blueprint("imports", __name__, url_prefix="/imports")

MAPPABLE = [(name, label) for _, fields in FORM_GROUPS for name, label, _, _ in fields] + [
    ("external_id", "Stable id from the source (prevents duplicates on re-import)"),
    ("verified_date", "Last verified (YYYY-MM-DD)"),
    ("verified_by", "Verified by"),
]


def _job_or_404(job_id: int) -> dict:
    job = jobs.get_job(get_db(), job_id)
    if job["kind"] not in ("import", "geocode"):
        raise InvalidParameter(f"job {job_id} is not an import")
    return job


@bp.get("")
@editor_required
def index():
    return render_template(
        "imports/index.html", jobs=jobs.list_jobs(get_db()), max_mb=current_app.config["MAX_UPLOAD_MB"]
    )


@bp.post("")
@editor_required
def upload():
    """Keep the uploaded file under a random name (the person's file name is only displayed)."""
    file = request.files.get("file")
    if file is None or not file.filename:
        flash("Choose a file to import.")
        return redirect(url_for("imports.index"))
    suffix = Path(file.filename).suffix.lower()
    if suffix not in importers.SUPPORTED_SUFFIXES:
        flash(f"“{file.filename}” is not a CSV, XLSX or GeoJSON file.")
        return redirect(url_for("imports.index"))
    path = jobs.upload_dir(current_app.instance_path) / f"{secrets.token_hex(16)}{suffix}"
    file.save(path)
    try:
        table = importers.read_table(path)
    except importers.ImportFileError as exc:
        path.unlink(missing_ok=True)
        flash(str(exc).replace(path.name, file.filename))
        return redirect(url_for("imports.index"))
    if not table.records:
        path.unlink(missing_ok=True)
        flash(f"“{file.filename}” has no data rows.")
        return redirect(url_for("imports.index"))
    job_id = jobs.create_job(
        get_db(),
        "import",
        {
            "path": str(path),
            "original_name": Path(file.filename).name[:200],
            "headers": table.headers,
            "rows": len(table.records),
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
    table = importers.read_table(job["params"]["path"])
    if request.method == "POST":
        chosen = {}
        for name, _ in MAPPABLE:
            column = request.form.get(f"map-{name}", "")
            if column and column not in table.headers:
                raise InvalidParameter(f"the file has no column {column!r}")
            if column:
                chosen[name] = column
        if "name" not in chosen or "category" not in chosen:
            flash("Choose the columns holding the name and the category.")
            return render_template(
                "imports/map.html", job=job, table=table, guess=chosen, fields=MAPPABLE, preview=table.records[:10]
            ), 400
        params = dict(job["params"], mapping=chosen, source=request.form.get("source", "").strip()[:300])
        get_db()["jobs"].update(job_id, {"params": json.dumps(params)})
        jobs.start(jobs.run_import, current_app.config["DATABASE"], job_id, _import_geocoder())
        return redirect(url_for("imports.show", job_id=job_id))
    guess = importers.guess_mapping(table.headers)
    return render_template(
        "imports/map.html", job=job, table=table, guess=guess, fields=MAPPABLE, preview=table.records[:10]
    )


def _import_geocoder():
    """Imports geocode offline (fast); street addresses go to a follow-up online job if configured."""
    from assetmap.services.demo import DATA_DIR

    return OfflineGeocoder(gazetteer_path=DATA_DIR / "gazetteer.csv")


@bp.get("/<int:job_id>")
@editor_required
def show(job_id: int):
    job = _job_or_404(job_id)
    online = bool(current_app.config.get("NOMINATIM_USER_AGENT"))
    to_geocode = (
        jobs.assets_to_geocode(get_db(), job["result"].get("asset_ids", []))
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
    if job["status"] not in ("interrupted", "failed"):
        flash("This job is not interrupted.")
        return redirect(url_for("imports.show", job_id=job_id))
    db = get_db()
    db["jobs"].update(job_id, {"status": "pending", "error": None})
    if job["kind"] == "geocode":
        jobs.start(jobs.run_geocode, current_app.config["DATABASE"], job_id, geocoder())
    else:
        jobs.start(jobs.run_import, current_app.config["DATABASE"], job_id, _import_geocoder())
    flash(f"Resuming from row {job['done'] + 1}.")
    return redirect(url_for("imports.show", job_id=job_id))


@bp.post("/<int:job_id>/geocode")
@editor_required
def geocode(job_id: int):
    """Locate the imported rows' street addresses online, in the background (about one a second)."""
    job = _job_or_404(job_id)
    db = get_db()
    ids = jobs.assets_to_geocode(db, job["result"].get("asset_ids", []))
    if not ids or not current_app.config.get("NOMINATIM_USER_AGENT"):
        flash("Nothing to geocode online (or online geocoding is not configured).")
        return redirect(url_for("imports.show", job_id=job_id))
    geo_job = jobs.create_job(
        db,
        "geocode",
        {"asset_ids": ids, "import_job": job_id, "original_name": job["params"].get("original_name")},
        actor(),
    )
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

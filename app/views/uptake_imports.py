"""Loading realised-uptake data in the browser (editors): the same options as the commands, a
preview that saves nothing, then the import (all or nothing)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from app.auth import actor, editor_required
from app.context import offline_geocoder
from app.db import get_db
from assetmap import store
from assetmap.errors import InvalidParameter
from assetmap.formats import tables
from assetmap.services import jobs, uptake_import
from assetmap.services import uptake as uptake_service

bp = Blueprint("uptake_imports", __name__, url_prefix="/uptake/import")

KINDS = ("service_use", "population_bands")
SUFFIXES = (".csv", ".txt", ".xlsx")
TOKEN_RE = re.compile(r"^[0-9a-f]{32}\.(csv|txt|xlsx)$")
FIELDS = ("kind", "service", "period", "unit", "reference_label", "source")


def _keep(file) -> tuple[str, str] | None:
    """Save an uploaded file under a random name; (stored name, the person's file name) or None."""
    if file is None or not file.filename:
        return None
    suffix = Path(file.filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidParameter(f"“{file.filename}” is not a CSV or XLSX file")
    name = f"{secrets.token_hex(16)}{suffix}"
    file.save(jobs.upload_dir(current_app.instance_path) / name)
    return name, Path(file.filename).name[:200]


def _kept(name: str | None) -> Path | None:
    if not name:
        return None
    if not TOKEN_RE.match(name):
        raise InvalidParameter("the preview has expired; choose the file again")
    path = jobs.upload_dir(current_app.instance_path) / name
    if not path.exists():
        raise InvalidParameter("the preview has expired; choose the file again")
    return path


def _run(form: dict, files: dict, save: bool) -> uptake_import.ImportReport:
    db = get_db()
    path = _kept(files.get("file"))
    if path is None:
        raise InvalidParameter("choose a file")
    source = form.get("source") or files.get("file_name")
    if form["kind"] == "population_bands":
        return uptake_import.import_population_bands(db, path, source=source, actor=actor(), save=save)
    return uptake_import.import_service_use(
        db,
        path,
        service=form.get("service", ""),
        period=form.get("period"),
        unit=form.get("unit") or "people",
        reference_path=_kept(files.get("reference")),
        reference_label=form.get("reference_label") or (files.get("reference_name") if files.get("reference") else ""),
        source=source,
        actor=actor(),
        geocoder=offline_geocoder(),
        save=save,
    )


def _page(form: dict, *, report=None, files=None, error=None, status=200):
    db = get_db()
    return render_template(
        "uptake/import.html",
        form=form,
        report=report,
        files=files or {},
        error=error,
        loaded=uptake_service.services(db),
        bands=store.population_bands_info(db),
        units=uptake_import.UNITS,
        max_mb=current_app.config["MAX_UPLOAD_MB"],
    ), status


@bp.route("", methods=["GET", "POST"])
@editor_required
def index():
    """GET: the form. POST action=preview: check the files, save nothing. POST action=import: save."""
    if request.method == "GET":
        return _page({"kind": "service_use", "unit": "people"})
    form = {k: request.form.get(k, "").strip() for k in FIELDS}
    if form["kind"] not in KINDS:
        return _page(form, error="Choose what the file holds.", status=400)
    files = {k: request.form.get(k, "") for k in ("file", "file_name", "reference", "reference_name")}
    try:
        for field in ("file", "reference"):
            kept = _keep(request.files.get(field))
            if kept:
                files[field], files[f"{field}_name"] = kept
        report = _run(form, files, save=request.form.get("action") == "import")
    except (InvalidParameter, tables.ImportFileError) as exc:
        return _page(form, files=files, error=str(exc), status=400)
    if not report.saved:
        return _page(form, report=report, files=files, status=400 if report.errors else 200)
    for field in ("file", "reference"):
        if files.get(field):
            (_kept(files[field]) or Path()).unlink(missing_ok=True)
    flash(f"{files.get('file_name')}: {report.summary()}.")
    if form["kind"] == "service_use":
        return redirect(
            url_for("uptake.map_page", service=" ".join(form["service"].split()), period=form["period"] or None)
        )
    return redirect(url_for("uptake_imports.index"))

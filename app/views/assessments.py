"""Needs assessments: list, run, show with change since the last run, edit narrative, print, PDF, exports.

Reading (list, report, print, PDF, CSV, XLSX) is public, like the map: an assessment is meant to
be shared with the community. Running one, editing its narrative and values entered by hand,
re-running and the history need an editor or admin account.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for

from app.auth import actor, editor_required
from app.context import place
from app.db import get_db
from app.maps import build_map
from assetmap import store
from assetmap.errors import Conflict, InvalidParameter
from assetmap.formats import printing, spreadsheet
from assetmap.services import assessment_geography, assessment_report, assessments, published
from assetmap.services.areadata import default_level
from needs_assessment.assessment import DETERMINANTS
from needs_assessment.evaluation import NO_DATA
from needs_assessment.template_files import available_templates

bp = Blueprint("assessments", __name__, url_prefix="/assessments")

PAPER = {"a4": "A4", "letter": "Letter"}
PRIORITY_ROWS_BLANK = 3


def _paper() -> str:
    paper = request.args.get("paper", "a4").lower()
    if paper not in PAPER:
        raise InvalidParameter("paper must be a4 or letter")
    return paper


@bp.get("")
def index():
    """Saved assessments, newest run first."""
    return render_template("assessments/list.html", rows=store.list_assessments(get_db()))


def _new_form(values: dict, error: str | None = None, status: int = 200):
    db = get_db()
    level = default_level(db)
    cfg = current_app.config
    p = place()
    parts = build_map(
        center=p.center,
        zoom=p.zoom,
        tile_url=cfg["TILE_URL"],
        tile_attribution=cfg["TILE_ATTRIBUTION"],
        layer_config={"api": url_for("api.categories").rsplit("/", 1)[0], "areaLevel": level},
        static_url=url_for("static", filename=""),
        init="AssessmentDraw.init",
        scripts=("js/assessmentdraw.js",),
    )
    return (
        render_template(
            "assessments/new.html",
            values=values,
            error=error,
            municipalities=assessment_geography.municipality_options(db, level),
            areas=store.list_areas(db, level),
            templates=available_templates(),
            categories=store.list_categories(db),
            map=parts,
        ),
        status,
    )


def _form_geography(form) -> dict:
    kind = form.get("kind", "")
    if kind == "municipality":
        return {"kind": kind, "id": form.get("municipality", "")}
    if kind == "areas":
        return {"kind": kind, "ids": form.getlist("areas")}
    if kind == "polygon":
        return {"kind": kind, "geometry": form.get("polygon", "")}
    return {"kind": kind}


def _default_template() -> str:
    """The template for the place's country: Core20PLUS5 for England, North Muskoka's otherwise."""
    return "english_neighbourhood" if place().country == "GB" else "north_muskoka"


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    """Choose a geography, comparators and parameters; run and save the assessment."""
    if request.method == "GET":
        defaults = {"kind": "district", "threshold": "5", "comparators": ["district", "ontario"]}
        return _new_form({**defaults, "template": _default_template()})
    form = request.form
    values = {
        "kind": form.get("kind", ""),
        "municipality": form.get("municipality", ""),
        "areas": form.getlist("areas"),
        "polygon": form.get("polygon", ""),
        "title": form.get("title", ""),
        "template": form.get("template") or _default_template(),
        "threshold": form.get("threshold", "5"),
        "comparators": form.getlist("comparators"),
        "circuity": form.get("circuity", ""),
        "include_imprecise": form.get("include_imprecise", ""),
        "map_category": form.get("map_category", "food"),
    }
    try:
        new_id = assessments.run_assessment(
            get_db(),
            geography=_form_geography(form),
            actor=actor(),
            title=values["title"],
            template_name=values["template"],
            parameters={
                "threshold": values["threshold"],
                "comparators": values["comparators"],
                "circuity": values["circuity"],
                "include_imprecise": "1" if values["include_imprecise"] else "0",
                "map_category": values["map_category"],
            },
        )
    except InvalidParameter as exc:
        return _new_form(values, str(exc), 400)
    flash("Assessment saved. Add the community's voice and the priorities with “Edit narrative”.")
    return redirect(url_for("assessments.show", assessment_id=new_id))


def _context(row: dict) -> dict:
    db = get_db()
    previous = store.previous_run(db, row)
    return {
        "a": row,
        "results": row["results"],
        "tables": row["results"]["tables"],
        "narrative": row["narrative"],
        "indicators": assessment_report.indicator_rows(row, previous),
        "previous": previous,
        "sections": _sections(row),
        "determinants": {k: v[0] for k, v in DETERMINANTS.items()},
        "opportunities": _opportunities(row),
        "no_data": NO_DATA,
        "categories": {c["slug"]: c for c in store.list_categories(db)},
    }


def _sections(row: dict):
    try:
        return assessments.get_template(row["template_name"]).sections
    except InvalidParameter:
        return ()


def _opportunities(row: dict) -> dict[str, dict]:
    """Existing assets in the geography that could be mobilised, per determinant of health: the
    determinant's own category first ("own"), then related categories ("related")."""
    assets = row["results"]["tables"].get("assets_list", [])
    out = {}
    for key, (_, cats) in DETERMINANTS.items():
        own = [a for a in assets if cats and a["category"] == cats[0]]
        related = [a for a in assets if a["category"] in cats[1:]]
        out[key] = {"own": own, "related": related}
    return out


@bp.get("/<int:assessment_id>")
def show(assessment_id: int):
    """The report on screen, with each value's change since the previous run of the same place."""
    row = store.get_assessment(get_db(), assessment_id)
    return render_template("assessments/show.html", **_context(row))


def _edit_values(row: dict) -> dict:
    values = {k: v for k, v in row["narrative"].items() if k != "manual_values"}
    for key, entry in (row["narrative"].get("manual_values") or {}).items():
        values[f"value_{key}"] = f"{entry['value']:g}"
        values[f"source_{key}"] = entry["source"]
        values[f"year_{key}"] = entry.get("year", "")
    return values


def _render_edit(row, values, *, errors=None, conflict=None, status=200):
    return (
        render_template(
            "assessments/edit.html",
            a=row,
            values=values,
            errors=errors or {},
            conflict=conflict,
            sections=_sections(row),
            manual=[r for r in row["results"]["indicators"] if r["value"] is None and not r["suppressed"]],
            determinants={k: v[0] for k, v in DETERMINANTS.items()},
            blank_rows=PRIORITY_ROWS_BLANK,
        ),
        status,
    )


def _priority_rows(form) -> list[dict]:
    rows = []
    for n in range(assessments.MAX_PRIORITIES + PRIORITY_ROWS_BLANK):
        if f"p{n}_priority" not in form:
            continue
        rows.append({k: form.get(f"p{n}_{k}", "") for k in assessments.PRIORITY_FIELDS})
    return rows


@bp.route("/<int:assessment_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(assessment_id: int):
    """Edit the narrative sections and hand-entered values; a stale save is refused with the other change shown."""
    db = get_db()
    row = store.get_assessment(db, assessment_id)
    if request.method == "GET":
        values = _edit_values(row)
        values["version"] = row["version"]
        return _render_edit(row, values)
    form = request.form
    try:
        expected = int(form.get("version", ""))
    except ValueError:
        raise InvalidParameter("the form has no version; reload the page") from None
    template = assessments.get_template(row["template_name"])
    # Only fields the form sent are changed (the edit page always sends them all).
    text = {f.field: form[f.field] for f in template.narrative_fields() if f.kind == "text" and f.field in form}
    priorities = _priority_rows(form)
    sent_priorities = any(k.endswith("_priority") for k in form)
    sent_manual = any(k.startswith(("value_", "source_")) for k in form)
    values = {
        **text,
        "version": expected,
        **{k: v for k, v in form.items() if k.startswith(("value_", "source_", "year_"))},
    }
    for f in template.narrative_fields():
        if f.kind == "priorities":
            values[f.field] = [r for r in priorities if r["priority"].strip()]
    errors = {}
    manual, manual_errors = assessments.parse_manual_values(form, row["results"])
    errors.update(manual_errors)
    update = dict(text, manual_values=manual) if sent_manual else dict(text)
    try:
        for f in template.narrative_fields():
            if f.kind == "priorities" and sent_priorities:
                update[f.field] = assessments.parse_priorities(priorities)
    except InvalidParameter as exc:
        errors["priorities"] = str(exc)
    if errors:
        return _render_edit(row, values, errors=errors, status=400)
    try:
        changed, _ = assessments.update_narrative(db, assessment_id, update, actor(), expected_version=expected)
    except Conflict as exc:
        current = exc.current or store.get_assessment(db, assessment_id)
        theirs = [h for h in assessments.assessment_history(db, assessment_id) if h["version"] > expected]
        values["version"] = current["version"]  # saving again means: my text wins, knowingly
        return _render_edit(current, values, conflict={"changes": theirs}, status=409)
    flash("Saved." if changed else "No changes to save.")
    return redirect(url_for("assessments.show", assessment_id=assessment_id))


@bp.get("/<int:assessment_id>/history")
@editor_required
def history(assessment_id: int):
    db = get_db()
    row = store.get_assessment(db, assessment_id)
    return render_template("assessments/history.html", a=row, rows=assessments.assessment_history(db, assessment_id))


@bp.post("/<int:assessment_id>/rerun")
@editor_required
def rerun(assessment_id: int):
    """Run the same place again today with the same template and parameters (a new, dated run)."""
    db = get_db()
    row = store.get_assessment(db, assessment_id)
    params = dict(row["parameters"])
    params["include_imprecise"] = "1" if params.get("include_imprecise") else "0"
    new_id = assessments.run_assessment(
        db,
        geography=row["geography"],
        actor=actor(),
        title=row["title"],
        template_name=row["template_name"],
        parameters=params,
        narrative={"land_acknowledgement": row["narrative"].get("land_acknowledgement", "")},
    )
    flash("New run saved: each value shows its change since the previous run.")
    return redirect(url_for("assessments.show", assessment_id=new_id))


def _print_html(assessment_id: int, paper: str, for_pdf: bool) -> str:
    db = get_db()
    row = store.get_assessment(db, assessment_id)
    context = _context(row)
    figures = printing.report_figures(db, row, store.list_categories(db))
    return render_template(
        "print/assessment.html", **context, figures=figures, paper=paper, page_size=PAPER[paper], for_pdf=for_pdf
    )


@bp.get("/<int:assessment_id>/print")
def print_view(assessment_id: int):
    """The print layout (A4 by default, ?paper=letter): cover, sections, charts, static maps, sources."""
    return _print_html(assessment_id, _paper(), for_pdf=False)


@bp.get("/<int:assessment_id>.pdf")
def pdf(assessment_id: int):
    """The print layout as a PDF made on the server (WeasyPrint)."""
    paper = _paper()
    db = get_db()
    row = store.get_assessment(db, assessment_id)
    # Made once per (run, narrative version, data version, paper) and kept on disk: a repeat
    # download is instant and survives a restart.
    folder = published.folder_for(current_app.instance_path, "pdf-cache", current_app.config["DATABASE"])
    name = f"assessment-{assessment_id}-v{row['version']}-d{store.data_version(db)}-{paper}.pdf"
    body = published.file_cached(
        folder,
        name,
        lambda: printing.pdf_bytes(_print_html(assessment_id, paper, for_pdf=True), base_url=request.url_root),
        keep=4,
        group=f"assessment-{assessment_id}-",
    )
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="assessment-{assessment_id}-{paper}.pdf"'},
    )


def _filename(row: dict, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", row["geography_label"].lower()).strip("-") or "assessment"
    return f"assessment-{row['id']}-{slug}-{row['run_date']}.{ext}"


@bp.get("/<int:assessment_id>.csv")
def export_csv(assessment_id: int):
    """The indicator table as CSV (cells that would run as formulas are neutralised)."""
    row = store.get_assessment(get_db(), assessment_id)
    text = spreadsheet.csv_text(assessment_report.export_rows(row), assessment_report.EXPORT_FIELDS)
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(row, "csv")}"'},
    )


@bp.get("/<int:assessment_id>.xlsx")
def export_xlsx(assessment_id: int):
    """The indicator table as an Excel workbook (text cells neutralised like the CSV)."""
    row = store.get_assessment(get_db(), assessment_id)
    about = [
        ("title", row["title"]),
        ("geography", row["geography_label"]),
        ("run date", row["run_date"]),
        ("template", f"{row['template_name']} version {row['template_version']}"),
        ("suppression", row["results"]["suppression_rule"]),
    ]
    indicators = [[r[f] for f in assessment_report.EXPORT_FIELDS] for r in assessment_report.export_rows(row)]
    body = spreadsheet.xlsx_bytes([("Indicators", assessment_report.EXPORT_FIELDS, indicators), ("About", None, about)])
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename(row, "xlsx")}"'},
    )

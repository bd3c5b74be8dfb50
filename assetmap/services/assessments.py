"""Needs assessments: gather plain data for a geography, compute, save a run, edit its narrative.

No Flask here. A *run* is an immutable snapshot of computed values (`results`) with the date and
the parameters used; the narrative (community voice, priorities...) and values entered by hand
are editable, with optimistic locking and a history like assets have (store.assessments).
"""

from __future__ import annotations

import json
import math
import re

from sqlite_utils import Database

from assetmap import store, values
from assetmap.errors import InvalidParameter
from assetmap.place import load_place
from assetmap.services import assessment_uptake
from assetmap.services.assessment_data import gather
from assetmap.services.assessment_geography import geography_key, parse_geography
from needs_assessment import assessment as calc
from needs_assessment.template import Template
from needs_assessment.template_files import available_templates, template_by_name

MAX_TEXT = 20_000
MAX_PRIORITIES = 10
PRIORITY_FIELDS = ("determinant", "priority", "owner", "opportunities", "indicators")


def get_template(name: str) -> Template:
    """A template by file name; InvalidParameter when unknown, TemplateError when malformed."""
    try:
        return template_by_name(name)
    except KeyError:
        raise InvalidParameter(f"unknown template {name!r}; available: {', '.join(available_templates())}") from None


def place_facts(db: Database, level: str) -> dict:
    """What a report says about the place's data: name, country, area level, population source, licences."""
    place = load_place(db)
    return {
        "name": place.name,
        "country": place.country,
        "level": level,
        "population_source": place.population_source,
        "attribution": place.attribution,
    }


# --- running and storing ----------------------------------------------------------------------


def parse_parameters(form: dict) -> dict:
    """Run parameters from a form or dict: threshold, comparators, circuity, imprecise points, map category."""
    raw = form.get("threshold", "") or "5"
    try:
        threshold = int(str(raw).strip())
    except ValueError:
        raise InvalidParameter(f"the suppression threshold must be a whole number, not {raw!r}") from None
    if not 1 <= threshold <= 100:
        raise InvalidParameter("the suppression threshold must be between 1 and 100 (1 turns it off)")
    comparators = form.get("comparators")
    if comparators is None:
        comparators = ["district", "ontario"]
    comparators = [c for c in comparators if c in ("district", "ontario")]
    return {
        "threshold": threshold,
        "comparators": comparators,
        "circuity": values.parse_circuity(form.get("circuity")),
        "include_imprecise": values.parse_flag(form.get("include_imprecise"), "include_imprecise"),
        "map_category": str(form.get("map_category") or "food"),
    }


def run_assessment(
    db: Database,
    *,
    geography: dict,
    actor: str,
    title: str = "",
    template_name: str = "north_muskoka",
    parameters: dict | None = None,
    run_date: str | None = None,
    external_id: str | None = None,
    narrative: dict | None = None,
) -> int:
    """Compute an assessment for a geography and save it as a new run; returns its id."""
    template = get_template(template_name)
    geo = parse_geography(geography)
    params = parse_parameters(parameters or {})
    if params["map_category"] not in store.category_slugs(db):
        raise InvalidParameter(f"unknown category {params['map_category']!r} for the map")
    run_date = run_date or load_place(db).today().isoformat()  # the place's day, not the server's
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", run_date):
        raise InvalidParameter("the run date must be YYYY-MM-DD")
    label, data, level = gather(db, geo, params["circuity"], params["include_imprecise"])
    results = calc.compute(
        template,
        data,
        threshold=params["threshold"],
        comparators=params["comparators"],
        is_district=geo["kind"] == "district",
    )
    area_ids = [a["id"] for a in data.areas]
    assessment_uptake.add_tables(db, results, template, area_ids, params["threshold"], run_date)
    ids = set(area_ids)
    # The reach map shows precise points only (the lower bound), and which sites were left out.
    map_bound = data.reach.get(params["map_category"], {}).get("bounds", {}).get("precise") or {
        "measurable": False,
        "reason": "no reach analysis",
        "unreached": {},
    }
    map_reach = map_bound["unreached"]
    municipalities = {a.get("parent_id") for a in data.areas}
    results.update(
        template={"name": template_name, "version": template.version, "title": template.title},
        geography={**geo, "label": label, "level": level, "area_ids": area_ids},
        parameters=params,
        data_version=store.data_version(db),
        place=place_facts(db, level),
        map={
            "category": params["map_category"],
            "measurable": map_bound["measurable"],
            "reason": map_bound["reason"],
            "unreached_share": {
                a["id"]: round(map_reach.get(a["id"], 0.0) / a["population"], 4)
                if a.get("population") and map_bound["measurable"]
                else None
                for a in data.areas
            },
            "assets": [
                {"lon": a["lon"], "lat": a["lat"], "category": a["category"], "precise": a["precise"]}
                for a in data.assets
                if a["lon"] is not None and (a["area_id"] in ids or a.get("municipality_id") in municipalities)
            ],
        },
    )
    text = {f.field: "" for f in template.narrative_fields()}
    text["land_acknowledgement"] = template.land_acknowledgement
    text.update(narrative or {})
    record = {
        "external_id": external_id,
        "title": (title or "").strip()[:200] or f"{template.title}: {label}",
        "geography": json.dumps(geo, sort_keys=True),
        "geography_key": geography_key(geo),
        "geography_label": label,
        "run_date": run_date,
        "parameters": json.dumps(params, sort_keys=True),
        "template_name": template_name,
        "template_version": template.version,
        "results": json.dumps(results, ensure_ascii=False, separators=(",", ":")),
        "narrative": json.dumps(_clean_narrative(text, template), ensure_ascii=False, sort_keys=True),
    }
    return store.insert_assessment(db, record, actor, f"run of {run_date}")


# --- narrative and values entered by hand -------------------------------------------------------


def _clean_text(value) -> str:
    return str(value or "").replace("\r\n", "\n").strip()[:MAX_TEXT]


def _clean_narrative(values: dict, template: Template) -> dict:
    out = {}
    for f in template.narrative_fields():
        if f.kind == "priorities":
            out[f.field] = parse_priorities(values.get(f.field) or [])
        else:
            out[f.field] = _clean_text(values.get(f.field))
    out["manual_values"] = values.get("manual_values") or {}
    return out


def parse_priorities(rows) -> list[dict]:
    """Priority rows (blank rows dropped), ranked in the order given; InvalidParameter for unknown determinants."""
    out = []
    for row in rows:
        row = {k: _clean_text(row.get(k))[:2000] for k in PRIORITY_FIELDS}
        if not row["priority"]:
            continue
        if row["determinant"] not in calc.DETERMINANTS:
            raise InvalidParameter(f"priority {row['priority']!r}: choose a determinant of health")
        out.append({"rank": len(out) + 1, **row})
    if len(out) > MAX_PRIORITIES:
        raise InvalidParameter(f"at most {MAX_PRIORITIES} priorities")
    return out


def parse_manual_values(form: dict, results: dict) -> tuple[dict, dict]:
    """Hand-entered values {indicator id: {value, source, year}} and errors {indicator id: message}.

    Only indicators the data could not compute take a value; a value needs its source.
    """
    values, errors = {}, {}
    for row in results["indicators"]:
        if row["value"] is not None or row["suppressed"]:
            continue
        raw = str(form.get(f"value_{row['id']}", "")).strip()
        source = _clean_text(form.get(f"source_{row['id']}"))[:500]
        year = _clean_text(form.get(f"year_{row['id']}"))[:40]
        if not raw and not source:
            continue
        try:
            value = float(raw.replace(",", "").replace("$", "").replace("%", ""))
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            errors[row["id"]] = f"{row['label']}: the value must be a number, not {raw!r}"
            continue
        if not source:
            errors[row["id"]] = f"{row['label']}: say where the value comes from (source)"
            continue
        values[row["id"]] = {"value": value, "source": source, "year": year}
    return values, errors


def update_narrative(
    db: Database, assessment_id: int, values: dict, actor: str, expected_version: int | None = None
) -> tuple[bool, dict]:
    """Save the editable fields. A save over someone else's newer change raises Conflict (nothing merged)."""
    row = store.get_assessment(db, assessment_id)
    template = get_template(row["template_name"])
    new = _clean_narrative({**row["narrative"], **values}, template)
    return store.set_narrative(db, assessment_id, row, new, actor, expected_version)


def assessment_history(db: Database, assessment_id: int) -> list[dict]:
    """History rows, newest first, with the changed fields."""
    rows = store.assessment_history_rows(db, assessment_id)
    for row in rows:
        before, after = row["before"], row["after"]
        row["changes"] = [
            {"field": k, "previous_value": _show(before.get(k)), "replacement_value": _show(after.get(k))}
            for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)
        ]
    return rows


def _show(value) -> str:
    if value in (None, "", [], {}):
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)

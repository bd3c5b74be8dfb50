"""Needs assessments: gather plain data for a geography, compute, save a run, edit its narrative.

No Flask here. A *run* is an immutable snapshot of computed values (`results`) with the date and
the parameters used; the narrative (community voice, priorities...) and values entered by hand
are editable, with optimistic locking and a history like assets have (store.assessments).
"""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import date
from pathlib import Path

from shapely.geometry import shape
from sqlite_utils import Database

from assetmap import DATA_DIR, store, values
from assetmap.errors import InvalidParameter
from assetmap.place import load_place
from assetmap.services import reach as reach_service
from assetmap.services.areadata import default_level
from assetmap.services.assessment_geography import geography_key, parse_geography, resolve_geography
from needs_assessment import assessment as calc
from needs_assessment import suppression
from needs_assessment.evaluation import Data
from needs_assessment.geo import assign_points
from needs_assessment.precision import PRECISE
from needs_assessment.template import Template
from needs_assessment.template_files import available_templates, template_by_name

MAX_TEXT = 20_000
MAX_PRIORITIES = 10
PRIORITY_FIELDS = ("determinant", "priority", "owner", "opportunities", "indicators")
# Group counts held per municipality that the "who isn't reached" section breaks down.
GROUP_COLUMNS = {"seniors_65plus_2021": "Seniors aged 65 and over", "indigenous_2021": "Indigenous identity"}


def get_template(name: str) -> Template:
    """A template by file name; InvalidParameter when unknown, TemplateError when malformed."""
    try:
        return template_by_name(name)
    except KeyError:
        raise InvalidParameter(f"unknown template {name!r}; available: {', '.join(available_templates())}") from None


# --- gathering data ---------------------------------------------------------------------------


def reference_rows(data_dir: Path = DATA_DIR) -> dict[str, dict]:
    """Comparator reference values (assets_data/comparators.csv) by geography name."""
    path = data_dir / "comparators.csv"
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["geography"]: r for r in csv.DictReader(fh)}


def asset_rows(db: Database, area_rows: list[dict]) -> list[dict]:
    """Active assets (as the public may see them) with the small area their point falls in (None: no
    point, or outside every area). Confidential sites have no point here: they are counted, never placed."""
    rows = store.public_rows(db)
    polygons = {a["id"]: shape(json.loads(a["geometry"])) for a in area_rows if a.get("geometry")}
    points = [
        (r["longitude"], r["latitude"])
        if r["latitude"] is not None and r["longitude"] is not None and r["location_precision"] != "none"
        else None
        for r in rows
    ]
    inside = assign_points(points, polygons) if polygons else [None] * len(rows)
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "category": r["category"],
            "area_id": area_id,
            "has_point": p is not None,
            "precise": r["location_precision"] in PRECISE,
            "confidential": bool(r["confidential"]),
            "lon": None if p is None or r["confidential"] else round(p[0], 5),
            "lat": None if p is None or r["confidential"] else round(p[1], 5),
        }
        for r, p, area_id in zip(rows, points, inside, strict=True)
    ]


def reach_inputs(db: Database, categories: list[dict], circuity: float, include_imprecise: bool) -> dict:
    """Per category: unreached people by area id and the run's reach facts (app.reach_service.reach_report)."""
    out = {}
    for cat in categories:
        report = reach_service.reach_report(db, cat["slug"], circuity=circuity, include_imprecise=include_imprecise)
        out[cat["slug"]] = {
            "unreached": {a["id"]: a["unreached_population"] for a in report["areas"]},
            "assets_used": report["assets_used"],
            "excluded_assets": report["excluded_assets"],
            "thresholds": report["thresholds"],
        }
    return out


def group_reach(data: Data, threshold: int) -> list[dict]:
    """People of priority groups beyond reach, from municipal group counts.

    Each group is assumed spread like the people of its municipality (the reach analysis spreads
    people evenly over each area); only whole municipalities with a count are used.
    """
    by_csd: dict[str, list[dict]] = {}
    for a in data.areas:
        by_csd.setdefault(a.get("parent_id"), []).append(a)
    counts: dict[str, int] = {}
    for a in data.district_areas or data.areas:
        counts[a.get("parent_id")] = counts.get(a.get("parent_id"), 0) + 1
    out = []
    for col, label in GROUP_COLUMNS.items():
        munis = [
            (csd, members, data.municipalities[csd])
            for csd, members in by_csd.items()
            if csd in data.municipalities
            and data.municipalities[csd].get(col) is not None
            and len(members) == counts.get(csd)
        ]
        if not munis:
            continue
        for cat in data.categories:
            r = data.reach.get(cat["slug"])
            if r is None:
                continue
            people = beyond = 0.0
            for _, members, row in munis:
                pop = sum(m.get("population") or 0 for m in members)
                unreached = sum(r["unreached"].get(m["id"], 0.0) for m in members)
                people += row[col]
                beyond += row[col] * (unreached / pop if pop else 0.0)
            small = suppression.is_small(beyond, threshold)
            out.append(
                {
                    "group": label,
                    "category": cat["slug"],
                    "label": cat["label"],
                    "municipalities": [row["name"] for _, _, row in munis],
                    "people": people,
                    "unreached": None if small else round(beyond),
                    "share": None if small or not people else round(beyond / people, 4),
                    "suppressed": small,
                }
            )
    return out


def gather(db: Database, geo: dict, circuity: float, include_imprecise: bool) -> tuple[str, Data, str]:
    """(geography label, the plain data for the computation, area level)."""
    level = default_level(db)
    label, rows = resolve_geography(db, geo, level)
    district = store.list_areas(db, level)
    municipalities = {r["id"]: r for r in store.other_level_areas(db, level)}
    categories = [{"slug": c["slug"], "label": c["label"]} for c in store.list_categories(db)]
    data = Data(
        areas=rows,
        district_areas=district,
        municipalities=municipalities,
        assets=asset_rows(db, district),
        reach=reach_inputs(db, categories, circuity, include_imprecise),
        reference=reference_rows(),
        categories=categories,
        bands={b["key"]: b for b in store.deprivation_bands(db, level)},
    )
    return label, data, level


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
    run_date = run_date or date.today().isoformat()
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
    results["tables"]["reach_groups"] = group_reach(data, params["threshold"])
    area_ids = [a["id"] for a in data.areas]
    ids = set(area_ids)
    map_reach = data.reach.get(params["map_category"], {}).get("unreached", {})
    results.update(
        template={"name": template_name, "version": template.version, "title": template.title},
        geography={**geo, "label": label, "level": level, "area_ids": area_ids},
        parameters=params,
        data_version=store.data_version(db),
        place=place_facts(db, level),
        map={
            "category": params["map_category"],
            "unreached_share": {
                a["id"]: round(map_reach.get(a["id"], 0.0) / a["population"], 4) if a.get("population") else None
                for a in data.areas
            },
            "assets": [
                {"lon": a["lon"], "lat": a["lat"], "category": a["category"], "precise": a["precise"]}
                for a in data.assets
                if a["area_id"] in ids and a["lon"] is not None
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

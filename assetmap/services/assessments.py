"""Needs assessments over the store: choose a geography, gather plain data, compute, save, edit, compare.

No Flask here. A *run* is an immutable snapshot of computed values (`results`) with the date and
the parameters used; the narrative (community voice, priorities...) and values entered by hand
are editable, with optimistic locking and a history like assets have.
"""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import date
from pathlib import Path

from shapely.geometry import shape
from sqlite_utils import Database, Migrations

from assetmap import store
from assetmap.errors import Conflict, InvalidParameter, NotFound
from assetmap.services import analysis
from needs_assessment import assessment as calc
from needs_assessment import suppression
from needs_assessment.precision import PRECISE
from needs_assessment.template import Template, TemplateError, available_templates, template_by_name

migrations = Migrations("assessments")

from assetmap import DATA_DIR  # noqa: E402

GEOGRAPHY_KINDS = ("district", "municipality", "areas", "polygon")
MAX_TEXT = 20_000
MAX_PRIORITIES = 10
PRIORITY_FIELDS = ("determinant", "priority", "owner", "opportunities", "indicators")
# Group counts held per municipality that the "who isn't reached" section breaks down.
GROUP_COLUMNS = {"seniors_65plus_2021": "Seniors aged 65 and over", "indigenous_2021": "Indigenous identity"}


@migrations()
def m001_assessments(db: Database) -> None:
    db["assessments"].create(
        {
            "id": int,
            "external_id": str,  # set for the demo run, so load-demo never duplicates it
            "title": str,
            "geography": str,  # JSON definition: {"kind": ..., ...}
            "geography_key": str,  # canonical JSON of the definition: runs of the same place share it
            "geography_label": str,
            "run_date": str,  # ISO date the run's values describe
            "parameters": str,  # JSON
            "template_name": str,
            "template_version": str,
            "results": str,  # JSON snapshot of computed values (never changed after the run)
            "narrative": str,  # JSON of editable fields, incl. manual values
            "version": int,
            "created_at": str,
            "created_by": str,
            "updated_at": str,
            "updated_by": str,
        },
        pk="id",
        not_null={"title", "geography", "geography_key", "run_date", "results", "narrative", "version"},
        defaults={"version": 1},
    )
    db["assessments"].create_index(["external_id"], unique=True)
    db["assessments"].create_index(["geography_key", "template_name", "run_date"])
    db["assessment_history"].create(
        {
            "id": int,
            "assessment_id": int,
            "version": int,
            "action": str,
            "actor": str,
            "at": str,
            "before": str,
            "after": str,
            "note": str,
        },
        pk="id",
        not_null={"assessment_id", "action", "actor", "at"},
    )
    db["assessment_history"].create_index(["assessment_id", "id"])


# --- templates --------------------------------------------------------------------------------


def get_template(name: str) -> Template:
    """A template by file name; InvalidParameter when unknown, TemplateError when malformed."""
    try:
        return template_by_name(name)
    except KeyError:
        raise InvalidParameter(f"unknown template {name!r}; available: {', '.join(available_templates())}") from None


# --- geography --------------------------------------------------------------------------------


def municipality_options(db: Database, level: str) -> list[dict]:
    """Municipalities that own areas of the level: id, name, areas, people (largest first)."""
    names = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM areas WHERE level != ?", [level])}
    out: dict[str, dict] = {}
    for r in db.query("SELECT id, name, parent_id, population FROM areas WHERE level = ? ORDER BY id", [level]):
        pid = r["parent_id"]
        if not pid:
            continue
        entry = out.setdefault(pid, {"id": pid, "name": names.get(pid) or _in_brackets(r["name"]) or pid})
        entry["areas"] = entry.get("areas", 0) + 1
        entry["population"] = entry.get("population", 0) + (r["population"] or 0)
    return sorted(out.values(), key=lambda e: (-e["population"], e["name"]))


def _in_brackets(name: str) -> str | None:
    m = re.search(r"\(([^)]+)\)\s*$", name or "")
    return m.group(1) if m else None


def parse_geography(raw: dict) -> dict:
    """Validate a geography definition into its canonical form (InvalidParameter when malformed).

    {"kind": "district"} | {"kind": "municipality", "id": "3544042"} |
    {"kind": "areas", "ids": ["35440163", ...]} | {"kind": "polygon", "geometry": GeoJSON Polygon, lon/lat}
    """
    kind = (raw or {}).get("kind")
    if kind not in GEOGRAPHY_KINDS:
        raise InvalidParameter(f"choose a geography: {', '.join(GEOGRAPHY_KINDS)}")
    if kind == "district":
        return {"kind": "district"}
    if kind == "municipality":
        mid = str(raw.get("id") or "").strip()
        if not re.fullmatch(r"[\w.-]{1,40}", mid):
            raise InvalidParameter("choose a municipality")
        return {"kind": "municipality", "id": mid}
    if kind == "areas":
        ids = sorted({str(i).strip() for i in raw.get("ids") or [] if str(i).strip()})
        if not ids:
            raise InvalidParameter("choose at least one area")
        if len(ids) > 5000 or not all(re.fullmatch(r"[\w.-]{1,40}", i) for i in ids):
            raise InvalidParameter("area ids must be up to 5,000 codes of letters and digits")
        return {"kind": "areas", "ids": ids}
    geom = raw.get("geometry")
    if isinstance(geom, str) and not geom.strip():
        geom = None
    if isinstance(geom, str):
        try:
            geom = json.loads(geom)
        except ValueError:
            raise InvalidParameter("the drawn polygon is not valid GeoJSON") from None
    if not isinstance(geom, dict) or geom.get("type") != "Polygon" or not isinstance(geom.get("coordinates"), list):
        raise InvalidParameter("draw a polygon on the map (at least three points)")
    try:
        ring = [(round(float(x), 6), round(float(y), 6)) for x, y in geom["coordinates"][0]]
    except (TypeError, ValueError, IndexError):
        raise InvalidParameter("the polygon's points must be [longitude, latitude] pairs") from None
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4 or len(ring) > 1001:
        raise InvalidParameter("a polygon needs 3 to 1,000 points")
    if not all(-180 <= x <= 180 and -90 <= y <= 90 and math.isfinite(x + y) for x, y in ring):
        raise InvalidParameter("polygon points must be longitude -180..180 and latitude -90..90")
    poly = shape({"type": "Polygon", "coordinates": [ring]})
    if not poly.is_valid or poly.area == 0:
        raise InvalidParameter("the polygon crosses itself or has no area: draw it again")
    return {"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}}


def geography_key(geo: dict) -> str:
    """Canonical text of a geography definition: two runs of the same place have the same key."""
    return json.dumps(geo, sort_keys=True, separators=(",", ":"))


def resolve_geography(db: Database, geo: dict, level: str) -> tuple[str, list[dict]]:
    """(label, area rows) of a geography; InvalidParameter when it holds no area."""
    all_rows = store.list_areas(db, level)
    if geo["kind"] == "district":
        return "the whole district", all_rows
    if geo["kind"] == "municipality":
        rows = [r for r in all_rows if r["parent_id"] == geo["id"]]
        if not rows:
            raise InvalidParameter(f"no areas belong to municipality {geo['id']!r}")
        names = {m["id"]: m["name"] for m in municipality_options(db, level)}
        return names.get(geo["id"], geo["id"]), rows
    if geo["kind"] == "areas":
        wanted = set(geo["ids"])
        rows = [r for r in all_rows if r["id"] in wanted]
        unknown = sorted(wanted - {r["id"] for r in rows})
        if unknown:
            raise InvalidParameter(f"unknown area(s): {', '.join(unknown[:10])}")
        return f"{len(rows)} chosen area{'s' if len(rows) != 1 else ''}", rows
    ids = set(calc.areas_in_polygon(shape(geo["geometry"]), {r["id"]: (r["rep_lon"], r["rep_lat"]) for r in all_rows}))
    rows = [r for r in all_rows if r["id"] in ids]
    if not rows:
        raise InvalidParameter("no area's centre lies inside the drawn polygon: draw a larger one")
    return f"drawn area ({len(rows)} area{'s' if len(rows) != 1 else ''})", rows


# --- gathering data ---------------------------------------------------------------------------


def reference_rows(data_dir: Path = DATA_DIR) -> dict[str, dict]:
    """Comparator reference values (assets_data/comparators.csv) by geography name."""
    path = data_dir / "comparators.csv"
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["geography"]: r for r in csv.DictReader(fh)}


def asset_rows(db: Database, area_rows: list[dict]) -> list[dict]:
    """Active assets with the small area their point falls in (None: no point, or outside every area)."""
    rows = list(
        db.query(
            "SELECT id, name, category, latitude, longitude, location_precision, confidential FROM assets "
            "WHERE status = 'active' ORDER BY id"
        )
    )
    polygons = {a["id"]: shape(json.loads(a["geometry"])) for a in area_rows if a.get("geometry")}
    points = [
        (r["longitude"], r["latitude"])
        if r["latitude"] is not None and r["longitude"] is not None and r["location_precision"] != "none"
        else None
        for r in rows
    ]
    inside = calc.assign_points(points, polygons) if polygons else [None] * len(rows)
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
    """Per category: unreached people by area id and the run's reach facts (app.analysis.reach_report)."""
    out = {}
    for cat in categories:
        report = analysis.reach_report(db, cat["slug"], circuity=circuity, include_imprecise=include_imprecise)
        out[cat["slug"]] = {
            "unreached": {a["id"]: a["unreached_population"] for a in report["areas"]},
            "assets_used": report["assets_used"],
            "excluded_assets": report["excluded_assets"],
            "thresholds": report["thresholds"],
        }
    return out


def group_reach(data: calc.Data, threshold: int) -> list[dict]:
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


def gather(db: Database, geo: dict, circuity: float, include_imprecise: bool) -> tuple[str, calc.Data, str]:
    """(geography label, the plain data for the computation, area level)."""
    level = analysis.default_level(db)
    label, rows = resolve_geography(db, geo, level)
    district = store.list_areas(db, level)
    municipalities = {r["id"]: r for r in db.query("SELECT * FROM areas WHERE level != ?", [level])}
    categories = [{"slug": c["slug"], "label": c["label"]} for c in store.list_categories(db)]
    data = calc.Data(
        areas=rows,
        district_areas=district,
        municipalities=municipalities,
        assets=asset_rows(db, district),
        reach=reach_inputs(db, categories, circuity, include_imprecise),
        reference=reference_rows(),
        categories=categories,
    )
    return label, data, level


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
        "circuity": analysis.parse_circuity(form.get("circuity")),
        "include_imprecise": analysis.parse_flag(form.get("include_imprecise"), "include_imprecise"),
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
    stamp = store.now_iso()
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
        "version": 1,
        "created_at": stamp,
        "created_by": actor,
        "updated_at": stamp,
        "updated_by": actor,
    }
    with db.atomic():
        db["assessments"].insert(record)
        new_id = int(db.execute("SELECT last_insert_rowid()").fetchone()[0])
        _record(db, new_id, 1, "run", actor, None, json.loads(record["narrative"]), f"run of {run_date}")
    return new_id


def _record(db: Database, assessment_id: int, version: int, action: str, actor: str, before, after, note="") -> None:
    db["assessment_history"].insert(
        {
            "assessment_id": assessment_id,
            "version": version,
            "action": action,
            "actor": actor,
            "at": store.now_iso(),
            "before": json.dumps(before, ensure_ascii=False, sort_keys=True) if before is not None else None,
            "after": json.dumps(after, ensure_ascii=False, sort_keys=True) if after is not None else None,
            "note": note,
        }
    )


def get_assessment(db: Database, assessment_id: int) -> dict:
    """One assessment with its JSON columns decoded; NotFound when absent."""
    rows = list(db.query("SELECT * FROM assessments WHERE id = ?", [assessment_id]))
    if not rows:
        raise NotFound(f"no assessment with id {assessment_id}")
    row = rows[0]
    for key in ("geography", "parameters", "results", "narrative"):
        row[key] = json.loads(row[key])
    return row


def list_assessments(db: Database) -> list[dict]:
    """Saved assessments, newest run first (without their results)."""
    return list(
        db.query(
            "SELECT id, title, geography_label, run_date, template_name, template_version, created_by, updated_at, "
            "version FROM assessments ORDER BY run_date DESC, id DESC"
        )
    )


def previous_run(db: Database, row: dict) -> dict | None:
    """The latest earlier run of the same geography with the same template, or None."""
    rows = list(
        db.query(
            "SELECT id FROM assessments WHERE geography_key = ? AND template_name = ? AND id != ? "
            "AND (run_date < ? OR (run_date = ? AND id < ?)) ORDER BY run_date DESC, id DESC LIMIT 1",
            [row["geography_key"], row["template_name"], row["id"], row["run_date"], row["run_date"], row["id"]],
        )
    )
    return get_assessment(db, rows[0]["id"]) if rows else None


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
    with db.atomic():
        row = get_assessment(db, assessment_id)
        store.check_version("assessment", assessment_id, row, expected_version)
        template = get_template(row["template_name"])
        new = _clean_narrative({**row["narrative"], **values}, template)
        if new == row["narrative"]:
            return False, row
        version = row["version"] + 1
        stamp = store.now_iso()
        cursor = db.execute(
            "UPDATE assessments SET narrative = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            [json.dumps(new, ensure_ascii=False, sort_keys=True), version, stamp, actor, assessment_id, row["version"]],
        )
        if cursor.rowcount != 1:
            raise Conflict(f"assessment {assessment_id} was changed by someone else", get_assessment(db, assessment_id))
        _record(db, assessment_id, version, "edit", actor, row["narrative"], new)
    return True, get_assessment(db, assessment_id)


def assessment_history(db: Database, assessment_id: int) -> list[dict]:
    """History rows, newest first, with the changed fields."""
    rows = list(db.query("SELECT * FROM assessment_history WHERE assessment_id = ? ORDER BY id DESC", [assessment_id]))
    for row in rows:
        before = json.loads(row["before"]) if row["before"] else {}
        after = json.loads(row["after"]) if row["after"] else {}
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


# --- what the pages, print and exports show ------------------------------------------------------


def indicator_rows(row: dict, previous: dict | None = None) -> list[dict]:
    """The indicator table of a run: computed values, or hand-entered ones with their source, and the
    change since the previous run of the same place."""
    manual = row["narrative"].get("manual_values") or {}
    threshold = row["results"]["threshold"]
    similar = 0.05
    out = []
    for ind in row["results"]["indicators"]:
        r = dict(ind)
        entry = manual.get(ind["id"])
        if ind["value"] is None and not ind["suppressed"] and entry:
            small = ind["unit"] == "people" and suppression.is_small(entry["value"], threshold)
            r.update(
                value=None if small else entry["value"],
                suppressed=small,
                source=entry["source"],
                year=entry.get("year") or ind["year"],
                entered=True,
                note=calc.MANUAL,
            )
            basis = next(
                (k for k in ("district", "ontario") if (r["comparators"].get(k) or {}).get("value") is not None), None
            )
            r["judgement"] = (
                calc.judge(r["value"], r["comparators"][basis]["value"], r["direction"], similar) if basis else ""
            )
        else:
            r["entered"] = False
        out.append(r)
    if previous is not None:
        changes = calc.changes_since(out, indicator_rows(previous))
        for r in out:
            r["change"] = changes.get(r["id"])
    return out


def export_rows(row: dict) -> list[dict]:
    """One row per indicator for CSV/XLSX: section, indicator, value, unit, comparators, judgement, source."""
    sections = {s["id"]: s["title"] for s in section_titles(row)}
    out = []
    for r in indicator_rows(row):
        out.append(
            {
                "section": sections.get(r["section"], r["section"]),
                "indicator_id": r["id"],
                "indicator": r["label"],
                "value": None if r["value"] is None else round(r["value"], max(r["digits"], 2)),
                "unit": r["unit"],
                "district_value": (r["comparators"].get("district") or {}).get("value"),
                "ontario_value": (r["comparators"].get("ontario") or {}).get("value"),
                "compared_with_comparator": r.get("judgement") or "",
                "direction": r["direction"].replace("_", " "),
                "source": r["source"],
                "year": r["year"],
                "entered_by_hand": "yes" if r.get("entered") else "no",
                "suppressed": "yes" if r["suppressed"] else "no",
                "note": "" if r["value"] is not None or r["suppressed"] else (r["note"] or calc.NO_DATA),
                "computation": r["compute"],
            }
        )
    return out


EXPORT_FIELDS = [
    "section",
    "indicator_id",
    "indicator",
    "value",
    "unit",
    "district_value",
    "ontario_value",
    "compared_with_comparator",
    "direction",
    "source",
    "year",
    "entered_by_hand",
    "suppressed",
    "note",
    "computation",
]


def section_titles(row: dict) -> list[dict]:
    """The run's template sections (id, title), from the template file (falls back to ids)."""
    try:
        template = get_template(row["template_name"])
    except (InvalidParameter, TemplateError):
        ids = list(dict.fromkeys(i["section"] for i in row["results"]["indicators"]))
        return [{"id": i, "title": i} for i in ids]
    return [{"id": s.id, "title": s.title} for s in template.sections]

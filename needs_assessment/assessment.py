"""Compute a needs assessment from plain values: indicators, comparators, tables, change since last run.

The app fetches areas, assets and reach results and passes them in as plain dicts; nothing here
touches Flask or the database. The result is a JSON-able snapshot that is saved with the run.

Inputs (`Data`):

- `areas`: the small areas (dissemination areas) of the *geography*, each a dict with `id`, `name`,
  `parent_id` (municipality id), `population`, `land_area_km2` and any indicator columns.
- `district_areas`: every small area of the district (the "district" comparator).
- `municipalities`: municipality rows by id (name, population and municipality-level columns such
  as `pop_2016` or `seniors_65plus_2021`).
- `assets`: active assets with `category`, `area_id` (the small area their point falls in, None
  when outside or without a point), `municipality_id`, `precise`, `has_point`, `confidential`.
- `reach`: per category, `unreached` people by area id and the run's reach facts.
- `reference`: reference-table rows by geography name (e.g. Ontario population, land area).

Worked example with two areas of 100 and 300 people:

>>> d = Data(areas=[{"id": "a", "population": 100, "score": 1.0, "parent_id": "m"},
...                 {"id": "b", "population": 300, "score": 3.0, "parent_id": "m"}])
>>> evaluate(("weighted_mean", ("score", "population")), d)
(2.5, '')
>>> evaluate(("rate_per_1000", (("asset_count", ()), ("sum", ("population",)))), d)
(0.0, '')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from needs_assessment import suppression
from needs_assessment.template import Indicator, Template

NO_DATA = "no data loaded — enter a value with its source, or import a census profile"
MANUAL = "entered by hand"
CSD_COVERAGE = 0.95  # municipality sums need figures for at least 95% of the people
QUINTILE_DIMENSIONS = {
    "cimd_residential_instability_quintile": "Residential instability",
    "cimd_ethnocultural_composition_quintile": "Ethno-cultural composition",
    "cimd_economic_dependency_quintile": "Economic dependency",
    "cimd_situational_vulnerability_quintile": "Situational vulnerability",
}
# Determinants of health -> asset categories whose sites could be mobilised for a priority.
DETERMINANTS = {
    "income_employment": ("Income and employment", ("social_services", "community_groups")),
    "housing": ("Housing", ("social_services",)),
    "food_security": ("Food security", ("food", "community_groups")),
    "transportation": ("Transportation", ("transport", "community_groups")),
    "education": ("Education and early years", ("early_years", "culture")),
    "social_connection": ("Social connection", ("community_groups", "recreation", "culture", "parks")),
    "health_care": ("Access to health care", ("health", "transport")),
    "deprivation": ("Deprivation", ("social_services", "food", "community_groups")),
    "other": ("Other", ()),
}


@dataclass
class Data:
    """Everything an assessment is computed from, as plain values (see the module docstring)."""

    areas: list[dict]
    district_areas: list[dict] | None = None
    municipalities: dict[str, dict] = field(default_factory=dict)
    assets: list[dict] = field(default_factory=list)
    reach: dict[str, dict] = field(default_factory=dict)
    reference: dict[str, dict] = field(default_factory=dict)
    categories: list[dict] = field(default_factory=list)


def _num(v) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _csd_rows(data: Data) -> tuple[list[dict], list[str], float]:
    """Municipalities making up the geography: (rows with data, names of missing ones, people in the areas).

    Only whole municipalities count: a municipality with some of its areas outside the
    geography makes the result partial (returned as missing).
    """
    by_csd: dict[str, list[dict]] = {}
    for a in data.areas:
        by_csd.setdefault(a.get("parent_id"), []).append(a)
    all_by_csd: dict[str, int] = {}
    for a in data.district_areas or data.areas:
        all_by_csd[a.get("parent_id")] = all_by_csd.get(a.get("parent_id"), 0) + 1
    rows, missing = [], []
    for csd, members in by_csd.items():
        people = sum(_num(a.get("population")) or 0 for a in members)
        row = data.municipalities.get(csd)
        whole = len(members) == all_by_csd.get(csd, len(members))
        if row is not None and whole:
            rows.append({**row, "_people": people})
        elif people > 0:
            missing.append((row or {}).get("name") or _csd_name(members) or str(csd))
    total = sum(_num(a.get("population")) or 0 for a in data.areas)
    return rows, missing, total


def _csd_name(members: list[dict]) -> str | None:
    name = members[0].get("name") or ""
    return name[name.find("(") + 1 : name.rfind(")")] if "(" in name else None


def evaluate(expr: tuple, data: Data) -> tuple[float | None, str]:
    """Value of a compute expression over the data: (value or None, note saying why/how)."""
    name, args = expr
    if name == "manual":
        return None, NO_DATA
    if name == "sum":
        values = [_num(a.get(args[0])) for a in data.areas]
        known = [v for v in values if v is not None]
        if not known:
            return None, NO_DATA
        missing = len(values) - len(known)
        return float(sum(known)), (f"{missing} area(s) without a value left out" if missing else "")
    if name == "weighted_mean":
        pairs = [(_num(a.get(args[0])), _num(a.get(args[1]))) for a in data.areas]
        pairs = [(v, w) for v, w in pairs if v is not None and w is not None]
        den = sum(w for _, w in pairs)
        if not pairs or den <= 0:
            return None, NO_DATA
        left = sum(1 for a in data.areas if _num(a.get(args[0])) is None and (_num(a.get(args[1])) or 0) > 0)
        return sum(v * w for v, w in pairs) / den, (f"{left} area(s) with people but no value left out" if left else "")
    if name in ("csd_sum", "csd_weighted_mean"):
        return _csd(name, args, data)
    if name in ("ratio", "percent", "rate_per_1000", "percent_change"):
        a, note_a = evaluate(args[0], data)
        b, note_b = evaluate(args[1], data)
        notes = "; ".join(dict.fromkeys(n for n in (note_a, note_b) if n and n != NO_DATA))
        if a is None or b is None:
            return None, NO_DATA if NO_DATA in (note_a, note_b) else notes
        if b == 0:
            return None, "not defined (divides by zero)"
        value = {
            "ratio": a / b,
            "percent": 100 * a / b,
            "rate_per_1000": 1000 * a / b,
            "percent_change": 100 * (a - b) / b,
        }[name]
        return value, notes
    if name in ("share_in_quintile", "people_in_quintile"):
        key, q = args[0], int(args[1])
        known = [(a, _num(a.get(key))) for a in data.areas if _num(a.get("population"))]
        known = [(a, k) for a, k in known if k is not None]
        if not known:
            return None, NO_DATA
        people = sum(_num(a["population"]) for a, k in known if int(k) == q)
        total = sum(_num(a["population"]) for a, _ in known)
        unscored = sum(_num(a.get("population")) or 0 for a in data.areas if _num(a.get(key)) is None)
        note = f"{unscored:,.0f} people in areas without a score left out" if unscored else ""
        return (float(people) if name == "people_in_quintile" else 100 * people / total), note
    if name == "asset_count":
        cat = args[0] if args else None
        if cat and data.categories and cat not in {c["slug"] for c in data.categories}:
            return None, f"no asset category {cat!r}"
        ids = {a["id"] for a in data.areas}
        return float(
            sum(1 for a in data.assets if a.get("area_id") in ids and (cat is None or a["category"] == cat))
        ), ""
    if name in ("reach", "reach_share"):
        result = data.reach.get(args[0])
        if result is None:
            return None, f"no reach analysis for {args[0]!r}"
        unreached = sum(result["unreached"].get(a["id"], 0.0) for a in data.areas)
        if name == "reach":
            return float(unreached), ""
        people = sum(_num(a.get("population")) or 0 for a in data.areas)
        return (100 * unreached / people if people else None), ""
    if name == "areas":
        return float(len(data.areas)), ""
    if name == "ref":
        row = data.reference.get(args[0])
        value = _num(row.get(args[1])) if row else None
        return value, ("" if value is not None else NO_DATA)
    raise ValueError(f"unknown function {name!r}")  # parse_expression never lets one through


def _csd(name: str, args: tuple, data: Data) -> tuple[float | None, str]:
    rows, missing, total = _csd_rows(data)
    col = args[0]
    with_value = [r for r in rows if _num(r.get(col)) is not None]
    if name == "csd_weighted_mean":
        with_value = [r for r in with_value if _num(r.get(args[1])) is not None]
    covered = sum(r["_people"] for r in with_value)
    if not with_value or total <= 0 or covered / total < CSD_COVERAGE:
        if missing and not with_value:
            return None, NO_DATA
        return None, (
            NO_DATA if not with_value else f"known for municipalities with {covered:,.0f} of {total:,.0f} people only"
        )
    if name == "csd_sum":
        value = float(sum(_num(r[col]) for r in with_value))
    else:
        den = sum(_num(r[args[1]]) for r in with_value)
        value = sum(_num(r[col]) * _num(r[args[1]]) for r in with_value) / den if den else None
    note = ""
    if covered < total:
        left = [r.get("name") for r in rows if r not in with_value] + missing
        note = f"municipality figures for {covered:,.0f} of {total:,.0f} people (not available: {', '.join(left)})"
    return value, note


# --- comparing ---------------------------------------------------------------------------------


def judge(value: float | None, comparator: float | None, direction: str, similar_within: float = 0.05) -> str:
    """'better', 'worse' or 'similar' by the indicator's direction; '' when it cannot be judged.

    Similar means within `similar_within` (5%) of the comparator, relative to it.

    >>> judge(12.0, 10.0, "higher_is_better"), judge(12.0, 10.0, "higher_is_worse"), judge(10.4, 10.0, "higher_is_worse")
    ('better', 'worse', 'similar')
    >>> judge(1.0, None, "higher_is_better"), judge(3.0, 1.0, "neutral")
    ('', '')
    """
    if value is None or comparator is None or direction not in ("higher_is_better", "higher_is_worse"):
        return ""
    if abs(value - comparator) <= similar_within * abs(comparator) or value == comparator:
        return "similar"
    higher = value > comparator
    return "better" if higher == (direction == "higher_is_better") else "worse"


def changes_since(current: list[dict], previous: list[dict] | None) -> dict[str, dict]:
    """Per indicator id: the previous run's value and the change (None where either is unknown).

    >>> changes_since([{"id": "pop", "value": 110.0}], [{"id": "pop", "value": 100.0}])
    {'pop': {'previous': 100.0, 'change': 10.0, 'change_pct': 10.0, 'previously_suppressed': False}}
    """
    if not previous:
        return {}
    before = {row["id"]: row for row in previous}
    out = {}
    for row in current:
        prev = before.get(row["id"])
        if prev is None:
            continue
        a, b = row.get("value"), prev.get("value")
        change = None if a is None or b is None else a - b
        out[row["id"]] = {
            "previous": b,
            "change": change,
            "change_pct": (100 * change / b) if change is not None and b else None,
            "previously_suppressed": bool(prev.get("suppressed")),
        }
    return out


# --- geometry helpers (plain shapely) -------------------------------------------------------


def areas_in_polygon(polygon_lonlat: BaseGeometry, rep_points: Mapping[str, tuple[float, float]]) -> list[str]:
    """Ids of the areas whose representative point (lon, lat) lies inside the polygon (or on its edge).

    A representative point always lies inside its area, so each area belongs to exactly one of
    several polygons that tile a district; the approximate area shapes are not used.

    >>> from shapely.geometry import box
    >>> areas_in_polygon(box(0, 0, 1, 1), {"a": (0.5, 0.5), "b": (2.0, 0.5), "c": (1.0, 0.2)})
    ['a', 'c']
    """
    ids = list(rep_points)
    if not ids:
        return []
    xy = np.array([rep_points[i] for i in ids], dtype=float)
    inside = shapely.intersects_xy(polygon_lonlat, xy[:, 0], xy[:, 1])
    return [i for i, keep in zip(ids, inside, strict=True) if keep]


def assign_points(points_lonlat: Sequence[tuple[float, float] | None], polygons: Mapping[str, BaseGeometry]) -> list:
    """For each (lon, lat) point, the id of the first polygon containing it (None: outside all or no point).

    >>> from shapely.geometry import box
    >>> assign_points([(0.5, 0.5), (5, 5), None], {"a": box(0, 0, 1, 1)})
    ['a', None, None]
    """
    ids = list(polygons)
    tree = shapely.STRtree([polygons[i] for i in ids])
    out = []
    for p in points_lonlat:
        if p is None:
            out.append(None)
            continue
        hits = tree.query(shapely.Point(p), predicate="intersects")
        out.append(ids[int(min(hits))] if len(hits) else None)
    return out


# --- the whole assessment ---------------------------------------------------------------------


def compute(
    template: Template,
    data: Data,
    *,
    threshold: int = suppression.DEFAULT_THRESHOLD,
    comparators: Sequence[str] = ("district", "ontario"),
    is_district: bool = False,
) -> dict:
    """Indicators and tables of an assessment (a JSON-able dict). Suppressed counts are stored as None.

    comparators: which comparator columns to compute ('district', 'ontario'); the district one is
    skipped when the geography is the whole district (is_district).
    """
    district = None
    if "district" in comparators and not is_district and data.district_areas is not None:
        district = Data(
            areas=data.district_areas,
            district_areas=data.district_areas,
            municipalities=data.municipalities,
            assets=data.assets,
            reach=data.reach,
            reference=data.reference,
            categories=data.categories,
        )
    rows = []
    for section, ind in template.indicators():
        value, note = evaluate(ind.expression, data)
        row = _indicator_row(section.id, ind, value, note, threshold)
        comps = {}
        if district is not None and "district" in ind.comparators:
            cv, cnote = evaluate(ind.expression, district)
            comps["district"] = {"value": _round(cv), "note": cnote}
        if "ontario" in comparators and "ontario" in ind.comparators and ind.ontario is not None:
            ov, onote = evaluate(ind.ontario, data)
            comps["ontario"] = {"value": _round(ov), "note": onote}
        row["comparators"] = comps
        basis = next((k for k in ("district", "ontario") if comps.get(k, {}).get("value") is not None), None)
        row["judgement"] = (
            judge(row["value"], comps[basis]["value"], ind.direction, template.similar_within) if basis else ""
        )
        row["judged_against"] = basis if row["judgement"] else None
        rows.append(row)
    return {
        "indicators": rows,
        "tables": tables(data, threshold),
        "threshold": threshold,
        "suppression_rule": suppression.rule_text(threshold),
    }


def _round(v: float | None, digits: int = 6) -> float | None:
    return None if v is None else round(float(v), digits)


def _indicator_row(section_id: str, ind: Indicator, value: float | None, note: str, threshold: int) -> dict:
    suppressed = ind.is_count and suppression.is_small(value, threshold)
    return {
        "id": ind.id,
        "section": section_id,
        "label": ind.label,
        "definition": ind.definition,
        "unit": ind.unit,
        "source": ind.source,
        "year": ind.year,
        "direction": ind.direction,
        "compute": ind.compute,
        "digits": ind.digits,
        "manual": ind.is_manual,
        "value": None if suppressed else _round(value),
        "suppressed": suppressed,
        "note": note,
    }


def tables(data: Data, threshold: int) -> dict:
    """The built-in tables of the report, with counts of people suppressed as the rule says."""
    out = {}
    # People by municipality (whole or part) within the geography, with the total.
    by_csd: dict[str, dict] = {}
    for a in data.areas:
        csd = a.get("parent_id")
        entry = by_csd.setdefault(
            csd, {"id": csd, "name": (data.municipalities.get(csd) or {}).get("name") or _csd_name([a]) or csd}
        )
        entry["population"] = (entry.get("population") or 0) + (_num(a.get("population")) or 0)
        entry["areas"] = entry.get("areas", 0) + 1
    muni = sorted(by_csd.values(), key=lambda e: -e["population"])
    sup = suppression.suppress_table([[m["population"]] for m in muni], threshold, col_totals=True)
    total = sum(m["population"] for m in muni)
    out["population_by_area"] = {
        "rows": [
            {**m, "population": None if s[0] else m["population"], "suppressed": s[0]}
            for m, s in zip(muni, sup.cells, strict=True)
        ],
        "total": None if sup.col_totals and sup.col_totals[0] else total,
        "total_suppressed": bool(sup.col_totals and sup.col_totals[0]),
        "areas": len(data.areas),
    }
    # People in each CIMD quintile, per dimension (each row adds up to the people with a score).
    quint = {}
    for key, label in QUINTILE_DIMENSIONS.items():
        counts = [0.0] * 5
        unscored = 0.0
        for a in data.areas:
            pop = _num(a.get("population")) or 0
            q = _num(a.get(key))
            if q is None:
                unscored += pop
            else:
                counts[int(q) - 1] += pop
        if not any(counts):
            continue
        s = suppression.suppress_table([counts], threshold, row_totals=True)
        quint[key] = {
            "label": label,
            "people": [None if h else c for c, h in zip(counts, s.cells[0], strict=True)],
            "suppressed": s.cells[0],
            "total": None if s.row_totals[0] else sum(counts),
            "unscored": unscored,
            "unscored_suppressed": suppression.is_small(unscored, threshold),
        }
        if quint[key]["unscored_suppressed"]:
            quint[key]["unscored"] = None
    out["quintile_distribution"] = quint
    out.update(_asset_tables(data))
    out.update(_reach_tables(data, threshold))
    return out


def _asset_tables(data: Data) -> dict:
    ids = {a["id"] for a in data.areas}
    area_csd = {a["id"]: a.get("parent_id") for a in data.areas}
    inside = [a for a in data.assets if a.get("area_id") in ids]
    people = sum(_num(a.get("population")) or 0 for a in data.areas)
    csd_names = {r["id"]: r["name"] for r in tables_population_names(data)}
    columns = sorted({area_csd[a["area_id"]] for a in inside}, key=lambda c: csd_names.get(c, str(c)))
    by_category, by_area = [], []
    cats = data.categories or [{"slug": s, "label": s} for s in sorted({a["category"] for a in inside})]
    for cat in cats:
        mine = [a for a in inside if a["category"] == cat["slug"]]
        by_category.append(
            {
                "category": cat["slug"],
                "label": cat["label"],
                "count": len(mine),
                "per_1000": round(1000 * len(mine) / people, 3) if people else None,
                "precise": sum(1 for a in mine if a.get("precise")),
                "approximate": sum(1 for a in mine if a.get("has_point") and not a.get("precise")),
                "confidential": sum(1 for a in mine if a.get("confidential")),
            }
        )
        by_area.append(
            {
                "category": cat["slug"],
                "label": cat["label"],
                "counts": [sum(1 for a in mine if area_csd[a["area_id"]] == c) for c in columns],
                "total": len(mine),
            }
        )
    no_point = sum(1 for a in data.assets if not a.get("has_point"))
    return {
        "assets_by_category": {
            "rows": by_category,
            "total": len(inside),
            "per_1000": round(1000 * len(inside) / people, 3) if people else None,
            "precise": sum(1 for a in inside if a.get("precise")),
            "approximate": sum(1 for a in inside if a.get("has_point") and not a.get("precise")),
            "no_point": no_point,  # anywhere: they cannot be placed in an area
        },
        "assets_by_area": {
            "columns": [{"id": c, "name": csd_names.get(c, str(c))} for c in columns],
            "rows": by_area,
            "totals": [sum(r["counts"][k] for r in by_area) for k in range(len(columns))],
        },
        "assets_list": [
            {k: a.get(k) for k in ("id", "name", "category", "precise", "confidential")}
            | {"municipality": csd_names.get(area_csd[a["area_id"]])}
            for a in sorted(inside, key=lambda a: (a["category"], a.get("name") or ""))
        ],
    }


def tables_population_names(data: Data) -> list[dict]:
    """(id, name) of every municipality with areas in the geography."""
    seen = {}
    for a in data.areas:
        csd = a.get("parent_id")
        if csd not in seen:
            seen[csd] = (data.municipalities.get(csd) or {}).get("name") or _csd_name([a]) or str(csd)
    return [{"id": k, "name": v} for k, v in seen.items()]


def _reach_tables(data: Data, threshold: int) -> dict:
    people = sum(_num(a.get("population")) or 0 for a in data.areas)
    by_cat, top, by_quintile, groups = [], [], {}, []
    cats = [c for c in (data.categories or [{"slug": k, "label": k} for k in data.reach]) if c["slug"] in data.reach]
    unreached_matrix = []
    for cat in cats:
        r = data.reach[cat["slug"]]
        unreached = [r["unreached"].get(a["id"], 0.0) for a in data.areas]
        total = float(sum(unreached))
        unreached_matrix.append(total)
        by_cat.append(
            {
                "category": cat["slug"],
                "label": cat["label"],
                "unreached": round(total),
                "share": round(total / people, 4) if people else None,
                "assets_used": r.get("assets_used"),
                "excluded_assets": r.get("excluded_assets"),
                "thresholds": r.get("thresholds"),
            }
        )
        order = sorted(range(len(data.areas)), key=lambda i: -unreached[i])[:5]
        for i in order:
            if unreached[i] < 0.5:
                continue
            a = data.areas[i]
            pop = _num(a.get("population")) or 0
            small = suppression.is_small(unreached[i], threshold)
            top.append(
                {
                    "category": cat["slug"],
                    "label": cat["label"],
                    "area": a.get("name"),
                    "area_id": a["id"],
                    "population": pop,
                    "unreached": None if small else round(unreached[i]),
                    "share": None if small or not pop else round(unreached[i] / pop, 4),
                    "suppressed": small,
                    "quintiles": {k: _num(a.get(k)) for k in QUINTILE_DIMENSIONS},
                }
            )
        for g in r.get("groups", []):
            groups.append({"category": cat["slug"], "label": cat["label"], **g})
    # Category rows are shown with the people of the geography, not a sum: each is its own line.
    sup = suppression.suppress_table([[v] for v in unreached_matrix], threshold)
    for row, s in zip(by_cat, sup.cells, strict=True):
        row["suppressed"] = s[0]
        if s[0]:
            row["unreached"] = row["share"] = None
    for key, label in QUINTILE_DIMENSIONS.items():
        matrix, pops = [], [0.0] * 5
        for a in data.areas:
            q = _num(a.get(key))
            if q is not None:
                pops[int(q) - 1] += _num(a.get("population")) or 0
        if not any(pops):
            continue
        for cat in cats:
            r = data.reach[cat["slug"]]
            row = [0.0] * 5
            for a in data.areas:
                q = _num(a.get(key))
                if q is not None:
                    row[int(q) - 1] += r["unreached"].get(a["id"], 0.0)
            matrix.append([round(v) for v in row])
        s = suppression.suppress_table(matrix, threshold, row_totals=True)
        by_quintile[key] = {
            "label": label,
            "people": pops,
            "rows": [
                {
                    "category": cat["slug"],
                    "label": cat["label"],
                    "unreached": [None if h else v for v, h in zip(vals, hid, strict=True)],
                    "share": [None if h or not p else round(v / p, 4) for v, h, p in zip(vals, hid, pops, strict=True)],
                    "suppressed": hid,
                    "total": None if tot else sum(vals),
                }
                for cat, vals, hid, tot in zip(cats, matrix, s.cells, s.row_totals, strict=True)
            ],
        }
    return {
        "reach_by_category": by_cat,
        "reach_areas": top,
        "reach_by_quintile": by_quintile,
        "reach_groups": groups,
        "population": people,
    }

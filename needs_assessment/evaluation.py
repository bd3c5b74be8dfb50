"""Evaluating compute expressions: the data an assessment is computed from, and an expression's value.

The app fetches areas, assets and reach results and passes them in as plain dicts (`Data`); nothing
here touches Flask or the database. `evaluate()` gives a parsed expression (`expressions`) its
value over the data, with a note saying why a value is missing or what was left out.

Inputs (`Data`):

- `areas`: the small areas (dissemination areas) of the *geography*, each a dict with `id`, `name`,
  `parent_id` (municipality id), `population`, `land_area_km2` and any indicator columns.
- `district_areas`: every small area of the district (the "district" comparator).
- `municipalities`: municipality rows by id (name, population and municipality-level columns such
  as `pop_2016` or `seniors_65plus_2021`).
- `assets`: active assets with `category`, `area_id` (the small area their point falls in, None
  when outside or without a point), `municipality_id`, `precise`, `has_point`, `confidential`.
- `reach`: per category, `unreached` people by area id, `measurable` (False when no asset of the
  category has a usable point: then no figure is given), both `bounds` (precise points only, and
  with approximate points) and the run's reach facts.
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
from collections import Counter
from dataclasses import dataclass, field

NO_DATA = "no data loaded — enter a value with its source, or import a census profile"
MANUAL = "entered by hand"
CSD_COVERAGE = 0.95  # municipality sums need figures for at least 95% of the people


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
    disclosure_key: tuple = ()  # what makes this run's rounded counts its own (see rounding.py)
    bands: dict[str, dict] = field(default_factory=dict)  # deprivation band columns (deprivation_tables)


def to_number(v) -> float | None:
    """v as a finite float; None for None, booleans, text that is not a number, NaN and infinity."""
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
        people = sum(to_number(a.get("population")) or 0 for a in members)
        row = data.municipalities.get(csd)
        whole = len(members) == all_by_csd.get(csd, len(members))
        if row is not None and whole:
            rows.append({**row, "_people": people})
        elif people > 0:
            missing.append((row or {}).get("name") or csd_name(members) or str(csd))
    total = sum(to_number(a.get("population")) or 0 for a in data.areas)
    return rows, missing, total


def csd_name(members: list[dict]) -> str | None:
    """The municipality name in the first area's name, as in "DA 35440123 (Huntsville)"; None without one."""
    name = members[0].get("name") or ""
    return name[name.find("(") + 1 : name.rfind(")")] if "(" in name else None


def evaluate(expr: tuple, data: Data) -> tuple[float | None, str]:
    """Value of a compute expression over the data: (value or None, note saying why/how)."""
    name, args = expr
    if name == "manual":
        return None, NO_DATA
    if name == "sum":
        values = [to_number(a.get(args[0])) for a in data.areas]
        known = [v for v in values if v is not None]
        if not known:
            return None, NO_DATA
        missing = len(values) - len(known)
        return float(sum(known)), (f"{missing} area(s) without a value left out" if missing else "")
    if name == "weighted_mean":
        pairs = [(to_number(a.get(args[0])), to_number(a.get(args[1]))) for a in data.areas]
        pairs = [(v, w) for v, w in pairs if v is not None and w is not None]
        den = sum(w for _, w in pairs)
        if not pairs or den <= 0:
            return None, NO_DATA
        left = sum(1 for a in data.areas if to_number(a.get(args[0])) is None and (to_number(a.get(args[1])) or 0) > 0)
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
        known = [(a, to_number(a.get(key))) for a in data.areas if to_number(a.get("population"))]
        known = [(a, k) for a, k in known if k is not None]
        if not known:
            return None, NO_DATA
        people = sum(to_number(a["population"]) for a, k in known if int(k) == q)
        total = sum(to_number(a["population"]) for a, _ in known)
        unscored = sum(to_number(a.get("population")) or 0 for a in data.areas if to_number(a.get(key)) is None)
        note = f"{unscored:,.0f} people in areas without a score left out" if unscored else ""
        return (float(people) if name == "people_in_quintile" else 100 * people / total), note
    if name in ("share_in_bands", "people_in_bands"):
        key, low, high = args[0], args[1], args[2]
        known = [(a, to_number(a.get(key))) for a in data.areas if to_number(a.get("population"))]
        known = [(a, k) for a, k in known if k is not None]
        if not known:
            return None, NO_DATA
        people = sum(to_number(a["population"]) for a, k in known if low <= k <= high)
        total = sum(to_number(a["population"]) for a, _ in known)
        unscored = sum(to_number(a.get("population")) or 0 for a in data.areas if to_number(a.get(key)) is None)
        note = f"{unscored:,.0f} people in areas without a value left out" if unscored else ""
        return (float(people) if name == "people_in_bands" else 100 * people / total), note
    if name == "asset_count":
        cat = args[0] if args else None
        if cat and data.categories and cat not in {c["slug"] for c in data.categories}:
            return None, f"no asset category {cat!r}"
        return float(sum(1 for a in assets_counted(data) if cat is None or a["category"] == cat)), ""
    if name in ("reach", "reach_share"):
        result = data.reach.get(args[0])
        if result is None:
            return None, f"no reach analysis for {args[0]!r}"
        if not result.get("measurable", True):
            return None, result.get("reason") or "cannot be measured"
        unreached = sum(result["unreached"].get(a["id"], 0.0) for a in data.areas)
        if name == "reach":
            return float(unreached), ""
        people = sum(to_number(a.get("population")) or 0 for a in data.areas)
        return (100 * unreached / people if people else None), ""
    if name == "areas":
        return float(len(data.areas)), ""
    if name == "ref":
        row = data.reference.get(args[0])
        value = to_number(row.get(args[1])) if row else None
        return value, ("" if value is not None else NO_DATA)
    raise ValueError(f"unknown function {name!r}")  # parse_expression never lets one through


def assets_in_geography(data: Data) -> list[dict]:
    """The assets counted in the geography: those of a municipality wholly in it; for a municipality
    only partly in it, those whose point falls in its areas here."""
    district = data.district_areas or data.areas
    ids = {a["id"] for a in data.areas}
    area_csd = {a["id"]: a.get("parent_id") for a in district}
    here, everywhere = Counter(a.get("parent_id") for a in data.areas), Counter(a.get("parent_id") for a in district)
    whole = {csd for csd, n in here.items() if n == everywhere[csd]}  # every area of the municipality is here
    out = []
    for a in data.assets:
        municipality = a.get("municipality_id")
        if municipality in whole:
            out.append(a)
        elif a.get("area_id") in ids and municipality in (None, area_csd[a["area_id"]]):
            out.append({**a, "municipality_id": area_csd[a["area_id"]]})
    return out


def district_only_assets(data: Data) -> tuple[list[dict], list[dict]]:
    """(confidential sites, district-wide assets with no municipality and no point): counted only when
    the geography is the whole district (a confidential site has no public place to count it in)."""
    district = data.district_areas is None or len(data.areas) == len(data.district_areas)
    if not district:
        return [], []
    confidential = [a for a in data.assets if a.get("confidential")]
    unplaced = [
        a
        for a in data.assets
        if not a.get("confidential") and a.get("municipality_id") is None and a.get("area_id") is None
        and not a.get("has_point")
    ]  # fmt: skip
    return confidential, unplaced


def assets_counted(data: Data) -> list[dict]:
    """Every asset the geography counts: those of its municipalities (or its areas), and in the whole
    district the district-wide and confidential ones too; the asset tables and asset_count() agree."""
    confidential, unplaced = district_only_assets(data)
    return assets_in_geography(data) + unplaced + confidential


def _csd(name: str, args: tuple, data: Data) -> tuple[float | None, str]:
    rows, missing, total = _csd_rows(data)
    col = args[0]
    with_value = [r for r in rows if to_number(r.get(col)) is not None]
    if name == "csd_weighted_mean":
        with_value = [r for r in with_value if to_number(r.get(args[1])) is not None]
    covered = sum(r["_people"] for r in with_value)
    if not with_value or total <= 0 or covered / total < CSD_COVERAGE:
        if missing and not with_value:
            return None, NO_DATA
        return None, (
            NO_DATA if not with_value else f"known for municipalities with {covered:,.0f} of {total:,.0f} people only"
        )
    if name == "csd_sum":
        value = float(sum(to_number(r[col]) for r in with_value))
    else:
        den = sum(to_number(r[args[1]]) for r in with_value)
        value = sum(to_number(r[col]) * to_number(r[args[1]]) for r in with_value) / den if den else None
    note = ""
    if covered < total:
        left = [r.get("name") for r in rows if r not in with_value] + missing
        note = f"municipality figures for {covered:,.0f} of {total:,.0f} people (not available: {', '.join(left)})"
    return value, note

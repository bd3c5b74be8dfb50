"""The built-in tables of an assessment report, every count of people published under the rule.

`tables()` gives, for the geography: people by municipality with the total, people in each
deprivation quintile per dimension, community assets by category and by municipality (counts of
places are public, not rounded), and people beyond reach (report_reach). Every count of people goes
through `rounding.Publisher`: small counts hidden, the rest randomly rounded to a multiple of 5,
each cell on its own, so no hidden count can be worked out within or across tables. A
municipality whose areas have no census count at all was not enumerated: it says so, never 0.
"""

from __future__ import annotations

from needs_assessment import deprivation_tables
from needs_assessment.evaluation import Data, assets_in_geography, csd_name, district_only_assets, to_number
from needs_assessment.report_reach import QUINTILE_DIMENSIONS, reach_tables
from needs_assessment.rounding import Publisher


def tables(data: Data, threshold: int) -> dict:
    """The built-in tables of the report."""
    pub = Publisher(data.disclosure_key, threshold)
    out = {"population_by_area": _population_table(data, pub)}
    out["quintile_distribution"] = _quintile_table(data, pub)
    out.update(_asset_tables(data))
    out.update(reach_tables(data, pub))
    out.update(deprivation_tables.tables(data, pub))  # whatever indices the place has
    return out


def _population_table(data: Data, pub: Publisher) -> dict:
    """People by municipality (whole or part) within the geography, with the total and 2016 where known."""
    by_csd: dict[str, dict] = {}
    for a in data.areas:
        csd = a.get("parent_id")
        entry = by_csd.setdefault(
            csd,
            {"id": csd, "name": (data.municipalities.get(csd) or {}).get("name") or csd_name([a]) or csd, "counted": 0},
        )
        people = to_number(a.get("population"))
        entry["raw"] = (entry.get("raw") or 0) + (people or 0)
        entry["counted"] += people is not None
        entry["areas"] = entry.get("areas", 0) + 1
    ordered = sorted(by_csd.values(), key=lambda e: -e["raw"])
    cells = {m["id"]: m["raw"] for m in ordered if m["counted"]}
    cells["total"] = sum(m["raw"] for m in ordered)
    facts = {m["id"]: data.municipalities.get(m["id"]) or {} for m in ordered}
    whole = {
        m["id"]
        for m in ordered
        if m["areas"] == sum(a.get("parent_id") == m["id"] for a in (data.district_areas or data.areas))
    }
    cells.update(
        {
            ("2016", m["id"]): to_number(facts[m["id"]].get("pop_2016"))
            for m in ordered
            if m["id"] in whole and to_number(facts[m["id"]].get("pop_2016")) is not None
        }
    )
    shown = pub.table(cells, "population")
    rows = []
    for m in ordered:
        row = {k: v for k, v in m.items() if k != "raw"}
        if not m["counted"]:
            row.update(population=None, suppressed=False, not_enumerated=True)
        else:
            row["population"], row["suppressed"] = shown[m["id"]]
            row["not_enumerated"] = False
        if ("2016", m["id"]) in shown:
            row["population_2016"], row["population_2016_suppressed"] = shown[("2016", m["id"])]
        rows.append(row)
    return {
        "rows": rows,
        "total": shown["total"][0],
        "total_suppressed": shown["total"][1],
        "areas": len(data.areas),
        "not_enumerated": [r["name"] for r in rows if r["not_enumerated"]],
    }


def _quintile_table(data: Data, pub: Publisher) -> dict:
    """People in each deprivation quintile, per dimension (each row adds up to the people with a score)."""
    quint = {}
    for key, label in QUINTILE_DIMENSIONS.items():
        counts = [0.0] * 5
        unscored = 0.0
        for a in data.areas:
            pop = to_number(a.get("population")) or 0
            q = to_number(a.get(key))
            if q is None:
                unscored += pop
            else:
                counts[int(q) - 1] += pop
        if not any(counts):
            continue
        shown = pub.table(
            {**dict(enumerate(counts, start=1)), "total": sum(counts), "unscored": unscored}, "quintile", key
        )
        quint[key] = {
            "label": label,
            "people": [shown[k][0] for k in range(1, 6)],
            "suppressed": [shown[k][1] for k in range(1, 6)],
            "total": shown["total"][0],
            "total_suppressed": shown["total"][1],
            "unscored": shown["unscored"][0],
            "unscored_suppressed": shown["unscored"][1],
        }
    return quint


def _asset_tables(data: Data) -> dict:
    inside = assets_in_geography(data)
    people = sum(to_number(a.get("population")) or 0 for a in data.areas)
    csd_names = {r["id"]: r["name"] for r in tables_population_names(data)}
    columns = sorted(
        {a["municipality_id"] for a in inside if a["municipality_id"]}, key=lambda c: csd_names.get(c, str(c))
    )
    confidential, unplaced = district_only_assets(data)
    counted = inside + unplaced
    by_category, by_area = [], []
    cats = data.categories or [{"slug": s, "label": s} for s in sorted({a["category"] for a in inside})]
    for cat in cats:
        mine = [a for a in counted if a["category"] == cat["slug"]]
        secret = sum(1 for a in confidential if a["category"] == cat["slug"])
        count = len(mine) + secret
        by_category.append(
            {
                "category": cat["slug"],
                "label": cat["label"],
                "count": count,
                "per_1000": round(1000 * count / people, 6) if people else None,
                "precise": sum(1 for a in mine if a.get("precise")),
                "approximate": sum(1 for a in mine if a.get("has_point") and not a.get("precise")),
                "no_point": sum(1 for a in mine if not a.get("has_point")),
                "confidential": secret,
            }
        )
        by_area.append(
            {
                "category": cat["slug"],
                "label": cat["label"],
                "counts": [sum(1 for a in mine if a.get("municipality_id") == c) for c in columns],
                "total": sum(1 for a in mine if a.get("municipality_id") in columns),
            }
        )
    assigned = {how: sum(1 for a in inside if a.get("assigned_by") == how) for how in ("field", "point", "nearest")}
    total = len(counted) + len(confidential)
    return {
        "assets_by_category": {
            "rows": by_category,
            "total": total,
            "per_1000": round(1000 * total / people, 6) if people else None,
            "precise": sum(1 for a in counted if a.get("precise")),
            "approximate": sum(1 for a in counted if a.get("has_point") and not a.get("precise")),
            "no_point": sum(1 for a in counted if not a.get("has_point")),
            "confidential": len(confidential),
            "assigned": assigned,
            "district_wide": len(unplaced),
        },
        "assets_by_area": {
            "columns": [{"id": c, "name": csd_names.get(c, str(c))} for c in columns],
            "rows": by_area,
            "totals": [sum(r["counts"][k] for r in by_area) for k in range(len(columns))],
        },
        "assets_list": [
            {k: a.get(k) for k in ("id", "name", "category", "precise", "assigned_by")}
            | {"municipality": csd_names.get(a["municipality_id"])}
            for a in sorted(inside, key=lambda a: (a["category"], a.get("name") or ""))
        ],
    }


def tables_population_names(data: Data) -> list[dict]:
    """(id, name) of every municipality with areas in the geography."""
    seen = {}
    for a in data.areas:
        csd = a.get("parent_id")
        if csd not in seen:
            seen[csd] = (data.municipalities.get(csd) or {}).get("name") or csd_name([a]) or str(csd)
    return [{"id": k, "name": v} for k, v in seen.items()]

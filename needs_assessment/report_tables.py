"""The built-in tables of an assessment report, with counts of people suppressed as the rule says.

`tables()` gives, for the geography: people by municipality with the total, people in each CIMD
quintile per dimension, community assets by category and by municipality (counts of places are
public, not suppressed), and people beyond reach by category, by quintile and in the areas with the
most. Counts of people pass through `suppression.suppress_table()` so that no small count is shown or
can be worked out from a total.
"""

from __future__ import annotations

from needs_assessment import deprivation_tables, suppression
from needs_assessment.evaluation import Data, csd_name, to_number

QUINTILE_DIMENSIONS = {
    "cimd_residential_instability_quintile": "Residential instability",
    "cimd_ethnocultural_composition_quintile": "Ethno-cultural composition",
    "cimd_economic_dependency_quintile": "Economic dependency",
    "cimd_situational_vulnerability_quintile": "Situational vulnerability",
}


def tables(data: Data, threshold: int) -> dict:
    """The built-in tables of the report, with counts of people suppressed as the rule says."""
    out = {}
    # People by municipality (whole or part) within the geography, with the total.
    by_csd: dict[str, dict] = {}
    for a in data.areas:
        csd = a.get("parent_id")
        entry = by_csd.setdefault(
            csd, {"id": csd, "name": (data.municipalities.get(csd) or {}).get("name") or csd_name([a]) or csd}
        )
        entry["population"] = (entry.get("population") or 0) + (to_number(a.get("population")) or 0)
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
            pop = to_number(a.get("population")) or 0
            q = to_number(a.get(key))
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
    out.update(deprivation_tables.tables(data, threshold))  # whatever indices the place has
    return out


def _asset_tables(data: Data) -> dict:
    ids = {a["id"] for a in data.areas}
    area_csd = {a["id"]: a.get("parent_id") for a in data.areas}
    inside = [a for a in data.assets if a.get("area_id") in ids]
    people = sum(to_number(a.get("population")) or 0 for a in data.areas)
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
            seen[csd] = (data.municipalities.get(csd) or {}).get("name") or csd_name([a]) or str(csd)
    return [{"id": k, "name": v} for k, v in seen.items()]


def _reach_tables(data: Data, threshold: int) -> dict:
    people = sum(to_number(a.get("population")) or 0 for a in data.areas)
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
            pop = to_number(a.get("population")) or 0
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
                    "quintiles": {k: to_number(a.get(k)) for k in QUINTILE_DIMENSIONS},
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
            q = to_number(a.get(key))
            if q is not None:
                pops[int(q) - 1] += to_number(a.get("population")) or 0
        if not any(pops):
            continue
        for cat in cats:
            r = data.reach[cat["slug"]]
            row = [0.0] * 5
            for a in data.areas:
                q = to_number(a.get(key))
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

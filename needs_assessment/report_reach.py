"""The report's "who isn't reached" tables: both bounds, by category, by deprivation quintile, in
the areas with the most, and for priority groups; every count of people published under the rule.

A category none of whose assets has a usable point cannot be measured: its row says so (with the
reason) and gives no figure, never "100% beyond reach". Both bounds are always given: people
beyond reach counting only the points at or near the site, and counting approximate points (town
and municipality centres, rural postal codes, points known to be off) as the site. Both are
estimates: the inventory is incomplete and road distance is assumed.
"""

from __future__ import annotations

from needs_assessment.evaluation import Data, to_number
from needs_assessment.rounding import Publisher

QUINTILE_DIMENSIONS = {
    "cimd_residential_instability_quintile": "Residential instability",
    "cimd_ethnocultural_composition_quintile": "Ethno-cultural composition",
    "cimd_economic_dependency_quintile": "Economic dependency",
    "cimd_situational_vulnerability_quintile": "Situational vulnerability",
}
# Group counts held per municipality that the section breaks down.
GROUP_COLUMNS = {"seniors_65plus_2021": "Seniors aged 65 and over", "indigenous_2021": "Indigenous identity"}
TOP_AREAS = 5


def reach_tables(data: Data, pub: Publisher) -> dict:
    """reach_by_category, reach_areas, reach_by_quintile, reach_groups and the population."""
    people = sum(to_number(a.get("population")) or 0 for a in data.areas)
    cats = [c for c in (data.categories or [{"slug": k, "label": k} for k in data.reach]) if c["slug"] in data.reach]
    return {
        "reach_by_category": [_category_row(data, cat, people, pub) for cat in cats],
        "reach_areas": _top_areas(data, cats, pub),
        "reach_by_quintile": _by_quintile(data, cats, pub),
        "reach_groups": _groups(data, cats, pub),
        "population": people,
    }


def band_row(pub: Publisher, kind: str, cat: dict, key: str, unreached: list, pops: list, values: list) -> dict:
    """A measurable category's row of people beyond reach in each band of `key` (shares of the band's
    people `pops`) and in total, each count published under the rule (`kind` names the figure)."""
    cells = [pub.share(u, p, kind, cat["slug"], key, v) for u, p, v in zip(unreached, pops, values, strict=True)]
    total, total_hidden = pub.count(sum(unreached), kind, cat["slug"], key, "total")
    return {
        "category": cat["slug"],
        "label": cat["label"],
        "measurable": True,
        "unreached": [c[0] for c in cells],
        "share": [c[1] for c in cells],
        "suppressed": [c[2] for c in cells],
        "total": total,
        "total_suppressed": total_hidden,
    }


def _bound(data: Data, bound: dict, people: float, pub: Publisher, *where) -> dict:
    if not bound.get("measurable", True):
        return {
            "measurable": False,
            "reason": bound.get("reason"),
            "unreached": None,
            "share": None,
            "suppressed": False,
        }
    total = float(sum(bound["unreached"].get(a["id"], 0.0) for a in data.areas))
    shown, share, hidden = pub.share(total, people, *where)
    return {
        "measurable": True,
        "reason": None,
        "unreached": shown,
        "share": share,
        "suppressed": hidden,
        "assets_used": bound["assets_used"],
    }


def _category_row(data: Data, cat: dict, people: float, pub: Publisher) -> dict:
    r = data.reach[cat["slug"]]
    bounds = r.get("bounds") or {"precise": r, "with_approximate": r}
    # one cell for both bounds: the draw depends on the value, so the same figure is one number
    precise = _bound(data, bounds["precise"], people, pub, "reach", cat["slug"])
    loose = _bound(data, bounds["with_approximate"], people, pub, "reach", cat["slug"])
    ids = {a["id"] for a in data.areas}
    return {
        "category": cat["slug"],
        "label": cat["label"],
        "measurable": r.get("measurable", True),
        "reason": r.get("reason"),
        "precise": precise,
        "with_approximate": loose,
        "chosen": r.get("chosen", "precise"),
        "unreached": (loose if r.get("chosen") == "with_approximate" else precise)["unreached"],
        "share": (loose if r.get("chosen") == "with_approximate" else precise)["share"],
        "suppressed": (loose if r.get("chosen") == "with_approximate" else precise)["suppressed"],
        "assets_used": r.get("assets_used"),
        "excluded_assets": r.get("excluded_assets"),
        "excluded_by_precision": r.get("excluded_by_precision") or {},
        "uncertain_areas": sum(1 for a in r.get("uncertain", []) if a in ids),
        "thresholds": r.get("thresholds"),
    }


def _top_areas(data: Data, cats: list[dict], pub: Publisher) -> list[dict]:
    out = []
    for cat in cats:
        r = data.reach[cat["slug"]]
        if not r.get("measurable", True):
            continue
        unreached = [r["unreached"].get(a["id"], 0.0) for a in data.areas]
        order = sorted(range(len(data.areas)), key=lambda i: -unreached[i])[:TOP_AREAS]
        for i in order:
            if unreached[i] < 0.5:
                continue
            a = data.areas[i]
            pop, pop_hidden = pub.count(to_number(a.get("population")), "area-population", a["id"])
            shown, share, hidden = pub.share(
                unreached[i], pop, "reach-area", cat["slug"], a["id"], whole=to_number(a.get("population"))
            )
            out.append(
                {
                    "category": cat["slug"],
                    "label": cat["label"],
                    "area": a.get("name"),
                    "area_id": a["id"],
                    "population": pop,
                    "population_suppressed": pop_hidden,
                    "unreached": shown,
                    "share": None if pop_hidden else share,
                    "suppressed": hidden,
                    "uncertain": a["id"] in set(r.get("uncertain", [])),
                    "quintiles": {k: to_number(a.get(k)) for k in QUINTILE_DIMENSIONS},
                }
            )
    return out


def _by_quintile(data: Data, cats: list[dict], pub: Publisher) -> dict:
    out = {}
    for key, label in QUINTILE_DIMENSIONS.items():
        pops = [0.0] * 5
        for a in data.areas:
            q = to_number(a.get(key))
            if q is not None:
                pops[int(q) - 1] += to_number(a.get("population")) or 0
        if not any(pops):
            continue
        shown_pops = [pub.count(p, "quintile", key, k) for k, p in enumerate(pops, start=1)]
        rows = []
        for cat in cats:
            r = data.reach[cat["slug"]]
            if not r.get("measurable", True):
                rows.append(
                    {"category": cat["slug"], "label": cat["label"], "measurable": False, "reason": r.get("reason")}
                )
                continue
            row = [0.0] * 5
            for a in data.areas:
                q = to_number(a.get(key))
                if q is not None:
                    row[int(q) - 1] += r["unreached"].get(a["id"], 0.0)
            rows.append(band_row(pub, "reach-quintile", cat, key, row, [p for p, _ in shown_pops], [1, 2, 3, 4, 5]))
        out[key] = {
            "label": label,
            "people": [p for p, _ in shown_pops],
            "people_suppressed": [h for _, h in shown_pops],
            "rows": rows,
        }
    return out


def _groups(data: Data, cats: list[dict], pub: Publisher) -> list[dict]:
    """People of priority groups beyond reach, from municipal group counts: each group is assumed spread
    like the people of its municipality; only whole municipalities with a count are used."""
    by_csd: dict[str, list[dict]] = {}
    for a in data.areas:
        by_csd.setdefault(a.get("parent_id"), []).append(a)
    counts: dict[str, int] = {}
    for a in data.district_areas or data.areas:
        counts[a.get("parent_id")] = counts.get(a.get("parent_id"), 0) + 1
    out = []
    for col, label in GROUP_COLUMNS.items():
        munis = [
            (members, data.municipalities[csd])
            for csd, members in by_csd.items()
            if csd in data.municipalities
            and to_number(data.municipalities[csd].get(col)) is not None
            and len(members) == counts.get(csd)
        ]
        if not munis:
            continue
        size = sum(to_number(row[col]) for _, row in munis)
        size_shown, size_hidden = pub.count(size, "group", col)
        for cat in cats:
            r = data.reach[cat["slug"]]
            entry = {
                "group": label,
                "category": cat["slug"],
                "label": cat["label"],
                "municipalities": [row["name"] for _, row in munis],
                "people": size_shown,
                "people_suppressed": size_hidden,
                "measurable": r.get("measurable", True),
            }
            if not entry["measurable"]:
                out.append({**entry, "unreached": None, "share": None, "suppressed": False})
                continue
            beyond = 0.0
            for members, row in munis:
                pop = sum(to_number(m.get("population")) or 0 for m in members)
                unreached = sum(r["unreached"].get(m["id"], 0.0) for m in members)
                beyond += to_number(row[col]) * (unreached / pop if pop else 0.0)
            shown, share, hidden = pub.share(beyond, size_shown, "group-reach", col, cat["slug"])
            out.append({**entry, "unreached": shown, "share": None if size_hidden else share, "suppressed": hidden})
    return out

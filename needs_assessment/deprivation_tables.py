"""Report tables for whatever deprivation indices a place has (CIMD quintiles, IMD deciles, Core20).

`Data.bands` says which area columns are bands of an index: {key: {"label", "role" ("band" or
"flag"), "bands" (5, 10; 2 for a flag), "most_deprived" (the most deprived band: 5 for CIMD
quintiles, 1 for IMD deciles; 1 for a flag), "index_key"}}. A *headline* band is one whose index is
not a domain of another index the place has (the IMD decile and Core20, not the IMD income domain;
all four CIMD dimensions). Counts of people are published under the same rule as the other report
tables (`rounding.Publisher`); a category that cannot be measured says so instead of counts.

Worked example: two areas of 100 and 300 people in IMD deciles 1 and 4.

>>> from needs_assessment.evaluation import Data
>>> d = Data(areas=[{"id": "a", "population": 100, "imd_decile": 1}, {"id": "b", "population": 300, "imd_decile": 4}],
...          bands={"imd_decile": {"label": "IMD", "role": "band", "bands": 10, "most_deprived": 1, "index_key": "imd"}})
>>> from needs_assessment.rounding import Publisher
>>> t = tables(d, Publisher(("example",), threshold=5))["deprivation_distribution"]["imd_decile"]
>>> t["values"][:4], t["people"][:4], t["total"]
([1, 2, 3, 4], [100, 0, 0, 300], 400)
"""

from __future__ import annotations

from needs_assessment.evaluation import Data, to_number
from needs_assessment.rounding import Publisher


def band_values(meta: dict) -> list[int]:
    """The band values from the most to the least deprived (a flag: 1 then 0)."""
    if meta.get("role") == "flag":
        return [1, 0]
    n = int(meta.get("bands") or 5)
    return list(range(1, n + 1)) if int(meta.get("most_deprived") or n) == 1 else list(range(n, 0, -1))


def headline_keys(bands: dict[str, dict]) -> list[str]:
    """Band columns of the place's main indices (not domains of another index), in declared order."""
    indices = {m.get("index_key") for m in bands.values() if m.get("role") == "band"}
    return [
        k
        for k, m in bands.items()
        if not any(m.get("index_key", "").startswith(f"{other}_") for other in indices if other)
    ]


def _people_by_band(data: Data, key: str, values: list[int]) -> tuple[list[float], float]:
    counts = dict.fromkeys(values, 0.0)
    unscored = 0.0
    for a in data.areas:
        pop = to_number(a.get("population")) or 0
        v = to_number(a.get(key))
        if v is None or int(v) not in counts:
            unscored += pop
        else:
            counts[int(v)] += pop
    return [counts[v] for v in values], unscored


def tables(data: Data, pub: Publisher) -> dict:
    """deprivation_distribution (people per band, every index), reach_by_deprivation (people beyond
    reach per band, headline indices) and area_bands (headline band values per area id)."""
    dist, by_band = {}, {}
    for key, meta in data.bands.items():
        values = band_values(meta)
        counts, unscored = _people_by_band(data, key, values)
        if not any(counts):
            continue
        cells = {**dict(zip(values, counts, strict=True)), "total": sum(counts), "unscored": unscored}
        shown = pub.table(cells, "band", key)
        dist[key] = {
            "label": meta.get("label") or key,
            "role": meta.get("role"),
            "values": values,
            "people": [shown[v][0] for v in values],
            "suppressed": [shown[v][1] for v in values],
            "total": shown["total"][0],
            "total_suppressed": shown["total"][1],
            "unscored": shown["unscored"][0],
            "unscored_suppressed": shown["unscored"][1],
        }
    cats = [c for c in (data.categories or [{"slug": k, "label": k} for k in data.reach]) if c["slug"] in data.reach]
    for key in [k for k in headline_keys(data.bands) if k in dist]:
        values = dist[key]["values"]
        pops = dist[key]["people"]
        by_band[key] = {
            "label": dist[key]["label"],
            "role": dist[key]["role"],
            "values": values,
            "people": pops,
            "rows": [_reach_row(data, cat, key, values, pops, pub) for cat in cats],
        }
    headline = [k for k in headline_keys(data.bands) if k in dist]
    area_bands = {a["id"]: {k: to_number(a.get(k)) for k in headline} for a in data.areas}
    return {"deprivation_distribution": dist, "reach_by_deprivation": by_band, "area_bands": area_bands}


def _reach_row(data: Data, cat: dict, key: str, values: list[int], pops: list, pub: Publisher) -> dict:
    """People beyond reach of one category in each band (the run's chosen bound), or why not measurable."""
    r = data.reach[cat["slug"]]
    if not r.get("measurable", True):
        return {"category": cat["slug"], "label": cat["label"], "measurable": False, "reason": r.get("reason")}
    row = dict.fromkeys(values, 0.0)
    for a in data.areas:
        v = to_number(a.get(key))
        if v is not None and int(v) in row:
            row[int(v)] += r["unreached"].get(a["id"], 0.0)
    cells = [pub.share(row[v], p, "reach-band", cat["slug"], key, v) for v, p in zip(values, pops, strict=True)]
    total, total_hidden = pub.count(sum(row.values()), "reach-band", cat["slug"], key, "total")
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

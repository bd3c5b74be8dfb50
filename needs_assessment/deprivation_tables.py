"""Report tables for whatever deprivation indices a place has (CIMD quintiles, IMD deciles, Core20).

`Data.bands` says which area columns are bands of an index: {key: {"label", "role" ("band" or
"flag"), "bands" (5, 10; 2 for a flag), "most_deprived" (the most deprived band: 5 for CIMD
quintiles, 1 for IMD deciles; 1 for a flag), "index_key"}}. A *headline* band is one whose index is
not a domain of another index the place has (the IMD decile and Core20, not the IMD income domain;
all four CIMD dimensions). Counts of people are suppressed like the other report tables.

Worked example: two areas of 100 and 300 people in IMD deciles 1 and 4.

>>> from needs_assessment.evaluation import Data
>>> d = Data(areas=[{"id": "a", "population": 100, "imd_decile": 1}, {"id": "b", "population": 300, "imd_decile": 4}],
...          bands={"imd_decile": {"label": "IMD", "role": "band", "bands": 10, "most_deprived": 1, "index_key": "imd"}})
>>> t = tables(d, threshold=5)["deprivation_distribution"]["imd_decile"]
>>> t["values"][:4], t["people"][:4], t["total"]
([1, 2, 3, 4], [100.0, 0.0, 0.0, 300.0], 400.0)
"""

from __future__ import annotations

from needs_assessment import suppression
from needs_assessment.evaluation import Data, to_number


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


def tables(data: Data, threshold: int) -> dict:
    """deprivation_distribution (people per band, every index), reach_by_deprivation (people beyond
    reach per band, headline indices) and area_bands (headline band values per area id)."""
    dist, by_band = {}, {}
    for key, meta in data.bands.items():
        values = band_values(meta)
        counts, unscored = _people_by_band(data, key, values)
        if not any(counts):
            continue
        s = suppression.suppress_table([counts], threshold, row_totals=True)
        dist[key] = {
            "label": meta.get("label") or key,
            "role": meta.get("role"),
            "values": values,
            "people": [None if h else c for c, h in zip(counts, s.cells[0], strict=True)],
            "suppressed": s.cells[0],
            "total": None if s.row_totals[0] else sum(counts),
            "unscored": None if suppression.is_small(unscored, threshold) else unscored,
            "unscored_suppressed": suppression.is_small(unscored, threshold),
        }
    cats = [c for c in (data.categories or [{"slug": k, "label": k} for k in data.reach]) if c["slug"] in data.reach]
    headline = [k for k in headline_keys(data.bands) if k in dist]
    for key in headline:
        values = dist[key]["values"]
        pops, _ = _people_by_band(data, key, values)
        matrix = []
        for cat in cats:
            unreached = data.reach[cat["slug"]]["unreached"]
            row = dict.fromkeys(values, 0.0)
            for a in data.areas:
                v = to_number(a.get(key))
                if v is not None and int(v) in row:
                    row[int(v)] += unreached.get(a["id"], 0.0)
            matrix.append([round(row[v]) for v in values])
        s = suppression.suppress_table(matrix, threshold, row_totals=True) if matrix else None
        by_band[key] = {
            "label": dist[key]["label"],
            "role": dist[key]["role"],
            "values": values,
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
            ]
            if s
            else [],
        }
    area_bands = {a["id"]: {k: to_number(a.get(k)) for k in headline} for a in data.areas}
    return {"deprivation_distribution": dist, "reach_by_deprivation": by_band, "area_bands": area_bands}

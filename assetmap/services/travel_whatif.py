"""Access (2SFCA) and what-if by travel time: from a mode's matrix or along its road network.

What-if in matrix mode: closing sites is answered from the matrix (their columns are dropped);
a new site is not in the matrix (the routing engine never saw it), so it is measured on the
mode's road network when one is loaded (before *and* after, so the change is like for like),
and otherwise the answer says why it cannot be given. In network mode a new site is snapped to
the network and searched from (one search per new site, merged with the cached search).
Nothing is saved. No Flask here.
"""

from __future__ import annotations

import numpy as np
from sqlite_utils import Database

from assetmap import store
from assetmap.errors import InvalidParameter
from assetmap.services.areadata import LRU, default_level, load_area_data
from assetmap.services.reach import _round, assets_for, category_row
from assetmap.services.travel import (
    TravelQuery,
    matrix_data,
    measure,
    measure_matrix,
    measure_network,
    network_data,
    network_source,
    report_setup,
    source_for,
)
from needs_assessment import access as fca
from needs_assessment import network, traveltime

_access_cache = LRU(64)


def cannot_add_reason(mode: str) -> str:
    """Why a new site cannot be measured from a matrix alone."""
    fix = (
        f" Load a {mode} road network (import-network --mode {mode}) to try new sites,"
        if mode != "transit"
        else " Public transport has no road network fallback;"
    )
    return (
        f"The {mode} travel-time matrix was computed by a routing engine for the sites that exist; it has no "
        f"times to a new site.{fix} or measure by straight line. Closing existing sites works from the matrix."
    )


def can_add_sites(db: Database, mode: str, prefer: str | None = None) -> bool:
    """True when a what-if in this mode can measure a new site (network mode, or a network to fall back on)."""
    src = source_for(db, mode, prefer)
    return src.kind == "network" or network_source(db, mode) is not None


def scenario_report(db: Database, category: str, scenario: dict, q: TravelQuery) -> dict:
    """Before/after totals and per-area changes for hypothetical new and closed sites, by travel time."""
    cat, src, level, threshold, basis = report_setup(db, category, q)
    mode = q.mode
    data = load_area_data(db, level)
    assets = assets_for(db, category, q.include_imprecise)
    known = {r["id"] for r in store.public_rows(db, categories=[category])}
    unknown = [i for i in scenario["remove"] if i not in known]
    if unknown:
        raise InvalidParameter(f"remove: no active {category} asset with id {', '.join(map(str, unknown))}")
    removed = set(scenario["remove"])
    keep = np.array([i not in removed for i in assets.ids], dtype=bool)
    added = np.array([[lon, lat] for lon, lat, _ in scenario["add"]], dtype=float).reshape(-1, 2)
    note = ""
    if src.kind == "matrix" and len(added):
        fallback = network_source(db, mode)
        if fallback is None:
            raise InvalidParameter(cannot_add_reason(mode))
        note = (
            f"The {mode} matrix has no times to a new site, so before and after are both measured on the "
            f"{mode} road network ({fallback.label}, {fallback.imported_at[:10]})."
        )
        src = fallback
    before = measure(db, src, data, assets, threshold, category)
    if src.kind == "matrix":
        after = measure_matrix(
            matrix_data(db, mode, data), data, [i for i, k in zip(assets.ids, keep, strict=True) if k], threshold
        )
    else:
        nd = network_data(db, src, data)
        after_lonlat = np.vstack([assets.lonlat[keep], added])
        times = None
        if keep.all():  # additions only: one search per new site, merged with the cached one
            times = before.extra["times"]
            snapped = network.snap(nd.graph, data.proj.xy(added)) if len(added) else None
            for k in range(len(added)):
                offset = float(snapped.seconds(network.WALK_KMH)[k])
                times = network.add_site(nd.graph, times, int(snapped.node[k]), offset, len(assets.ids) + k)
        after = measure_network(nd, data, after_lonlat, threshold, times)
    areas = []
    for i in range(len(data.ids)):
        if not before.area_in[i]:
            continue
        delta = after.unreached[i] - before.unreached[i]
        if abs(delta) < 0.05:
            continue
        areas.append(
            {
                "id": data.ids[i],
                "name": data.names[i],
                "population": None if np.isnan(data.population[i]) else int(data.population[i]),
                "unreached_before": _round(before.unreached[i]),
                "unreached_after": _round(after.unreached[i]),
                "delta": _round(delta),
            }
        )
    areas.sort(key=lambda a: a["delta"])
    total_before, total_after = float(before.unreached.sum()), float(after.unreached.sum())
    return {
        "category": category,
        "category_label": cat["label"],
        "threshold_m": None,
        "thresholds": {"minutes": threshold, "basis": basis},
        "circuity": None,
        "distance_method": src.method,
        "mode": mode,
        "threshold_min": threshold,
        "travel": src.describe(),
        "note": note,
        "added": len(scenario["add"]),
        "removed": len(scenario["remove"]),
        "before": {"unreached_population": _round(total_before), "assets_used": int(before.asset_in.sum())},
        "after": {
            "unreached_population": _round(total_after),
            "assets_used": int(after.asset_in.sum()) if src.kind == "matrix" else int(keep.sum()) + len(added),
        },
        "change": _round(total_after - total_before),
        "areas": areas,
        "saved": False,
    }


def access_report(
    db: Database,
    category: str,
    *,
    mode: str,
    catchment_min: float,
    method: str = "2sfca",
    prefer: str | None = None,
    include_imprecise: bool = False,
    level: str | None = None,
) -> dict:
    """2SFCA / E2SFCA access per area with a catchment in minutes of travel (1.0 = the average of measured areas).

    Demand sits at each area's representative point (as in straight-line access); E2SFCA's bands
    are thirds of the catchment. Areas not in a matrix have no score (null) and no weight.
    """
    cat = category_row(db, category)
    if method not in ("2sfca", "e2sfca"):
        raise InvalidParameter("method must be 2sfca or e2sfca")
    src = source_for(db, mode, prefer)
    level = level or default_level(db)
    version = store.data_version(db)
    key = (store.db_key(db), version, category, src.kind, mode, catchment_min, method, include_imprecise, level)
    cached = _access_cache.get(key)
    if cached is not None:
        return cached
    data = load_area_data(db, level)
    assets = assets_for(db, category, include_imprecise)
    if src.kind == "matrix":
        md = matrix_data(db, mode, data)
        _, asset_in = md.for_assets(assets.ids)
        used = np.flatnonzero(asset_in)
        minutes, _ = md.for_assets([assets.ids[j] for j in used])
        area_in = md.area_in
    else:
        nd = network_data(db, src, data)
        sites = network.snap(nd.graph, data.proj.xy(assets.lonlat) if len(assets.lonlat) else np.zeros((0, 2)))
        minutes = network.pair_times(nd.graph, nd.rep_snap, sites, catchment_min * 60.0) / 60.0
        used = np.arange(len(assets.ids))
        area_in = np.ones(len(data.ids), bool)
    demand = np.where(area_in, np.nan_to_num(data.population), 0.0)
    pairs = traveltime.pairs_from_matrix(minutes, catchment_min)
    raw = fca.two_step_fca(pairs, demand, assets.capacity[used], method=method)
    scores = fca.normalise(raw, demand)
    excluded = [data.names[i] for i in np.flatnonzero(~area_in)]
    missing = [assets.names[j] for j in sorted(set(range(len(assets.ids))) - set(used.tolist()))]
    report = {
        "category": category,
        "category_label": cat["label"],
        "level": level,
        "method": method,
        "catchment_m": None,
        "catchment_min": catchment_min,
        "circuity": None,
        "distance_method": src.method,
        "mode": mode,
        "travel": src.describe(),
        "include_imprecise": include_imprecise,
        "assets_used": len(used),
        "excluded_assets": sum(assets.excluded_by_precision.values()),
        "excluded_by_precision": assets.excluded_by_precision,
        "excluded": {
            "areas": {"count": len(excluded), "names": excluded[:10]},
            "assets": {"count": len(missing), "names": missing[:10]},
        },
        "normalisation": "1.0 = population-weighted average of the measured areas",
        "areas": [
            {
                "id": data.ids[i],
                "name": data.names[i],
                "population": None if np.isnan(data.population[i]) else int(data.population[i]),
                "score": round(float(scores[i]), 4) if area_in[i] else None,
                "raw": float(raw[i]) if area_in[i] else None,
            }
            for i in range(len(data.ids))
        ],
        "data_version": version,
    }
    return _access_cache.put(key, report)

"""Reach and access over the store: who is beyond reach of a category's assets, and 2SFCA access.

Fetches plain arrays (services.areadata, the public view of assets), calls needs_assessment, and
shapes the results. Results are cached per (database, data version, parameters). No Flask here.
"""

from __future__ import annotations

import json

import numpy as np
from scipy.spatial import cKDTree
from sqlite_utils import Database

from assetmap import store
from assetmap.errors import InvalidParameter
from assetmap.services.areadata import LRU, AreaData, default_level, load_area_data
from assetmap.services.asset_sets import AssetSet, assets_for
from needs_assessment import access as fca
from needs_assessment import reach, rounding
from needs_assessment.precision import PRECISE, PRECISION_WORDS

DISTANCE_METHOD = "estimated: straight line x circuity, not routed"
_results_cache = LRU(256)
_pairs_cache = LRU(32)
_coverage_cache = LRU(12)  # each holds a flag per sample point (a few MB at 60k areas)


def category_row(db: Database, slug: str | None) -> dict:
    """The category record, or InvalidParameter naming the known ones."""
    return store.get_category(db, slug)


def _excluded_reason(excluded: dict[str, int], include_imprecise: bool) -> str:
    if not excluded:
        return "none left out"
    words = {**PRECISION_WORDS, "confidential": "confidential: location never used or shown"}
    parts = [f"{n} {words.get(p, p).split(':')[0]} ({p})" for p, n in sorted(excluded.items())]
    why = (
        "their point is not the site (pass include_imprecise=1 to use town and municipality points)"
        if not include_imprecise
        else "they have no known or public location"
    )
    return f"left out because {why}: " + ", ".join(parts)


def _thresholds(cat: dict, data: AreaData, threshold_m: float | None) -> tuple[np.ndarray, dict]:
    if threshold_m is not None:
        return np.full(len(data.ids), threshold_m), {
            "urban_m": threshold_m,
            "rural_m": threshold_m,
            "basis": "as requested",
        }
    urban = cat.get("threshold_urban_m") or 5000.0
    rural = cat.get("threshold_rural_m") or 20000.0
    per_area = reach.area_thresholds(data.density, urban, rural)
    return per_area, {
        "urban_m": urban,
        "rural_m": rural,
        "urban_density_per_km2": reach.URBAN_DENSITY_PER_KM2,
        "basis": cat.get("threshold_basis") or "planning default",
    }


def coverage_for(
    db: Database, data: AreaData, category: str, assets: AssetSet, threshold_m: float | None, circuity: float,
    include_imprecise: bool,
) -> tuple[reach.Coverage, np.ndarray]:  # fmt: skip
    """The category's coverage (kept per data version and parameters, for what-ifs) and its thresholds."""
    thresholds, _ = _thresholds(category_row(db, category), data, threshold_m)
    key = (store.db_key(db), store.data_version(db), category, threshold_m, circuity, include_imprecise, data.level)
    cov = _coverage_cache.get(key)
    if cov is None:
        cov = reach.coverage(
            data.samples, data.population, thresholds, data.rep_xy, assets.reach_xy(data.proj), circuity,
            tree=assets.reach_tree(data.proj), radius_m=data.radius_m,
        )  # fmt: skip
        _coverage_cache.put(key, cov)
    return cov, thresholds


def _round(value: float, digits: int = 1) -> float:
    return round(float(value), digits)


def reach_report(
    db: Database,
    category: str,
    *,
    threshold_m: float | None = None,
    circuity: float = reach.DEFAULT_CIRCUITY,
    include_imprecise: bool = False,
    level: str | None = None,
) -> dict:
    """Who is beyond reach of the category's assets: totals, per area (most unreached first), groups."""
    cat = category_row(db, category)
    level = level or default_level(db)
    key = ("reach", store.db_key(db), store.data_version(db), category, threshold_m, circuity, include_imprecise, level)
    cached = _results_cache.get(key)
    if cached is not None:
        return cached
    data = load_area_data(db, level)
    assets = assets_for(db, category, include_imprecise)
    thresholds, threshold_info = _thresholds(cat, data, threshold_m)
    cov, _ = coverage_for(db, data, category, assets, threshold_m, circuity, include_imprecise)
    measurable = len(assets.ids) > 0
    nearest_left_out = _nearest_m(data, assets.left_out_lonlat) * circuity
    uncertain = nearest_left_out < cov.nearest_m  # an unused point is nearer than every used one
    pop = np.nan_to_num(data.population)
    total = float(pop.sum())
    urban = data.density >= reach.URBAN_DENSITY_PER_KM2
    areas = []
    for i in np.argsort(-cov.unreached, kind="stable"):
        areas.append(
            {
                "id": data.ids[i],
                "name": data.names[i],
                "population": None if np.isnan(data.population[i]) else int(data.population[i]),
                "unreached_population": _round(cov.unreached[i]) if measurable else None,
                "unreached_share": (_round(cov.unreached[i] / pop[i], 4) if pop[i] else 0.0) if measurable else None,
                "nearest_m": None if not np.isfinite(cov.nearest_m[i]) else round(float(cov.nearest_m[i])),
                "threshold_m": float(thresholds[i]),
                "urban": bool(urban[i]),
                "uncertain": bool(uncertain[i]),
                "quintiles": {k: (None if np.isnan(v[i]) else int(v[i])) for k, v in data.quintiles.items()},
            }
        )
    report = {
        "category": category,
        "category_label": cat["label"],
        "level": level,
        "threshold_m": threshold_m,
        "thresholds": threshold_info,
        "circuity": circuity,
        "distance_method": DISTANCE_METHOD,
        "include_imprecise": include_imprecise,
        "total_population": int(total),
        "measurable": measurable,
        "reason": None if measurable else _unmeasurable_reason(cat, assets, include_imprecise),
        "unreached_population": _round(cov.total_unreached) if measurable else None,
        "unreached_share": (_round(cov.total_unreached / total, 4) if total else 0.0) if measurable else None,
        "uncertain_areas": int(uncertain.sum()),
        "uncertain_note": UNCERTAIN_NOTE,
        "precisions_used": _precisions_used(include_imprecise),
        "estimate_note": ESTIMATE_NOTE,
        "assets_used": len(assets.ids),
        "excluded_assets": sum(assets.excluded_by_precision.values()),
        "excluded_by_precision": dict(assets.excluded_by_precision),
        "excluded_reason": _excluded_reason(assets.excluded_by_precision, include_imprecise),
        "areas_without_population": int(np.isnan(data.population).sum()),
        "assets": assets.public(),
        "areas": areas,
        "groups": reach.group_breakdown(cov.unreached, pop, data.groups) if measurable else {},
        "deprivation": deprivation_breakdown(data, cov.unreached, pop) if measurable else {},
        "data_version": store.data_version(db),
    }
    return _results_cache.put(key, report)


UNCERTAIN_NOTE = (
    "uncertain: an asset whose point is only approximate (left out) lies nearer to the area than any asset "
    "used, so the area's figure depends on where that asset really is"
)
ESTIMATE_NOTE = (
    "Both figures, with precise points only and with approximate points too, are estimates: the inventory is "
    "incomplete and road distance is assumed to be the straight line times the circuity factor."
)


def _precisions_used(include_imprecise: bool) -> list[str]:
    """The location precisions whose points a measure uses."""
    if include_imprecise:
        return [p for p in PRECISION_WORDS if p != "none"]
    return [p for p in PRECISION_WORDS if p in PRECISE]


def _unmeasurable_reason(cat: dict, assets: AssetSet, include_imprecise: bool) -> str:
    label = cat["label"].lower()
    approximate = sum(n for p, n in assets.excluded_by_precision.items() if p not in ("none", "confidential"))
    parts = []
    if approximate and not include_imprecise:
        parts.append(f"{approximate} with only an approximate point (include_imprecise=1 uses them)")
    if assets.excluded_by_precision.get("none"):
        parts.append(f"{assets.excluded_by_precision['none']} with no known location")
    if assets.excluded_by_precision.get("confidential"):
        parts.append(f"{assets.excluded_by_precision['confidential']} confidential")
    detail = f" ({'; '.join(parts)})" if parts else " (none in the inventory)"
    return f"cannot be measured: no located {label} assets{detail}"


def _nearest_m(data: AreaData, lonlat: np.ndarray) -> np.ndarray:
    """Straight-line metres from each area's representative point to the nearest of these points (inf: none)."""
    if len(lonlat) == 0:
        return np.full(len(data.ids), np.inf)
    distance, _ = cKDTree(data.proj.xy(lonlat)).query(data.rep_xy, k=1)
    return distance


def deprivation_breakdown(
    data: AreaData, unreached: np.ndarray, pop: np.ndarray, within: np.ndarray | None = None
) -> dict:
    """People and people beyond reach in each band of every index the place has (CIMD quintiles,
    IMD deciles, in/out of Core20), with the populated bands at the most and least deprived ends;
    `within` (a mask) keeps only the areas measured (travel times cover only some)."""
    out = {}
    for key, values in data.quintiles.items():
        meta = data.bands.get(key) or {"role": "band", "bands": 5, "most_deprived": 5, "scope": ""}
        order = [1, 0] if meta["role"] == "flag" else list(range(1, meta["bands"] + 1))
        rows = reach.band_breakdown(
            unreached, pop, values if within is None else np.where(within, values, np.nan), order
        )
        populated = [r for r in rows if r["population"]]
        if meta["most_deprived"] != order[0]:
            populated = populated[::-1]  # most deprived first
        out[key] = {
            "label": data.quintile_labels[key],
            **meta,
            "quintiles": rows,
            "most": populated[0] if populated else None,
            "least": populated[-1] if len(populated) >= 2 else None,
        }
    return out


# --- access (2SFCA) ----------------------------------------------------------------------------


def access_report(
    db: Database,
    category: str,
    *,
    catchment_m: float,
    method: str = "2sfca",
    circuity: float = reach.DEFAULT_CIRCUITY,
    include_imprecise: bool = False,
    level: str | None = None,
) -> dict:
    """2SFCA / E2SFCA access score per area (1.0 = district average), demand at representative points."""
    cat = category_row(db, category)
    if method not in ("2sfca", "e2sfca"):
        raise InvalidParameter("method must be 2sfca or e2sfca")
    level = level or default_level(db)
    version = store.data_version(db)
    key = ("access", store.db_key(db), version, category, catchment_m, method, circuity, include_imprecise, level)
    cached = _results_cache.get(key)
    if cached is not None:
        return cached
    data = load_area_data(db, level)
    assets = assets_for(db, category, include_imprecise)
    raw = raw_scores_for(db, data, assets, category, catchment_m, circuity, include_imprecise, method)
    scores = fca.normalise(raw, data.population)
    report = {
        "category": category,
        "category_label": cat["label"],
        "level": level,
        "method": method,
        "catchment_m": catchment_m,
        "circuity": circuity,
        "distance_method": DISTANCE_METHOD,
        "include_imprecise": include_imprecise,
        "assets_used": len(assets.ids),
        "excluded_assets": sum(assets.excluded_by_precision.values()),
        "excluded_by_precision": dict(assets.excluded_by_precision),
        "normalisation": "1.0 = population-weighted district average",
        "areas": [
            {
                "id": data.ids[i],
                "name": data.names[i],
                "population": None if np.isnan(data.population[i]) else int(data.population[i]),
                "score": round(float(scores[i]), 4),
                "raw": float(raw[i]),
            }
            for i in range(len(data.ids))
        ],
        "data_version": version,
    }
    return _results_cache.put(key, report)


def pairs_for(
    db: Database, data: AreaData, assets: AssetSet, category: str, catchment_m: float, circuity: float,
    include_imprecise: bool,
) -> fca.Pairs:  # fmt: skip
    """The area-asset pairs within the catchment, kept per data version and parameters."""
    key = (store.db_key(db), store.data_version(db), category, include_imprecise, catchment_m, circuity, data.level)
    pairs = _pairs_cache.get(key)
    if pairs is None:
        pairs = _pairs_cache.put(key, fca.catchment_pairs(data.rep_xy, assets.xy(data.proj), catchment_m, circuity))
    return pairs


def raw_scores_for(
    db: Database, data: AreaData, assets: AssetSet, category: str, catchment_m: float, circuity: float,
    include_imprecise: bool, method: str,
) -> np.ndarray:  # fmt: skip
    """Raw 2SFCA / E2SFCA scores per area (read-only), kept per data version and parameters."""
    key = ("raw", store.db_key(db), store.data_version(db), category, include_imprecise, catchment_m, circuity,
           data.level, method)  # fmt: skip
    raw = _results_cache.get(key)
    if raw is None:
        pairs = pairs_for(db, data, assets, category, catchment_m, circuity, include_imprecise)
        raw = _results_cache.put(key, fca.two_step_fca(pairs, data.population, assets.capacity, method=method))
        raw.flags.writeable = False
    return raw


def reach_geojson(db: Database, report: dict) -> dict:
    """The report's areas as a GeoJSON FeatureCollection (for maps and GIS)."""
    ids = [a["id"] for a in report["areas"]]
    geoms = store.area_geometries(db, ids)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": a["id"], "geometry": json.loads(geoms[a["id"]]), "properties": a}
            for a in report["areas"]
            if geoms.get(a["id"])
        ],
    }


def published(report: dict, threshold: int) -> dict:
    """The report as the public may see it: per-area, per-quintile and per-group counts of people under
    the small-number rule (needs_assessment.rounding), shares worked out from the published counts.
    The district total keeps its decimals: rounding each cell on its own already stops subtraction."""
    out = dict(report)
    cell = ("reach", report["category"], report["threshold_m"], report["circuity"], report["include_imprecise"],
            report["level"])  # fmt: skip

    def count(value, *where, whole=None):
        shown, hidden = rounding.publish_count(value, (*cell, *where), threshold)
        if shown is not None and whole is not None and shown > whole:
            shown = int(whole)  # rounding never makes a part exceed its whole
        return shown, hidden

    areas = []
    for a in report["areas"]:
        shown, hidden = count(a["unreached_population"], "area", a["id"], whole=a["population"])
        areas.append(
            {
                **a,
                "unreached_population": shown,
                "unreached_suppressed": hidden,
                "unreached_share": rounding.publish_share(shown, hidden, a["population"])
                if report["measurable"]
                else None,
            }
        )
    out["areas"] = areas
    out["deprivation"] = {}
    for key, dim in report["deprivation"].items():
        rows = [
            _published_row(
                q, count(q["unreached_population"], key, q["quintile"], whole=q["population"]), q["population"]
            )
            for q in dim["quintiles"]
        ]
        by_band = {q["band"]: q for q in rows}
        ends = {end: by_band[dim[end]["band"]] if dim.get(end) else None for end in ("most", "least")}
        out["deprivation"][key] = {**dim, "quintiles": rows, **ends}
    groups = {}
    for name, g in report["groups"].items():
        size, size_hidden = count(g["population"], "group", name)
        beyond, hidden = count(g["unreached_population"], "group-beyond", name, whole=size)
        groups[name] = {
            "population": size,
            "population_suppressed": size_hidden,
            "unreached_population": beyond,
            "unreached_suppressed": hidden,
            "unreached_share": rounding.publish_share(beyond, hidden or size_hidden, size),
        }
    out["groups"] = groups
    out["disclosure"] = (
        f"{rounding.rule_text(threshold)} The total for the whole place is the estimate itself, not rounded "
        "(the rounding of each area already stops a hidden one being worked out from it)."
    )
    return out


def _published_row(row: dict, published_count: tuple, population: float) -> dict:
    shown, hidden = published_count
    return {
        **row,
        "unreached_population": shown,
        "unreached_suppressed": hidden,
        "unreached_share": rounding.publish_share(shown, hidden, population),
    }

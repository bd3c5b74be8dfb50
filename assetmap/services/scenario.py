"""What if: hypothetical new or removed sites of a category, and where one new site would reach most.

Nothing is saved. Like every public analysis, it uses only public points (services.reach.assets_for).
"""

from __future__ import annotations

import numpy as np
from sqlite_utils import Database

from assetmap.errors import InvalidParameter
from assetmap.services.areadata import default_level, load_area_data
from assetmap.services.reach import (
    DISTANCE_METHOD,
    _round,
    _thresholds,
    assets_for,
    category_row,
    coverage_for,
    pairs_for,
    raw_scores_for,
)
from needs_assessment import access as fca
from needs_assessment import reach, rounding, whatif


def scenario_report(
    db: Database,
    category: str,
    scenario: dict,
    *,
    threshold_m: float | None = None,
    circuity: float = reach.DEFAULT_CIRCUITY,
    include_imprecise: bool = False,
    catchment_m: float | None = None,
    method: str = "2sfca",
    level: str | None = None,
) -> dict:
    """Before/after totals and per-area deltas for hypothetical additions and removals (nothing saved).

    The answer before is the category's cached coverage and 2SFCA; the answer after is updated from it
    (needs_assessment.whatif): only areas within reach of an added or closed site are looked at again.
    """
    cat = category_row(db, category)
    level = level or default_level(db)
    data = load_area_data(db, level)
    assets = assets_for(db, category, include_imprecise)
    unknown = [i for i in scenario["remove"] if i not in assets.known_ids]
    if unknown:
        raise InvalidParameter(f"remove: no active {category} asset with id {', '.join(map(str, unknown))}")
    keep = ~np.isin(np.asarray(assets.ids, dtype=np.int64), np.asarray(scenario["remove"], dtype=np.int64))
    added = np.array([[lon, lat] for lon, lat, _ in scenario["add"]], dtype=float).reshape(-1, 2)
    added_capacity = np.array([c for _, _, c in scenario["add"]], dtype=float)
    before, thresholds = coverage_for(db, data, category, assets, threshold_m, circuity, include_imprecise)
    _, threshold_info = _thresholds(cat, data, threshold_m)
    added_xy = data.proj.xy(added) if len(added) else np.zeros((0, 2))
    # Reach is measured to entrances where known (a park's gates): closing an asset closes them all.
    after = whatif.coverage_after(
        data.samples, data.population, thresholds, data.rep_xy, before, assets.reach_xy(data.proj),
        keep[assets.reach_owner()], added_xy, circuity, data.radius_m, data.rep_tree, assets.reach_tree(data.proj),
    )  # fmt: skip
    sites_xy = assets.xy(data.proj)
    catchment = catchment_m or float(np.median(thresholds))
    pairs = pairs_for(db, data, assets, category, catchment, circuity, include_imprecise)
    raw_before = raw_scores_for(db, data, assets, category, catchment, circuity, include_imprecise, method)
    raw_after, _ = whatif.access_after(
        pairs, raw_before, data.population, assets.capacity, data.rep_xy, sites_xy, keep, added_xy, added_capacity,
        circuity, method, demand_tree=data.rep_tree,
    )  # fmt: skip
    # Both normalised by the *before* district average, so a score rises when access improves.
    pop = np.nan_to_num(data.population)
    mean_before = float((raw_before * pop).sum() / pop.sum()) if pop.sum() else 0.0
    acc_before = raw_before / mean_before if mean_before > 0 else np.zeros_like(raw_before)
    acc_after = raw_after / mean_before if mean_before > 0 else fca.normalise(raw_after, data.population)
    delta = after.unreached - before.unreached
    shown = np.flatnonzero((np.abs(delta) >= 0.05) | (np.abs(acc_after - acc_before) >= 1e-4))
    areas = [
        {
            "id": data.ids[i],
            "name": data.names[i],
            "population": None if np.isnan(data.population[i]) else int(data.population[i]),
            "unreached_before": _round(before.unreached[i]),
            "unreached_after": _round(after.unreached[i]),
            "delta": _round(delta[i]),
            "access_before": round(float(acc_before[i]), 4),
            "access_after": round(float(acc_after[i]), 4),
        }
        for i in shown
    ]
    areas.sort(key=lambda a: a["delta"])
    return {
        "category": category,
        "threshold_m": threshold_m,
        "thresholds": threshold_info,
        "circuity": circuity,
        "distance_method": DISTANCE_METHOD,
        "catchment_m": catchment,
        "method": method,
        "added": len(scenario["add"]),
        "removed": len(scenario["remove"]),
        "before": {"unreached_population": _round(before.total_unreached), "assets_used": len(assets.ids)},
        "after": {"unreached_population": _round(after.unreached.sum()), "assets_used": int(keep.sum() + len(added))},
        "change": _round(after.unreached.sum() - before.total_unreached),
        "areas": areas,
        "saved": False,
    }


def suggest_site(
    db: Database,
    category: str,
    *,
    threshold_m: float | None = None,
    circuity: float = reach.DEFAULT_CIRCUITY,
    include_imprecise: bool = False,
    weight: str | None = None,
    level: str | None = None,
) -> dict:
    """The area centre where one new asset would reach the most unreached people (or group members).

    weight: None for everyone; a group label (e.g. 'Seniors aged 65 and over, 2021'); or
    '<quintile indicator>:5' to count only people in areas of that quintile (e.g. the most deprived).
    """
    category_row(db, category)
    level = level or default_level(db)
    data = load_area_data(db, level)
    assets = assets_for(db, category, include_imprecise)
    cov, thresholds = coverage_for(db, data, category, assets, threshold_m, circuity, include_imprecise)
    pop = np.nan_to_num(data.population)
    area_weight = pop.copy()
    weight_label = "everyone"
    if weight:
        if weight in data.groups:
            area_weight = np.nan_to_num(data.groups[weight])
            weight_label = weight
        elif ":" in weight and weight.rsplit(":", 1)[0] in data.quintiles:
            key, q = weight.rsplit(":", 1)
            area_weight = np.where(data.quintiles[key] == float(q), pop, 0.0)
            meta, label = data.bands.get(key, {}), data.quintile_labels[key]
            if meta.get("role") == "flag":
                weight_label = f"people {'in' if q == '1' else 'outside'} the areas of {label}"
            else:
                weight_label = f"people in {'decile' if meta.get('bands') == 10 else 'quintile'} {q} of {label}"
        else:
            ranges = {k: "0..1" if m["role"] == "flag" else f"1..{m['bands']}" for k, m in data.bands.items()}
            choices = list(data.groups) + [f"{k}:{ranges.get(k, '1..5')}" for k in data.quintiles]
            raise InvalidParameter(f"unknown weight {weight!r}; choose from: {', '.join(choices) or 'none available'}")
    sample_weight = area_weight[data.samples.area] * data.samples.share
    limits = (thresholds / circuity)[data.samples.area]
    best, gain, gains = reach.best_site(data.samples, cov.sample_unreached, sample_weight, limits, data.rep_xy)
    lon, lat = data.proj.inverse([data.rep_xy[best, 0]], [data.rep_xy[best, 1]])
    return {
        "category": category,
        "weight": weight_label,
        "candidates": len(data.ids),
        "site": {
            "area_id": data.ids[best],
            "area_name": data.names[best],
            "lon": round(float(lon[0]), 5),
            "lat": round(float(lat[0]), 5),
        },
        "newly_reached": _round(gain),
        "unreached_before": _round(float((cov.sample_unreached * sample_weight).sum())),
        "note": "candidates are area representative points; distances are " + DISTANCE_METHOD,
    }


def published_scenario(report: dict, threshold: int) -> dict:
    """The what-if answer as the public may see it: per-area counts under the small-number rule
    (needs_assessment.rounding), changes worked out from the published counts."""
    out = dict(report)
    areas = []
    for a in report["areas"]:
        key = ("scenario", report["category"], report["threshold_m"], report["circuity"], a["id"])
        before, hidden_before = rounding.publish_count(a["unreached_before"], (*key, "before"), threshold)
        after, hidden_after = rounding.publish_count(a["unreached_after"], (*key, "after"), threshold)
        hidden = hidden_before or hidden_after
        areas.append(
            {
                **a,
                "unreached_before": before,
                "unreached_after": after,
                "delta": None if hidden else after - before,
                "suppressed": hidden,
            }
        )
    out["areas"] = areas
    out["disclosure"] = rounding.rule_text(threshold)
    return out

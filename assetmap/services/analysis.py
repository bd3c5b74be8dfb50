"""Reach and access analysis over the store: fetch plain arrays, call needs_assessment, shape results.

No Flask here. Area arrays (projected samples, representative points, groups) are cached per
(database, data version, level); results are cached per (database, data version, parameters),
so any change to assets or areas (which bumps the data version) invalidates both.
"""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock

import numpy as np
from scipy.spatial import cKDTree
from sqlite_utils import Database

from assetmap import store
from assetmap.errors import InvalidParameter
from needs_assessment import access as fca
from needs_assessment import reach
from needs_assessment.geo import LocalProjection, projection_for
from needs_assessment.precision import PRECISE, PRECISION_WORDS

DISTANCE_METHOD = "estimated: straight line x circuity, not routed"
MAX_DISTANCE_M = 500_000
QUINTILE_SUFFIX = "_quintile"


class _LRU:
    def __init__(self, size: int):
        self.size, self.data, self.lock = size, OrderedDict(), Lock()

    def get(self, key):
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        return None

    def put(self, key, value):
        with self.lock:
            self.data[key] = value
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value


_areas_cache = _LRU(8)
_results_cache = _LRU(256)
_pairs_cache = _LRU(32)


@dataclass
class AreaData:
    """Everything the measures need about the areas of one level, as arrays."""

    level: str
    ids: list[str]
    names: list[str]
    population: np.ndarray
    density: np.ndarray
    proj: LocalProjection
    rep_xy: np.ndarray
    samples: reach.Samples
    radius_m: np.ndarray
    quintiles: dict[str, np.ndarray] = field(default_factory=dict)  # indicator key -> quintile per area
    quintile_labels: dict[str, str] = field(default_factory=dict)
    groups: dict[str, np.ndarray] = field(default_factory=dict)  # group label -> people per area

    @property
    def index(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self.ids)}


def default_level(db: Database) -> str:
    """The finest area level present (the most areas): DA for the Muskoka data."""
    rows = list(db.query("SELECT level, COUNT(*) AS n FROM areas GROUP BY level ORDER BY n DESC, level LIMIT 1"))
    if not rows:
        raise InvalidParameter("no areas loaded: import areas (or run load-demo) first")
    return rows[0]["level"]


def load_area_data(db: Database, level: str) -> AreaData:
    """Areas of a level with their samples, projected, cached per data version."""
    key = (_db_key(db), store.data_version(db), level)
    cached = _areas_cache.get(key)
    if cached is not None:
        return cached
    rows = store.list_areas(db, level)
    if not rows:
        raise InvalidParameter(f"no areas of level {level!r}")
    index = {r["id"]: i for i, r in enumerate(rows)}
    rep = np.array([[r["rep_lon"], r["rep_lat"]] for r in rows], dtype=float)
    proj = projection_for(rep[:, 0], rep[:, 1])
    sample_rows = db.execute(
        "SELECT s.area_id, s.longitude, s.latitude, s.share FROM area_samples s JOIN areas a ON a.id = s.area_id "
        "WHERE a.level = ? ORDER BY s.area_id, s.seq",
        [level],
    ).fetchall()
    area_idx = np.array([index[r[0]] for r in sample_rows], dtype=np.intp)
    lonlat = np.array([[r[1], r[2]] for r in sample_rows], dtype=float).reshape(-1, 2)
    share = np.array([r[3] for r in sample_rows], dtype=float)
    # Areas without samples (e.g. stored before sampling existed) fall back to their point.
    missing = sorted(set(range(len(rows))) - set(area_idx.tolist()))
    if missing:
        area_idx = np.concatenate([area_idx, np.array(missing, dtype=np.intp)])
        lonlat = np.vstack([lonlat, rep[missing]])
        share = np.concatenate([share, np.ones(len(missing))])
    samples = reach.Samples(area=area_idx, xy=proj.xy(lonlat), share=share)
    rep_xy = proj.xy(rep)
    population = np.array([r["population"] if r["population"] is not None else np.nan for r in rows], dtype=float)
    density = np.array(
        [
            r["population"] / r["land_area_km2"] if r["population"] is not None and r.get("land_area_km2") else np.nan
            for r in rows
        ]
    )
    data = AreaData(
        level=level,
        ids=[r["id"] for r in rows],
        names=[r["name"] for r in rows],
        population=population,
        density=density,
        proj=proj,
        rep_xy=rep_xy,
        samples=samples,
        radius_m=samples.radius_m(rep_xy),
    )
    for ind in store.list_indicators(db):
        values = np.array([r.get(ind["key"]) if r.get(ind["key"]) is not None else np.nan for r in rows], dtype=float)
        if np.isnan(values).all():
            continue
        if ind["key"].endswith(QUINTILE_SUFFIX):
            data.quintiles[ind["key"]] = values
            data.quintile_labels[ind["key"]] = ind["label"]
        elif ind["unit"] == "people":
            data.groups[ind["label"]] = values
        elif ind["unit"] == "% of population":
            data.groups[ind["label"]] = values / 100.0 * np.nan_to_num(population)
    return _areas_cache.put(key, data)


def _db_key(db: Database) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2] if row else str(id(db))


# --- parameters -------------------------------------------------------------------------------


def category_row(db: Database, slug: str | None) -> dict:
    """The category record, or InvalidParameter naming the known ones."""
    if not slug:
        raise InvalidParameter("category is required")
    rows = list(db.query("SELECT * FROM categories WHERE slug = ?", [slug]))
    if not rows:
        known = ", ".join(store.category_slugs(db))
        raise InvalidParameter(f"unknown category {slug!r}; known: {known}")
    return rows[0]


def parse_distance(raw, name: str, required: bool = False) -> float | None:
    """A positive distance in metres (at most 500 km), or None when absent and optional."""
    if raw is None or str(raw).strip() == "":
        if required:
            raise InvalidParameter(f"{name} is required (metres)")
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a number of metres, not {raw!r}") from None
    if not math.isfinite(value) or value <= 0 or value > MAX_DISTANCE_M:
        raise InvalidParameter(f"{name} must be between 0 and {MAX_DISTANCE_M:,} metres")
    return value


def parse_circuity(raw) -> float:
    """Circuity factor between 1 and 3 (default 1.3)."""
    if raw is None or str(raw).strip() == "":
        return reach.DEFAULT_CIRCUITY
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidParameter(f"circuity must be a number between 1 and 3, not {raw!r}") from None
    if not math.isfinite(value) or not 1.0 <= value <= 3.0:
        raise InvalidParameter("circuity must be between 1 and 3 (1 = straight line)")
    return value


def parse_flag(raw, name: str) -> bool:
    """0/1 (or a JSON boolean) as a bool."""
    if isinstance(raw, bool):
        return raw
    if raw is None or str(raw) in ("", "0", "false"):
        return False
    if str(raw) in ("1", "true"):
        return True
    raise InvalidParameter(f"{name} must be 0 or 1")


# --- assets -----------------------------------------------------------------------------------


@dataclass
class AssetSet:
    ids: list[int]
    names: list[str]
    lonlat: np.ndarray
    capacity: np.ndarray
    excluded_by_precision: dict[str, int]
    confidential: np.ndarray
    precision: list[str]

    def public(self) -> list[dict]:
        """The used assets that may be shown on a map (confidential sites are counted, never listed)."""
        return [
            {"id": i, "name": n, "lon": round(float(ll[0]), 5), "lat": round(float(ll[1]), 5), "location_precision": p}
            for i, n, ll, c, p in zip(self.ids, self.names, self.lonlat, self.confidential, self.precision, strict=True)
            if not c
        ]


def assets_for(db: Database, category: str, include_imprecise: bool) -> AssetSet:
    """Active assets of a category usable for distance measures, and counts of those left out."""
    rows = list(
        db.query(
            "SELECT id, name, latitude, longitude, location_precision, capacity, confidential FROM assets "
            "WHERE status = 'active' AND category = ? ORDER BY id",
            [category],
        )
    )
    keep, excluded = [], {}
    for r in rows:
        precision = r["location_precision"]
        usable = r["latitude"] is not None and precision != "none" and (include_imprecise or precision in PRECISE)
        if usable:
            keep.append(r)
        else:
            excluded[precision] = excluded.get(precision, 0) + 1
    lonlat = np.array([[r["longitude"], r["latitude"]] for r in keep], dtype=float).reshape(-1, 2)
    capacity = np.array([r["capacity"] if r["capacity"] and r["capacity"] > 0 else 1.0 for r in keep], dtype=float)
    return AssetSet(
        [r["id"] for r in keep],
        [r["name"] for r in keep],
        lonlat,
        capacity,
        excluded,
        np.array([bool(r["confidential"]) for r in keep], dtype=bool),
        [r["location_precision"] for r in keep],
    )


def _excluded_reason(excluded: dict[str, int], include_imprecise: bool) -> str:
    if not excluded:
        return "none left out"
    parts = [f"{n} {PRECISION_WORDS.get(p, p).split(':')[0]} ({p})" for p, n in sorted(excluded.items())]
    why = (
        "their point is not the site (pass include_imprecise=1 to use town and municipality points)"
        if not include_imprecise
        else "they have no known location"
    )
    return f"left out because {why}: " + ", ".join(parts)


# --- reach ------------------------------------------------------------------------------------


def _thresholds(cat: dict, data: AreaData, threshold_m: float | None) -> tuple[np.ndarray, dict]:
    if threshold_m is not None:
        return np.full(len(data.ids), threshold_m), {
            "urban_m": threshold_m,
            "rural_m": threshold_m,
            "basis": "as requested",
        }
    urban = cat.get("threshold_urban_m") or 5000.0
    rural = cat.get("threshold_rural_m") or 20000.0
    per_area = reach.area_thresholds(data.density.tolist(), urban, rural)
    return per_area, {
        "urban_m": urban,
        "rural_m": rural,
        "urban_density_per_km2": reach.URBAN_DENSITY_PER_KM2,
        "basis": cat.get("threshold_basis") or "planning default",
    }


def _coverage(data: AreaData, lonlat: np.ndarray, thresholds: np.ndarray, circuity: float) -> reach.Coverage:
    xy = data.proj.xy(lonlat) if len(lonlat) else np.zeros((0, 2))
    return reach.coverage(
        data.samples,
        data.population,
        thresholds,
        data.rep_xy,
        xy,
        circuity=circuity,
        tree=cKDTree(xy) if len(xy) else None,
        radius_m=data.radius_m,
    )


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
    key = ("reach", _db_key(db), store.data_version(db), category, threshold_m, circuity, include_imprecise, level)
    cached = _results_cache.get(key)
    if cached is not None:
        return cached
    data = load_area_data(db, level)
    assets = assets_for(db, category, include_imprecise)
    thresholds, threshold_info = _thresholds(cat, data, threshold_m)
    cov = _coverage(data, assets.lonlat, thresholds, circuity)
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
                "unreached_population": _round(cov.unreached[i]),
                "unreached_share": _round(cov.unreached[i] / pop[i], 4) if pop[i] else 0.0,
                "nearest_m": None if not np.isfinite(cov.nearest_m[i]) else round(float(cov.nearest_m[i])),
                "threshold_m": float(thresholds[i]),
                "urban": bool(urban[i]),
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
        "unreached_population": _round(cov.total_unreached),
        "unreached_share": _round(cov.total_unreached / total, 4) if total else 0.0,
        "assets_used": len(assets.ids),
        "excluded_assets": sum(assets.excluded_by_precision.values()),
        "excluded_by_precision": assets.excluded_by_precision,
        "excluded_reason": _excluded_reason(assets.excluded_by_precision, include_imprecise),
        "areas_without_population": int(np.isnan(data.population).sum()),
        "assets": assets.public(),
        "areas": areas,
        "groups": reach.group_breakdown(cov.unreached, pop, data.groups),
        "deprivation": {
            k: {"label": data.quintile_labels[k], "quintiles": reach.quintile_breakdown(cov.unreached, pop, q)}
            for k, q in data.quintiles.items()
        },
        "data_version": store.data_version(db),
    }
    return _results_cache.put(key, report)


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
    key = ("access", _db_key(db), version, category, catchment_m, method, circuity, include_imprecise, level)
    cached = _results_cache.get(key)
    if cached is not None:
        return cached
    data = load_area_data(db, level)
    assets = assets_for(db, category, include_imprecise)
    raw = _access_scores(db, data, assets, catchment_m, method, circuity, include_imprecise, version, category)
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
        "excluded_by_precision": assets.excluded_by_precision,
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


def _access_scores(db, data, assets, catchment_m, method, circuity, include_imprecise, version, category):
    pair_key = (_db_key(db), version, category, include_imprecise, catchment_m, circuity, data.level)
    pairs = _pairs_cache.get(pair_key)
    if pairs is None:
        supply_xy = data.proj.xy(assets.lonlat) if len(assets.lonlat) else np.zeros((0, 2))
        pairs = _pairs_cache.put(pair_key, fca.catchment_pairs(data.rep_xy, supply_xy, catchment_m, circuity))
    return fca.two_step_fca(pairs, data.population, assets.capacity, method=method)


# --- what if ----------------------------------------------------------------------------------


def parse_scenario(payload) -> dict:
    """Validate a scenario body: {category, add: [{lon, lat, capacity?}], remove: [asset ids], ...}."""
    if not isinstance(payload, dict):
        raise InvalidParameter('send a JSON object: {"category": ..., "add": [...], "remove": [...]}')
    add, remove = payload.get("add") or [], payload.get("remove") or []
    if not isinstance(add, list) or not isinstance(remove, list):
        raise InvalidParameter("add and remove must be lists")
    if len(add) > 50 or len(remove) > 500:
        raise InvalidParameter("at most 50 additions and 500 removals")
    points = []
    for n, item in enumerate(add, start=1):
        if not isinstance(item, dict):
            raise InvalidParameter(f"add[{n}] must be an object with lon and lat")
        try:
            lon, lat = float(item["lon"]), float(item["lat"])
        except (KeyError, TypeError, ValueError):
            raise InvalidParameter(f"add[{n}] needs numeric lon and lat") from None
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidParameter(f"add[{n}]: lon/lat out of range")
        capacity = item.get("capacity", 1)
        try:
            capacity = float(capacity)
        except (TypeError, ValueError):
            raise InvalidParameter(f"add[{n}]: capacity must be a number") from None
        if not math.isfinite(capacity) or capacity <= 0:
            raise InvalidParameter(f"add[{n}]: capacity must be positive")
        points.append((lon, lat, capacity))
    removals = []
    for n, item in enumerate(remove, start=1):
        if isinstance(item, bool) or not isinstance(item, int | str) or not re.fullmatch(r"\d{1,12}", str(item)):
            raise InvalidParameter(f"remove[{n}] must be an asset id")
        removals.append(int(item))
    return {"add": points, "remove": removals}


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
    """Before/after totals and per-area deltas for hypothetical additions and removals (nothing saved)."""
    cat = category_row(db, category)
    level = level or default_level(db)
    data = load_area_data(db, level)
    assets = assets_for(db, category, include_imprecise)
    known = {r["id"] for r in db.query("SELECT id FROM assets WHERE category = ? AND status = 'active'", [category])}
    unknown = [i for i in scenario["remove"] if i not in known]
    if unknown:
        raise InvalidParameter(f"remove: no active {category} asset with id {', '.join(map(str, unknown))}")
    keep = np.array([i not in set(scenario["remove"]) for i in assets.ids], dtype=bool)
    added = np.array([[lon, lat] for lon, lat, _ in scenario["add"]], dtype=float).reshape(-1, 2)
    after_lonlat = np.vstack([assets.lonlat[keep], added])
    after_capacity = np.concatenate([assets.capacity[keep], [c for _, _, c in scenario["add"]]])
    thresholds, threshold_info = _thresholds(cat, data, threshold_m)
    before = _coverage(data, assets.lonlat, thresholds, circuity)
    after = _coverage(data, after_lonlat, thresholds, circuity)
    catchment = catchment_m or float(np.median(thresholds))
    supply_before = data.proj.xy(assets.lonlat) if len(assets.lonlat) else np.zeros((0, 2))
    supply_after = data.proj.xy(after_lonlat) if len(after_lonlat) else np.zeros((0, 2))
    raw_before = fca.two_step_fca(
        fca.catchment_pairs(data.rep_xy, supply_before, catchment, circuity), data.population, assets.capacity, method
    )
    raw_after = fca.two_step_fca(
        fca.catchment_pairs(data.rep_xy, supply_after, catchment, circuity), data.population, after_capacity, method
    )
    # Both normalised by the *before* district average, so a score rises when access improves.
    pop = np.nan_to_num(data.population)
    mean_before = float((raw_before * pop).sum() / pop.sum()) if pop.sum() else 0.0
    acc_before = raw_before / mean_before if mean_before > 0 else np.zeros_like(raw_before)
    acc_after = raw_after / mean_before if mean_before > 0 else fca.normalise(raw_after, data.population)
    areas = []
    for i in range(len(data.ids)):
        delta = after.unreached[i] - before.unreached[i]
        if abs(delta) < 0.05 and abs(acc_after[i] - acc_before[i]) < 1e-4:
            continue
        areas.append(
            {
                "id": data.ids[i],
                "name": data.names[i],
                "population": None if np.isnan(data.population[i]) else int(data.population[i]),
                "unreached_before": _round(before.unreached[i]),
                "unreached_after": _round(after.unreached[i]),
                "delta": _round(delta),
                "access_before": round(float(acc_before[i]), 4),
                "access_after": round(float(acc_after[i]), 4),
            }
        )
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
        "after": {"unreached_population": _round(after.total_unreached), "assets_used": int(len(after_lonlat))},
        "change": _round(after.total_unreached - before.total_unreached),
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
    cat = category_row(db, category)
    level = level or default_level(db)
    data = load_area_data(db, level)
    assets = assets_for(db, category, include_imprecise)
    thresholds, _ = _thresholds(cat, data, threshold_m)
    cov = _coverage(data, assets.lonlat, thresholds, circuity)
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
            weight_label = f"people in quintile {q} of {data.quintile_labels[key]}"
        else:
            choices = list(data.groups) + [f"{k}:1..5" for k in data.quintiles]
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


def reach_geojson(db: Database, report: dict) -> dict:
    """The report's areas as a GeoJSON FeatureCollection (for maps and GIS)."""
    ids = [a["id"] for a in report["areas"]]
    geoms = {
        r["id"]: r["geometry"]
        for r in db.query(f"SELECT id, geometry FROM areas WHERE id IN ({', '.join('?' for _ in ids)})", ids)
    }
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": a["id"], "geometry": json.loads(geoms[a["id"]]), "properties": a}
            for a in report["areas"]
            if geoms.get(a["id"])
        ],
    }

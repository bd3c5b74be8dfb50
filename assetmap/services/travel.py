"""Reach by travel time: from a routing engine's matrix or along a road network, over the store.

A *mode* (car, transit, walk, bicycle) is answered from the mode's matrix when one is loaded,
else from its network (`prefer` picks one when both are). The reports have the shape of
services.reach.reach_report, with `distance_method` "travel_time_matrix" or "road_network", the
mode, `threshold_min`, the source (`travel`: label, file, date) and, per area, `nearest_min` and
`nearest_asset_id`. Like every public analysis they use only the public points of
services.reach.assets_for: a confidential site never changes a figure, even if a matrix names it.

Matrix: each area is routed from its representative point, so it is wholly reached or not;
areas without a row and assets without a column are *excluded* (counted, named, their people
apart), never read as unreachable. Network: people are spread over each area's sample points,
each snapped to its nearest node (that stretch walked at 4.8 km/h, see needs_assessment.network),
one multi-source search per category stopped at the threshold. No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sqlite_utils import Database

from assetmap import store
from assetmap.errors import InvalidParameter
from assetmap.formats.osm_network import NetworkFileError, RoadNetwork
from assetmap.services.areadata import LRU, AreaData, default_level, load_area_data
from assetmap.services.reach import (
    AssetSet,
    _excluded_reason,
    _precisions_used,
    _round,
    _unmeasurable_reason,
    assets_for,
    category_row,
    deprivation_breakdown,
)
from needs_assessment import network, reach, traveltime

MODES = ("car", "transit", "walk", "bicycle")
MATRIX_METHOD = "travel_time_matrix"
NETWORK_METHOD = "road_network"
DEFAULT_THRESHOLD_MIN = 30.0
EXAMPLES = 10  # names listed besides a count
FAR_FROM_NETWORK_M = 1000.0
MAX_SEARCH_MIN = 240.0

_matrix_cache = LRU(8)
_network_cache = LRU(4)
_files_cache = LRU(2)
_results_cache = LRU(128)
_times_cache = LRU(32)


@dataclass(frozen=True)
class TravelQuery:
    """A measure by travel time as asked (parsed at the edge): the mode, its minutes (None: the
    category's default), the source preferred (matrix|network), whether approximate points count,
    and the area level (None: the place's default)."""

    mode: str
    threshold_min: float | None = None
    prefer: str | None = None
    include_imprecise: bool = False
    level: str | None = None


@dataclass(frozen=True)
class Source:
    """A loaded travel-time source: a mode's matrix or network, as its store row describes it."""

    kind: str
    mode: str
    label: str
    source: str
    imported_at: str
    file: str
    counts: dict
    details: dict

    @property
    def method(self) -> str:
        return MATRIX_METHOD if self.kind == "matrix" else NETWORK_METHOD

    def describe(self) -> dict:
        """What a report says about where its times come from."""
        origin = (
            "each area's representative point (one point per area: wholly reached or not)"
            if self.kind == "matrix"
            else "each area's sample points, snapped to the nearest road (that stretch walked at 4.8 km/h)"
        )
        return {
            "kind": self.kind,
            "mode": self.mode,
            "label": self.label,
            "source": self.source,
            "imported_at": self.imported_at,
            "date": self.imported_at[:10],
            "origins": origin,
        }


def _source(row: dict) -> Source:
    return Source(**{k: row[k] for k in Source.__dataclass_fields__})


def available_modes(db: Database) -> list[dict]:
    """Modes with something loaded, in MODES order: {mode, matrix: Source|None, network: Source|None}."""
    found: dict[str, dict] = {}
    for row in store.travel_sources(db):
        found.setdefault(row["mode"], {"mode": row["mode"], "matrix": None, "network": None})[row["kind"]] = _source(
            row
        )
    return [found[m] for m in MODES if m in found]


def source_for(db: Database, mode: str, prefer: str | None = None) -> Source:
    """The source a mode is answered from: its matrix, else its network (prefer='network' swaps them)."""
    if mode not in MODES:
        raise InvalidParameter(f"mode must be straight or one of {', '.join(MODES)}")
    order = ("network", "matrix") if prefer == "network" else ("matrix", "network")
    for kind in order if prefer is None else order[:1]:
        row = store.travel_source(db, kind, mode)
        if row:
            return _source(row)
    matrix = f"a matrix (import-travel-times --mode {mode})"
    extract = f"an OpenStreetMap extract (import-network --mode {mode})"
    if prefer == "matrix" or (prefer is None and mode == "transit"):  # no road network carries buses
        fix = matrix
    else:
        fix = extract if prefer == "network" else f"{matrix} or {extract}"
    raise InvalidParameter(f"no {prefer or 'travel times'} for {mode} loaded: import {fix}")


def network_source(db: Database, mode: str) -> Source | None:
    """The mode's road network, when one is loaded."""
    row = store.travel_source(db, "network", mode)
    return _source(row) if row else None


def _names(names: list[str]) -> dict:
    return {"count": len(names), "names": names[:EXAMPLES]}


# --- matrices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixData:
    """A mode's stored matrix over one level's areas: pairs by area index, and what the file covered."""

    area_in: np.ndarray  # bool per area of the level
    row: np.ndarray  # area index of each pair
    asset_id: np.ndarray  # asset id of each pair
    minutes: np.ndarray
    asset_ids: frozenset  # assets that had a column

    def for_assets(self, ids: list[int]) -> tuple[sparse.csr_matrix, np.ndarray]:
        """(areas x ids matrix of reachable minutes, which ids had a column); absent = unreachable."""
        col_of = {a: j for j, a in enumerate(ids)}
        col = np.array([col_of.get(int(a), -1) for a in self.asset_id], dtype=np.intp)
        keep = col >= 0
        row, col, minutes = self.row[keep], col[keep], self.minutes[keep]
        order = np.lexsort((col, row))
        row, col, minutes = row[order], col[order], minutes[order]
        n = len(self.area_in)
        indptr = np.r_[0, np.cumsum(np.bincount(row, minlength=n))]
        # Built from (data, indices, indptr) so that zero-minute pairs stay stored as pairs.
        matrix = sparse.csr_matrix((minutes, col, indptr), shape=(n, len(ids)))
        return matrix, np.array([int(a) in self.asset_ids for a in ids], dtype=bool)


def matrix_data(db: Database, mode: str, data: AreaData) -> MatrixData:
    """A mode's matrix over the level of `data`, cached per data version."""
    key = (store.db_key(db), store.data_version(db), mode, data.level)
    cached = _matrix_cache.get(key)
    if cached is not None:
        return cached
    index = data.index
    pairs = [(index[a], j, m) for a, j, m in store.matrix_pairs(db, mode) if a in index]
    arr = np.array(pairs, dtype=float).reshape(-1, 3)
    in_file = store.matrix_area_ids(db, mode)
    md = MatrixData(
        area_in=np.array([a in in_file for a in data.ids], dtype=bool),
        row=arr[:, 0].astype(np.intp),
        asset_id=arr[:, 1].astype(np.int64),
        minutes=arr[:, 2],
        asset_ids=frozenset(store.matrix_asset_ids(db, mode)),
    )
    return _matrix_cache.put(key, md)


@dataclass(frozen=True)
class Measured:
    """One reach measurement in plain arrays, whatever the source."""

    nearest_min: np.ndarray  # per area (inf: none within reach/search; nan: area excluded)
    nearest_asset: np.ndarray  # index into the asset list used (-1: none)
    unreached: np.ndarray  # people per area
    area_in: np.ndarray  # bool: the area was measured
    asset_in: np.ndarray  # bool per asset of the category: it was used
    extra: dict  # source-specific facts for the report


def measure_matrix(md: MatrixData, data: AreaData, asset_ids: list[int], threshold_min: float) -> Measured:
    """Reach from the matrix for the given assets (columns)."""
    matrix, asset_in = md.for_assets(asset_ids)
    r = traveltime.reach_from_matrix(
        matrix, data.population, threshold_min, area_in_matrix=md.area_in, asset_in_matrix=asset_in
    )
    return Measured(r.nearest_min, r.nearest_asset, r.unreached, md.area_in, asset_in, {})


# --- networks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkData:
    """A mode's network projected like one level's areas, with the areas' points snapped to it."""

    graph: network.Graph
    sample_snap: network.Snapped
    rep_snap: network.Snapped


def network_data(db: Database, src: Source, data: AreaData) -> NetworkData:
    """The network of a source, loaded and snapped once per data version and level."""
    key = (store.db_key(db), store.data_version(db), src.mode, src.file, data.level)
    cached = _network_cache.get(key)
    if cached is not None:
        return cached
    path = store.network_folder(db) / src.file
    road = _files_cache.get(str(path))  # file names are unique per import: an edit elsewhere need not reload it
    if road is None:
        try:
            road = _files_cache.put(str(path), RoadNetwork.load(path))
        except NetworkFileError:
            raise InvalidParameter(
                f"the {src.mode} network file {path} is missing or unreadable: "
                f"run import-network --mode {src.mode} again"
            ) from None
    graph = network.Graph(data.proj.xy(np.column_stack([road.lon, road.lat])), road.seconds)
    nd = NetworkData(graph, network.snap(graph, data.samples.xy), network.snap(graph, data.rep_xy))
    return _network_cache.put(key, nd)


def _site_xy(data: AreaData, lonlat: np.ndarray) -> np.ndarray:
    return data.proj.xy(lonlat) if len(lonlat) else np.zeros((0, 2))


def search_limit_min(threshold_min: float) -> float:
    """How far a search goes: twice the threshold (at most 240 minutes), so an area beyond reach
    still gets its nearest time when it is not too far; farther than that it is null (more than this)."""
    return max(float(threshold_min), min(2.0 * float(threshold_min), MAX_SEARCH_MIN))


def measure_network(
    nd: NetworkData, data: AreaData, lonlat: np.ndarray, threshold_min: float, times: network.NodeTimes | None = None
) -> Measured:
    """Reach along the network for sites at lonlat (times: a cached search for them, if any)."""
    sites = network.snap(nd.graph, _site_xy(data, lonlat))
    if times is None:
        limit_s = search_limit_min(threshold_min) * 60.0
        times = network.times_to_sites(nd.graph, sites.node, sites.seconds(network.WALK_KMH), limit_s)
    r = network.evaluate(
        times, data.samples, data.population, threshold_min, nd.sample_snap, nd.rep_snap, site_snap_m=sites.distance_m
    )
    far = nd.sample_snap.distance_m > FAR_FROM_NETWORK_M
    share_far = np.bincount(data.samples.area, weights=data.samples.share * far, minlength=len(data.ids))
    extra = {
        "times": times,
        "site_snap_m": sites.distance_m,
        "people_far_from_network": float((np.nan_to_num(data.population) * np.minimum(share_far, 1.0)).sum()),
    }
    n = len(data.ids)
    return Measured(r.nearest_min, r.nearest_site, r.unreached, np.ones(n, bool), np.ones(len(lonlat), bool), extra)


# --- the report -------------------------------------------------------------------------------

ESTIMATE_NOTE = (
    "Both figures, with precise points only and with approximate points too, are estimates: the inventory is "
    "incomplete and travel times are modelled (a routing engine's matrix or free-flow times on a road network)."
)


def _unmeasurable(cat: dict, src: Source, assets: AssetSet, include_imprecise: bool) -> str:
    if assets.ids:  # located sites, none of them in the matrix file
        return f"cannot be measured: none of the {len(assets.ids)} located {cat['label'].lower()} assets is in the {src.mode} travel-time file"
    return _unmeasurable_reason(cat, assets, include_imprecise)


def threshold_basis(threshold_min: float | None) -> tuple[float, str]:
    """The threshold in minutes (DEFAULT_THRESHOLD_MIN when not given) and where it comes from."""
    if threshold_min is None:
        return DEFAULT_THRESHOLD_MIN, f"default ({DEFAULT_THRESHOLD_MIN:g} minutes)"
    return float(threshold_min), "as requested"


def report_setup(db: Database, category: str, q: TravelQuery) -> tuple[dict, Source, str, float, str]:
    """What a travel-time report starts from: the category row, the travel source, the area level
    (the default when not given) and the threshold in minutes with its basis."""
    cat = category_row(db, category)
    src = source_for(db, q.mode, q.prefer)
    return (cat, src, q.level or default_level(db), *threshold_basis(q.threshold_min))


def measure(
    db: Database, src: Source, data: AreaData, assets: AssetSet, threshold_min: float, category: str
) -> Measured:
    """Reach of a category's assets from a source (network searches cached for what-ifs)."""
    if src.kind == "matrix":
        return measure_matrix(matrix_data(db, src.mode, data), data, assets.ids, threshold_min)
    nd = network_data(db, src, data)
    key = (store.db_key(db), store.data_version(db), src.mode, data.level, category, tuple(assets.ids), threshold_min)
    times = _times_cache.get(key)
    result = measure_network(nd, data, assets.lonlat, threshold_min, times)
    _times_cache.put(key, result.extra["times"])
    return result


def reach_report(db: Database, category: str, q: TravelQuery) -> dict:
    """Who is beyond q.threshold_min minutes of the category's assets by q.mode (see the module notes)."""
    cat, src, level, threshold, basis = report_setup(db, category, q)
    version = store.data_version(db)
    key = (store.db_key(db), version, category, src.kind, q.mode, threshold, q.include_imprecise, level)
    cached = _results_cache.get(key)
    if cached is not None:
        return cached
    data = load_area_data(db, level)
    assets = assets_for(db, category, q.include_imprecise)
    m = measure(db, src, data, assets, threshold, category)
    report = shape_report(cat, src, data, assets, m, threshold, basis, q.include_imprecise)
    report["data_version"] = version
    return _results_cache.put(key, report)


def shape_report(
    cat: dict,
    src: Source,
    data: AreaData,
    assets: AssetSet,
    m: Measured,
    threshold: float,
    basis: str,
    include_imprecise: bool,
) -> dict:
    """The report dict, in services.reach.reach_report's shape plus the travel-time fields."""
    pop = np.nan_to_num(data.population)
    measured_pop = np.where(m.area_in, pop, 0.0)
    measurable = bool(m.asset_in.any())  # no site with times: no figure (services.reach says the same)
    total = float(measured_pop.sum())
    unreached_total = float(m.unreached.sum())
    urban = data.density >= reach.URBAN_DENSITY_PER_KM2
    used = [i for i, ok in enumerate(m.asset_in) if ok]
    areas = []
    for i in np.argsort(-m.unreached, kind="stable"):
        inside = bool(m.area_in[i])
        nearest = m.nearest_min[i]
        j = int(m.nearest_asset[i])
        areas.append(
            {
                "id": data.ids[i],
                "name": data.names[i],
                "population": None if np.isnan(data.population[i]) else int(data.population[i]),
                "unreached_population": _round(m.unreached[i]) if inside and measurable else None,
                "unreached_share": (_round(m.unreached[i] / pop[i], 4) if pop[i] else 0.0)
                if inside and measurable
                else None,
                "nearest_m": None,
                "nearest_min": round(float(nearest), 2) if np.isfinite(nearest) else None,
                "nearest_asset_id": assets.ids[j] if j >= 0 else None,
                "threshold_min": threshold,
                "measured": inside,
                "urban": bool(urban[i]),
                "uncertain": False,
                "quintiles": {k: (None if np.isnan(v[i]) else int(v[i])) for k, v in data.quintiles.items()},
            }
        )
    excluded_areas = [data.names[i] for i in np.flatnonzero(~m.area_in)]
    excluded_assets = [assets.names[j] for j in np.flatnonzero(~m.asset_in)]
    groups = {k: np.where(m.area_in, v, np.nan) for k, v in data.groups.items()}
    report = {
        "category": cat["slug"],
        "category_label": cat["label"],
        "level": data.level,
        "threshold_m": None,
        "thresholds": {"minutes": threshold, "basis": basis},
        "circuity": None,
        "distance_method": src.method,
        "mode": src.mode,
        "threshold_min": threshold,
        "travel": src.describe(),
        "include_imprecise": include_imprecise,
        "total_population": int(round(total)),
        "measurable": measurable,
        "reason": None if measurable else _unmeasurable(cat, src, assets, include_imprecise),
        "unreached_population": _round(unreached_total) if measurable else None,
        "unreached_share": (_round(unreached_total / total, 4) if total else 0.0) if measurable else None,
        "uncertain_areas": 0,
        "uncertain_note": "",
        "precisions_used": _precisions_used(include_imprecise),
        "estimate_note": ESTIMATE_NOTE,
        "assets_used": len(used),
        "excluded_assets": sum(assets.excluded_by_precision.values()),
        "excluded_by_precision": assets.excluded_by_precision,
        "excluded_reason": _excluded_reason(assets.excluded_by_precision, include_imprecise),
        "excluded": {
            "areas": _names(excluded_areas),
            "assets": _names(excluded_assets),
            "population": int(round(float((pop * ~m.area_in).sum()))),
            "reason": "not in the matrix file (neither reached nor unreached)" if src.kind == "matrix" else "",
        },
        "areas_without_population": int(np.isnan(data.population).sum()),
        "assets": [a for k, a in enumerate(assets.public()) if m.asset_in[k]],
        "areas": areas,
        "groups": reach.group_breakdown(m.unreached, measured_pop, groups) if measurable else {},
        "deprivation": deprivation_breakdown(data, m.unreached, measured_pop, within=m.area_in) if measurable else {},
    }
    if src.kind == "network":
        snap = m.extra["site_snap_m"]
        far_sites = [assets.names[j] for j in np.flatnonzero(snap > FAR_FROM_NETWORK_M)]
        report["network"] = {
            "nodes": int(src.counts.get("nodes", 0)),
            "edges": int(src.counts.get("edges", 0)),
            "sites_far_from_network": _names(far_sites),
            "people_far_from_network": _round(m.extra["people_far_from_network"]),
            "far_m": FAR_FROM_NETWORK_M,
            "search_limit_min": search_limit_min(threshold),
        }
    return report

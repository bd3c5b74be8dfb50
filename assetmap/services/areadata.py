"""The areas of one level as arrays for the measures: projected sample points, representative
points, population, density, deprivation bands (whatever indices the place has: CIMD quintiles,
IMD deciles, the Core20 flag; store.indices) and group counts. Cached per (database, data
version, level), so any change to assets or areas (which bumps the data version) invalidates it.
No Flask here.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from threading import Lock

import numpy as np
from scipy.spatial import cKDTree
from sqlite_utils import Database

from assetmap import store
from assetmap.errors import InvalidParameter
from needs_assessment import reach
from needs_assessment.geo import LocalProjection, projection_for

QUINTILE_SUFFIX = "_quintile"


class LRU:
    """A small thread-safe least-recently-used cache."""

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


_areas_cache = LRU(8)
_levels_cache = LRU(16)


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
    quintiles: dict[str, np.ndarray] = field(default_factory=dict)  # band/flag key -> band per area (NaN unknown)
    quintile_labels: dict[str, str] = field(default_factory=dict)
    bands: dict[str, dict] = field(default_factory=dict)  # band/flag key -> role, bands, most_deprived, scope
    groups: dict[str, np.ndarray] = field(default_factory=dict)  # group label -> people per area

    @property
    def index(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self.ids)}

    @cached_property
    def rep_tree(self) -> cKDTree:
        """KD-tree of the representative points (built once, kept with the cached areas)."""
        return cKDTree(self.rep_xy)


def level_counts(db: Database) -> dict[str, int]:
    """Number of areas per level, kept per data version (counting scans every area: ~10 ms at 60k)."""
    key = (store.db_key(db), store.data_version(db))
    counts = _levels_cache.get(key)
    if counts is None:
        counts = _levels_cache.put(key, store.level_counts(db))
    return dict(counts)


def area_levels(db: Database) -> list[str]:
    """The area levels present, sorted."""
    return sorted(level_counts(db))


def default_level(db: Database) -> str:
    """The finest area level present (the most areas): DA for the Muskoka data."""
    counts = level_counts(db)
    level = max(sorted(counts), key=counts.get) if counts else None
    if level is None:
        raise InvalidParameter("no areas loaded: import areas (or run load-demo) first")
    return level


def _positions(rowids: np.ndarray, sample_rowids: np.ndarray, n_areas: int) -> np.ndarray:
    """Each sample's area as a position in the level's list (rowids: the list's, in its order)."""
    if len(rowids) != n_areas:
        raise RuntimeError("the areas changed while they were read: ask again")
    order = np.argsort(rowids)
    found = np.searchsorted(rowids, sample_rowids, sorter=order)
    found = np.minimum(found, max(len(rowids) - 1, 0))
    if len(sample_rowids) and not np.array_equal(rowids[order[found]], sample_rowids):
        raise RuntimeError("the areas changed while they were read: ask again")
    return order[found].astype(np.intp)


def load_area_data(db: Database, level: str) -> AreaData:
    """Areas of a level with their samples, projected, cached per data version."""
    key = (store.db_key(db), store.data_version(db), level)
    cached = _areas_cache.get(key)
    if cached is not None:
        return cached
    rows = store.list_areas(db, level)
    if not rows:
        raise InvalidParameter(f"no areas of level {level!r}")
    rep = np.array([[r["rep_lon"], r["rep_lat"]] for r in rows], dtype=float)
    proj = projection_for(rep[:, 0], rep[:, 1])
    stored = store.area_samples(db, level)
    area_idx = _positions(store.area_rowids(db, level), stored["area"], len(rows))
    lonlat = np.column_stack([stored["longitude"], stored["latitude"]])
    share = np.ascontiguousarray(stored["share"])
    # Areas without samples (e.g. stored before sampling existed) fall back to their point.
    missing = np.flatnonzero(np.bincount(area_idx, minlength=len(rows)) == 0)
    if len(missing):
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
        if ind.get("role") in ("band", "flag") or (ind.get("role") is None and ind["key"].endswith(QUINTILE_SUFFIX)):
            data.quintiles[ind["key"]] = values
            data.quintile_labels[ind["key"]] = ind["label"]
            data.bands[ind["key"]] = {
                "role": ind.get("role") or "band",
                "bands": 2 if ind.get("role") == "flag" else int(ind.get("bands") or 5),
                "most_deprived": 1 if ind.get("role") == "flag" else int(ind.get("most_deprived") or 5),
                "scope": ind.get("scope") or "",
            }
        elif ind["unit"] == "people":
            data.groups[ind["label"]] = values
        elif ind["unit"] == "% of population":
            data.groups[ind["label"]] = values / 100.0 * np.nan_to_num(population)
    return _areas_cache.put(key, data)

"""The assets of a category that distance measures use, read once per data version: their points
(and entrances), capacities, and counts of those left out, with projected points and KD-trees kept
for the what-ifs. Read through the public view, so a confidential site never changes a figure.
No Flask here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree
from sqlite_utils import Database

from assetmap import store
from assetmap.services.areadata import LRU
from needs_assessment.precision import PRECISE

_assets_cache = LRU(64)


@dataclass
class AssetSet:
    """The assets of a category a measure uses (public points only), and counts of those left out."""

    ids: list[int]
    names: list[str]
    lonlat: np.ndarray
    capacity: np.ndarray
    excluded_by_precision: dict[str, int]
    precision: list[str]
    left_out_lonlat: np.ndarray  # public points not used (approximate when only precise ones count)
    entrances: dict[int, list[tuple[float, float]]] = field(default_factory=dict)  # asset id -> access points
    known_ids: frozenset[int] = frozenset()  # every active asset of the category, used or not
    _projected: dict = field(default_factory=dict, repr=False, compare=False)

    def reach_lonlat(self, keep: np.ndarray | None = None) -> np.ndarray:
        """The points distances are measured to: each (kept) asset's access points when it has any (a
        park's gates), else its own point."""
        if not self.entrances:
            return self.lonlat if keep is None else self.lonlat[keep]
        points = []
        for k, (asset_id, lonlat) in enumerate(zip(self.ids, self.lonlat, strict=True)):
            if keep is None or keep[k]:
                points += self.entrances.get(asset_id) or [tuple(lonlat)]
        return np.array(points, dtype=float).reshape(-1, 2)

    def reach_owner(self) -> np.ndarray:
        """For each point of reach_lonlat(), the index of its asset (so closing an asset closes its gates)."""
        if "owner" not in self._projected:
            counts = [len(self.entrances.get(i) or [None]) for i in self.ids]
            self._projected["owner"] = np.repeat(np.arange(len(self.ids)), counts)
        return self._projected["owner"]

    def xy(self, proj) -> np.ndarray:
        """The used assets' own points in metres of a projection (2SFCA supply; kept, as the set itself
        is kept per data version)."""
        return self._kept(("xy", proj.lon0, proj.lat0), lambda: _project(proj, self.lonlat))

    def reach_xy(self, proj) -> np.ndarray:
        """reach_lonlat() in metres of a projection (coverage sites), kept like xy."""
        return self._kept(("reach", proj.lon0, proj.lat0), lambda: _project(proj, self.reach_lonlat()))

    def reach_tree(self, proj) -> cKDTree | None:
        """A KD-tree over reach_xy(proj) (None without points), kept like it."""
        xy = self.reach_xy(proj)
        return self._kept(("tree", proj.lon0, proj.lat0), lambda: cKDTree(xy) if len(xy) else None)

    def _kept(self, key, build):
        if key not in self._projected:
            self._projected[key] = build()
        return self._projected[key]

    def public(self) -> list[dict]:
        """The used assets, for maps (all have public points: confidential sites are never used)."""
        return [
            {"id": i, "name": n, "lon": round(float(ll[0]), 5), "lat": round(float(ll[1]), 5), "location_precision": p}
            for i, n, ll, p in zip(self.ids, self.names, self.lonlat, self.precision, strict=True)
        ]


def assets_for(db: Database, category: str, include_imprecise: bool) -> AssetSet:
    """Active assets of a category usable for distance measures, and counts of those left out.

    Read through the public view: a confidential site has no point there, so it never changes a
    figure the public can see; it is counted under 'confidential'. Cached per data version (read-only).
    """
    key = (store.db_key(db), store.data_version(db), category, include_imprecise)
    cached = _assets_cache.get(key)
    if cached is None:
        cached = _assets_cache.put(key, _read_assets(db, category, include_imprecise))
    return cached


def _read_assets(db: Database, category: str, include_imprecise: bool) -> AssetSet:
    keep, left_out, excluded = [], [], {}
    rows = store.public_rows(db, categories=[category])
    for r in rows:
        precision = "confidential" if r["confidential"] else r["location_precision"]
        usable = r["latitude"] is not None and precision != "none" and (include_imprecise or precision in PRECISE)
        if usable:
            keep.append(r)
        else:
            excluded[precision] = excluded.get(precision, 0) + 1
            if r["latitude"] is not None:
                left_out.append((r["longitude"], r["latitude"]))
    keep.sort(key=lambda r: r["id"])
    lonlat = np.array([[r["longitude"], r["latitude"]] for r in keep], dtype=float).reshape(-1, 2)
    capacity = np.array([r["capacity"] if r["capacity"] and r["capacity"] > 0 else 1.0 for r in keep], dtype=float)
    return AssetSet(
        [r["id"] for r in keep],
        [r["name"] for r in keep],
        lonlat,
        capacity,
        excluded,
        [r["location_precision"] for r in keep],
        np.array(left_out, dtype=float).reshape(-1, 2),
        store.access_points(db, [r["id"] for r in keep]),
        frozenset(r["id"] for r in rows),
    )


def _project(proj, lonlat: np.ndarray) -> np.ndarray:
    return proj.xy(lonlat) if len(lonlat) else np.zeros((0, 2))

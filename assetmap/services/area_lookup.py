"""Which stored area a point falls in: the polygons of one level, built once per data version."""

from __future__ import annotations

import json
from collections.abc import Sequence

import shapely
from shapely.geometry import shape
from sqlite_utils import Database

from assetmap import store
from assetmap.services.areadata import LRU

_cache = LRU(4)


class AreaIndex:
    """The polygons of a level's areas with a spatial index (coordinates are (lon, lat))."""

    def __init__(self, rows: list[dict]):
        rows = [r for r in rows if r.get("geometry")]
        self.ids = [r["id"] for r in rows]
        self.population = {r["id"]: r.get("population") for r in rows}
        self.tree = shapely.STRtree([shape(json.loads(r["geometry"])) for r in rows])

    def locate(self, points_lonlat: Sequence[tuple[float, float]]) -> list[str | None]:
        """The area id of each (lon, lat) point (the first area by id order on a shared edge), else None."""
        if not points_lonlat or not self.ids:
            return [None] * len(points_lonlat)
        points = shapely.points(points_lonlat)
        found: list[str | None] = [None] * len(points_lonlat)
        point_idx, area_idx = self.tree.query(points, predicate="intersects")
        for p, a in sorted(zip(point_idx.tolist(), area_idx.tolist(), strict=True), reverse=True):
            found[p] = self.ids[a]  # reverse order: the lowest area index wins
        return found


def area_index(db: Database, level: str) -> AreaIndex:
    """The AreaIndex of a level for the database's current data."""
    key = (store.db_key(db), store.data_version(db), level)
    return _cache.get(key) or _cache.put(key, AreaIndex(store.list_areas(db, level)))

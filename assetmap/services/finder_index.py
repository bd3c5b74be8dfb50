"""The finder's in-memory index of the public assets, built once per (database, data version).

Arrays of the columns the filters need, boolean masks per category, language and age group, and
a KD-tree of the public points on the unit sphere (chord distance orders points exactly as the
great-circle distance does). A search then costs a few array operations, one KD-tree query and
geodesic distances for a few dozen candidates, however many assets there are; every loop is
bounded by the number of assets.

>>> rows = [(1, "Food Bank", "food", 45.0, -79.0, "exact", 0, "en,fr", "yes", "free", "all", ""),
...         (2, "Pantry", "food", 45.1, -79.0, "community", 0, "", "", "", "", ""),
...         (3, "Shelter", "social_services", None, None, "none", 1, "", "", "", "", "")]
>>> index = FinderIndex.build(rows)
>>> index.mask(categories=("food",), languages=("fr",)).tolist()
[True, False, False]
>>> found, metres, more = index.nearest(45.09, -79.0, index.mask(), limit=2)
>>> [int(index.ids[p]) for p in found], [round(metres[p]) for p in found], more
([2, 1], [1111, 10002], False)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from pyproj import Geod
from scipy.spatial import cKDTree

from assetmap.services.areadata import LRU

GEOD = Geod(ellps="WGS84")
COST_CHOICES = {"free": ("free",), "low": ("free", "low")}
DIRECT_BELOW = 2_000  # this many matching points or fewer: measure them all, no tree
ELLIPSOID_SLACK = 1.01  # great-circle vs ellipsoid differ by < 0.6%: widen the ball by 1%
PARTS_KEPT = 10_000  # result parts kept per data version, the most recently shown (1.5-3 KB each)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def nocase(text: str | None) -> str:
    """SQLite's NOCASE collation key: ASCII letters folded, everything else as it is."""
    return (text or "").translate(_ASCII_LOWER)


def unit_xyz(lat, lon) -> np.ndarray:
    """Points on the unit sphere for (lat, lon) in degrees (arrays or scalars)."""
    la, lo = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _codes(text: str | None) -> list[str]:
    return [c for c in (text or "").split(",") if c]


@dataclass
class FinderIndex:
    """Positions 0..n-1 are assets; `located` holds the positions of those with a public point."""

    ids: np.ndarray
    names: list[str]
    lat: np.ndarray
    lon: np.ndarray
    precision: list[str]
    confidential: np.ndarray
    hours: list[str]
    located: np.ndarray
    tree: cKDTree | None
    by_category: dict[str, np.ndarray]
    by_language: dict[str, np.ndarray]
    by_age: dict[str, np.ndarray]
    wheelchair_yes: np.ndarray
    cost: np.ndarray  # cost_level per position ('' when not known)
    has_hours: np.ndarray
    name_order: np.ndarray  # every position by (NOCASE name, id)
    others_order: np.ndarray  # positions without a public point by (confidential, NOCASE name, id)
    position: dict[int, int] = field(default_factory=dict)
    has_point: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # per position
    categories: list[dict] = field(default_factory=list)  # store.category_rows(): the finder's words
    text_cache: dict = field(default_factory=dict)  # q -> positions matching it, kept with this data version
    parts: LRU = field(default_factory=lambda: LRU(PARTS_KEPT))  # asset id -> services.finder.ResultParts
    memo: dict = field(default_factory=dict)  # what callers keep with this data version (the app: its words)

    @classmethod
    def build(cls, rows: Sequence[tuple], categories: Sequence[dict] = ()) -> FinderIndex:
        """From store.search.finder_index_rows() tuples (see its INDEX_COLUMNS) and, for the words,
        store.category_rows() of the same data version."""
        n = len(rows)
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        names = [r[1] or "" for r in rows]
        lat = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=float)
        lon = np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=float)
        located = np.flatnonzero(~np.isnan(lat) & ~np.isnan(lon))
        tree = cKDTree(unit_xyz(lat[located], lon[located])) if len(located) else None

        def flags(values: list[list[str]]) -> dict[str, np.ndarray]:
            out: dict[str, np.ndarray] = {}
            for pos, codes in enumerate(values):
                for code in codes:
                    out.setdefault(code, np.zeros(n, dtype=bool))[pos] = True
            return out

        keys = [(nocase(r[1]), r[0]) for r in rows]
        name_order = np.array(sorted(range(n), key=lambda p: keys[p]), dtype=np.intp)
        has_point = np.zeros(n, dtype=bool)
        has_point[located] = True
        others = [p for p in name_order if not has_point[p]]
        others.sort(key=lambda p: (bool(rows[p][6]), keys[p]))
        return cls(
            ids=ids,
            names=names,
            lat=lat,
            lon=lon,
            precision=[r[5] or "none" for r in rows],
            confidential=np.array([bool(r[6]) for r in rows], dtype=bool),
            hours=[r[11] or "" for r in rows],
            located=located,
            tree=tree,
            by_category=flags([[r[2]] for r in rows]),
            by_language=flags([_codes(r[7]) for r in rows]),
            by_age=flags([_codes(r[10]) for r in rows]),
            wheelchair_yes=np.array([r[8] == "yes" for r in rows], dtype=bool),
            cost=np.array([r[9] or "" for r in rows], dtype=object),
            has_hours=np.array([bool(r[11]) for r in rows], dtype=bool),
            name_order=name_order,
            others_order=np.array(others, dtype=np.intp),
            position={int(i): p for p, i in enumerate(ids)},
            has_point=has_point,
            categories=list(categories),
        )

    @cached_property
    def _by_id(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.ids, kind="stable")
        return self.ids[order], order

    def positions_of(self, ids: Sequence[int]) -> np.ndarray:
        """Positions of the given asset ids (ids not in the index left out), without a Python loop."""
        wanted = np.asarray(ids, dtype=np.int64)
        sorted_ids, order = self._by_id
        at = np.searchsorted(sorted_ids, wanted)
        found = at < len(sorted_ids)
        found[found] = sorted_ids[at[found]] == wanted[found]
        return order[at[found]]

    def __len__(self) -> int:
        return len(self.ids)

    def _any(self, table: dict[str, np.ndarray], keys: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(self), dtype=bool)
        for key in keys:
            if key in table:
                out |= table[key]
        return out

    def mask(
        self,
        *,
        categories: Sequence[str] | None = None,
        languages: Sequence[str] = (),
        wheelchair: bool = False,
        cost: str | None = None,
        age: str | None = None,
        needs_hours: bool = False,
        text_ids: Sequence[int] | None = None,
        text_positions: np.ndarray | None = None,
    ) -> np.ndarray:
        """Positions passing every filter (None / empty means no restriction); text matches given
        as asset ids or as positions (positions_of(ids))."""
        keep = np.ones(len(self), dtype=bool)
        if categories:
            keep &= self._any(self.by_category, categories)
        if languages:
            keep &= self._any(self.by_language, languages)
        if wheelchair:
            keep &= self.wheelchair_yes
        if cost:
            keep &= np.isin(self.cost, COST_CHOICES[cost])
        if age:
            keep &= self._any(self.by_age, (age, "all"))
        if needs_hours:
            keep &= self.has_hours  # unknown hours are never "open"
        if text_ids is not None:
            text_positions = self.positions_of(text_ids)
        if text_positions is not None:
            text = np.zeros(len(self), dtype=bool)
            text[text_positions] = True
            keep &= text
        return keep

    def nearest(
        self, lat: float, lon: float, keep: np.ndarray, limit: int, accept: Callable[[int], bool] | None = None
    ) -> tuple[list[int], dict[int, float], bool]:
        """(positions of the `limit` nearest public points passing keep and accept, nearest first;
        their geodesic distances in metres; whether more would follow)."""
        matching = int(np.count_nonzero(keep))  # located or not: a bound, without gathering
        if matching <= DIRECT_BELOW or self.tree is None:
            candidates = np.flatnonzero(keep)
            candidates = candidates[self.has_point[candidates]]
            if len(candidates) == 0:
                return [], {}, False
        else:
            candidates = self._ball(unit_xyz(lat, lon), keep, limit, accept, matching / len(keep))
        dist = self._geodesic(lat, lon, candidates)
        return self.first_accepted(candidates, dist, accept, limit)

    def first_accepted(
        self, positions: np.ndarray, dist: np.ndarray, accept, limit: int
    ) -> tuple[list[int], dict[int, float], bool]:
        """The first `limit` accepted positions by distance, then id: (positions, metres, more?);
        accept None: every one."""
        order = np.lexsort((self.ids[positions], dist))
        if accept is None:
            first = order[:limit]
            found = positions[first].tolist()
            return found, dict(zip(found, dist[first].tolist(), strict=True)), len(order) > limit
        found: list[int] = []
        metres: dict[int, float] = {}
        for k in order.tolist():
            p = int(positions[k])
            if accept(p):
                if len(found) == limit:
                    return found, metres, True
                found.append(p)
                metres[p] = float(dist[k])
        return found, metres, False

    def _ball(self, origin: np.ndarray, keep: np.ndarray, limit: int, accept, share: float = 1.0) -> np.ndarray:
        """Matching positions within the chord radius of the (limit+1)-th accepted match, plus slack.
        `share`: about how many of the points match; the first query asks for enough neighbours."""
        located = self.located
        n = len(located)
        k = min(n, max(limit + 1, 32, int(1.5 * (limit + 1) / max(share, 1e-9))))
        while True:
            chord, pos = self.tree.query(origin, k)
            chord, positions = np.atleast_1d(chord), located[np.atleast_1d(pos)]
            farthest = chord[-1]
            matching = keep[positions]
            chord, positions = chord[matching], positions[matching]
            if accept is None:  # every match is accepted
                accepted = chord[: limit + 1].tolist()
            else:
                accepted = []  # chords of the first limit + 1 accepted, nearest first
                for c, p in zip(chord.tolist(), positions.tolist(), strict=True):
                    if accept(p):
                        accepted.append(c)
                        if len(accepted) > limit:
                            break
            if len(accepted) > limit or k >= n:
                break
            k = min(n, k * 4)
        if len(accepted) <= limit:
            return positions.astype(np.intp)
        radius = accepted[limit] * ELLIPSOID_SLACK
        if farthest > radius or k >= n:  # the k nearest hold every point within the radius
            return positions[chord <= radius].astype(np.intp)
        ball = np.asarray(self.tree.query_ball_point(origin, radius), dtype=np.intp)
        positions = located[ball]
        return positions[keep[positions]]

    def _geodesic(self, lat: float, lon: float, positions: np.ndarray) -> np.ndarray:
        if len(positions) == 0:
            return np.zeros(0)
        lats, lons = self.lat[positions], self.lon[positions]
        _, _, dist = GEOD.inv(np.full_like(lons, lon), np.full_like(lats, lat), lons, lats)
        return np.asarray(dist)

    def in_order(self, order: np.ndarray, keep: np.ndarray, room: int, accept=None) -> tuple[list[int], bool]:
        """The first `room` positions of `order` passing keep and accept; and whether more would follow."""
        out: list[int] = []
        for p in order[keep[order]]:
            p = int(p)
            if accept is None or accept(p):
                if len(out) == room:
                    return out, True
                out.append(p)
        return out, False


_cache: dict[tuple, FinderIndex] = {}
_lock = threading.Lock()


def cached_index(key: tuple, build: Callable[[], FinderIndex]) -> FinderIndex:
    """The index for key (database, data version), built once; older versions are dropped."""
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    index = build()
    with _lock:
        for old in [k for k in _cache if k[0] == key[0]]:
            del _cache[old]
        if len(_cache) > 8:
            _cache.clear()
        _cache[key] = index
    return index

"""Resident finder: supports near a place, ordered by distance, with filters. Imports no Flask.

How results are ordered (documented in the README, held by tests):

1. Supports with a point, non-confidential, by the straight-line geodesic distance (WGS84
   ellipsoid, pyproj) from the searched place to their point. A *precise* point (the site, an
   address, a landmark, an urban postal code) shows that distance. An *approximate* point (a town
   or municipality centre, a rural postal code, a point known to be off) is ranked by the distance
   to that approximate point, i.e. together with the other supports of its community, and is
   labelled "in <community>" with no distance shown.
2. Then, while the limit leaves room: supports with no known location, by name.
3. Then confidential sites (e.g. shelters), by name: contact details only, never a location,
   a community or a distance.

Without a place, everything matching is listed by name (or by text relevance when q is given).

The search narrows candidates with the R*Tree (`assets_rtree`) in a box around the place that
doubles until it holds `limit` + 1 matches inside its inscribed circle (so the order is exact) or
covers all the data, and with FTS5 (`assets_fts`) for text.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from pyproj import Geod
from sqlite_utils import Database

from assetmap import fields, store
from assetmap.errors import InvalidParameter
from assetmap.privacy import PUBLIC_POINT_SQL, public_asset
from assetmap.values import DEFAULT_LIMIT
from assetmap.vocab import hours
from needs_assessment.precision import PRECISE

GEOD = Geod(ellps="WGS84")
INITIAL_RADIUS_M = 2_000.0
DIRECT_TEXT_MATCHES = 5_000  # text matches up to this many are ranked without the R*Tree
LATLON_RE = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
COST_CHOICES = {"free": ("free",), "low": ("free", "low")}

# Columns of a result row; confidential rows lose the location ones (see public_result).
# Fields a result carries besides id, name, category and its location (from the field registry).
RESULT_FIELDS = tuple(
    f
    for f in fields.PUBLIC
    if f
    not in (
        "id",
        "name",
        "category",
        "latitude",
        "longitude",
        "location_precision",
        "community",
        "municipality",
        "confidential",
        "external_id",
        "notes",
        "precision_source",
        "capacity",
        "abcd_type",
    )
) + ("updated_at",)
MAX_ROUNDS = 10  # the widening box stops after this many rounds, whatever it found
MAX_RADIUS_M = 400_000.0  # and never looks farther than this


class OutsideRegion(InvalidParameter):
    """The place to search near is outside the area the map covers (HTTP 400)."""

    def __init__(self, query: str, place_name: str):
        super().__init__(
            f"'{query}' is outside the area this map covers ({place_name}). "
            "Try a postal code, an address or a town in that area."
        )
        self.query, self.place_name = query, place_name


class UnknownPlace(InvalidParameter):
    """The place to search near could not be found offline (HTTP 400)."""

    def __init__(self, query: str):
        super().__init__(f"We couldn't find '{query}'. Try a full postal code or a town name.")
        self.query = query


@dataclass(frozen=True)
class Origin:
    """The place searched near: (latitude, longitude), how it was found, and what to call it."""

    query: str
    latitude: float
    longitude: float
    label: str
    precision: str  # 'coordinates' or a needs_assessment.precision code from the geocoder
    postal_code: str | None = None

    @property
    def approximate(self) -> bool:
        """True when distances from this place are rough (rural postal code, town or municipality)."""
        return self.precision not in ("coordinates", "exact", "address", "postal_code")


@dataclass(frozen=True)
class Filters:
    """What to search for. None / empty means no restriction."""

    categories: tuple[str, ...] | None = None
    q: str | None = None
    languages: tuple[str, ...] = ()
    wheelchair: bool = False
    cost: str | None = None  # 'free' or 'low' (free or low cost)
    age: str | None = None
    open_at: datetime | None = None  # timezone-aware
    open_now: bool = False


@dataclass
class SearchResult:
    results: list[dict]
    more: bool
    origin: Origin | None
    filters: Filters
    evaluated_at: datetime
    radius_m: float | None = None
    stats: dict = field(default_factory=dict)


# --- parameters -------------------------------------------------------------------------------


def parse_near(raw: str | None, geocoder, place=None) -> Origin | None:
    """A 'lat,lon' pair, a postal code, an address or a community name -> Origin; None when blank.
    With a place (assetmap.place.Place), a point outside its region raises OutsideRegion at once."""
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    if len(raw) > 200:
        raise InvalidParameter("near is too long (at most 200 characters)")
    m = LATLON_RE.match(raw)
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidParameter("near: latitude must be within ±90 and longitude within ±180 (lat,lon)")
        origin = Origin(raw, lat, lon, f"{lat:.4f}, {lon:.4f}", "coordinates")
    else:
        found = geocoder.geocode(raw)
        if found is None:
            raise UnknownPlace(raw)
        origin = _origin(raw, found)
    if place is not None and not place.in_region(origin.latitude, origin.longitude):
        raise OutsideRegion(raw, place.name)
    return origin


def _origin(raw: str, found) -> Origin:
    return Origin(
        raw,
        found.latitude,
        found.longitude,
        found.address,
        found.raw["precision"],
        found.raw.get("postal_code"),
    )


# --- search -----------------------------------------------------------------------------------


def _sql_filters(filters: Filters, *, text: bool = True) -> tuple[str, list] | None:
    found = store.public_filter(categories=filters.categories, q=filters.q if text else None)
    if found is None:
        return None
    where, params = found
    clauses = [where]
    if filters.languages:
        clauses.append(
            "("
            + " OR ".join("instr(',' || COALESCE(language_codes, '') || ',', ?) > 0" for _ in filters.languages)
            + ")"
        )
        params += [f",{c}," for c in filters.languages]
    if filters.wheelchair:
        clauses.append("wheelchair = 'yes'")
    if filters.cost:
        levels = COST_CHOICES[filters.cost]
        clauses.append(f"cost_level IN ({', '.join('?' for _ in levels)})")
        params += list(levels)
    if filters.age:
        clauses.append("(age_groups = 'all' OR instr(',' || COALESCE(age_groups, '') || ',', ?) > 0)")
        params.append(f",{filters.age},")
    if filters.open_at is not None:
        clauses.append("COALESCE(opening_hours, '') != ''")  # unknown hours are never "open"
    return " AND ".join(clauses), params


LOCATED_SQL = PUBLIC_POINT_SQL

_extent_cache: dict[tuple, tuple[float, float, float, float] | None] = {}
_extent_lock = threading.Lock()


def data_extent(db: Database) -> tuple[float, float, float, float] | None:
    """(minlon, minlat, maxlon, maxlat) of all stored points, cached per data version."""
    key = (db.conn.execute("PRAGMA database_list").fetchone()[2], store.data_version(db))
    with _extent_lock:
        if key in _extent_cache:
            return _extent_cache[key]
    extent = store.point_extent(db)
    with _extent_lock:
        if len(_extent_cache) > 32:
            _extent_cache.clear()
        _extent_cache[key] = extent
    return extent


def bbox_around(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """A (minlon, minlat, maxlon, maxlat) box that contains the circle of radius_m around a point."""
    dlat = radius_m / 110_574.0 * 1.01  # metres per degree of latitude is at least 110,574
    coslat = max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 1e-6)
    dlon = min(180.0, radius_m / (111_320.0 * coslat) * 1.01)
    return lon - dlon, max(-90.0, lat - dlat), lon + dlon, min(90.0, lat + dlat)


def _covers(box, extent) -> bool:
    return box[0] <= extent[0] and box[1] <= extent[1] and box[2] >= extent[2] and box[3] >= extent[3]


def distances_m(lat: float, lon: float, lats: Sequence[float], lons: Sequence[float]) -> np.ndarray:
    """Geodesic distances in metres from (lat, lon) to each point (WGS84 ellipsoid)."""
    if len(lats) == 0:
        return np.zeros(0)
    lats_a, lons_a = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
    _, _, dist = GEOD.inv(np.full_like(lons_a, lon), np.full_like(lats_a, lat), lons_a, lats_a)
    return np.asarray(dist)


def _open_filter(filters: Filters, zone: str, region: str) -> Callable[[str | None], bool]:
    if filters.open_at is None:
        return lambda _oh: True
    return lambda oh: hours.state_at(oh, filters.open_at, zone, region) == hours.OPEN


def search(
    db: Database,
    origin: Origin | None,
    filters: Filters,
    *,
    limit: int = DEFAULT_LIMIT,
    zone: str = "America/Toronto",
    region: str = "CA-ON",
    now: datetime | None = None,
) -> SearchResult:
    """Supports matching filters, nearest first (see the module docstring for the exact order)."""
    evaluated_at = filters.open_at or (now or datetime.now(ZoneInfo(zone)))
    found = _sql_filters(filters)
    result = SearchResult([], False, origin, filters, evaluated_at)
    if found is None:
        return result
    where, params = found
    is_open = _open_filter(filters, zone, region)
    ranked: list[tuple[float, int]] = []  # (rank_m, id)
    if origin is not None:
        text_ids = None
        if filters.q:
            # One FTS5 match per search (not one per widening box); few matches are ranked directly.
            match = [store.fts_query(filters.q)]
            text_ids = {r[0] for r in db.execute("SELECT rowid FROM assets_fts WHERE assets_fts MATCH ?", match)}
        located_where, located_params = _sql_filters(filters, text=False)
        if text_ids is not None and len(text_ids) <= DIRECT_TEXT_MATCHES:
            ranked, result.stats = _ranked_ids(db, origin, located_where, located_params, text_ids, is_open)
        else:
            ranked, result.radius_m, result.stats = _ranked(
                db, origin, located_where, located_params, limit, is_open, text_ids
            )
        ranked.sort()
        result.more = len(ranked) > limit
        ranked = ranked[:limit]
        room = limit - len(ranked)
        others: list[int] = []
        if room > 0:
            sql = (
                f"SELECT id, opening_hours FROM public_assets WHERE {where} AND NOT ({LOCATED_SQL}) "
                "ORDER BY confidential, name COLLATE NOCASE, id"
            )
            for row in db.execute(sql, params):
                if is_open(row[1]):
                    if len(others) == room:
                        result.more = True
                        break
                    others.append(row[0])
        order = [i for _, i in ranked] + others
        rank_m = {i: d for d, i in ranked}
    else:
        order_by = "ORDER BY name COLLATE NOCASE, id"
        if filters.q:
            order_by = (
                "ORDER BY (SELECT rank FROM assets_fts WHERE assets_fts MATCH ? AND rowid = public_assets.id), "
                "name COLLATE NOCASE, id"
            )
            params = params + [store.fts_query(filters.q)]
        order = []
        for row in db.execute(f"SELECT id, opening_hours FROM public_assets WHERE {where} {order_by}", params):
            if is_open(row[1]):
                if len(order) == limit:
                    result.more = True
                    break
                order.append(row[0])
        rank_m = {}
    rows = _rows_by_id(db, order)
    result.results = [
        public_result(rows[i], rank_m.get(i), evaluated_at=evaluated_at, zone=zone, region=region) for i in order
    ]
    return result


def _ranked_ids(db, origin: Origin, where: str, params: list, ids: set[int], is_open) -> tuple[list, dict]:
    """Rank the located rows among a small set of ids (text matches): all their distances at once."""
    if not ids:
        return [], {"rounds": 0, "candidates": 0}
    rows = db.execute(
        f"""SELECT id, latitude, longitude, opening_hours FROM public_assets WHERE {where} AND {LOCATED_SQL}
        AND id IN (SELECT value FROM json_each(?))""",
        params + [json.dumps(sorted(ids))],
    ).fetchall()
    dists = distances_m(origin.latitude, origin.longitude, [r[1] for r in rows], [r[2] for r in rows])
    ranked = [(float(d), r[0]) for r, d in zip(rows, dists, strict=True) if is_open(r[3])]
    return ranked, {"rounds": 1, "candidates": len(rows)}


def _ranked(
    db, origin: Origin, where: str, params: list, limit: int, is_open, text_ids: set[int] | None = None
) -> tuple[list, float, dict]:
    extent = data_extent(db)
    radius = INITIAL_RADIUS_M
    seen: dict[int, float | None] = {}
    rounds = 0
    while True:
        rounds += 1
        box = bbox_around(origin.latitude, origin.longitude, radius)
        rows = db.execute(
            f"""SELECT id, latitude, longitude, opening_hours FROM public_assets WHERE {where} AND {LOCATED_SQL}
            AND id IN (SELECT id FROM assets_rtree WHERE max_lon >= ? AND min_lon <= ? AND max_lat >= ? AND min_lat <= ?)""",
            params + [box[0] - 1e-4, box[2] + 1e-4, box[1] - 1e-4, box[3] + 1e-4],
        ).fetchall()
        fresh = [r for r in rows if r[0] not in seen and (text_ids is None or r[0] in text_ids)]
        dists = distances_m(origin.latitude, origin.longitude, [r[1] for r in fresh], [r[2] for r in fresh])
        for r, d in zip(fresh, dists, strict=True):
            seen[r[0]] = float(d) if is_open(r[3]) else None
        inside = sum(1 for d in seen.values() if d is not None and d <= radius)
        if extent is None or inside > limit or _covers(box, extent) or rounds >= MAX_ROUNDS or radius >= MAX_RADIUS_M:
            break
        # Grow by the area the matches seen so far suggest (x2 to x8), so sparse filters need few rounds.
        radius = min(MAX_RADIUS_M, radius * min(8.0, max(2.0, 1.25 * math.sqrt((limit + 1) / max(inside, 0.5)))))
    # Points beyond the inscribed circle may be missing from `seen`, but at least limit + 1 points
    # inside it rank before all of them, so the first `limit` are exact either way.
    ranked = [(d, i) for i, d in seen.items() if d is not None]
    return ranked, radius, {"rounds": rounds, "candidates": len(seen)}


def _rows_by_id(db: Database, ids: Sequence[int]) -> dict[int, dict]:
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    sql = f"SELECT * FROM public_assets WHERE id IN ({marks})"
    return {r["id"]: r for r in db.query(sql, list(ids))}


def location_kind(row: dict) -> str:
    """'confidential', 'unknown' (no point), 'community' (approximate point) or 'distance' (precise)."""
    if row.get("confidential"):
        return "confidential"
    if row.get("location_precision") in (None, "", "none") or row.get("latitude") is None:
        return "unknown"
    return "distance" if row["location_precision"] in PRECISE else "community"


def public_result(
    row: dict,
    rank_m: float | None,
    *,
    evaluated_at: datetime,
    zone: str = "America/Toronto",
    region: str = "CA-ON",
) -> dict:
    """One result as plain data: never a location for a confidential site, no distance unless precise."""
    kind = location_kind(row)
    row = public_asset(row)  # confidential: nothing that places it (assetmap.privacy)
    out = {k: row.get(k) for k in ("id", "name", "category")}
    out["location"] = kind
    out["distance_m"] = round(rank_m) if kind == "distance" and rank_m is not None else None
    out["place"] = (row.get("community") or row.get("municipality") or None) if kind != "confidential" else None
    for key in RESULT_FIELDS:
        out[key] = row.get(key) or None
    out["location_precision"] = row.get("location_precision")
    out["latitude"] = round(row["latitude"], 5) if kind == "distance" else None
    out["longitude"] = round(row["longitude"], 5) if kind == "distance" else None
    out["open_state"] = hours.state_at(row.get("opening_hours"), evaluated_at, zone, region)
    if kind == "confidential":
        for key in ("address", "postal_code", "location_precision"):
            out[key] = None
    return out


def assets_by_ids(
    db: Database, ids: Sequence[int], *, evaluated_at: datetime, zone: str = "America/Toronto", region: str = "CA-ON"
) -> list[dict]:
    """Active assets in the order of ids (unknown or inactive ids are left out), as public results."""
    rows = _rows_by_id(db, ids)
    return [public_result(rows[i], None, evaluated_at=evaluated_at, zone=zone, region=region) for i in ids if i in rows]

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

The search runs over an in-memory index of the public assets (services.finder_index: filter
masks and a KD-tree, rebuilt when the data changes), with FTS5 (`assets_fts`) for text: at most
three SQL statements a search (the data version, the text matches, the result rows; a word
searched near a place again at the same data version reuses its matches), and work
bounded by the number of assets whatever is asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
from sqlite_utils import Database

from assetmap import fields, store
from assetmap.errors import InvalidParameter
from assetmap.privacy import public_asset
from assetmap.services.finder_index import FinderIndex, cached_index, nocase
from assetmap.store.search import WHO_AND_WHERE
from assetmap.values import DEFAULT_LIMIT
from assetmap.vocab import hours
from needs_assessment.precision import PRECISE

LATLON_RE = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")

# Fields a result carries besides who and where the asset is (set by public_result itself) and the
# fields a result never shows (from the field registry).
NOT_IN_RESULTS = ("community", "municipality", "external_id", "notes", "precision_source", "capacity", "abcd_type")
RESULT_FIELDS = tuple(f for f in fields.PUBLIC if f not in WHO_AND_WHERE and f not in NOT_IN_RESULTS) + ("updated_at",)


class OutsideRegion(InvalidParameter):
    """The place to search near is outside the area the map covers (HTTP 400)."""

    def __init__(self, query: str, place_name: str):
        super().__init__(
            f"'{query}' is outside the area this map covers ({place_name or 'the loaded areas'}). "
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


def index_for(db: Database) -> FinderIndex:
    """The finder index of this database's current data, with its categories (built on first use
    per data version: one statement to check the version, none more)."""
    key = (store.db_key(db), store.data_version(db))
    return cached_index(key, lambda: FinderIndex.build(store.finder_index_rows(db), store.category_rows(db)))


def _open_filter(filters: Filters, index: FinderIndex, zone: str, region: str) -> Callable[[int], bool] | None:
    if filters.open_at is None:
        return None
    known: dict[int, bool] = {}

    def is_open(position: int) -> bool:
        if position not in known:
            known[position] = hours.state_at(index.hours[position], filters.open_at, zone, region) == hours.OPEN
        return known[position]

    return is_open


def _text_positions(db: Database, index: FinderIndex, q: str) -> np.ndarray | None:
    """Index positions of the assets matching q (store.text_match_ids), kept with the index of this
    data version (people search the same few words: food, clinic, ...; at most 256 kept)."""
    if q in index.text_cache:
        return index.text_cache[q]
    ids = store.text_match_ids(db, q)
    positions = None if ids is None else index.positions_of(ids)
    if positions is not None:
        positions.flags.writeable = False
    if len(index.text_cache) >= 256:
        index.text_cache.clear()
    index.text_cache[q] = positions
    return positions


def search(
    db: Database,
    origin: Origin | None,
    filters: Filters,
    *,
    limit: int = DEFAULT_LIMIT,
    zone: str = "America/Toronto",
    region: str = "CA-ON",
    now: datetime | None = None,
    index: FinderIndex | None = None,
) -> SearchResult:
    """Supports matching filters, nearest first (see the module docstring for the exact order).
    `index`: index_for(db) when the caller already has it (it costs a statement)."""
    evaluated_at = filters.open_at or (now or datetime.now(ZoneInfo(zone)))
    result = SearchResult([], False, origin, filters, evaluated_at)
    index = index if index is not None else index_for(db)
    ranked_text = text_ids = text_positions = None
    if filters.q and origin is None:  # by relevance
        ranked_text = store.text_matches(db, filters.q)
        if ranked_text is None:
            return result
        text_ids = [i for i, _ in ranked_text]
    elif filters.q:  # near a place results go by distance: the text's rank is not needed
        text_positions = _text_positions(db, index, filters.q)
        if text_positions is None:
            return result
    keep = index.mask(
        categories=filters.categories,
        languages=filters.languages,
        wheelchair=filters.wheelchair,
        cost=filters.cost,
        age=filters.age,
        needs_hours=filters.open_at is not None,
        text_ids=text_ids,
        text_positions=text_positions,
    )
    accept = _open_filter(filters, index, zone, region)
    rank_m: dict[int, float] = {}
    if origin is not None:
        located, distances, more = index.nearest(origin.latitude, origin.longitude, keep, limit, accept)
        others, more_others = index.in_order(index.others_order, keep, limit - len(located), accept)
        result.more = more or more_others
        order = located + others
        rank_m = {int(index.ids[p]): d for p, d in distances.items()}
    elif ranked_text is not None:
        rank = dict(ranked_text)
        by_relevance = sorted(
            (index.position[i] for i in rank if i in index.position),
            key=lambda p: (rank[int(index.ids[p])], nocase(index.names[p]), int(index.ids[p])),
        )
        order, result.more = index.in_order(np.array(by_relevance, dtype=np.intp), keep, limit, accept)
    else:
        order, result.more = index.in_order(index.name_order, keep, limit, accept)
    ids = [int(index.ids[p]) for p in order]
    rows = store.public_rows_for_ids(db, ids)
    result.results = [
        public_result(rows[i], rank_m.get(i), evaluated_at=evaluated_at, zone=zone, region=region)
        for i in ids
        if i in rows
    ]
    result.stats = {"candidates": int(keep.sum()), "nearest_m": min(rank_m.values()) if rank_m else None}
    return result


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
    out["old_year"] = old_record_year(row.get("last_seen"), evaluated_at.date(), row.get("verified_date"))
    if kind == "confidential":
        for key in ("address", "postal_code", "location_precision"):
            out[key] = None
    return out


OLD_AFTER_DAYS = 2 * 365  # details last seen longer ago are shown with their year, never as current


def old_record_year(last_seen: str | None, today: date, verified_date: str | None = None) -> int | None:
    """The year details were last seen when that is over two years before today and nobody has
    verified them since, else None.

    >>> old_record_year("2018-01", date(2026, 11, 1)), old_record_year("2026-10-01", date(2026, 11, 1))
    (2018, None)
    >>> old_record_year("2018-01", date(2026, 11, 1), verified_date="2026-06-01")
    """
    dates = [d for d in (last_seen, verified_date) if d and re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", d)]
    if not last_seen or not dates:
        return None
    year, month, day = (int(p) for p in (max(dates) + "-01-01")[:10].split("-"))
    return year if (today - date(year, month, day)).days > OLD_AFTER_DAYS else None


def assets_by_ids(
    db: Database, ids: Sequence[int], *, evaluated_at: datetime, zone: str = "America/Toronto", region: str = "CA-ON"
) -> list[dict]:
    """Active assets in the order of ids (unknown or inactive ids are left out), as public results."""
    rows = store.public_rows_for_ids(db, ids)
    return [public_result(rows[i], None, evaluated_at=evaluated_at, zone=zone, region=region) for i in ids if i in rows]

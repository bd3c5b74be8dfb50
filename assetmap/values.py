"""How a string becomes a value: parsers for parameters people type or send.

Each returns a typed value or raises InvalidParameter with a message for people. The web layer
(app/params.py) reads requests with these; the CLI and file readers use them too; services take
only typed values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from assetmap.errors import InvalidParameter
from assetmap.vocab import supports
from needs_assessment.reach import DEFAULT_CIRCUITY

MAX_QUERY_LENGTH = 200
MAX_DISTANCE_M = 500_000
MAX_MINUTES = 240  # travel time thresholds and catchments
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_IDS = 8  # a handout fits one printed page
OPEN_NOW = "now"


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """Parse 'minlon,minlat,maxlon,maxlat' (GeoJSON order) into floats, or None when absent."""
    if raw is None or raw.strip() == "":
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidParameter("bbox must be four numbers: minlon,minlat,maxlon,maxlat")
    try:
        minlon, minlat, maxlon, maxlat = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter("bbox must be four numbers: minlon,minlat,maxlon,maxlat") from None
    if not all(math.isfinite(v) for v in (minlon, minlat, maxlon, maxlat)):
        raise InvalidParameter("bbox values must be finite numbers")
    if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180 and -90 <= minlat <= 90 and -90 <= maxlat <= 90):
        raise InvalidParameter("bbox is out of range: longitudes within ±180, latitudes within ±90")
    if minlon > maxlon or minlat > maxlat:
        raise InvalidParameter("bbox minimums must not exceed maximums (minlon,minlat,maxlon,maxlat)")
    return minlon, minlat, maxlon, maxlat


def parse_categories(values: Iterable[str], known: Iterable[str]) -> list[str] | None:
    """Parse repeated and/or comma-separated category slugs; None means all categories."""
    known_set = set(known)
    wanted: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if part and part not in wanted:
                wanted.append(part)
    if not wanted:
        return None
    unknown = [c for c in wanted if c not in known_set]
    if unknown:
        raise InvalidParameter(
            f"unknown category {', '.join(repr(c) for c in unknown)}; known: {', '.join(sorted(known_set))}"
        )
    return wanted


def parse_query(raw: str | None) -> str | None:
    """Trim a free-text query; None when empty; reject absurdly long input."""
    if raw is None:
        return None
    raw = raw.strip()
    if not raw:
        return None
    if len(raw) > MAX_QUERY_LENGTH:
        raise InvalidParameter(f"q is too long (at most {MAX_QUERY_LENGTH} characters)")
    return raw


def parse_choice(raw: str | None, name: str, choices: Iterable[str], default: str | None = None) -> str | None:
    """Return raw when it is one of choices (or default when absent)."""
    if raw is None or raw == "":
        return default
    choices = list(choices)
    if raw not in choices:
        raise InvalidParameter(f"{name} must be one of {', '.join(choices)}")
    return raw


def parse_distance(raw, name: str, required: bool = False) -> float | None:
    """A positive distance in metres (at most 500 km), or None when absent and optional."""
    if raw is None or str(raw).strip() == "":
        if required:
            raise InvalidParameter(f"{name} is required (metres)")
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a number of metres, not {str(raw)[:40]!r}") from None
    if not math.isfinite(value) or value <= 0 or value > MAX_DISTANCE_M:
        raise InvalidParameter(f"{name} must be between 0 and {MAX_DISTANCE_M:,} metres")
    return value


def parse_minutes(raw, name: str, required: bool = False) -> float | None:
    """A positive number of minutes of travel (at most MAX_MINUTES), or None when absent and optional."""
    if raw is None or str(raw).strip() == "":
        if required:
            raise InvalidParameter(f"{name} is required (minutes)")
        return None
    try:
        value = float(str(raw).replace(",", "."))
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a number of minutes, not {str(raw)[:40]!r}") from None
    if not math.isfinite(value) or value <= 0 or value > MAX_MINUTES:
        raise InvalidParameter(f"{name} must be between 0 and {MAX_MINUTES} minutes")
    return value


def parse_circuity(raw) -> float:
    """Circuity factor between 1 and 3 (default 1.3)."""
    if raw is None or str(raw).strip() == "":
        return DEFAULT_CIRCUITY
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidParameter(f"circuity must be a number between 1 and 3, not {str(raw)[:40]!r}") from None
    if not math.isfinite(value) or not 1.0 <= value <= 3.0:
        raise InvalidParameter("circuity must be between 1 and 3 (1 = straight line)")
    return value


def parse_flag(raw, name: str) -> bool:
    """0/1 (or a JSON boolean) as a bool."""
    if isinstance(raw, bool):
        return raw
    if raw is None or str(raw) in ("", "0", "false"):
        return False
    if str(raw) in ("1", "true"):
        return True
    raise InvalidParameter(f"{name} must be 0 or 1")


def parse_scenario(payload) -> dict:
    """Validate a scenario body: {category, add: [{lon, lat, capacity?}], remove: [asset ids], ...}."""
    if not isinstance(payload, dict):
        raise InvalidParameter('send a JSON object: {"category": ..., "add": [...], "remove": [...]}')
    add, remove = payload.get("add") or [], payload.get("remove") or []
    if not isinstance(add, list) or not isinstance(remove, list):
        raise InvalidParameter("add and remove must be lists")
    if len(add) > 50 or len(remove) > 500:
        raise InvalidParameter("at most 50 additions and 500 removals")
    points = []
    for n, item in enumerate(add, start=1):
        if not isinstance(item, dict):
            raise InvalidParameter(f"add[{n}] must be an object with lon and lat")
        try:
            lon, lat = float(item["lon"]), float(item["lat"])
        except (KeyError, TypeError, ValueError):
            raise InvalidParameter(f"add[{n}] needs numeric lon and lat") from None
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidParameter(f"add[{n}]: lon/lat out of range")
        capacity = item.get("capacity", 1)
        try:
            capacity = float(capacity)
        except (TypeError, ValueError):
            raise InvalidParameter(f"add[{n}]: capacity must be a number") from None
        if not math.isfinite(capacity) or capacity <= 0:
            raise InvalidParameter(f"add[{n}]: capacity must be positive")
        points.append((lon, lat, capacity))
    removals = []
    for n, item in enumerate(remove, start=1):
        if isinstance(item, bool) or not isinstance(item, int | str) or not re.fullmatch(r"\d{1,12}", str(item)):
            raise InvalidParameter(f"remove[{n}] must be an asset id")
        removals.append(int(item))
    return {"add": points, "remove": removals}


# --- the finder's parameters ---------------------------------------------------------------


def parse_open_at(values: Sequence[str], zone: str, now: datetime | None = None) -> tuple[datetime | None, bool]:
    """(moment, is_now) from open_at values: 'now' wins, else the first ISO date and time.

    A time without a zone is local time in `zone`. The form sends both a checkbox (now) and a
    date-time field, so several values may arrive; empty ones are ignored.
    """
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        return None, False
    tz = ZoneInfo(zone)
    if OPEN_NOW in (v.lower() for v in values):
        return (now or datetime.now(tz)).astimezone(tz), True
    raw = values[0]
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "T") if len(raw) > 10 else raw)
    except ValueError:
        raise InvalidParameter(
            f"open_at must be 'now' or a date and time such as 2026-11-24T10:00, not {raw[:40]!r}"
        ) from None
    if len(raw) <= 10:
        raise InvalidParameter("open_at needs a time of day too, such as 2026-11-24T10:00")
    return (moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)), False


def parse_languages(values: Sequence[str]) -> tuple[str, ...]:
    """Language codes or names ('fr', 'French', 'en,fr') -> ('fr',); raises InvalidParameter."""
    codes: list[str] = []
    for value in values:
        if not value or not value.strip():
            continue
        parsed = supports.language_codes(value)
        if parsed is None:
            raise InvalidParameter(f"language {value!r}: use ISO 639 codes such as en, fr, oj")
        codes += [c for c in parsed.split(",") if c not in codes]
    return tuple(codes)


def parse_limit(raw: str | None) -> int:
    """Result count: 1..MAX_LIMIT, default DEFAULT_LIMIT."""
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise InvalidParameter(f"limit must be a whole number from 1 to {MAX_LIMIT}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidParameter(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return limit


def parse_ids(values: Sequence[str], max_ids: int = MAX_IDS) -> list[int]:
    """Asset ids from repeated and/or comma-separated values, in order, without repeats."""
    ids: list[int] = []
    for value in values:
        for part in (value or "").split(","):
            part = part.strip()
            if not part:
                continue
            if not re.fullmatch(r"[0-9]{1,12}", part):  # not isdigit(): "²" is a digit to Python, not to int()
                raise InvalidParameter(f"ids must be asset numbers separated by commas, not {part[:20]!r}")
            if int(part) not in ids:
                ids.append(int(part))
    if len(ids) > max_ids:
        raise InvalidParameter(f"a handout holds at most {max_ids} supports (one printed page)")
    return ids


def parse_count(raw, name: str) -> float:
    """A count of people or events: a finite number, zero or more ('1,204' and '12.5' are read)."""
    text = str(raw if raw is not None else "").strip().replace(",", "")
    if text == "":
        raise InvalidParameter(f"{name} is empty")
    try:
        value = float(text)
    except ValueError:
        raise InvalidParameter(f"{name} must be a number, not {str(raw)[:40]!r}") from None
    if not math.isfinite(value) or value < 0:
        raise InvalidParameter(f"{name} must be zero or more, not {str(raw)[:40]!r}")
    return value


def parse_date(raw: str | None, name: str) -> str | None:
    """An ISO date YYYY-MM-DD (as text), or None when absent."""
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip()
    try:
        return datetime.strptime(text, "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise InvalidParameter(f"{name} must be a date such as 2026-01-31, not {text[:40]!r}") from None

"""Parsers for API query parameters. Each returns plain values or raises InvalidParameter."""

from __future__ import annotations

import math
from collections.abc import Iterable

from assetmap.errors import InvalidParameter

MAX_QUERY_LENGTH = 200


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

"""Opening hours: OpenStreetMap `opening_hours` syntax (parsed by opening-hours-py), a strict
converter from free-text hours, and an open/closed/unknown answer for a moment in time.

The free text (`hours_text`) is always kept for display; `opening_hours` is the structured form
used by the "open now / open at" filter. The converter accepts only text that is wholly a day
selection followed by time ranges, or a plain "24 hours" / "24/7"; anything with extra words
("Customer service Mon-Fri ...", "By appointment", "(2020)") stays unknown.

>>> from_text("Mon-Fri 8:30 a.m.-4:30 p.m.")
'Mo-Fr 08:30-16:30'
>>> from_text("24 hours")
'24/7'
>>> from_text("Customer service Mon-Fri 8:30 a.m.-4:30 p.m.") is None
True
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

OPEN, CLOSED, UNKNOWN = "open", "closed", "unknown"

_DAYS = {
    "mo": "Mo",
    "mon": "Mo",
    "monday": "Mo",
    "mondays": "Mo",
    "tu": "Tu",
    "tue": "Tu",
    "tues": "Tu",
    "tuesday": "Tu",
    "tuesdays": "Tu",
    "we": "We",
    "wed": "We",
    "wednesday": "We",
    "wednesdays": "We",
    "th": "Th",
    "thu": "Th",
    "thur": "Th",
    "thurs": "Th",
    "thursday": "Th",
    "thursdays": "Th",
    "fr": "Fr",
    "fri": "Fr",
    "friday": "Fr",
    "fridays": "Fr",
    "sa": "Sa",
    "sat": "Sa",
    "saturday": "Sa",
    "saturdays": "Sa",
    "su": "Su",
    "sun": "Su",
    "sunday": "Su",
    "sundays": "Su",
}
_ORDER = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
_ALWAYS = {
    "24 hours",
    "24 h",
    "24h",
    "24/7",
    "open 24 hours",
    "open 24/7",
    "24 hours a day, 7 days a week",
    "24 h, 365 days",
}
_EVERY_DAY = {"daily", "every day", "7 days a week", "mon-sun", "monday-sunday", "monday to sunday"}
_TIME = r"(?:noon|midnight|\d{1,2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?)?)"
_RANGE_RE = re.compile(rf"^({_TIME})\s*(?:-|to|until)\s*({_TIME})$")
_TIME_PARTS_RE = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(?:([ap])\.?\s?m\.?)?$")


def _clean(text: str) -> str:
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    text = re.sub(r"\s+", " ", text.strip().lower())
    return re.sub(r"\s*-\s*", "-", text)


def _days(spec: str) -> str | None:
    """'mon-fri' -> 'Mo-Fr', 'tue, thu' -> 'Tu,Th', 'daily' -> 'Mo-Su'; None when not only days."""
    if spec in _EVERY_DAY:
        return "Mo-Su"
    parts = []
    for chunk in re.split(r"\s*(?:,|&|\band\b)\s*", spec):
        ends = re.split(r"\s*(?:-|\bto\b|\bthrough\b)\s*", chunk)
        codes = [_DAYS.get(e.strip().rstrip(".")) for e in ends]
        if not ends or len(ends) > 2 or None in codes:
            return None
        if len(codes) == 2:
            if _ORDER.index(codes[0]) >= _ORDER.index(codes[1]):
                return None
            parts.append(f"{codes[0]}-{codes[1]}")
        else:
            parts.append(codes[0])
    return ",".join(parts) or None


def _time(token: str, meridiem_hint: str | None, *, end: bool) -> str | None:
    """One time of day as HH:MM (24-hour); an end at midnight is 24:00."""
    token = token.strip()
    if token == "noon":
        return "12:00"
    if token == "midnight":
        return "24:00" if end else "00:00"
    m = _TIME_PARTS_RE.match(token)
    if not m:
        return None
    hour, minute, meridiem = int(m.group(1)), int(m.group(2) or 0), m.group(3) or meridiem_hint
    if minute > 59:
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    elif m.group(2) is None or hour > 24:
        return None  # "9-5" without a.m./p.m. or a colon is ambiguous
    if end and hour == 0 and minute == 0:
        hour = 24
    return f"{hour:02d}:{minute:02d}"


def _range(text: str) -> str | None:
    m = _RANGE_RE.match(text.strip())
    if not m:
        return None
    start_raw, end_raw = m.group(1), m.group(2)
    start_mer = _TIME_PARTS_RE.match(start_raw.strip())
    end_mer = _TIME_PARTS_RE.match(end_raw.strip())
    hint = None
    # "1-3 p.m.": the start borrows the end's a.m./p.m. only when that keeps the order obvious.
    if start_mer and end_mer and not start_mer.group(3) and end_mer.group(3) and not start_mer.group(2):
        if int(start_mer.group(1)) < int(end_mer.group(1)) < 12 or int(end_mer.group(1)) == 12:
            hint = end_mer.group(3)
        else:
            return None
    start, end = _time(start_raw, hint, end=False), _time(end_raw, None, end=True)
    if start is None or end is None or start == end:
        return None
    return f"{start}-{end}"


def from_text(text: str | None) -> str | None:
    """Convert free-text hours to OSM opening_hours when the text is unambiguous, else None."""
    if not text or not text.strip():
        return None
    clean = _clean(text)
    if clean in _ALWAYS:
        return "24/7"
    rules = []
    for group in clean.split(";"):
        group = group.strip()
        m = re.match(r"^(.*?)\s*((?:noon|midnight|\d).*)$", group)
        if not m or not m.group(1):
            return None  # times without days (or nothing) say too little
        days = _days(m.group(1).strip().rstrip(":"))
        if days is None:
            return None
        ranges = [_range(r) for r in m.group(2).split(",")]
        if None in ranges:
            return None
        rules.append(f"{days} {','.join(ranges)}")
    result = "; ".join(rules)
    if result == "Mo-Su 00:00-24:00":
        return "24/7"
    return result if is_valid(result) else None


def is_valid(expression: str | None) -> bool:
    """True when expression is valid OpenStreetMap opening_hours syntax."""
    return bool(expression) and opening_hours.validate(expression)


@lru_cache(maxsize=8192)
def _parsed(expression: str, zone_key: str) -> tuple[opening_hours.OpeningHours, bool]:
    """The parsed expression (cached: parsing costs more than evaluating) and whether it is 24/7."""
    parsed = opening_hours.OpeningHours(
        expression, timezone=ZoneInfo(zone_key), auto_country=False, auto_timezone=False
    )
    return parsed, str(parsed.normalize()) == "24/7"


@lru_cache(maxsize=64)
def _holidays(region: str, year: int) -> frozenset[date]:
    import holidays

    country, _, subdiv = region.partition("-")
    # Not every country has optional or government days (the UK has public holidays only).
    plain = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    wanted = tuple(c for c in ("public", "optional", "government") if c in plain.supported_categories)
    found = holidays.country_holidays(country, subdiv=subdiv or None, years=year, categories=wanted)
    return frozenset(found)


def possible_holiday(day: date, region: str = "CA-ON") -> bool:
    """True when day is a public, optional or government holiday in region ('CA-ON': Ontario).

    Optional and government days (Civic Holiday, Easter Monday, 30 September, 11 November) count:
    some services close then, and weekly hours cannot say which.
    """
    return day in _holidays(region, day.year)


def state_at(expression: str | None, at: datetime, zone: str = "America/Toronto", region: str = "CA-ON") -> str:
    """'open', 'closed' or 'unknown' for an opening_hours expression at a moment.

    Unknown when there are no structured hours, when they cannot be parsed, and on any possible
    holiday (weekly hours do not say whether a place closes then) unless the place is open 24/7.
    A naive `at` is taken as local time in zone.
    """
    if not expression:
        return UNKNOWN
    try:
        parsed, always = _parsed(expression.strip(), zone)
    except (SyntaxError, ValueError, opening_hours.ParserError):
        return UNKNOWN
    local = at.replace(tzinfo=ZoneInfo(zone)) if at.tzinfo is None else at.astimezone(ZoneInfo(zone))
    if possible_holiday(local.date(), region) and not always:
        return UNKNOWN
    state, _comment = parsed.state(local.replace(tzinfo=None))
    if state == opening_hours.State.OPEN:
        return OPEN
    if state == opening_hours.State.CLOSED:
        return CLOSED
    return UNKNOWN

"""Asset column values <-> HSDS values: phones, languages, provinces, opening hours, equality.

A phone cell holds numbers separated by '; ' and a languages cell names separated by commas; an HSDS
address needs a province, derived from a Canadian postal code. Opening hours in OpenStreetMap syntax
become HSDS weekly schedules and back, but only in the plain "Mo-Fr 09:00-17:00" form; anything else
travels as text. `same_value()` is the equality a round trip is checked with.
"""

from __future__ import annotations

import re

# Canadian postal code first letter -> province or territory (X is NT or NU: not derivable).
PROVINCE_BY_POSTAL = {
    "A": "NL",
    "B": "NS",
    "C": "PE",
    "E": "NB",
    "G": "QC",
    "H": "QC",
    "J": "QC",
    "K": "ON",
    "L": "ON",
    "M": "ON",
    "N": "ON",
    "P": "ON",
    "R": "MB",
    "S": "SK",
    "T": "AB",
    "V": "BC",
    "Y": "YT",
}
_CA_POSTAL = re.compile(r"^[A-Z]\d[A-Z] \d[A-Z]\d$")


def _blank(value) -> bool:
    return value is None or value == ""


def same_value(a, b) -> bool:
    """Field equality as a round trip needs it: None == '' and 1 == 1.0."""
    if _blank(a) and _blank(b):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


def split_phones(phone: str | None) -> list[str]:
    """A phone cell holds numbers separated by '; '."""
    return [p for p in (phone or "").split("; ") if p.strip()]


def split_languages(text: str | None) -> list[str]:
    """A languages cell holds names separated by commas (or semicolons)."""
    return [p.strip() for p in re.split(r"[,;]", text or "") if p.strip()]


_UK_POSTCODE = re.compile(r"^([A-Z]{1,2})\d[A-Z\d]? ?\d[A-Z]{2}$")
# UK postcode areas wholly in one nation other than England; areas astride a border (CH, HR, LD, SY,
# TD) name no nation, so their assets get no address object rather than a wrong one.
UK_NATION_BY_AREA = {
    "BT": "Northern Ireland",
    **dict.fromkeys(("CF", "LL", "NP", "SA"), "Wales"),
    **dict.fromkeys(
        ("AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "ZE"), "Scotland"
    ),
}
UK_BORDER_AREAS = ("CH", "HR", "LD", "SY", "TD")


def province_for(postal_code: str | None) -> tuple[str, str] | None:
    """(state_province, country) from a Canadian postal code (the province) or a UK postcode (the
    nation), else None.

    >>> province_for("P1L 1N3"), province_for("M15 4AB"), province_for("EH1 1YZ"), province_for("SY1 1AA")
    (('ON', 'CA'), ('England', 'GB'), ('Scotland', 'GB'), None)
    """
    code = (postal_code or "").upper().strip()
    if _CA_POSTAL.match(code) and code[0] in PROVINCE_BY_POSTAL:
        return PROVINCE_BY_POSTAL[code[0]], "CA"
    uk = _UK_POSTCODE.match(code)
    if uk and uk.group(1) not in UK_BORDER_AREAS:
        return UK_NATION_BY_AREA.get(uk.group(1), "England"), "GB"
    return None


# OpenStreetMap opening_hours <-> HSDS weekly schedules (only the plain "Mo-Fr 09:00-17:00" form).
_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
_RULE = re.compile(
    r"^((?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?(?:,(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?)*) ((?:[01]\d|2[0-3]):[0-5]\d-(?:[01]\d|2[0-3]):[0-5]\d(?:,(?:[01]\d|2[0-3]):[0-5]\d-(?:[01]\d|2[0-3]):[0-5]\d)*)$"
)


def parse_opening_hours(text: str | None) -> list[dict] | None:
    """Weekly rules (byday, opens_at, closes_at) from simple OSM opening_hours, or None when not simple.

    >>> parse_opening_hours("Mo-We,Fr 09:00-12:00,13:00-17:00")[1]
    {'byday': 'MO,TU,WE,FR', 'opens_at': '13:00', 'closes_at': '17:00'}
    >>> parse_opening_hours("24/7") is None
    True
    """
    if not text or not text.strip():
        return None
    rules = []
    for part in text.split("; "):
        m = _RULE.match(part.strip())
        if not m:
            return None
        days: list[str] = []
        for chunk in m.group(1).split(","):
            first, _, last = chunk.partition("-")
            i, j = _DAYS.index(first), _DAYS.index(last or first)
            if j < i:
                return None
            days += [d for d in _DAYS[i : j + 1] if d not in days]
        for span in m.group(2).split(","):
            opens, closes = span.split("-")
            rules.append({"byday": ",".join(d.upper() for d in days), "opens_at": opens, "closes_at": closes})
    return rules


def format_opening_hours(rules: list[dict]) -> str | None:
    """OSM opening_hours text from weekly rules; None when a rule is not a plain weekly one."""
    groups: dict[str, list[str]] = {}
    for rule in rules:
        days = [d.strip().title() for d in (rule.get("byday") or "").split(",") if d.strip()]
        opens, closes = (rule.get("opens_at") or "")[:5], (rule.get("closes_at") or "")[:5]
        if not days or any(d not in _DAYS for d in days) or not (opens and closes):
            return None
        days_text = _day_ranges(sorted(set(days), key=_DAYS.index))
        groups.setdefault(days_text, []).append(f"{opens}-{closes}")
    return "; ".join(f"{days} {','.join(spans)}" for days, spans in groups.items()) or None


def _day_ranges(days: list[str]) -> str:
    out, run = [], [days[0]]
    for d in days[1:]:
        if _DAYS.index(d) == _DAYS.index(run[-1]) + 1:
            run.append(d)
        else:
            out.append(run)
            run = [d]
    out.append(run)
    return ",".join(r[0] if len(r) == 1 else (f"{r[0]},{r[1]}" if len(r) == 2 else f"{r[0]}-{r[-1]}") for r in out)

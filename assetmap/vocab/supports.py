"""Structured service attributes the resident finder filters on, with their vocabularies.

The free-text columns (`languages`, `accessibility`, `cost`, `eligibility`, `hours_text`) are what
people read; these structured columns are what filters use. Empty always means "not known":
nothing is ever guessed.

| column           | values (comma-separated where several)                                     |
|------------------|----------------------------------------------------------------------------|
| `language_codes` | ISO 639 codes of languages the service is offered in: `en,fr`, `oj`, ...  |
| `wheelchair`     | OpenStreetMap's `wheelchair=*`: `yes`, `limited`, `no`                     |
| `cost_level`     | `free`, `low` (low cost, sliding scale, subsidy), `fee`                    |
| `age_groups`     | `children` (0-12), `youth` (13-24), `adults` (25-64), `seniors` (65+), `all` |
| `opening_hours`  | OpenStreetMap `opening_hours` syntax (core column; see app/hours.py)         |

>>> language_codes("English, Français")
'en,fr'
>>> age_groups("Seniors; kids")
'children,seniors'
"""

from __future__ import annotations

import re

from assetmap.vocab import hours

LANGUAGE_NAMES = {
    "en": "en",
    "eng": "en",
    "english": "en",
    "anglais": "en",
    "fr": "fr",
    "fra": "fr",
    "fre": "fr",
    "french": "fr",
    "francais": "fr",
    "français": "fr",
    "oj": "oj",
    "oji": "oj",
    "ojibwe": "oj",
    "ojibway": "oj",
    "ojibwa": "oj",
    "anishinaabemowin": "oj",
    "cr": "cr",
    "cree": "cr",
    "cri": "cr",
    "moh": "moh",
    "mohawk": "moh",
    "kanien'kéha": "moh",
    "es": "es",
    "spanish": "es",
    "espagnol": "es",
    "español": "es",
    "pt": "pt",
    "portuguese": "pt",
    "portugais": "pt",
    "de": "de",
    "german": "de",
    "allemand": "de",
    "it": "it",
    "italian": "it",
    "italien": "it",
    "pl": "pl",
    "polish": "pl",
    "polonais": "pl",
    "uk": "uk",
    "ukrainian": "uk",
    "ukrainien": "uk",
    "ar": "ar",
    "arabic": "ar",
    "arabe": "ar",
    "zh": "zh",
    "chinese": "zh",
    "chinois": "zh",
    "pa": "pa",
    "punjabi": "pa",
    "pendjabi": "pa",
    "tl": "tl",
    "tagalog": "tl",
    "ase": "ase",
    "asl": "ase",
    "fsl": "fcs",
    "lsq": "fcs",
    "fcs": "fcs",
}

WHEELCHAIR = {
    "yes": "yes",
    "oui": "yes",
    "accessible": "yes",
    "wheelchair accessible": "yes",
    "limited": "limited",
    "partial": "limited",
    "partly": "limited",
    "partiel": "limited",
    "no": "no",
    "non": "no",
    "not accessible": "no",
}

COST_LEVELS = {
    "free": "free",
    "gratuit": "free",
    "no charge": "free",
    "no cost": "free",
    "$0": "free",
    "low": "low",
    "low cost": "low",
    "low-cost": "low",
    "sliding scale": "low",
    "subsidized": "low",
    "subsidised": "low",
    "pay what you can": "low",
    "fee": "fee",
    "fees": "fee",
    "paid": "fee",
    "payant": "fee",
}

AGE_GROUPS = ("children", "youth", "adults", "seniors")
AGE_WORDS = {
    "children": "children",
    "child": "children",
    "kids": "children",
    "enfants": "children",
    "youth": "youth",
    "teens": "youth",
    "young people": "youth",
    "jeunes": "youth",
    "adults": "adults",
    "adultes": "adults",
    "seniors": "seniors",
    "older adults": "seniors",
    "aînés": "seniors",
    "aines": "seniors",
    "all": "all",
    "all ages": "all",
    "everyone": "all",
    "tous": "all",
}


def _items(text: str) -> list[str]:
    return [p.strip().lower() for p in re.split(r"[,;/]|\band\b|\bet\b", text or "") if p.strip()]


def language_codes(text: str | None) -> str | None:
    """Normalise a list of language names or codes to 'en,fr'; None when any item is unknown."""
    codes = []
    for item in _items(text or ""):
        code = LANGUAGE_NAMES.get(item)
        if code is None and re.fullmatch(r"[a-z]{2,3}", item):
            code = item
        if code is None:
            return None
        if code not in codes:
            codes.append(code)
    return ",".join(codes) or None


def age_groups(text: str | None) -> str | None:
    """Normalise age group words to the vocabulary, in a fixed order; None when any is unknown."""
    found = set()
    for item in _items(text or ""):
        group = AGE_WORDS.get(item)
        if group is None:
            return None
        found.add(group)
    if "all" in found:
        return "all"
    return ",".join(g for g in AGE_GROUPS if g in found) or None


def _one(text: str | None, vocabulary: dict[str, str]) -> str | None:
    word = (text or "").strip().lower().rstrip(".")
    return vocabulary.get(word) if word else None


def clean_fields(text: dict[str, str]) -> dict[str, str]:
    """Validate and normalise an incoming record's structured finder fields; raises ValueError.

    Structured values given in the file must belong to the vocabulary. When a structured column is
    absent, it is derived only where the free text says exactly the same thing (languages
    "English, French" -> "en,fr"; cost "Free" -> free; hours "Mon-Fri 8:30 a.m.-4:30 p.m." ->
    "Mo-Fr 08:30-16:30"); otherwise it stays empty (not known).
    """
    out: dict[str, str] = {}
    given = text.get("language_codes", "")
    out["language_codes"] = language_codes(given) if given else (language_codes(text.get("languages")) or "")
    if given and out["language_codes"] is None:
        raise ValueError(f"language_codes {given!r}: use ISO 639 codes such as en, fr, oj")
    for key, vocabulary, derive_from in (
        ("wheelchair", WHEELCHAIR, None),
        ("cost_level", COST_LEVELS, "cost"),
    ):
        given = text.get(key, "")
        value = _one(given, vocabulary)
        if given and value is None:
            raise ValueError(f"{key} {given!r} is not one of {', '.join(sorted(set(vocabulary.values())))}")
        if value is None and derive_from and key == "cost_level":
            value = "free" if _one(text.get(derive_from), COST_LEVELS) == "free" else None
        out[key] = value or ""
    given = text.get("age_groups", "")
    out["age_groups"] = age_groups(given) or ""
    if given and not out["age_groups"]:
        raise ValueError(f"age_groups {given!r}: use {', '.join(AGE_GROUPS)} or all")
    given = text.get("opening_hours", "")
    if given and not hours.is_valid(given):
        raise ValueError(f"opening_hours {given!r} is not OpenStreetMap opening_hours syntax")
    out["opening_hours"] = given or hours.from_text(text.get("hours_text")) or ""
    return out


def derived_fields(text: dict[str, str]) -> dict[str, str]:
    """Structured values the free text states exactly, for the free-text fields present in `text`:
    languages "English, French" -> language_codes "en,fr"; cost "Free" -> cost_level "free";
    hours "Mon-Fri 8:30 a.m.-4:30 p.m." -> opening_hours "Mo-Fr 08:30-16:30". Anything else: nothing.

    >>> derived_fields({"languages": "English, French", "cost": "Free", "hours_text": "24 hours"})
    {'language_codes': 'en,fr', 'cost_level': 'free', 'opening_hours': '24/7'}
    """
    out = {}
    if text.get("languages"):
        codes = language_codes(text["languages"])
        if codes:
            out["language_codes"] = codes
    if text.get("cost") and _one(text["cost"], COST_LEVELS) == "free":
        out["cost_level"] = "free"
    if text.get("hours_text"):
        found = hours.from_text(text["hours_text"])
        if found:
            out["opening_hours"] = found
    return out

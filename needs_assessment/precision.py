"""Location precision: how an asset's point was obtained, in codes and plain words.

Every point carries one of these codes. Only precise points (the site itself, or close to it) are
used for distance measures by default; the rest are drawn as hollow markers and counted separately.

>>> is_precise("exact"), is_precise("community")
(True, False)
>>> describe("community")
'approximate: town centre, not the site'
"""

from __future__ import annotations

import re

# code -> plain words shown to people. Order runs from best to worst.
PRECISION_WORDS: dict[str, str] = {
    "exact": "exact: the site itself",
    "address": "address point: geocoded from the street address",
    "landmark": "near the site: a landmark point next to it",
    "postal_code": "approximate: postal code point, usually within a few hundred metres in town",
    "rural_postal_code": "approximate: rural postal code point, can be 20–40 km off",
    "community": "approximate: town centre, not the site",
    "municipality": "approximate: municipality centre, not the site (can be 10–25 km off)",
    "unreliable": "approximate: a point known not to be the site (see the source notes)",
    "none": "location unknown: not on the map",
}

# A few words for lists and tables (editor screens): what the point is.
PRECISION_SHORT: dict[str, str] = {
    "exact": "the site itself",
    "address": "street address point",
    "landmark": "landmark next to the site",
    "postal_code": "postal code point",
    "rural_postal_code": "rural postal code (approximate)",
    "community": "town centre (approximate)",
    "municipality": "municipality centre (approximate)",
    "unreliable": "known not to be the site",
    "none": "no location",
}

PRECISE = frozenset({"exact", "address", "landmark", "postal_code"})
# Points that need fixing before reach can count them: approximate, known wrong, or missing.
TO_FIX = ("rural_postal_code", "community", "municipality", "unreliable", "none")

CONFIDENTIAL_WORDS = "location confidential: contact details only, never mapped"


def is_known(code: str) -> bool:
    """True when code is one of the precision codes."""
    return code in PRECISION_WORDS


def is_precise(code: str) -> bool:
    """True when a point of this precision is good enough for distance measures."""
    return code in PRECISE


def short(code: str | None) -> str:
    """A few words for a precision code ('town centre (approximate)'); '' for none given.

    >>> short("community"), short("exact")
    ('town centre (approximate)', 'the site itself')
    """
    if not code:
        return ""
    return PRECISION_SHORT.get(code, f"unknown precision ({code})")


def describe(code: str) -> str:
    """Plain words for a precision code (unknown codes are described as unknown)."""
    return PRECISION_WORDS.get(code, f"unknown precision ({code})")


SOURCE_NAMES = {
    "geonames": "GeoNames",
    "wikipedia": "Wikipedia",
    "odcaf": "ODCAF",
    "fsa": "FSA",
    "osm": "OpenStreetMap",
}


def source_words(text: str | None) -> str:
    """A precision source written as a code in the data ('town_point_geonames') in words ('town point,
    GeoNames'); text people wrote is returned as it is.

    >>> source_words("town_point_geonames"), source_words("rural_postal_code_point_geonames_UNRELIABLE")
    ('town point, GeoNames', 'rural postal code point, GeoNames, unreliable')
    >>> source_words("placed by hand on the map")
    'placed by hand on the map'
    """
    if not text or not re.fullmatch(r"[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+", text):
        return text or ""
    words, names = [], []
    for token in text.split("_"):
        if token.lower() in SOURCE_NAMES:
            names.append(SOURCE_NAMES[token.lower()])
        elif token.isupper() and len(token) > 3:
            names.append(token.lower())
        else:
            words.append(token)
    return ", ".join([" ".join(words)] + names if words else names)

"""Location precision: how an asset's point was obtained, in codes and plain words.

Every point carries one of these codes. Only precise points (the site itself, or close to it) are
used for distance measures by default; the rest are drawn as hollow markers and counted separately.

>>> is_precise("exact"), is_precise("community")
(True, False)
>>> describe("community")
'approximate: town centre, not the site'
"""

from __future__ import annotations

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

PRECISE = frozenset({"exact", "address", "landmark", "postal_code"})

CONFIDENTIAL_WORDS = "location confidential: contact details only, never mapped"


def is_known(code: str) -> bool:
    """True when code is one of the precision codes."""
    return code in PRECISION_WORDS


def is_precise(code: str) -> bool:
    """True when a point of this precision is good enough for distance measures."""
    return code in PRECISE


def describe(code: str) -> str:
    """Plain words for a precision code (unknown codes are described as unknown)."""
    return PRECISION_WORDS.get(code, f"unknown precision ({code})")

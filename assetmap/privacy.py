"""What a confidential site (a shelter, youth housing) may show outside the editors' pages.

Everything that places it is blank: no point, address, postal code, community, municipality, notes
(they can describe the building), precision source, or source page (an article can name the
building). Its name, category and contact details stay, so people can still reach it. Editors see
the full record. Every public output (map API, exports, HSDS, finder, handout) goes through here.
"""

from __future__ import annotations

CONFIDENTIAL_BLANK = {
    "address": "",
    "postal_code": "",
    "community": "",
    "municipality": "",
    "notes": "",
    "precision_source": "",
    "source_url": "",
    "latitude": None,
    "longitude": None,
    "location_precision": "none",
}


def public_asset(row: dict) -> dict:
    """The asset as it may leave the app (a copy); unlocated assets lose their point too."""
    asset = dict(row)
    if asset.get("confidential"):
        asset.update(CONFIDENTIAL_BLANK)
    elif asset.get("location_precision") == "none":
        asset.update(latitude=None, longitude=None)
    return asset

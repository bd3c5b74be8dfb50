"""Trafford build helpers: the copied files, the asset columns, and how a source row becomes one
(build_trafford_data.py reads each source with these)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

COPIED = (
    "trafford_lsoa_generalised.geojson",
    "trafford_imd2025_lsoa21_file7_columns.csv",
    "mid-year_2024_population_estimates_lsoa.csv",
    "trafford_postcodes.csv",
)
ASSET_FIELDS = [
    "external_id",
    "name",
    "category",
    "subcategory",
    "description",
    "address",
    "community",
    "municipality",
    "postal_code",
    "phone",
    "email",
    "website",
    "hours_text",
    "opening_hours",
    "eligibility",
    "latitude",
    "longitude",
    "location_precision",
    "precision_source",
    "confidential",
    "source",
    "source_url",
    "last_seen",
    "notes",
]
# OS Open Greenspace site types counted as parks: places anyone may walk into and play. Sports
# grounds, bowling greens, tennis courts and golf courses (often members only), allotments
# (rented plots), churchyards and cemeteries are left out.
PARK_TYPES = ("Public Park Or Garden", "Playing Field", "Play Space")
VERIFY = "Check it still runs, where and when, before relying on it."
CENTROID = "postcode centroid (ONS Postcode Directory), as the publisher matched it"
TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)
TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)


def slugify(text: str) -> str:
    """Lowercase ASCII slug for stable external ids."""
    text = text.lower().replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80]


def clean(value) -> str:
    """A source cell as text; the R exports' NA means empty."""
    text = "" if value is None else str(value).strip()
    return "" if text == "NA" else text


def phone(value: str) -> str:
    """CQC publishes numbers without their leading 0 (1619699907): put it back; others as found."""
    value = clean(value)
    return "0" + value if re.fullmatch(r"[1-9]\d{9}", value) else value


def read_csv(path: Path) -> list[dict]:
    """Rows of a UTF-8 CSV file as dicts."""
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def features(path: Path) -> list[dict]:
    """The features of a GeoJSON file."""
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def asset(**fields) -> dict:
    """An assets.csv row: every column, Trafford as municipality, not confidential, then the fields given."""
    row = dict.fromkeys(ASSET_FIELDS, "")
    row.update({"municipality": "Trafford", "confidential": "0"}, **fields)
    return row


def point_row(lon, lat, precision: str, precision_source: str) -> dict:
    """The point columns of a row, with how precise the point is and why."""
    return {
        "longitude": f"{float(lon):.6f}",
        "latitude": f"{float(lat):.6f}",
        "location_precision": precision,
        "precision_source": precision_source,
    }


def to_bng(geom):
    """A lon/lat geometry in British National Grid metres."""
    return shapely.transform(geom, lambda c: np.column_stack(TO_BNG.transform(c[:, 0], c[:, 1])))


def write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    """Write rows under a header, Unix line ends."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

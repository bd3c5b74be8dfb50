"""Plain records read from official place files, and the small helpers the readers share.

Every reader in this package returns one `PlaceData`: the areas (with WGS84 GeoJSON geometry),
deprivation index values, age bands, other area statistics and postcodes it found, plus what it
skipped and why. Nothing here imports Flask or the app; the caller stores the values.

Coordinates are (longitude, latitude) everywhere, as in GeoJSON.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path


class PlaceFileError(ValueError):
    """The file as a whole cannot be read as the kind of place file it was taken for."""


@dataclass(frozen=True)
class Area:
    """A small statistical area: an LSOA or a dissemination area, its polygon in WGS84 lon/lat."""

    id: str
    name: str
    level: str  # "DA", "LSOA21", "LSOA11"
    geometry: dict  # GeoJSON Polygon or MultiPolygon, (lon, lat)
    population: int | None = None
    land_area_km2: float | None = None  # only when the file states it (StatCan LANDAREA)
    parent_id: str | None = None
    codes: dict[str, str] = field(default_factory=dict)  # other identifiers: DGUID, PRUID ...


@dataclass(frozen=True)
class IndexValue:
    """One area's value on one deprivation index or domain, with how to read it."""

    area_id: str
    key: str  # storable indicator key: "imd2025", "imd2025_income", "cimd2021_economic_dependency"
    index: str  # label: "IMD 2025", "IMD 2025 — income", "CIMD 2021 — economic dependency"
    score: float | None
    rank: int | None = None
    decile: int | None = None
    quintile: int | None = None
    direction: str = "higher is more deprived"  # of the score
    most_deprived_band: int | None = None  # 1 for IoD deciles (and ranks), 5 for CIMD quintiles
    scope: str = "national"  # "national", "provincial" or "regional": what the ranks/bands compare against
    scope_area: str = ""  # "England", "Canada", "Ontario", "Atlantic region" ...
    core20: bool | None = None  # IMD overall only: decile 1-2, the most deprived 20% nationally


@dataclass(frozen=True)
class AgeBands:
    """People in one area by age: five-year bands and broad groups, as the source counts them."""

    area_id: str
    total: int
    five_year: dict[str, int]  # "0-4", "5-9" ... "85-89", "90+" (England) or ... "95-99", "100+" (Canada)
    broad: dict[str, int]  # "0-15", "16-64", "65+" (England) or "0-14", "15-64", "65+" (Canada)


@dataclass(frozen=True)
class AreaStat:
    """Any other statistic for an area (low income rate, language counts ...)."""

    area_id: str
    key: str
    label: str
    value: float | None
    unit: str


@dataclass(frozen=True)
class Postcode:
    """A postcode's centroid: "M15 4AB", its outward code "M15", and the LSOA it lies in, if given."""

    postcode: str
    outward: str
    longitude: float
    latitude: float
    area_id: str | None = None


@dataclass
class PlaceData:
    """What one official file gave: records of every kind it holds, and what was left out."""

    kind: str
    source: str  # the file's name
    level: str = ""  # the area level its area ids refer to
    areas: list[Area] = field(default_factory=list)
    indices: list[IndexValue] = field(default_factory=list)
    age_bands: list[AgeBands] = field(default_factory=list)
    stats: list[AreaStat] = field(default_factory=list)
    postcodes: list[Postcode] = field(default_factory=list)
    population: dict[str, int] = field(default_factory=dict)
    population_label: str = ""  # the column or characteristic the population came from
    parents: dict[str, tuple[str, str]] = field(default_factory=dict)  # area id -> (district code, name)
    skipped: Counter = field(default_factory=Counter)  # reason -> rows (or values) left out
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason); row 1 is the header
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line a person can check: "139 areas, population 241,025, deprivation for 139"."""
        parts = []
        if self.areas:
            parts.append(f"{len(self.areas):,} areas")
        if self.population:
            parts.append(f"population {sum(self.population.values()):,}")
        if self.indices:
            parts.append(f"deprivation for {len({v.area_id for v in self.indices}):,}")
            core20 = {v.area_id for v in self.indices if v.core20}
            if any(v.core20 is not None for v in self.indices):
                parts.append(f"{len(core20):,} in Core20")
        if self.age_bands:
            parts.append(f"age bands for {len(self.age_bands):,}")
        if self.stats:
            parts.append(f"{len({s.key for s in self.stats})} statistics for {len({s.area_id for s in self.stats}):,}")
        if self.postcodes:
            parts.append(f"{len(self.postcodes):,} postcodes")
        parts += [f"{n:,} {reason}" for reason, n in sorted(self.skipped.items())]
        if self.errors:
            parts.append(f"{len(self.errors):,} rows rejected")
        return ", ".join(parts) or "nothing found"


# --- shared helpers ---------------------------------------------------------------------------

# Statistics Canada's symbols for a value not published (x suppressed, .. not available,
# ... not applicable, F too unreliable, E use with caution is still a value but flagged elsewhere).
SUPPRESSED = {"", "x", "X", "..", "...", "F", "-"}


def number(raw: str | None, label: str) -> float | None:
    """A finite number from a cell, None for an empty or suppressed one; raises ValueError."""
    text = (raw or "").strip().replace(",", "")
    if text in SUPPRESSED:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{label} {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{label} {raw!r} is not a finite number")
    return value


def whole(raw: str | None, label: str, low: int | None = None, high: int | None = None) -> int | None:
    """An integer cell (ranks, deciles, counts), optionally within low..high; raises ValueError."""
    value = number(raw, label)
    if value is None:
        return None
    if not value.is_integer():
        raise ValueError(f"{label} {raw!r} is not a whole number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{label} {raw!r} is outside {low}..{high}")
    return int(value)


def iter_lines(path: Path) -> Iterator[str]:
    """Lines of a text file, each decoded as UTF-8 or else Windows-1252 (as StatCan's files are).

    Decoding line by line streams files of several gigabytes (national census profiles, the ONS
    Postcode Directory) without reading them whole.
    """
    with path.open("rb") as fh:
        first = True
        for raw in fh:
            if first and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            first = False
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                yield raw.decode("cp1252", errors="replace")


def iter_rows(path: Path) -> Iterator[list[str]]:
    """CSV rows (lists of cells) of a file, streamed."""
    yield from csv.reader(iter_lines(path))


def first_row(path: Path) -> list[str]:
    """The first CSV row (the header, when there is one)."""
    for row in iter_rows(path):
        return [cell.strip() for cell in row]
    return []


def header_index(header: list[str], path: Path, *names: str) -> dict[str, int]:
    """Column positions of the named columns; raises PlaceFileError naming those missing."""
    positions = {}
    missing = []
    for name in names:
        if name in header:
            positions[name] = header.index(name)
        else:
            missing.append(name)
    if missing:
        raise PlaceFileError(f"{path.name}: no column {', '.join(repr(m) for m in missing)}")
    return positions


def area_wanted(area_id: str, ids: Collection[str] | None, id_prefix: str) -> bool:
    """True when an area passes the caller's selection (a set of ids and/or an id prefix)."""
    return (ids is None or area_id in ids) and area_id.startswith(id_prefix)


POSTCODE_RE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")


def normalise_postcode(raw: str) -> str | None:
    """A UK postcode in its usual form ("m154ab" -> "M15 4AB"); None when it is not one.

    >>> normalise_postcode(" m15  4ab"), normalise_postcode("B1  1AA"), normalise_postcode("nope")
    ('M15 4AB', 'B1 1AA', None)
    """
    compact = re.sub(r"\s+", "", raw or "").upper()
    match = POSTCODE_RE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else None

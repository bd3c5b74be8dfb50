"""Which official file is this? Recognise a place file by its own column names, then read it.

A coalition brings the files it downloaded, under whatever names: a StatCan boundary zip, a
Census Profile CSV, a CIMD table, ONS LSOA boundaries, the IoD "File 7", ONS population
estimates, a postcode directory. `recognise(path)` says which it is from the header alone (or
raises PlaceFileError listing the kinds it knows and the columns it saw); `read_place_file(path)`
reads it into a `PlaceData` whose `summary()` tells the person what was found.

>>> sorted(KINDS)[:3]
['cimd', 'codepoint_open', 'iod_file7']
"""

from __future__ import annotations

import inspect
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import area_boundaries, census_profile, deprivation, population, postcodes
from .place_records import PlaceData, PlaceFileError, Postcode, first_row

KINDS = {
    "statcan_da_boundaries": "Statistics Canada dissemination area boundaries (DAUID, LANDAREA; shapefile or zip)",
    "statcan_census_profile": "Statistics Canada Census Profile, long CSV (CHARACTERISTIC_ID, C1_COUNT_TOTAL)",
    "cimd": "Canadian Index of Multiple Deprivation (… Scores, … Quintiles by DA)",
    "ons_lsoa_boundaries": "ONS LSOA boundaries (LSOA21CD or LSOA11CD; GeoJSON, shapefile or GeoPackage)",
    "iod_file7": "English Indices of Deprivation, File 7 (LSOA code, IMD Score, Rank, Decile)",
    "ons_population": "ONS mid-year population estimates by LSOA (LSOA 2021 Code, Total, ages)",
    "onspd": "ONS Postcode Directory or NSPL (pcds, doterm, lat, long)",
    "codepoint_open": "OS Code-Point Open (no header: postcode, quality, eastings, northings …)",
    "postcodes_data_lab": "Trafford Data Lab postcode list (postcode, lsoa_code, lon, lat)",
}


@dataclass(frozen=True)
class Recognised:
    """The kind of a file, its description and the column names it was recognised by."""

    kind: str
    label: str
    headers: list[str]


def _zip_holds(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n.lower() for n in zf.namelist()]
    except zipfile.BadZipFile:
        raise PlaceFileError(f"{path.name}: not a zip file") from None
    if any(n.endswith((".shp", ".gpkg", ".geojson")) for n in names):
        return "boundaries"
    if any(n.endswith(".csv") for n in names):
        return "csv"
    return ""


def _unknown(path: Path, headers: list[str]) -> PlaceFileError:
    known = "\n".join(f"  - {label}" for label in KINDS.values())
    seen = ", ".join(repr(h) for h in headers[:25]) + (" …" if len(headers) > 25 else "")
    return PlaceFileError(f"{path.name}: not a kind of file I know. I know:\n{known}\nIts columns: {seen or '(none)'}")


def recognise(path: str | Path) -> Recognised:
    """The kind of official place file at path, from its column names; raises PlaceFileError."""
    path = Path(path)
    if not path.is_file():
        raise PlaceFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".zip" and _zip_holds(path) == "csv":
        return Recognised("codepoint_open", KINDS["codepoint_open"], [])
    if suffix in area_boundaries.BOUNDARY_SUFFIXES:
        props = area_boundaries.first_properties(path)
        if "DAUID" in props:
            kind = "statcan_da_boundaries"
        elif area_boundaries.lsoa_fields(props):
            kind = "ons_lsoa_boundaries"
        else:
            raise _unknown(path, list(props))
        return Recognised(kind, KINDS[kind], list(props))
    if suffix == ".xlsx":
        header, _ = population._table(path, None)  # raises when no sheet has an LSOA population header
        return Recognised("ons_population", KINDS["ons_population"], header)
    header = first_row(path)
    lower = [h.lower() for h in header]
    checks = (
        ("statcan_census_profile", census_profile.is_census_profile(header)),
        ("cimd", deprivation.is_cimd(header)),
        ("iod_file7", deprivation.is_iod(header)),
        ("ons_population", population.is_population(header)),
        ("onspd", postcodes.is_onspd(lower)),
        ("postcodes_data_lab", postcodes.is_data_lab(lower)),
        ("codepoint_open", postcodes.is_codepoint_row(header)),
    )
    for kind, matches in checks:
        if matches:
            return Recognised(kind, KINDS[kind], [] if kind == "codepoint_open" else header)
    raise _unknown(path, header)


READERS = {
    "statcan_da_boundaries": area_boundaries.read_da_boundaries,
    "ons_lsoa_boundaries": area_boundaries.read_lsoa_boundaries,
    "statcan_census_profile": census_profile.read_census_profile,
    "cimd": deprivation.read_cimd,
    "iod_file7": deprivation.read_iod,
    "ons_population": population.read_population,
    "onspd": postcodes.read_postcodes,
    "postcodes_data_lab": postcodes.read_postcodes,
    "codepoint_open": postcodes.read_postcodes,
}


def read_place_file(path: str | Path, **options) -> PlaceData:
    """Recognise a file and read it with its reader; `options` go to that reader.

    Common options: `ids` (a set of area ids to keep) and `id_prefix` ("3544", "E01"); boundary
    files also take `simplify_m` and `name_prefix` (LSOA names such as "Trafford "), postcode files
    `bbox`, CIMD `scope_area`, IoD `edition`.
    """
    path = Path(path)
    kind = recognise(path).kind
    reader = READERS[kind]
    try:
        inspect.signature(reader).bind(path, **options)
    except TypeError as exc:
        raise PlaceFileError(f"{path.name} ({KINDS[kind]}): {exc}") from None
    return reader(path, **options)


def summarise_place(parts: list[PlaceData]) -> str:
    """What a set of files gives one place, counted over its areas when a boundary file is among them.

    "139 areas, population 241,025, deprivation for 139 (11 in Core20), age bands for 139,
    11,264 postcodes": population comes from the first file that gives it (a population table
    before a deprivation file's denominators, if listed first).
    """
    area_ids = {a.id for part in parts for a in part.areas}
    inside = (lambda area_id: area_id in area_ids) if area_ids else (lambda area_id: True)
    population = next((part.population for part in parts if part.population), {})
    indexed = {v.area_id for part in parts for v in part.indices if inside(v.area_id)}
    core20 = {v.area_id for part in parts for v in part.indices if v.core20 and inside(v.area_id)}
    banded = {b.area_id for part in parts for b in part.age_bands if inside(b.area_id)}
    postcodes: list[Postcode] = [p for part in parts for p in part.postcodes if p.area_id is None or inside(p.area_id)]
    out = []
    if area_ids:
        out.append(f"{len(area_ids):,} areas")
    if population:
        out.append(f"population {sum(n for a, n in population.items() if inside(a)):,}")
    if indexed:
        out.append(f"deprivation for {len(indexed):,}" + (f" ({len(core20):,} in Core20)" if core20 else ""))
    if banded:
        out.append(f"age bands for {len(banded):,}")
    if postcodes:
        out.append(f"{len(postcodes):,} postcodes")
    missing = area_ids - indexed if indexed else set()
    if missing:
        out.append(f"no deprivation values for {len(missing):,} areas")
    return ", ".join(out) or "nothing found"

"""The files of realised uptake, read and checked row by row (CSV or XLSX; see formats.tables).

* population by age band: `area_id,age_band,population`;
* counts of service use: `area_id` or `postal_code` (a full postal code or an FSA), optional
  `age_band`, and `count` (people or visits);
* a reference standard: `age_band,count,population` (the events and people of e.g. the province).

Column names are matched without regard to case or surrounding spaces. Every problem is reported
with its row number as a spreadsheet shows it (the header is row 1) and the reason; the callers
save nothing when there is any (services.uptake_import).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assetmap.errors import InvalidParameter
from assetmap.formats.tables import ImportFileError, Table, read_table
from assetmap.geocoding import FSA_RE, normalise_postal_code
from assetmap.values import parse_count

MAX_BAND_CHARS = 40


@dataclass
class Rows:
    """Good rows of a file (each starting with its row number), the problems by row, and notes."""

    rows: list[tuple] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    key: str = ""  # the id column used: area_id or postal_code
    by_band: bool = False
    bands: list[str] = field(default_factory=list)  # in the order they first appear


def _columns(table: Table, name: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, str]:
    """Our column name -> the file's header, or ImportFileError naming what is missing."""
    found = {h.strip().lower(): h for h in table.headers}
    missing = [c for c in required if c not in found]
    if missing:
        raise ImportFileError(
            f"{name}: needs the column(s) {', '.join(missing)}; it has {', '.join(table.headers) or 'none'}"
        )
    return {c: found[c] for c in required + optional if c in found}


def _band(raw: str, row: int, errors: list) -> str | None:
    band = (raw or "").strip()
    if not band:
        errors.append((row, "age_band is empty"))
        return None
    if len(band) > MAX_BAND_CHARS:
        errors.append((row, f"age_band is longer than {MAX_BAND_CHARS} characters"))
        return None
    return band


def _number(raw, label: str, row: int, errors: list) -> float | None:
    try:
        return parse_count(raw, label)
    except InvalidParameter as exc:
        errors.append((row, str(exc)))
        return None


def _table(path: str | Path) -> Table:
    table = read_table(path)
    if not table.records:
        raise ImportFileError(f"{Path(path).name}: no data rows")
    return table


def _cells_ok(row: int, rec: dict, errors: list) -> bool:
    if "__extra_cells__" in rec:
        errors.append((row, "more cells than there are columns"))
        return False
    return True


def read_population_bands(path: str | Path, area_ids: set[str]) -> Rows:
    """Rows (row, area_id, age_band, population); area ids must be among area_ids, each pair once."""
    name = Path(path).name
    table = _table(path)
    cols = _columns(table, name, ("area_id", "age_band", "population"))
    out = Rows(key="area_id", by_band=True)
    seen: dict[tuple[str, str], int] = {}
    for row, rec in table.records:
        if not _cells_ok(row, rec, out.errors):
            continue
        area_id = (rec.get(cols["area_id"]) or "").strip()
        band = _band(rec.get(cols["age_band"]), row, out.errors)
        people = _number(rec.get(cols["population"]), "population", row, out.errors)
        if not area_id:
            out.errors.append((row, "area_id is empty"))
            continue
        if area_id not in area_ids:
            out.errors.append((row, f"no area {area_id!r} is loaded"))
            continue
        if band is None or people is None:
            continue
        if (area_id, band) in seen:
            out.errors.append(
                (row, f"area {area_id} with age band {band!r} is given twice (also row {seen[area_id, band]})")
            )
            continue
        seen[area_id, band] = row
        if band not in out.bands:
            out.bands.append(band)
        out.rows.append((row, area_id, band, people))
    return out


def read_service_use(path: str | Path, area_ids: set[str], bands: list[str]) -> Rows:
    """Rows (row, area_id or postal code/FSA, age_band or '', count), checked.

    bands: the loaded population bands (an age_band column needs them; its labels must be among them).
    """
    name = Path(path).name
    table = _table(path)
    cols = _columns(table, name, ("count",), ("area_id", "postal_code", "age_band"))
    if ("area_id" in cols) == ("postal_code" in cols):
        raise ImportFileError(f"{name}: give the place of each count in one column, area_id or postal_code")
    out = Rows(key="area_id" if "area_id" in cols else "postal_code", by_band="age_band" in cols)
    if out.by_band and not bands:
        raise ImportFileError(
            f"{name}: counts by age band need the population by age band first (import-population-bands); "
            "or leave out the age_band column"
        )
    seen: dict[tuple[str, str], int] = {}
    for row, rec in table.records:
        if not _cells_ok(row, rec, out.errors):
            continue
        raw_place = (rec.get(cols[out.key]) or "").strip()
        band = _band(rec.get(cols["age_band"]), row, out.errors) if out.by_band else ""
        count = _number(rec.get(cols["count"]), "count", row, out.errors)
        if not raw_place:
            out.errors.append((row, f"{out.key} is empty"))
            continue
        place = raw_place if out.key == "area_id" else _postal(raw_place)
        if place is None:
            out.errors.append((row, f"{raw_place[:20]!r} is not a postal code (A1A 1A1) or an FSA (A1A)"))
            continue
        if out.key == "area_id" and place not in area_ids:
            out.errors.append((row, f"no area {place!r} is loaded"))
            continue
        if band is None or count is None:
            continue
        if out.by_band and band not in bands:
            out.errors.append((row, f"unknown age band {band!r}; the population bands are {', '.join(bands)}"))
            continue
        if (place, band) in seen:
            what = f"{place} with age band {band!r}" if out.by_band else place
            out.errors.append((row, f"{what} is given twice (also row {seen[place, band]})"))
            continue
        seen[place, band] = row
        out.rows.append((row, place, band, count))
    return out


def _postal(raw: str) -> str | None:
    """'A1A 1A1' for a postal code, 'A1A' for an FSA, None otherwise."""
    full = normalise_postal_code(raw)
    if full and len(raw.replace(" ", "")) == 6:
        return full
    fsa = FSA_RE.match(raw)
    return fsa.group(1).upper() if fsa else None


def read_reference(path: str | Path, bands: list[str]) -> Rows:
    """Rows (row, age_band, count, population) of a reference standard, one per population band."""
    name = Path(path).name
    table = _table(path)
    cols = _columns(table, name, ("age_band", "count", "population"))
    out = Rows(key="age_band", by_band=True)
    seen: dict[str, int] = {}
    for row, rec in table.records:
        if not _cells_ok(row, rec, out.errors):
            continue
        band = _band(rec.get(cols["age_band"]), row, out.errors)
        count = _number(rec.get(cols["count"]), "count", row, out.errors)
        people = _number(rec.get(cols["population"]), "population", row, out.errors)
        if band is None or count is None or people is None:
            continue
        if band in seen:
            out.errors.append((row, f"age band {band!r} is given twice (also row {seen[band]})"))
            continue
        if people <= 0 and count > 0:
            out.errors.append((row, f"age band {band!r} has {count:g} events but no population"))
            continue
        if bands and band not in bands:
            out.errors.append((row, f"unknown age band {band!r}; the population bands are {', '.join(bands)}"))
            continue
        seen[band] = row
        out.bands.append(band)
        out.rows.append((row, band, count, people))
    missing = [b for b in bands if b not in seen]
    if missing and not out.errors:
        out.errors.append((1, f"{name}: no row for the age band(s) {', '.join(missing)}"))
    return out

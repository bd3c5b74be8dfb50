"""ONS mid-year population estimates by LSOA, as totals and age bands.

Layouts read (CSV, or the published .xlsx whose header sits below a few title rows):

* ONS "sapelsoasyoa" (mid-2022 onwards, 2021 LSOAs), sheet "Mid-2022 LSOA 2021" and the like:
  LAD 2021 Code, LAD 2021 Name, LSOA 2021 Code, LSOA 2021 Name, Total, F0 ... F90, M0 ... M90
  (single years by sex; 90 means 90 and over; later editions name the district "LAD 2023 Code");
* ONS "sapelsoabroadage": the same keys with F0 to 15, F16 to 29, F30 to 44, F45 to 64,
  F65 and over and the M... columns;
* older ONS persons tables (2011 LSOAs): LSOA Code, LSOA Name, All Ages, 0 ... 89, 90+;
* Trafford Data Lab's republication: period, area_code, area_name, geography, sex, all_ages,
  aged_0_to_15, aged_16_to_64, aged_65_and_over, 0 ... 89, 90+ (rows for Persons, Females,
  Males; Persons is used).

Bands: five-year 0-4 ... 85-89 and 90+, and the broad groups 0-15, 16-64 and 65+.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from pathlib import Path

from .place_records import AgeBands, PlaceData, PlaceFileError, area_wanted, iter_rows, whole

CODE_COLUMNS = {"LSOA 2021 Code": "LSOA21", "LSOA 2011 Code": "LSOA11", "LSOA Code": "LSOA11", "area_code": ""}
NAME_COLUMNS = ("LSOA 2021 Name", "LSOA 2011 Name", "LSOA Name", "area_name")
TOTAL_COLUMNS = ("Total", "All Ages", "All ages", "all_ages")
FIVE_YEAR = [(f"{a}-{a + 4}", range(a, a + 5)) for a in range(0, 90, 5)] + [("90+", range(90, 91))]
BROAD = (("0-15", range(0, 16)), ("16-64", range(16, 65)), ("65+", range(65, 91)))
# ONS broad-age table columns (without the F/M prefix) -> our broad band
BROAD_AGE_TABLE = {
    "0 to 15": "0-15",
    "16 to 29": "16-64",
    "30 to 44": "16-64",
    "45 to 64": "16-64",
    "65 and over": "65+",
}
DATA_LAB_BROAD = {"aged_0_to_15": "0-15", "aged_16_to_64": "16-64", "aged_65_and_over": "65+"}


def is_population(header: list[str]) -> bool:
    """True when the columns are an LSOA population table this module reads."""
    has_code = any(c in header for c in CODE_COLUMNS if c != "area_code")
    has_total = any(c in header for c in TOTAL_COLUMNS)
    data_lab = {"area_code", "all_ages", "sex"} <= set(header)
    return (has_code and has_total) or data_lab


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise PlaceFileError(f"{path.name}: not a readable .xlsx workbook ({exc.__class__.__name__})") from None
    try:
        sheets = [wb[sheet]] if sheet else wb.worksheets
        for ws in sheets:
            rows = ws.iter_rows(values_only=True)
            for number, row in enumerate(rows, start=1):
                cells = [_cell(v).strip() for v in row]
                if is_population(cells):
                    yield number, cells
                    for later, data_row in enumerate(rows, start=number + 1):
                        yield later, [_cell(v) for v in data_row]
                    return
                if number > 12:
                    break
        raise PlaceFileError(f"{path.name}: no sheet with an LSOA population header ('LSOA 2021 Code' and 'Total')")
    finally:
        wb.close()


def _table(path: Path, sheet: str | None) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    if path.suffix.lower() == ".xlsx":
        rows = _xlsx_rows(path, sheet)
    else:
        rows = enumerate(iter_rows(path), start=1)
    _, header = next(rows, (1, []))
    return [h.strip() for h in header], rows


def _single_years(header: list[str]) -> dict[int, list[int]] | None:
    """Age -> the column positions to add for persons of that age, when the table has single years."""
    at = {h: i for i, h in enumerate(header)}
    out: dict[int, list[int]] = {}
    for age in range(91):
        if age == 90 and "90+" in at:
            out[age] = [at["90+"]]
        elif str(age) in at:
            out[age] = [at[str(age)]]
        elif f"F{age}" in at and f"M{age}" in at:
            out[age] = [at[f"F{age}"], at[f"M{age}"]]
        else:
            return None
    return out


def _broad_columns(header: list[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        if h in DATA_LAB_BROAD:
            out.setdefault(DATA_LAB_BROAD[h], []).append(i)
        elif h[:1] in "FM" and h[1:] in BROAD_AGE_TABLE:
            out.setdefault(BROAD_AGE_TABLE[h[1:]], []).append(i)
    return out


def read_population(
    path: str | Path,
    *,
    ids: Collection[str] | None = None,
    id_prefix: str = "",
    name_prefix: str = "",
    sheet: str | None = None,
) -> PlaceData:
    """Total population and age bands per LSOA; ages that do not add up to the total are reported."""
    path = Path(path)
    header, rows = _table(path, sheet)
    if not is_population(header):
        raise PlaceFileError(f"{path.name}: not an LSOA population table (needs 'LSOA 2021 Code' and 'Total')")
    code_col = next(c for c in CODE_COLUMNS if c in header)
    name_col = next((c for c in NAME_COLUMNS if c in header), None)
    total_col = next(c for c in TOTAL_COLUMNS if c in header)
    at = {h: i for i, h in enumerate(header)}
    singles = _single_years(header)
    broad_cols = {} if singles else _broad_columns(header)
    data = PlaceData(kind="ons_population", source=path.name, level=CODE_COLUMNS[code_col])
    data.population_label = total_col
    lad = [next((h for h in header if re.fullmatch(rf"LAD \d{{4}} {w}", h)), None) for w in ("Code", "Name")]
    for number, row in rows:
        if not any(c.strip() for c in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        if "sex" in at and cells[at["sex"]].strip() not in ("Persons", "All persons"):
            continue  # Females and Males rows of a table that also has Persons
        if "geography" in at and cells[at["geography"]].strip() != "LSOA":
            data.skipped["rows for other geographies"] += 1
            continue
        if not data.level and "period" in at:  # Trafford Data Lab: estimates from mid-2022 use 2021 LSOAs
            data.level = "LSOA21" if cells[at["period"]][:4] >= "2022" else "LSOA11"
        area_id = cells[at[code_col]].strip()
        name = cells[at[name_col]].strip() if name_col else ""
        if not area_wanted(area_id, ids, id_prefix) or not name.startswith(name_prefix):
            data.skipped["areas outside the selection"] += 1
            continue
        try:
            total = whole(cells[at[total_col]], total_col, 0)
            if singles:
                by_age = {age: sum(whole(cells[i], header[i], 0) or 0 for i in cols) for age, cols in singles.items()}
                five = {band: sum(by_age[a] for a in ages) for band, ages in FIVE_YEAR}
                broad = {band: sum(by_age[a] for a in ages) for band, ages in BROAD}
            else:
                five = {}
                broad = {
                    band: sum(whole(cells[i], header[i], 0) or 0 for i in cols) for band, cols in broad_cols.items()
                }
        except ValueError as exc:
            data.errors.append((number, f"{area_id}: {exc}"))
            continue
        if total is None:
            data.skipped["areas without a total"] += 1
            continue
        if broad and sum(broad.values()) != total:
            data.errors.append((number, f"{area_id}: ages add up to {sum(broad.values())}, not the total {total}"))
            continue
        data.population[area_id] = total
        if lad[0] and lad[1] and cells[at[lad[0]]].strip():
            data.parents[area_id] = (cells[at[lad[0]]].strip(), cells[at[lad[1]]].strip())
        if broad:
            data.age_bands.append(AgeBands(area_id, total, five, broad))
    if not data.level:
        data.level = "LSOA21"
    return data

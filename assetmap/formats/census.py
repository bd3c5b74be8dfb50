"""Census profiles (and any table of area statistics) joined onto stored areas as indicators.

Two CSV shapes are read:

* long, as Statistics Canada's Census Profile: one row per geography and characteristic, with
  `DGUID`, `ALT_GEO_CODE`, `CHARACTERISTIC_ID`, `CHARACTERISTIC_NAME` and value columns such as
  `C1_COUNT_TOTAL` and `C10_RATE_TOTAL`;
* wide: one row per area, one column per statistic (e.g. England's Indices of Deprivation by LSOA).

A mapping CSV says which characteristic (or column) becomes which indicator: columns `indicator`
(a key such as `seniors_65plus_2021`, or `population` / `land_area_km2` to fill those area columns),
`characteristic` (a CHARACTERISTIC_ID, or a CHARACTERISTIC_NAME; empty for wide files),
`value_column` (default C1_COUNT_TOTAL for long files; the statistic's column for wide ones),
and optional `label`, `unit`, `direction`, `source`.

Rows join on the area id: a long file's ALT_GEO_CODE, or its DGUID (whole, or the geographic code
after the 9-character DGUID prefix, e.g. 2021S0512**35440163**); a wide file's `--id-column`
(guessed among common names). Statistics Canada's suppression symbols (x, .., ..., F, E) leave the
value empty and are counted. Files in Windows-1252 (as Statistics Canada's are) are read too.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from assetmap import store
from assetmap.formats import place_records
from assetmap.formats.csvsafe import restore
from assetmap.formats.tables import ImportFileError

SUPPRESSED = {"x", "X", "..", "...", "F", "E", "", "-"}
LONG_ID_COLUMNS = ("ALT_GEO_CODE", "DGUID")
WIDE_ID_COLUMNS = (
    "DAUID",
    "DGUID",
    "GEO_CODE",
    "ALT_GEO_CODE",
    "LSOA21CD",
    "LSOA11CD",
    "LSOA code (2011)",
    "id",
    "code",
)
BUILT_IN = {"population": int, "land_area_km2": float}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def read_text(path: Path) -> str:
    """The file's text: UTF-8, else Windows-1252."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def read_mapping(path: str | Path) -> list[dict]:
    """Rows of an indicator mapping CSV, validated; raises ImportFileError."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(read_text(path)))
    if "indicator" not in (reader.fieldnames or []):
        raise ImportFileError(f"{path.name}: needs an 'indicator' column (and characteristic and/or value_column)")
    rows = []
    for number, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        key = row["indicator"]
        if not KEY_RE.match(key) or (key in store.AREA_COLUMNS_SET and key not in BUILT_IN):
            raise ImportFileError(
                f"{path.name} row {number}: indicator {key!r} must be lower_case_with_underscores and not a built-in column"
            )
        if not row.get("characteristic") and not row.get("value_column"):
            raise ImportFileError(f"{path.name} row {number}: give a characteristic or a value_column")
        rows.append({**row, "row": number})
    if not rows:
        raise ImportFileError(f"{path.name}: the mapping has no rows")
    return rows


@dataclass
class ProfileReport:
    areas_updated: int = 0
    values: int = 0
    indicators: list[str] = field(default_factory=list)
    suppressed: Counter = field(default_factory=Counter)
    unmatched_geographies: int = 0
    missing: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.values} values for {self.areas_updated} areas in {len(self.indicators)} indicators, "
            f"{sum(self.suppressed.values())} suppressed, {self.unmatched_geographies} geographies not among the areas, "
            f"{len(self.errors)} rejected"
        )


def _number(raw: str, label: str) -> float | None:
    # the message quotes the cell as restored, without its thousands separators
    return place_records.number(restore((raw or "").strip()).replace(",", ""), label, SUPPRESSED)


def _area_id(row: dict, ids: set[str], id_column: str | None) -> str | None:
    candidates = [row.get(id_column, "")] if id_column else [row.get(c, "") for c in LONG_ID_COLUMNS]
    for value in candidates:
        value = (value or "").strip()
        if value in ids:
            return value
        if len(value) > 9 and value[9:] in ids:  # DGUID: vintage, type, schema, then the geographic code
            return value[9:]
    return None


def import_profile(
    db: Database,
    path: str | Path,
    mapping_path: str | Path,
    *,
    level: str | None = None,
    id_column: str | None = None,
    source: str | None = None,
) -> ProfileReport:
    """Join a census profile (long) or a wide statistics CSV onto the stored areas as indicators."""
    path = Path(path)
    mapping = read_mapping(mapping_path)
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    if not columns:
        raise ImportFileError(f"{path.name}: the file is empty or has no header row")
    long_format = "CHARACTERISTIC_ID" in columns or "CHARACTERISTIC_NAME" in columns
    areas = store.list_areas(db, level)
    if not areas:
        raise ImportFileError(f"no areas{' of level ' + level if level else ''} yet: import the boundaries first")
    ids = {a["id"] for a in areas}
    if id_column and id_column not in columns:
        raise ImportFileError(f"{path.name}: no column {id_column!r}")
    if not long_format and not id_column:
        id_column = next((c for c in WIDE_ID_COLUMNS if c in columns), None)
        if id_column is None:
            raise ImportFileError(f"{path.name}: say which column holds the area id (--id-column)")
    for m in mapping:
        wanted = m.get("value_column") or ("C1_COUNT_TOTAL" if long_format else "")
        if wanted not in columns:
            raise ImportFileError(f"mapping row {m['row']}: {path.name} has no column {wanted!r}")
        m["value_column"] = wanted
    report = ProfileReport()
    values: dict[str, dict[str, float | None]] = {}
    unmatched: set[str] = set()
    seen_characteristics: set[tuple[int, str]] = set()
    for number, row in enumerate(reader, start=2):
        area_id = _area_id(row, ids, id_column)
        if area_id is None:
            unmatched.add(row.get(id_column or "DGUID") or row.get("ALT_GEO_CODE") or str(number))
            continue
        if long_format:
            cid, cname = (row.get("CHARACTERISTIC_ID") or "").strip(), (row.get("CHARACTERISTIC_NAME") or "").strip()
            targets = [m for m in mapping if m.get("characteristic") in (cid, cname)]
        else:
            targets = mapping
        for m in targets:
            if long_format and (m["row"], area_id) in seen_characteristics:
                continue  # a name repeated in another section: the first occurrence counts
            try:
                value = _number(row.get(m["value_column"], ""), m["value_column"])
            except ValueError as exc:
                report.errors.append((number, str(exc)))
                continue
            if long_format:
                seen_characteristics.add((m["row"], area_id))
            if value is None:
                report.suppressed[m["indicator"]] += 1
            values.setdefault(area_id, {})[m["indicator"]] = value
    report.unmatched_geographies = len(unmatched)
    keys = list(dict.fromkeys(m["indicator"] for m in mapping))
    report.indicators = keys
    report.missing = [k for k in keys if not any(k in v for v in values.values())]
    label = source or path.name
    with store.transaction(db):
        store.declare_indicators(
            db,
            [
                {
                    "key": m["indicator"],
                    "label": m.get("label") or m.get("characteristic") or m["indicator"],
                    "unit": m.get("unit", ""),
                    "source": m.get("source") or label,
                    "direction": m.get("direction", ""),
                }
                for m in mapping
                if m["indicator"] not in BUILT_IN
            ],
        )
        updates = {}
        for area_id, found in values.items():
            updates[area_id] = {
                key: int(round(value)) if BUILT_IN.get(key) is int and value is not None else value
                for key, value in found.items()
            }
            report.values += sum(1 for v in found.values() if v is not None)
        report.areas_updated += store.update_area_values(db, updates)
    return report

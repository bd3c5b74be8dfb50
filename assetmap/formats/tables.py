"""Reading tabular files people bring (CSV, XLSX, GeoJSON) into rows, with limits that keep a
hostile or broken file from costing more than a clear error.

Row numbers are as a spreadsheet shows them (the header is row 1, the first data row is row 2);
GeoJSON features are numbered from 1. Limits: at most MAX_CELL_CHARS characters in a cell
(Excel's own limit), MAX_HEADER_CHARS in a column name, MAX_CELLS cells, and for XLSX at most
MAX_XLSX_UNCOMPRESSED_MB once unzipped (checked before anything is parsed).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from assetmap.formats.csvsafe import restore

SUPPORTED_SUFFIXES = (".csv", ".txt", ".geojson", ".json", ".xlsx")
MAX_CELL_CHARS = 32_767
MAX_HEADER_CHARS = 200
MAX_COLUMNS = 500
MAX_CELLS = 5_000_000
MAX_XLSX_UNCOMPRESSED_MB = 80
PREVIEW_ROWS = 10

csv.field_size_limit(4 * MAX_CELL_CHARS)  # past this the csv module raises; we report it by row


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, broken JSON, no header, too big...)."""


def read_json_file(path: Path, error: type[ValueError] = ImportFileError):
    """The JSON document in a UTF-8 file; raises `error` naming the file when it is not valid JSON or not UTF-8."""
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise error(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise error(f"{path.name}: not UTF-8 text") from None


@dataclass
class Table:
    """A file's rows keyed by its own column names; `unit` is 'row' or 'feature'."""

    headers: list[str]
    records: list[tuple[int, dict]]
    unit: str


def read_table(path: str | Path, *, max_rows: int | None = None) -> Table:
    """Read a CSV, XLSX or GeoJSON file. GeoJSON Point geometries become latitude/longitude columns.
    With max_rows, only that many data rows are read (a preview)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_table(path, max_rows)
    if suffix not in SUPPORTED_SUFFIXES:
        raise ImportFileError(f"{path.name}: unsupported file type {suffix or '(none)'}; use .csv, .xlsx or .geojson")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name}: not UTF-8 text; save it as UTF-8 CSV or GeoJSON") from None
    if suffix in (".geojson", ".json"):
        table = _geojson_table(text, path.name)
        if max_rows is not None:
            table.records = table.records[:max_rows]
        return table
    return _csv_table(text, path.name, max_rows)


def _check_headers(headers: list[str], name: str) -> list[str]:
    if len(headers) > MAX_COLUMNS:
        raise ImportFileError(f"{name}: {len(headers):,} columns; at most {MAX_COLUMNS} are read")
    for i, h in enumerate(headers, start=1):
        if len(h) > MAX_HEADER_CHARS:
            raise ImportFileError(
                f"{name}: the name of column {i} is {len(h):,} characters long (at most {MAX_HEADER_CHARS})"
            )
    return headers


def _check_cell(value: str, name: str, row: int) -> str:
    if len(value) > MAX_CELL_CHARS:
        raise ImportFileError(f"{name}: row {row} has a cell of {len(value):,} characters (at most {MAX_CELL_CHARS:,})")
    return value


def _csv_table(text: str, name: str, max_rows: int | None = None) -> Table:
    # Old Mac spreadsheets end lines with a lone carriage return: read them like any other.
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    out: list[tuple[int, dict]] = []
    try:
        fieldnames = reader.fieldnames
        if not fieldnames:
            raise ImportFileError(f"{name}: the file is empty or has no header row")
        headers = _check_headers([h for h in fieldnames if h is not None], name)
        cells = 0
        for index, row in enumerate(reader, start=2):
            if max_rows is not None and len(out) >= max_rows:
                break
            rec = {}
            for k, v in row.items():
                if k is None:  # more cells than header columns
                    rec["__extra_cells__"] = v
                    continue
                rec[k] = restore(_check_cell((v or "").strip(), name, index))
            cells += len(rec)
            if cells > MAX_CELLS:
                raise ImportFileError(f"{name}: more than {MAX_CELLS:,} cells; split the file")
            out.append((index, rec))
    except csv.Error as exc:
        too_long = "field larger" in str(exc)
        if reader._fieldnames is None:  # the header row itself
            reason = f"a column name is longer than {MAX_HEADER_CHARS} characters" if too_long else str(exc)
            raise ImportFileError(f"{name}: row 1: {reason}") from None
        reason = f"a cell is longer than {MAX_CELL_CHARS:,} characters" if too_long else str(exc)
        raise ImportFileError(f"{name}: row {len(out) + 2}: {reason}") from None
    return Table(headers, out, "row")


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return (
            value.isoformat()[:10]
            if getattr(value, "hour", 0) == 0 and getattr(value, "minute", 0) == 0
            else value.isoformat()
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_xlsx_size(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError):
        raise ImportFileError(f"{path.name}: not a readable .xlsx workbook") from None
    if total > MAX_XLSX_UNCOMPRESSED_MB * 1024 * 1024:
        raise ImportFileError(
            f"{path.name}: the workbook unpacks to {total / 1024 / 1024:,.0f} MB (at most {MAX_XLSX_UNCOMPRESSED_MB} MB); "
            "save the sheet as CSV, or split it"
        )


def _xlsx_table(path: Path, max_rows: int | None = None) -> Table:
    from openpyxl import load_workbook

    _check_xlsx_size(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise ImportFileError(f"{path.name}: not a readable .xlsx workbook ({exc.__class__.__name__})") from None
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header or not any(h not in (None, "") for h in header):
            raise ImportFileError(f"{path.name}: the first sheet is empty or has no header row")
        headers = _check_headers([_cell(h) or f"column {i + 1}" for i, h in enumerate(header)], path.name)
        out = []
        cells = 0
        for index, row in enumerate(rows, start=2):
            if max_rows is not None and len(out) >= max_rows:
                break
            if row is None or all(v in (None, "") for v in row):
                continue
            rec = {h: _check_cell(_cell(v), path.name, index) for h, v in zip(headers, row, strict=False)}
            cells += len(rec)
            if cells > MAX_CELLS:
                raise ImportFileError(f"{path.name}: more than {MAX_CELLS:,} cells; split the file")
            out.append((index, rec))
        return Table(headers, out, "row")
    finally:
        wb.close()


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _geojson_table(text: str, name: str) -> Table:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ImportFileError(f"{name}: the JSON is nested too deeply to be GeoJSON") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise ImportFileError(f"{name}: expected a GeoJSON FeatureCollection")
    out, headers = [], {}
    for index, feat in enumerate(doc["features"], start=1):
        if not isinstance(feat, dict):
            out.append((index, {"__error__": "not a GeoJSON feature"}))
            continue
        props = feat.get("properties") or {}
        rec = {str(k): ("" if v is None else v) for k, v in props.items()} if isinstance(props, dict) else {}
        rec = {
            k: (v if isinstance(v, str | int | float | bool) else json.dumps(v)[:MAX_CELL_CHARS])
            for k, v in rec.items()
        }
        geom = feat.get("geometry")
        if isinstance(geom, dict):
            if geom.get("type") != "Point":
                rec["__error__"] = f"geometry must be a Point, not {geom.get('type')}"
            else:
                coords = geom.get("coordinates")
                if isinstance(coords, list) and len(coords) >= 2 and _is_number(coords[0]) and _is_number(coords[1]):
                    rec["longitude"], rec["latitude"] = coords[0], coords[1]  # GeoJSON is (lon, lat)
                else:
                    rec["__error__"] = "a Point's coordinates must be two numbers, [longitude, latitude]"
        headers.update(dict.fromkeys(k for k in rec if not k.startswith("__")))
        out.append((index, rec))
    return Table(_check_headers(list(headers), name), out, "feature")

"""Travel-time matrices from routing engines (r5py, OTP, OSRM, Valhalla...) as CSV: parse, then resolve names.

Two layouts are recognised (`layout="auto"` picks long when the header has an origin, a
destination and a time column, as listed below; otherwise wide):

* wide: the first column names the origin area (its id or its name; the header cell can be
  anything); every other column is one destination asset, its header the asset's name or
  external_id. Each cell is the time from that area to that asset.
* long: one row per pair. Column names are matched without regard to case, spaces or hyphens:
  origin       from_id, from, from_name, origin, origin_id, origin_name, area, area_id
  destination  to_id, to, to_name, destination, destination_id, destination_name, dest, dest_id,
               asset, asset_id, external_id
  time         (first found, in this order) minutes, travel_time, travel_time_min,
               travel_time_minutes, time_min, seconds, travel_time_s, travel_time_sec,
               travel_time_seconds, time_s, duration_s, time, duration, cost
  Other columns (distance...) are ignored. r5py's TravelTimeMatrix (from_id,to_id,travel_time)
  and Valhalla/OSRM tables written as origin,destination,duration read as they are.

Times are minutes unless `unit="seconds"`; `unit=None` takes the unit from the time column's name
(`seconds`, `*_s`, `*_sec`, `*_seconds` are seconds) and otherwise minutes. A unit given that
contradicts the column name is an error, not a guess.

Unreachable: a blank cell, NA/N/A/NaN/null/none/-/inf, a negative value, or the sentinel 9999
(in the file's own unit, before any conversion: routing tools write 9999 as "no route").

Delimiter: comma, semicolon or tab, whichever the header line has most of. UTF-8 (a BOM is fine).

Resolving names to ids is a separate step (resolve_travel_times): it takes plain dicts
(area ids and names -> area id; asset names and external_ids -> asset id) and reports origins and
destinations that match nothing, names that match more than one record, and pairs given twice
(the shorter time is kept: two routes to one place, the quicker one is the trip people make).

Errors that make the file as a whole unusable (not UTF-8, no header, a cell that is not a number,
a row with a different number of cells, no time column...) raise TravelTimeFileError with the row
number; nothing half-parsed is returned.

>>> table = parse_travel_times("area,Clinic,Pantry\\nNorth,12,9999\\nSouth,,31.5\\n")
>>> table.layout, table.origins, table.destinations, table.minutes.tolist()
('wide', ['North', 'South'], ['Clinic', 'Pantry'], [12.0, nan, nan, 31.5])
>>> tt = resolve_travel_times(table, {"1": 1, "north": 1, "2": 2, "south": 2}, {"clinic": 10, "pantry": 11})
>>> tt.minutes.tolist()
[[12.0, nan], [nan, 31.5]]
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

UNREACHABLE_SENTINEL = 9999.0
EXAMPLES = 10  # names kept in a report besides the count

ORIGIN_COLUMNS = ("from_id", "from", "from_name", "origin", "origin_id", "origin_name", "area", "area_id")
DESTINATION_COLUMNS = (
    "to_id",
    "to",
    "to_name",
    "destination",
    "destination_id",
    "destination_name",
    "dest",
    "dest_id",
    "asset",
    "asset_id",
    "external_id",
)
MINUTE_COLUMNS = ("minutes", "travel_time", "travel_time_min", "travel_time_minutes", "time_min")
SECOND_COLUMNS = ("seconds", "travel_time_s", "travel_time_sec", "travel_time_seconds", "time_s", "duration_s")
NEUTRAL_COLUMNS = ("time", "duration", "cost")  # unit not stated by the name
TIME_COLUMNS = MINUTE_COLUMNS + SECOND_COLUMNS + NEUTRAL_COLUMNS
BLANKS = {"", "na", "n/a", "nan", "null", "none", "-", "inf", "+inf", "infinity"}


class TravelTimeFileError(ValueError):
    """The file as a whole cannot be read as a travel-time matrix."""


@dataclass(frozen=True)
class TravelTimeTable:
    """A parsed file before names are resolved: one entry per cell given.

    Cell k goes from origins[origin[k]] to destinations[destination[k]] in minutes[k] minutes
    (NaN: unreachable). origins and destinations are the names as written, in file order, each once.
    """

    layout: str  # "wide" or "long"
    unit: str  # unit of the file ("minutes" or "seconds"); minutes[] is always minutes
    origins: list[str]
    destinations: list[str]
    origin: np.ndarray
    destination: np.ndarray
    minutes: np.ndarray


@dataclass(frozen=True)
class Names:
    """How many names fell in a report category, and the first few of them (file order)."""

    count: int = 0
    examples: tuple[str, ...] = ()

    @classmethod
    def of(cls, names: Iterable[str]) -> Names:
        names = list(names)
        return cls(len(names), tuple(names[:EXAMPLES]))

    def __str__(self) -> str:
        more = f" and {self.count - len(self.examples)} more" if self.count > len(self.examples) else ""
        return ", ".join(repr(n) for n in self.examples) + more


@dataclass(frozen=True)
class MatrixReport:
    """What resolving a table to ids found; every cell is accounted for in one of the counts."""

    cells: int  # cells in the file
    used_cells: int  # cells whose origin and destination both resolved (reachable or not), duplicates once
    unreachable_cells: int  # of used_cells, unreachable
    unmatched_origins: Names = field(default_factory=Names)  # origins that name no area
    unmatched_destinations: Names = field(default_factory=Names)  # destinations that name no asset
    ambiguous_origins: Names = field(default_factory=Names)  # origins that name more than one area
    ambiguous_destinations: Names = field(default_factory=Names)  # destinations naming more than one asset
    duplicate_cells: Names = field(default_factory=Names)  # "origin -> destination" given more than once

    def summary(self) -> str:
        """One line per finding, for a CLI or a flash message."""
        lines = [f"{self.used_cells} of {self.cells} cells used ({self.unreachable_cells} unreachable)"]
        for label, names in (
            ("origins matching no area", self.unmatched_origins),
            ("destinations matching no asset", self.unmatched_destinations),
            ("origins matching several areas", self.ambiguous_origins),
            ("destinations matching several assets", self.ambiguous_destinations),
            ("pairs given more than once (shortest kept)", self.duplicate_cells),
        ):
            if names.count:
                lines.append(f"{names.count} {label}: {names}")
        return "\n".join(lines)


@dataclass(frozen=True)
class TravelTimes:
    """A matrix resolved to ids: minutes[i, j] from area area_ids[i] to asset asset_ids[j].

    Dense: NaN where unreachable or not given. Sparse (csr): only reachable pairs are stored
    (zero-minute pairs included). area_in_matrix / asset_in_matrix say which areas had a row and
    which assets a column in the file: pass them to traveltime.reach_from_matrix so the others are
    reported as excluded rather than unreachable.
    """

    area_ids: list
    asset_ids: list
    minutes: np.ndarray | sparse.csr_matrix
    area_in_matrix: np.ndarray
    asset_in_matrix: np.ndarray
    report: MatrixReport


def _normal(name: str) -> str:
    """Key for matching names: spaces collapsed, case folded."""
    return " ".join(str(name).split()).casefold()


def _column_key(name: str) -> str:
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def _is_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _value(text: str, sentinel: float | None, where: str) -> float:
    """A cell as a number in the file's unit; NaN when it says unreachable."""
    text = text.strip()
    if text.lower() in BLANKS:
        return math.nan
    value = _is_number(text)
    if value is None or value != value:
        raise TravelTimeFileError(f"{where}: {text[:40]!r} is not a number (leave it blank when unreachable)")
    if value < 0 or math.isinf(value) or (sentinel is not None and value == sentinel):
        return math.nan
    return value


def _unit_of(column: str) -> str | None:
    if column in MINUTE_COLUMNS:
        return "minutes"
    if column in SECOND_COLUMNS:
        return "seconds"
    return None


def _rows(text: str, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(c.strip() for c in header):
            header = next(reader, None)
        if header is None:
            raise TravelTimeFileError(f"{name}: the file is empty or has no header row")
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise TravelTimeFileError(f"{name} line {reader.line_num}: not valid CSV ({exc})") from None
    for number, row in rows:
        if len(row) != len(header):
            raise TravelTimeFileError(f"{name} row {number}: {len(row)} cells, but the header has {len(header)}")
    return [h.strip() for h in header], rows


def _indexer(names: list[str], index: dict[str, int], name: str) -> int:
    if name not in index:
        index[name] = len(names)
        names.append(name)
    return index[name]


def parse_travel_times(
    text: str,
    *,
    name: str = "matrix",
    unit: str | None = None,
    layout: str = "auto",
    unreachable: float | None = UNREACHABLE_SENTINEL,
) -> TravelTimeTable:
    """Parse travel-time CSV text (wide or long layout, see the module notes) into a TravelTimeTable."""
    if unit not in (None, "minutes", "seconds"):
        raise ValueError("unit must be 'minutes' or 'seconds'")
    if layout not in ("auto", "wide", "long"):
        raise ValueError("layout must be 'auto', 'wide' or 'long'")
    header, rows = _rows(text, name)
    keys = [_column_key(h) for h in header]
    find = {k: i for i, k in reversed(list(enumerate(keys)))}  # first occurrence wins
    o_col = next((find[c] for c in ORIGIN_COLUMNS if c in find), None)
    d_col = next((find[c] for c in DESTINATION_COLUMNS if c in find), None)
    t_col = next((find[c] for c in TIME_COLUMNS if c in find), None)
    if layout == "auto":
        layout = "long" if None not in (o_col, d_col, t_col) else "wide"
    origins: list[str] = []
    destinations: list[str] = []
    o_index: dict[str, int] = {}
    d_index: dict[str, int] = {}
    oi: list[int] = []
    di: list[int] = []
    values: list[float] = []
    if layout == "long":
        missing = [label for label, col in (("origin", o_col), ("destination", d_col), ("time", t_col)) if col is None]
        if missing:
            raise TravelTimeFileError(
                f"{name}: a long-format file needs origin, destination and time columns; "
                f"missing {', '.join(missing)} (e.g. from_id,to_id,minutes)"
            )
        named_unit = _unit_of(keys[t_col])
        if unit and named_unit and unit != named_unit:
            raise TravelTimeFileError(f"{name}: column {header[t_col]!r} is in {named_unit}, but unit={unit} was given")
        unit = unit or named_unit or "minutes"
        for number, row in rows:
            origin, destination = row[o_col].strip(), row[d_col].strip()
            if not origin or not destination:
                raise TravelTimeFileError(f"{name} row {number}: the origin or destination is blank")
            oi.append(_indexer(origins, o_index, origin))
            di.append(_indexer(destinations, d_index, destination))
            values.append(_value(row[t_col], unreachable, f"{name} row {number}"))
    else:
        if len(header) < 2:
            raise TravelTimeFileError(
                f"{name}: expected a wide matrix (origin column, then one column per destination) or a long one "
                "(from_id,to_id,minutes); found a single column"
            )
        for j, h in enumerate(header[1:], start=2):
            if not h:
                raise TravelTimeFileError(f"{name}: column {j} of the header has no destination name")
        unit = unit or "minutes"
        cols = [_indexer(destinations, d_index, h) for h in header[1:]]
        for number, row in rows:
            origin = row[0].strip()
            if not origin:
                raise TravelTimeFileError(f"{name} row {number}: the origin (first cell) is blank")
            o = _indexer(origins, o_index, origin)
            for j, cell in enumerate(row[1:]):
                oi.append(o)
                di.append(cols[j])
                values.append(_value(cell, unreachable, f"{name} row {number}, column {header[j + 1]!r}"))
    if not values:
        raise TravelTimeFileError(f"{name}: no travel times below the header")
    minutes = np.array(values, dtype=float)
    if unit == "seconds":
        minutes = minutes / 60.0
    return TravelTimeTable(
        layout, unit, origins, destinations, np.array(oi, dtype=np.intp), np.array(di, dtype=np.intp), minutes
    )


def read_travel_times(
    path: str | Path, *, unit: str | None = None, layout: str = "auto", unreachable: float | None = UNREACHABLE_SENTINEL
) -> TravelTimeTable:
    """Read a travel-time CSV file (see parse_travel_times)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TravelTimeFileError(f"{path.name}: not UTF-8 text; save it as UTF-8 CSV") from None
    except OSError as exc:
        raise TravelTimeFileError(f"{path.name}: cannot read it ({exc.strerror})") from None
    return parse_travel_times(text, name=path.name, unit=unit, layout=layout, unreachable=unreachable)


def build_lookup(pairs: Iterable[tuple[object, object]]) -> dict[str, object]:
    """A name -> id dict from (name, id) pairs; a name shared by several ids maps to a frozenset of them.

    >>> build_lookup([("12", 12), ("Bala", 12), ("Bala", 14)])
    {'12': 12, 'bala': frozenset({12, 14})}
    """
    out: dict[str, object] = {}
    for key, ident in pairs:
        if key is None or str(key).strip() == "":
            continue
        k = _normal(key)
        if k not in out or out[k] == ident:
            out[k] = ident
        else:
            prior = out[k] if isinstance(out[k], frozenset) else frozenset([out[k]])
            out[k] = prior | {ident}
    return out


def _resolver(lookup: Mapping[str, object]):
    table = build_lookup(
        (k, i) for k, v in lookup.items() for i in (v if isinstance(v, set | frozenset | list | tuple) else [v])
    )

    def resolve(name: str):
        key = _normal(name)
        if key not in table:
            number = _is_number(key)  # "12.0" from a spreadsheet is id 12
            if number is not None and number.is_integer() and str(int(number)) in table:
                key = str(int(number))
            else:
                return None
        return table[key]

    return resolve


def resolve_travel_times(
    table: TravelTimeTable,
    area_lookup: Mapping[str, object],
    asset_lookup: Mapping[str, object],
    *,
    area_ids: list | None = None,
    asset_ids: list | None = None,
    dense: bool = True,
) -> TravelTimes:
    """Map a table's names to area and asset ids; a matrix in area_ids x asset_ids order plus a report.

    area_lookup maps area ids (as text) and names to an area id; asset_lookup maps asset names and
    external_ids to an asset id. Matching ignores case and repeated spaces. A key that maps to a
    collection of ids (see build_lookup) is ambiguous: its cells are left out and reported.
    area_ids / asset_ids fix the row and column order (default: the sorted ids of the lookups).
    dense=False returns a scipy.sparse.csr_matrix holding only reachable pairs.
    """
    if area_ids is None:
        area_ids = sorted({i for v in area_lookup.values() for i in (v if isinstance(v, frozenset | set) else [v])})
    if asset_ids is None:
        asset_ids = sorted({i for v in asset_lookup.values() for i in (v if isinstance(v, frozenset | set) else [v])})
    row_of = {a: i for i, a in enumerate(area_ids)}
    col_of = {a: j for j, a in enumerate(asset_ids)}

    def positions(names, lookup, place):
        resolve = _resolver(lookup)
        out = np.full(len(names), -1, dtype=np.intp)
        unmatched, ambiguous = [], []
        for k, name in enumerate(names):
            hit = resolve(name)
            if isinstance(hit, frozenset):
                ambiguous.append(name)
            elif hit is None or hit not in place:
                unmatched.append(name)
            else:
                out[k] = place[hit]
        return out, Names.of(unmatched), Names.of(ambiguous)

    o_pos, o_unmatched, o_ambiguous = positions(table.origins, area_lookup, row_of)
    d_pos, d_unmatched, d_ambiguous = positions(table.destinations, asset_lookup, col_of)
    row, col = o_pos[table.origin], d_pos[table.destination]
    ok = (row >= 0) & (col >= 0)
    cell = np.flatnonzero(ok)
    row, col, minutes = row[ok], col[ok], table.minutes[ok]
    # Duplicates: sort by pair then time (NaN last), keep the first (shortest) of each pair.
    order = np.lexsort((np.nan_to_num(minutes, nan=np.inf), col, row))
    row, col, minutes, cell = row[order], col[order], minutes[order], cell[order]
    first = np.r_[True, (row[1:] != row[:-1]) | (col[1:] != col[:-1])] if len(row) else np.zeros(0, bool)
    dup_cells = np.sort(cell[~first])
    duplicates = Names.of(
        f"{table.origins[table.origin[k]]} -> {table.destinations[table.destination[k]]}" for k in dup_cells
    )
    row, col, minutes = row[first], col[first], minutes[first]
    shape = (len(area_ids), len(asset_ids))
    area_in = np.zeros(shape[0], bool)
    area_in[o_pos[o_pos >= 0]] = True
    asset_in = np.zeros(shape[1], bool)
    asset_in[d_pos[d_pos >= 0]] = True
    reachable = ~np.isnan(minutes)
    if dense:
        matrix = np.full(shape, np.nan)
        matrix[row, col] = minutes
    else:
        r, c, v = row[reachable], col[reachable], minutes[reachable]
        indptr = np.r_[0, np.cumsum(np.bincount(r, minlength=shape[0]))]  # rows sorted: CSR order, zeros kept
        matrix = sparse.csr_matrix((v, c, indptr), shape=shape)
    report = MatrixReport(
        cells=len(table.minutes),
        used_cells=len(minutes),
        unreachable_cells=int((~reachable).sum()),
        unmatched_origins=o_unmatched,
        unmatched_destinations=d_unmatched,
        ambiguous_origins=o_ambiguous,
        ambiguous_destinations=d_ambiguous,
        duplicate_cells=duplicates,
    )
    return TravelTimes(list(area_ids), list(asset_ids), matrix, area_in, asset_in, report)

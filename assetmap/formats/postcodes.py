"""UK postcode centroids from the files people download, as `Postcode` records in WGS84.

* ONS Postcode Directory (ONSPD) and National Statistics Postcode Lookup (NSPL), CSV with a
  header. Up to 2024: pcd, pcd2, pcds, dointr, doterm, ..., oseast1m, osnrth1m, ..., lsoa11, ...,
  lat, long, ..., lsoa21. From 2025: pcd7, pcd8, pcds, dointr, doterm, usrtypind, east1m,
  north1m, gridind, oa21cd, ..., lsoa21cd, msoa21cd, ..., lat, long, ... A postcode with a
  `doterm` (date of termination) no longer exists and is skipped; one without a grid reference
  carries lat 99.999999 and is skipped too.
* OS Code-Point Open: CSV files with NO header row (one per postcode area, Data/CSV/*.csv in
  codepo_gb.zip), columns Postcode, Positional_quality_indicator, Eastings, Northings,
  Country_code, NHS_regional_HA_code, NHS_HA_code, Admin_county_code, Admin_district_code,
  Admin_ward_code; coordinates in British National Grid (EPSG:27700), reprojected here.
  Quality 90 means no coordinates.
* Trafford Data Lab postcode lists: postcode, ward_code, ..., lsoa_code, ..., lon, lat.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Collection, Iterator
from pathlib import Path

from pyproj import Transformer

from .place_records import PlaceData, PlaceFileError, Postcode, iter_rows, normalise_postcode

LSOA_COLUMNS = (("lsoa21cd", "LSOA21"), ("lsoa21", "LSOA21"), ("lsoa11cd", "LSOA11"), ("lsoa11", "LSOA11"))
NO_LOCATION_LAT = 99.999999  # ONSPD's latitude for a postcode without a grid reference
CODEPOINT_NO_COORDINATES = 90
BNG_TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)
BBox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


def is_onspd(header: list[str]) -> bool:
    """True for an ONSPD/NSPL header."""
    return {"pcds", "lat", "long"} <= set(header) and "doterm" in header


def is_data_lab(header: list[str]) -> bool:
    """True for a Trafford Data Lab postcode list."""
    return {"postcode", "lsoa_code", "lon", "lat"} <= set(header)


def is_codepoint_row(row: list[str]) -> bool:
    """True when a first row looks like Code-Point Open data (it has no header)."""
    cells = [c.strip() for c in row]
    return (
        len(cells) == 10
        and normalise_postcode(cells[0]) is not None
        and all(c.isdigit() for c in cells[1:4])
        and len(cells[4]) == 9
    )


def _outside(lon: float, lat: float, bbox: BBox | None) -> bool:
    return bbox is not None and not (bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3])


def _record(data: PlaceData, number: int, raw: str, lon: float, lat: float, area_id: str | None) -> None:
    postcode = normalise_postcode(raw)
    if postcode is None:
        data.errors.append((number, f"{raw!r} is not a UK postcode"))
        return
    data.postcodes.append(Postcode(postcode, postcode.split(" ")[0], round(lon, 6), round(lat, 6), area_id))


def read_postcodes(
    path: str | Path,
    *,
    ids: Collection[str] | None = None,
    bbox: BBox | None = None,
    include_terminated: bool = False,
) -> PlaceData:
    """Live postcodes of an ONSPD/NSPL, Code-Point Open or Trafford Data Lab file.

    `ids` keeps postcodes in those LSOAs (files that give the LSOA); `bbox` keeps those inside
    (min_lon, min_lat, max_lon, max_lat). Terminated postcodes are skipped and counted.
    """
    path = Path(path)
    if path.suffix.lower() == ".zip":
        return _read_codepoint_zip(path, bbox)
    header = [h.strip() for h in next(iter_rows(path), [])]
    if is_codepoint_row(header):
        data = PlaceData(kind="codepoint_open", source=path.name)
        _codepoint_rows(data, iter_rows(path), bbox)
        return data
    lower = [h.lower() for h in header]
    if is_onspd(lower):
        data = PlaceData(kind="onspd", source=path.name)
        pc, lat, lon = lower.index("pcds"), lower.index("lat"), lower.index("long")
        doterm = lower.index("doterm")
    elif is_data_lab(lower):
        data = PlaceData(kind="postcodes_data_lab", source=path.name, level="LSOA21")
        pc, lat, lon, doterm = lower.index("postcode"), lower.index("lat"), lower.index("lon"), None
    else:
        raise PlaceFileError(f"{path.name}: not an ONSPD/NSPL, Code-Point Open or Data Lab postcode file")
    lsoa = next(((lower.index(c), level) for c, level in LSOA_COLUMNS if c in lower), None)
    if data.kind == "postcodes_data_lab":
        lsoa = (lower.index("lsoa_code"), "LSOA21")
    if lsoa:
        data.level = lsoa[1]
    elif ids is not None:
        raise PlaceFileError(f"{path.name}: gives no LSOA, so it cannot be cut to a list of areas; use bbox")
    rows = iter_rows(path)
    next(rows, None)
    for number, row in enumerate(rows, start=2):
        if len(row) < len(header):
            if any(c.strip() for c in row):
                data.errors.append((number, "fewer cells than the header"))
            continue
        area_id = row[lsoa[0]].strip() or None if lsoa else None
        if ids is not None and area_id not in ids:
            continue
        if doterm is not None and row[doterm].strip() and not include_terminated:
            data.skipped["terminated postcodes"] += 1
            continue
        try:
            latitude, longitude = float(row[lat]), float(row[lon])
        except ValueError:
            if not row[lat].strip():
                data.skipped["postcodes without coordinates"] += 1
            else:
                data.errors.append((number, f"coordinates {row[lon]!r}, {row[lat]!r} are not numbers"))
            continue
        if latitude == NO_LOCATION_LAT:
            data.skipped["postcodes without coordinates"] += 1
            continue
        if _outside(longitude, latitude, bbox):
            continue
        _record(data, number, row[pc], longitude, latitude, area_id)
    return data


# Name columns some postcode lists carry (Trafford Data Lab: electoral ward, House of Commons
# Library MSOA name); ONSPD, NSPL and Code-Point Open give codes only.
NAME_COLUMNS = (("ward_name", "ward"), ("msoa_hcl_name", "neighbourhood"))


def read_place_names(
    path: str | Path, *, ids: Collection[str] | None = None
) -> list[tuple[str, str, float, float, int]]:
    """(name, kind, mean longitude, mean latitude, postcodes) of every ward or neighbourhood named in a
    postcode list that has name columns (none for ONSPD, NSPL or Code-Point Open)."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        return []
    header = [h.strip().lower() for h in next(iter_rows(path), [])]
    columns = [(header.index(c), kind) for c, kind in NAME_COLUMNS if c in header]
    if not columns or not {"lat", "lon"} <= set(header):
        return []
    lat, lon = header.index("lat"), header.index("lon")
    lsoa = header.index("lsoa_code") if "lsoa_code" in header else None
    sums: dict[tuple[str, str], list[float]] = {}
    rows = iter_rows(path)
    next(rows, None)
    for row in rows:
        if len(row) < len(header) or (ids is not None and lsoa is not None and row[lsoa].strip() not in ids):
            continue
        try:
            point = float(row[lon]), float(row[lat])
        except ValueError:
            continue
        for i, kind in columns:
            name = row[i].strip()
            if name:
                acc = sums.setdefault((name, kind), [0.0, 0.0, 0])
                acc[0], acc[1], acc[2] = acc[0] + point[0], acc[1] + point[1], acc[2] + 1
    named = {name.casefold() for name, _ in sums}
    towns: dict[tuple[str, str], list[float]] = {}
    for (name, _kind), acc in sums.items():
        town = town_of(name)
        if town and town.casefold() not in named:
            total = towns.setdefault((town, "town"), [0.0, 0.0, 0])
            total[0], total[1], total[2] = total[0] + acc[0], total[1] + acc[1], total[2] + acc[2]
    sums.update(towns)
    return [(name, kind, x / n, y / n, n) for (name, kind), (x, y, n) in sorted(sums.items())]


_POSITION = r"(?:Central|North|South|East|West|Centre|Town)"
_TOWN_RE = re.compile(rf"^(?:{_POSITION}\s+(?P<a>.+)|(?P<b>.+?)\s+{_POSITION})$")


def town_of(name: str) -> str | None:
    """The town a ward is named after ('Sale Central', 'West Timperley' -> 'Sale', 'Timperley'), or
    None: people search for the town, not the ward. The town's point is the mean of its wards' postcodes.

    >>> town_of("Ashton upon Mersey South"), town_of("Sale Moor"), town_of("West Timperley")
    ('Ashton upon Mersey', None, 'Timperley')
    """
    match = _TOWN_RE.match(name.strip())
    return (match.group("a") or match.group("b")).strip() if match else None


def _codepoint_rows(data: PlaceData, rows: Iterator[list[str]], bbox: BBox | None) -> None:
    batch: list[tuple[int, str, float, float]] = []

    def flush():
        if not batch:
            return
        lons, lats = BNG_TO_WGS84.transform([b[2] for b in batch], [b[3] for b in batch])
        for (number, raw, _, _), lon, lat in zip(batch, lons, lats, strict=True):
            if not _outside(lon, lat, bbox):
                _record(data, number, raw, lon, lat, None)
        batch.clear()

    for number, row in enumerate(rows, start=1):
        if not any(c.strip() for c in row):
            continue
        if len(row) < 4:
            data.errors.append((number, "fewer than 4 cells"))
            continue
        try:
            quality, easting, northing = int(row[1]), float(row[2]), float(row[3])
        except ValueError:
            data.errors.append((number, f"quality/eastings/northings {row[1:4]!r} are not numbers"))
            continue
        if quality >= CODEPOINT_NO_COORDINATES or (easting == 0 and northing == 0):
            data.skipped["postcodes without coordinates"] += 1
            continue
        batch.append((number, row[0], easting, northing))
        if len(batch) >= 50_000:
            flush()
    flush()


def _read_codepoint_zip(path: Path, bbox: BBox | None) -> PlaceData:
    data = PlaceData(kind="codepoint_open", source=path.name)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.namelist() if m.lower().endswith(".csv") and "/doc" not in m.lower()]
                for member in members:
                    target = Path(zf.extract(member, tmp))
                    first = next(iter_rows(target), [])
                    if is_codepoint_row(first):
                        _codepoint_rows(data, iter_rows(target), bbox)
                    target.unlink()
        except zipfile.BadZipFile:
            raise PlaceFileError(f"{path.name}: not a zip file") from None
    if not data.postcodes and not data.skipped:
        raise PlaceFileError(f"{path.name}: no Code-Point Open CSV files in the zip")
    return data

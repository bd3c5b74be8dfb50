"""Read the features of an OGC GeoPackage (.gpkg) with the standard library's sqlite3.

A GeoPackage is a SQLite database. `gpkg_contents` lists its tables (`data_type` 'features' for
vector layers), `gpkg_geometry_columns` names each layer's geometry column and spatial reference
id, and `gpkg_spatial_ref_sys` maps that id to an organisation's code (EPSG:27700 for ONS
boundaries in British National Grid) or a WKT definition. Each geometry cell is a blob: the
GeoPackage header (magic "GP", version, flags, srs id, an optional envelope) followed by
standard WKB, which shapely reads.

No coordinates are transformed here: features come back in the layer's own CRS, with it.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path

import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import mapping

from .place_records import PlaceFileError

# Envelope indicator (flags bits 1-3) -> envelope length in bytes: none, xy, xyz, xym, xyzm.
ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM gpkg_contents LIMIT 1")
    except sqlite3.DatabaseError as exc:
        raise PlaceFileError(f"{path.name}: not a GeoPackage ({exc})") from None
    return conn


def geometry_from_blob(blob: bytes | None) -> shapely.Geometry | None:
    """A shapely geometry from a GeoPackage geometry blob; None for a NULL or empty geometry.

    >>> wkb = shapely.to_wkb(shapely.Point(1, 2))
    >>> geometry_from_blob(b"GP\\x00\\x01" + (27700).to_bytes(4, "little") + wkb).wkt
    'POINT (1 2)'
    """
    if blob is None:
        return None
    blob = bytes(blob)
    if blob[:2] != b"GP" or len(blob) < 8:
        raise ValueError("not a GeoPackage geometry (no 'GP' header)")
    flags = blob[3]
    if flags & 0b0010_0000:
        raise ValueError("extended GeoPackage geometry types are not supported")
    envelope = (flags >> 1) & 0b111
    if envelope not in ENVELOPE_BYTES:
        raise ValueError(f"bad envelope indicator {envelope} in a GeoPackage geometry")
    if flags & 0b0001_0000:
        return None  # empty geometry flag
    return shapely.from_wkb(blob[8 + ENVELOPE_BYTES[envelope] :])


def srs_id_of(blob: bytes) -> int:
    """The spatial reference id written in a geometry blob's header."""
    order = "<" if blob[3] & 1 else ">"
    return struct.unpack(order + "i", bytes(blob[4:8]))[0]


def layers(path: str | Path) -> list[str]:
    """Names of the feature tables (vector layers) in a GeoPackage."""
    path = Path(path)
    conn = _connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
    finally:
        conn.close()


def _layer(conn: sqlite3.Connection, path: Path, table: str | None) -> str:
    names = [r[0] for r in conn.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
    if table is not None:
        if table not in names:
            raise PlaceFileError(f"{path.name}: no feature layer {table!r} (layers: {', '.join(names)})")
        return table
    if len(names) != 1:
        raise PlaceFileError(f"{path.name}: {len(names)} feature layers ({', '.join(names)}); say which one to read")
    return names[0]


def _crs(conn: sqlite3.Connection, srs_id: int) -> CRS | None:
    row = conn.execute(
        "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
        [srs_id],
    ).fetchone()
    if row is None or srs_id in (0, -1):
        return None  # 0 and -1 are the spec's "undefined geographic / cartesian" systems
    organisation, code, definition = row
    try:
        if organisation and organisation.upper() == "EPSG" and code:
            return CRS.from_epsg(int(code))
        return CRS.from_user_input(definition)
    except CRSError as exc:
        raise PlaceFileError(f"spatial reference {srs_id} ({organisation}:{code}) is not understood: {exc}") from None


def fields(path: str | Path, table: str | None = None) -> list[str]:
    """The attribute columns of a layer (without its geometry column)."""
    path = Path(path)
    conn = _connect(path)
    try:
        table = _layer(conn, path, table)
        geometry_column = conn.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", [table]
        ).fetchone()[0]
        return [r[1] for r in conn.execute(f"PRAGMA table_info({_quote(table)})") if r[1] != geometry_column]
    finally:
        conn.close()


def read_geopackage(
    path: str | Path, table: str | None = None, keep: Callable[[dict], bool] | None = None
) -> tuple[list[dict], CRS | None]:
    """GeoJSON-like features of one layer (in its own CRS) and that CRS.

    `keep(properties)` selects rows before their geometry is decoded, so a national file can be
    cut down to one place cheaply.
    """
    path = Path(path)
    conn = _connect(path)
    try:
        table = _layer(conn, path, table)
        column, srs_id = conn.execute(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?", [table]
        ).fetchone()
        crs = _crs(conn, srs_id)
        cursor = conn.execute(f"SELECT * FROM {_quote(table)}")
        names = [d[0] for d in cursor.description]
        features = []
        for number, row in enumerate(cursor, start=1):
            props = {k: v for k, v in zip(names, row, strict=True) if k != column}
            if keep is not None and not keep(props):
                continue
            try:
                geometry = geometry_from_blob(row[names.index(column)])
            except (ValueError, shapely.errors.GEOSException) as exc:
                raise PlaceFileError(f"{path.name}: feature {number} of {table}: {exc}") from None
            features.append(
                {"type": "Feature", "properties": props, "geometry": mapping(geometry) if geometry else None}
            )
        return features, crs
    finally:
        conn.close()

"""Population areas (dissemination areas, LSOAs, municipalities...), their indicators and sample points."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import numpy as np
from shapely.geometry import shape
from sqlite_utils import Database

from assetmap.store.db import transaction
from assetmap.store.schema import AREA_COLUMNS
from needs_assessment.geo import sample_points

AREA_COLUMNS_SET = frozenset(AREA_COLUMNS)
_KEY_RE = re.compile(r"^[a-z0-9_]+$")


def indicator_keys(db: Database) -> list[str]:
    """Area indicator columns, in the order they were declared."""
    return [r["key"] for r in db.query("SELECT key FROM indicators ORDER BY rowid")]


def list_indicators(db: Database) -> list[dict]:
    """Indicator metadata (label, unit, source, direction) in declaration order."""
    return list(db.query("SELECT * FROM indicators ORDER BY rowid"))


def indicator_present(db: Database, key: str, level: str) -> bool:
    """True when some area of the level has a value for the indicator."""
    if not _KEY_RE.match(key):
        return False
    return bool(db.execute(f'SELECT COUNT("{key}") FROM areas WHERE level = ?', [level]).fetchone()[0])


INDEX_METADATA = ("index_key", "role", "bands", "most_deprived", "scope")


def declare_indicators(db: Database, indicators: Iterable[dict]) -> None:
    """Register area indicator columns (adding the columns when new); an index's columns also carry
    their index metadata (store.indices)."""
    with transaction(db):
        existing_cols = {c.name for c in db["areas"].columns}
        for ind in indicators:
            key = ind["key"]
            if key in AREA_COLUMNS:
                raise ValueError(f"indicator key {key!r} clashes with a built-in area column")
            if key not in existing_cols:
                db["areas"].add_column(key, float)
                existing_cols.add(key)
            db["indicators"].upsert(
                {
                    "key": key,
                    "label": ind.get("label") or key,
                    "unit": ind.get("unit", ""),
                    "source": ind.get("source", ""),
                    "direction": ind.get("direction", ""),
                    "description": ind.get("description", ""),
                    **{k: ind[k] for k in INDEX_METADATA if k in ind},
                },
                pk="key",
            )


def upsert_areas(db: Database, rows: Iterable[dict]) -> int:
    """Insert or replace areas by id, with their population sample points; returns the row count."""
    rows = list(rows)
    with transaction(db):
        db["areas"].upsert_all(rows, pk="id")
        for row in rows:
            if "geometry" not in row:
                continue
            if not row["geometry"]:  # a place known only by its figures (no shape): no sample points
                db.execute("DELETE FROM area_samples WHERE area_id = ?", [row["id"]])
                continue
            db.execute("DELETE FROM area_samples WHERE area_id = ?", [row["id"]])
            points = sample_points(shape(json.loads(row["geometry"])))
            share = 1.0 / len(points)
            db["area_samples"].insert_all(
                {"area_id": row["id"], "seq": k, "longitude": lon, "latitude": lat, "share": share}
                for k, (lon, lat) in enumerate(points)
            )
    return len(rows)


def clear_areas(db: Database) -> int:
    """Forget every area, its sample points and the indicator metadata (before a place is rebuilt);
    returns how many areas there were. Indicator columns stay on the table, empty."""
    with transaction(db):
        count = db.execute("SELECT COUNT(*) FROM areas").fetchone()[0]
        db.execute("DELETE FROM area_samples")
        db.execute("DELETE FROM areas")
        db.execute("DELETE FROM indicators")
    return count


def update_area_values(db: Database, values_by_id: dict[str, dict]) -> int:
    """Set columns of existing areas (indicator values, population...); returns how many areas changed."""
    with transaction(db):
        for area_id, values in values_by_id.items():
            db["areas"].update(area_id, values)
    return len(values_by_id)


def list_areas(db: Database, level: str | None = None) -> list[dict]:
    """Areas (optionally of one level) ordered by id."""
    if level:
        return list(db.query("SELECT * FROM areas WHERE level = ? ORDER BY id", [level]))
    return list(db.query("SELECT * FROM areas ORDER BY level, id"))


def area_ids(db: Database) -> set[str]:
    """Ids of every stored area."""
    return {r[0] for r in db.execute("SELECT id FROM areas")}


def area_levels(db: Database) -> list[str]:
    """Distinct area levels present."""
    return [r["level"] for r in db.query("SELECT DISTINCT level FROM areas ORDER BY level")]


def level_counts(db: Database) -> dict[str, int]:
    """Number of areas per level."""
    return {r["level"]: r["n"] for r in db.query("SELECT level, COUNT(*) AS n FROM areas GROUP BY level")}


def default_level(db: Database) -> str | None:
    """The finest area level present (the most areas), or None without areas."""
    counts = level_counts(db)
    return max(sorted(counts), key=counts.get) if counts else None


def other_level_areas(db: Database, level: str) -> list[dict]:
    """Areas of every level but this one (municipalities when level is the finest)."""
    return list(db.query("SELECT * FROM areas WHERE level != ? ORDER BY id", [level]))


SAMPLE_ARRAY = np.dtype(
    [("area", np.int64), ("longitude", np.float64), ("latitude", np.float64), ("share", np.float64)]
)


def area_samples(db: Database, level: str) -> np.ndarray:
    """The located sample points of a level's areas, by area (rowid) and seq, as one array
    (SAMPLE_ARRAY; `area` is the area's rowid: see area_rowids). Read straight into the array, a row
    at a time, in the order the level's index gives (no sort): a province's millions of samples never
    become Python lists."""
    cursor = db.execute(
        "SELECT a.rowid, s.longitude, s.latitude, IFNULL(s.share, 0) FROM area_samples s "
        "JOIN areas a ON a.id = s.area_id "
        "WHERE a.level = ? AND s.longitude IS NOT NULL AND s.latitude IS NOT NULL ORDER BY a.rowid, s.seq",
        [level],
    )
    return np.fromiter(cursor, dtype=SAMPLE_ARRAY)


def area_rowids(db: Database, level: str) -> np.ndarray:
    """The rowids of a level's areas, in list_areas order (by id)."""
    return np.fromiter(
        (r[0] for r in db.execute("SELECT rowid FROM areas WHERE level = ? ORDER BY id", [level])), np.int64
    )


def area_geometries(db: Database, ids: list[str]) -> dict[str, str]:
    """GeoJSON geometry text of the given areas, by id."""
    out: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        out.update({r[0]: r[1] for r in db.execute(f"SELECT id, geometry FROM areas WHERE id IN ({marks})", chunk)})
    return out


def geometry_notes(db: Database, level: str, limit: int = 3) -> list[str]:
    """Distinct notes on how the level's shapes were made (e.g. 'approximate')."""
    return [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT geometry_note FROM areas WHERE level = ? AND geometry_note != '' LIMIT ?", [level, limit]
        )
    ]


def areas_by_ids(db: Database, ids: list[str]) -> list[dict]:
    """Full rows of the given areas, in id order."""
    out: list[dict] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        out += list(db.query(f"SELECT * FROM areas WHERE id IN ({marks}) ORDER BY id", chunk))
    return sorted(out, key=lambda r: r["id"])

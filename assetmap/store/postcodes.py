"""A place's own postcodes and place names, for its geocoder and finder.

Loaded by `new-place` from the postcode file a coalition downloads (ONS Postcode Directory, NSPL,
Code-Point Open) and from the names of its areas: a British place geocodes "M15 4AB", "M15" and
"Altrincham" from here, never from another country's table.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database, Migrations

from assetmap.store.db import transaction

migrations = Migrations("postcodes")


@migrations()
def m001_postcodes(db: Database) -> None:
    # postcode in its usual form ("M15 4AB"); outward = the part before the space ("M15").
    db["postcodes"].create(
        {"postcode": str, "outward": str, "longitude": float, "latitude": float, "area_id": str},
        pk="postcode",
        not_null={"outward", "longitude", "latitude"},
    )
    db["postcodes"].create_index(["outward"])
    # key = the name folded (lowercase, no accents or punctuation), for matching what people type.
    db["place_names"].create(
        {"key": str, "name": str, "longitude": float, "latitude": float, "kind": str, "source": str},
        pk="key",
        not_null={"name", "longitude", "latitude"},
    )


def replace_postcodes(db: Database, rows: Iterable[dict]) -> int:
    """Replace every stored postcode with these rows (postcode, outward, longitude, latitude, area_id)."""
    rows = list(rows)
    with transaction(db):
        db.execute("DELETE FROM postcodes")
        db["postcodes"].insert_all(rows, batch_size=5000, replace=True)
    return len(rows)


def replace_place_names(db: Database, rows: Iterable[dict]) -> int:
    """Replace every stored place name with these rows (key, name, longitude, latitude, kind, source)."""
    rows = list(rows)
    with transaction(db):
        db.execute("DELETE FROM place_names")
        db["place_names"].insert_all(rows, replace=True)
    return len(rows)


def find_postcode(db: Database, postcode: str) -> dict | None:
    """The stored postcode row, or None."""
    rows = list(db.query("SELECT * FROM postcodes WHERE postcode = ?", [postcode]))
    return rows[0] if rows else None


def outward_centre(db: Database, outward: str) -> dict | None:
    """Mean point and count of an outward code's postcodes ("M15"), or None when none is stored."""
    row = db.execute(
        "SELECT AVG(longitude), AVG(latitude), COUNT(*) FROM postcodes WHERE outward = ?", [outward]
    ).fetchone()
    if not row or not row[2]:
        return None
    return {"outward": outward, "longitude": row[0], "latitude": row[1], "postcodes": row[2]}


def count_postcodes(db: Database) -> int:
    """How many postcodes are stored."""
    return db.execute("SELECT COUNT(*) FROM postcodes").fetchone()[0]


def postcode_near(db: Database, lon: float, lat: float) -> str | None:
    """The stored postcode nearest a point (squared degrees: only to pick an example to show)."""
    row = db.execute(
        "SELECT postcode FROM postcodes ORDER BY (longitude - ?) * (longitude - ?) * 0.4 + (latitude - ?) * (latitude - ?)"
        " LIMIT 1",
        [lon, lon, lat, lat],
    ).fetchone()
    return row[0] if row else None


def all_postcodes(db: Database) -> list[tuple[str, float, float]]:
    """(postcode, longitude, latitude) of every stored postcode."""
    return db.execute("SELECT postcode, longitude, latitude FROM postcodes").fetchall()


def list_place_names(db: Database) -> list[dict]:
    """Every stored place name."""
    return list(db.query("SELECT * FROM place_names ORDER BY key"))

"""Access points of assets: the gates of a park, the entrances of a large site.

Reach measures a person's distance to an asset's nearest access point when it has any (a park
is entered at its gates, not at its middle), else to its point. Only assets the public view
gives a point are ever measured (services.reach), so a confidential site's access points are
never used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlite_utils import Database, Migrations

from assetmap.store.db import transaction

migrations = Migrations("access_points")


@migrations()
def m001_access_points(db: Database) -> None:
    db["asset_access_points"].create(
        {"asset_id": int, "seq": int, "longitude": float, "latitude": float, "kind": str, "source": str},
        pk=("asset_id", "seq"),
        not_null={"longitude", "latitude"},
    )
    # Reach results are cached per data version: a changed entrance must make them stale.
    for op, event in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE")):
        db.execute(
            f"""CREATE TRIGGER asset_access_points_version_{op} AFTER {event} ON asset_access_points
            BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'; END;"""
        )


def set_access_points(db: Database, points_by_asset: Mapping[int, Iterable[dict]]) -> int:
    """Replace the access points of the given assets (each point: longitude, latitude, kind, source);
    returns how many points were stored."""
    written = 0
    with transaction(db):
        for asset_id, points in points_by_asset.items():
            db.execute("DELETE FROM asset_access_points WHERE asset_id = ?", [asset_id])
            rows = [
                {
                    "asset_id": asset_id,
                    "seq": seq,
                    "longitude": p["longitude"],
                    "latitude": p["latitude"],
                    "kind": p.get("kind", ""),
                    "source": p.get("source", ""),
                }
                for seq, p in enumerate(points)
            ]
            db["asset_access_points"].insert_all(rows)
            written += len(rows)
    return written


def access_points(db: Database, asset_ids: Iterable[int]) -> dict[int, list[tuple[float, float]]]:
    """(longitude, latitude) of the access points of the given assets, by asset id (assets without
    any are left out)."""
    ids = list(asset_ids)
    out: dict[int, list[tuple[float, float]]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for asset_id, lon, lat in db.execute(
            f"SELECT asset_id, longitude, latitude FROM asset_access_points WHERE asset_id IN ({marks}) "
            "ORDER BY asset_id, seq",
            chunk,
        ):
            out.setdefault(asset_id, []).append((lon, lat))
    return out


def count_access_points(db: Database) -> int:
    """How many access points are stored."""
    return db.execute("SELECT COUNT(*) FROM asset_access_points").fetchone()[0]

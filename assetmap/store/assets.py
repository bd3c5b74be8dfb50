"""Reading assets: public lists (through the `public_assets` view), editors' lists, matching."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher

from geopy.distance import geodesic
from sqlite_utils import Database

from assetmap.errors import NotFound
from assetmap.formats import geojson
from assetmap.privacy import PUBLIC_POINT_SQL

# Roughly 100 m in degrees at mid latitudes; used only to match re-imported rows.
_SAME_PLACE_DEG_LAT = 0.0009
_SAME_PLACE_DEG_LON = 0.0013
ORDER_BY = "ORDER BY name COLLATE NOCASE, id"
EDITOR_LIST_LIMIT = 500


def fts_query(text: str) -> str | None:
    """Turn free text into a safe FTS5 query: every word must match, as a prefix."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words[:20])


def public_filter(
    *,
    bbox: Sequence[float] | None = None,
    categories: Sequence[str] | None = None,
    q: str | None = None,
    mapped: bool | None = None,
) -> tuple[str, list] | None:
    """WHERE clause and parameters over the public_assets view; None when q can match nothing.

    bbox is (minlon, minlat, maxlon, maxlat); only assets with a public point match one.
    mapped=True keeps assets with a public point, False those without.
    """
    where = ["1 = 1"]
    params: list = []
    if bbox is not None:
        minlon, minlat, maxlon, maxlat = bbox
        # R*Tree holds float32 boxes: use it to narrow, then filter on the exact columns.
        where.append(
            "id IN (SELECT id FROM assets_rtree WHERE max_lon >= ? AND min_lon <= ? AND max_lat >= ? AND min_lat <= ?)"
        )
        params += [minlon - 1e-4, maxlon + 1e-4, minlat - 1e-4, maxlat + 1e-4]
        where.append("longitude BETWEEN ? AND ? AND latitude BETWEEN ? AND ?")
        params += [minlon, maxlon, minlat, maxlat]
    if categories:
        where.append(f"category IN ({', '.join('?' for _ in categories)})")
        params += list(categories)
    if q:
        match = fts_query(q)
        if match is None:
            return None
        where.append("id IN (SELECT rowid FROM assets_fts WHERE assets_fts MATCH ?)")
        params.append(match)
    if mapped is not None:
        where.append(f"{'' if mapped else 'NOT '}({PUBLIC_POINT_SQL})")
    return " AND ".join(where), params


def public_rows(db: Database, **filters) -> list[dict]:
    """Active assets as they may leave the app (every public column), filtered like the map."""
    found = public_filter(**filters)
    if found is None:
        return []
    where, params = found
    return list(db.query(f"SELECT * FROM public_assets WHERE {where} {ORDER_BY}", params))


def public_feature_collection(db: Database, **filters) -> bytes:
    """The map's GeoJSON FeatureCollection, serialised by SQLite's JSON functions (about 5x faster
    than Python at 100k assets; a test holds it equal to geojson.asset_feature())."""
    return b"".join(public_features(db, **filters))


def public_features(db: Database, chunk: int = 1000, **filters) -> Iterator[bytes]:
    """public_feature_collection() in pieces of `chunk` features, read from one cursor as they are
    sent: memory stays the same whatever the number of assets."""
    found = public_filter(**filters)
    yield b'{"type":"FeatureCollection","features":['
    if found is not None:
        where, params = found
        cursor = db.execute(f"SELECT {geojson.LIST_FEATURE_SQL} FROM public_assets WHERE {where} {ORDER_BY}", params)
        separator = ""
        while rows := cursor.fetchmany(chunk):
            yield (separator + ",".join(row[0] for row in rows)).encode("utf-8")
            separator = ","
    yield b"]}"


def get_public_asset(db: Database, asset_id: int) -> dict:
    """One active asset as it may leave the app; raises NotFound."""
    rows = list(db.query("SELECT * FROM public_assets WHERE id = ?", [asset_id]))
    if not rows:
        raise NotFound(f"no asset with id {asset_id}")
    return rows[0]


def get_asset(db: Database, asset_id: int) -> dict:
    """One asset by id (any status, every field: for editors); raises NotFound."""
    rows = list(db.query("SELECT * FROM assets WHERE id = ?", [asset_id]))
    if not rows:
        raise NotFound(f"no asset with id {asset_id}")
    return rows[0]


def asset_exists(db: Database, asset_id: int) -> bool:
    """True when an asset row (any status) has this id."""
    return db.execute("SELECT 1 FROM assets WHERE id = ?", [asset_id]).fetchone() is not None


def id_for_external_id(db: Database, external_id: str | None) -> int | None:
    """The id of the asset holding this external id, if any."""
    if not external_id:
        return None
    row = db.execute("SELECT id FROM assets WHERE external_id = ?", [external_id]).fetchone()
    return row[0] if row else None


def find_matching_asset(db: Database, record: dict) -> dict | None:
    """The stored asset a new record duplicates: same external id, else same name at the same place.

    A record without any location that names a confidential site is that site: public exports
    never carry where it is.
    """
    if record.get("external_id"):
        rows = list(db.query("SELECT * FROM assets WHERE external_id = ?", [record["external_id"]]))
        if rows:
            return rows[0]
    name = (record.get("name") or "").strip().lower()
    if not name:
        return None
    lat, lon = record.get("latitude"), record.get("longitude")
    candidates = []
    if lat is not None and lon is not None:
        candidates.append(
            (
                "latitude IS NOT NULL AND ABS(latitude - ?) <= ? AND ABS(longitude - ?) <= ?",
                [lat, _SAME_PLACE_DEG_LAT, lon, _SAME_PLACE_DEG_LON],
            )
        )
    if record.get("postal_code"):
        candidates.append(("postal_code = ?", [record["postal_code"]]))
    if lat is None and not record.get("postal_code"):
        candidates.append(("latitude IS NULL AND COALESCE(postal_code, '') = ''", []))
        if not record.get("address") and not record.get("community"):
            candidates.append(("confidential = 1 AND category = ?", [record.get("category")]))
    for where, params in candidates:
        rows = db.query(
            f"SELECT * FROM assets WHERE lower(trim(name)) = ? AND {where} ORDER BY id LIMIT 10", [name, *params]
        )
        for row in rows:
            if not _other_id_of_same_source(record.get("external_id"), row.get("external_id")):
                return row
    return None


def _other_id_of_same_source(a: str | None, b: str | None) -> bool:
    """True for two different ids from one source ("trafford:greenspace:1" and "trafford:greenspace:2"):
    the source says they are two places, even with one name at one spot (two play spaces in a park).

    >>> _other_id_of_same_source("t:park:1", "t:park:2"), _other_id_of_same_source("osm:node/1", "odcaf:9")
    (True, False)
    """
    if not a or not b or a == b or ":" not in a or ":" not in b:
        return False
    return a.rsplit(":", 1)[0] == b.rsplit(":", 1)[0]


def _name_key(name: str) -> str:
    return " ".join(re.findall(r"\w+", (name or "").lower()))


def names_similar(a: str, b: str, threshold: float = 0.75) -> bool:
    """True when two names are alike enough to be the same place (case, punctuation ignored)."""
    ka, kb = _name_key(a), _name_key(b)
    if not ka or not kb:
        return False
    if ka in kb or kb in ka:
        return True
    return SequenceMatcher(None, ka, kb).ratio() >= threshold


def possible_duplicates(
    db: Database, values: dict, exclude_id: int | None = None, radius_m: float = 100.0
) -> list[dict]:
    """Active assets with a similar name within radius_m of the point, or with the same postal code."""
    candidates: dict[int, dict] = {}
    lat, lon = values.get("latitude"), values.get("longitude")
    if lat is not None and lon is not None:
        dlat, dlon = radius_m / 111_000 * 1.5, radius_m / (111_000 * max(math.cos(math.radians(lat)), 0.01)) * 1.5
        for row in db.query(
            "SELECT * FROM assets WHERE status = 'active' AND id IN (SELECT id FROM assets_rtree "
            "WHERE max_lon >= ? AND min_lon <= ? AND max_lat >= ? AND min_lat <= ?)",
            [lon - dlon, lon + dlon, lat - dlat, lat + dlat],
        ):
            if geodesic((lat, lon), (row["latitude"], row["longitude"])).meters <= radius_m:
                candidates[row["id"]] = row
    if values.get("postal_code"):
        for row in db.query(
            "SELECT * FROM assets WHERE status = 'active' AND postal_code = ?", [values["postal_code"]]
        ):
            candidates[row["id"]] = row
    return [
        row
        for row_id, row in sorted(candidates.items())
        if row_id != exclude_id and names_similar(row["name"], values.get("name", ""))
    ]


def editor_list(db: Database, *, q: str | None, category: str | None, status: str) -> list[dict]:
    """The editors' inventory: every status, searchable by text, first EDITOR_LIST_LIMIT by name."""
    where, params = ["1 = 1"], []
    if status != "all":
        where.append("status = ?")
        params.append(status)
    if category:
        where.append("category = ?")
        params.append(category)
    if q:
        # The text index holds public values only, so a confidential site's town is not in it: editors
        # (who may see it) also find those sites by community, municipality or address.
        match = fts_query(q)
        text = "id IN (SELECT rowid FROM assets_fts WHERE assets_fts MATCH ?)" if match else "0"
        words = [f"%{w}%" for w in q.split()][:8]
        located = " AND ".join("(community LIKE ? OR municipality LIKE ? OR address LIKE ?)" for _ in words)
        where.append(f"({text} OR (confidential = 1 AND {located or '0'}))")
        params += ([match] if match else []) + [w for w in words for _ in range(3)]
    return list(
        db.query(
            "SELECT id, name, category, community, location_precision, confidential, status, verified_date, "
            f"updated_at FROM assets WHERE {' AND '.join(where)} ORDER BY name COLLATE NOCASE LIMIT {EDITOR_LIST_LIMIT}",
            params,
        )
    )


def stale_assets(db: Database, cutoff: str) -> list[dict]:
    """Active assets not verified since cutoff (an ISO date), or never."""
    return list(
        db.query(
            "SELECT id, name, category, community, verified_date, verified_by, source_url FROM assets "
            "WHERE status = 'active' AND (verified_date IS NULL OR verified_date = '' OR verified_date < ?) "
            "ORDER BY COALESCE(verified_date, ''), name COLLATE NOCASE",
            [cutoff],
        )
    )


def count_active(db: Database) -> int:
    """Number of active assets."""
    return db.execute("SELECT COUNT(*) FROM assets WHERE status = 'active'").fetchone()[0]


def point_extent(db: Database) -> tuple[float, float, float, float] | None:
    """(minlon, minlat, maxlon, maxlat) of every stored point (the R*Tree's extent), or None."""
    row = db.execute("SELECT MIN(min_lon), MIN(min_lat), MAX(max_lon), MAX(max_lat) FROM assets_rtree").fetchone()
    return None if row[0] is None else tuple(float(v) for v in row)


def extra_of(row: dict) -> dict:
    """The extra attributes of an asset row, decoded."""
    return json.loads(row["extra"]) if row.get("extra") else {}


def public_sources(db: Database) -> list[dict]:
    """Every active asset's source as the public may see it, with its category's labels, by category."""
    return list(
        db.query(
            """SELECT a.id, a.name, a.source, a.source_url, a.location_precision, a.confidential,
            c.label AS category_label, c.label_fr AS category_label_fr
            FROM public_assets a JOIN categories c ON c.slug = a.category
            ORDER BY c.sort_order, a.name COLLATE NOCASE"""
        )
    )


def public_rows_by_id(db: Database) -> list[dict]:
    """Every active asset as the public may see it, in id order."""
    return list(db.query("SELECT * FROM public_assets ORDER BY id"))


def public_rows_for_ids(db: Database, ids: Sequence[int]) -> dict[int, dict]:
    """Public rows of the given active assets, by id."""
    out: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        marks = ", ".join("?" for _ in part)
        cursor = db.execute(f"SELECT * FROM public_assets WHERE id IN ({marks})", part)  # a read: no savepoint
        keys = [d[0] for d in cursor.description]
        for row in cursor:
            record = dict(zip(keys, row, strict=True))
            out[record["id"]] = record
    return out


def public_points(db: Database, where: str, params: list) -> list[dict]:
    """id, latitude, longitude of public rows matching a public_filter() clause."""
    return list(db.query(f"SELECT id, latitude, longitude FROM public_assets WHERE {where}", params))

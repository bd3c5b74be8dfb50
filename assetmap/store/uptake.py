"""Realised uptake: population by age band, counts of service use per area and period, and the
finder's aggregate of searches (unmet demand). Every write is one transaction; an import replaces
what it covers, so nothing is ever half-saved."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlite_utils import Database, Migrations

from assetmap.errors import NotFound
from assetmap.store.db import get_meta, set_meta, transaction

migrations = Migrations("uptake")

POPULATION_META = "population_bands"  # meta key: JSON {source, imported_at, imported_by, bands}


@migrations()
def m001_uptake(db: Database) -> None:
    # People per area and age band (free labels such as 0-4, 65-69, 90+); seq keeps the file's order.
    db["population_bands"].create(
        {"area_id": str, "age_band": str, "seq": int, "population": float},
        pk=("area_id", "age_band"),
    )
    # One loaded data set per service and period ('' when none was given): what the importer recorded.
    db["service_uses"].create(
        {
            "id": int,
            "service": str,
            "period": str,
            "unit": str,  # people or visits
            "by_band": int,  # 1 when the counts are given per age band
            "reference_label": str,  # '' for the internal standard (all loaded areas)
            "reference": str,  # JSON [[age_band, count, population], ...] or NULL
            "source": str,  # as the importer recorded it (the file name unless a label was given)
            "allocated_from": str,  # area_id or postal_code
            "unallocated": float,  # counts that could not be placed in any area
            "notes": str,  # JSON list of the import's warnings
            "imported_at": str,
            "imported_by": str,
        },
        pk="id",
        not_null={"service", "period", "unit"},
    )
    db["service_uses"].create_index(["service", "period"], unique=True)
    db["service_use_counts"].create(
        {"use_id": int, "area_id": str, "age_band": str, "count": float},  # age_band '' = all ages
        pk=("use_id", "area_id", "age_band"),
        foreign_keys=[("use_id", "service_uses", "id")],
    )


@migrations()
def m002_finder_demand(db: Database) -> None:
    # The finder's searches, aggregated: no point, no text, no address (see services/demand.py).
    db["finder_demand"].create(
        {"day": str, "categories": str, "area_id": str, "fsa": str, "nearby": int, "searches": int},
        pk=("day", "categories", "area_id", "fsa", "nearby"),
    )


def _bump_version(db: Database) -> None:
    """Make cached analyses stale (see store.db.data_version)."""
    db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'")


# --- population by age band -------------------------------------------------------------------


def replace_population_bands(db: Database, rows: Iterable[tuple[str, str, float]], info: dict) -> int:
    """Replace every stored band population with rows (area_id, age_band, population); returns the row count.

    info (source, imported_at, imported_by, bands in order) is kept beside them."""
    order = {band: k for k, band in enumerate(info["bands"])}
    records = [{"area_id": a, "age_band": b, "seq": order[b], "population": p} for a, b, p in rows]
    with transaction(db):
        db.execute("DELETE FROM population_bands")
        db["population_bands"].insert_all(records)
        set_meta(db, POPULATION_META, json.dumps(info, sort_keys=True))
        _bump_version(db)
    return len(records)


def population_bands(db: Database) -> tuple[list[str], dict[str, dict[str, float]]]:
    """(age bands in order, {area_id: {age_band: people}}); ([], {}) when none are loaded."""
    bands = [r[0] for r in db.execute("SELECT age_band FROM population_bands GROUP BY age_band ORDER BY MIN(seq)")]
    out: dict[str, dict[str, float]] = {}
    for area_id, band, people in db.execute("SELECT area_id, age_band, population FROM population_bands"):
        out.setdefault(area_id, {})[band] = people
    return bands, out


def population_bands_info(db: Database) -> dict | None:
    """What the last population-band import recorded (source, date, bands), or None."""
    raw = get_meta(db, POPULATION_META)
    return json.loads(raw) if raw else None


# --- service use --------------------------------------------------------------------------------


def _use(row: dict) -> dict:
    row = dict(row)
    row["reference"] = json.loads(row["reference"]) if row.get("reference") else None
    row["notes"] = json.loads(row["notes"]) if row.get("notes") else []
    row["by_band"] = bool(row["by_band"])
    return row


def replace_service_use(db: Database, record: dict, counts: Iterable[tuple[str, str, float]]) -> int:
    """Store one service and period with its counts (area_id, age_band or '', count), replacing any
    earlier import of the same service and period; returns its id."""
    record = dict(record)
    record["reference"] = None if record.get("reference") is None else json.dumps(record["reference"])
    record["notes"] = json.dumps(record.get("notes") or [])
    with transaction(db):
        old = db.execute(
            "SELECT id FROM service_uses WHERE service = ? AND period = ?", [record["service"], record["period"]]
        ).fetchone()
        if old:
            db.execute("DELETE FROM service_use_counts WHERE use_id = ?", [old[0]])
            db.execute("DELETE FROM service_uses WHERE id = ?", [old[0]])
        use_id = db["service_uses"].insert(record).last_pk
        db["service_use_counts"].insert_all(
            {"use_id": use_id, "area_id": a, "age_band": b, "count": c} for a, b, c in counts
        )
        _bump_version(db)
    return use_id


def list_service_uses(db: Database) -> list[dict]:
    """Every loaded service and period, by service then period, with its import facts and total count."""
    rows = db.query(
        "SELECT u.*, (SELECT COALESCE(SUM(count), 0) FROM service_use_counts c WHERE c.use_id = u.id) AS total "
        "FROM service_uses u ORDER BY u.service, u.period"
    )
    return [_use(r) for r in rows]


def get_service_use(db: Database, service: str, period: str) -> dict:
    """One loaded service and period; NotFound when there is none."""
    rows = list(db.query("SELECT * FROM service_uses WHERE service = ? AND period = ?", [service, period]))
    if not rows:
        raise NotFound(f"no counts for {service!r} in period {period!r}")
    return _use(rows[0])


def service_use_counts(db: Database, use_id: int) -> list[tuple[str, str, float]]:
    """(area_id, age_band or '', count) of one loaded service and period."""
    return [
        tuple(r)
        for r in db.execute("SELECT area_id, age_band, count FROM service_use_counts WHERE use_id = ?", [use_id])
    ]


# --- the finder's searches (unmet demand) ---------------------------------------------------------


def record_search(db: Database, day: str, categories: str, area_id: str, fsa: str, nearby: bool) -> None:
    """Count one search in its aggregate row (nothing else about it is kept)."""
    with transaction(db):
        db.execute(
            "INSERT INTO finder_demand (day, categories, area_id, fsa, nearby, searches) VALUES (?, ?, ?, ?, ?, 1) "
            "ON CONFLICT (day, categories, area_id, fsa, nearby) DO UPDATE SET searches = searches + 1",
            [day, categories, area_id, fsa, 1 if nearby else 0],
        )


def demand_rows(db: Database, since: str | None = None, until: str | None = None) -> list[dict]:
    """Aggregate rows (day, categories, area_id, fsa, nearby, searches) between two ISO dates, inclusive."""
    where, params = [], []
    if since:
        where.append("day >= ?")
        params.append(since)
    if until:
        where.append("day <= ?")
        params.append(until)
    sql = "SELECT * FROM finder_demand" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY day"
    return list(db.query(sql, params))

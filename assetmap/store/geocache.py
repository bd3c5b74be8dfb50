"""The online geocoder's cache and its shared clock (one request a second across every process)."""

from __future__ import annotations

import json
import time

from sqlite_utils import Database

from assetmap.store.db import transaction


def cached_answer(db: Database, key: str) -> tuple[bool, dict | None]:
    """(found in cache?, the cached answer: a dict, or None for 'nothing found')."""
    row = db.execute("SELECT result FROM geocode_cache WHERE query = ?", [key]).fetchone()
    return (True, json.loads(row[0])) if row else (False, None)


def remember_answer(db: Database, key: str, answer: dict | None) -> None:
    """Cache an online answer (None: the service found nothing)."""
    with transaction(db):
        db["geocode_cache"].upsert(
            {"query": key, "result": json.dumps(answer), "at": time.strftime("%Y-%m-%dT%H:%M:%S")}, pk="query"
        )


def claim_slot(db: Database, min_delay_s: float) -> float:
    """Reserve the next moment a request may go out (at least min_delay_s after the last); returns it."""
    with transaction(db):
        db.execute("INSERT OR IGNORE INTO geocode_clock (id, last) VALUES (1, 0)")
        last = db.execute("SELECT last FROM geocode_clock WHERE id = 1").fetchone()[0]
        slot = max(time.time(), last + min_delay_s)
        db.execute("UPDATE geocode_clock SET last = ? WHERE id = 1", [slot])
    return slot

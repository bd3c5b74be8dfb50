"""Column mappings remembered per source: the next file from the same source maps itself.

A mapping is saved under the source label an editor gives an import ("Coalition survey 2026"),
with the file's headers. The next import names the source, or brings a file with the same headers,
and gets the same choices back (only for the columns the new file has).
"""

from __future__ import annotations

import json

from sqlite_utils import Database, Migrations

from assetmap.store.db import now_iso, transaction

migrations = Migrations("import_mappings")


@migrations()
def m001_import_mappings(db: Database) -> None:
    db["import_mappings"].create(
        {"key": str, "source": str, "headers": str, "mapping": str, "updated_at": str, "updated_by": str}, pk="key"
    )


def _key(source: str) -> str:
    return " ".join(source.split()).casefold()


def remember_mapping(db: Database, source: str, headers: list[str], mapping: dict[str, str], actor: str) -> None:
    """Keep this source's mapping (field -> column) for its next import."""
    if not source.strip():
        return
    with transaction(db):
        db["import_mappings"].upsert(
            {
                "key": _key(source),
                "source": source.strip(),
                "headers": json.dumps(list(headers)),
                "mapping": json.dumps(mapping),
                "updated_at": now_iso(),
                "updated_by": actor,
            },
            pk="key",
        )


def _usable(row, headers: list[str]) -> dict:
    present = set(headers)
    return {field: column for field, column in json.loads(row["mapping"]).items() if column in present}


def remembered_mapping(db: Database, headers: list[str], source: str | None = None) -> dict | None:
    """{source, mapping, updated_at, updated_by} remembered for this source, else for a file with the
    same headers (most recent first); None when nothing is remembered. Columns the file lacks are dropped."""
    if "import_mappings" not in db.table_names():
        return None
    rows = []
    if source and source.strip():
        rows = db.execute_returning_dicts("SELECT * FROM import_mappings WHERE key = ?", [_key(source)])
    if not rows:
        same = sorted(headers)
        rows = [
            r
            for r in db.execute_returning_dicts("SELECT * FROM import_mappings ORDER BY updated_at DESC")
            if sorted(json.loads(r["headers"])) == same
        ][:1]
    if not rows:
        return None
    row = rows[0]
    return {
        "source": row["source"],
        "mapping": _usable(row, headers),
        "updated_at": row["updated_at"],
        "updated_by": row["updated_by"],
    }


def mapping_sources(db: Database) -> list[str]:
    """The sources a mapping is remembered for, most recent first."""
    if "import_mappings" not in db.table_names():
        return []
    return [r[0] for r in db.execute("SELECT source FROM import_mappings ORDER BY updated_at DESC LIMIT 50")]

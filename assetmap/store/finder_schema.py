"""The resident finder's migrations: structured service attributes and the indexes its search uses.

A separate sqlite-utils migration set ("finder"), listed in app.migrations.migration_sets().
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from assetmap.vocab import supports

migrations = Migrations("finder")


@migrations()
def m001_structured_attributes(db: Database) -> None:
    for column, kind in supports.FINDER_COLUMNS.items():
        db["assets"].add_column(column, kind)
    # Confidential and unlocated matches are looked up apart from the R*Tree.
    db["assets"].create_index(["status", "confidential"], if_not_exists=True)
    # Rows stored before this migration: derive what their free text says unambiguously.
    for row in list(db.query("SELECT id, hours_text, opening_hours, languages, cost FROM assets")):
        derived = supports.clean_fields(
            {"hours_text": row["hours_text"] or "", "languages": row["languages"] or "", "cost": row["cost"] or ""}
        )
        changes = {k: v for k, v in derived.items() if v and not row.get(k)}
        if changes:
            db["assets"].update(row["id"], changes)

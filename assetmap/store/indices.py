"""Deprivation indices of areas: which indicator columns are an index's score, rank, bands or flag.

An area carries zero or more indices (the four CIMD dimensions, the English IMD and its domains,
any other). Each index is stored as indicator columns on `areas` with metadata on `indicators`:
`index_key` (the index the column belongs to), `role` ('score', 'rank', 'band' or 'flag'), for
a band column how many bands there are (5 quintiles, 10 deciles) and which band is the most
deprived (5 for CIMD quintiles, 1 for IoD deciles), and the scope the bands rank against
("Canada", "England"...). A flag (Core20) is 1 or 0. The map legend, the reach breakdowns and
assessments read whatever bands the place has through `deprivation_bands()`.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("indices")

INDEX_COLUMNS = {"index_key": str, "role": str, "bands": int, "most_deprived": int, "scope": str}
ROLES = ("score", "rank", "band", "flag")
QUINTILE_SUFFIX = "_quintile"


@migrations()
def m001_index_metadata(db: Database) -> None:
    for column, kind in INDEX_COLUMNS.items():
        db["indicators"].add_column(column, kind)
    # Indicators stored before: CIMD quintile columns (`<dimension>_quintile`, 5 = most deprived)
    # and their scores become bands and scores of their index.
    keys = {r[0] for r in db.execute("SELECT key FROM indicators")}
    for key in sorted(keys):
        if key.endswith(QUINTILE_SUFFIX):
            base = key[: -len(QUINTILE_SUFFIX)]
            db.execute(
                "UPDATE indicators SET index_key = ?, role = 'band', bands = 5, most_deprived = 5, "
                "scope = 'Canada' WHERE key = ?",
                [base, key],
            )
            if base in keys:
                db.execute("UPDATE indicators SET index_key = ?, role = 'score' WHERE key = ?", [base, base])


def deprivation_bands(db: Database, level: str | None = None) -> list[dict]:
    """Band and flag columns (key, label, role, bands, most_deprived, index_key, scope) in declaration
    order; with a level, only those some area of that level has a value for."""
    rows = list(db.query("SELECT * FROM indicators WHERE role IN ('band', 'flag') ORDER BY rowid"))
    if level is None:
        return rows
    present = []
    for row in rows:
        found = db.execute(f'SELECT COUNT("{row["key"]}") FROM areas WHERE level = ?', [level]).fetchone()[0]
        if found:
            present.append(row)
    return present


def index_columns(db: Database) -> dict[str, dict]:
    """Every indicator that belongs to an index, by key."""
    return {r["key"]: r for r in db.query("SELECT * FROM indicators WHERE index_key IS NOT NULL ORDER BY rowid")}

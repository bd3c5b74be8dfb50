"""Schema derived from the field registry, brought up to date on every migrate.

- a column for every registry field (a new Field adds its column; nothing is ever dropped);
- the `public_assets` view (assetmap.privacy's SQL twin of public_asset);
- the text index `assets_fts` over the searchable fields' *public* values, kept by triggers;
- the database's epoch (see store.db.data_version).
"""

from __future__ import annotations

import hashlib

from sqlite_utils import Database

from assetmap import fields, privacy
from assetmap.store.db import get_meta, new_epoch, set_meta, transaction

FTS_TOKENIZER = "unicode61 remove_diacritics 2"  # "Societe" matches "Société"


def _fts_sql() -> list[str]:
    cols = ", ".join(fields.SEARCHABLE)
    new_values = ", ".join(privacy.search_text_sql("new"))
    return [
        f"CREATE VIRTUAL TABLE assets_fts USING fts5({cols}, tokenize='{FTS_TOKENIZER}')",
        f"""CREATE TRIGGER assets_fts_ai AFTER INSERT ON assets BEGIN
            INSERT INTO assets_fts(rowid, {cols}) VALUES (new.id, {new_values}); END""",
        "CREATE TRIGGER assets_fts_ad AFTER DELETE ON assets BEGIN DELETE FROM assets_fts WHERE rowid = old.id; END",
        f"""CREATE TRIGGER assets_fts_au AFTER UPDATE ON assets BEGIN
            DELETE FROM assets_fts WHERE rowid = old.id;
            INSERT INTO assets_fts(rowid, {cols}) VALUES (new.id, {new_values}); END""",
    ]


def _rebuild_fts(db: Database) -> None:
    for name in ("assets_ai", "assets_ad", "assets_au", "assets_fts_ai", "assets_fts_ad", "assets_fts_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("assets_fts",):
        db.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in _fts_sql():
        db.execute(statement)
    cols = ", ".join(fields.SEARCHABLE)
    values = ", ".join(privacy.search_text_sql("assets"))
    db.execute(f"INSERT INTO assets_fts(rowid, {cols}) SELECT id, {values} FROM assets")


def ensure_derived(db: Database) -> None:
    """Add missing field columns, recreate the public view, rebuild the text index when its
    definition changed, and give the database an epoch."""
    with transaction(db):
        existing = {c.name for c in db["assets"].columns}
        for name, kind in fields.columns().items():
            if name not in existing:
                db["assets"].add_column(name, kind)
        db.execute("DROP VIEW IF EXISTS public_assets")
        db.execute(privacy.public_view_sql())
        signature = hashlib.sha256("\n".join(_fts_sql()).encode()).hexdigest()[:16]
        if get_meta(db, "fts_signature") != signature:
            _rebuild_fts(db)
            set_meta(db, "fts_signature", signature)
        if get_meta(db, "epoch") is None:
            set_meta(db, "epoch", new_epoch())


def restart_timeline(db: Database) -> None:
    """Give the database a new epoch (after a restore), so no data version ever repeats."""
    with transaction(db):
        set_meta(db, "epoch", new_epoch())

"""Idempotent schema migrations (sqlite-utils Migrations). Append new migrations; never edit old ones.

What is derived from the field registry (new columns, the public view, the text index) is brought
up to date after the migrations by store.derived.ensure_derived().
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from assetmap.store.history import create_history_table

migrations = Migrations("assetmap")

# The assets table as first created (2026-11). Later fields come from the registry (assetmap.fields),
# added by store.derived.ensure_derived(); this literal stays as it was so m001 never changes.
_M001_ASSET_COLUMNS: dict[str, type] = {
    "id": int,
    "external_id": str,
    "name": str,
    "description": str,
    "category": str,
    "subcategory": str,
    "address": str,
    "community": str,
    "municipality": str,
    "postal_code": str,
    "phone": str,
    "email": str,
    "website": str,
    "hours_text": str,
    "opening_hours": str,
    "languages": str,
    "accessibility": str,
    "eligibility": str,
    "cost": str,
    "capacity": float,
    "latitude": float,
    "longitude": float,
    "location_precision": str,
    "precision_source": str,
    "confidential": int,
    "source": str,
    "source_url": str,
    "notes": str,
    "verified_date": str,
    "verified_by": str,
    "status": str,
    "version": int,
    "created_at": str,
    "updated_at": str,
    "extra": str,
}

AREA_COLUMNS: dict[str, type] = {
    "id": str,
    "name": str,
    "level": str,
    "parent_id": str,
    "population": int,
    "land_area_km2": float,
    "rep_lon": float,
    "rep_lat": float,
    "geometry": str,
    "geometry_note": str,
    "source": str,
}

# Bump the data version on any change to assets or areas (and categories, m008), so cached API bodies and analysis
# results keyed on it go stale by themselves.
_VERSION_TRIGGERS = """
CREATE TRIGGER {table}_version_{op} AFTER {event} ON {table}
BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'; END;
"""


@migrations()
def m001_initial(db: Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["meta"].insert({"key": "data_version", "value": "1"})
    db["categories"].create(
        {
            "slug": str,
            "label": str,
            "label_fr": str,
            "colour": str,
            "symbol": str,
            "sort_order": int,
            "description": str,
        },
        pk="slug",
    )
    db["assets"].create(
        _M001_ASSET_COLUMNS,
        pk="id",
        not_null={"name", "category", "location_precision", "confidential", "status", "version"},
        defaults={"location_precision": "none", "confidential": 0, "status": "active", "version": 1},
        foreign_keys=[("category", "categories", "slug")],
    )
    db["assets"].create_index(["external_id"], unique=True)
    db["assets"].create_index(["category"])
    db["assets"].create_index(["status"])
    # R*Tree on points. It stores float32, so callers filter again on the exact columns.
    db.execute("CREATE VIRTUAL TABLE assets_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat)")
    db.execute(
        """CREATE TRIGGER assets_rtree_ai AFTER INSERT ON assets
        WHEN new.latitude IS NOT NULL AND new.longitude IS NOT NULL
        BEGIN INSERT INTO assets_rtree VALUES (new.id, new.longitude, new.longitude, new.latitude, new.latitude); END"""
    )
    db.execute(
        """CREATE TRIGGER assets_rtree_au AFTER UPDATE OF latitude, longitude ON assets
        BEGIN
          DELETE FROM assets_rtree WHERE id = old.id;
          INSERT INTO assets_rtree SELECT new.id, new.longitude, new.longitude, new.latitude, new.latitude
            WHERE new.latitude IS NOT NULL AND new.longitude IS NOT NULL;
        END"""
    )
    db.execute(
        "CREATE TRIGGER assets_rtree_ad AFTER DELETE ON assets BEGIN DELETE FROM assets_rtree WHERE id = old.id; END"
    )
    # unicode61 with remove_diacritics 2 makes "Societe" match "Société".
    db["assets"].enable_fts(
        ["name", "description", "subcategory", "community", "municipality"],
        create_triggers=True,
        tokenize="unicode61 remove_diacritics 2",
    )
    db["areas"].create(AREA_COLUMNS, pk="id", not_null={"name", "level"})
    db["areas"].create_index(["level"])
    db["indicators"].create(
        {"key": str, "label": str, "unit": str, "source": str, "direction": str, "description": str},
        pk="key",
    )
    for table in ("assets", "areas"):
        for op, event in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE")):
            db.execute(_VERSION_TRIGGERS.format(table=table, op=op, event=event))


@migrations()
def m002_category_status_index(db: Database) -> None:
    # Covers the per-category counts of active assets shown in every legend.
    db["assets"].create_index(["category", "status"])


@migrations()
def m003_reach(db: Database) -> None:
    # Population sample points inside each area (needs_assessment.geo.sample_points), computed
    # when an area is written; share = the fraction of the area's people each point stands for.
    db["area_samples"].create(
        {"area_id": str, "seq": int, "longitude": float, "latitude": float, "share": float},
        pk=("area_id", "seq"),
        foreign_keys=[("area_id", "areas", "id")],
    )
    # Per-category reach thresholds (estimated road metres) for urban and rural areas.
    db["categories"].add_column("threshold_urban_m", float)
    db["categories"].add_column("threshold_rural_m", float)
    db["categories"].add_column("threshold_basis", str)


@migrations()
def m004_history(db: Database) -> None:
    # One row per change of an asset: who, when, what kind, and full before/after snapshots
    # (JSON objects of the editable fields and status), like HSDS `metadata` but whole-record.
    create_history_table(db, "asset_history", "asset_id")


@migrations()
def m005_suggestions(db: Database) -> None:
    # Public suggestions (no account needed) waiting for an editor.
    db["suggestions"].create(
        {
            "id": int,
            "kind": str,  # 'new' or 'edit'
            "asset_id": int,
            "payload": str,  # JSON of suggested field values
            "message": str,
            "contact": str,
            "status": str,  # pending, accepted, rejected
            "reason": str,
            "created_at": str,
            "reviewed_by": str,
            "reviewed_at": str,
            "result_asset_id": int,
        },
        pk="id",
        not_null={"kind", "payload", "status", "created_at"},
        defaults={"status": "pending"},
    )
    db["suggestions"].create_index(["status", "id"])


@migrations()
def m006_jobs(db: Database) -> None:
    # Long work (bulk imports, background geocoding) with progress that survives restarts.
    db["jobs"].create(
        {
            "id": int,
            "kind": str,
            "status": str,  # pending, running, done, failed, interrupted
            "total": int,
            "done": int,
            "params": str,  # JSON
            "result": str,  # JSON
            "error": str,
            "created_by": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"kind", "status"},
        defaults={"status": "pending", "total": 0, "done": 0},
    )


@migrations()
def m007_job_owner(db: Database) -> None:
    # host:pid of the process running a job, so a dead process is noticed at once.
    db["jobs"].add_column("owner", str)


@migrations()
def m008_category_version(db: Database) -> None:
    # Category labels are kept with the data version (the finder's words): a change makes them stale.
    for op, event in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE")):
        db.execute(_VERSION_TRIGGERS.format(table="categories", op=op, event=event))


def migration_sets() -> list[Migrations]:
    """Every migration set, core first. A feature with its own tables keeps its set beside its store
    module (users, assessments) or in schema_features, so features never renumber each other."""
    from assetmap.store import schema_features
    from assetmap.store.access_points import migrations as access_points
    from assetmap.store.assessments import migrations as assessments
    from assetmap.store.import_mappings import migrations as import_mappings
    from assetmap.store.indices import migrations as indices
    from assetmap.store.postcodes import migrations as postcodes
    from assetmap.store.travel import migrations as travel
    from assetmap.store.uptake import migrations as uptake
    from assetmap.store.users import migrations as users

    return [
        migrations,
        users,
        schema_features.geocoding,
        schema_features.finder,
        schema_features.hsds,
        assessments,
        travel,
        indices,
        postcodes,
        access_points,
        uptake,
        import_mappings,
    ]


def migrate(db: Database) -> None:
    """Apply pending migrations of every set, then what the registry derives; turns on WAL.
    Safe to run any number of times."""
    from assetmap.store.derived import ensure_derived

    db.enable_wal()
    for migration_set in migration_sets():
        migration_set.apply(db)
    ensure_derived(db)

"""Core commands: the database, the demo, accounts, categories, backups."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli.common import command_db, finish_import, numbered, offline_geocoder
from app.db import init_db
from assetmap import store
from assetmap.errors import Conflict, InvalidParameter
from assetmap.formats import area_import, asset_import, tables
from assetmap.place import load_place
from assetmap.services import demo, demo_places
from assetmap.store import backup, users
from assetmap.vocab import categories
from assetmap.vocab.categories import ensure_default_categories


@click.command("init-db")
@with_appcontext
@click.option(
    "--no-default-categories",
    is_flag=True,
    help="Do not add the nine default categories (bring your own with add-category).",
)
def init_db_command(no_default_categories):
    """Create the database (or apply pending migrations) with the default categories. Never deletes data."""
    db = command_db()
    added = 0 if no_default_categories else ensure_default_categories(db)
    click.echo(
        f"Database ready: {current_app.config['DATABASE']}" + (f" ({added} default categories added)" if added else "")
    )


@click.command("add-category")
@with_appcontext
@click.argument("slug")
@click.option("--label", required=True, help="The category's name, as people read it.")
@click.option("--label-fr", default="", help="The name in French.")
@click.option("--color", "colour", default="#555555", show_default=True, help="Map colour, #RRGGBB.")
@click.option("--symbol", default="", help="One letter drawn on markers (default: the label's first letter).")
def add_category_command(slug, label, label_fr, colour, symbol):
    """Add a category (or change the labels and colour of an existing one)."""
    db = command_db()
    try:
        row = categories.add_category(db, slug, label=label, label_fr=label_fr, colour=colour, symbol=symbol)
    except InvalidParameter as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Category {row['slug']}: {row['label']} ({row['colour']}, symbol {row['symbol']}).")


@click.command("load-demo")
@with_appcontext
@click.option(
    "--place",
    "place_name",
    default="muskoka",
    show_default=True,
    help="The embedded place: muskoka, or trafford (England, built through new-place's path).",
)
def load_demo_command(place_name):
    """Load an embedded dataset (idempotent: re-running updates, never duplicates)."""
    db = command_db()
    if place_name.lower() != "muskoka":
        try:
            found = demo_places.load_place_demo(db, place_name.lower())
        except (InvalidParameter, Conflict) as exc:
            raise click.ClickException(str(exc)) from None
        for line in found["place"].lines():
            click.echo(line)
        click.echo(
            f"Assets: {found['assets'].summary()}; {found['entrances']} park entrances"
            + (f"; example needs assessment: /assessments/{found['assessment']}." if found.get("assessment") else ".")
        )
        return
    try:
        counts = demo.load_demo(db)
    except Conflict as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Loaded {counts['categories']} categories, {counts['dissemination_areas']} dissemination areas, "
        f"{counts['municipalities']} municipalities; assets: {counts['assets'].summary()}; "
        f"example needs assessment: /assessments/{counts['assessment']}."
    )


@click.command("import-assets")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", default=None, help="Source label for rows that name none.")
def import_assets_command(path, source):
    """Import assets from a CSV or GeoJSON file. Bad rows are listed; good rows are kept."""
    db = command_db()
    try:
        report = asset_import.import_assets(
            db,
            path,
            geocoder=offline_geocoder(db),
            default_source=source,
            actor=f"cli import-assets {Path(path).name}",
            region=load_place(db),
        )
    except tables.ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    finish_import(
        path,
        report,
        listed=[("Warnings:", numbered("row", report.warnings))],
        rejected_title="Rejected rows (fix and re-import; good rows are already saved):",
        rejected=numbered("row", report.errors),
    )


@click.command("import-areas")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--level", default="area", show_default=True, help="Level name, e.g. DA, CSD, LSOA.")
@click.option("--id-field", default=None, help="Property holding the area id (default: guessed).")
@click.option("--name-field", default=None, help="Property holding the area name (default: guessed).")
@click.option("--population-field", default=None, help="Property holding the population (default: guessed).")
@click.option(
    "--crs", default=None, help="Coordinate system of the file, e.g. EPSG:3347 (default: from .prj or GeoJSON)."
)
def import_areas_command(path, level, id_field, name_field, population_field, crs):
    """Import area polygons (GeoJSON, .shp or zipped shapefile, any CRS); numeric properties become indicators."""
    db = command_db()
    try:
        report = area_import.import_areas(
            db, path, level, id_field=id_field, name_field=name_field, population_field=population_field, crs=crs
        )
    except tables.ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    finish_import(
        path,
        report,
        facts=[f"Indicators: {', '.join(report.indicators)}"] if report.indicators else [],
        rejected_title="Rejected features (the others are saved):",
        rejected=numbered("feature", report.errors),
    )


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option(
    "--role", type=click.Choice(users.ROLES), default="editor", show_default=True, help="admin, editor or public"
)
@click.password_option(help="Prompted (hidden, asked twice) when not given.")
def create_user_command(email, role, password):
    """Create an account. The password is stored hashed (scrypt)."""
    db = command_db()
    try:
        user = users.create_user(db, email, password, role, store.now_iso())
    except (InvalidParameter, Conflict) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user['email']} ({user['role']}).")


@click.command("backup")
@with_appcontext
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--keep", type=int, default=None, help="Keep only the newest N backups in DIRECTORY.")
def backup_command(directory, keep):
    """Consistent online copy of the database into DIRECTORY (safe while the app serves writes)."""
    try:
        path = backup.backup(current_app.config["DATABASE"], directory, keep=keep)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    networks = len(backup.network_files(path))
    beside = f"; {networks} road network{'s' if networks != 1 else ''} in {store.network_folder_for(path)}"
    click.echo(f"Backed up to {path} ({path.stat().st_size:,} bytes, integrity ok{beside if networks else ''}).")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(file, yes):
    """Replace the database with a backup FILE, after checking it (the current one is kept aside)."""
    db_path = current_app.config["DATABASE"]
    check = backup.integrity(file)
    if check != "ok":
        raise click.ClickException(f"{file} cannot be restored: {check}. Nothing was changed.")
    if not yes:
        click.confirm(f"Replace the contents of {db_path} with {file}?", abort=True)
    safety_dir = Path(current_app.instance_path) / "backups"
    try:
        safety = backup.restore(file, db_path, safety_dir)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    init_db(db_path)  # an older backup gets any newer migrations
    click.echo(f"Restored {file} into {db_path}. The previous database is kept at {safety}.")
    for mode, name in backup.missing_networks(db_path):
        click.echo(
            f"The {mode} road network ({name}) is not in the backup (backups made before they held networks): "
            f"travel times by {mode} along roads fail until you run import-network again for --mode {mode}.",
            err=True,
        )


COMMANDS = [
    init_db_command,
    add_category_command,
    load_demo_command,
    import_assets_command,
    import_areas_command,
    create_user_command,
    backup_command,
    restore_command,
]

"""Open data commands (`flask --app app COMMAND`): HSDS, OpenStreetMap and census imports, exports.

Thin wrappers over assetmap.formats (hsds, osm, census). Rejected rows are listed with where they are
and why, and make the command exit with status 1; the good rows are saved.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli.common import command_db, finish_import, numbered, offline_geocoder
from assetmap.formats import census, osm
from assetmap.formats.hsds import package as hsds_io
from assetmap.formats.tables import ImportFileError

_db = command_db


def _geocoder():
    return offline_geocoder(command_db())


@click.command("export-hsds")
@with_appcontext
@click.argument("folder", type=click.Path(file_okay=False))
@click.option(
    "--format",
    "formats",
    type=click.Choice(["csv", "json"]),
    multiple=True,
    help="csv: Tabular Data Package (CSV files + datapackage.json); json: services.json. Default: both.",
)
def export_hsds_command(folder, formats):
    """Export active assets as Open Referral HSDS 3.0 into FOLDER (created when missing)."""
    report = hsds_io.export_hsds(_db(), folder, formats=tuple(formats) or ("csv", "json"))
    click.echo(f"{folder}: {report.summary()}.")


@click.command("import-hsds")
@with_appcontext
@click.argument("path", type=click.Path(exists=True))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Taxonomy term -> category CSV (default: assets_data/hsds_taxonomy_map.csv).",
)
@click.option(
    "--default-category", default=None, help="Category for assets none of whose terms map (default: reject them)."
)
@click.option("--source", default=None, help="Source label for assets that name none.")
def import_hsds_command(path, mapping, default_category, source):
    """Import HSDS 3.0: a datapackage folder, its datapackage.json, a zip, or a JSON file of services."""
    db = _db()
    try:
        report = hsds_io.import_hsds(
            db, path, term_map_path=mapping, default_category=default_category, source=source, geocoder=_geocoder()
        )
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    finish_import(
        path,
        report,
        notes=hsds_io.report_lines(report),
        listed=[("Warnings:", report.warnings), ("Skipped (not imported):", report.skipped)],
        rejected_title="Rejected (fix and re-import; the good ones are already saved):",
    )


@click.command("import-osm")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Tag -> category CSV (default: assets_data/osm_tag_map.csv).",
)
def import_osm_command(path, mapping):
    """Import amenities from an .osm.pbf extract, Overpass JSON or GeoJSON (OpenStreetMap, ODbL)."""
    db = _db()
    try:
        report = osm.import_osm(db, path, tag_map_path=mapping)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    finish_import(
        path,
        report,
        notes=[f"Skipped {count} feature(s) tagged {reason}." for reason, count in sorted(report.skipped.items())],
        listed=[("Warnings:", report.warnings)],
    )


@click.command("import-census-profile")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="Which characteristic or column becomes which indicator (e.g. assets_data/census_profile_2021_map.csv).",
)
@click.option("--level", default=None, help="Only join onto areas of this level (e.g. DA, LSOA).")
@click.option("--id-column", default=None, help="Column holding the area id (default: ALT_GEO_CODE/DGUID, or guessed).")
@click.option("--source", default=None, help="Source label for the indicators (default: the file name).")
def import_census_profile_command(path, mapping, level, id_column, source):
    """Join a census profile CSV (Statistics Canada long format) or a wide statistics CSV onto areas."""
    db = _db()
    try:
        report = census.import_profile(db, path, mapping, level=level, id_column=id_column, source=source)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None
    missing = [f"No values found for: {', '.join(report.missing)} (check the mapping)"] if report.missing else []
    finish_import(
        path,
        report,
        facts=[f"Indicators: {', '.join(report.indicators)}"],
        notes=missing + [f"  {k}: {n} suppressed value(s) left empty" for k, n in sorted(report.suppressed.items())],
        rejected_title="Rejected values (the others are saved):",
        rejected=numbered("row", report.errors),
    )


COMMANDS = [export_hsds_command, import_hsds_command, import_osm_command, import_census_profile_command]

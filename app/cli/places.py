"""Place commands: start a place from official files (new-place), asset entrances (import-entrances)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli.common import command_db, print_rows
from assetmap.errors import Conflict, InvalidParameter
from assetmap.formats.place_records import PlaceFileError
from assetmap.services import place_setup

FILE = click.Path(exists=True, dir_okay=False)


@click.command("new-place")
@with_appcontext
@click.argument("name")
@click.option("--country", type=click.Choice(place_setup.COUNTRIES, case_sensitive=False), required=True)
@click.option("--boundaries", type=FILE, help="StatCan DA boundary file (CA) or ONS LSOA boundaries (GB).")
@click.option("--population", type=FILE, help="StatCan Census Profile CSV (CA) or ONS mid-year estimates (GB).")
@click.option("--deprivation", type=FILE, help="CIMD CSV (CA) or English IoD File 7 (GB).")
@click.option("--postcodes", type=FILE, help="ONS Postcode Directory/NSPL CSV or Code-Point Open (GB).")
@click.option(
    "--id-prefix", default="", help="Keep areas whose code starts with this (CA: '3544' = a census division)."
)
@click.option("--name-prefix", default="", help="Keep LSOAs whose name starts with this (GB: 'Trafford ').")
@click.option("--attribution", multiple=True, help="A licence line to show in the footer (repeat for more).")
@click.option("--replace", is_flag=True, help="Replace the areas already in the database.")
def new_place_command(name, country, boundaries, population, deprivation, postcodes, **options):
    """Start a place from the official files you downloaded (each optional, recognised by its columns)."""
    db = command_db()
    files = {"boundaries": boundaries, "population": population, "deprivation": deprivation, "postcodes": postcodes}
    if not any(files.values()):
        raise click.UsageError("give at least one file: --boundaries, --population, --deprivation or --postcodes")

    def progress(done, total, message):
        click.echo(f"[{done}/{total}] {message}", err=True)

    try:
        report = place_setup.build_place(
            db,
            name,
            country.upper(),
            files,
            id_prefix=options["id_prefix"],
            name_prefix=options["name_prefix"],
            replace=options["replace"],
            attribution=list(options["attribution"]),
            progress=progress,
        )
    except Conflict as exc:
        raise click.ClickException(f"{exc} (--replace)") from None
    except (InvalidParameter, PlaceFileError) as exc:
        raise click.ClickException(str(exc)) from None
    for line in report.lines():
        click.echo(line)
    p = report.place
    click.echo(
        f"Map centre {p.center[0]:.4f}, {p.center[1]:.4f} (zoom {p.zoom}); time zone {p.timezone}, holidays {p.holidays}."
    )
    click.echo("Next: import your assets (flask --app app import-assets FILE), then open the map.")


@click.command("import-entrances")
@with_appcontext
@click.argument("path", type=FILE)
def import_entrances_command(path):
    """Access points (park gates, entrances) of assets from a CSV: external_id, longitude, latitude.
    Reach then measures to an asset's nearest access point."""
    db = command_db()
    try:
        stored, problems = place_setup.import_access_points(db, path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path}: {stored} access points stored.")
    print_rows("Left out:", [(f"row {n}" if n else "file", reason) for n, reason in problems])


COMMANDS = [new_place_command, import_entrances_command]

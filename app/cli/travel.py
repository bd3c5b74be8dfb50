"""Travel-time commands: load a routing engine's matrix or an OpenStreetMap extract, list, remove."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from app.cli.common import command_db
from assetmap import store
from assetmap.formats.osm_network import NetworkFileError
from assetmap.formats.tables import ImportFileError
from assetmap.formats.travel_import import (
    DEFAULT_MARGIN_M,
    MATRIX_MODES,
    NETWORK_MODES,
    import_network,
    import_travel_times,
)
from assetmap.formats.travel_times import TravelTimeFileError


@click.command("import-travel-times")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--mode", type=click.Choice(MATRIX_MODES), required=True, help="How people travel in this matrix.")
@click.option(
    "--unit",
    type=click.Choice(["minutes", "seconds"]),
    default=None,
    help="Unit of the times (default: from the time column's name, e.g. travel_time_s, else minutes).",
)
@click.option("--label", default=None, help="Where the times come from, e.g. 'r5py, GTFS Sept 2026, weekday 8:00'.")
def import_travel_times_command(path, mode, unit, label):
    """Load a travel-time matrix (CSV, wide or long) for a mode, replacing the mode's previous one.

    Wide: first column the area (id or name), one column per asset (name or external_id). Long:
    from_id,to_id,minutes (or travel_time, duration...). 9999, blank or negative: unreachable.
    Origins are each area's representative point (rep_lon, rep_lat in /api/areas?format=csv).
    """
    db = command_db()
    try:
        result = import_travel_times(db, path, mode, unit=unit, label=label)
    except (TravelTimeFileError, ImportFileError) as exc:
        raise click.ClickException(f"{exc}\nNothing was saved.") from None
    lines = result.summary().split("\n")
    click.echo("\n".join(lines[:3]))
    if lines[3:]:
        click.echo("Skipped (fix the names and import again to include them):", err=True)
        for line in lines[3:]:
            click.echo(f"  {line}", err=True)


@click.command("import-network")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--mode", type=click.Choice(NETWORK_MODES), required=True, help="Who uses the network.")
@click.option(
    "--margin-km",
    type=click.FloatRange(0, 200),
    default=DEFAULT_MARGIN_M / 1000,
    show_default=True,
    help="Keep roads this far beyond the loaded areas (trips may leave the areas).",
)
@click.option("--label", default=None, help="Where the extract comes from, e.g. 'Geofabrik Ontario 2026-11-20'.")
def import_network_command(path, mode, margin_km, label):
    """Build a routable network for a mode from an OpenStreetMap extract (.osm.pbf or .osm), clipped to
    the loaded areas, and keep it with the place (replacing the mode's previous network)."""
    db = command_db()
    started = time.monotonic()
    click.echo(f"Reading {path} for {mode} (highway ways only)...", err=True)

    def progress(counts: dict) -> None:
        click.echo(
            f"  {counts.get('ways', 0):,} highway ways read ({counts.get('way_nodes', 0):,} node references), "
            f"{counts.get('used_ways', 0):,} usable for {mode} - {time.monotonic() - started:.0f} s",
            err=True,
        )

    try:
        result = import_network(db, path, mode, margin_m=margin_km * 1000, label=label, progress=progress)
    except (NetworkFileError, ImportFileError) as exc:
        raise click.ClickException(f"{exc}\nNothing was saved.") from None
    click.echo(result.summary())


@click.command("travel-sources")
@with_appcontext
def travel_sources_command():
    """List the travel-time matrices and road networks loaded, with their labels and dates."""
    rows = store.travel_sources(command_db())
    if not rows:
        click.echo("No travel times loaded (reach is measured by straight line x circuity).")
    for r in rows:
        c = r["counts"]
        size = (
            f"{c.get('areas', 0)} areas x {c.get('assets', 0)} assets, {c.get('pairs', 0)} reachable pairs"
            if r["kind"] == "matrix"
            else f"{c.get('nodes', 0):,} nodes, {c.get('edges', 0):,} edges"
        )
        click.echo(f"{r['mode']} {r['kind']}: {r['label']} ({r['source']}, {r['imported_at'][:10]}): {size}")


@click.command("remove-travel")
@with_appcontext
@click.option("--mode", type=click.Choice(MATRIX_MODES), required=True)
@click.option("--kind", type=click.Choice(["matrix", "network"]), required=True)
def remove_travel_command(mode, kind):
    """Forget a mode's matrix or network (its figures are no longer offered)."""
    db = command_db()
    old = store.remove_source(db, kind, mode)
    if old is None:
        raise click.ClickException(f"no {mode} {kind} is loaded")
    if kind == "network" and old["file"]:
        (store.network_folder(db) / old["file"]).unlink(missing_ok=True)
    click.echo(f"Removed the {mode} {kind} ({old['label']}).")


COMMANDS = [import_travel_times_command, import_network_command, travel_sources_command, remove_travel_command]

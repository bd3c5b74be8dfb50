"""Realised-uptake commands: population by age band and counts of service use (all or nothing)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.cli.common import command_db, finish_import, offline_geocoder
from assetmap.errors import InvalidParameter
from assetmap.formats.tables import ImportFileError
from assetmap.services import uptake_import


def _report(path: str, report: uptake_import.ImportReport) -> None:
    finish_import(
        path,
        report,
        notes=["Notes:", *(f"  {line}" for line in report.warnings)] if report.warnings else [],
        rejected_title="Problems (fix them and import again; nothing was saved):",
    )


def _band_pairs(pairs: tuple[str, ...]) -> dict[str, str] | None:
    if not pairs:
        return None
    out = {}
    for pair in pairs:
        band, sep, key = pair.partition("=")
        if not sep or not band.strip() or not key.strip():
            raise click.BadParameter(f"{pair!r}: write BAND=INDICATOR, e.g. 0-4=age_0_4", param_hint="--from-indicator")
        out[band.strip()] = key.strip()
    return out


@click.command("import-population-bands")
@with_appcontext
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--from-indicator",
    "pairs",
    multiple=True,
    metavar="BAND=KEY",
    help="Read a band from an area indicator instead of a file (e.g. 0-4=age_0_4 after import-census-profile); repeat.",
)
@click.option("--source", default=None, help="Where the figures come from (default: the file name).")
def import_population_bands_command(path, pairs, source):
    """Replace the population by age band with a CSV/XLSX of area_id,age_band,population."""
    db = command_db()
    try:
        report = uptake_import.import_population_bands(
            db, path, from_indicators=_band_pairs(pairs), source=source, actor="cli import-population-bands"
        )
    except (ImportFileError, InvalidParameter) as exc:
        raise click.ClickException(str(exc)) from None
    _report(path or "indicators", report)


@click.command("import-service-use")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--service", required=True, help="The service's name, e.g. 'Community nursing'.")
@click.option("--period", default=None, help="The period the counts cover, e.g. 2025 or 2025-Q1.")
@click.option(
    "--unit", type=click.Choice(uptake_import.UNITS), default="people", show_default=True, help="What is counted."
)
@click.option(
    "--reference",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The standard's age_band,count,population (e.g. the province); default: all loaded areas together.",
)
@click.option("--reference-label", default=None, help="The reference's name as reports show it, e.g. 'Ontario 2025'.")
@click.option("--source", default=None, help="Where the counts come from (default: the file name).")
def import_service_use_command(path, service, period, unit, reference, reference_label, source):
    """Load counts of service use per area (area_id) or postal code/FSA (postal_code), optionally by age_band.

    Re-importing the same service and period replaces it. Any bad row: nothing is saved."""
    db = command_db()
    try:
        report = uptake_import.import_service_use(
            db,
            path,
            service=service,
            period=period,
            unit=unit,
            reference_path=reference,
            reference_label=reference_label,
            source=source,
            actor=f"cli import-service-use {Path(path).name}",
            geocoder=offline_geocoder(db),
        )
    except (ImportFileError, InvalidParameter) as exc:
        raise click.ClickException(str(exc)) from None
    _report(path, report)


COMMANDS = [import_population_bands_command, import_service_use_command]

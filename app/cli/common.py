"""What the command modules share: the database, the place's geocoder, how problems are listed."""

from __future__ import annotations

from collections.abc import Sequence

import click
from flask import current_app

from app.db import init_db
from assetmap.geocoding import make_geocoder
from assetmap.place import load_place


def command_db():
    """The configured database, migrated."""
    return init_db(current_app.config["DATABASE"])


def offline_geocoder(db):
    """The place's offline geocoder (commands never geocode online)."""
    return make_geocoder(load_place(db), db_path=current_app.config["DATABASE"]).offline


def finish_import(
    path: str,
    report,
    *,
    facts: Sequence[str] = (),
    notes: Sequence[str] = (),
    listed: Sequence[tuple[str, Sequence]] = (),
    rejected_title: str = "Rejected (the others are saved):",
    rejected: Sequence | None = None,
) -> None:
    """Say what an import did: its summary and `facts` on stdout; `notes` and each (title, rows) of
    `listed` on stderr; then the rejected rows (default: report.errors), which exit with status 1."""
    click.echo(f"{path}: {report.summary()}.")
    for line in facts:
        click.echo(line)
    for line in notes:
        click.echo(line, err=True)
    for title, rows in listed:
        print_rows(title, rows)
    rejected = report.errors if rejected is None else rejected
    if rejected:
        print_rows(rejected_title, rejected)
        raise SystemExit(1)


def numbered(kind: str, rows: Sequence[tuple[int, str]]) -> list[tuple[str, str]]:
    """(n, reason) rows as ("row n", reason), for print_rows."""
    return [(f"{kind} {n}", reason) for n, reason in rows]


def print_rows(title: str, rows) -> None:
    """List rejected rows or warnings (where, reason) on stderr under a title."""
    if rows:
        click.echo(title, err=True)
        for where, reason in rows:
            click.echo(f"  {where}: {reason}", err=True)

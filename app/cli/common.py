"""What the command modules share: the database, the place's geocoder, how problems are listed."""

from __future__ import annotations

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


def print_rows(title: str, rows) -> None:
    """List rejected rows or warnings (where, reason) on stderr under a title."""
    if rows:
        click.echo(title, err=True)
        for where, reason in rows:
            click.echo(f"  {where}: {reason}", err=True)

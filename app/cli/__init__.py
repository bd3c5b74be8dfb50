"""Command-line interface (`flask --app app COMMAND`): thin wrappers over library functions.

core: database, demo data, accounts, categories, backups; open_data: imports and exports.
"""

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


def init_app(app) -> None:
    """Register every command."""
    from app.cli import core, open_data
    from assetmap import store

    for command in core.COMMANDS + open_data.COMMANDS:
        app.cli.add_command(command)
    app.shell_context_processor(lambda: {"store": store})

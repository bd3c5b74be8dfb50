"""Command-line interface (`flask --app app COMMAND`): thin wrappers over library functions.

core: database, demo data, accounts, categories, backups; open_data: imports and exports;
travel: travel-time matrices and road networks; places: starting a place from official files;
common: what they share.
"""

from __future__ import annotations


def init_app(app) -> None:
    """Register every command."""
    from app.cli import core, open_data, places, travel
    from assetmap import store

    for command in core.COMMANDS + open_data.COMMANDS + travel.COMMANDS + places.COMMANDS:
        app.cli.add_command(command)
    app.shell_context_processor(lambda: {"store": store})

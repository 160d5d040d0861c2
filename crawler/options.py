"""Command-line options shared by the commands of several modules."""

from __future__ import annotations

from collections.abc import Callable

import click

from crawler.storage import DEFAULT_DB

config_option = click.option(
    "--config", "config_path", type=click.Path(), help="Config file (default: config.yaml)."
)


def db_option(must_exist: bool = False, help: str = "Archive database.") -> Callable:  # noqa: A002
    """``--db FILE`` (default ``archive/harvest.db``); ``must_exist`` for commands that only
    read an archive."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, exists=must_exist),
        default=str(DEFAULT_DB),
        show_default=True,
        help=help,
    )

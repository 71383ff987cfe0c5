"""What every command shares: the settings read by the root callback, and their database."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from healthycity.config import Settings
from healthycity.errors import UserError
from healthycity.storage.engine import make_engine
from healthycity.storage.migrate import upgrade_database


def input_file(help_text: str) -> Any:
    """The argument of a file a command reads: it must exist and be a readable file."""
    return typer.Argument(
        metavar="FICHIER", exists=True, dir_okay=False, readable=True, help=help_text
    )


def get_settings(ctx: typer.Context) -> Settings:
    """The settings the root callback put in the context."""
    settings = ctx.find_object(Settings)
    if settings is None:  # pragma: no cover  (every command runs under the root callback)
        msg = "No settings in the Typer context: the root callback did not run."
        raise RuntimeError(msg)
    return settings


@contextmanager
def open_database(ctx: typer.Context) -> Iterator[Engine]:
    """An engine on the configured database, created or migrated to the latest schema.

    Migrating is safe on an up-to-date database, so every command can run on a new one.
    """
    url = get_settings(ctx).database
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        engine = make_engine(url)
    except OSError as exc:
        msg = f"Cannot create the folder of the database {shown} ({exc.strerror})."
        raise UserError(msg) from exc
    try:
        try:
            upgrade_database(engine)
        except OperationalError as exc:
            msg = (
                f"Cannot open the database {shown} ({' '.join(str(exc.orig).split())}); "
                "expected a reachable database in HC_DATABASE_URL."
            )
            raise UserError(msg) from exc
        yield engine
    finally:
        engine.dispose()

"""Bring a database to the latest schema with Alembic."""

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from healthycity.config import PACKAGE_DIR

MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade_database(engine: Engine) -> None:
    """Apply every pending migration of every domain branch; safe to repeat."""
    command.upgrade(alembic_config(engine), "heads")  # one branch per domain

"""Alembic migrations: idempotent, reversible, and in step with the tables the code declares."""

import importlib
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

import healthycity
from healthycity.storage.metadata import metadata
from healthycity.storage.migrate import alembic_config, upgrade_database

PACKAGE = Path(healthycity.__file__).parent


def import_every_tables_module() -> list[str]:
    """Register every domain's tables on the shared metadata, as a complete app would."""
    names = sorted(
        ".".join(("healthycity", *path.relative_to(PACKAGE).with_suffix("").parts))
        for path in PACKAGE.rglob("tables.py")
    )
    for name in names:
        importlib.import_module(name)
    return names


def schema_of(engine: Engine) -> dict[str, list[str]]:
    found = inspect(engine)
    return {
        table: sorted(column["name"] for column in found.get_columns(table))
        for table in sorted(found.get_table_names())
    }


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def test_upgrade_database_brings_every_domain_head(engine: Engine) -> None:
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    assert current_heads(engine) == heads


def test_upgrade_database_twice_changes_nothing(engine: Engine) -> None:
    before = schema_of(engine)
    revision = current_heads(engine)
    upgrade_database(engine)
    upgrade_database(engine)
    assert schema_of(engine) == before
    assert current_heads(engine) == revision


def test_migrated_schema_matches_the_declared_tables(engine: Engine) -> None:
    assert "healthycity.territory.tables" in import_every_tables_module()
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
    declared = set(metadata.tables)
    assert set(schema_of(engine)) == declared | {"alembic_version"}


def test_downgrade_to_base_then_upgrade_again(engine: Engine) -> None:
    before = schema_of(engine)
    command.downgrade(alembic_config(engine), "base")
    assert set(schema_of(engine)) == {"alembic_version"}
    assert current_heads(engine) == set()
    upgrade_database(engine)
    assert schema_of(engine) == before

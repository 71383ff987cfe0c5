"""environment: a version number of the sensor registry, raised by the database on any change

Revision ID: environment_0003
Revises: environment_0002
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op


revision = "environment_0003"
down_revision = "environment_0002"
branch_labels = None
depends_on = None

_TABLES = ("env_sensors", "env_sensor_quantities")
_BUMP = "UPDATE env_registry_version SET version = version + 1"


def upgrade() -> None:
    op.create_table(
        "env_registry_version",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_env_registry_version")),
    )
    op.execute("INSERT INTO env_registry_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION env_registry_bump() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION env_registry_bump()"
            )
        return
    for table in _TABLES:  # SQLite: row triggers only; one per kind of change
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_changed AFTER {event} ON {table} "
                f"BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER {table}_changed ON {table}")
        op.execute("DROP FUNCTION env_registry_bump()")
    else:
        for table in _TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{event}_changed")
    op.drop_table("env_registry_version")

"""Alembic environment: run migrations on the engine handed in by ``upgrade_database``."""

from alembic import context

from healthycity.alerts import tables as _alerts_tables  # noqa: F401  (registers tables)
from healthycity.alerts.delivery import tables as _delivery_tables  # noqa: F401
from healthycity.auth import tables as _auth_tables  # noqa: F401  (registers tables)
from healthycity.care_access import tables as _care_access_tables  # noqa: F401
from healthycity.environment import tables as _environment_tables  # noqa: F401
from healthycity.storage.metadata import metadata
from healthycity.territory import tables as _territory_tables  # noqa: F401

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()

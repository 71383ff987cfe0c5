"""Run the ``healthycity`` command in-process on a real database, passed through ``HC_*``."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from healthycity.cli.main import app
from healthycity.config import Settings
from healthycity.storage.engine import make_engine
from healthycity.storage.migrate import upgrade_database

Run = Callable[..., Result]


def _runner(database_url: str, data_dir: Path) -> Run:
    runner = CliRunner()
    # The command reads its settings from the environment, exactly as a user's shell gives them.
    base = {"HC_DATABASE_URL": database_url, "HC_DATA_DIR": str(data_dir)}

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), env=base | (env or {}))

    return run


@pytest.fixture
def run(settings: Settings) -> Run:
    """``run("territory", "show", ...)`` on the empty database of ``settings``."""
    return _runner(settings.database, settings.data_dir)


@pytest.fixture
def cli_engine(settings: Settings) -> Iterator[Engine]:
    """The database ``run`` works on, migrated, for a test to seed what the command reads."""
    engine = make_engine(settings.database)
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def run_demo(demo_database_url: str, tmp_path: Path) -> Run:
    """The same on the shared demo database; only for commands that do not write."""
    return _runner(demo_database_url, tmp_path)

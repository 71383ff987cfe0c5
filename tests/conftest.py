"""Shared fixtures: real SQLite and PostgreSQL engines, the demo territory, settings."""

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from healthycity.care_access.importer import import_demo_care_offer
from healthycity.config import DEFAULT_DEMO_DATA_DIR, Settings
from healthycity.storage.engine import make_engine
from healthycity.storage.migrate import upgrade_database
from healthycity.territory.demo import import_demo

POSTGRESQL_URL = os.environ.get(
    "HC_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVICES = os.environ.get("HC_TEST_REQUIRE_SERVICES") == "1"
BACKENDS = ("sqlite", "postgresql")


def service_unavailable(reason: str) -> None:
    """Skip on a laptop without the service; fail in CI, where every service must run."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def mqtt_url() -> str:
    """The project's Mosquitto (deploy/mosquitto/healthycity.conf), started by make services-up."""
    url = os.environ.get("HC_TEST_MQTT_URL", "mqtt://127.0.0.1:1884")
    host, _, port = url.removeprefix("mqtt://").partition(":")
    try:
        socket.create_connection((host, int(port or 1883)), timeout=2).close()
    except OSError as exc:
        service_unavailable(f"Mosquitto at {url} ({exc}); start it with make services-up")
    return url


def _postgresql_schema_url(schema: str) -> str:
    return f"{POSTGRESQL_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def postgresql_admin() -> Iterator[Engine]:
    """An engine on the PostgreSQL test database, to create and drop per-test schemas."""
    engine = create_engine(POSTGRESQL_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except OperationalError as exc:
        engine.dispose()
        service_unavailable(f"PostgreSQL at {POSTGRESQL_URL}: {exc.orig}")
    yield engine
    engine.dispose()


def _database_url(backend: str, request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    """A fresh, empty database of ``backend``: a SQLite file, or a PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'healthycity.db'}"
        return
    admin: Engine = request.getfixturevalue("postgresql_admin")
    schema = f"hc_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    try:
        yield _postgresql_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once per backend."""
    yield from _database_url(request.param, request, tmp_path)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    engine = make_engine(database_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def demo_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database holding the demo territory, built once per backend and test session.

    Tests must not write to it; those that write use ``engine``.
    """
    folder = tmp_path_factory.mktemp(f"demo-{request.param}")
    for url in _database_url(request.param, request, folder):
        engine = make_engine(url)
        upgrade_database(engine)
        with engine.begin() as conn:
            import_demo(conn, DEFAULT_DEMO_DATA_DIR, progress=lambda *_: None)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def demo_engine(demo_database_url: str) -> Iterator[Engine]:
    """An engine on the demo database (read-only use)."""
    engine = make_engine(demo_database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def care_demo_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The demo territory plus the shipped care offer (BPE, FINESS), once per backend.

    Tests must not write to it.
    """
    folder = tmp_path_factory.mktemp(f"care-demo-{request.param}")
    for url in _database_url(request.param, request, folder):
        engine = make_engine(url)
        upgrade_database(engine)
        with engine.begin() as conn:
            import_demo(conn, DEFAULT_DEMO_DATA_DIR, progress=lambda *_: None)
            import_demo_care_offer(conn, DEFAULT_DEMO_DATA_DIR)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def care_demo_engine(care_demo_database_url: str) -> Iterator[Engine]:
    """An engine on the care demo database (read-only use)."""
    engine = make_engine(care_demo_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings of a throw-away deployment on an empty database."""
    return Settings(data_dir=tmp_path, database_url=database_url)

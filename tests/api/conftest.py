"""API fixtures: clients on the demo database and on a writable one, and API tokens.

Tests present a token with ``headers={"Authorization": f"Bearer {token}"}``.
"""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, insert, update

from healthycity.api.app import create_app
from healthycity.auth.models import ROLES
from healthycity.auth.tokens import create_token
from healthycity.config import Settings
from healthycity.territory import tables
from healthycity.territory.names import normalise_name

MintToken = Callable[..., str]

# A small real territory for the writable database: (level, code, name, population, parents).
SEED_TERRITORIES = (
    ("region", "27", "Bourgogne-Franche-Comté", 2802670, ()),
    ("region", "24", "Centre-Val de Loire", 2573295, ()),
    ("departement", "58", "Nièvre", 201417, (("region", "27"),)),
    ("departement", "18", "Cher", 298256, (("region", "24"),)),
    ("epci", "245804406", "CA de Nevers", 67283, ()),
    ("commune", "58194", "Nevers", 33085, (("departement", "58"), ("epci", "245804406"))),
    ("commune", "18033", "Bourges", 64186, (("departement", "18"),)),
)
# A box around Nevers' centre (WGS84): enough to locate points in tests.
NEVERS_BOX = (3.10, 46.95, 3.20, 47.02)


def box_geojson(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> str:
    """A GeoJSON polygon of a lon/lat box."""
    ring = [
        [min_lon, min_lat],
        [max_lon, min_lat],
        [max_lon, max_lat],
        [min_lon, max_lat],
        [min_lon, min_lat],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def journal_import(conn: Connection, kind: str) -> None:
    """Record an import, as the importers do, which moves ``store.import_version``."""
    conn.execute(
        insert(tables.imports).values(
            kind=kind, source="tests", rows=1, imported_at=datetime.now(UTC)
        )
    )


def seed_territory(conn: Connection) -> None:
    """Store :data:`SEED_TERRITORIES`, with a polygon for Nevers only."""
    conn.execute(
        insert(tables.territories),
        [
            {
                "level": level,
                "code": code,
                "name": name,
                "search_name": normalise_name(name),
                "population": population,
                "geometry": box_geojson(*NEVERS_BOX) if code == "58194" else None,
            }
            for level, code, name, population, _ in SEED_TERRITORIES
        ],
    )
    conn.execute(
        insert(tables.territory_links),
        [
            {"child_level": level, "child_code": code, "parent_level": pl, "parent_code": pc}
            for level, code, _, _, parents in SEED_TERRITORIES
            for pl, pc in parents
        ],
    )
    journal_import(conn, "seed")


@contextmanager
def app_client(settings: Settings) -> Iterator[TestClient]:
    """An in-process client of the app for ``settings``; its engine is disposed after."""
    app: FastAPI = create_app(settings)
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.engine.dispose()


def _client(database_url: str, data_dir: Path) -> Iterator[TestClient]:
    with app_client(Settings(database_url=database_url, data_dir=data_dir)) as client:
        yield client


@pytest.fixture
def client(demo_database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app on the demo database (read-only use), on each backend."""
    yield from _client(demo_database_url, tmp_path)


@pytest.fixture
def seeded_engine(engine: Engine) -> Engine:
    """A writable database holding :data:`SEED_TERRITORIES`, on each backend."""
    with engine.begin() as conn:
        seed_territory(conn)
    return engine


@pytest.fixture
def writable_client(
    seeded_engine: Engine, database_url: str, tmp_path: Path
) -> Iterator[TestClient]:
    """A client of the app on the writable, seeded database (``seeded_engine`` is its engine)."""
    yield from _client(database_url, tmp_path)


@pytest.fixture
def redraw_nevers(seeded_engine: Engine) -> Callable[..., None]:
    """Give Nevers another box, recording an import or not (as a bare UPDATE would)."""

    def redraw(box: tuple[float, float, float, float], *, is_journaled: bool) -> None:
        with seeded_engine.begin() as conn:
            conn.execute(
                update(tables.territories)
                .where(
                    tables.territories.c.level == "commune", tables.territories.c.code == "58194"
                )
                .values(geometry=box_geojson(*box))
            )
            if is_journaled:
                journal_import(conn, "boundaries")

    return redraw


@pytest.fixture
def mint_token(seeded_engine: Engine) -> MintToken:
    """Create a token in the writable database: ``mint_token("operator", scope=None)``."""

    def mint(role: str, *, scope: str | None = None) -> str:
        with seeded_engine.begin() as conn:
            return create_token(conn, role=role, scope=scope, label="tests")[1]

    return mint


@pytest.fixture
def tokens_by_role(mint_token: MintToken) -> dict[str, str]:
    """One unscoped token of each role, by role."""
    return {role: mint_token(role) for role in ROLES}

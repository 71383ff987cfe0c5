"""The commune locator cache: derived from the database, rebuilt when an import is recorded."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from healthycity.api.app import create_app
from healthycity.config import Settings
from healthycity.territory import store

LOCATE = "/api/v1/territories/locate"
IN_NEVERS = {"lon": 3.159, "lat": 46.990}
FAR_EAST = {"lon": 5.05, "lat": 47.32}  # Dijon, outside the seeded Nevers box
DIJON_BOX = (5.0, 47.28, 5.1, 47.36)


@pytest.fixture
def second_process(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """Another app on the same database, as a second API process would be."""
    app = create_app(Settings(database_url=database_url, data_dir=tmp_path / "second"))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def test_locate_reuses_the_locator_while_the_import_version_holds(
    writable_client: TestClient, seeded_engine: Engine
) -> None:
    first = writable_client.get(LOCATE, params=IN_NEVERS)
    cache = writable_client.app.state.commune_locator
    locator = cache.locator
    second = writable_client.get(LOCATE, params=IN_NEVERS)

    assert first.json()["code"] == second.json()["code"] == "58194"
    assert cache.locator is locator
    with seeded_engine.connect() as conn:
        assert cache.version == store.import_version(conn)


def test_locate_sees_a_new_import_made_by_another_process(
    writable_client: TestClient,
    second_process: TestClient,
    redraw_nevers: Callable[..., None],
) -> None:
    assert writable_client.get(LOCATE, params=IN_NEVERS).status_code == 200
    assert second_process.get(LOCATE, params=FAR_EAST).status_code == 404

    redraw_nevers(DIJON_BOX, is_journaled=True)  # e.g. `healthycity territory import` elsewhere

    for client in (writable_client, second_process):
        assert client.get(LOCATE, params=FAR_EAST).json()["code"] == "58194"
        assert client.get(LOCATE, params=IN_NEVERS).status_code == 404


def test_locate_keys_the_cache_on_recorded_imports_only(
    writable_client: TestClient, redraw_nevers: Callable[..., None]
) -> None:
    assert writable_client.get(LOCATE, params=IN_NEVERS).status_code == 200

    # a write that bypasses the importers records no import, so the cache stays valid
    redraw_nevers(DIJON_BOX, is_journaled=False)

    assert writable_client.get(LOCATE, params=IN_NEVERS).json()["code"] == "58194"

"""The air-quality page shows the published pollen index, in its colours, with its source."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from healthycity.environment.published_pollen import parse_geojson
from healthycity.environment.published_pollen_store import import_published_pollen
from tests.environment_indices_seed import seed_territory
from tests.pollen_feed_samples import DAY, geojson_bytes
from tests.web.conftest import client_on


@pytest.fixture
def pages(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    feed = parse_geojson(geojson_bytes(), source="indice_pollen.geojson")
    with engine.begin() as conn:
        seed_territory(conn)
        import_published_pollen(conn, feed, imported_from="indice_pollen.geojson")
    with client_on(database_url, tmp_path) as client:
        yield client


def test_pollen_table_shows_published_levels_with_the_source(pages: TestClient) -> None:
    french = pages.get("/qualite-air", params={"date": DAY.isoformat()}).text
    english = pages.get("/qualite-air", params={"date": DAY.isoformat(), "lang": "en"}).text

    assert "Indice pollen du 15/04/2026" in french
    # Nevers: overall élevé (#FF5050), birch élevé; Marzy: modéré (#F0E641)
    nevers = french.split('<tr data-code="58194">')[1].split("</tr>")[0]
    assert '<td data-level="ELEVE" data-colour="#FF5050">' in nevers
    assert nevers.count('data-level="ELEVE"') == 3  # overall, birch, grasses
    assert '<td data-level="FAIBLE" data-colour="#50CCAA">' in nevers  # alder
    marzy = french.split('<tr data-code="58160">')[1].split("</tr>")[0]
    assert marzy.split("<td ")[1].startswith('data-level="MODERE" data-colour="#F0E641">')
    assert 'data-code="58121"' not in french  # Garchizy: nothing published, no row
    assert (
        "Source : Atmo France / AASQA, indice pollen, licence ODbL. Publié par Atmo "
        "Bourgogne-Franche-Comté, mis à jour le 15/04/2026 12:01." in french
    )
    assert "Pollen index of 2026-04-15" in english
    assert "</span>High</td>" in english


def test_pollen_section_says_when_nothing_was_imported(pages: TestClient) -> None:
    page = pages.get("/qualite-air", params={"date": "2026-04-16"}).text

    assert "Aucun indice pollen publié n&#39;a été importé pour ce jour" in page
    assert "pollen-table" not in page

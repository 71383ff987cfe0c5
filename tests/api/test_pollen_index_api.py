"""Relaying the Atmo France pollen index over the API, on both backends.

``POST /environment/pollen-index`` (territory_admin) stores the published levels; ``GET
/environment/indices/pollen`` then shows them per commune, as published.
"""

from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from healthycity.auth.tokens import create_token
from healthycity.config import Settings
from tests.api.conftest import app_client
from tests.environment_indices_seed import seed_territory
from tests.pollen_feed_samples import DAY, csv_bytes, feature, geojson_bytes

API = "/api/v1/environment"
PROBLEM = "application/problem+json"
GEOJSON = {"Content-Type": "application/geo+json"}


@pytest.fixture
def engine_with_territory(engine: Engine) -> Engine:
    with engine.begin() as conn:
        seed_territory(conn)
    return engine


@pytest.fixture
def client(
    engine_with_territory: Engine, database_url: str, tmp_path: Path
) -> Iterator[TestClient]:
    with app_client(Settings(database_url=database_url, data_dir=tmp_path)) as client:
        yield client


def _auth(engine: Engine, role: str, scope: str | None = None) -> dict[str, str]:
    with engine.begin() as conn:
        return {"Authorization": f"Bearer {create_token(conn, role=role, scope=scope)[1]}"}


def _post(client: TestClient, engine: Engine, body: bytes, **headers: str) -> object:
    auth = _auth(engine, "territory_admin")
    return client.post(f"{API}/pollen-index", content=body, headers=GEOJSON | auth | headers)


def _assert_problem(answer: object, status: int) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["status"] == status
    assert problem["title"] == HTTPStatus(status).phrase
    assert problem["instance"] == f"{API}/pollen-index"
    assert problem["type"].startswith("https://")
    assert problem["detail"]
    return problem


def test_imported_levels_show_in_the_pollen_index(
    client: TestClient, engine_with_territory: Engine
) -> None:
    posted = _post(client, engine_with_territory, geojson_bytes())
    commune = client.get(f"{API}/indices/pollen", params={"commune": "58194", "date": DAY})
    departement = client.get(f"{API}/indices/pollen", params={"departement": "58", "date": DAY})

    assert posted.status_code == 200, posted.text
    report = posted.json()
    assert (report["rows"], report["replaced"], report["communes"], report["days"]) == (
        2, 0, 2, ["2026-04-15"],
    )  # fmt: skip
    assert report["source"] == "Atmo France / AASQA, indice pollen, licence ODbL"
    (nevers,) = commune.json()["communes"]
    # Sample levels (1, 1, 2, 4, 4, 1): overall élevé = the worst taxa, birch and grasses
    assert nevers["method"] == "published"
    assert nevers["index"] == {"value": 4, "name": "ELEVE", "label_fr": "Élevé",
                               "label_en": "High", "colour": "#FF5050"}  # fmt: skip
    assert sorted(nevers["responsible"]) == ["pollen_birch", "pollen_grasses"]
    assert nevers["nearest_station_m"] is None
    assert {i["quantity"]: i["sub_index"]["value"] for i in nevers["inputs"]} == {
        "pollen_ragweed": 1, "pollen_mugwort": 1, "pollen_alder": 2, "pollen_birch": 4,
        "pollen_grasses": 4, "pollen_olive": 1,
    }  # fmt: skip
    assert {(i["method"], i["aggregation"], i["value"]) for i in nevers["inputs"]} == {
        ("published", "published_level", None)
    }
    published = nevers["published"]
    assert published["source"] == "Atmo France / AASQA, indice pollen, licence ODbL"
    assert (published["publisher"], published["responsible"]) == (
        "Atmo Bourgogne-Franche-Comté", "BETULA GRAMINEE",
    )  # fmt: skip
    assert published["updated_at"] == "2026-04-15T10:01:02.983000Z"
    assert published["imported_from"] == "api"
    by_code = {c["code"]: c for c in departement.json()["communes"]}
    assert (by_code["58160"]["method"], by_code["58160"]["index"]["name"]) == ("published",
                                                                              "MODERE")  # fmt: skip
    assert (by_code["58121"]["method"], by_code["58121"]["index"]["name"]) == (
        "unavailable", "INDISPONIBLE",
    )  # fmt: skip
    assert any("relayed as published" in note for note in departement.json()["notes"])


def test_csv_is_accepted_and_a_second_import_replaces(
    client: TestClient, engine_with_territory: Engine
) -> None:
    first = _post(client, engine_with_territory, csv_bytes(), **{"Content-Type": "text/csv"})
    updated = feature("58194", code_boul=6, code_qual=6, pollen_resp="BETULA")
    second = _post(client, engine_with_territory, geojson_bytes(updated))

    nevers = client.get(f"{API}/indices/pollen", params={"commune": "58194", "date": DAY})
    assert first.status_code == second.status_code == 200
    assert (second.json()["rows"], second.json()["replaced"]) == (1, 1)
    assert nevers.json()["communes"][0]["index"]["name"] == "EXTREMEMENT_ELEVE"
    assert nevers.json()["communes"][0]["responsible"] == ["pollen_birch"]


def test_a_bad_feature_is_a_problem_naming_it_and_nothing_is_stored(
    client: TestClient, engine_with_territory: Engine
) -> None:
    body = geojson_bytes(feature("58160"), feature("58194", code_qual=9))

    problem = _assert_problem(_post(client, engine_with_territory, body), 422)
    after = client.get(f"{API}/indices/pollen", params={"commune": "58160", "date": DAY})

    assert problem["errors"] == [{
        "location": "features[1]", "field": "code_qual", "value": 9,
        "expected": "an integer level from 0 (indisponible) to 6 (extrêmement élevé)",
        "source": "request body",
    }]  # fmt: skip
    assert after.json()["communes"][0]["method"] == "unavailable"


def test_an_unknown_commune_is_a_problem(client: TestClient, engine_with_territory: Engine) -> None:
    problem = _assert_problem(
        _post(client, engine_with_territory, geojson_bytes(feature("58999"))), 422
    )

    assert problem["errors"][0]["field"] == "code_zone"
    assert problem["errors"][0]["value"] == "58999"


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        (None, None, 401),
        ("citizen", None, 403),
        ("professional", None, 403),
        ("territory_admin", "departement/18", 403),  # Cher's admin cannot import Nevers
        ("territory_admin", "departement/58", 200),
        ("operator", None, 200),
    ],
)
def test_only_territory_admins_of_the_communes_import(
    client: TestClient, engine_with_territory: Engine, role: str | None, scope: str | None,
    status: int,
) -> None:  # fmt: skip
    auth = {} if role is None else _auth(engine_with_territory, role, scope)

    answer = client.post(f"{API}/pollen-index", content=geojson_bytes(), headers=GEOJSON | auth)

    if status != 200:
        problem = _assert_problem(answer, status)
        if scope == "departement/18":
            assert "features[0]: commune 58194 is outside the token's scope" in problem["detail"]
    else:
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (geojson_bytes(), "application/xml", 415),
        (b"{not json", "application/json", 422),
        (b'{"type": "FeatureCollection", "features": []}', "application/geo+json", 422),
        (b"code_zone,date_ech\n58194,2026-04-15\n", "text/csv", 422),
    ],
)
def test_unreadable_bodies_are_problems(
    client: TestClient, engine_with_territory: Engine, body: bytes, content_type: str,
    status: int,
) -> None:  # fmt: skip
    _assert_problem(_post(client, engine_with_territory, body, **{"Content-Type": content_type}),
                    status)  # fmt: skip

"""``/care-access/apl`` (public) and ``/care-access/scenarios`` (territory officers)."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from healthycity.api.app import create_app
from healthycity.auth.tokens import create_token
from healthycity.config import Settings
from tests.apl_seed import seed_tiny_apl

API = "/api/v1/care-access"
PROBLEM = "application/problem+json"
NIEVRE = {"territory": "departement/58"}


def _client(url: str, folder: Path) -> Iterator[TestClient]:
    app: FastAPI = create_app(Settings(database_url=url, data_dir=folder))
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.engine.dispose()


@pytest.fixture
def demo_client(care_demo_database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client on the care demo database (read-only use)."""
    yield from _client(care_demo_database_url, tmp_path)


@pytest.fixture
def tiny_client(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client on a writable database holding the tiny APL territory."""
    with engine.begin() as conn:
        seed_tiny_apl(conn, tmp_path)
    yield from _client(database_url, tmp_path)


@pytest.fixture
def token(engine: Engine) -> Any:
    def mint(role: str, scope: str | None = None) -> dict[str, str]:
        with engine.begin() as conn:
            secret = create_token(conn, role=role, scope=scope, label="apl tests")[1]
        return {"Authorization": f"Bearer {secret}"}

    return mint


def _problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


# --- Public APL on the demo ------------------------------------------------------------------


def test_apl_of_nievre_as_json_gives_every_commune_its_class_and_provenance(
    demo_client: TestClient,
) -> None:
    body = demo_client.get(f"{API}/apl", params=NIEVRE).json()

    assert len(body["communes"]) == 309
    classes = {c["apl_class"]: c for c in body["classes"]}
    assert sum(c["communes"] for c in body["classes"]) == 309
    assert classes["under_dense"]["upper"] == 2.5
    assert classes["vigilance"]["label_fr"] == "Vigilance (2,5 à 4)"
    setup = body["setup"]
    assert (setup["method"], setup["bpe_year"], setup["year"]) == ("drees_apl", 2019, 2023)
    assert setup["age_structure_is_estimated"] is True
    assert body["computation_ms"] >= 0
    nevers = next(c for c in body["communes"] if c["code"] == "58194")
    assert nevers["gp_count"] == 32
    assert nevers["apl_with_teleconsultation"] is None  # no point registered in the demo


def test_apl_as_geojson_draws_each_commune_with_its_class(demo_client: TestClient) -> None:
    response = demo_client.get(f"{API}/apl", params=NIEVRE | {"format": "geojson"})

    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 309
    feature = body["features"][0]
    assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert {"apl", "apl_class", "apl_class_label"} <= feature["properties"].keys()
    assert body["metadata"]["bpe_year"] == 2019


def test_apl_as_csv_is_one_valid_row_per_commune(demo_client: TestClient) -> None:
    response = demo_client.get(f"{API}/apl", params=NIEVRE | {"format": "csv"})

    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 309
    assert {r["apl_class"] for r in rows} == {"under_dense", "vigilance", "adequate"}
    assert all(float(r["apl"]) >= 0 for r in rows)


def test_apl_aggregates_by_epci_flag_the_epci_straddling_the_border(
    demo_client: TestClient,
) -> None:
    body = demo_client.get(f"{API}/apl/aggregates", params=NIEVRE | {"level": "epci"}).json()
    epcis = {a["code"]: a for a in body["aggregates"]}

    assert len(epcis) == 13
    assert epcis["200071140"]["is_partial"]  # CA Moulins Communauté: 2 communes in Nièvre
    assert epcis["200071140"]["communes"] == 2
    assert not epcis["245804406"]["is_partial"]  # CA de Nevers
    [nievre] = demo_client.get(
        f"{API}/apl/aggregates", params=NIEVRE | {"level": "departement"}
    ).json()["aggregates"]
    assert nievre["communes"] == 309


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"territory": "departement/99"}, 404),
        ({"territory": "departement/58", "year": 2019}, 422),
        ({"territory": "departement/58", "provider": "road"}, 422),
        ({"territory": "58"}, 422),
        ({"territory": "departement/58", "format": "kml"}, 422),
    ],
)
def test_apl_bad_queries_get_problem_json(
    demo_client: TestClient, params: dict[str, Any], status: int
) -> None:
    _problem(demo_client.get(f"{API}/apl", params=params), status)


# --- Scenarios on the tiny territory ---------------------------------------------------------

ADD = {"kind": "add_gps", "commune": "58002", "count": 2}
PREVIEW = {"territory": "departement/58", "changes": [ADD]}


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        (None, None, 401),
        ("citizen", None, 403),
        ("professional", None, 403),
        ("territory_admin", "departement/89", 403),
        ("territory_admin", "departement/58", 200),
        ("operator", None, 200),
    ],
)
def test_scenario_preview_is_for_officers_of_the_territory(
    tiny_client: TestClient, token: Any, role: str | None, scope: str | None, status: int
) -> None:
    headers = token(role, scope) if role else {}
    response = tiny_client.post(f"{API}/scenarios/preview", json=PREVIEW, headers=headers)
    if status != 200:
        _problem(response, status)
        return
    body = response.json()
    assert body["method"] == "drees_apl"
    assert [c["code"] for c in body["communes"]] == ["58001", "58002"]
    assert all(c["delta"] > 0 for c in body["communes"])
    assert body["computation_ms"] >= 0


def test_scenario_errors_are_422_naming_the_commune(tiny_client: TestClient, token: Any) -> None:
    headers = token("territory_admin", "departement/58")
    too_many = {"kind": "remove_gps", "commune": "58001", "count": 5}
    body = _problem(
        tiny_client.post(
            f"{API}/scenarios/preview", json=PREVIEW | {"changes": [too_many]}, headers=headers
        ),
        422,
    )
    assert "removes 5 GP(s) at commune 58001" in body["detail"]
    negative = {"kind": "add_gps", "commune": "58001", "count": -1}
    _problem(
        tiny_client.post(
            f"{API}/scenarios/preview", json=PREVIEW | {"changes": [negative]}, headers=headers
        ),
        422,
    )
    _problem(
        tiny_client.post(
            f"{API}/scenarios/preview", json=PREVIEW | {"changes": []}, headers=headers
        ),
        422,
    )


def test_scenarios_are_saved_listed_shown_and_compared_within_scope(
    tiny_client: TestClient, token: Any
) -> None:
    officer, other = (
        token("territory_admin", "departement/58"),
        token("territory_admin", "departement/89"),
    )
    first = tiny_client.post(
        f"{API}/scenarios", json=PREVIEW | {"name": "Deux MG"}, headers=officer
    )
    assert first.status_code == 201, first.text
    saved = first.json()
    assert saved["author_token_id"] is not None
    assert saved["is_current_data"] is True
    assert saved["changes"] == [ADD | {"consultations_per_gp": None}]
    tele = {"kind": "add_teleconsultation", "commune": "58001"}
    second = tiny_client.post(
        f"{API}/scenarios", json=PREVIEW | {"name": "Cabine", "changes": [tele]}, headers=officer
    ).json()

    listed = tiny_client.get(f"{API}/scenarios", headers=officer).json()
    assert [s["name"] for s in listed] == ["Cabine", "Deux MG"]
    assert listed[1]["summary"]["communes"] == 2
    assert tiny_client.get(f"{API}/scenarios", headers=other).json() == []
    shown = tiny_client.get(f"{API}/scenarios/{saved['id']}", headers=officer).json()
    assert shown["outcome"]["communes"] == saved["outcome"]["communes"]
    _problem(tiny_client.get(f"{API}/scenarios/{saved['id']}", headers=other), 403)
    _problem(tiny_client.get(f"{API}/scenarios/999", headers=officer), 404)

    compared = tiny_client.get(
        f"{API}/scenarios/{saved['id']}/compare", params={"with": second["id"]}, headers=officer
    ).json()
    assert compared["base_differences"] == ["method"]  # the cabin uses the labelled variant
    assert [c["code"] for c in compared["communes"]] == ["58001", "58002"]
    row = compared["communes"][1]
    assert row["apl_after_first"] > row["apl_after_second"] > row["apl_before_first"]

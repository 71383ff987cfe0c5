"""``/care-access/finder``: the nearest care with a modelled travel time, on both backends."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthycity.api.app import create_app
from healthycity.config import Settings
from tests.api.conftest import MintToken

FINDER = "/api/v1/care-access/finder"
PROBLEM = "application/problem+json"
NEVERS = "58194"
DUN_LES_PLACES = "58106"  # a Morvan commune of 358 inhabitants without a pharmacy (BPE 2019)


@pytest.fixture
def care_client(care_demo_database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app on the care demo database (read-only use)."""
    app: FastAPI = create_app(Settings(database_url=care_demo_database_url, data_dir=tmp_path))
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.engine.dispose()


def _find(client: TestClient, **params: str | float) -> dict[str, Any]:
    response = client.get(FINDER, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_finder_nearest_pharmacy_from_nevers_centre_is_in_nevers(care_client: TestClient) -> None:
    body = _find(care_client, commune=NEVERS, kind="pharmacy", limit=5)

    first = body["results"][0]
    assert (first["commune_code"], first["commune_name"]) == (NEVERS, "Nevers")
    assert first["source"] == "bpe"
    assert (first["count"], first["year"]) == (18, 2019)  # BPE 2019, D301 in Nevers
    assert first["location"] == "commune_centre"  # the BPE has no addresses
    assert first["distance_km"] == 0.0
    assert first["travel_time_min"] == 3.0  # the model's access time alone
    assert first["opening_hours"] is None
    assert first["is_open_now"] is None
    assert body["count"] == len(body["results"]) == 5
    assert body["origin_commune"] == NEVERS
    assert body["label"] == "Pharmacie"
    model = body["travel_time_model"]
    assert (model["name"], model["is_approximate"]) == ("straight-line", True)
    assert (model["detour_factor"], model["speed_kmh"], model["intra_commune_min"]) == (
        1.3,
        60.0,
        3.0,
    )


def test_finder_from_a_morvan_commune_is_farther_within_a_plausible_time(
    care_client: TestClient,
) -> None:
    nevers = _find(care_client, commune=NEVERS, kind="pharmacy", limit=1)["results"][0]
    body = _find(care_client, commune=DUN_LES_PLACES, kind="pharmacy", limit=3)

    first = body["results"][0]
    assert first["commune_code"] != DUN_LES_PLACES
    assert 5.0 < first["distance_km"] < 15.0
    assert first["travel_time_min"] > nevers["travel_time_min"]
    assert 10.0 < first["travel_time_min"] < 25.0
    # the model: 3 min + 1.3 min per km of straight line
    assert first["travel_time_min"] == pytest.approx(3.0 + 1.3 * first["distance_km"], abs=0.06)
    times = [r["travel_time_min"] for r in body["results"]]
    assert times == sorted(times)


def test_finder_from_a_point_in_nevers_equals_the_search_from_its_centre(
    care_client: TestClient,
) -> None:
    centre = _find(care_client, commune=NEVERS, kind="general_practitioner", limit=3)
    point = _find(
        care_client,
        lon=centre["origin_lon"],
        lat=centre["origin_lat"],
        kind="general_practitioner",
        limit=3,
    )

    assert point["origin_commune"] is None
    assert point["results"] == centre["results"]
    assert point["results"][0]["count"] == 32  # BPE 2019, D201 in Nevers


@pytest.mark.parametrize(
    ("kind", "label"),
    [("emergency", "Service d'urgences"), ("ehpad", "Ehpad et hébergement de personnes âgées")],
)
def test_finder_finds_each_kind_the_bpe_counts(
    care_client: TestClient, kind: str, label: str
) -> None:
    body = _find(care_client, commune=DUN_LES_PLACES, kind=kind, limit=2)

    assert body["label"] == label
    assert [r["kind"] for r in body["results"]] == [kind, kind]
    assert all(r["travel_time_min"] < 60 for r in body["results"])


def test_finder_without_teleconsultation_points_answers_an_empty_list(
    care_client: TestClient,
) -> None:
    body = _find(care_client, commune=NEVERS, kind="teleconsultation")

    assert (body["count"], body["results"]) == (0, [])


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"kind": "pharmacy"}, 422, "expected lon and lat, or commune"),
        ({"kind": "pharmacy", "lon": 3.1, "lat": 47.0, "commune": NEVERS}, 422, "commune=58194"),
        ({"kind": "pharmacy", "lon": -0.13, "lat": 51.5}, 422, "a WGS84 point in France"),
        ({"kind": "pharmacy", "commune": "99999"}, 404, "99999"),
        ({"kind": "astrologer", "commune": NEVERS}, 422, "kind"),
        ({"kind": "pharmacy", "commune": NEVERS, "limit": 0}, 422, "limit"),
    ],
)
def test_finder_bad_queries_get_a_problem_naming_the_field(
    care_client: TestClient, params: dict[str, str | float], status: int, needle: str
) -> None:
    response = care_client.get(FINDER, params=params)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert needle in response.text


def test_finder_gives_exact_location_and_hours_of_a_registered_place(
    writable_client: TestClient, mint_token: MintToken
) -> None:
    hours = "Mo-Su 00:00-24:00"
    created = writable_client.post(
        "/api/v1/care-access/facilities",
        json={
            "kind": "teleconsultation",
            "name": "Cabine de téléconsultation de la mairie",
            "commune_code": NEVERS,
            "lon": 3.1596,
            "lat": 46.9896,
            "teleconsultation_host": "town_hall",
            "opening_hours": hours,
        },
        headers={"Authorization": f"Bearer {mint_token('territory_admin')}"},
    )
    assert created.status_code == 201, created.text

    body = _find(writable_client, lon=3.1596, lat=46.9996, kind="teleconsultation")

    [found] = body["results"]
    assert found["name"] == "Cabine de téléconsultation de la mairie"
    assert (found["source"], found["record_id"]) == ("facility", created.json()["id"])
    assert found["location"] == "exact"
    assert found["commune_name"] == "Nevers"
    assert found["distance_km"] == pytest.approx(1.112, abs=0.001)  # 0.01° of latitude
    assert found["opening_hours"] == "24/7"
    assert found["is_open_now"] is True

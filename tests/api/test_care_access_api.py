"""``/care-access``: public reads on the care demo, writes by scoped territory administrators."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from healthycity.api.app import create_app
from healthycity.config import Settings
from tests.api.conftest import MintToken

API = "/api/v1/care-access"
PROBLEM = "application/problem+json"
NEVERS_POINT = {"lon": 3.1590, "lat": 46.9908}  # inside the seeded Nevers box


@pytest.fixture
def care_client(care_demo_database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app on the care demo database (read-only use)."""
    app: FastAPI = create_app(Settings(database_url=care_demo_database_url, data_dir=tmp_path))
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.engine.dispose()


def _problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- Reads on the care demo --------------------------------------------------------------------


def test_offer_of_nievre_gives_gp_counts_of_the_latest_year_or_the_one_asked(
    care_client: TestClient,
) -> None:
    latest = care_client.get(
        f"{API}/offer", params={"territory": "departement/58", "kind": "general_practitioner"}
    ).json()
    assert (latest["territory"], latest["name"]) == ("departement/58", "Nièvre")
    [gps] = latest["counts"]
    assert (gps["year"], gps["total"], gps["by_commune"]["58194"]) == (2019, 162, 32)
    assert gps["label"] == "Médecin généraliste"
    older = care_client.get(
        f"{API}/offer",
        params={"territory": "departement/58", "kind": "general_practitioner", "year": 2018},
    ).json()
    assert older["counts"][0]["total"] == 163


def test_offer_lists_the_hospitals_and_flags_the_one_geocoded_in_sarthe(
    care_client: TestClient,
) -> None:
    body = care_client.get(
        f"{API}/offer", params={"territory": "departement/58", "kind": "hospital"}
    ).json()
    assert body["counts"] == []  # the BPE does not count hospitals
    assert len(body["facilities"]) == 32
    [dunant] = [f for f in body["facilities"] if not f["coordinates_trusted"]]
    assert dunant["finess"] == "580972644"
    detail = care_client.get(f"{API}/facilities/{dunant['id']}").json()
    assert detail["location_precision"] == "commune"
    assert detail["commune_code"] == "58059"
    assert detail["reported_lat"] == pytest.approx(47.8857, abs=1e-4)


def test_offer_of_a_commune_without_kind_gives_every_counted_kind(
    care_client: TestClient,
) -> None:
    body = care_client.get(f"{API}/offer", params={"territory": "commune/58194"}).json()
    totals = {c["kind"]: c["total"] for c in body["counts"]}
    assert totals["general_practitioner"] == 32
    assert totals["pharmacy"] == 18
    assert "nurse" in totals  # every health type of the demo départements is there


def test_nearest_pharmacy_from_a_point_and_from_a_commune(care_client: TestClient) -> None:
    from_point = care_client.get(
        f"{API}/nearest", params={**NEVERS_POINT, "kind": "pharmacy", "limit": 2}
    ).json()
    assert from_point["count"] == 2
    first = from_point["results"][0]
    assert (first["commune_code"], first["source"], first["count"]) == ("58194", "bpe", 18)
    from_commune = care_client.get(
        f"{API}/nearest", params={"commune": "58059", "kind": "hospital"}
    ).json()
    assert {r["commune_code"] for r in from_commune["results"][:3]} == {"58059"}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/nearest?kind=pharmacy", 422),
        ("/nearest?kind=pharmacy&lon=3.1&lat=47&commune=58194", 422),
        ("/nearest?kind=pharmacy&lon=13.4&lat=52.5", 422),
        ("/nearest?kind=vet&lon=3.1&lat=47", 422),
        ("/nearest?kind=pharmacy&commune=58999", 404),
        ("/offer?territory=departement", 422),
        ("/offer?territory=departement/99", 404),
        ("/facilities/999999", 404),
        ("/practitioners/999999", 404),
    ],
)
def test_read_errors_are_problems(care_client: TestClient, path: str, status: int) -> None:
    _problem(care_client.get(API + path), status)


# --- Writes on the seeded database ---------------------------------------------------------------


def test_writes_need_a_territory_admin_token(
    writable_client: TestClient, mint_token: MintToken
) -> None:
    body = {"profession": "general_practitioner", "commune_code": "58194"}
    _problem(writable_client.post(f"{API}/practitioners", json=body), 401)
    citizen = _auth(mint_token("citizen"))
    _problem(writable_client.post(f"{API}/practitioners", json=body, headers=citizen), 403)
    cher = _auth(mint_token("territory_admin", scope="departement/18"))
    problem = _problem(writable_client.post(f"{API}/practitioners", json=body, headers=cher), 403)
    assert "scoped to departement/18; commune/58194 lies outside" in problem["detail"]


def test_practitioner_lifecycle_within_the_scope(
    writable_client: TestClient, mint_token: MintToken
) -> None:
    nievre = _auth(mint_token("territory_admin", scope="departement/58"))
    created = writable_client.post(
        f"{API}/practitioners",
        headers=nievre,
        json={
            "profession": "general_practitioner",
            "commune_code": "58194",
            **NEVERS_POINT,
            "yearly_consultations": 5400,
            "activity_year": 2023,
            "age_band": "60_64",
            "opening_hours": "Mo-Fr 08:00-19:00",
        },
    )
    assert created.status_code == 201, created.text
    gp = created.json()
    assert (gp["location_precision"], gp["label"]) == ("address", "Médecin généraliste")
    url = f"{API}/practitioners/{gp['id']}"

    absurd = writable_client.patch(url, headers=nievre, json={"yearly_consultations": 25000})
    [error] = _problem(absurd, 422)["errors"]
    assert (error["field"], error["value"]) == ("yearly_consultations", 25000)
    assert "20,000" in error["expected"]

    moved = writable_client.patch(url, headers=nievre, json={"commune_code": "18033"})
    _problem(moved, 403)  # Bourges is outside Nièvre
    assert writable_client.get(url).json()["commune_code"] == "58194"

    retired = writable_client.patch(url, headers=nievre, json={"age_band": "65_plus"})
    assert retired.json()["age_band"] == "65_plus"
    assert writable_client.delete(url, headers=nievre).status_code == 204
    _problem(writable_client.get(url), 404)


def test_body_rules_are_reported_field_by_field(
    writable_client: TestClient, mint_token: MintToken
) -> None:
    admin = _auth(mint_token("territory_admin"))
    cases = [
        ({"commune_code": "58999"}, "commune_code"),
        ({"lon": -0.13, "lat": 51.51}, "lon, lat"),
        ({"lon": 3.1}, "lat"),
        ({"profession": "specialist"}, "specialty"),
        ({"opening_hours": "PH off"}, "opening_hours"),
    ]
    for changes, field in cases:
        body = {"profession": "general_practitioner", "commune_code": "58194"} | changes
        response = writable_client.post(f"{API}/practitioners", json=body, headers=admin)
        [error] = _problem(response, 422)["errors"]
        assert (error["field"], error["source"], error["location"]) == (
            field,
            "request body",
            "practitioner",
        )


def test_teleconsultation_point_is_found_as_the_nearest(
    writable_client: TestClient, mint_token: MintToken
) -> None:
    nievre = _auth(mint_token("territory_admin", scope="departement/58"))
    cabin = {
        "kind": "teleconsultation",
        "name": "Cabine de téléconsultation de la mairie",
        "commune_code": "58194",
        "lon": 3.16,
        "lat": 46.99,
        "opening_hours": "Mo-Fr 09:00-17:00",
    }
    missing_host = writable_client.post(f"{API}/facilities", json=cabin, headers=nievre)
    assert _problem(missing_host, 422)["errors"][0]["field"] == "teleconsultation_host"
    created = writable_client.post(
        f"{API}/facilities", json=cabin | {"teleconsultation_host": "town_hall"}, headers=nievre
    )
    assert created.status_code == 201, created.text
    facility = created.json()
    assert (facility["departement_code"], facility["coordinates_trusted"]) == ("58", True)
    nearest = writable_client.get(
        f"{API}/nearest", params={"lon": 3.17, "lat": 46.99, "kind": "teleconsultation"}
    ).json()
    [found] = nearest["results"]
    assert (found["record_id"], found["opening_hours"]) == (facility["id"], "Mo-Fr 09:00-17:00")
    assert found["distance_km"] == pytest.approx(0.76, abs=0.01)


def test_deleting_an_msp_keeps_its_practitioners(
    writable_client: TestClient, mint_token: MintToken
) -> None:
    admin = _auth(mint_token("territory_admin", scope="departement/58"))
    msp = writable_client.post(
        f"{API}/facilities",
        json={"kind": "msp", "name": "MSP du Banlay", "commune_code": "58194"},
        headers=admin,
    ).json()
    nurse = writable_client.post(
        f"{API}/practitioners",
        json={"profession": "nurse", "commune_code": "58194", "structure_id": msp["id"]},
        headers=admin,
    ).json()
    assert nurse["structure_id"] == msp["id"]
    not_a_structure = writable_client.post(
        f"{API}/practitioners",
        json={"profession": "nurse", "commune_code": "58194", "structure_id": 999},
        headers=admin,
    )
    assert _problem(not_a_structure, 422)["errors"][0]["field"] == "structure_id"
    assert writable_client.delete(f"{API}/facilities/{msp['id']}", headers=admin).status_code == 204
    assert writable_client.get(f"{API}/practitioners/{nurse['id']}").json()["structure_id"] is None


def test_offer_of_a_region_leaves_out_kinds_not_imported_all_over_it(
    care_client: TestClient,
) -> None:
    body = care_client.get(f"{API}/offer", params={"territory": "region/27"}).json()
    kinds = {c["kind"] for c in body["counts"]}
    # GPs were imported for all France; nurses only for the demo départements, and the
    # région also holds Doubs, Jura, Haute-Saône and the Territoire de Belfort
    assert "general_practitioner" in kinds
    assert "nurse" not in kinds
    assert {f["departement_code"] for f in body["facilities"]} == {"21", "58", "71", "89"}
    old = care_client.get(f"{API}/offer", params={"territory": "region/27", "year": 2017}).json()
    assert old["counts"] == []


def test_facility_moves_and_gets_its_own_address(
    writable_client: TestClient, mint_token: MintToken
) -> None:
    admin = _auth(mint_token("territory_admin"))
    nievre = _auth(mint_token("territory_admin", scope="departement/58"))
    body = {"kind": "pharmacy", "name": "Pharmacie", "commune_code": "58194", "finess": "580780138"}
    created = writable_client.post(f"{API}/facilities", json=body, headers=admin).json()
    assert (created["location_precision"], created["coordinates_trusted"]) == ("unknown", False)
    url = f"{API}/facilities/{created['id']}"
    twin = writable_client.post(f"{API}/facilities", json=body, headers=admin)
    assert _problem(twin, 422)["errors"][0]["field"] == "finess"

    moved = writable_client.patch(url, json={"commune_code": "18033"}, headers=admin).json()
    assert (moved["commune_code"], moved["departement_code"]) == ("18033", "18")
    _problem(writable_client.patch(url, json={"name": "P"}, headers=nievre), 403)
    placed = writable_client.patch(url, json={"lon": 2.40, "lat": 47.08}, headers=admin).json()
    assert (placed["location_precision"], placed["coordinates_trusted"]) == ("address", True)
    assert writable_client.delete(url, headers=nievre).status_code == 403
    assert writable_client.delete(url, headers=admin).status_code == 204


def test_nearest_from_a_commune_without_a_known_point(writable_client: TestClient) -> None:
    # the seeded Nevers has a polygon but no stored point-on-surface, nor has Nièvre
    response = writable_client.get(f"{API}/nearest", params={"commune": "58194", "kind": "ehpad"})
    assert "No point is known for commune 58194" in _problem(response, 404)["detail"]

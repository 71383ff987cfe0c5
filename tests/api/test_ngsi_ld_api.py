"""The NGSI-LD door: Smart Data Models examples, batch semantics, JSON-LD rules, latest state."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import MintToken

API = "/api/v1/environment"
NGSI = "/ngsi-ld/v1"
ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"
EXAMPLES = Path(__file__).parents[1] / "data" / "smart-data-models"
JSONLD = "application/ld+json"
SDM_CONTEXT = "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld"
MADRID = "Madrid-AmbientObserved-28079004-2016-03-15T11:00:00"
MADRID_LD = f"urn:ngsi-ld:AirQualityObserved:{MADRID}"
CDMX = "AeroAllergenObserved-CDMX-Pollen-Cuajimalpa"
NEVERS = {"lon": 3.159, "lat": 46.99, "commune_code": "58194"}
POLLEN_UNITS = dict.fromkeys(("pollen_alder", "pollen_birch", "pollen_grasses"), "grains/m³")
AIR_UNITS = {"no2": "µg/m³", "so2": "µg/m³", "co": "mg/m³", "temperature": "°C",
             "relative_humidity": "%", "pm25": "µg/m³"}  # fmt: skip
HOUR = (datetime.now(UTC) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
STAMP = HOUR.isoformat().replace("+00:00", "Z")

# What each example stores (canonical units), and which attributes go to the quarantine.
MADRID_STORED = {"no2": 69.0, "so2": 11.0, "temperature": 12.2, "relative_humidity": 54.0}
EXPECTED = {
    "AirQualityObserved/example-normalized.json": (MADRID_STORED, {("co", "out_of_range")}),
    "AirQualityObserved/example-normalized.jsonld": (MADRID_STORED, {("co", "out_of_range")}),
    "AirQualityObserved/example.json": (
        {k: v for k, v in MADRID_STORED.items() if k != "no2"},  # it says co2, not no2
        {("co", "out_of_range")},  # 500 in the sensor's registered unit, mg/m³
    ),
    "AirQualityObserved/example.jsonld": (MADRID_STORED, {("co", "out_of_range")}),
    "AeroAllergenObserved/example-normalized.json": ({}, {(None, "no_measurement")}),
    "AeroAllergenObserved/example-normalized.jsonld": ({}, {(None, "no_measurement")}),
    "AeroAllergenObserved/example.json": ({}, {(None, "no_measurement")}),
    "AeroAllergenObserved/example.jsonld": ({}, {(None, "no_measurement")}),
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def load(name: str) -> tuple[dict, str]:
    """An example entity and the media type it is sent as (.jsonld: JSON-LD with @context)."""
    return json.loads((EXAMPLES / name).read_text()), JSONLD if name.endswith("ld") else (
        "application/json"
    )


@pytest.fixture
def admin(mint_token: MintToken) -> dict[str, str]:
    return auth(mint_token("territory_admin", scope="departement/58"))


@pytest.fixture
def agent(mint_token: MintToken) -> dict[str, str]:
    return auth(mint_token("professional"))


@pytest.fixture
def operator(mint_token: MintToken) -> dict[str, str]:
    return auth(mint_token("operator"))


def register(client: TestClient, admin: dict, sensor_id: str, units: dict[str, str]) -> None:
    body = {"id": sensor_id, "name": sensor_id, "kind": "reference", "quantities": units,
            **NEVERS}  # fmt: skip
    assert client.post(f"{API}/sensors", json=body, headers=admin).status_code == 201


@pytest.fixture
def broker(writable_client: TestClient, admin: dict) -> TestClient:
    """The app with the examples' sensors and a Nevers station registered."""
    register(writable_client, admin, MADRID, AIR_UNITS)
    register(writable_client, admin, CDMX, POLLEN_UNITS)
    register(writable_client, admin, "nevers-1", {"pm25": "µg/m³", "no2": "ppb"})
    return writable_client


def post(client: TestClient, path: str, body: object, media: str, headers: dict, **extra):
    return client.post(f"{NGSI}{path}", content=json.dumps(body),
                       headers=headers | {"Content-Type": media} | extra)  # fmt: skip


def stored(client: TestClient, sensor_id: str) -> dict[str, float]:
    latest = client.get(f"{API}/sensors/{sensor_id}/latest").json()["latest"]
    return {x["quantity"]: round(x["value"], 6) for x in latest}


def quarantined(client: TestClient, operator: dict) -> set[tuple[str | None, str]]:
    entries = client.get(f"{API}/quarantine", headers=operator).json()["entries"]
    assert {e["door"] for e in entries} <= {"ngsi-ld"}
    return {(e["quantity"], e["reason"]) for e in entries}


def assert_ngsi_problem(answer, status: int, error: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == ERRORS + error
    assert {"title", "status", "detail"} <= problem.keys()
    assert problem["status"] == status
    return problem


def test_every_example_shipped_is_in_the_expectations() -> None:
    """A new example file must be given its expectation, so that none goes untested."""
    shipped = {p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.glob("*/example*.json*")}

    assert shipped == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_ngsi_ld_every_smart_data_models_example_is_accepted_by_create(
    broker: TestClient, agent: dict, operator: dict, name: str
) -> None:
    entity, media = load(name)
    values, refused = EXPECTED[name]
    sensor = MADRID if name.startswith("Air") else CDMX

    answer = post(broker, "/entities", entity, media, agent)

    assert answer.status_code == 201, answer.text
    assert answer.headers["location"].startswith(f"{NGSI}/entities/urn:ngsi-ld:")
    assert stored(broker, sensor) == values
    assert quarantined(broker, operator) == refused
    again = post(broker, "/entities", entity, media, agent)
    if values:  # the entity now exists: creating it again is refused and stores nothing
        assert_ngsi_problem(again, 409, "AlreadyExists")
        assert broker.get(answer.headers["location"]).status_code == 200


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_ngsi_ld_every_smart_data_models_example_is_accepted_by_upsert(
    broker: TestClient, agent: dict, operator: dict, name: str
) -> None:
    entity, media = load(name)
    values, refused = EXPECTED[name]
    sensor = MADRID if name.startswith("Air") else CDMX

    first = post(broker, "/entityOperations/upsert", [entity], media, agent)
    second = post(broker, "/entityOperations/upsert", [entity], media, agent)

    assert first.status_code == 201, first.text
    assert first.json() == [entity["id"]]
    assert stored(broker, sensor) == values
    assert quarantined(broker, operator) == refused
    assert second.status_code == (204 if values else 201)  # no measurement: nothing exists yet
    if values:
        observed = broker.get(f"{API}/observations", params={"sensor": sensor}).json()
        assert {o["observed_at"] for o in observed["observations"]} == {"2016-03-15T11:00:00Z"}


def test_ngsi_ld_upsert_answers_207_naming_each_failed_entity(
    broker: TestClient, agent: dict, operator: dict
) -> None:
    good = {"id": "urn:ngsi-ld:AirQualityObserved:nevers-1", "type": "AirQualityObserved",
            "dateObserved": {"type": "Property", "value": STAMP},
            "pm25": {"type": "Property", "value": 12.5, "unitCode": "GQ"},
            "no2": {"type": "Property", "value": 10, "unitCode": "61"}}  # fmt: skip
    ghost = good | {"id": "urn:ngsi-ld:AirQualityObserved:ghost"}
    weather = {"id": "urn:ngsi-ld:WeatherObserved:w1", "type": "WeatherObserved"}
    out_of_range = good | {
        "id": "urn:ngsi-ld:AirQualityObserved:x",
        "refDevice": {"type": "Relationship", "object": "nevers-1"},
        "pm25": {"type": "Property", "value": 5000, "unitCode": "GQ"},
    }
    del out_of_range["no2"]

    answer = post(broker, "/entityOperations/upsert", [good, ghost, weather, out_of_range],
                  "application/json", agent)  # fmt: skip

    assert answer.status_code == 207, answer.text
    result = answer.json()
    assert result["success"] == [good["id"]]
    errors = {e["entityId"]: e["error"] for e in result["errors"]}
    assert list(errors) == [ghost["id"], weather["id"], out_of_range["id"]]
    for problem in errors.values():
        assert problem["type"] == ERRORS + "BadRequestData"
        assert (problem["title"], problem["status"]) == ("Bad Request", 400)
    assert "ghost" in errors[ghost["id"]]["detail"]
    assert "WeatherObserved" in errors[weather["id"]]["detail"]
    assert "pm25" in errors[out_of_range["id"]]["detail"]
    assert "5000" in errors[out_of_range["id"]]["detail"]
    assert stored(broker, "nevers-1") == {"pm25": 12.5, "no2": pytest.approx(19.13, abs=0.01)}
    assert quarantined(broker, operator) == {
        ("pm25", "unknown_sensor"), ("no2", "unknown_sensor"), (None, "unsupported_type"),
        ("pm25", "out_of_range"),
    }  # fmt: skip


def test_ngsi_ld_upsert_quarantines_times_and_values_beyond_range(
    broker: TestClient, agent: dict, operator: dict
) -> None:
    # Each was a 500 (OverflowError): years past 9999 or before 1 once in UTC, an integer past
    # a double (relativeHumidity, a fraction, is scaled to % before the pipeline sees it).
    good = {"id": "urn:ngsi-ld:AirQualityObserved:nevers-1", "type": "AirQualityObserved",
            "dateObserved": STAMP, "pm25": 12.5}  # fmt: skip
    future = good | {"id": "urn:ngsi-ld:AirQualityObserved:future", "refDevice": "nevers-1",
                     "dateObserved": "9999-12-31T23:59:59-14:00"}  # fmt: skip
    past = future | {"id": "urn:ngsi-ld:AirQualityObserved:past",
                     "dateObserved": "0001-01-01T00:00:00+14:00"}  # fmt: skip
    huge = {"id": "urn:ngsi-ld:AirQualityObserved:huge", "type": "AirQualityObserved",
            "refDevice": MADRID, "dateObserved": STAMP, "no2": int("9" * 400),
            "relativeHumidity": int("9" * 400)}  # fmt: skip

    answer = post(broker, "/entityOperations/upsert", [good, future, past, huge],
                  "application/json", agent)  # fmt: skip

    assert answer.status_code == 207, answer.text
    result = answer.json()
    assert result["success"] == [good["id"]]
    details = {e["entityId"]: e["error"]["detail"] for e in result["errors"]}
    assert list(details) == [future["id"], past["id"], huge["id"]]
    assert "10000-01-01T13:59:59" in details[future["id"]]
    assert "0000-12-31T10:00:00" in details[past["id"]]
    assert "not finite" in details[huge["id"]]
    assert stored(broker, "nevers-1") == {"pm25": 12.5}
    assert stored(broker, MADRID) == {}
    assert quarantined(broker, operator) == {
        ("pm25", "future_timestamp"), ("pm25", "too_old"), ("no2", "not_finite"),
        ("relative_humidity", "not_finite"),
    }  # fmt: skip


def test_ngsi_ld_pollen_counts_and_attribute_times_are_stored(
    broker: TestClient, agent: dict
) -> None:
    entity = {
        "id": f"urn:ngsi-ld:AeroAllergenObserved:{CDMX}", "type": "AeroAllergenObserved",
        "dateObserved": {"type": "Property", "value": {"@type": "DateTime", "@value": STAMP}},
        "alnus": {"type": "Property", "value": 40, "unitCode": "gr/m3"},
        "poaceae": {"type": "Property", "value": 12,
                    "observedAt": (HOUR - timedelta(hours=1)).isoformat()},
        "alnus_Level": {"type": "Property", "value": "moderate"},
        "@context": [SDM_CONTEXT],
    }  # fmt: skip

    answer = post(broker, "/entityOperations/upsert", [entity], JSONLD, agent)

    assert answer.status_code == 201, answer.text
    assert stored(broker, CDMX) == {"pollen_alder": 40.0, "pollen_grasses": 12.0}
    latest = broker.get(f"{API}/sensors/{CDMX}/latest").json()["latest"]
    times = {x["quantity"]: x["observed_at"] for x in latest}
    assert times["pollen_alder"] == STAMP
    assert times["pollen_grasses"] == (HOUR - timedelta(hours=1)).isoformat().replace("+00:00", "Z")


def test_ngsi_ld_get_entities_returns_the_latest_state(broker: TestClient, agent: dict) -> None:
    older = {"id": "urn:ngsi-ld:AirQualityObserved:nevers-1", "type": "AirQualityObserved",
             "dateObserved": (HOUR - timedelta(hours=1)).isoformat(), "pm25": 20.0}  # fmt: skip
    newer = older | {"dateObserved": STAMP, "pm25": 8.0, "no2": {"value": 10, "unitCode": "61"}}
    post(broker, "/entityOperations/upsert", [older, newer], "application/json", agent)

    plain = broker.get(f"{NGSI}/entities", params={"type": "AirQualityObserved"})
    linked = broker.get(f"{NGSI}/entities", params={"type": "AirQualityObserved",
                        "options": "keyValues", "count": "true"},
                        headers={"Accept": JSONLD})  # fmt: skip
    one = broker.get(f"{NGSI}/entities/urn:ngsi-ld:AirQualityObserved:nevers-1")

    assert plain.headers["content-type"] == "application/json"
    assert plain.headers["link"].startswith(f"<{SDM_CONTEXT}>;")
    entities = {e["id"]: e for e in plain.json()}
    assert set(entities) == {MADRID_LD, "urn:ngsi-ld:AirQualityObserved:nevers-1"}
    nevers = entities["urn:ngsi-ld:AirQualityObserved:nevers-1"]
    assert nevers["pm25"] == {"type": "Property", "value": 8.0, "unitCode": "GQ",
                              "observedAt": STAMP}  # fmt: skip
    assert nevers["no2"]["value"] == pytest.approx(19.13, abs=0.01)
    assert nevers["location"]["value"] == {"type": "Point", "coordinates": [3.159, 46.99]}
    assert nevers["dateObserved"]["value"] == {"@type": "DateTime", "@value": STAMP}
    assert linked.headers["content-type"] == JSONLD
    assert "link" not in linked.headers
    assert linked.headers["ngsild-results-count"] == "2"
    key_values = {e["id"]: e for e in linked.json()}
    assert key_values["urn:ngsi-ld:AirQualityObserved:nevers-1"]["pm25"] == 8.0
    assert all(e["@context"][0] == SDM_CONTEXT for e in key_values.values())
    assert one.json() == nevers


def test_ngsi_ld_get_entities_pages_and_filters(broker: TestClient) -> None:
    first = broker.get(f"{NGSI}/entities", params={"type": "AirQualityObserved", "limit": "1"})
    page = {"type": "AirQualityObserved", "limit": "1", "offset": "1"}
    second = broker.get(f"{NGSI}/entities", params=page)
    by_id = broker.get(f"{NGSI}/entities", params={"id": MADRID})
    pollen = broker.get(f"{NGSI}/entities", params={"type": "AeroAllergenObserved"})
    other = broker.get(f"{NGSI}/entities", params={"type": "WeatherObserved"})

    assert [e["id"] for e in first.json() + second.json()] == [
        MADRID_LD, "urn:ngsi-ld:AirQualityObserved:nevers-1"
    ]  # fmt: skip
    assert [e["id"] for e in by_id.json()] == [MADRID_LD]
    assert [e["id"] for e in pollen.json()] == [f"urn:ngsi-ld:AeroAllergenObserved:{CDMX}"]
    assert other.json() == []


def test_ngsi_ld_normalized_output_posts_back_as_a_no_op(broker: TestClient, agent: dict) -> None:
    entity, media = load("AirQualityObserved/example-normalized.jsonld")
    post(broker, "/entityOperations/upsert", [entity], media, agent)
    before = stored(broker, MADRID)
    state = broker.get(f"{NGSI}/entities/{MADRID_LD}", headers={"Accept": JSONLD}).json()

    again = post(broker, "/entityOperations/upsert", [state], JSONLD, agent)

    assert again.status_code == 204, again.text
    assert stored(broker, MADRID) == before


@pytest.mark.parametrize(
    ("content", "media", "extra", "status", "error"),
    [
        (b"[{", "application/json", {}, 400, "InvalidRequest"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", {}, 400, "InvalidRequest"),
        (b'{"id": "x"}', "application/json", {}, 400, "BadRequestData"),
        (b"[]", "application/json", {}, 400, "BadRequestData"),
        (b'[{"type": "AirQualityObserved"}]', "application/json", {}, 400, "BadRequestData"),
        (b'[{"id": "a", "type": "AirQualityObserved"}]', JSONLD, {}, 400, "BadRequestData"),
        (b'[{"id": "a", "type": "AirQualityObserved", "@context": []}]', "application/json",
         {}, 400, "BadRequestData"),
        (b'[{"id": "a", "type": "AirQualityObserved", "@context": []}]', JSONLD,
         {"Link": f'<{SDM_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"'}, 400,
         "BadRequestData"),
    ],
)  # fmt: skip
def test_ngsi_ld_upsert_refuses_malformed_requests(
    broker: TestClient, agent: dict, content: bytes, media: str, extra: dict, status: int,
    error: str,
) -> None:  # fmt: skip
    answer = broker.post(f"{NGSI}/entityOperations/upsert", content=content,
                         headers=agent | {"Content-Type": media} | extra)  # fmt: skip

    assert_ngsi_problem(answer, status, error)
    assert broker.get(f"{API}/observations").json()["count"] == 0


def test_ngsi_ld_writes_need_a_professional_token_in_scope(
    broker: TestClient, mint_token: MintToken
) -> None:
    entity = {"id": "urn:ngsi-ld:AirQualityObserved:nevers-1", "type": "AirQualityObserved",
              "dateObserved": STAMP, "pm25": 9.0}  # fmt: skip
    citizen = auth(mint_token("citizen"))
    cher = auth(mint_token("professional", scope="departement/18"))

    anonymous = post(broker, "/entities", entity, "application/json", {})
    refused = post(broker, "/entities", entity, "application/json", citizen)
    elsewhere = post(broker, "/entities", entity, "application/json", cher)

    assert anonymous.status_code == 401
    assert refused.status_code == 403
    assert "out of scope" in assert_ngsi_problem(elsewhere, 400, "BadRequestData")["detail"]
    assert stored(broker, "nevers-1") == {}


def test_ngsi_ld_get_refuses_unknown_entities_and_media_types(broker: TestClient) -> None:
    missing = broker.get(f"{NGSI}/entities/urn:ngsi-ld:AirQualityObserved:nowhere")
    unfiltered = broker.get(f"{NGSI}/entities")
    html = broker.get(f"{NGSI}/entities", params={"type": "AirQualityObserved"},
                      headers={"Accept": "text/html"})  # fmt: skip
    too_many = broker.get(f"{NGSI}/entities", params={"type": "AirQualityObserved",
                                                      "limit": "5000"})  # fmt: skip

    assert_ngsi_problem(missing, 404, "ResourceNotFound")
    assert_ngsi_problem(unfiltered, 400, "BadRequestData")
    assert_ngsi_problem(too_many, 400, "BadRequestData")
    assert html.status_code == 406
    assert html.headers["content-type"] == "application/problem+json"


def test_ngsi_ld_create_refuses_arrays_and_unknown_sensors(
    broker: TestClient, agent: dict, operator: dict
) -> None:
    qualitative = {"id": "urn:ngsi-ld:AeroAllergenObserved:nowhere", "type": "AeroAllergenObserved",
                   "allergenRisk": "low"}  # fmt: skip

    array = post(broker, "/entities", [qualitative], "application/json", agent)
    unknown = post(broker, "/entities", qualitative, "application/json", agent)

    assert "list" in assert_ngsi_problem(array, 400, "BadRequestData")["detail"]
    assert "no registered sensor" in assert_ngsi_problem(unknown, 400, "BadRequestData")["detail"]
    assert quarantined(broker, operator) == {(None, "unknown_sensor")}

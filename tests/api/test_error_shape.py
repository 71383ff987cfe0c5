"""Every error the API gives has one shape: RFC 9457 problem+json (datasette test_error_shape)."""

from http import HTTPStatus

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from healthycity.auth.tokens import create_token, revoke_token

PROBLEM = "application/problem+json"
API = "/api/v1"

# (method, path, token, body, status); token is a role, "unknown", "revoked" or None
ERROR_ROUTES = [
    ("GET", "/territories/commune/99999", None, None, 404),
    ("GET", "/territories/locate?lon=-5&lat=46", None, None, 404),
    ("GET", "/territories/canton/5801", None, None, 422),
    ("GET", "/territories/search?q=nevers&limit=0", None, None, 422),
    ("GET", "/territories/search?q=!!", None, None, 422),
    ("GET", "/territories/locate?lon=200&lat=46", None, None, 422),
    ("GET", "/territories/departement/58?format=kml", None, None, 422),
    ("GET", "/territories/departement/58/children?level=region", None, None, 422),
    ("GET", "/territories/commune/58194/children", None, None, 422),
    ("GET", "/auth/whoami", None, None, 401),
    ("GET", "/auth/whoami", "unknown", None, 401),
    ("GET", "/auth/whoami", "revoked", None, 401),
    ("POST", "/tokens", None, {"role": "citizen"}, 401),
    ("POST", "/tokens", "territory_admin", {"role": "citizen"}, 403),
    ("DELETE", "/tokens/1", "citizen", None, 403),
    ("POST", "/tokens", "operator", {"role": "superuser"}, 422),
    ("POST", "/tokens", "operator", {"role": "citizen", "scope": "departement/99"}, 422),
    ("DELETE", "/tokens/999999", "operator", None, 404),
    ("DELETE", "/tokens/one", "operator", None, 422),
    ("GET", "/no-such-route", None, None, 404),
    ("DELETE", "/territories/search", None, None, 405),
    ("PUT", "/auth/whoami", None, None, 405),
    ("POST", "/environment/pollen-index", None, {"type": "FeatureCollection"}, 401),
    ("POST", "/environment/pollen-index", "professional", {"type": "FeatureCollection"}, 403),
    ("POST", "/environment/pollen-index", "territory_admin", {"type": "Feature"}, 422),
]


def _token(engine: Engine, kind: str | None) -> dict[str, str]:
    if kind is None:
        return {}
    if kind == "unknown":
        return {"Authorization": "Bearer hc_not-a-token"}
    with engine.begin() as conn:
        token_id, secret = create_token(conn, role="citizen" if kind == "revoked" else kind)
        if kind == "revoked":
            revoke_token(conn, token_id)
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    ("method", "path", "token", "body", "status"),
    ERROR_ROUTES,
    ids=[f"{status}-{method}-{path}-{token}" for method, path, token, _, status in ERROR_ROUTES],
)
def test_error_shape_is_problem_json(
    writable_client: TestClient,
    seeded_engine: Engine,
    method: str,
    path: str,
    token: str | None,
    body: dict[str, str] | None,
    status: int,
) -> None:
    response = writable_client.request(
        method, API + path, headers=_token(seeded_engine, token), json=body
    )

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= problem.keys()
    assert problem["status"] == status
    assert problem["title"] == HTTPStatus(status).phrase
    assert problem["type"].startswith("https://")
    assert problem["instance"] == API + path.split("?")[0]
    assert isinstance(problem["detail"], str)
    assert problem["detail"]
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def test_error_shape_unexpected_error_is_a_problem_without_its_text(
    writable_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        msg = "secret internal detail"
        raise RuntimeError(msg)

    writable_client.app.add_api_route(f"{API}/test-broken", broken)
    # The server error middleware answers, then raises again for the server: not to the test.
    client = TestClient(writable_client.app, raise_server_exceptions=False)

    response = client.get(f"{API}/test-broken")

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert (problem["status"], problem["title"]) == (500, "Internal Server Error")
    assert problem["type"] == "https://healthycity.fr/problems/internal-server-error"
    assert problem["instance"] == f"{API}/test-broken"
    assert problem["detail"]
    assert "secret" not in response.text
    assert "RuntimeError" not in response.text
    (record,) = [r for r in caplog.records if r.name == "healthycity.api.problems"]
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "secret internal detail"  # the stack goes to the log


def test_error_shape_validation_problems_list_each_error(writable_client: TestClient) -> None:
    response = writable_client.get(f"{API}/territories/locate", params={"lon": 200})

    errors = response.json()["errors"]
    assert {e["location"] for e in errors} == {"query.lon", "query.lat"}


EXPECTED_ROUTES = {
    "/api/v1/territories/search": {"get"},
    "/api/v1/territories/locate": {"get"},
    "/api/v1/territories/{level}/{code}": {"get"},
    "/api/v1/territories/{level}/{code}/children": {"get"},
    "/api/v1/territories/{level}/{code}/ancestors": {"get"},
    "/api/v1/auth/whoami": {"get"},
    "/api/v1/tokens": {"post"},
    "/api/v1/tokens/{token_id}": {"delete"},
    "/api/v1/environment/pollen-index": {"post"},
}


def test_openapi_lists_every_route(writable_client: TestClient) -> None:
    paths = writable_client.get(f"{API}/openapi.json").json()["paths"]

    for path, methods in EXPECTED_ROUTES.items():
        assert methods <= paths[path].keys(), path
    geojson = paths["/api/v1/territories/{level}/{code}"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "application/geo+json"} <= geojson.keys()


def test_openapi_docs_answer(writable_client: TestClient) -> None:
    response = writable_client.get(f"{API}/docs")

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]


# The NGSI-LD door (outside /api/v1) has its own problem types, same RFC 9457 shape:
# (method, path, token, content type, body, status, NGSI-LD error type or None)
NGSI_LD_ERROR_ROUTES = [
    ("POST", "/ngsi-ld/v1/entityOperations/upsert", "professional", "application/json", b"[{",
     400, "InvalidRequest"),
    ("POST", "/ngsi-ld/v1/entityOperations/upsert", "professional", "application/json",
     b'{"id": "x"}', 400, "BadRequestData"),
    ("POST", "/ngsi-ld/v1/entities", "professional", "application/ld+json",
     b'{"id": "x", "type": "AirQualityObserved"}', 400, "BadRequestData"),
    ("POST", "/ngsi-ld/v1/entities", "professional", "application/json",
     b'{"id": "urn:ngsi-ld:AirQualityObserved:ghost", "type": "AirQualityObserved", "pm25": 1}',
     400, "BadRequestData"),
    ("GET", "/ngsi-ld/v1/entities", None, None, None, 400, "BadRequestData"),
    ("GET", "/ngsi-ld/v1/entities?type=AirQualityObserved&limit=-1", None, None, None, 400,
     "BadRequestData"),
    ("GET", "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:none", None, None, None, 404,
     "ResourceNotFound"),
    ("POST", "/ngsi-ld/v1/entities", None, "application/json", b"{}", 401, None),
    ("POST", "/ngsi-ld/v1/entities", "citizen", "application/json", b"{}", 403, None),
    ("POST", "/ngsi-ld/v1/entities", "professional", "text/plain", b"{}", 415, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "token", "media", "body", "status", "error"),
    NGSI_LD_ERROR_ROUTES,
    ids=[f"{r[5]}-{r[0]}-{r[1]}-{r[2]}" for r in NGSI_LD_ERROR_ROUTES],
)
def test_error_shape_ngsi_ld_is_problem_json(
    writable_client: TestClient,
    seeded_engine: Engine,
    method: str,
    path: str,
    token: str | None,
    media: str | None,
    body: bytes | None,
    status: int,
    error: str | None,
) -> None:
    headers = _token(seeded_engine, token) | ({"Content-Type": media} if media else {})

    response = writable_client.request(method, path, headers=headers, content=body)

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= problem.keys()
    assert (problem["status"], problem["title"]) == (status, HTTPStatus(status).phrase)
    assert problem["instance"] == path.split("?")[0]
    assert problem["detail"]
    if error is not None:
        assert problem["type"] == f"https://uri.etsi.org/ngsi-ld/errors/{error}"
    else:
        assert problem["type"].startswith("https://healthycity.fr/problems/")

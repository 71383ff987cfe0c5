"""Token endpoints: whoami for any token, creation and revocation for operators in scope."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from healthycity.auth.models import ROLES

MintToken = Callable[..., str]  # the mint_token fixture: mint_token(role, scope=None)

WHOAMI = "/api/v1/auth/whoami"
TOKENS = "/api/v1/tokens"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", ROLES)
def test_whoami_tells_role_of_each_token(
    writable_client: TestClient, tokens_by_role: dict[str, str], role: str
) -> None:
    response = writable_client.get(WHOAMI, headers=bearer(tokens_by_role[role]))

    assert response.status_code == 200
    body = response.json()
    assert (body["role"], body["scope"]) == (role, None)
    assert isinstance(body["token_id"], int)


def test_whoami_tells_the_scope(writable_client: TestClient, mint_token: MintToken) -> None:
    token = mint_token("territory_admin", scope="departement/58")

    body = writable_client.get(WHOAMI, headers=bearer(token)).json()

    assert (body["role"], body["scope"]) == ("territory_admin", "departement/58")


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("hc_unknown"), {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["none", "unknown", "not-bearer"],
)
def test_whoami_without_a_valid_token_is_401(
    writable_client: TestClient, headers: dict[str, str]
) -> None:
    response = writable_client.get(WHOAMI, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_create_token_shows_a_working_secret_once(
    writable_client: TestClient, tokens_by_role: dict[str, str]
) -> None:
    response = writable_client.post(
        TOKENS,
        json={"role": "professional", "scope": "commune/58194", "label": "Centre de santé"},
        headers=bearer(tokens_by_role["operator"]),
    )

    assert response.status_code == 201
    created = response.json()
    assert created["token"].startswith("hc_")
    assert (created["role"], created["scope"], created["label"]) == (
        "professional",
        "commune/58194",
        "Centre de santé",
    )
    me = writable_client.get(WHOAMI, headers=bearer(created["token"])).json()
    assert (me["token_id"], me["role"], me["scope"]) == (
        created["token_id"],
        "professional",
        "commune/58194",
    )


@pytest.mark.parametrize("role", [r for r in ROLES if r != "operator"])
def test_create_token_below_operator_is_403(
    writable_client: TestClient, tokens_by_role: dict[str, str], role: str
) -> None:
    response = writable_client.post(
        TOKENS, json={"role": "citizen"}, headers=bearer(tokens_by_role[role])
    )

    assert response.status_code == 403
    assert repr(role) in response.json()["detail"]


def test_create_token_without_a_token_is_401(writable_client: TestClient) -> None:
    assert writable_client.post(TOKENS, json={"role": "citizen"}).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"role": "superuser"},
        {"role": "citizen", "scope": "departement"},
        {"role": "citizen", "scope": "canton/5801"},
        {"role": "citizen", "scope": "departement/99"},
        {"role": "citizen", "label": "x" * 201},
    ],
    ids=["role", "scope-shape", "scope-level", "scope-unknown", "label-length"],
)
def test_create_token_with_bad_fields_is_422(
    writable_client: TestClient, tokens_by_role: dict[str, str], body: dict[str, str]
) -> None:
    response = writable_client.post(TOKENS, json=body, headers=bearer(tokens_by_role["operator"]))

    assert response.status_code == 422


@pytest.mark.parametrize(
    ("scope", "status"),
    [
        ("departement/58", 201),
        ("commune/58194", 201),
        ("epci/245804406", 201),
        ("departement/18", 403),
        ("commune/18033", 403),
        ("region/27", 403),
        (None, 403),
    ],
)
def test_create_token_stays_within_the_operator_scope(
    writable_client: TestClient, mint_token: MintToken, scope: str | None, status: int
) -> None:
    operator = mint_token("operator", scope="departement/58")

    response = writable_client.post(
        TOKENS, json={"role": "citizen", "scope": scope}, headers=bearer(operator)
    )

    assert response.status_code == status


def test_revoke_token_makes_it_unknown(
    writable_client: TestClient, tokens_by_role: dict[str, str]
) -> None:
    me = writable_client.get(WHOAMI, headers=bearer(tokens_by_role["citizen"])).json()

    response = writable_client.delete(
        f"{TOKENS}/{me['token_id']}", headers=bearer(tokens_by_role["operator"])
    )
    again = writable_client.delete(
        f"{TOKENS}/{me['token_id']}", headers=bearer(tokens_by_role["operator"])
    )

    assert (response.status_code, response.content) == (204, b"")
    assert again.status_code == 204
    assert writable_client.get(WHOAMI, headers=bearer(tokens_by_role["citizen"])).status_code == 401


def test_revoke_unknown_token_is_404(
    writable_client: TestClient, tokens_by_role: dict[str, str]
) -> None:
    response = writable_client.delete(
        f"{TOKENS}/999999", headers=bearer(tokens_by_role["operator"])
    )

    assert response.status_code == 404
    assert "999999" in response.json()["detail"]


def test_revoke_token_below_operator_is_403(
    writable_client: TestClient, tokens_by_role: dict[str, str]
) -> None:
    me = writable_client.get(WHOAMI, headers=bearer(tokens_by_role["citizen"])).json()

    response = writable_client.delete(
        f"{TOKENS}/{me['token_id']}", headers=bearer(tokens_by_role["territory_admin"])
    )

    assert response.status_code == 403
    assert writable_client.get(WHOAMI, headers=bearer(tokens_by_role["citizen"])).status_code == 200


@pytest.mark.parametrize(
    ("scope", "status"), [("commune/58194", 204), ("departement/18", 403), (None, 403)]
)
def test_revoke_token_stays_within_the_operator_scope(
    writable_client: TestClient, mint_token: MintToken, scope: str | None, status: int
) -> None:
    operator = mint_token("operator", scope="departement/58")
    target = writable_client.get(WHOAMI, headers=bearer(mint_token("citizen", scope=scope))).json()

    response = writable_client.delete(f"{TOKENS}/{target['token_id']}", headers=bearer(operator))

    assert response.status_code == status

"""Subscriptions API: double opt-in by a real e-mail, unsubscribe link, owner's access, 429."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from healthycity.alerts.delivery.channels.email import EmailChannel
from healthycity.alerts.delivery.dispatcher import Dispatcher
from healthycity.api.app import create_app
from healthycity.auth.tokens import create_token
from tests.integration.delivery.conftest import (  # noqa: F401  (fixtures)
    SECRET,
    Mailbox,
    delivery_settings,
    publish,
    smtp,
    territory,
)

ADDRESS = "Marie@Exemple.FR"
BODY = {"channel": "email", "address": ADDRESS, "places": ["commune/58194"], "hazards": ["air"]}


@pytest.fixture
def client(territory: Engine, tmp_path: Path) -> Iterator[TestClient]:  # noqa: F811
    app = create_app(delivery_settings(territory, tmp_path))
    try:
        with TestClient(app, base_url="https://alertes.example.fr") as client:
            yield client
    finally:
        app.state.engine.dispose()


def dispatch(engine: Engine, port: int) -> None:
    channel = EmailChannel(host="127.0.0.1", port=port, sender="alertes@example.fr", connections=1)
    worker = Dispatcher(
        engine,
        {"email": channel},
        secret_key=SECRET,
        public_url="https://alertes.example.fr",
        worker_id="api-test",
    )
    while worker.run_once().claimed:
        pass
    channel.close()


def link(text: str, purpose: str) -> str:
    found = re.search(
        rf"https://alertes\.example\.fr(/api/v1/subscriptions/{purpose}\?token=\S+)", text
    )
    assert found, text
    return found.group(1)


def test_double_opt_in_then_alert_then_unsubscribe(
    client: TestClient,
    territory: Engine,  # noqa: F811
    smtp: tuple[Mailbox, int],  # noqa: F811
) -> None:
    mailbox, port = smtp
    created = client.post("/api/v1/subscriptions", json=BODY)
    assert created.status_code == 202, created.text
    publish(territory)  # before confirmation: nothing for this address
    dispatch(territory, port)
    [request] = mailbox.to("Marie@exemple.fr")
    assert "Confirmez" in request["Subject"]
    confirm = link(request.get_content(), "confirm")

    assert "<form" in client.get(confirm).text  # link scanners that GET confirm nothing
    confirmed = client.post(confirm)
    assert confirmed.status_code == 200, confirmed.text
    subscription = confirmed.json()["subscription"]
    manage = confirmed.json()["manage_token"]
    assert subscription["status"] == "active"
    assert subscription["hazards"] == ["air"]

    own = client.get(
        f"/api/v1/subscriptions/{subscription['id']}", headers={"X-Subscription-Token": manage}
    )
    assert own.json()["address"] == "Marie@exemple.fr"
    assert client.get(f"/api/v1/subscriptions/{subscription['id']}").status_code == 401

    alert_id = publish(territory)
    dispatch(territory, port)
    [alert] = [m for m in mailbox.to("Marie@exemple.fr") if m["Subject"].startswith("[Alerte]")]
    unsubscribe = link(alert.get_content(), "unsubscribe")
    assert client.post(unsubscribe).status_code == 200
    assert client.post(unsubscribe).status_code == 200  # idempotent
    gone = client.get(
        f"/api/v1/subscriptions/{subscription['id']}", headers={"X-Subscription-Token": manage}
    )
    assert gone.status_code == 404

    with territory.begin() as conn:
        token = create_token(conn, role="operator", scope=None, label="t")[1]
    stats = client.get(
        f"/api/v1/alerts/{alert_id}/deliveries", headers={"Authorization": f"Bearer {token}"}
    )
    assert stats.json()["total"] == {"sent": 1}
    assert client.get(f"/api/v1/alerts/{alert_id}/deliveries").status_code == 401


def test_forged_or_wrong_purpose_tokens_are_refused(client: TestClient) -> None:
    assert client.post("/api/v1/subscriptions/confirm?token=1.0.forged").status_code == 401
    assert client.post("/api/v1/subscriptions/confirm?token=nonsense").status_code == 401


def test_subscription_requests_are_rate_limited_per_address(client: TestClient) -> None:
    answers = [client.post("/api/v1/subscriptions", json=BODY) for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.json()["status"] == 429


def test_subscription_requests_are_rate_limited_per_ip(client: TestClient) -> None:
    codes = [
        client.post(
            "/api/v1/subscriptions", json={**BODY, "address": f"p{i}@example.fr"}
        ).status_code
        for i in range(31)
    ]
    assert codes[:30] == [202] * 30
    assert codes[30] == 429


def test_invalid_requests_name_the_field(client: TestClient) -> None:
    bad = client.post("/api/v1/subscriptions", json={**BODY, "address": "not an address"})
    assert bad.status_code == 422
    assert "e-mail address" in bad.json()["detail"]
    unknown = client.post("/api/v1/subscriptions", json={**BODY, "places": ["commune/99999"]})
    assert unknown.status_code == 404
    webhook = client.post(
        "/api/v1/subscriptions",
        json={**BODY, "channel": "webhook", "address": "http://192.168.1.1/hook"},
    )
    assert webhook.status_code == 422
    assert "private" in webhook.json()["detail"]

"""Webhooks (signature, private addresses refused) and SMS through a fake gateway process."""

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from healthycity.alerts.delivery import tables
from healthycity.alerts.delivery.channels.base import channel_names, create_channel
from healthycity.alerts.delivery.channels.webhook import SIGNATURE_HEADER, check_public_url
from healthycity.alerts.delivery.dispatcher import Dispatcher
from healthycity.alerts.delivery.signing import verify_webhook_signature, webhook_secret
from healthycity.errors import ValidationError
from tests.integration.delivery.conftest import (
    SECRET,
    delivery_settings,
    free_port,
    publish,
    subscribe,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "ftp://example.org/hook",
        "http://user:pass@example.org/hook",
    ],
)
def test_webhook_url_to_internal_address_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="webhook url"):
        check_public_url(url)


def test_webhook_url_to_the_platform_own_public_address_is_refused() -> None:
    own = check_public_url("http://93.184.215.14/", own=frozenset())
    with pytest.raises(ValidationError, match="platform's own"):
        check_public_url("http://93.184.215.14/hook", own=frozenset({own}))


def test_builtin_channels_register_like_plugins() -> None:
    assert {"email", "sms", "webhook"} <= set(channel_names())


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []  # noqa: RUF012  (one test at a time)

    def log_message(self, *_args: object) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver.received
    finally:
        server.shutdown()
        server.server_close()


def _dispatch(engine: Engine, settings: Any, name: str) -> None:
    channel = create_channel(name, settings)
    worker = Dispatcher(
        engine,
        {name: channel},
        secret_key=SECRET,
        public_url=settings.public_url,
        worker_id="t",
    )
    while worker.run_once().claimed:
        pass
    channel.close()


@pytest.mark.parametrize("webhook_format", ["json", "cap"])
def test_webhook_post_is_signed_and_verifiable(
    territory: Engine, tmp_path: Path, receiver: Any, webhook_format: str
) -> None:
    url, received = receiver
    settings = delivery_settings(territory, tmp_path, webhook_allow_loopback=True)
    assert create_channel("webhook", settings).check_address(url) == url
    subscription_id = subscribe(territory, url, channel="webhook")
    with territory.begin() as conn:
        conn.execute(
            tables.subscriptions.update()
            .where(tables.subscriptions.c.id == subscription_id)
            .values(webhook_format=webhook_format)
        )
    publish(territory)

    _dispatch(territory, settings, "webhook")

    [(headers, body)] = received
    secret = webhook_secret(SECRET, subscription_id)
    now_s = int(time.time())
    assert verify_webhook_signature(secret, headers[SIGNATURE_HEADER], body, now_s=now_s)
    assert not verify_webhook_signature(secret, headers[SIGNATURE_HEADER], body + b" ", now_s=now_s)
    assert headers["Idempotency-Key"].isdigit()
    if webhook_format == "json":
        assert json.loads(body)["event"] == "alert.alert"
    else:
        assert body.startswith(b"<?xml")
        assert b"urn:oasis:names:tc:emergency:cap:1.2" in body


def test_webhook_to_loopback_is_refused_at_send_time_by_default(
    territory: Engine, tmp_path: Path, receiver: Any
) -> None:
    url, received = receiver
    subscribe(territory, url, channel="webhook")  # e.g. stored before DNS changed
    publish(territory)
    _dispatch(territory, delivery_settings(territory, tmp_path), "webhook")
    assert received == []
    with territory.connect() as conn:
        row = conn.execute(select(tables.outbox).where(tables.outbox.c.alert_id.is_not(None))).one()
    assert row.status == "failed"
    assert "loopback" in row.last_error


@pytest.fixture
def sms_gateway(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The fake SMS gateway, run as a real HTTP server process."""
    port, log = free_port(), tmp_path / "sms.jsonl"
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "fakes" / "sms_gateway.py"),
            "--port",
            str(port),
            "--log",
            str(log),
            "--token",
            "gw-token",
        ]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield f"{url}/sms", log
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sms_goes_through_the_gateway_once_per_idempotency_key(
    territory: Engine, tmp_path: Path, sms_gateway: tuple[str, Path]
) -> None:
    url, log = sms_gateway
    settings = delivery_settings(
        territory, tmp_path, sms_gateway_url=url, sms_gateway_token="gw-token"
    )
    subscribe(territory, "+33612345678", channel="sms")
    alert_id = publish(territory)
    _dispatch(territory, settings, "sms")
    with territory.begin() as conn:  # as if a crash lost the "sent" mark: send again
        conn.execute(
            tables.outbox.update()
            .where(tables.outbox.c.alert_id == alert_id)
            .values(status="pending", available_at=tables.outbox.c.created_at)
        )
    _dispatch(territory, settings, "sms")

    [sms] = [json.loads(line) for line in log.read_text().splitlines()]
    assert sms["to"] == "+33612345678"
    assert sms["text"].startswith("Alerte : Qualité de l'air très mauvaise")
    assert "/api/v1/subscriptions/unsubscribe?token=" in sms["text"]
    assert len(sms["text"]) <= 306

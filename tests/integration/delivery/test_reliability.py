"""Reliability: SIGKILL the dispatcher process mid fan-out, restart it, nobody is missed or doubled.

The dispatcher runs as a real ``healthycity alerts dispatch`` process. Killed while it
holds claimed rows, it leaves them ``sending``; the restarted process takes them back
when their lease (2 s here) ends and sends them again with the same idempotency key.
What a recipient sees counts: one e-mail Message-ID per recipient (a mail client shows
messages with one Message-ID once), one SMS per recipient at a gateway that honours
``Idempotency-Key`` (the fake gateway process records each key once).
"""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

from healthycity.alerts.delivery import ratelimit, tables
from tests.integration.delivery.conftest import SECRET, Mailbox, publish
from tests.integration.delivery.test_channels import sms_gateway  # noqa: F401  (fixture)

RECIPIENTS = 2000
ROOT = Path(__file__).resolve().parents[3]


def add_subscribers(engine: Engine, channel: str) -> list[str]:
    """RECIPIENTS confirmed subscriptions in Nevers, inserted in bulk."""
    now = datetime.now(UTC)
    addresses = [
        f"user{i}@example.fr" if channel == "email" else f"+3361{i:07d}" for i in range(RECIPIENTS)
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(tables.subscriptions),
            [
                {
                    "id": i + 1,
                    "kind": "citizen",
                    "channel": channel,
                    "address": a,
                    "address_key": f"k{i}",
                    "language": "fr",
                    "places": '["commune/58194"]',
                    "hazards": 31,
                    "audiences": 0,
                    "status": "active",
                    "created_at": now,
                }
                for i, a in enumerate(addresses)
            ],
        )
        conn.execute(
            insert(tables.subscription_places),
            [
                {
                    "commune_code": "58194",
                    "subscription_id": i + 1,
                    "hazards": 31,
                    "channel": channel,
                }
                for i in range(RECIPIENTS)
            ],
        )
        ratelimit.set_channel_limit(conn, channel, None)
    return addresses


def start_dispatcher(engine: Engine, tmp_path: Path, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "healthycity", "alerts", "dispatch", "--workers", "2"],
        cwd=tmp_path,
        env={
            **os.environ,
            "HC_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "HC_SECRET_KEY": SECRET,
            "HC_DELIVERY_LEASE_S": "2",
            "HC_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **env,
        },
    )


def count_sent(engine: Engine, alert_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    tables.outbox.c.alert_id == alert_id, tables.outbox.c.status == "sent"
                )
            ).scalar_one()
        )


def kill_mid_fan_out_and_finish(engine: Engine, tmp_path: Path, alert_id: int, **env: str) -> None:
    process = start_dispatcher(engine, tmp_path, **env)
    deadline = time.monotonic() + 60
    while count_sent(engine, alert_id) < RECIPIENTS // 5:
        assert time.monotonic() < deadline, "the dispatcher sent too little"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    killed_at = count_sent(engine, alert_id)
    assert killed_at < RECIPIENTS, "killed too late to test anything"

    process = start_dispatcher(engine, tmp_path, **env)
    try:
        deadline = time.monotonic() + 120
        while count_sent(engine, alert_id) < RECIPIENTS:
            assert time.monotonic() < deadline, f"stuck at {count_sent(engine, alert_id)}"
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_sigkill_mid_fan_out_leaves_one_email_per_recipient(
    territory: Engine, tmp_path: Path, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    addresses = add_subscribers(territory, "email")
    alert_id = publish(territory, ("commune/58194",))

    kill_mid_fan_out_and_finish(territory, tmp_path, alert_id, HC_SMTP_PORT=str(port))

    ids: dict[str, set[str]] = {}
    for message in mailbox.messages:
        ids.setdefault(message["To"], set()).add(message["Message-ID"])
    assert set(ids) == set(addresses)
    assert {len(v) for v in ids.values()} == {1}


def test_sigkill_mid_fan_out_leaves_one_sms_per_recipient(
    territory: Engine,
    tmp_path: Path,
    sms_gateway: tuple[str, Path],  # noqa: F811
) -> None:
    url, log = sms_gateway
    addresses = add_subscribers(territory, "sms")
    alert_id = publish(territory, ("commune/58194",))

    kill_mid_fan_out_and_finish(
        territory, tmp_path, alert_id, HC_SMS_GATEWAY_URL=url, HC_SMS_GATEWAY_TOKEN="gw-token"
    )

    received = [json.loads(line)["to"] for line in log.read_text().splitlines()]
    assert sorted(received) == sorted(addresses)

"""Every message the broker accepted is stored exactly once, though the ingest service is killed.

The service acknowledges (PUBACK) only after its batch is committed, on a persistent QoS 1
session: SIGKILL mid-load loses nothing, because the broker delivers every unacknowledged
message again when the service comes back, and storage is idempotent on (sensor, quantity,
observed_at). The broker acknowledges the *publisher*, so the guarantee tested is about what
the broker accepted, not about what our service acknowledged.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, func, insert, select

from healthycity.environment import tables
from healthycity.environment.mqtt_ingest import observations_topic

SENSORS = [f"k{i:02d}" for i in range(20)]
T0 = (datetime.now(UTC) - timedelta(days=30)).replace(second=0, microsecond=0)
MAX_MESSAGES = 40_000  # bounds the publisher whatever the machine's speed


def start_ingest(
    database_url: str, mqtt_url: str, prefix: str, folder: Path
) -> subprocess.Popen[bytes]:
    env = os.environ | {"HC_DATABASE_URL": database_url, "HC_MQTT_URL": mqtt_url,
                        "HC_DATA_DIR": str(folder), "HC_LOG_LEVEL": "WARNING"}  # fmt: skip
    with (folder / f"ingest-{time.monotonic_ns()}.log").open("wb") as log:  # the child keeps it
        return subprocess.Popen(
            [sys.executable, "-m", "healthycity", "environment", "ingest-mqtt", "--client-id",
             f"{prefix}-ingest", "--topic-prefix", prefix, "--batch-max", "500"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def message(number: int) -> tuple[str, str, bytes]:
    """The ``number``-th reading: its sensor, its time and its payload."""
    sensor = SENSORS[number % len(SENSORS)]
    moment = (T0 + timedelta(minutes=number // len(SENSORS))).isoformat()
    payload = {"quantity": "pm25", "observed_at": moment, "value": 5.0 + number % 11}
    return sensor, moment, json.dumps(payload).encode()


class Publisher(threading.Thread):
    """Publish QoS 1 readings as fast as paho can until stopped; keep each message's info."""

    def __init__(self, mqtt_url: str, prefix: str) -> None:
        super().__init__()
        host, port = mqtt_url.removeprefix("mqtt://").split(":")
        self.client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        self.client.max_inflight_messages_set(100)
        self.client.connect(host, int(port))
        self.prefix = prefix
        self.sent: list[paho.MQTTMessageInfo] = []
        self.stop = threading.Event()

    def run(self) -> None:
        self.client.loop_start()
        for number in range(MAX_MESSAGES):
            if self.stop.is_set():
                break
            sensor, _, payload = message(number)
            topic = observations_topic(self.prefix, sensor)
            self.sent.append(self.client.publish(topic, payload, qos=1))
            if number % 200 == 199:
                time.sleep(0.02)  # a steady load, not one burst

    def accepted(self) -> int:
        """Wait for the broker's answers; return how many messages it acknowledged (a prefix)."""
        for info in self.sent:
            info.wait_for_publish(timeout=30)
        self.client.disconnect()
        self.client.loop_stop()
        acknowledged = [info.is_published() for info in self.sent]
        assert all(acknowledged)  # the broker stayed up: it accepted everything
        return len(acknowledged)


def stored(engine: Engine) -> int:
    """Readings of the load (the probes are before T0)."""
    o = tables.observations
    with engine.connect() as conn:
        return conn.execute(select(func.count()).where(o.c.observed_at >= T0)).scalar_one()


def wait_until_subscribed(engine: Engine, mqtt_url: str, prefix: str) -> None:
    """Publish probes until one is stored: the service's session and subscription exist.

    The broker routes a message to the sessions subscribed when it arrives; what is published
    before the service ever subscribed is nobody's to keep.
    """
    o = tables.observations
    deadline = time.monotonic() + 60
    for minute in range(1, 10_000):
        payload = {"quantity": "pm25", "observed_at": (T0 - timedelta(minutes=minute)).isoformat(),
                   "value": 1.0}  # fmt: skip
        publish_one(mqtt_url, observations_topic(prefix, SENSORS[0]), json.dumps(payload))
        with engine.connect() as conn:
            if conn.execute(select(func.count()).where(o.c.observed_at < T0)).scalar_one():
                return
        assert time.monotonic() < deadline, "the service did not subscribe within 60 s"
        time.sleep(0.2)


def publish_one(mqtt_url: str, topic: str, payload: str) -> None:
    host, port = mqtt_url.removeprefix("mqtt://").split(":")
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.connect(host, int(port))
    client.loop_start()
    client.publish(topic, payload, qos=1).wait_for_publish(timeout=30)
    client.disconnect()
    client.loop_stop()


def wait_for_count(engine: Engine, wanted: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while (found := stored(engine)) < wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_mqtt_ingest_stores_every_accepted_message_once_despite_sigkill(
    engine: Engine, database_url: str, mqtt_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(tables.sensors), [
            {"id": s, "name": s, "kind": "low_cost", "lon": 3.15, "lat": 46.99,
             "commune_code": "58194", "operator": None, "status": "active", "created_at": now,
             "updated_at": now} for s in SENSORS])  # fmt: skip
        units = [{"sensor_id": s, "quantity": "pm25", "unit": "µg/m³"} for s in SENSORS]
        conn.execute(insert(tables.sensor_quantities), units)
    prefix = f"hc-kill-{uuid.uuid4().hex[:10]}"
    ingest = start_ingest(database_url, mqtt_url, prefix, tmp_path)
    publisher = Publisher(mqtt_url, prefix)
    try:
        wait_until_subscribed(engine, mqtt_url, prefix)
        publisher.start()
        assert wait_for_count(engine, 1, timeout_s=60) >= 1, "the service never stored anything"
        time.sleep(1.0)  # under load
        ingest.send_signal(signal.SIGKILL)
        ingest.wait(timeout=30)
        at_kill = stored(engine)
        time.sleep(0.5)  # the broker keeps what is published while the service is down
        publisher.stop.set()
        publisher.join(timeout=60)
        accepted = publisher.accepted()
        assert 0 < at_kill < accepted, "the kill came mid-load"

        ingest = start_ingest(database_url, mqtt_url, prefix, tmp_path)
        assert wait_for_count(engine, accepted, timeout_s=120) == accepted
        time.sleep(0.5)  # redelivered duplicates, if any, have been processed
    finally:
        ingest.send_signal(signal.SIGTERM)
        ingest.wait(timeout=30)

    o = tables.observations
    with engine.connect() as conn:
        rows = conn.execute(
            select(o.c.sensor_id, o.c.observed_at, o.c.value).where(o.c.observed_at >= T0)
        ).all()
        quarantined = conn.execute(select(func.count()).select_from(tables.quarantine)).scalar_one()
    assert len(rows) == accepted  # exactly once: nothing lost, nothing twice
    assert quarantined == 0  # redeliveries are idempotent repeats, not conflicts
    expected = {(message(n)[0], message(n)[1]): 5.0 + n % 11 for n in range(accepted)}
    as_stored = {(s, (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat()): v for s, t, v in rows}
    assert as_stored == expected
    assert ingest.returncode == 0  # SIGTERM: a clean stop after the current batch

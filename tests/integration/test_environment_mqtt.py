"""The MQTT door against the real Mosquitto and real SQLite/PostgreSQL, published with paho-mqtt.

paho is an independent MQTT implementation: what it publishes, our consumer must store.
Each test uses its own topic prefix and client ids, so tests never see each other's messages.
"""

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Connection, Engine, func, insert, select

from healthycity.environment import store, tables
from healthycity.environment.mqtt_ingest import (
    BatchReport,
    MqttIngestOptions,
    observations_topic,
    run_mqtt_ingest,
)

NOW = datetime.now(UTC).replace(microsecond=0)
T0 = NOW - timedelta(days=5)


def add_sensor(conn: Connection, sensor_id: str, units: dict[str, str]) -> None:
    conn.execute(insert(tables.sensors).values(
        id=sensor_id, name=sensor_id, kind="low_cost", lon=3.15, lat=46.99, commune_code="58194",
        operator=None, status="active", created_at=NOW, updated_at=NOW))  # fmt: skip
    rows = [{"sensor_id": sensor_id, "quantity": q, "unit": u} for q, u in units.items()]
    conn.execute(insert(tables.sensor_quantities), rows)


@pytest.fixture
def prefix() -> str:
    return f"hc-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def options(mqtt_url: str, prefix: str) -> MqttIngestOptions:
    return MqttIngestOptions(
        broker_url=mqtt_url, client_id=f"{prefix}-ingest", topic_prefix=prefix,
        batch_wait_s=0.02, session_expiry_s=300,
    )  # fmt: skip


@pytest.fixture
def sensors_engine(engine: Engine) -> Engine:
    with engine.begin() as conn:
        add_sensor(conn, "m1", {"pm25": "µg/m³", "no2": "ppb"})
        add_sensor(conn, "m2", {"pm25": "µg/m³"})
    return engine


@contextmanager
def consuming(
    engine: Engine, options: MqttIngestOptions, reports: list[BatchReport] | None = None
) -> Iterator[None]:
    """Run the consumer in a thread for the duration of the block."""
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            on_committed = None if reports is None else reports.append
            run_mqtt_ingest(engine, options, stop=stop, on_committed=on_committed)
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.3)  # connected and subscribed
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not failure, failure


def publish(url: str, messages: Sequence[tuple[str, bytes]]) -> None:
    """Publish with QoS 1 through paho; return once the broker acknowledged every message."""
    host, port = url.removeprefix("mqtt://").split(":")
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.connect(host, int(port))
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout=30)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()


def reading(minutes: int, value: float, **extra: object) -> dict[str, object]:
    moment = (T0 + timedelta(minutes=minutes)).isoformat()
    return {"quantity": "pm25", "observed_at": moment, "value": value} | extra


def count(engine: Engine, table=tables.observations) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def wait_for(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not true within {timeout_s} s")
        time.sleep(0.05)


def test_mqtt_ingest_stores_single_and_list_payloads(
    sensors_engine: Engine, options: MqttIngestOptions, mqtt_url: str, prefix: str
) -> None:
    messages = [
        (observations_topic(prefix, "m1"), json.dumps(reading(0, 12.5)).encode()),
        (observations_topic(prefix, "m1"), json.dumps([
            reading(10, 13.0, sensor_id="m1"),
            {"quantity": "no2", "observed_at": T0.isoformat(), "value": 10, "unit": "ppb"},
        ]).encode()),
        (observations_topic(prefix, "m2"), json.dumps(reading(0, 7.25)).encode()),
    ]  # fmt: skip

    with consuming(sensors_engine, options):
        publish(mqtt_url, messages)
        wait_for(lambda: count(sensors_engine) == 4)

    with sensors_engine.connect() as conn:
        stored = store.get_observations(conn, store.SeriesFilter(), limit=10)
    values = {(o.sensor_id, o.quantity.value, o.observed_at): o.value for o in stored}
    assert values[("m1", "pm25", T0)] == 12.5
    assert values[("m1", "pm25", T0 + timedelta(minutes=10))] == 13.0
    # 10 ppb NO2 = 10 * 46.0055 / 24.0489 µg/m³ (test_environment_pipeline's hand computation)
    assert values[("m1", "no2", T0)] == pytest.approx(19.130, abs=1e-3)
    assert values[("m2", "pm25", T0)] == 7.25
    with sensors_engine.connect() as conn:
        doors = conn.execute(select(tables.observations.c.door).distinct()).scalars().all()
    assert doors == ["mqtt"]


def test_mqtt_ingest_receives_what_was_published_while_it_was_down(
    sensors_engine: Engine, options: MqttIngestOptions, mqtt_url: str, prefix: str
) -> None:
    with consuming(sensors_engine, options):
        pass  # the first run creates the persistent session and its subscription
    topic = observations_topic(prefix, "m1")

    publish(mqtt_url, [(topic, json.dumps(reading(m, 10.0 + m % 7)).encode())
                       for m in range(3000)])  # fmt: skip
    assert count(sensors_engine) == 0

    with consuming(sensors_engine, options):
        wait_for(lambda: count(sensors_engine) == 3000)


def test_mqtt_ingest_quarantines_what_it_cannot_store(
    sensors_engine: Engine, options: MqttIngestOptions, mqtt_url: str, prefix: str
) -> None:
    m1 = observations_topic(prefix, "m1")
    messages = [
        (m1, b"not json {"),
        (m1, b'{"quantity": "pm25", "value": 3.0}'),
        (m1, json.dumps(reading(0, True)).encode()),
        (m1, json.dumps(reading(1, 5.0, sensor_id="m2")).encode()),
        (m1, json.dumps([reading(2, 6.0), {"quantity": "pm25"}, reading(3, 1e9)]).encode()),
        (observations_topic(prefix, "unknown"), json.dumps(reading(4, 8.0)).encode()),
    ]

    with consuming(sensors_engine, options):
        publish(mqtt_url, messages)
        wait_for(lambda: count(sensors_engine, tables.quarantine) == 7)
    with consuming(sensors_engine, options):  # everything was acknowledged: nothing comes back
        time.sleep(0.5)

    assert count(sensors_engine, tables.quarantine) == 7
    assert count(sensors_engine) == 1  # reading(2, 6.0) of the list payload
    with sensors_engine.connect() as conn:
        entries = store.get_quarantine(conn, limit=10)
    found = sorted((e.reason, e.field, e.sensor_id) for e in entries)
    assert found == [
        ("bad_json", "payload", "m1"),
        ("bad_type", "value", "m1"),
        ("missing_field", "observed_at", "m1"),
        ("missing_field", "observed_at", "m1"),
        ("out_of_range", "value", "m1"),
        ("topic_mismatch", "sensor_id", "m1"),
        ("unknown_sensor", "sensor_id", "unknown"),
    ]
    assert all(e.door == "mqtt" for e in entries)
    bad_json = next(e for e in entries if e.reason == "bad_json")
    assert bad_json.payload == "not json {"
    assert "JSON" in bad_json.expected


def test_mqtt_ingest_quarantines_times_numbers_and_nesting_beyond_range(
    sensors_engine: Engine, options: MqttIngestOptions, mqtt_url: str, prefix: str
) -> None:
    m1 = observations_topic(prefix, "m1")
    future = reading(0, 5.0) | {"observed_at": "9999-12-31T23:59:59-14:00"}  # year 10000 in UTC
    past = reading(0, 5.0) | {"observed_at": "0001-01-01T00:00:00+14:00"}  # year 0 in UTC
    huge = b'{"quantity": "pm25", "observed_at": "%s", "value": %s}' % (
        T0.isoformat().encode(), b"9" * 400)  # fmt: skip
    deep = b"[" * 100_000 + b"]" * 100_000
    payloads = [json.dumps(future).encode(), json.dumps(past).encode(), huge, deep,
                json.dumps(reading(1, 6.0)).encode()]  # fmt: skip
    messages = [(m1, payload) for payload in payloads]

    with consuming(sensors_engine, options):
        publish(mqtt_url, messages)
        wait_for(lambda: count(sensors_engine) == 1)  # the valid reading published last
        wait_for(lambda: count(sensors_engine, tables.quarantine) == 4)
    with consuming(sensors_engine, options):  # everything was acknowledged: nothing comes back
        time.sleep(0.5)

    assert count(sensors_engine, tables.quarantine) == 4
    with sensors_engine.connect() as conn:
        entries = store.get_quarantine(conn, limit=10)
    assert sorted((e.reason, e.field, e.value) for e in entries) == [
        ("bad_json", "payload", "[" * 199 + "…"),
        ("future_timestamp", "observed_at", "10000-01-01T13:59:59.000000Z"),
        ("not_finite", "value", "inf"),
        ("too_old", "observed_at", "0000-12-31T10:00:00.000000Z"),
    ]


def test_mqtt_ingest_quarantines_a_message_that_raises_and_acknowledges_it(
    sensors_engine: Engine, options: MqttIngestOptions, mqtt_url: str, prefix: str
) -> None:
    # A quantity this version does not know, registered by another (newer) one: storing its
    # reading raises a ValueError, a bug. Such a message used to stop the consumer before its
    # PUBACK, and the broker delivered it again at every restart (a poison message).
    with sensors_engine.begin() as conn:
        add_sensor(conn, "m3", {"benzene": "µg/m³"})
    with consuming(sensors_engine, options):
        pass  # the persistent session: what follows is delivered in one batch at the restart
    poison = {"quantity": "benzene", "observed_at": T0.isoformat(), "value": 1.5}
    valid = reading(0, 7.0)
    publish(mqtt_url, [(observations_topic(prefix, "m3"), json.dumps(poison).encode()),
                       (observations_topic(prefix, "m1"), json.dumps(valid).encode())])  # fmt: skip

    with consuming(sensors_engine, options):
        wait_for(lambda: count(sensors_engine) == 1)  # published after the poison message
        wait_for(lambda: count(sensors_engine, tables.quarantine) == 1)
    with consuming(sensors_engine, options):  # acknowledged: nothing comes back
        time.sleep(0.5)

    assert count(sensors_engine, tables.quarantine) == 1
    with sensors_engine.connect() as conn:
        (entry,) = store.get_quarantine(conn, limit=10)
        (stored,) = store.get_observations(conn, store.SeriesFilter(), limit=10)
    assert (entry.reason, entry.field, entry.sensor_id, entry.door) == (
        "internal_error", "payload", "m3", "mqtt")  # fmt: skip
    assert entry.value == "ValueError: 'benzene' is not a valid Quantity"
    assert "service log" in entry.expected
    assert json.loads(entry.payload) == poison
    assert (stored.sensor_id, stored.value) == ("m1", 7.0)


def test_mqtt_ingest_shares_the_load_between_two_consumers(
    sensors_engine: Engine, options: MqttIngestOptions, mqtt_url: str, prefix: str
) -> None:
    first = replace(options, shared_group=prefix, batch_max=50)
    second = replace(first, client_id=f"{prefix}-ingest-2")
    reports: tuple[list[BatchReport], list[BatchReport]] = ([], [])
    topics = [observations_topic(prefix, s) for s in ("m1", "m2")]

    with (
        consuming(sensors_engine, first, reports[0]),
        consuming(sensors_engine, second, reports[1]),
    ):
        publish(mqtt_url, [(topics[m % 2], json.dumps(reading(m // 2, 9.0 + m % 5)).encode())
                           for m in range(2000)])  # fmt: skip
        wait_for(lambda: count(sensors_engine) == 2000)

    received = [sum(len(r.messages) for r in group) for group in reports]
    assert sum(received) == 2000  # each message went to one consumer only
    assert min(received) > 0

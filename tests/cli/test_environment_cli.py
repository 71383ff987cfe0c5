"""``healthycity environment simulate``: sensors registered, readings stored via MQTT and HTTP."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, insert, select

from healthycity.environment import sensors, tables
from healthycity.environment._mqtt_client import BrokerAddress, MqttConnection
from healthycity.environment.mqtt_ingest import (
    MqttIngestOptions,
    observations_topic,
    run_mqtt_ingest,
)
from healthycity.environment.quantities import Quantity
from healthycity.territory import tables as territory_tables
from tests.api.conftest import seed_territory
from tests.cli.conftest import Run

# Two communes of the Nièvre with their population and a point inside them (WGS84).
COMMUNES = (("58194", "Nevers", 32_990, 3.159, 46.990), ("58086", "Cosne-Cours-sur-Loire",
            9_960, 2.927, 47.411))  # fmt: skip
START = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)


@pytest.fixture
def engine_with_communes(cli_engine: Engine) -> Engine:
    with cli_engine.begin() as conn:
        conn.execute(insert(territory_tables.territories).values(
            level="departement", code="58", name="Nièvre", search_name="nievre"))  # fmt: skip
        conn.execute(insert(territory_tables.territories), [
            {"level": "commune", "code": code, "name": name, "search_name": name.lower(),
             "population": population, "centroid_lon": lon, "centroid_lat": lat}
            for code, name, population, lon, lat in COMMUNES])  # fmt: skip
        conn.execute(insert(territory_tables.territory_links), [
            {"child_level": "commune", "child_code": code, "parent_level": "departement",
             "parent_code": "58"} for code, *_ in COMMUNES])  # fmt: skip
    return cli_engine


def count(engine: Engine, table=tables.observations) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def number_before(words: str, output: str) -> int:
    found = re.search(rf"(\d[\d ]*) {words}", output)
    assert found, output
    return int(found[1].replace(" ", ""))


def test_simulate_via_mqtt_registers_sensors_and_their_readings_are_stored(
    run: Run, engine_with_communes: Engine, mqtt_url: str
) -> None:
    prefix = f"hc-sim-{uuid.uuid4().hex[:10]}"
    options = MqttIngestOptions(
        broker_url=mqtt_url, client_id=f"{prefix}-ingest", topic_prefix=prefix,
        batch_wait_s=0.02, session_expiry_s=60,
    )  # fmt: skip
    stop = threading.Event()
    consumer = threading.Thread(target=run_mqtt_ingest, args=(engine_with_communes, options),
                                kwargs={"stop": stop})  # fmt: skip
    consumer.start()
    try:
        time.sleep(0.3)
        result = run("environment", "simulate", "--sensors", "12", "--rate", "2000",
                     "--duration", "1", "--via", "mqtt", "--topic-prefix", prefix,
                     "--start", START.isoformat(), "--step", "600", "--episode", "pm10",
                     env={"HC_MQTT_URL": mqtt_url})  # fmt: skip
        assert result.exit_code == 0, result.output
        sent = number_before("mesures envoyées", result.stdout)
        deadline = time.monotonic() + 30
        while count(engine_with_communes) < sent and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        consumer.join(timeout=30)

    assert sent > 100  # a 10-minute step replays history quickly
    assert count(engine_with_communes) == sent
    assert count(engine_with_communes, tables.quarantine) == 0
    with engine_with_communes.connect() as conn:
        kinds = dict(conn.execute(select(tables.sensors.c.kind, func.count())
                                  .group_by(tables.sensors.c.kind)).all())  # fmt: skip
        communes = set(conn.execute(select(tables.sensors.c.commune_code)).scalars())
    assert kinds == {"reference": 2, "low_cost": 10}
    assert communes <= {"58194", "58086"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_simulate_via_http_posts_to_the_api_with_a_token_it_creates(
    run: Run, engine_with_communes: Engine, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = os.environ | {"HC_DATABASE_URL": database_url, "HC_DATA_DIR": str(tmp_path),
                        "HC_LOG_LEVEL": "WARNING"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "healthycity.api.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/environment/sensors").raise_for_status()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        result = run("environment", "simulate", "--sensors", "5", "--rate", "1000",
                     "--duration", "1", "--via", "http", "--url", f"http://127.0.0.1:{port}",
                     "--start", START.isoformat(), "--step", "300")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert result.exit_code == 0, result.output
    sent = number_before("mesures envoyées", result.stdout)
    assert sent > 50
    assert number_before("acceptées", result.stdout) == sent
    assert number_before("en quarantaine", result.stdout) == 0
    assert count(engine_with_communes) == sent


def test_ingest_mqtt_stores_until_sigterm_then_prints_its_counts(
    run: Run, engine_with_communes: Engine, mqtt_url: str
) -> None:
    prefix = f"hc-cli-{uuid.uuid4().hex[:10]}"
    with engine_with_communes.begin() as conn:
        conn.execute(insert(tables.sensors).values(
            id="c1", name="c1", kind="low_cost", lon=3.15, lat=46.99, commune_code="58194",
            operator=None, status="active", created_at=START, updated_at=START))  # fmt: skip
        conn.execute(insert(tables.sensor_quantities).values(
            sensor_id="c1", quantity="pm25", unit="µg/m³"))  # fmt: skip
    readings = [{"quantity": "pm25", "observed_at": (START + timedelta(hours=h)).isoformat(),
                 "value": 4.0 + h} for h in range(3)]  # fmt: skip

    def publish_then_stop() -> None:
        time.sleep(1.5)  # the command has subscribed
        connection, _ = MqttConnection.open(BrokerAddress.parse(mqtt_url), client_id=f"{prefix}-p",
                                            clean_start=True, session_expiry_s=0)  # fmt: skip
        topic = observations_topic(prefix, "c1")
        connection.publish([(topic, json.dumps(readings).encode()), (topic, b"{oops")])
        connection.close()
        deadline = time.monotonic() + 30
        while count(engine_with_communes) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)  # what a service manager sends

    helper = threading.Thread(target=publish_then_stop)
    helper.start()
    result = run("environment", "ingest-mqtt", "--topic-prefix", prefix, "--client-id",
                 f"{prefix}-ingest", env={"HC_MQTT_URL": mqtt_url})  # fmt: skip
    helper.join()

    assert result.exit_code == 0, result.output
    assert f"{prefix}/+/observations" in result.stdout
    assert "Arrêt : 2 messages, 3 mesures enregistrées, 1 en quarantaine." in result.stdout
    assert count(engine_with_communes) == 3


def test_ingest_mqtt_names_an_unreachable_broker(run: Run) -> None:
    result = run("environment", "ingest-mqtt",
                 env={"HC_MQTT_URL": f"mqtt://127.0.0.1:{free_port()}"})  # fmt: skip
    assert result.exit_code == 1
    assert "Cannot reach the MQTT broker mqtt://127.0.0.1:" in result.output
    assert "make services-up" in result.output


SENSORS_HEADER = "id,name,kind,quantities,lon,lat,commune_code,operator,status\n"


@pytest.fixture
def engine_with_nevers(cli_engine: Engine) -> Engine:
    """The seed territory of the API tests: Nevers (58194) has a polygon, the only one."""
    with cli_engine.begin() as conn:
        seed_territory(conn)
    return cli_engine


def test_import_sensors_registers_a_csv_and_locates_the_communes(
    run: Run, engine_with_nevers: Engine, tmp_path: Path
) -> None:
    # a1 located in Nevers' box; a2 outside it, with its commune code given
    rows = ("a1,Station A,reference,no2:ppb;o3:µg/m³,3.15,46.99,,Atmo BFC,active\n"
            "a2,Capteur B,low_cost,pm25:µg/m³,2.9,47.4,58194,,inactive\n")  # fmt: skip
    sensors_csv = tmp_path / "capteurs.csv"
    sensors_csv.write_text(SENSORS_HEADER + rows, encoding="utf-8")

    result = run("environment", "import-sensors", str(sensors_csv))

    assert result.exit_code == 0, result.output
    assert "2 capteur(s) enregistré(s) depuis capteurs.csv." in result.output
    with engine_with_nevers.connect() as conn:
        found = {s.id: s for s in sensors.list_sensors(conn)}
    assert (found["a1"].commune_code, found["a1"].quantities) == (
        "58194", {Quantity.NO2: "ppb", Quantity.O3: "µg/m³"})  # fmt: skip
    assert (found["a2"].kind, found["a2"].status) == ("low_cost", "inactive")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (SENSORS_HEADER + "a1,Station A,reference,no2:ppb,3.15,46.99,,,\n"
         "a2,Station B,satellite,pm25:µg/m³,3.16,46.99,,,\n", "line 3"),  # a bad kind
        (SENSORS_HEADER + "a1,Station A,reference,no2:ppb,1.0,45.0,,,\n", "a1"),  # no commune there
        ("id;name\n", "header"),
        (SENSORS_HEADER.encode() + "a1,Gare \xe9,reference,no2:ppb,3.15,46.99,,,\n"
         .encode("latin-1"), "not UTF-8"),
    ],
)  # fmt: skip
def test_import_sensors_writes_nothing_on_an_error(
    run: Run, engine_with_nevers: Engine, tmp_path: Path, content: str | bytes, says: str
) -> None:
    sensors_csv = tmp_path / "capteurs.csv"
    if isinstance(content, bytes):
        sensors_csv.write_bytes(content)
    else:
        sensors_csv.write_text(content, encoding="utf-8")

    result = run("environment", "import-sensors", str(sensors_csv))

    assert result.exit_code == 1, result.output
    assert says in result.output
    assert count(engine_with_nevers, tables.sensors) == 0

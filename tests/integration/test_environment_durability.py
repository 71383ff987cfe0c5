"""An acknowledged batch is durable: SIGKILL the real server mid-load, every 2xx batch is stored."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, insert, select

from healthycity.auth.tokens import create_token
from healthycity.environment import tables

SENSORS = [f"d{i}" for i in range(10)]
STEPS = 50  # one-minute steps per batch: 10 sensors x 50 = 500 readings
T0 = (datetime.now(UTC) - timedelta(days=20)).replace(second=0, microsecond=0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(database_url: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {"HC_DATABASE_URL": database_url, "HC_DATA_DIR": str(folder),
                        "HC_LOG_LEVEL": "WARNING"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "healthycity.api.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/environment/sensors").is_success:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    pytest.fail("the server did not start within 60 s")


def batch(number: int) -> list[dict[str, object]]:
    start = T0 + timedelta(minutes=number * STEPS)
    return [
        {"sensor_id": s, "quantity": "pm25", "value": 10.0 + (step % 7),
         "observed_at": (start + timedelta(minutes=step)).isoformat()}
        for step in range(STEPS) for s in SENSORS
    ]  # fmt: skip


def stored_in(engine: Engine, number: int) -> int:
    start = T0 + timedelta(minutes=number * STEPS)
    o = tables.observations
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(o.c.observed_at >= start,
                                       o.c.observed_at < start + timedelta(minutes=STEPS))
        ).scalar_one()  # fmt: skip


def test_acknowledged_batches_survive_sigkill(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(tables.sensors), [
            {"id": s, "name": s, "kind": "low_cost", "lon": 3.15, "lat": 46.99,
             "commune_code": "58194", "operator": None, "status": "active", "created_at": now,
             "updated_at": now} for s in SENSORS])  # fmt: skip
        units = [{"sensor_id": s, "quantity": "pm25", "unit": "µg/m³"} for s in SENSORS]
        conn.execute(insert(tables.sensor_quantities), units)
        token = create_token(conn, role="professional", scope=None, label="durability")[1]
    port = free_port()
    server = start_server(database_url, port, tmp_path)
    acknowledged: list[int] = []
    killer = threading.Timer(1.5, lambda: server.send_signal(signal.SIGKILL))
    killer.start()
    url = f"http://127.0.0.1:{port}/api/v1/environment/observations"
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for number in range(10_000):  # bounded; the kill ends it within seconds
            try:
                answer = client.post(url, json=batch(number))
            except httpx.TransportError:
                break
            if answer.is_success:
                acknowledged.append(number)
    killer.cancel()
    server.wait(timeout=30)
    assert server.returncode == -signal.SIGKILL

    restarted = start_server(database_url, port, tmp_path)
    try:
        assert len(acknowledged) >= 2  # the kill came mid-load, not before it
        assert [stored_in(engine, n) for n in acknowledged] == [len(SENSORS) * STEPS] * len(
            acknowledged
        )
        headers = {"Authorization": f"Bearer {token}"}
        after = httpx.post(url, json=batch(number + 1), headers=headers, timeout=30)
        assert after.json()["accepted"] == len(SENSORS) * STEPS
    finally:
        restarted.kill()
        restarted.wait(timeout=30)

"""Benchmark of HTTP batch ingestion through the real server, into SQLite and PostgreSQL.

Run: ``.venv/bin/python bench/ingest.py [--only http|mqtt] [--backend sqlite|postgresql]``
(about four minutes). PostgreSQL is taken from ``HC_BENCH_POSTGRESQL_URL`` (default the test
server, in a throw-away schema).

* Workload: 1,000 sensors measuring PM2.5, PM10, NO2 (reported in ppb, converted) and
  temperature; each batch is 250 sensors x 4 quantities x 5 ten-minute steps = 5,000
  readings (what a gateway posting every 50 minutes sends), values a random walk.
  ``CLIENTS`` clients post concurrently, each for its own 250 sensors, for ``DURATION_S``
  (``HC_BENCH_DURATION_S``, default 30 s: sustained, the tables grow to 1.5 million rows and
  more; the first 10 s, on small tables, are faster).
* The server is ``uvicorn --factory healthycity.api.app:create_app`` in a subprocess
  (``HC_BENCH_WORKERS`` processes, default 1), each batch committed before its 200; every
  reading goes through validation, unit conversion, quality control, the hourly aggregates and
  the latest-value table. Concurrent batches are validated in parallel and committed together
  (``_group_commit``: one disk flush for several requests). Figures swing with the other work
  on the machine: compare versions in alternating runs. Measured on the quiet 2-core machine
  (load average ~1.3), SQLite / PostgreSQL readings/s over 30 s: 41,300-47,600 / 52,600-54,600
  with SQLite's default WAL checkpoint (every 1,000 pages), 51,300-54,800 / 58,000 with a
  checkpoint every 40,000 pages (``storage/engine.py``); over 10 s on the earlier code,
  52,900-54,500 / 52,600-62,400. Comparing the registry version under the lock instead of
  re-reading the batch's sensors (``env_registry_version``): alternated runs, SQLite
  46,000-53,200 -> 49,400-54,100, PostgreSQL 62,700 -> 67,900. Earlier, on a loaded machine:
  two processes 27,000-29,200 / 21,600-29,400 (each groups fewer requests, and they compete for
  the write lock); uvicorn without uvloop and httptools 39,100 / 31,600 (one process 50,600 /
  41,800 then). The client alone, against a server that only reads the body, posts 1,200,000
  readings within 10 s (client CPU 0.1 s): it is not the bottleneck.
* Peer figures: the same rows inserted by a plain SQLAlchemy Core ``executemany`` into the
  observations table (no HTTP, no validation: the floor we are measured against), and FIWARE
  Orion-LD's published ~3,500 entity updates/s (2 CPUs + a 16-CPU MongoDB; quoted, not run).
* Also measured after the load: "latest value of every series" from ``env_latest`` versus a
  greatest-per-group query over the raw observations.

MQTT (``--only mqtt`` runs this part alone):

* The ingest process is ``run_mqtt_ingest`` (what ``healthycity environment ingest-mqtt``
  runs) in a subprocess on SQLite, then on PostgreSQL, subscribed to the project's Mosquitto
  (``HC_BENCH_MQTT_URL``, default ``mqtt://127.0.0.1:1884``, ``make services-up``).
* ``PUBLISHERS`` publisher processes send ``MQTT_MESSAGES`` QoS 1 messages, one reading each
  (the worst case: a device per message), over the same 1,000 sensors, as fast as the broker
  takes them. msgs/s end to end = messages stored / (last commit - first publish).
* Latency: the same publishers at a steady ``LATENCY_RATE`` msgs/s, each payload carrying its
  publish time; the ingest process notes, after each commit, publish -> committed for every
  tenth message. Indices are computed when read (``indices_service``), from the readings and
  the hourly aggregates that the same transaction updates: "stored" and "index updated" are
  the same instant, and the JSON gives both keys.

Prints figures as it goes; the last line is one JSON object.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from healthycity.auth.tokens import create_token
from healthycity.environment import tables
from healthycity.environment._mqtt_client import BrokerAddress, MqttConnection
from healthycity.environment.mqtt_ingest import (
    BatchReport,
    MqttIngestOptions,
    observations_topic,
    run_mqtt_ingest,
)
from healthycity.storage.engine import make_engine
from healthycity.storage.migrate import upgrade_database

PG_URL = os.environ.get(
    "HC_BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
N_SENSORS, CLIENTS, STEPS = 1000, 4, 5
QUANTITIES = (("pm25", "µg/m³"), ("pm10", "µg/m³"), ("no2", "ppb"), ("temperature", "°C"))
DURATION_S = float(os.environ.get("HC_BENCH_DURATION_S", "30"))
# Enough batches that no client runs dry before DURATION_S (a client posts ~3 batches/s).
BATCHES_PER_CLIENT = max(60, int(DURATION_S * 6))
ORION_LD_UPDATES_PER_S = 3500
# Server processes: state lives in the database, so several can serve side by side.
WORKERS = int(os.environ.get("HC_BENCH_WORKERS", "1"))
MQTT_URL = os.environ.get("HC_BENCH_MQTT_URL", "mqtt://127.0.0.1:1884")
PUBLISHERS = 2
MQTT_MESSAGES = int(os.environ.get("HC_BENCH_MQTT_MESSAGES", "300000"))
LATENCY_RATE, LATENCY_S = 5000, 6.0
T0 = (datetime.now(UTC) - timedelta(days=60)).replace(minute=0, second=0, microsecond=0)


def seed(url: str) -> str:
    """Migrate, register the sensors, return an integrator token."""
    engine = make_engine(url)
    upgrade_database(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(tables.sensors), [
            {"id": f"b{i:04d}", "name": f"bench {i}", "kind": "low_cost", "lon": 3.15,
             "lat": 46.99, "commune_code": "58194", "operator": None, "status": "active",
             "created_at": now, "updated_at": now} for i in range(N_SENSORS)])  # fmt: skip
        conn.execute(insert(tables.sensor_quantities), [
            {"sensor_id": f"b{i:04d}", "quantity": q, "unit": u}
            for i in range(N_SENSORS) for q, u in QUANTITIES])  # fmt: skip
        token = create_token(conn, role="professional", scope=None, label="bench")[1]
    engine.dispose()
    return token


def bodies(client: int) -> list[bytes]:
    """The pre-encoded batches of one client: its sensors, consecutive 10-minute steps."""
    rng = random.Random(client)
    own = [f"b{i:04d}" for i in range(client, N_SENSORS, CLIENTS)]
    level = {(s, q): rng.uniform(5, 40) for s in own for q, _ in QUANTITIES}
    out = []
    for number in range(BATCHES_PER_CLIENT):
        readings = []
        for step in range(STEPS):
            moment = (T0 + timedelta(minutes=10 * (number * STEPS + step))).isoformat()
            for (sensor, quantity), value in level.items():
                value = max(1.0, value + rng.gauss(0, 1.5))
                level[sensor, quantity] = value
                readings.append({"sensor_id": sensor, "quantity": quantity,
                                 "observed_at": moment, "value": round(value, 1)})  # fmt: skip
        out.append(json.dumps(readings).encode())
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(url: str, folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = os.environ | {"HC_DATABASE_URL": url, "HC_DATA_DIR": str(folder),
                        "HC_LOG_LEVEL": "WARNING"}  # fmt: skip
    server = subprocess.Popen(  # noqa: S603  # our own interpreter and module
        [sys.executable, "-m", "uvicorn", "--factory", "healthycity.api.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
         "--workers", str(WORKERS)],
        env=env,
    )  # fmt: skip
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    msg = "server did not start"
    raise SystemExit(msg)


def load(port: int, token: str, payloads: list[list[bytes]]) -> tuple[int, float]:
    """Post concurrently for DURATION_S; readings acknowledged per second."""
    accepted = [0] * CLIENTS
    exhausted = [False] * CLIENTS
    stop = threading.Event()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def run(client: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for body in payloads[client]:
            if stop.is_set():
                break
            connection.request("POST", "/api/v1/environment/observations", body, headers)
            answer = connection.getresponse()
            report = json.loads(answer.read())
            if answer.status != 200:
                msg = f"HTTP {answer.status}: {report}"
                raise SystemExit(msg)
            accepted[client] += report["accepted"]
        exhausted[client] = not stop.is_set()
        connection.close()

    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    warm.request("GET", "/api/v1/environment/sensors?limit=1")
    warm.getresponse().read()
    threads = [threading.Thread(target=run, args=(c,)) for c in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(DURATION_S)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if any(exhausted):
        msg = "a client ran out of batches before DURATION_S: raise BATCHES_PER_CLIENT"
        raise SystemExit(msg)
    return sum(accepted), elapsed


def floor_rate(url: str, payloads: list[list[bytes]]) -> float:
    """Plain Core executemany of the same rows (already parsed) into env_observations."""
    engine = make_engine(url)
    received = datetime.now(UTC)
    batches = []
    for body in payloads[0][:20]:
        batches.append([
            {"sensor_id": r["sensor_id"], "quantity": r["quantity"],
             "observed_at": datetime.fromisoformat(r["observed_at"]), "value": r["value"],
             "flags": 0, "received_at": received, "door": "http"}
            for r in json.loads(body)])  # fmt: skip
    with engine.begin() as conn:
        conn.execute(tables.observations.delete())
    start = time.perf_counter()
    for rows in batches:
        with engine.begin() as conn:
            conn.execute(insert(tables.observations), rows)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return sum(len(b) for b in batches) / elapsed


def latest_timings(url: str) -> tuple[float, float, int]:
    """ms to read the latest value of every series: env_latest vs greatest-per-group."""
    engine = make_engine(url)
    o, lt = tables.observations, tables.latest
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(o)).scalar_one()
        start = time.perf_counter()
        conn.execute(select(lt.c.sensor_id, lt.c.quantity, lt.c.observed_at, lt.c.value)).all()
        table_ms = (time.perf_counter() - start) * 1000
        newest = (
            select(o.c.sensor_id, o.c.quantity, func.max(o.c.observed_at).label("at"))
            .group_by(o.c.sensor_id, o.c.quantity)
            .subquery()
        )
        start = time.perf_counter()
        conn.execute(
            select(o.c.sensor_id, o.c.quantity, o.c.observed_at, o.c.value).join(
                newest, (o.c.sensor_id == newest.c.sensor_id) & (o.c.quantity == newest.c.quantity)
                & (o.c.observed_at == newest.c.at))
        ).all()  # fmt: skip
        group_ms = (time.perf_counter() - start) * 1000
    engine.dispose()
    return table_ms, group_ms, rows


def run_backend(name: str, url: str, folder: Path, payloads: list[list[bytes]]) -> dict[str, float]:
    token = seed(url)
    server, port = serve(url, folder)
    try:
        readings, elapsed = load(port, token, payloads)
    finally:
        server.terminate()
        server.wait(timeout=30)
    rate = readings / elapsed
    table_ms, group_ms, rows = latest_timings(url)
    floor = floor_rate(url, payloads)
    size = len(QUANTITIES) * STEPS * N_SENSORS // CLIENTS
    print(f"{name}: {readings:,} readings in {elapsed:.1f} s over HTTP = {rate:,.0f} readings/s "
          f"({CLIENTS} clients, batches of {size:,})")  # fmt: skip
    orion = rate / ORION_LD_UPDATES_PER_S
    print(f"{name}: plain Core executemany INSERT of the same rows: {floor:,.0f} rows/s; "
          f"HTTP pipeline / floor = {rate / floor:.2f}; / Orion-LD = {orion:.1f}")  # fmt: skip
    print(f"{name}: latest value of every series at {rows:,} rows: env_latest {table_ms:.1f} ms, "
          f"greatest-per-group over observations {group_ms:.1f} ms")  # fmt: skip
    return {"rate": rate, "floor": floor, "latest_table_ms": table_ms,
            "latest_group_ms": group_ms, "rows": rows}  # fmt: skip


# --- MQTT --------------------------------------------------------------------------------


def consume(url: str, prefix: str, out_path: str) -> None:
    """The ingest process: run the MQTT door until SIGTERM, then write what it measured."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    engine = make_engine(url)
    commits: list[tuple[float, int]] = []
    latencies_ms: list[float] = []

    def measure(report: BatchReport) -> None:
        commits.append((report.committed_at, len(report.messages)))
        for message in report.messages[::10]:
            sent_at = json.loads(message.payload).get("sent_at")
            if sent_at is not None:
                latencies_ms.append((report.committed_at - sent_at) * 1000)

    options = MqttIngestOptions(broker_url=MQTT_URL, client_id=f"{prefix}-ingest",
                                topic_prefix=prefix, session_expiry_s=600)  # fmt: skip
    run_mqtt_ingest(engine, options, stop=stop, on_committed=measure)
    Path(out_path).write_text(json.dumps({"commits": commits, "latencies_ms": latencies_ms}))
    engine.dispose()


def mqtt_readings(publisher: int, count: int) -> list[tuple[str, dict[str, object]]]:
    """Sensor and reading of each message of one publisher: its sensors, 10-minute steps.

    Values are random walks, as in ``bodies``: plausible series that QC leaves unflagged.
    """
    own = [f"b{i:04d}" for i in range(publisher, N_SENSORS, PUBLISHERS)]
    rng = random.Random(publisher)
    level = {(s, q): rng.uniform(5, 40) for s in own for q, _ in QUANTITIES}
    out = []
    for number in range(count):
        step, rest = divmod(number, len(own) * len(QUANTITIES))
        sensor, (quantity, _) = own[rest // len(QUANTITIES)], QUANTITIES[rest % len(QUANTITIES)]
        walked = level[sensor, quantity] + rng.gauss(0, 1.5)
        value = level[sensor, quantity] = min(max(1.0, walked), 45.0)  # plausible for all four
        moment = (T0 + timedelta(minutes=10 * step)).isoformat()
        out.append((sensor, {"quantity": quantity, "observed_at": moment,
                             "value": round(value, 1)}))  # fmt: skip
    return out


def publish_load(publisher: int, prefix: str, count: int, first: int, rate: float | None,
                 start_at: float) -> None:  # fmt: skip
    """One publisher process: ``count`` QoS 1 messages, at ``rate`` msgs/s or flat out."""
    readings = mqtt_readings(publisher, first + count)[first:]
    connection, _ = MqttConnection.open(
        BrokerAddress.parse(MQTT_URL), client_id=f"{prefix}-pub{publisher}-{first}",
        clean_start=True, session_expiry_s=0,
    )  # fmt: skip
    encoded = [(observations_topic(prefix, s), json.dumps(r).encode()) for s, r in readings]
    time.sleep(max(start_at - time.time(), 0))
    chunk = 1000 if rate is None else max(int(rate / 100), 1)  # timed runs: 100 sends/s
    began = time.time()
    for done in range(0, count, chunk):
        if rate is None:
            connection.publish(encoded[done : done + chunk])
            continue
        wait = began + done / rate - time.time()
        if wait > 0:
            time.sleep(wait)
        now = time.time()
        connection.publish([(topic, json.dumps(reading | {"sent_at": now}).encode())
                            for topic, reading in (
                                (observations_topic(prefix, s), r)
                                for s, r in readings[done : done + chunk])])  # fmt: skip
    connection.close()


def stored_count(url: str) -> int:
    """Messages dealt with: readings stored, or quarantined (none expected)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        count = sum(conn.execute(select(func.count()).select_from(table)).scalar_one()
                    for table in (tables.observations, tables.quarantine))  # fmt: skip
    engine.dispose()
    return int(count)


def run_publishers(prefix: str, count: int, first: int, rate: float | None) -> float:
    """Start the publisher processes together; return the time they start publishing."""
    start_at = time.time() + 3.0  # every process ready and its payloads encoded
    share = count // PUBLISHERS
    processes = [
        multiprocessing.Process(
            target=publish_load,
            args=(p, prefix, share, first, None if rate is None else rate / PUBLISHERS, start_at),
        )
        for p in range(PUBLISHERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return start_at


def wait_stored(url: str, wanted: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while (found := stored_count(url)) < wanted and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def run_mqtt(name: str, url: str, folder: Path) -> dict[str, float]:
    seed(url)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    out_path = folder / f"mqtt-{name}.json"
    consumer = subprocess.Popen(  # noqa: S603  # our own interpreter and script
        [sys.executable, __file__, "consume", url, prefix, str(out_path)]
    )
    try:
        time.sleep(3.0)  # connected and subscribed (the session then keeps everything)
        total = MQTT_MESSAGES // PUBLISHERS * PUBLISHERS
        started = run_publishers(prefix, total, 0, None)
        found = wait_stored(url, total, timeout_s=600)
        latency_total = int(LATENCY_RATE * LATENCY_S) // PUBLISHERS * PUBLISHERS
        run_publishers(prefix, latency_total, total // PUBLISHERS, LATENCY_RATE)
        found_all = wait_stored(url, total + latency_total, timeout_s=120)
    finally:
        consumer.send_signal(signal.SIGTERM)
        consumer.wait(timeout=60)
    measured = json.loads(out_path.read_text())
    commits = [(t, n) for t, n in measured["commits"]]
    done_at, counted = started, 0
    for moment, n in commits:
        counted += n
        if counted >= total:
            done_at = moment
            break
    rate = found / (done_at - started)
    latencies = sorted(measured["latencies_ms"])
    p50 = statistics.median(latencies)
    p99 = latencies[min(int(len(latencies) * 0.99), len(latencies) - 1)]
    print(f"{name}: MQTT {found:,} messages (one reading each, {PUBLISHERS} publishers, QoS 1) "
          f"stored in {done_at - started:.1f} s = {rate:,.0f} msgs/s end to end")  # fmt: skip
    print(
        f"{name}: MQTT latency at {LATENCY_RATE:,} msgs/s, publish -> committed (= hourly "
        f"aggregate updated, = index updated): p50 {p50:.0f} ms, p99 {p99:.0f} ms "
        f"over {len(latencies):,} samples, {found_all - found:,} of {latency_total:,} stored"
    )
    return {"rate": rate, "p50": p50, "p99": p99}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("http", "mqtt"), help="run one part only")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), help="one backend only")
    args = parser.parse_args()
    run_sqlite, run_pg = args.backend != "postgresql", args.backend != "sqlite"
    payloads = [bodies(c) for c in range(CLIENTS)]
    folder = Path(tempfile.mkdtemp(prefix="hc-bench-ingest-"))
    schema = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    empty: dict[str, float] = {}
    sqlite = pg = empty
    mqtt_sqlite = mqtt_pg = empty
    try:
        if args.only != "mqtt" and run_sqlite:
            sqlite = run_backend("sqlite", f"sqlite:///{folder / 'bench.db'}", folder, payloads)
        if args.only != "mqtt" and run_pg:
            pg = run_backend("postgresql", f"{PG_URL}?options=-csearch_path%3D{schema}", folder,
                             payloads)  # fmt: skip
        if args.only != "http":
            with admin.connect() as conn:
                conn.execute(text(f'drop schema "{schema}" cascade'))
                conn.execute(text(f'create schema "{schema}"'))
            if run_sqlite:
                mqtt_sqlite = run_mqtt("sqlite", f"sqlite:///{folder / 'mqtt.db'}", folder)
            if run_pg:
                mqtt_pg = run_mqtt("postgresql", f"{PG_URL}?options=-csearch_path%3D{schema}",
                                   folder)  # fmt: skip
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)

    def figure(found: dict[str, float], key: str, digits: int = 0) -> float | None:
        return round(found[key], digits or None) if key in found else None

    http_ratio = {
        b: None if not f else f["rate"] / f["floor"] for b, f in (("s", sqlite), ("p", pg))
    }
    print(json.dumps({
        "http_readings_per_s_sqlite": figure(sqlite, "rate"),
        "http_readings_per_s_postgresql": figure(pg, "rate"),
        "floor_executemany_rows_per_s_sqlite": figure(sqlite, "floor"),
        "floor_executemany_rows_per_s_postgresql": figure(pg, "floor"),
        "ratio_to_floor_sqlite": None if http_ratio["s"] is None else round(http_ratio["s"], 2),
        "ratio_to_floor_postgresql": None if http_ratio["p"] is None else round(http_ratio["p"], 2),
        "orion_ld_updates_per_s_quoted": ORION_LD_UPDATES_PER_S,
        "latest_all_series_ms_table_sqlite": figure(sqlite, "latest_table_ms", 1),
        "latest_all_series_ms_group_by_sqlite": figure(sqlite, "latest_group_ms", 1),
        "latest_all_series_ms_table_postgresql": figure(pg, "latest_table_ms", 1),
        "latest_all_series_ms_group_by_postgresql": figure(pg, "latest_group_ms", 1),
        "mqtt_msgs_per_s": figure(mqtt_sqlite, "rate"),
        "mqtt_msgs_per_s_postgresql": figure(mqtt_pg, "rate"),
        "latency_p50_ms": figure(mqtt_sqlite, "p50"),
        "latency_p99_ms": figure(mqtt_sqlite, "p99"),
        "latency_p50_ms_postgresql": figure(mqtt_pg, "p50"),
        "latency_p99_ms_postgresql": figure(mqtt_pg, "p99"),
        "latency_to_index_updated_p50_ms": figure(mqtt_sqlite, "p50"),
        "latency_to_index_updated_p99_ms": figure(mqtt_sqlite, "p99"),
        "latency_rate_msgs_per_s": LATENCY_RATE,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }))  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["consume"]:
        consume(*sys.argv[2:5])
    else:
        main()

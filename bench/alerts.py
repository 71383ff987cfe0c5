# ruff: noqa: S101, S105, S603, S608  (a script: asserts, a throw-away key, SQL built from ints)
"""Benchmark of alert delivery: targeting, fan-out, SMTP rate, alert latency.

1. 1,000,000 confirmed subscriptions over 7 synthetic départements of 300 communes each
   (one commune per subscription, random hazards), inserted by the database, then
   ``VACUUM ANALYZE`` (``ANALYZE`` on SQLite): the state autovacuum leaves a table in.
2. Targeting: the recipients of an air-quality alert on département 58 (~143,000 rows),
   counted by the indexed join ``outbox.target_recipients`` (target ≤ 1 s).
3. Fan-out: ``enqueue_alert`` of an alert on all 7 départements, 1,000,000 outbox rows by
   one INSERT … SELECT, commit included (target ≤ 10 s). Peer in the same run: a naive
   Python loop (select recipients, one INSERT per row) on 10,000 of them; ratio printed.
4. SMTP: ``--smtp-messages`` e-mails of one alert through ``Dispatcher`` threads (claim,
   compose, send, mark sent, commit), timed from the first claim to the last commit, to
   a local SMTP sink in other processes (target ≥ 2,000/s). The sink is Postfix's
   ``smtp-sink`` (C, built to measure SMTP clients; ``make smtp-sink`` installs it), or
   else ``SINK_PROCESSES`` aiosmtpd processes sharing the port (SO_REUSEPORT), so that
   the server is not what is measured; both announce PIPELINING, as Postfix does.
5. Latency: a NO2 reading of a reference station stored by ``pipeline.ingest_readings``
   (what the HTTP, NGSI-LD and MQTT doors call) and committed → the alert watcher
   (``alerts_feed.watch``, polling every ``WATCH_INTERVAL_S``) finds it, computes the ATMO
   classes of that hour for the communes the station reaches (département 89 laid on a
   5 km grid: the station's commune measured, those within 20 km interpolated), evaluates
   the rule, publishes one CAP message over them (hook: outbox rows) and commits → a
   dispatcher thread polling the outbox hands the first notification to the channel.
   Readings alternate over and under the threshold, so Alerts and Cancels alternate;
   p50 and p99 over 50 readings (target p99 ≤ 1 s).

Run: ``.venv/bin/python bench/alerts.py [--backend postgresql|sqlite] [--subscriptions N]``
(PostgreSQL from ``HC_TEST_POSTGRESQL_URL``, in a throw-away schema; SQLite in a temporary
file). Human-readable lines first; the last line is one JSON object with the figures.
"""

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pyproj import Transformer
from sqlalchemy import (
    DateTime,
    Engine,
    bindparam,
    create_engine,
    func,
    insert,
    select,
    text,
    update,
)

from healthycity.alerts import store
from healthycity.alerts.compose import AlertDraft, Text
from healthycity.alerts.delivery import tables
from healthycity.alerts.delivery.channels.base import Notification, SendResult
from healthycity.alerts.delivery.channels.email import EmailChannel
from healthycity.alerts.delivery.dispatcher import Dispatcher, DispatchPolicy
from healthycity.alerts.delivery.models import notification_id
from healthycity.alerts.delivery.outbox import enqueue_alert, on_alert_published, target_recipients
from healthycity.alerts.delivery.ratelimit import set_channel_limit
from healthycity.alerts.levels import AtmoLevel, Hazard
from healthycity.alerts.models import Certainty, Severity, Urgency
from healthycity.alerts.publishing import register_publish_hook, unregister_publish_hook
from healthycity.alerts.rules import Rule
from healthycity.alerts.runner import expand_rule_territories
from healthycity.alerts.service import Publisher, issue_alert
from healthycity.alerts_feed.places import rules_area
from healthycity.alerts_feed.watch import AlertWatcher
from healthycity.auth.models import Identity
from healthycity.environment import sensors
from healthycity.environment.pipeline import ingest_readings
from healthycity.environment.quantities import Quantity
from healthycity.storage.engine import make_engine
from healthycity.storage.migrate import upgrade_database
from healthycity.territory import tables as territory_tables

POSTGRESQL_URL = os.environ.get(
    "HC_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DEPARTEMENTS = ("58", "03", "18", "21", "45", "71", "89")
COMMUNES_PER_DEPARTEMENT = 300
SECRET = "bench-secret-key-of-at-least-32-characters"
PUBLISHER = Publisher(sender="alertes@bench.example")
OPERATOR = Identity(role="operator")
NAIVE_SUBSET = 10_000
LATENCY_RUNS = 50
LATENCY_STATION_COMMUNE = "89025"
WATCH_INTERVAL_S = 0.05
SINK_PROCESSES = 2


def seed_territory(engine: Engine) -> None:
    rows, links = [], []
    for dep in DEPARTEMENTS:
        rows.append({"level": "departement", "code": dep, "name": dep, "search_name": dep})
        for i in range(1, COMMUNES_PER_DEPARTEMENT + 1):
            code = f"{dep}{i:03d}"
            rows.append({"level": "commune", "code": code, "name": code, "search_name": code})
            links.append(
                {
                    "child_level": "commune",
                    "child_code": code,
                    "parent_level": "departement",
                    "parent_code": dep,
                }
            )
    with engine.begin() as conn:
        conn.execute(insert(territory_tables.territories), rows)
        conn.execute(insert(territory_tables.territory_links), links)


def series(engine: Engine, count: int) -> str:
    """A FROM clause of the integers 1…count as ``s.g``, on either backend."""
    if engine.dialect.name == "postgresql":
        return f"generate_series(1, {count}) AS s(g)"
    numbers = f"WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {count})"
    return f"({numbers} SELECT g FROM n) AS s"


def three_digits(engine: Engine, number: str) -> str:
    """SQL of ``number`` written with three digits, on either backend."""
    if engine.dialect.name == "postgresql":
        return f"lpad(({number})::text, 3, '0')"
    return f"substr('00' || ({number}), -3, 3)"  # SQLite: the last three characters


def at(moment: datetime) -> Any:
    """A bound time parameter, stored as each backend stores ``DateTime(timezone=True)``."""
    return bindparam("at", moment, type_=DateTime(timezone=True))


def seed_subscriptions(engine: Engine, count: int) -> None:
    """``count`` active e-mail subscriptions, one commune each, air plus random hazards."""
    communes = len(DEPARTEMENTS) * COMMUNES_PER_DEPARTEMENT
    dep = " ".join(f"WHEN {i} THEN '{d}'" for i, d in enumerate(DEPARTEMENTS))
    number = three_digits(engine, f"1 + (g - 1) % {COMMUNES_PER_DEPARTEMENT}")
    commune = f"(CASE ((g - 1) % {communes}) / {COMMUNES_PER_DEPARTEMENT} {dep} END) || {number}"
    hazards = "(1 | ((g % 31) * 7919 % 31))"  # 7919 · g mod 31, without overflowing INTEGER
    with engine.begin() as conn:
        conn.execute(
            text(f"""
            INSERT INTO delivery_subscriptions (id, kind, channel, address, address_key, language,
                places, hazards, audiences, status, created_at)
            SELECT g, 'citizen', 'email', 'user' || g || '@bench.example', 'k' || g,
                CASE WHEN g % 10 = 0 THEN 'en' ELSE 'fr' END, '[]',
                {hazards}, (g * 31) % 256, 'active', :at
            FROM {series(engine, count)}""").bindparams(at(datetime.now(UTC)))
        )
        conn.execute(
            text(f"""
            INSERT INTO delivery_subscription_places
                (commune_code, subscription_id, hazards, channel)
            SELECT {commune}, g, {hazards}, 'email' FROM {series(engine, count)}""")
        )
        set_channel_limit(conn, "email", None)
    analyse(engine)


def analyse(engine: Engine) -> None:
    """Statistics and visibility map, as autovacuum keeps them on a settled table."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(
                text("VACUUM ANALYZE delivery_subscriptions, delivery_subscription_places")
            )
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def empty_outbox(engine: Engine) -> None:
    with engine.begin() as conn:  # no dead rows left in the claim's index on PostgreSQL
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE delivery_outbox"))
        else:
            conn.execute(tables.outbox.delete())


def draft(areas: tuple[str, ...]) -> AlertDraft:
    return AlertDraft(
        event=Text("Pollution de l'air", "Air pollution"),
        headline=Text("Qualité de l'air très mauvaise", "Very poor air quality"),
        description=Text("Indice ATMO très mauvais.", "ATMO index very poor."),
        areas=areas,
        urgency=Urgency.IMMEDIATE,
        severity=Severity.SEVERE,
        certainty=Certainty.OBSERVED,
        hazard=Hazard.AIR_QUALITY,
        level=AtmoLevel.TRES_MAUVAIS,
    )


def store_alert(engine: Engine, areas: tuple[str, ...]) -> int:
    with engine.begin() as conn:
        return issue_alert(
            conn, draft(areas), identity=OPERATOR, publisher=PUBLISHER, now=datetime.now(UTC)
        ).id


def naive_fan_out(engine: Engine, alert_id: int) -> float:
    """Seconds per row of the naive peer: recipients into Python, one INSERT each."""
    outbox = tables.outbox
    with engine.begin() as conn:
        start = time.perf_counter()
        recipients = conn.execute(
            target_recipients(alert_id, "air_quality").limit(NAIVE_SUBSET)
        ).all()
        now = datetime.now(UTC)
        for subscription_id, channel in recipients:
            conn.execute(
                insert(outbox).values(
                    id=notification_id(alert_id, subscription_id),
                    alert_id=alert_id,
                    subscription_id=subscription_id,
                    channel=channel,
                    status="pending",
                    attempts=0,
                    available_at=now,
                    created_at=now,
                )
            )
        seconds = time.perf_counter() - start
        conn.rollback()
    return seconds / len(recipients)


class _PipeliningSink:
    async def handle_EHLO(self, _s: Any, session: Any, _e: Any, name: str, lines: list[str]) -> Any:  # noqa: N802
        session.host_name = name
        return [*lines[:-1], "250-PIPELINING", lines[-1]]

    async def handle_DATA(self, *_args: object) -> str:  # noqa: N802
        return "250 OK"


def _aiosmtpd_sink(port: int, ready: Any) -> None:
    from aiosmtpd.smtp import SMTP

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        await loop.create_server(
            lambda: SMTP(_PipeliningSink()), "127.0.0.1", port, reuse_port=True
        )
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(serve())


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[int, str]]:
    """A local SMTP sink in other processes: its port and what it is."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    binary = shutil.which("smtp-sink", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    processes: list[Any] = []
    try:
        if binary:
            processes.append(subprocess.Popen([binary, "-u", "nobody", f"127.0.0.1:{port}", "256"]))
            for _ in range(100):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                time.sleep(0.05)
            yield port, "postfix smtp-sink"
        else:
            for _ in range(SINK_PROCESSES):
                ready = multiprocessing.Event()
                process = multiprocessing.Process(
                    target=_aiosmtpd_sink, args=(port, ready), daemon=True
                )
                process.start()
                ready.wait(30)
                processes.append(process)
            yield port, f"{SINK_PROCESSES} aiosmtpd processes (SO_REUSEPORT)"
    finally:
        for process in processes:
            process.kill()


class TimedChannel:
    """The e-mail channel, noting when each alert's first notification was handed over."""

    name = "email"

    def __init__(self, inner: EmailChannel) -> None:
        self.inner = inner
        self.first_sent: dict[int, float] = {}

    def check_address(self, address: str) -> str:
        return self.inner.check_address(address)

    def send(self, notifications: Sequence[Notification]) -> list[SendResult]:
        results = self.inner.send(notifications)
        done = time.perf_counter()
        for n in notifications:
            if n.content is not None:
                self.first_sent.setdefault(n.content.alert_id, done)
        return results

    def close(self) -> None:
        self.inner.close()


def measure_smtp(engine: Engine, port: int, args: argparse.Namespace) -> float:
    empty_outbox(engine)
    alert_id = store_alert(engine, ("commune/58001",))  # hook off: enqueue a subset by hand
    with engine.begin() as conn:
        conn.execute(
            text(f"""
            INSERT INTO delivery_outbox (id, alert_id, subscription_id, channel, status,
                attempts, available_at, created_at)
            SELECT {notification_id(alert_id, 0)} + id, {alert_id}, id, 'email', 'pending', 0,
                :at, :at
            FROM delivery_subscriptions WHERE id <= {args.smtp_messages}""").bindparams(
                at(datetime.now(UTC) - timedelta(seconds=1))
            )
        )
    channel = EmailChannel(
        host="127.0.0.1",
        port=port,
        sender="alertes@bench.example",
        connections=args.connections,
    )
    workers = [
        Dispatcher(
            engine,
            {"email": channel},
            secret_key=SECRET,
            public_url="https://b.example",
            worker_id=f"bench-{i}",
            policy=DispatchPolicy(batch_size=args.batch_size),
        )
        for i in range(args.workers)
    ]
    stop = threading.Event()
    start = time.perf_counter()
    threads = [threading.Thread(target=w.run, args=(stop,), kwargs={"once": True}) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    channel.close()
    with engine.connect() as conn:
        sent = conn.execute(
            select(func.count()).where(tables.outbox.c.status == "sent")
        ).scalar_one()
    assert sent == args.smtp_messages, f"{sent} of {args.smtp_messages} sent"
    print(
        f"SMTP: {sent:,} e-mails claimed, sent and marked in {seconds:.2f} s by "
        f"{args.workers} dispatcher threads over {args.connections} connections"
    )
    return sent / seconds


def place_latency_territory(engine: Engine) -> None:
    """Département 89 on a 5 km grid of 20 × 15 communes, a reference NO2 station at 89025."""
    to_wgs84 = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    rows = []
    for i in range(COMMUNES_PER_DEPARTEMENT):
        lon, lat = to_wgs84.transform(740_000 + 5_000 * (i % 20), 6_740_000 + 5_000 * (i // 20))
        rows.append({"c": f"89{i + 1:03d}", "lon": lon, "lat": lat})
    t = territory_tables.territories
    with engine.begin() as conn:
        conn.execute(
            update(t)
            .where(t.c.level == "commune", t.c.code == bindparam("c"))
            .values(centroid_lon=bindparam("lon"), centroid_lat=bindparam("lat")),
            rows,
        )
        station = next(r for r in rows if r["c"] == LATENCY_STATION_COMMUNE)
        draft = sensors.SensorDraft(
            "bench-no2", "bench", "reference", station["lon"], station["lat"],
            {Quantity.NO2: "µg/m³"}, commune_code=LATENCY_STATION_COMMUNE,
        )  # fmt: skip
        sensors.save_sensor(conn, draft, locate=lambda _lon, _lat: None)


def measure_latency(engine: Engine, port: int) -> tuple[list[float], int]:
    """Reading stored by the pipeline → watcher (ATMO classes of the hour per commune, rules,
    CAP published with its outbox rows) → dispatcher → first e-mail handed to SMTP."""
    empty_outbox(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM delivery_subscription_places WHERE commune_code LIKE '89%'"))
        conn.execute(  # one recipient per test commune
            text(
                "INSERT INTO delivery_subscription_places (commune_code, subscription_id, "
                f"hazards, channel) SELECT '89' || {three_digits(engine, 'g')}, g, 31, 'email' "
                f"FROM {series(engine, LATENCY_RUNS)}"
            )
        )
    place_latency_territory(engine)
    channel = TimedChannel(EmailChannel(host="127.0.0.1", port=port, sender="a@bench.example"))
    worker = Dispatcher(
        engine,
        {"email": channel},
        secret_key=SECRET,
        public_url="https://b.example",
        worker_id="latency",
        policy=DispatchPolicy(idle_sleep_s=0.02),
    )
    # ATMO ≥ mauvais for 1 hour, all clear after 1 hour below: each reading alternately
    # starts an episode (NO2 250 µg/m³, très mauvais) and ends it (20 µg/m³, bon).
    rule = Rule(id="atmo-mauvais", index="atmo", min_level=AtmoLevel.MAUVAIS,
                territories=frozenset({"departement/89"}))  # fmt: skip
    now = datetime.now(UTC)
    with engine.connect() as conn:
        rules = expand_rule_territories(conn, [rule])
        area = rules_area(conn, rules)
    hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=LATENCY_RUNS + 1)
    # The cursor's start: before the first reading's hour, so the watcher's look-back (48 h
    # of observation time behind its cursor) reaches it.
    watcher = AlertWatcher(engine, rules, area, publisher=PUBLISHER, since=hour)
    stop = threading.Event()
    threads = [
        threading.Thread(target=worker.run, args=(stop,)),
        threading.Thread(target=watcher.run, args=(stop,), kwargs={"interval_s": WATCH_INTERVAL_S}),
    ]
    for thread in threads:
        thread.start()
    latencies, covered = [], 0
    for run in range(LATENCY_RUNS):
        reading = {"sensor_id": "bench-no2", "quantity": "no2",
                   "value": 250.0 if run % 2 == 0 else 20.0,
                   "observed_at": (hour + timedelta(hours=run)).isoformat()}  # fmt: skip
        known = set(channel.first_sent)
        start = time.perf_counter()
        with engine.begin() as conn:
            # Received 5 minutes after its hour began, as an hourly station's value is: the
            # hours are in the past, so that 50 of them fit before now.
            received = hour + timedelta(hours=run, minutes=5)
            assert ingest_readings(conn, [reading], door="http", now=received).accepted == 1
        deadline = start + 30
        while not set(channel.first_sent) - known:
            assert all(t.is_alive() for t in threads), "the watcher or dispatcher died"
            assert time.perf_counter() < deadline, f"reading {run}: no notification in 30 s"
            time.sleep(0.001)
        (alert_id,) = set(channel.first_sent) - known
        latencies.append(channel.first_sent[alert_id] - start)
        with engine.connect() as conn:
            covered = max(covered, len(store.covered_communes(conn, [alert_id])[alert_id]))
    stop.set()
    for thread in threads:
        thread.join()
    channel.close()
    return latencies, covered


@contextlib.contextmanager
def bench_engine(backend: str) -> Iterator[Engine]:
    """A fresh migrated database: a throw-away PostgreSQL schema or SQLite file."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="hc-bench-") as folder:
            engine = make_engine(f"sqlite:///{folder}/alerts.db")
            upgrade_database(engine)
            yield engine
            engine.dispose()
        return
    admin = create_engine(POSTGRESQL_URL, isolation_level="AUTOCOMMIT")
    schema = f"hc_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    engine = make_engine(f"{POSTGRESQL_URL}?options=-csearch_path%3D{schema}", pool_size=8)
    try:
        upgrade_database(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--smtp-messages", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2, help="dispatcher threads")
    parser.add_argument("--connections", type=int, default=4, help="SMTP connections")
    parser.add_argument("--batch-size", type=int, default=500, help="rows per claim")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    load_start = os.getloadavg()
    print(f"{args.backend}; load average at start {load_start[0]:.2f} {load_start[1]:.2f}")
    with bench_engine(args.backend) as engine, smtp_sink() as (port, sink):
        seed_territory(engine)
        start = time.perf_counter()
        seed_subscriptions(engine, args.subscriptions)
        print(f"{args.subscriptions:,} subscriptions stored in {time.perf_counter() - start:.1f} s")

        unregister_publish_hook(on_alert_published)  # enqueue timed on its own below
        on_58 = store_alert(engine, ("departement/58",))
        on_all = store_alert(engine, tuple(f"departement/{d}" for d in DEPARTEMENTS))
        with engine.connect() as conn:
            start = time.perf_counter()
            recipients = conn.execute(
                select(func.count()).select_from(target_recipients(on_58, "air_quality").subquery())
            ).scalar_one()
            targeting_s = time.perf_counter() - start
        print(f"targeting: {recipients:,} recipients of an alert on 58 in {targeting_s:.3f} s")

        start = time.perf_counter()
        with engine.begin() as conn:
            enqueued = enqueue_alert(conn, on_all, now=datetime.now(UTC))
        enqueue_s = time.perf_counter() - start
        naive_per_row = naive_fan_out(engine, on_58)
        ratio = naive_per_row * enqueued / enqueue_s
        print(
            f"enqueue: {enqueued:,} notifications in {enqueue_s:.2f} s "
            f"({enqueued / enqueue_s:,.0f}/s); naive Python loop: {1 / naive_per_row:,.0f}/s "
            f"on {NAIVE_SUBSET:,} rows, {ratio:.0f}× slower"
        )

        smtp_per_s = measure_smtp(engine, port, args)
        print(f"SMTP: {smtp_per_s:,.0f} e-mails/s handed to {sink}")

        register_publish_hook(on_alert_published)
        found, covered = measure_latency(engine, port)
        latencies = sorted(found)
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))] * 1000
        print(
            f"reading stored → ATMO classes of {covered} communes → rules → CAP alert → first "
            f"notification handed to SMTP: p50 {p50:.0f} ms, p99 {p99:.0f} ms over "
            f"{len(latencies)} readings (watcher polling every {WATCH_INTERVAL_S * 1000:.0f} ms)"
        )
    load = os.getloadavg()
    print(
        json.dumps(
            {
                "backend": args.backend,
                "subscriptions": args.subscriptions,
                "targeting_s": round(targeting_s, 3),
                "targeting_recipients": recipients,
                "enqueue_s": round(enqueue_s, 2),
                "enqueued": enqueued,
                "naive_loop_ratio": round(ratio, 1),
                "smtp_per_s": round(smtp_per_s),
                "smtp_messages": args.smtp_messages,
                "smtp_sink": sink,
                "smtp_connections": args.connections,
                "dispatcher_threads": args.workers,
                "alert_latency_p50_ms": round(p50, 1),
                "alert_latency_p99_ms": round(p99, 1),
                "uptime_load": [round(x, 2) for x in load],
                "uptime_load_start": [round(x, 2) for x in load_start],
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()

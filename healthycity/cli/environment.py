"""``healthycity environment``: the MQTT ingestion service and the sensor simulator."""

import http.client
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Annotated, Literal
from urllib.parse import urlsplit

import orjson
import typer
from sqlalchemy import Engine

from healthycity.auth.tokens import create_token
from healthycity.cli import environment_pollen
from healthycity.cli._context import get_settings, input_file, open_database
from healthycity.cli.output import format_count, print_line, print_warnings
from healthycity.config import Settings
from healthycity.environment import demo, sensors, simulation
from healthycity.environment._mqtt_client import BrokerAddress, MqttConnection
from healthycity.environment.mqtt_ingest import (
    DEFAULT_TOPIC_PREFIX,
    BatchReport,
    MqttIngestOptions,
    observations_topic,
    run_mqtt_ingest,
)
from healthycity.errors import UserError, ValidationError
from healthycity.logs import configure_logging
from healthycity.territory import store as territory_store

app = typer.Typer(
    help="Santé environnementale : ingestion MQTT des capteurs, simulateur, indice pollen.",
    no_args_is_help=True,
)
app.add_typer(environment_pollen.app)  # import-pollen-index: one `environment` group

TopicPrefix = Annotated[
    str,
    typer.Option(
        metavar="PRÉFIXE", help="Préfixe des sujets MQTT : PRÉFIXE/<capteur>/observations."
    ),
]
HTTP_BATCH = 5000  # readings per POST, well under the API's 10 MB body limit
OBSERVATIONS_PATH = "/api/v1/environment/observations"


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or Ctrl+C, so the current batch ends cleanly."""
    stop = threading.Event()

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@app.command("ingest-mqtt")
def ingest_mqtt(
    ctx: typer.Context,
    topic_prefix: TopicPrefix = DEFAULT_TOPIC_PREFIX,
    shared: Annotated[
        str | None,
        typer.Option(
            metavar="GROUPE",
            help="Abonnement partagé MQTT 5 ($share/GROUPE/…) pour répartir la charge entre "
            "plusieurs processus ; chacun a alors son propre --client-id.",
        ),
    ] = None,
    client_id: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="Identifiant client MQTT, nom de la session persistante "
            "(défaut : HC_MQTT_CLIENT_ID, sinon healthycity-ingest).",
        ),
    ] = None,
    batch_max: Annotated[
        int, typer.Option(min=1, max=60_000, help="Messages au plus par lot enregistré.")
    ] = 20_000,
    batch_wait_ms: Annotated[
        int,
        typer.Option(min=0, max=10_000, help="Attente maximale (ms) pour compléter un lot."),
    ] = 50,
) -> None:
    """Recevoir les mesures des capteurs par MQTT (QoS 1, session persistante).

    Chaque lot est validé, contrôlé, enregistré et validé en base avant l'accusé de
    réception (PUBACK) : un message accepté par le courtier n'est jamais perdu. Les
    messages invalides vont en quarantaine. S'arrête proprement sur Ctrl+C ou SIGTERM.
    """
    settings = get_settings(ctx)
    configure_logging(settings.log_level)
    options = MqttIngestOptions(
        broker_url=settings.mqtt_url, client_id=client_id or settings.mqtt_client_id,
        topic_prefix=topic_prefix, shared_group=shared, batch_max=batch_max,
        batch_wait_s=batch_wait_ms / 1000,
    )  # fmt: skip
    totals = {"messages": 0, "accepted": 0, "quarantined": 0}

    def count(report: BatchReport) -> None:
        totals["messages"] += len(report.messages)
        totals["accepted"] += report.result.accepted
        totals["quarantined"] += report.result.quarantined + report.refused

    with open_database(ctx) as engine, _stop_on_signals() as stop:
        print_line(
            f"Ingestion MQTT : {options.subscription} sur {BrokerAddress.parse(settings.mqtt_url)}"
            f" (client {options.client_id}) ; Ctrl+C pour arrêter."
        )
        run_mqtt_ingest(engine, options, stop=stop, on_committed=count)
    print_line(
        f"Arrêt : {format_count(totals['messages'])} messages, "
        f"{format_count(totals['accepted'])} mesures enregistrées, "
        f"{format_count(totals['quarantined'])} en quarantaine."
    )


# --- Simulator -------------------------------------------------------------------------------


def _sites(engine: Engine, settings: Settings) -> list[simulation.Site]:
    level, code = settings.focus_territory.split("/", 1)
    with engine.connect() as conn:
        if level == "commune":
            communes = [territory_store.get_territory(conn, level, code)]
        else:
            communes = territory_store.get_children(conn, level, code, child_level="commune")
    sites = [
        simulation.Site(c.code, c.centroid_lon, c.centroid_lat, c.population or 0)
        for c in communes
        if c.centroid_lon is not None and c.centroid_lat is not None
    ]
    if not sites:
        msg = (
            f"No commune of {settings.focus_territory} (HC_FOCUS_TERRITORY) has a boundary; "
            "expected the demo territory (healthycity init --demo) or an imported one."
        )
        raise UserError(msg)
    return sites


def _register(engine: Engine, drafts: list[sensors.SensorDraft]) -> None:
    with engine.begin() as conn:
        for draft in drafts:  # commune codes are given: nothing to locate
            sensors.save_sensor(conn, draft, locate=lambda _lon, _lat: None)


class _HttpSender:
    """POST batches of readings to the API, with one kept-alive connection."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            msg = f"API URL {url!r}; expected http(s)://host[:port]."
            raise ValidationError(msg)
        kind = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self.connection = kind(parts.hostname, parts.port, timeout=120)
        self.path = parts.path.rstrip("/") + OBSERVATIONS_PATH
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.url = url
        self.accepted = self.quarantined = 0

    def send(self, readings: list[dict[str, object]]) -> None:
        for start in range(0, len(readings), HTTP_BATCH):
            body = orjson.dumps(readings[start : start + HTTP_BATCH])
            try:
                self.connection.request("POST", self.path, body, self.headers)
                answer = self.connection.getresponse()
                text = answer.read()
            except OSError as exc:
                msg = f"Cannot post readings to {self.url} ({exc}); expected a running API."
                raise UserError(msg) from exc
            if answer.status != 200:
                shown = text[:300].decode(errors="replace")
                msg = f"The API answered HTTP {answer.status} to a batch: {shown}"
                raise UserError(msg)
            report = json.loads(text)
            self.accepted += report["accepted"]
            self.quarantined += report["quarantined"]

    def close(self) -> None:
        self.connection.close()


class _MqttSender:
    """Publish each sensor's readings of a round as one QoS 1 message on its topic."""

    def __init__(self, url: str, topic_prefix: str) -> None:
        self.connection, _ = MqttConnection.open(
            BrokerAddress.parse(url), client_id=f"healthycity-simulator-{os.getpid()}",
            clean_start=True, session_expiry_s=0,
        )  # fmt: skip
        self.topic_prefix = topic_prefix

    def send(self, readings: list[dict[str, object]]) -> None:
        by_sensor: dict[str, list[dict[str, object]]] = {}
        for reading in readings:
            by_sensor.setdefault(str(reading["sensor_id"]), []).append(reading)
        self.connection.publish(
            [(observations_topic(self.topic_prefix, s), orjson.dumps(r))
             for s, r in by_sensor.items()]
        )  # fmt: skip

    def close(self) -> None:
        self.connection.close()


@dataclass(frozen=True)
class _Pace:
    """Wall-clock pacing: ``rate`` readings/s, never a simulated time ahead of the clock."""

    rate: float
    started: float
    deadline: float | None

    def is_over(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def wait(self, sent: int, moment: datetime, stop: threading.Event) -> None:
        ahead_s = max(sent / self.rate - (time.monotonic() - self.started),
                      (moment - datetime.now(UTC)).total_seconds())  # fmt: skip
        if self.deadline is not None:
            ahead_s = min(ahead_s, self.deadline - time.monotonic())
        if ahead_s > 0:
            stop.wait(ahead_s)


Sender = _HttpSender | _MqttSender


def _publish(
    sender: Sender, generator: simulation.ReadingGenerator, start: datetime, *, pace: _Pace,
    stop: threading.Event,
) -> tuple[int, datetime]:  # fmt: skip
    sent = 0
    moment = start
    for moment, readings in generator.rounds(start):
        pace.wait(sent, moment, stop)
        if stop.is_set() or pace.is_over():
            break
        size = max(int(pace.rate // 10), 1)  # about ten sends a second
        for first in range(0, len(readings), size):
            if stop.is_set() or pace.is_over():
                break
            sender.send(readings[first : first + size])
            sent += len(readings[first : first + size])
            pace.wait(sent, moment, stop)
    return sent, moment


@app.command()
def simulate(
    ctx: typer.Context,
    sensor_count: Annotated[
        int, typer.Option("--sensors", min=1, max=100_000, help="Nombre de capteurs simulés.")
    ] = 50,
    rate: Annotated[
        float, typer.Option(min=0.1, max=1_000_000, help="Mesures envoyées par seconde au plus.")
    ] = 100.0,
    via: Annotated[
        Literal["mqtt", "http"], typer.Option(help="Porte d'entrée : mqtt (HC_MQTT_URL) ou http.")
    ] = "mqtt",
    duration: Annotated[
        float | None,
        typer.Option(min=0, metavar="SECONDES", help="Durée d'envoi (défaut : jusqu'à Ctrl+C)."),
    ] = None,
    episodes: Annotated[
        list[str] | None,
        typer.Option(
            "--episode",
            metavar="TYPE[@DÉBUT][/Nh]",
            help="Épisode : pm10, ozone ou heat, ex. pm10@2026-07-02T06:00+02:00/8h "
            "(défaut : une heure après le début, durée type). Répétable.",
        ),
    ] = None,
    start: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"],
            help="Heure simulée de départ, avec fuseau (défaut : maintenant). Dans le passé, "
            "l'historique est rejoué au débit --rate jusqu'à l'heure actuelle.",
        ),
    ] = None,
    step_s: Annotated[
        float | None,
        typer.Option(
            "--step",
            min=0.001,
            metavar="SECONDES",
            help="Temps simulé entre deux mesures d'un capteur (défaut : en temps réel, de "
            "quoi tenir --rate ; 60 s avec --start).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Graine : même graine, mêmes capteurs et mesures.")] = 0,
    url: Annotated[
        str | None, typer.Option(help="URL de l'API pour --via http (défaut : HC_PUBLIC_URL).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(help="Jeton d'API pour --via http (défaut : un jeton créé en base)."),
    ] = None,
    topic_prefix: TopicPrefix = DEFAULT_TOPIC_PREFIX,
) -> None:
    """Simuler des capteurs de la zone HC_FOCUS_TERRITORY et envoyer leurs mesures.

    Enregistre les capteurs (sim-00000… : une station de référence sur dix, les autres à
    bas coût), puis publie des mesures réalistes (cycles journaliers, épisodes de pollution
    ou de chaleur) par MQTT ou par l'API HTTP.
    """
    settings = get_settings(ctx)
    is_replay = start is not None
    start = (start or datetime.now(UTC)).astimezone(UTC)
    parsed = [simulation.parse_episode(e, default_start=start + timedelta(hours=1))
              for e in episodes or []]  # fmt: skip
    with open_database(ctx) as engine:
        sites = _sites(engine, settings)
        drafts = simulation.place_sensors(sites, sensor_count, seed=seed)
        _register(engine, drafts)
        if via == "http" and token is None:
            with engine.begin() as conn:
                token = create_token(conn, role="professional", scope=None, label="simulator")[1]
    if step_s is None:  # real time: one round of every sensor's readings per step
        step_s = 60.0 if is_replay else sum(len(d.quantities) for d in drafts) / rate
    populations = {s.code: s.population for s in sites}
    generator = simulation.ReadingGenerator(drafts, populations=populations, episodes=parsed,
                                            step=timedelta(seconds=step_s), seed=seed)  # fmt: skip
    sender: Sender = (
        _HttpSender(url or settings.public_url, token or "")
        if via == "http"
        else _MqttSender(settings.mqtt_url, topic_prefix)
    )
    print_line(
        f"{sensor_count} capteurs simulés enregistrés ; envoi par {via} à {rate:g} mesures/s."
    )
    began = time.monotonic()
    pace = _Pace(rate, began, None if duration is None else began + duration)
    try:
        with _stop_on_signals() as stop:
            sent, last = _publish(sender, generator, start, pace=pace, stop=stop)
    finally:
        sender.close()
    elapsed = time.monotonic() - began
    print_line(
        f"{format_count(sent)} mesures envoyées en {elapsed:.1f} s "
        f"({sent / max(elapsed, 1e-9):,.0f}/s), jusqu'à {last.isoformat()}."
    )
    if isinstance(sender, _HttpSender):
        print_line(
            f"API : {format_count(sender.accepted)} acceptées, "
            f"{format_count(sender.quarantined)} en quarantaine."
        )


# --- Sensor registry -------------------------------------------------------------------------


@app.command("import-sensors")
def import_sensors(
    ctx: typer.Context,
    path: Annotated[Path, input_file(f"CSV, colonnes : {','.join(sensors.CSV_COLUMNS)}.")],
) -> None:
    """Enregistrer des capteurs depuis un fichier CSV, tout ou rien.

    Le même format que POST /api/v1/environment/sensors/import : quantities « no2:ppb;pm25:µg/m³ »,
    commune_code vide pour la déduire de la position. Un identifiant déjà enregistré est mis à
    jour. Une erreur nomme la ligne, le champ, la valeur et l'attendu, et rien n'est écrit.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = (
            f"File {path.name}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
            "expected a UTF-8 CSV."
        )
        raise UserError(msg) from exc
    drafts = sensors.parse_sensors_csv(text)
    with open_database(ctx) as engine, engine.begin() as conn:
        locate = territory_store.build_commune_locator(conn).locate
        saved = [sensors.save_sensor(conn, draft, locate=locate) for draft in drafts]
    print_line(f"{format_count(len(saved))} capteur(s) enregistré(s) depuis {path.name}.")
    for sensor in saved:
        print_line(f"  {sensor.id} : {sensor.name}, commune {sensor.commune_code}, {sensor.status}")


# --- Demo history ----------------------------------------------------------------------------


@app.command("import-demo")
def import_demo(ctx: typer.Context) -> None:
    """Importer l'historique de démonstration (données réelles 2019 et série rejouée).

    Enregistre les stations réelles de data/environment (FR04014 à Paris, trois stations de
    Poitiers) avec leurs mesures de 2019, et trois capteurs de démonstration en Nièvre qui
    rejouent ces courbes réelles jusqu'à l'heure actuelle (étiquetés « pas une mesure »).
    Idempotent : relancé, n'ajoute que les heures écoulées depuis. Nécessite le territoire de
    démonstration (healthycity init --demo).
    """
    settings = get_settings(ctx)
    with open_database(ctx) as engine, engine.begin() as conn:
        report = demo.import_demo_environment(conn, settings.demo_data_dir)
    for label, result in (("réelles", report.real), ("rejouées", report.replayed)):
        print_line(
            f"Mesures {label} : {format_count(result.accepted)} enregistrées, "
            f"{format_count(result.duplicates)} déjà là, "
            f"{format_count(result.quarantined)} en quarantaine."
        )
    print_line(f"{len(report.sensors)} capteurs de démonstration : {', '.join(report.sensors)}.")
    print_warnings([f"ignoré : {reason}" for reason in report.skipped])

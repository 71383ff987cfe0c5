"""``healthycity alerts``: evaluate the alert rules; the delivery commands join the same group.

``evaluate`` reads levels from a CSV file or computes them from the stored environmental
indices (``--from-indices``); ``watch`` keeps evaluating the readings as they are stored.
"""

import json
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from healthycity.alerts.models import Status
from healthycity.alerts.rules import IndexObservation, Rule, parse_rules
from healthycity.alerts.runner import expand_rule_territories, read_observation_csv, run_rules
from healthycity.alerts.service import Publisher
from healthycity.alerts.store import StoredAlert
from healthycity.alerts_feed.observations import feed_config, observations_between, periods_between
from healthycity.alerts_feed.places import rules_area
from healthycity.alerts_feed.watch import AlertWatcher
from healthycity.cli import alerts_dispatch
from healthycity.cli._context import get_settings, open_database
from healthycity.cli.output import print_line, print_table
from healthycity.errors import UserError

app = typer.Typer(
    help="Alertes sanitaires : règles d'alerte, diffusion aux abonnés.", no_args_is_help=True
)
app.add_typer(alerts_dispatch.app)  # dispatch, channel-limit: one `alerts` group

_EXAMPLE_RULES = (
    '[{"hazard": "air", "index": "atmo", "min_level": "mauvais", "for_hours": 3, '
    '"clear_below": "dégradé", "clear_for_hours": 2, "territories": ["departement/58"]}]'
)


def _read_rules(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"Cannot read the rules file {path} ({exc.strerror}); expected a JSON file."
        raise UserError(msg) from exc
    except json.JSONDecodeError as exc:
        msg = f"{path} line {exc.lineno}: {exc.msg}; expected JSON such as {_EXAMPLE_RULES}."
        raise UserError(msg) from exc


_RULES_OPTION = typer.Option(
    metavar="FICHIER.json",
    help=f"Règles d'alerte, liste JSON ; par exemple : {_EXAMPLE_RULES}",
    show_default=False,
)
_DEPARTEMENT_OPTION = typer.Option(
    metavar="CODE",
    help="Communes évaluées : celles de ce département (par défaut, celles des territoires "
    "des règles).",
    show_default=False,
)
_STATUS_OPTION = typer.Option(
    help="Statut CAP des messages : Actual, ou Exercise/Test pour un exercice."
)
DEFAULT_WINDOW = timedelta(hours=48)


def _moment(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        msg = f"--{name} {text!r}; expected an ISO 8601 time with its offset, e.g. "
        msg += "2026-07-01T14:00:00+02:00."
        raise UserError(msg)
    return moment.astimezone(UTC)


def _print_published(published: Sequence[StoredAlert], rules: Sequence[Rule]) -> None:
    if published:
        print_table(
            "Messages publiés",
            ("N°", "Type", "Statut", "Zone", "Titre"),
            [(m.id, m.msg_type, m.status, ", ".join(m.areas), m.headline_fr) for m in published],
            wrap=("Zone", "Titre"),
        )
    print_line(f"{len(published)} message(s) publié(s) sur {len(rules)} règle(s).")


@app.command()
def evaluate(
    ctx: typer.Context,
    rules: Annotated[Path, _RULES_OPTION],
    observations: Annotated[
        Path | None,
        typer.Option(
            metavar="FICHIER.csv",
            help="Niveaux d'indices observés, CSV UTF-8 aux colonnes territory, time, index, "
            "level (ex. commune/58194,2026-07-01T14:00:00+02:00,atmo,mauvais).",
            show_default=False,
        ),
    ] = None,
    from_indices: Annotated[
        bool,
        typer.Option(
            "--from-indices",
            help="Calculer les niveaux à partir des indices environnementaux stockés (ATMO, "
            "pollen, canicule), par commune, mesurés ou interpolés.",
        ),
    ] = False,
    departement: Annotated[str | None, _DEPARTEMENT_OPTION] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Avec --from-indices : début (ISO 8601) ; par défaut 48 h avant la fin."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Avec --from-indices : fin (ISO 8601) ; par défaut maintenant."),
    ] = None,
    status: Annotated[Status, _STATUS_OPTION] = Status.ACTUAL,
) -> None:
    """Évaluer les règles sur des observations et publier les alertes, mises à jour et fins.

    L'état des règles (épisodes en cours, périodes déjà vues) est gardé en base : relancer
    la commande sur les mêmes observations ne publie rien deux fois.
    """
    settings = get_settings(ctx)
    rule_list = parse_rules(_read_rules(rules))
    if (observations is None) == (not from_indices):
        msg = "Expected exactly one source of levels: --observations FILE.csv or --from-indices."
        raise UserError(msg)
    if observations is not None and not observations.is_file():
        msg = f"Observations file {observations} does not exist; expected a CSV file."
        raise UserError(msg)
    end = _moment(until, "until") or datetime.now(UTC)
    start = _moment(since, "since") or end - DEFAULT_WINDOW
    publisher = Publisher(settings.alerts_sender, settings.alerts_sender_name)
    with open_database(ctx) as engine:
        with engine.connect() as conn:
            expanded = expand_rule_territories(conn, rule_list)
            levels: list[IndexObservation] | None = None
            if from_indices:
                area = rules_area(conn, expanded, departement=departement)
                periods = periods_between(start, end)
                levels = observations_between(conn, expanded, area, periods, feed_config(settings))
        with engine.begin() as conn:
            published = run_rules(
                conn,
                expanded,
                (lambda: levels) if levels is not None else _csv_source(observations),
                publisher=publisher,
                now=datetime.now(UTC),
                status=status,
            )
    _print_published(published, rule_list)


def _csv_source(path: Path | None) -> Callable[[], Iterable[IndexObservation]]:
    assert path is not None  # noqa: S101 - checked by the caller
    return lambda: read_observation_csv(path)


@app.command()
def watch(
    ctx: typer.Context,
    rules: Annotated[Path, _RULES_OPTION],
    departement: Annotated[str | None, _DEPARTEMENT_OPTION] = None,
    interval: Annotated[
        float,
        typer.Option(
            min=0.05,
            max=3600,
            help="Secondes entre deux lectures (0,2 s : une alerte en moins d'une seconde).",
        ),
    ] = 0.2,
    since: Annotated[
        str | None,
        typer.Option(
            help="Au premier lancement : lectures reçues depuis (ISO 8601) ; par défaut "
            "depuis une heure. Ensuite, le curseur en base."
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Une seule lecture, puis s'arrêter.")
    ] = False,
    status: Annotated[Status, _STATUS_OPTION] = Status.ACTUAL,
) -> None:
    """Surveiller les mesures environnementales et publier les alertes dès qu'elles arrivent.

    Chaque lecture recalcule les indices des heures et des jours touchés par les mesures
    reçues depuis la précédente, pour les communes proches des stations concernées, puis
    évalue les règles. Plusieurs veilleurs peuvent tourner côte à côte : ils ne publient
    jamais deux fois le même épisode. SIGTERM ou Ctrl+C arrête après la lecture en cours.
    """
    settings = get_settings(ctx)
    rule_list = parse_rules(_read_rules(rules))
    start = _moment(since, "since")
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    publisher = Publisher(settings.alerts_sender, settings.alerts_sender_name)
    with open_database(ctx) as engine:
        with engine.connect() as conn:
            expanded = expand_rule_territories(conn, rule_list)
            area = rules_area(conn, expanded, departement=departement)
        watcher = AlertWatcher(
            engine,
            expanded,
            area,
            publisher=publisher,
            status=status,
            since=start,
            config=feed_config(settings),
        )
        if once:
            report = watcher.run_once()
            _print_published(report.published, rule_list)
            return
        print_line(f"Surveillance de {len(area.communes)} commune(s), toutes les {interval} s.")
        watcher.run(stop, interval_s=interval)

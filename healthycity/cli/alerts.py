"""``healthycity alerts``: evaluate the alert rules; the delivery commands join the same group."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from healthycity.alerts.models import Status
from healthycity.alerts.rules import parse_rules
from healthycity.alerts.runner import expand_rule_territories, read_observation_csv, run_rules
from healthycity.alerts.service import Publisher
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


@app.command()
def evaluate(
    ctx: typer.Context,
    rules: Annotated[
        Path,
        typer.Option(
            metavar="FICHIER.json",
            help=f"Règles d'alerte, liste JSON ; par exemple : {_EXAMPLE_RULES}",
            show_default=False,
        ),
    ],
    observations: Annotated[
        Path,
        typer.Option(
            metavar="FICHIER.csv",
            help="Niveaux d'indices observés, CSV UTF-8 aux colonnes territory, time, index, "
            "level (ex. commune/58194,2026-07-01T14:00:00+02:00,atmo,mauvais).",
            show_default=False,
        ),
    ],
    status: Annotated[
        Status,
        typer.Option(help="Statut CAP des messages : Actual, ou Exercise/Test pour un exercice."),
    ] = Status.ACTUAL,
) -> None:
    """Évaluer les règles sur des observations et publier les alertes, mises à jour et fins.

    L'état des règles (épisodes en cours, périodes déjà vues) est gardé en base : relancer
    la commande sur les mêmes observations ne publie rien deux fois.
    """
    settings = get_settings(ctx)
    rule_list = parse_rules(_read_rules(rules))
    if not observations.is_file():
        msg = f"Observations file {observations} does not exist; expected a CSV file."
        raise UserError(msg)
    publisher = Publisher(settings.alerts_sender, settings.alerts_sender_name)
    with open_database(ctx) as engine, engine.begin() as conn:
        published = run_rules(
            conn,
            expand_rule_territories(conn, rule_list),
            lambda: read_observation_csv(observations),
            publisher=publisher,
            now=datetime.now(UTC),
            status=status,
        )
    if published:
        print_table(
            "Messages publiés",
            ("N°", "Type", "Statut", "Zone", "Titre"),
            [(m.id, m.msg_type, m.status, ", ".join(m.areas), m.headline_fr) for m in published],
            wrap=("Zone", "Titre"),
        )
    print_line(f"{len(published)} message(s) publié(s) sur {len(rule_list)} règle(s).")

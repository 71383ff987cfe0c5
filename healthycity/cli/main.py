"""The ``healthycity`` command: one Typer app; settings are read once, in its callback."""

import socket
from typing import Annotated, Any

import pydantic
import typer
import uvicorn
from typer.core import TyperGroup

from healthycity import __version__
from healthycity.care_access.importer import import_demo_care_offer
from healthycity.cli import alerts, care, environment, territory, tokens
from healthycity.cli._context import get_settings, open_database
from healthycity.cli.output import (
    format_count,
    print_error,
    print_line,
    print_territory_counts,
    print_warnings,
    progress_bars,
)
from healthycity.config import Settings
from healthycity.environment.demo import import_demo_environment
from healthycity.errors import UserError
from healthycity.territory.demo import import_demo, is_demo_imported
from healthycity.territory.store import count_territories

APP_FACTORY = "healthycity.api.app:create_app"


class _Commands(TyperGroup):
    """The root group, the one place where a :class:`UserError` becomes a line and exit 1.

    Anything else is a bug: it is not caught, so its traceback surfaces.
    """

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]  # Typer passes its Context
        try:
            return super().invoke(ctx)
        except UserError as exc:
            print_error(exc)
            raise typer.Exit(code=1) from None


app = typer.Typer(
    name="healthycity",
    cls=_Commands,
    help="Plateforme numérique de santé du territoire (healthycity).\n\n"
    "La configuration vient des variables d'environnement HC_* (voir le README).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold tokens or personal data
)
app.add_typer(territory.app, name="territory")
app.add_typer(tokens.app, name="tokens")
app.add_typer(care.app, name="care")
app.add_typer(alerts.app, name="alerts")  # with the dispatch commands merged in
app.add_typer(environment.app, name="environment")


def _show_version(value: bool) -> None:
    if value:
        print_line(f"healthycity {__version__}")
        raise typer.Exit


@app.callback()
def main(
    ctx: typer.Context,
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Afficher la version et quitter.",
        ),
    ] = False,
) -> None:
    """Plateforme numérique de santé du territoire (healthycity)."""
    try:
        ctx.obj = Settings()
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"HC_{'_'.join(str(part) for part in error['loc']).upper()}={error['input']!r}: "
            f"{error['msg']}"
            for error in exc.errors()
        )
        msg = f"Invalid setting {problems}."
        raise UserError(msg) from exc


@app.command()
def init(
    ctx: typer.Context,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo/--no-demo",
            help="Importer le territoire de démonstration (Nièvre et ses six voisins, "
            "COG 2026 de toute la France).",
        ),
    ] = True,
    force: Annotated[
        bool,
        typer.Option("--force", help="Réimporter le territoire de démonstration même s'il est là."),
    ] = False,
) -> None:
    """Créer ou mettre à jour la base, puis importer le territoire de démonstration.

    Sans effet si la démonstration est déjà là, sauf avec --force.
    L'import se fait en une seule transaction : en cas d'erreur, la base reste inchangée.
    """
    settings = get_settings(ctx)
    if force and not demo:
        msg = "--force re-imports the demo territory; it cannot be used with --no-demo."
        raise UserError(msg)
    with open_database(ctx) as engine:
        if not demo:
            print_line("Base créée ou à jour ; territoire de démonstration non importé.")
            return
        with engine.begin() as conn:
            if not force and is_demo_imported(conn):
                print_line(
                    "Le territoire de démonstration est déjà importé : rien à faire "
                    "(--force pour le réimporter)."
                )
                return
            with progress_bars() as progress:
                reports = import_demo(conn, settings.demo_data_dir, progress=progress)
                reports += import_demo_care_offer(conn, settings.demo_data_dir, progress=progress)
                air = import_demo_environment(conn, settings.demo_data_dir)
            counts = count_territories(conn)
    print_territory_counts("Territoire de démonstration importé", counts)
    print_line(
        f"Historique de l'air : {format_count(air.real.accepted)} mesures réelles (2019), "
        f"{format_count(air.replayed.accepted)} rejouées sur des capteurs de démonstration "
        "en Nièvre (pas des mesures)."
    )
    print_warnings([w for report in reports for w in report.warnings])


def _check_can_listen(host: str, port: int) -> None:
    """Fail early and plainly when the server could not listen on ``host:port``."""
    if not 1 <= port <= 65535:
        msg = f"Port {port} is not a TCP port; expected a whole number from 1 to 65535."
        raise UserError(msg)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            # Same option as uvicorn, so a port in TIME_WAIT is not mistaken for a busy one.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        msg = (
            f"Cannot listen on {host}:{port} ({reason}); expected a free port on a local "
            "address: choose another --port or stop the program using it."
        )
        raise UserError(msg) from exc


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None,
        typer.Option(
            metavar="ADRESSE", help="Adresse d'écoute (défaut : HC_HOST, sinon 127.0.0.1)."
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(metavar="PORT", help="Port d'écoute (défaut : HC_PORT, sinon 8000)."),
    ] = None,
    reload: Annotated[
        bool,
        typer.Option(
            "--reload/--no-reload", help="Redémarrer quand le code change (développement)."
        ),
    ] = False,
) -> None:
    """Servir l'API et le tableau de bord (uvicorn), après avoir mis la base à jour."""
    settings = get_settings(ctx)
    host = host or settings.host
    port = settings.port if port is None else port
    _check_can_listen(host, port)
    with open_database(ctx):
        pass  # opening migrates the database
    print_line(f"healthycity sur http://{host}:{port}/ (Ctrl+C pour arrêter).")
    # The factory builds the app in the server process (the only way --reload works); it
    # reads the same HC_* environment as this callback did.
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, reload=reload)

"""``healthycity tokens``: create, revoke and list API tokens (a secret is shown only once)."""

from typing import Annotated

import typer

from healthycity.auth.models import ROLES
from healthycity.auth.tokens import create_token, list_tokens, parse_scope, revoke_token
from healthycity.cli._context import open_database
from healthycity.cli.output import print_line, print_token_table
from healthycity.errors import NotFoundError, ValidationError
from healthycity.territory.store import get_territory

app = typer.Typer(
    help="Jetons d'API : créer, révoquer, lister (seule leur empreinte est gardée).",
    no_args_is_help=True,
)


@app.command()
def create(
    ctx: typer.Context,
    role: Annotated[
        str,
        typer.Option(
            metavar="ROLE",
            help=f"Rôle du jeton : {', '.join(ROLES)} (du moins au plus de droits).",
            show_default=False,
        ),
    ],
    scope: Annotated[
        str | None,
        typer.Option(
            metavar="NIVEAU/CODE",
            help="Territoire où le jeton agit, niveau/code (ex. departement/58) ; "
            "sans cette option, toute la plateforme.",
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            metavar="TEXTE", help="Qui ou quoi s'en sert (ex. « ARS BFC, tableau de bord »)."
        ),
    ] = None,
) -> None:
    """Créer un jeton ; il s'affiche seul sur la dernière ligne, une seule fois."""
    with open_database(ctx) as engine, engine.begin() as conn:
        level, code = parse_scope(scope)
        if level is not None and code is not None:
            try:
                get_territory(conn, level, code)
            except NotFoundError as exc:
                msg = f"Scope {scope!r} names no known territory; expected e.g. departement/58."
                raise ValidationError(msg) from exc
        token_id, secret = create_token(conn, role=role, scope=scope, label=label)
    where = f"sur {scope}" if scope else "sur toute la plateforme"
    print_line(f"Jeton n° {token_id} créé : rôle {role} {where}.")
    print_line("Copiez-le maintenant : il ne sera plus affiché (seule son empreinte est gardée).")
    print_line(secret)


@app.command()
def revoke(
    ctx: typer.Context,
    token_id: Annotated[
        int,
        typer.Argument(
            metavar="N", help="Numéro du jeton (voir « tokens list »).", show_default=False
        ),
    ],
) -> None:
    """Révoquer un jeton : il ne donne plus accès à rien (révoquer deux fois est sans effet)."""
    with open_database(ctx) as engine, engine.begin() as conn:
        revoke_token(conn, token_id)
    print_line(f"Jeton n° {token_id} révoqué.")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Lister les jetons : numéro, préfixe, rôle, périmètre, dates (jamais le secret)."""
    with open_database(ctx) as engine, engine.connect() as conn:
        found = list_tokens(conn)
    if not found:
        print_line("Aucun jeton : « healthycity tokens create --role … » en crée un.")
        return
    print_token_table(found)

"""``healthycity tokens``: a secret shown once and alone, stored hashed, revocable."""

import pytest
from sqlalchemy import select

from healthycity.auth.tables import api_tokens
from healthycity.auth.tokens import authenticate
from healthycity.config import Settings
from healthycity.errors import AuthenticationError
from healthycity.storage.engine import make_engine


@pytest.fixture
def run_with_nievre(run, tmp_path):
    """``run`` on a database that knows the Nièvre, so that tokens can be scoped to it."""
    folder = tmp_path / "cog"
    folder.mkdir()
    (folder / "regions_2026.csv").write_text(
        "code_region,nom\n27,Bourgogne-Franche-Comté\n", encoding="utf-8"
    )
    (folder / "departements_2026.csv").write_text(
        "code_departement,nom,code_region\n58,Nièvre,27\n", encoding="utf-8"
    )
    (folder / "epci_france_2026.csv").write_text("epci_siren,nom,type\n", encoding="utf-8")
    (folder / "communes_france_cog2026.csv").write_text(
        "code_insee,nom,type,code_departement,epci_siren,population,chef_lieu_ou_commune_parente\n"
        "58194,Nevers,commune-actuelle,58,,32990,\n",
        encoding="utf-8",
    )
    result = run("territory", "import", "--cog-dir", str(folder))
    assert result.exit_code == 0, result.output
    return run


def test_tokens_create_prints_the_secret_alone_on_the_last_line(
    run_with_nievre, settings: Settings
) -> None:
    result = run_with_nievre(
        "tokens", "create", "--role", "operator", "--scope", "departement/58", "--label", "ARS"
    )
    assert result.exit_code == 0, result.output
    *description, secret = result.stdout.strip().splitlines()
    assert secret.startswith("hc_")
    assert " " not in secret
    assert "operator" in description[0]
    assert "departement/58" in description[0]
    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn:
            identity = authenticate(conn, secret)
            stored = conn.execute(select(api_tokens)).one()
    finally:
        engine.dispose()
    assert (identity.role, identity.scope) == ("operator", "departement/58")
    assert secret not in {str(value) for value in stored}  # only a digest is kept


def test_tokens_list_shows_prefixes_never_secrets(run_with_nievre) -> None:
    created = run_with_nievre("tokens", "create", "--role", "citizen", "--label", "appli")
    secret = created.stdout.strip().splitlines()[-1]
    listed = run_with_nievre("tokens", "list")
    assert listed.exit_code == 0, listed.output
    assert secret[:10] in listed.stdout
    assert secret not in listed.stdout
    assert "citizen" in listed.stdout
    assert "toute la" in listed.stdout  # an unscoped token acts on the whole platform


def test_tokens_revoke_stops_the_token(run_with_nievre, settings: Settings) -> None:
    created = run_with_nievre("tokens", "create", "--role", "professional")
    secret = created.stdout.strip().splitlines()[-1]
    token_id = created.stdout.split("n° ")[1].split(" ")[0]
    revoked = run_with_nievre("tokens", "revoke", token_id)
    assert revoked.exit_code == 0, revoked.output
    assert f"Jeton n° {token_id} révoqué." in revoked.stdout
    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn, pytest.raises(AuthenticationError):
            authenticate(conn, secret)
    finally:
        engine.dispose()


def test_tokens_list_empty_says_how_to_create_one(run) -> None:
    result = run("tokens", "list")
    assert result.exit_code == 0
    assert "Aucun jeton" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["create", "--role", "king"], "Unknown role 'king'"),
        (["create", "--role", "operator", "--scope", "departement/99"], "'departement/99'"),
        (["create", "--role", "operator", "--scope", "pays/1"], "'pays'"),
        (["create", "--role", "operator", "--scope", "58"], "level/code"),
        (["revoke", "42"], "No API token with id 42"),
    ],
)
def test_tokens_bad_input_is_one_error_line(run, args: list[str], expected: str) -> None:
    result = run("tokens", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Erreur : ")
    assert expected in result.stderr

"""Every command and every option explains itself in ``--help``."""

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from healthycity import __version__
from healthycity.cli.main import app


def _walk(
    command: typer.core.TyperCommand | typer.core.TyperGroup, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], typer.core.TyperCommand | typer.core.TyperGroup]]:
    yield path, command
    if isinstance(command, typer.core.TyperGroup):
        for name, sub in command.commands.items():
            yield from _walk(sub, (*path, name))  # type: ignore[arg-type]


COMMANDS = list(_walk(typer.main.get_command(app), ()))  # type: ignore[arg-type]


def test_cli_has_the_documented_commands() -> None:
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {
        "init",
        "serve",
        "territory import",
        "territory show",
        "territory search",
        "tokens create",
        "tokens revoke",
        "tokens list",
    } <= paths


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "root" for p, _ in COMMANDS]
)
def test_cli_help_explains_every_command_and_option(
    path: tuple[str, ...], command: typer.core.TyperCommand | typer.core.TyperGroup
) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert command.help, f"{' '.join(path)} has no help text"
    for param in command.params:
        if param.name == "help":
            continue
        assert getattr(param, "help", None), f"{' '.join(path)}: {param.name} has no help"


def test_cli_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"healthycity {__version__}"

"""A user error is one French-prefixed line on stderr and exit code 1; a bug surfaces."""

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from healthycity.cli.main import _Commands, app
from healthycity.errors import UserError


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Erreur : ")
    assert "Traceback" not in stderr
    return lines[0]


def test_cli_unknown_territory_code_is_one_line_and_exit_1(run_demo) -> None:
    result = run_demo("territory", "show", "commune", "99999")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "99999" in _one_error_line(result.stderr)


def test_cli_unknown_level_is_one_line_and_exit_1(run_demo) -> None:
    result = run_demo("territory", "show", "pays", "58")
    assert result.exit_code == 1
    line = _one_error_line(result.stderr)
    assert "'pays'" in line
    assert "region, departement, epci, commune" in line


def test_cli_bad_setting_names_the_variable(tmp_path: Path) -> None:
    env = {"HC_DATA_DIR": str(tmp_path), "HC_PORT": "huit-mille"}
    result = CliRunner().invoke(app, ["tokens", "list"], env=env)
    assert result.exit_code == 1
    line = _one_error_line(result.stderr)
    assert "HC_PORT" in line
    assert "huit-mille" in line


def test_cli_unsupported_database_backend_is_a_user_error(tmp_path: Path) -> None:
    env = {"HC_DATA_DIR": str(tmp_path), "HC_DATABASE_URL": "mysql://root@localhost/hc"}
    result = CliRunner().invoke(app, ["tokens", "list"], env=env)
    assert result.exit_code == 1
    assert "mysql" in _one_error_line(result.stderr)


def test_cli_unreachable_database_is_a_user_error_without_password(tmp_path: Path) -> None:
    # Port 1 on the loopback: nothing listens there, the connection is refused at once.
    url = "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/nowhere"
    env = {"HC_DATA_DIR": str(tmp_path), "HC_DATABASE_URL": url}
    result = CliRunner().invoke(app, ["tokens", "list"], env=env)
    assert result.exit_code == 1
    line = _one_error_line(result.stderr)
    assert "Cannot open the database" in line
    assert "127.0.0.1:1" in line
    assert "s3cret" not in result.output


def _app_raising(error: Exception) -> typer.Typer:
    """A throw-away app on the same root group as ``healthycity``."""
    probe = typer.Typer(cls=_Commands)

    @probe.command()
    def fail() -> None:
        raise error

    @probe.command()
    def other() -> None:  # a second command keeps "fail" a sub-command
        raise AssertionError

    return probe


def test_cli_group_turns_user_errors_into_exit_1() -> None:
    result = CliRunner().invoke(_app_raising(UserError("bad\ninput")), ["fail"])
    assert result.exit_code == 1
    assert _one_error_line(result.stderr) == "Erreur : bad input"


def test_cli_group_lets_bugs_surface() -> None:
    result = CliRunner().invoke(_app_raising(KeyError("bug")), ["fail"])
    assert result.exit_code == 1
    assert isinstance(result.exception, KeyError)
    assert "Erreur :" not in result.stderr


@pytest.mark.parametrize("args", [["territory"], ["tokens"], []])
def test_cli_group_without_command_shows_help(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert "Usage" in result.output

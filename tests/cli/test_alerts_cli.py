"""``healthycity alerts evaluate``: rules on a CSV of index levels, published once."""

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from healthycity.alerts import store
from healthycity.config import Settings
from healthycity.storage.engine import make_engine
from tests.api.conftest import seed_territory
from tests.cli.conftest import Run

RULES = [
    {
        "hazard": "air",
        "index": "atmo",
        "min_level": "mauvais",
        "for_hours": 2,
        "clear_below": "dégradé",
        "clear_for_hours": 1,
        "territories": ["departement/58"],
    }
]
CSV = """territory,time,index,level
commune/58194,2026-07-01T10:00:00+02:00,atmo,mauvais
commune/58194,2026-07-01T11:00:00+02:00,atmo,très mauvais
commune/18033,2026-07-01T11:00:00+02:00,atmo,extrêmement mauvais
commune/58194,2026-07-01T12:00:00+02:00,atmo,bon
"""


@pytest.fixture
def files(cli_engine: Engine, tmp_path: Path) -> tuple[Path, Path]:
    with cli_engine.begin() as conn:
        seed_territory(conn)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES, ensure_ascii=False), encoding="utf-8")
    observations = tmp_path / "obs.csv"
    observations.write_text(CSV, encoding="utf-8")
    return rules, observations


def test_alerts_evaluate_publishes_an_episode_once(
    run: Run, files: tuple[Path, Path], settings: Settings
) -> None:
    rules, observations = files
    args = ("alerts", "evaluate", "--rules", str(rules), "--observations", str(observations))

    first = run(*args, "--status", "Exercise")
    second = run(*args)

    assert first.exit_code == 0, first.output
    assert "2 message(s) publié(s) sur 1 règle(s)." in first.output
    assert "Pollution de l'air : niveau" in first.output
    assert second.exit_code == 0, second.output
    assert "0 message(s) publié(s)" in second.output
    engine = make_engine(settings.database)
    with engine.connect() as conn:
        _, messages = store.list_alerts(conn)
    engine.dispose()
    assert [(m.msg_type.value, m.status.value, m.areas) for m in reversed(messages)] == [
        ("Alert", "Exercise", ("commune/58194",)),
        ("Cancel", "Exercise", ("commune/58194",)),
    ]


@pytest.mark.parametrize(
    ("rules", "csv", "reason"),
    [
        ("[{", None, "rules.json line 1"),
        ('{"index": "atmo"}', None, "expected a list of rules"),
        ('[{"index": "atmo", "min_level": "mauvais"}]', None, "rule 1: "),
        (None, "territory,time,index\n", "expected the columns territory, time, index, level"),
        (
            None,
            "territory,time,index,level\n58194,2026-07-01T10:00:00+02:00,atmo,bon\n",
            "line 2: territory='58194'",
        ),
        (
            None,
            "territory,time,index,level\ncommune/58194,2026-07-01T10:00,atmo,bon\n",
            "line 2: time='2026-07-01T10:00'",
        ),
        (
            None,
            "territory,time,index,level\ncommune/58194,2026-07-01T10:00Z,atmo,violet\n",
            "level 'violet'",
        ),
    ],
)
def test_alerts_evaluate_refuses_bad_files_plainly(
    run: Run, files: tuple[Path, Path], rules: str | None, csv: str | None, reason: str
) -> None:
    rules_path, observations = files
    if rules is not None:
        rules_path.write_text(rules, encoding="utf-8")
    if csv is not None:
        observations.write_text(csv, encoding="utf-8")
    result = run(
        "alerts", "evaluate", "--rules", str(rules_path), "--observations", str(observations)
    )
    assert result.exit_code == 1
    assert result.output.startswith("Erreur : ")
    assert reason in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_alerts_evaluate_needs_an_existing_observations_file(
    run: Run, files: tuple[Path, Path], tmp_path: Path
) -> None:
    rules, _ = files
    result = run(
        "alerts", "evaluate", "--rules", str(rules), "--observations", str(tmp_path / "no.csv")
    )
    assert result.exit_code == 1
    assert "no.csv does not exist" in result.output

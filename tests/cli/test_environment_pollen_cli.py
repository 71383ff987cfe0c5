"""``healthycity environment import-pollen-index``: the published pollen index from a file."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from healthycity.environment.tables import published_pollen
from tests.cli.conftest import Run
from tests.environment_indices_seed import seed_territory
from tests.pollen_feed_samples import csv_bytes, feature, geojson_bytes


@pytest.fixture
def territory(cli_engine: Engine) -> Engine:
    with cli_engine.begin() as conn:
        seed_territory(conn)
    return cli_engine


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(published_pollen)).scalar_one()


def test_import_prints_a_summary_and_replaces_on_the_second_run(
    run: Run, territory: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "indice_pollen.geojson"
    path.write_bytes(geojson_bytes())

    first = run("environment", "import-pollen-index", str(path))
    second = run("environment", "import-pollen-index", str(path))

    assert first.exit_code == 0, first.output
    assert "Indice pollen importé : 2 communes-jours (2 communes ; jours 2026-04-15), dont 0 " \
           "remplacés." in first.stdout  # fmt: skip
    assert "Source : Atmo France / AASQA, indice pollen, licence ODbL." in first.stdout
    assert "dont 2 remplacés." in second.stdout
    assert _rows(territory) == 2


def test_import_reads_csv_and_an_explicit_format(
    run: Run, territory: Engine, tmp_path: Path
) -> None:
    by_suffix = tmp_path / "pollen.csv"
    by_suffix.write_bytes(csv_bytes(delimiter=";"))
    by_option = tmp_path / "pollen.txt"
    by_option.write_bytes(csv_bytes())

    assert run("environment", "import-pollen-index", str(by_suffix)).exit_code == 0
    result = run("environment", "import-pollen-index", "--format", "csv", str(by_option))

    assert result.exit_code == 0, result.output
    assert "dont 2 remplacés." in result.stdout
    assert _rows(territory) == 2


def test_a_bad_file_is_an_error_line_and_nothing_is_stored(
    run: Run, territory: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "pollen.geojson"
    path.write_bytes(geojson_bytes(feature("58194"), feature("58160", date_ech="16/04/2026")))

    result = run("environment", "import-pollen-index", str(path))

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Erreur : pollen.geojson, features[1]: date_ech='16/04/2026'; expected a date "
        "YYYY-MM-DD (or an ISO datetime: its date is taken)."
    )
    assert _rows(territory) == 0


def test_an_unknown_extension_needs_the_format(run: Run, territory: Engine, tmp_path: Path) -> None:
    path = tmp_path / "pollen.txt"
    path.write_bytes(geojson_bytes())

    result = run("environment", "import-pollen-index", str(path))

    assert result.exit_code == 1
    assert "expected .geojson, .json or .csv, or --format" in result.stderr
    assert _rows(territory) == 0

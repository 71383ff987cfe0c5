"""``healthycity care apl`` and ``healthycity care scenario``, run in-process on real databases."""

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from healthycity.cli.main import app
from healthycity.config import Settings
from tests.apl_seed import STANDARDISED_PER_INHABITANT, seed_tiny_apl, write_matrix

NIEVRE = ("--territory", "departement/58")


def _run(database_url: str, folder: Path, *args: str) -> Result:
    env = {"HC_DATABASE_URL": database_url, "HC_DATA_DIR": str(folder)}
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def tiny(engine: Engine, settings: Settings, tmp_path: Path) -> Settings:
    """Settings of a writable database holding the tiny APL territory."""
    with engine.begin() as conn:
        seed_tiny_apl(conn, tmp_path)
    return settings


def test_care_apl_prints_a_valid_csv_of_nievre(care_demo_database_url: str, tmp_path: Path) -> None:
    result = _run(care_demo_database_url, tmp_path, "care", "apl", *NIEVRE, "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 309
    assert rows[0].keys() >= {"code", "name", "apl", "apl_class", "standardised_population"}
    assert "309 communes — 71 sous-denses" in result.stderr
    assert "BPE 2019" in result.stderr


def test_care_apl_writes_geojson_to_a_file(care_demo_database_url: str, tmp_path: Path) -> None:
    output = tmp_path / "apl.geojson"
    result = _run(
        care_demo_database_url, tmp_path, "care", "apl", *NIEVRE, "--format", "geojson",
        "--output", str(output),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["type"] == "FeatureCollection"
    assert len(document["features"]) == 309
    assert all(f["geometry"] is not None for f in document["features"])
    assert result.stdout == ""


def test_care_apl_aggregates_by_epci(care_demo_database_url: str, tmp_path: Path) -> None:
    result = _run(
        care_demo_database_url, tmp_path, "care", "apl", *NIEVRE, "--level", "epci",
        "--format", "csv",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 13
    assert {r["is_partial"] for r in rows} == {"True", "False"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--provider", "matrix"), "--provider matrix needs --matrix FILE"),
        (("--osm", "roads.osm.pbf"), "--osm is read by --provider road only"),
        (("--format", "geojson", "--level", "epci"), "--format geojson gives communes"),
        (("--level", "bassin_de_vie"), "none ships with healthycity"),
    ],
)
def test_care_apl_option_errors_are_one_line(
    tiny: Settings, tmp_path: Path, options: tuple[str, ...], message: str
) -> None:
    result = _run(tiny.database, tmp_path, "care", "apl", *NIEVRE, *options)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.startswith("Erreur : ") or "Erreur : " in result.stderr


def test_care_apl_with_a_matrix_gives_the_hand_computed_values(
    tiny: Settings, tmp_path: Path
) -> None:
    matrix = write_matrix(tmp_path / "matrix.csv")
    result = _run(
        tiny.database, tmp_path, "care", "apl", *NIEVRE, "--provider", "matrix",
        "--matrix", str(matrix),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    apl = {r["code"]: float(r["apl"]) for r in csv.DictReader(io.StringIO(result.stdout))}
    f = STANDARDISED_PER_INHABITANT
    assert apl == pytest.approx({"58001": 531 / 46 / f, "58002": 108 / 23 / f}, abs=1e-6)
    assert "18 left out" in result.stderr


def test_care_scenario_create_list_show_compare(tiny: Settings, tmp_path: Path) -> None:
    def run(*args: str) -> Result:
        return _run(tiny.database, tmp_path, "care", "scenario", *args)

    created = run("create", *NIEVRE, "--name", "MSP", "--change", "open_msp:58002:3",
                  "--format", "json")  # fmt: skip
    assert created.exit_code == 0, created.output
    first = json.loads(created.stdout)
    assert first["changes"] == [
        {"kind": "open_msp", "commune": "58002", "gps": 3, "gps_already_there": 0}
    ]
    assert first["created_via"] == "cli"
    second = run("create", *NIEVRE, "--name", "Départ", "--change", "retire_gp:58001")
    assert second.exit_code == 0, second.output
    assert "Scénario n° 2 « Départ » enregistré." in second.stdout
    dry = run("create", *NIEVRE, "--name", "Essai", "--change", "add_gps:58001", "--dry-run")
    assert "non enregistré" in dry.stdout

    listed = run("list")
    assert listed.exit_code == 0
    assert "MSP" in listed.stdout
    assert "Essai" not in listed.stdout
    shown = run("show", "1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    assert [r["code"] for r in rows] == ["58001", "58002"]
    assert float(rows[1]["apl_after"]) > float(rows[1]["apl_before"])
    compared = run("compare", "1", "2", "--format", "csv")
    assert compared.exit_code == 0, compared.output
    assert len(list(csv.DictReader(io.StringIO(compared.stdout)))) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("remove_gps:58001:3", "removes 3 GP(s) at commune 58001"),
        ("add_gps:58001:-2", "count=-2"),
        ("hire:58001", "expected KIND:COMMUNE"),
        ("add_gps:58001:two", "count='two'; expected a int number"),
        ("add_gps:45001", "'45001' is not in the study area"),
    ],
)
def test_care_scenario_errors_name_what_is_wrong(
    tiny: Settings, tmp_path: Path, change: str, message: str
) -> None:
    result = _run(
        tiny.database, tmp_path, "care", "scenario", "create", *NIEVRE, "--name", "x",
        "--change", change,
    )  # fmt: skip
    assert result.exit_code == 1
    assert message in result.stderr
    assert _run(tiny.database, tmp_path, "care", "scenario", "show", "1").exit_code == 1


def test_care_apl_table_json_and_bassins(tiny: Settings, tmp_path: Path) -> None:
    matrix = str(write_matrix(tmp_path / "matrix.csv"))
    base = ("care", "apl", *NIEVRE, "--provider", "matrix", "--matrix", matrix)
    table = _run(tiny.database, tmp_path, *base, "--format", "table")
    assert table.exit_code == 0, table.output
    assert "58001" in table.stdout
    as_json = json.loads(_run(tiny.database, tmp_path, *base, "--format", "json").stdout)
    assert [c["code"] for c in as_json["communes"]] == ["58001", "58002"]
    assert as_json["setup"]["method"] == "drees_apl"
    bassins = tmp_path / "bv.csv"
    bassins.write_text("code_commune,code_bassin_de_vie,nom_bassin_de_vie\n58001,B1,Un\n", "utf-8")
    result = _run(tiny.database, tmp_path, *base, "--level", "bassin_de_vie",
                  "--bassins", str(bassins), "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    [bassin] = json.loads(result.stdout)
    assert (bassin["code"], bassin["name"], bassin["communes"]) == ("B1", "Un", 1)
    assert "1 communes have no bassin_de_vie" in result.stderr
    epci = _run(tiny.database, tmp_path, *base, "--level", "epci", "--format", "table")
    assert "200000001" in epci.stdout


def test_care_scenario_from_a_changes_file_shown_and_compared_as_tables(
    tiny: Settings, tmp_path: Path
) -> None:
    changes = tmp_path / "changes.json"
    changes.write_text(
        json.dumps({"changes": [{"kind": "add_gps", "commune": "58002", "count": 1}]}), "utf-8"
    )

    def run(*args: str) -> Result:
        return _run(tiny.database, tmp_path, "care", "scenario", *args)

    assert run("create", *NIEVRE, "--name", "Un", "--changes-file", str(changes)).exit_code == 0
    assert run("create", *NIEVRE, "--name", "Deux", "--change", "add_gps:58002:2").exit_code == 0
    shown = run("show", "1")
    assert "Changements : add_gps:58002:1." in shown.stdout
    assert "Communes sous-denses : 0 → 0" in shown.stdout
    compared = run("compare", "1", "2")
    assert compared.exit_code == 0, compared.output
    assert "Communes où les deux scénarios diffèrent" in compared.stdout
    assert json.loads(run("show", "2", "--format", "json").stdout)["name"] == "Deux"
    changes.write_text("{}", "utf-8")
    bad = run("create", *NIEVRE, "--name", "x", "--changes-file", str(changes))
    assert "expected a list of objects" in bad.stderr

"""``healthycity care import`` and the care offer of ``healthycity init``."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from healthycity.care_access import store, tables
from healthycity.config import Settings
from healthycity.storage.engine import make_engine
from tests.cli.conftest import Run
from tests.factories import write_cog, write_csv

LONG = (
    *("annee_bpe", "code_region", "code_departement", "code_insee"),
    *("typequ", "libelle_typequ", "nb_equip"),
)
HOSPITAL = ("id", "hospital_name", "lat", "lon", "postcode", "city", "facility_type")


@pytest.fixture
def tiny_cog(run: Run, tmp_path: Path) -> Path:
    """The tiny territory of ``tests.factories`` imported through the CLI."""
    folder = tmp_path / "cog"
    write_cog(folder)
    result = run("territory", "import", "--cog-dir", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def _rows(settings: Settings) -> tuple[int, int]:
    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (tables.offer_counts, tables.facilities)
            )
    finally:
        engine.dispose()


def test_care_import_reports_what_it_stored(
    run: Run, settings: Settings, tiny_cog: Path, tmp_path: Path
) -> None:
    bpe = write_csv(
        tmp_path / "bpe.csv",
        LONG,
        [
            (2019, 27, "58", "58001", "D201", "Médecin généraliste", 2),
            (2019, 27, "58", "58004", "D201", "Médecin généraliste", 1),
            (2019, 27, "58", "58998", "D301", "Pharmacie", 1),
        ],
    )
    hospitals = write_csv(
        tmp_path / "h.csv", HOSPITAL, [("580972693", "CH", "46.98", "3.12", "58033", "X", "CH")]
    )
    result = run("care", "import", "--bpe", str(bpe), "--hospitals", str(hospitals))
    assert result.exit_code == 0, result.output
    assert f"{bpe} : 1 comptages non nuls dans 1 communes ; 1 codes de commune" in result.stdout
    assert f"{hospitals} : 1 établissements, dont 0 aux coordonnées écartées" in result.stdout
    assert "58998 in 2019 (line 4: D301=1)" in result.stderr
    assert _rows(settings) == (1, 1)


def test_care_import_of_a_bad_file_changes_nothing(
    run: Run, settings: Settings, tiny_cog: Path, tmp_path: Path
) -> None:
    good = write_csv(tmp_path / "good.csv", LONG, [(2019, 27, "58", "58001", "D201", "x", 2)])
    assert run("care", "import", "--bpe", str(good)).exit_code == 0
    bad = write_csv(
        tmp_path / "bad.csv",
        LONG,
        [(2019, 27, "58", "58001", "D201", "x", 3), (2019, 27, "58", "58002", "D201", "x", -1)],
    )
    result = run("care", "import", "--bpe", str(bad))
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(
        f"Erreur : {bad}, line 3: nb_equip='-1'; expected a whole number ≥ 0"
    )
    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn:
            counts = store.count_offer_by_commune(
                conn, year=2019, kind="general_practitioner", communes=["58001"]
            )
    finally:
        engine.dispose()
    assert counts == {"58001": 2}


def test_care_import_needs_a_file_and_the_year_asked(
    run: Run, tiny_cog: Path, tmp_path: Path
) -> None:
    nothing = run("care", "import")
    assert nothing.exit_code == 1
    assert "expected at least one of --bpe, --hospitals" in nothing.stderr
    bpe = write_csv(tmp_path / "bpe.csv", LONG, [(2019, 27, "58", "58001", "D201", "x", 2)])
    other_year = run("care", "import", "--bpe", str(bpe), "--year", "2018")
    assert other_year.exit_code == 1
    assert "annee_bpe=[2018]; expected counts of the years asked" in other_year.stderr


def test_init_imports_the_care_offer_with_the_demo(run: Run, settings: Settings) -> None:
    result = run("init")
    assert result.exit_code == 0, result.output
    assert "CH HENRI DUNANT LA CHARITE-SUR-LOIRE is geocoded at lon 0.027" in result.stderr
    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn:
            nievre, _ = store.territory_communes(conn, "departement", "58")
            gps = store.count_offer(conn, year=2019, kind="general_practitioner", communes=nievre)
    finally:
        engine.dispose()
    assert gps.total == 162

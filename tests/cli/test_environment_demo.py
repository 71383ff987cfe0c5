"""``healthycity environment import-demo`` and the air history ``healthycity init`` loads."""

from sqlalchemy import func, insert, select

from healthycity.config import Settings
from healthycity.environment import tables as environment_tables
from healthycity.storage.engine import make_engine
from healthycity.storage.migrate import upgrade_database
from healthycity.territory import tables
from tests.cli.conftest import Run

COMMUNES = ("75056", "86194", "58194", "58086", "58095")


def _seed_communes(settings: Settings) -> None:
    engine = make_engine(settings.database)
    try:
        upgrade_database(engine)
        with engine.begin() as conn:
            conn.execute(
                insert(tables.territories),
                [{"level": "commune", "code": c, "name": c, "search_name": c} for c in COMMUNES],
            )
    finally:
        engine.dispose()


def _sensor_count(settings: Settings) -> int:
    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(environment_tables.sensors)
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def test_environment_import_demo_reports_what_it_stored_and_skipped(
    run: Run, settings: Settings
) -> None:
    _seed_communes(settings)

    first = run("environment", "import-demo")
    again = run("environment", "import-demo")

    assert first.exit_code == 0, first.output
    assert "Mesures réelles : 1 716 enregistrées, 0 déjà là, 0 en quarantaine." in first.stdout
    assert "Mesures rejouées :" in first.stdout
    assert "7 capteurs de démonstration" in first.stdout
    assert "BETR801" in first.stderr  # Antwerp: outside France, said so
    assert "Mesures réelles : 0 enregistrées, 1 716 déjà là" in again.stdout
    assert _sensor_count(settings) == 7


def test_environment_import_demo_without_territory_says_what_to_run(run: Run) -> None:
    result = run("environment", "import-demo")

    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : Demo sensor 'FR04014' is in commune 75056")
    assert "healthycity init --demo" in result.stderr


def test_init_loads_the_air_history_with_the_demo(run: Run, settings: Settings) -> None:
    result = run("init")

    assert result.exit_code == 0, result.output
    assert "Historique de l'air : 1 716 mesures réelles (2019)" in result.stdout
    assert "capteurs de démonstration en Nièvre (pas des mesures)" in result.stdout
    assert _sensor_count(settings) == 7

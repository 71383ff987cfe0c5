"""``healthycity init``: migrate, import the demo once, re-import only when forced."""

import shutil
from pathlib import Path

from sqlalchemy import Engine, func, select

from healthycity.config import DEFAULT_DEMO_DATA_DIR, Settings
from healthycity.storage.engine import make_engine
from healthycity.territory import tables
from healthycity.territory.demo import is_demo_imported
from healthycity.territory.store import count_territories


def _journal_size(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.imports)).scalar_one())


def test_init_imports_the_demo_once_then_only_when_forced(run, settings: Settings) -> None:
    first = run("init")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("Territoire de démonstration importé : 26 régions")
    assert "34 969 communes" in first.stdout
    # The shipped age file has one known source error (Corrèze 2021), reported as a warning.
    assert "Avertissement : " in first.stderr
    assert "département 19, 2021" in first.stderr

    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn:
            assert is_demo_imported(conn)
            counts = count_territories(conn)
        journal = _journal_size(engine)

        again = run("init")
        assert again.exit_code == 0, again.output
        assert "déjà importé" in again.stdout
        assert _journal_size(engine) == journal  # nothing was imported

        forced = run("init", "--force")
        assert forced.exit_code == 0, forced.output
        assert _journal_size(engine) == 2 * journal
        with engine.connect() as conn:
            assert count_territories(conn) == counts  # a re-import adds nothing twice
    finally:
        engine.dispose()


def test_init_no_demo_creates_an_empty_database(run, settings: Settings) -> None:
    result = run("init", "--no-demo")
    assert result.exit_code == 0, result.output
    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn:
            assert count_territories(conn) == {}
            assert not is_demo_imported(conn)
    finally:
        engine.dispose()


def test_init_force_without_demo_is_refused(run) -> None:
    result = run("init", "--no-demo", "--force")
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : --force")


def test_init_broken_demo_file_changes_nothing(run, settings: Settings, tmp_path: Path) -> None:
    # The COG imports fine, then the région polygons are unreadable: all is rolled back.
    demo = tmp_path / "demo"
    shutil.copytree(DEFAULT_DEMO_DATA_DIR / "territory", demo / "territory")
    (demo / "geo").mkdir()
    (demo / "geo" / "regions-version-simplifiee.geojson").write_text("{", encoding="utf-8")
    result = run("init", env={"HC_DEMO_DATA_DIR": str(demo)})
    assert result.exit_code == 1
    # Progress bars come first on stderr; the error is the last line, without a traceback.
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Erreur : ")
    assert "Traceback" not in result.stderr
    assert "regions-version-simplifiee.geojson, file: content='JSONDecodeError'" in line
    assert "expected a readable GeoJSON file" in line
    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn:
            assert count_territories(conn) == {}
        assert _journal_size(engine) == 0
    finally:
        engine.dispose()

"""``healthycity territory import``: a user's own files, in one transaction, or nothing."""

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from healthycity.config import DEFAULT_DEMO_DATA_DIR, Settings
from healthycity.storage.engine import make_engine
from healthycity.territory import tables
from healthycity.territory.store import count_territories

COG = DEFAULT_DEMO_DATA_DIR / "territory"
CREUSE_GEOJSON = DEFAULT_DEMO_DATA_DIR / "geo" / "communes-23-creuse.geojson"
COMMUNES_FILE = "communes_france_cog2026.csv"


@pytest.fixture
def creuse_cog(tmp_path: Path) -> Path:
    """A COG folder as a user of Creuse would bring it: all régions, départements and EPCI,
    and the communes (actuelles and déléguées) of Creuse only."""
    folder = tmp_path / "cog-creuse"
    folder.mkdir()
    for name in ("regions_2026.csv", "departements_2026.csv", "epci_france_2026.csv"):
        shutil.copy(COG / name, folder / name)
    with (COG / COMMUNES_FILE).open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        rows = [r for r in reader if r["code_departement"] == "23"]
        fields = reader.fieldnames
    assert fields is not None
    with (folder / COMMUNES_FILE).open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fields)
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _snapshot(settings: Settings) -> dict[str, Any]:
    """Everything an import writes, to compare before and after a failed one."""
    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn:
            return {
                name: sorted(tuple(map(str, row)) for row in conn.execute(select(table)))
                for name, table in (
                    ("territories", tables.territories),
                    ("links", tables.territory_links),
                    ("merges", tables.commune_merges),
                    ("ages", tables.age_bands),
                    ("journal", tables.imports),
                )
            }
    finally:
        engine.dispose()


def _communes_of_23_with_polygon(settings: Settings) -> tuple[int, int]:
    engine = make_engine(settings.database)
    t, links = tables.territories, tables.territory_links
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.c.geometry)
                .select_from(
                    links.join(
                        t, (t.c.level == links.c.child_level) & (t.c.code == links.c.child_code)
                    )
                )
                .where(
                    links.c.child_level == "commune",
                    links.c.parent_level == "departement",
                    links.c.parent_code == "23",
                )
            ).all()
            return len(rows), sum(r.geometry is not None for r in rows)
    finally:
        engine.dispose()


def test_territory_import_creuse_gives_every_commune_a_polygon(
    run, settings: Settings, creuse_cog: Path
) -> None:
    cog = run("territory", "import", "--cog-dir", str(creuse_cog))
    assert cog.exit_code == 0, cog.output
    assert "255 communes" in cog.stdout
    assert _communes_of_23_with_polygon(settings) == (255, 0)

    # 258 polygons of 2018 for 255 communes of 2026: merged communes join their parent.
    geo = run("territory", "import", "--boundaries", str(CREUSE_GEOJSON))
    assert geo.exit_code == 0, geo.output
    assert "communes-23-creuse.geojson : 255 communes" in geo.stdout
    assert _communes_of_23_with_polygon(settings) == (255, 255)
    engine = make_engine(settings.database)
    try:
        with engine.connect() as conn:
            # The département's polygon is the union of its communes' (all are known).
            creuse = conn.execute(
                select(tables.territories.c.geometry_source).where(
                    tables.territories.c.level == "departement", tables.territories.c.code == "23"
                )
            ).scalar_one()
            assert creuse == "union of commune polygons"
            assert count_territories(conn)["commune"] == (255, 255)
    finally:
        engine.dispose()


def _corrupt_geojson(tmp_path: Path) -> Path:
    document = json.loads(CREUSE_GEOJSON.read_text(encoding="utf-8"))
    document["features"][7]["geometry"] = {"type": "Point", "coordinates": [2.0, 46.1]}
    path = tmp_path / "creuse-corrupt.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _renamed_cog(creuse_cog: Path, tmp_path: Path) -> Path:
    """The same COG with every commune renamed: visible if it were ever written."""
    folder = tmp_path / "cog-renamed"
    shutil.copytree(creuse_cog, folder)
    path = folder / COMMUNES_FILE
    with path.open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        rows = [r | {"nom": r["nom"] + " (renamed)"} for r in reader]
        fields = reader.fieldnames
    assert fields is not None
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fields)
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_territory_import_corrupt_geojson_changes_nothing(
    run, settings: Settings, creuse_cog: Path, tmp_path: Path
) -> None:
    assert run("territory", "import", "--cog-dir", str(creuse_cog)).exit_code == 0
    before = _snapshot(settings)
    corrupt = _corrupt_geojson(tmp_path)
    # The renamed COG is written first, then the GeoJSON fails: the whole import rolls back.
    result = run(
        "territory",
        "import",
        "--cog-dir",
        str(_renamed_cog(creuse_cog, tmp_path)),
        "--boundaries",
        str(corrupt),
    )
    assert result.exit_code == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"Erreur : {corrupt}, feature 7 (")
    assert "geometry.type='Point'" in error
    assert "expected a non-empty Polygon or MultiPolygon" in error
    assert "Traceback" not in result.stderr
    assert _snapshot(settings) == before


def test_territory_import_bad_csv_line_changes_nothing(
    run, settings: Settings, creuse_cog: Path, tmp_path: Path
) -> None:
    assert run("territory", "import", "--cog-dir", str(creuse_cog)).exit_code == 0
    before = _snapshot(settings)
    broken = _renamed_cog(creuse_cog, tmp_path)
    path = broken / COMMUNES_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[10].split(",")
    population = lines[0].strip().split(",").index("population")
    fields[population] = "12a"
    lines[10] = ",".join(fields)
    path.write_text("".join(lines), encoding="utf-8")

    result = run("territory", "import", "--cog-dir", str(broken))
    assert result.exit_code == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error == (
        f"Erreur : {path}, line 11: population='12a'; "
        "expected a non-negative whole number of inhabitants."
    )
    assert _snapshot(settings) == before


def test_territory_import_missing_cog_file_names_it(run, tmp_path: Path) -> None:
    result = run("territory", "import", "--cog-dir", str(tmp_path), "--year", "2031")
    assert result.exit_code == 1
    assert "regions_2031.csv" in result.stderr
    assert "expected a readable CSV file" in result.stderr


def test_territory_import_unknown_boundaries_level_is_refused(run) -> None:
    result = run("territory", "import", "--boundaries", "x.geojson", "--boundaries-level", "iris")
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : Unknown territory level 'iris'")


def test_territory_import_without_files_is_refused(run) -> None:
    result = run("territory", "import")
    assert result.exit_code == 1
    assert "--cog-dir, --boundaries, --ages" in result.stderr


def test_territory_import_ages_of_the_departements(run, creuse_cog: Path) -> None:
    ages = COG / "insee_estim_pop_departements_sexe_age_quinquennal_2015_2021.csv"
    result = run("territory", "import", "--cog-dir", str(creuse_cog), "--ages", str(ages))
    assert result.exit_code == 0, result.output
    assert "effectifs par tranche d'âge" in result.stdout
    assert "département 19, 2021" in result.stderr  # the known source error, as a warning

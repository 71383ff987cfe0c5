"""Importing COG files, boundaries and age structures, on both backends, one transaction each."""

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely import box
from sqlalchemy import Connection, Engine, Table, func, select

from healthycity.errors import RecordError
from healthycity.geo import area_km2
from healthycity.territory import store, tables
from healthycity.territory.importer import import_age_estimates, import_boundaries, import_cog
from tests.factories import (
    COMMUNE_BOXES,
    COMMUNE_COLUMNS,
    COMMUNES,
    age_rows,
    commune_feature,
    replace_row,
    write_age_estimates,
    write_cog,
    write_geojson,
)

TABLES: tuple[Table, ...] = (
    tables.territories,
    tables.territory_links,
    tables.commune_merges,
    tables.age_bands,
    tables.imports,
)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every territory table, in a stable order."""
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in TABLES
        }


def in_one_transaction(engine: Engine, *steps: Callable[[Connection], object]) -> None:
    """Run ``steps`` in a single transaction, as a caller of the importers does."""
    with engine.begin() as conn:
        for step in steps:
            step(conn)


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def tiny(engine: Engine, tmp_path: Path) -> Engine:
    """The tiny territory of ``tests.factories``: COG, polygons and ages, committed."""
    with engine.begin() as conn:
        import_cog(conn, write_cog(tmp_path / "cog"))
        import_boundaries(conn, [write_geojson(tmp_path / "communes.geojson")])
        import_age_estimates(conn, write_age_estimates(tmp_path / "ages.csv"))
    return engine


def test_import_cog_stores_territories_links_and_summed_populations(
    engine: Engine, tmp_path: Path
) -> None:
    steps: list[tuple[str, int, int]] = []
    with engine.begin() as conn:
        report = import_cog(conn, write_cog(tmp_path), progress=lambda *a: steps.append(a))
    assert report.rows == {
        "region": 2,
        "departement": 3,
        "epci": 2,
        "commune": 4,
        "merged_communes": 1,
    }
    assert report.warnings == []
    assert steps[-1] == ("territoires", 11, 11)
    with engine.connect() as conn:
        populations = {
            t.ref: t.population
            for t in [
                store.get_territory(conn, "region", "27"),
                store.get_territory(conn, "region", "24"),
                store.get_territory(conn, "departement", "58"),
                store.get_territory(conn, "epci", "200000001"),
                store.get_territory(conn, "commune", "58002"),
            ]
        }
        assert populations == {
            "region/27": 1000 + 500 + 200,
            "region/24": 300,
            "departement/58": 1000 + 500,
            "epci/200000001": 1000 + 200,  # straddles 58 and 89
            "commune/58002": 500,
        }
        assert [a.ref for a in store.get_ancestors(conn, "commune", "89001")] == [
            "epci/200000001",
            "departement/89",
            "region/27",
        ]
        assert [a.ref for a in store.get_ancestors(conn, "commune", "18001")] == [
            "departement/18",
            "region/24",
        ]
        assert [t.code for t in store.search_territories(conn, "oeuilly")] == ["89001"]
        merges = conn.execute(select(tables.commune_merges)).all()
        assert [tuple(m) for m in merges] == [("58004", "58001")]
        journal = conn.execute(select(tables.imports.c.kind, tables.imports.c.rows)).all()
        assert [tuple(j) for j in journal] == [("cog", 12)]
    assert count(engine, tables.territory_links) == 4 * 2 - 1 + 3  # 18001 has no EPCI


def test_import_cog_twice_changes_nothing_but_the_journal(engine: Engine, tmp_path: Path) -> None:
    files = write_cog(tmp_path)
    with engine.begin() as conn:
        import_cog(conn, files)
    before = snapshot(engine)
    with engine.begin() as conn:
        import_cog(conn, files)
    after = snapshot(engine)
    assert len(after.pop("territory_imports")) == len(before.pop("territory_imports")) + 1
    assert after == before


def test_import_cog_refresh_moves_links_and_keeps_polygons(tiny: Engine, tmp_path: Path) -> None:
    communes = replace_row(COMMUNES, "58002", epci_siren="200000001", population="650")
    with tiny.begin() as conn:
        import_cog(conn, write_cog(tmp_path / "cog2026b", communes=communes))
    with tiny.connect() as conn:
        moved = store.get_territory(conn, "commune", "58002")
        assert (moved.population, moved.has_geometry) == (650, True)
        assert [a.code for a in store.get_ancestors(conn, "commune", "58002")] == [
            "200000001",
            "58",
            "27",
        ]
        assert store.get_children(conn, "epci", "200000002") == []
        assert store.get_territory(conn, "departement", "58").population == 1650


def test_import_boundaries_dissolves_former_communes_and_unions_parents(
    engine: Engine, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        import_cog(conn, write_cog(tmp_path))
        report = import_boundaries(conn, [write_geojson(tmp_path / "communes.geojson")])
    # 4 communes (58004 dissolved into 58001); 2 EPCI and 3 départements now complete
    assert report.rows == {"commune": 4, "unions": 5}
    assert report.warnings == []
    with engine.connect() as conn:
        chateau = store.get_territory(conn, "commune", "58001")
        assert chateau.bbox == (3.0, 47.0, 3.2, 47.1)
        assert chateau.area_km2 == pytest.approx(area_km2(box(3.0, 47.0, 3.2, 47.1)))
        geometries = store.get_geometries(
            conn,
            [
                chateau,
                store.get_territory(conn, "epci", "200000001"),
                store.get_territory(conn, "departement", "58"),
            ],
        )
        assert shapely.geometry.shape(geometries["commune/58001"]).equals(box(3.0, 47.0, 3.2, 47.1))
        # CC des Deux Rives: 58001 (with its former 58004) and 89001, side by side
        assert shapely.geometry.shape(geometries["epci/200000001"]).equals(
            box(3.0, 47.0, 3.3, 47.1).union(box(3.2, 47.0, 3.3, 47.2))
        )
        assert shapely.geometry.shape(geometries["departement/58"]).equals(
            box(3.0, 47.0, 3.2, 47.2)
        )
        assert not store.get_territory(conn, "region", "27").has_geometry  # not built from communes
        assert store.build_commune_locator(conn).locate(3.15, 47.05) == "58001"


def test_import_boundaries_joins_a_polygon_the_cog_forgot_and_warns(
    engine: Engine, tmp_path: Path
) -> None:
    # 58009 was absorbed without becoming a commune déléguée: the COG has no trace of it
    absorbed = box(3.0, 47.2, 3.2, 47.25)  # north of 58002, its only neighbour in 58
    path = write_geojson(
        tmp_path / "communes.geojson",
        [*(commune_feature(c) for c in COMMUNE_BOXES), commune_feature("58009", absorbed)],
    )
    with engine.begin() as conn:
        import_cog(conn, write_cog(tmp_path))
        report = import_boundaries(conn, [path])
    assert report.warnings == [
        f"{path}, feature 5: code 58009 is not in the COG; its polygon was joined to the "
        "neighbouring commune 58002 (longest shared border). Import a COG history to make this "
        "exact."
    ]
    with engine.connect() as conn:
        saint_eloi = store.get_territory(conn, "commune", "58002")
        assert saint_eloi.area_km2 == pytest.approx(area_km2(box(3.0, 47.1, 3.2, 47.25)))
        assert store.build_commune_locator(conn).locate(3.1, 47.22) == "58002"


def test_import_boundaries_of_departements(engine: Engine, tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"code": code},
            "geometry": json.loads(shapely.to_geojson(box(*b))),
        }
        for code, b in {"58": (3.0, 47.0, 3.2, 47.2), "18": (2.9, 47.0, 3.0, 47.2)}.items()
    ]
    with engine.begin() as conn:
        import_cog(conn, write_cog(tmp_path))
        report = import_boundaries(
            conn, [write_geojson(tmp_path / "d.geojson", features)], level="departement"
        )
    assert report.rows == {"departement": 2}
    with engine.connect() as conn:
        assert store.get_territory(conn, "departement", "58").bbox == (3.0, 47.0, 3.2, 47.2)
        assert not store.get_territory(conn, "departement", "89").has_geometry


def test_import_age_estimates_and_derived_commune_bands(engine: Engine, tmp_path: Path) -> None:
    men, women = list(range(1, 21)), list(range(21, 41))
    rows = (
        age_rows("58", 2021, men=men, women=women)
        + age_rows("58", 2020, men=men, women=men)
        + age_rows("99", 2021, men=men, women=women)
    )  # 99: not a département of the COG
    with engine.begin() as conn:
        import_cog(conn, write_cog(tmp_path))
        report = import_age_estimates(conn, write_age_estimates(tmp_path / "ages.csv", rows))
    assert report.rows == {"age_bands": 40}
    with engine.connect() as conn:
        departement = store.get_age_structure(conn, "departement", "58")
        assert (departement.year, sum(departement.population_by_band.values())) == (2021, 820)
        commune = store.get_age_structure(conn, "commune", "58002")
        assert commune.is_estimated
        assert commune.population_by_band["00-04"] == pytest.approx(500 * 22 / 820)
        assert sum(commune.population_by_band.values()) == pytest.approx(500)


COG_CORRUPTIONS = {
    "bad-code": ({"code_insee": "58A02"}, "code_insee", "'58A02'", "a code matching"),
    "negative-population": ({"population": "-500"}, "population", "'-500'", "non-negative"),
    "text-population": ({"population": "cinq cents"}, "population", "'cinq cents'", "whole"),
    "unknown-departement": (
        {"code_departement": "59"},
        "code_departement",
        "'59'",
        "a département",
    ),
}


@pytest.mark.parametrize(
    ("change", "field", "value", "expected"), COG_CORRUPTIONS.values(), ids=COG_CORRUPTIONS.keys()
)
def test_import_cog_corrupt_line_rolls_everything_back(
    tiny: Engine, tmp_path: Path, change: dict[str, str], field: str, value: str, expected: str
) -> None:
    before = snapshot(tiny)
    refreshed = write_cog(tmp_path / "ok", communes=replace_row(COMMUNES, "58001", population="9"))
    corrupt = write_cog(tmp_path / "bad", communes=replace_row(COMMUNES, "58002", **change))
    with pytest.raises(RecordError) as caught:
        # the first, valid import writes rows that must not survive the failure of the second
        in_one_transaction(
            tiny, partial(import_cog, files=refreshed), partial(import_cog, files=corrupt)
        )
    message = str(caught.value)
    for part in (str(corrupt.communes), "line 5", field, value, expected):
        assert part in message
    assert snapshot(tiny) == before


def test_import_cog_missing_column_rolls_everything_back(tiny: Engine, tmp_path: Path) -> None:
    before = snapshot(tiny)
    columns = [c for c in COMMUNE_COLUMNS if c != "code_departement"]
    rows = [[v for c, v in zip(COMMUNE_COLUMNS, r, strict=True) if c in columns] for r in COMMUNES]
    corrupt = write_cog(tmp_path / "bad", communes=rows, commune_columns=columns)
    with pytest.raises(RecordError) as caught:
        in_one_transaction(
            tiny,
            partial(import_boundaries, paths=[write_geojson(tmp_path / "again.geojson")]),
            partial(import_cog, files=corrupt),
        )
    assert f"{corrupt.communes}, line 1 (header): columns=" in str(caught.value)
    assert "expected the columns code_insee, nom, type, code_departement" in str(caught.value)
    assert snapshot(tiny) == before


def lambert93(code: str) -> dict[str, Any]:
    x, y = 717_000.0, 6_650_000.0  # Nevers in Lambert-93 metres, not degrees
    return commune_feature(code, box(x, y, x + 1000, y + 1000))


GEOJSON_CORRUPTIONS = {
    "not-json": ("{ this is not json", "file", "content", "a readable GeoJSON file"),
    "point": (
        [commune_feature("58001"), commune_feature("58002", shapely.Point(3.1, 47.15))],
        "feature 1 (58002)",
        "geometry.type='Point'",
        "a non-empty Polygon or MultiPolygon",
    ),
    "no-code": (
        [commune_feature("58001", properties={"nom": "Anonyme"})],
        "feature 0",
        "properties.code=None",
        "an INSEE code",
    ),
    "unknown-code": (
        [commune_feature("58001"), commune_feature("99001", box(5, 45, 5.1, 45.1))],
        "feature 1",
        "properties.code='99001'",
        "the code of a commune imported from the COG",
    ),
    "lambert93": (
        [commune_feature("58001"), lambert93("58002")],
        "feature 1 (58002)",
        "geometry=[717000.0, 6650000.0",
        "WGS84 longitude/latitude",
    ),
}


@pytest.mark.parametrize(
    ("content", "location", "field_value", "expected"),
    GEOJSON_CORRUPTIONS.values(),
    ids=GEOJSON_CORRUPTIONS.keys(),
)
def test_import_boundaries_corrupt_file_rolls_everything_back(
    tiny: Engine, tmp_path: Path, content: Any, location: str, field_value: str, expected: str
) -> None:
    before = snapshot(tiny)
    path = tmp_path / "corrupt.geojson"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        write_geojson(path, content)
    refreshed = write_cog(tmp_path / "ok", communes=replace_row(COMMUNES, "58001", nom="Renommée"))
    with pytest.raises(RecordError) as caught:
        in_one_transaction(
            tiny,
            partial(import_cog, files=refreshed),
            partial(import_boundaries, paths=[write_geojson(tmp_path / "good.geojson"), path]),
        )
    message = str(caught.value)
    for part in (str(path), location, field_value, expected):
        assert part in message
    assert snapshot(tiny) == before


def test_import_age_estimates_corrupt_file_rolls_everything_back(
    tiny: Engine, tmp_path: Path
) -> None:
    before = snapshot(tiny)
    rows = age_rows("58", 2021, men=[5] * 20, women=[5] * 20)
    rows[3] = (*rows[3][:5], "-4")
    with pytest.raises(RecordError, match=r"ages\.csv, line 5: population=-4; expected a non-neg"):
        in_one_transaction(
            tiny,
            partial(import_cog, files=write_cog(tmp_path / "ok")),
            partial(import_age_estimates, path=write_age_estimates(tmp_path / "ages.csv", rows)),
        )
    assert snapshot(tiny) == before

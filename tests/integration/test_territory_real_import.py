"""Importing the real COG 2026 and merged-commune polygons (Creuse, Cher), on both backends."""

import re
from collections import defaultdict

import pytest
from sqlalchemy import Engine, func, select

from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.geo import area_km2
from healthycity.territory import store, tables
from healthycity.territory.cog import CogFiles
from healthycity.territory.geometries import read_boundaries
from healthycity.territory.importer import import_boundaries, import_cog

GEO = DEFAULT_DEMO_DATA_DIR / "geo"
CREUSE = GEO / "communes-23-creuse.geojson"  # 258 polygons of 2018
CHER = GEO / "communes-18-cher.geojson"  # 290 polygons of 2018
WARNING = re.compile(
    r"feature \d+: code (\d{5}) is not in the COG; its polygon was joined to the "
    r"neighbouring commune (\d{5}) \(longest shared border\)"
)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        found = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (tables.territories, tables.territory_links, tables.commune_merges)
        }
        t = tables.territories
        found["polygons"] = conn.execute(
            select(func.count()).where(t.c.geometry.is_not(None))
        ).scalar_one()
    return found


def test_import_real_cog_then_creuse_and_cher_polygons_then_cog_again(engine: Engine) -> None:
    files = CogFiles.in_folder(DEFAULT_DEMO_DATA_DIR / "territory")
    with engine.begin() as conn:
        cog = import_cog(conn, files)
        report = import_boundaries(conn, [CREUSE, CHER])
    assert cog.rows["commune"] == 34_969
    # absorbed without a commune déléguée: the shipped table gives their commune nouvelle
    assert report.warnings == []
    absorbed: dict[str, str] = {}
    assert report.rows["commune"] == 255 + 286
    first = counts(engine)

    with engine.connect() as conn:
        for departement, expected in (("23", 255), ("18", 286)):
            communes = store.get_children(conn, "departement", departement)
            assert len(communes) == expected
            assert all(c.has_geometry for c in communes)
        merges = dict(
            conn.execute(
                select(tables.commune_merges.c.code, tables.commune_merges.c.parent_code)
            ).all()
        )
        parts: dict[str, list[float]] = defaultdict(list)
        for boundary in [*read_boundaries(CREUSE), *read_boundaries(CHER)]:
            parent = merges.get(boundary.code) or absorbed.get(boundary.code) or boundary.code
            parts[parent].append(area_km2(boundary.geometry))
        merged = {code: areas for code, areas in parts.items() if len(areas) > 1}
        assert sum(len(a) - 1 for a in merged.values()) == (258 - 255) + (290 - 286)
        for code, areas in merged.items():
            stored = store.get_territory(conn, "commune", code).area_km2
            assert stored == pytest.approx(sum(areas), rel=1e-3)
        creuse = store.get_territory(conn, "departement", "23")
        assert creuse.area_km2 == pytest.approx(5565, rel=0.02)  # INSEE: 5,565 km²

    with engine.begin() as conn:
        again = import_cog(conn, files)
    assert again.rows == cog.rows
    assert counts(engine) == first  # no duplicate links, polygons kept


def test_without_the_absorption_table_orphans_join_a_neighbour_with_a_warning(
    engine: Engine,
) -> None:
    files = CogFiles.in_folder(DEFAULT_DEMO_DATA_DIR / "territory")
    without = CogFiles(files.regions, files.departements, files.epci, files.communes)
    with engine.begin() as conn:
        import_cog(conn, without)
        report = import_boundaries(conn, [CREUSE, CHER])
    absorbed = {}
    for warning in report.warnings:
        found = WARNING.search(warning)
        assert found, warning
        absorbed[found[1]] = found[2]
    assert sorted(absorbed) == ["18123", "18131", "18222", "18239", "23121"]
    assert all(parent[:2] == code[:2] for code, parent in absorbed.items())
    assert report.rows["commune"] == 255 + 286

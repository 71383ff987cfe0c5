"""The demo territory as imported: polygons of every commune, merged communes, département areas."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
import shapely
from sqlalchemy import Connection, Engine, select

from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.geo import area_km2
from healthycity.territory import store, tables
from healthycity.territory.demo import DEMO_DEPARTEMENTS, demo_commune_files
from healthycity.territory.geometries import Boundary, read_boundaries

# Communes of COG 2026 per demo département (polygons of 2018: 309, 317, 290, 704, 326, 567, 428)
COMMUNES_2026 = {"58": 309, "03": 317, "18": 286, "21": 698, "45": 325, "71": 563, "89": 423}
# 2018 polygons whose code the COG 2026 no longer has (absorbed without a commune déléguée),
# and the commune nouvelle each joined (data/territory/commune_absorptions.csv)
ABSORBED_INTO = {
    "18123": "18023",
    "18239": "18023",
    "18222": "18073",
    "18131": "18173",
    "21513": "21178",
    "45287": "45307",
    "71131": "71566",
}
NIEVRE_AREA_KM2 = 6817  # INSEE, superficie du département


@dataclass(frozen=True)
class DemoCommunes:
    """The stored demo communes with a polygon, as arrays in code order."""

    codes: list[str]
    departements: list[str]
    areas_km2: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    polygons: np.ndarray
    merges: dict[str, str]


@pytest.fixture(scope="module")
def conn(demo_engine: Engine) -> Iterator[Connection]:
    with demo_engine.connect() as connection:
        yield connection


@pytest.fixture(scope="module")
def communes(conn: Connection) -> DemoCommunes:
    t, links = tables.territories, tables.territory_links
    rows = conn.execute(
        select(
            t.c.code,
            links.c.parent_code,
            t.c.area_km2,
            t.c.centroid_lon,
            t.c.centroid_lat,
            t.c.geometry,
        )
        .join(links, (links.c.child_level == t.c.level) & (links.c.child_code == t.c.code))
        .where(
            t.c.level == "commune", t.c.geometry.is_not(None), links.c.parent_level == "departement"
        )
        .order_by(t.c.code)
    ).all()
    merges = tables.commune_merges
    merged = dict(conn.execute(select(merges.c.code, merges.c.parent_code)).all())
    return DemoCommunes(
        codes=[r.code for r in rows],
        departements=[r.parent_code for r in rows],
        areas_km2=np.array([r.area_km2 for r in rows]),
        lon=np.array([r.centroid_lon for r in rows]),
        lat=np.array([r.centroid_lat for r in rows]),
        polygons=shapely.from_geojson([r.geometry for r in rows]),
        merges=merged,
    )


@pytest.fixture(scope="module")
def drawn() -> list[Boundary]:
    """The 2018 polygons of the demo files, as drawn."""
    return [b for path in demo_commune_files(DEFAULT_DEMO_DATA_DIR) for b in read_boundaries(path)]


def test_demo_communes_with_polygon_are_exactly_the_cog_2026_communes(
    conn: Connection, communes: DemoCommunes
) -> None:
    counts: dict[str, int] = defaultdict(int)
    for departement in communes.departements:
        counts[departement] += 1
    assert counts == COMMUNES_2026
    assert len(communes.codes) == 2921 == sum(COMMUNES_2026.values())
    for code in DEMO_DEPARTEMENTS:
        cog = {c.code for c in store.get_children(conn, "departement", code)}
        assert cog == {
            c for c, d in zip(communes.codes, communes.departements, strict=True) if d == code
        }


def test_demo_commune_polygons_are_valid_with_area_and_a_point_inside(
    communes: DemoCommunes,
) -> None:
    assert shapely.is_valid(communes.polygons).all()
    assert set(shapely.get_type_id(communes.polygons)) <= {3, 6}  # Polygon, MultiPolygon
    assert (communes.areas_km2 > 0).all()
    inside = shapely.contains_xy(communes.polygons, communes.lon, communes.lat)
    assert [c for c, ok in zip(communes.codes, inside, strict=True) if not ok] == []


def test_demo_departement_polygons_are_unions_of_their_communes(conn: Connection) -> None:
    nievre = store.get_territory(conn, "departement", "58")
    assert nievre.has_geometry
    assert nievre.area_km2 == pytest.approx(NIEVRE_AREA_KM2, rel=0.03)
    communes = store.get_children(conn, "departement", "58")
    assert nievre.area_km2 == pytest.approx(sum(c.area_km2 or 0 for c in communes), rel=1e-3)
    epci = store.get_territory(conn, "epci", "245804406")  # CA de Nevers, all inside the demo
    assert epci.has_geometry
    assert epci.area_km2 == pytest.approx(
        sum(c.area_km2 or 0 for c in store.get_children(conn, "epci", "245804406")), rel=1e-3
    )


def test_departements_outside_the_demo_keep_the_simplified_outline(conn: Connection) -> None:
    creuse = store.get_territory(conn, "departement", "23")
    assert creuse.has_geometry
    assert creuse.area_km2 == pytest.approx(5565, rel=0.05)
    assert store.get_children(conn, "departement", "23")[0].has_geometry is False


def parents_of(drawn: list[Boundary], communes: DemoCommunes) -> dict[str, list[Boundary]]:
    """Current commune → the 2018 polygons that make it up (absorbed ones located by a point)."""
    current = set(communes.codes)
    parts: dict[str, list[Boundary]] = defaultdict(list)
    for boundary in drawn:
        parent = boundary.code if boundary.code in current else communes.merges.get(boundary.code)
        if parent is None:  # gone from the COG: find where its polygon went
            inside = boundary.geometry.point_on_surface()
            hits = shapely.contains_xy(communes.polygons, inside.x, inside.y)
            [parent] = [c for c, hit in zip(communes.codes, hits, strict=True) if hit]
        parts[parent].append(boundary)
    return parts


def test_merged_communes_area_is_the_sum_of_their_2018_parts(
    drawn: list[Boundary], communes: DemoCommunes
) -> None:
    parts = parents_of(drawn, communes)
    area = dict(zip(communes.codes, communes.areas_km2, strict=True))
    merged = {code: boundaries for code, boundaries in parts.items() if len(boundaries) > 1}
    assert len(drawn) - len(communes.codes) == 20  # 2,941 polygons of 2018, 2,921 communes
    assert sum(len(b) - 1 for b in merged.values()) == 20
    for code, boundaries in merged.items():
        assert area[code] == pytest.approx(sum(area_km2(b.geometry) for b in boundaries), rel=1e-3)


def test_polygons_absent_from_the_cog_join_their_commune_nouvelle(
    drawn: list[Boundary], communes: DemoCommunes
) -> None:
    current = set(communes.codes)
    absent = [b for b in drawn if b.code not in current and b.code not in DELEGUEES(communes)]
    located = {}
    for boundary in absent:  # where did the stored polygons put this 2018 polygon?
        inside = boundary.geometry.point_on_surface()
        hits = shapely.contains_xy(communes.polygons, inside.x, inside.y)
        [located[boundary.code]] = [c for c, hit in zip(communes.codes, hits, strict=True) if hit]
    assert located == ABSORBED_INTO


def DELEGUEES(communes: DemoCommunes) -> set[str]:  # noqa: N802
    """Former communes the COG 2026 still lists (as déléguées), not those of the table."""
    return {code for code in communes.merges if code not in ABSORBED_INTO}

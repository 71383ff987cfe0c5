"""Locating points among the demo commune polygons, on both backends."""

from dataclasses import dataclass

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from healthycity.territory import tables
from healthycity.territory.locate import PointLocator
from healthycity.territory.store import build_commune_locator


@dataclass(frozen=True)
class DemoMap:
    locator: PointLocator
    codes: list[str]
    lon: np.ndarray  # the stored point-on-surface of each commune
    lat: np.ndarray
    polygons: np.ndarray
    bbox: tuple[float, float, float, float]


@pytest.fixture(scope="module")
def demo_map(demo_engine: Engine) -> DemoMap:
    t = tables.territories
    with demo_engine.connect() as conn:
        locator = build_commune_locator(conn)
        rows = conn.execute(
            select(t.c.code, t.c.centroid_lon, t.c.centroid_lat, t.c.geometry)
            .where(t.c.level == "commune", t.c.geometry.is_not(None))
            .order_by(t.c.code)
        ).all()
    polygons = shapely.from_geojson([r.geometry for r in rows])
    minx, miny, maxx, maxy = shapely.total_bounds(polygons)
    return DemoMap(
        locator,
        [r.code for r in rows],
        np.array([r.centroid_lon for r in rows]),
        np.array([r.centroid_lat for r in rows]),
        polygons,
        (float(minx), float(miny), float(maxx), float(maxy)),
    )


def test_build_commune_locator_covers_every_demo_polygon(demo_map: DemoMap) -> None:
    assert demo_map.locator.size == len(demo_map.codes) == 2921
    assert demo_map.locator.codes.tolist() == demo_map.codes  # in code order


def test_locate_a_point_in_nevers(demo_map: DemoMap) -> None:
    assert demo_map.locator.locate(3.159, 46.990) == "58194"


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(-5.0, 46.0), (2.35, 48.85)],  # the Atlantic off Brittany; Paris, outside the demo
)
def test_locate_a_point_outside_the_demo_finds_nothing(
    demo_map: DemoMap, lon: float, lat: float
) -> None:
    assert demo_map.locator.locate(lon, lat) is None


@settings(max_examples=200, deadline=None)
@given(index=st.integers(0, 2920))
def test_locate_the_point_on_surface_of_a_commune_finds_that_commune(
    demo_map: DemoMap, index: int
) -> None:
    code = demo_map.codes[index]
    assert demo_map.locator.locate(demo_map.lon[index], demo_map.lat[index]) == code


def test_locate_many_every_point_on_surface_finds_its_commune(demo_map: DemoMap) -> None:
    found = demo_map.locator.locate_many(demo_map.lon, demo_map.lat)
    assert found.tolist() == demo_map.codes


def test_locate_many_agrees_with_a_naive_loop_on_random_points(demo_map: DemoMap) -> None:
    rng = np.random.default_rng(58194)
    minx, miny, maxx, maxy = demo_map.bbox
    lon, lat = rng.uniform(minx, maxx, 1000), rng.uniform(miny, maxy, 1000)
    found = demo_map.locator.locate_many(lon, lat)
    expected = []
    for x, y in zip(lon, lat, strict=True):
        point = shapely.Point(x, y)
        expected.append(
            next(
                (
                    c
                    for c, p in zip(demo_map.codes, demo_map.polygons, strict=True)
                    if p.intersects(point)
                ),
                None,
            )
        )
    assert found.tolist() == expected
    assert 0 < sum(e is None for e in expected) < len(expected)  # the bbox is not all demo

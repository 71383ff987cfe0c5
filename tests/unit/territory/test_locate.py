"""Point-in-polygon location: a hand-made map, borders, and a naive oracle."""

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import Point, box

from healthycity.territory.locate import PointLocator
from tests.factories import COMMUNE_BOXES


@pytest.fixture(scope="module")
def tiny_map() -> PointLocator:
    codes = sorted(COMMUNE_BOXES)
    return PointLocator(codes, [box(*COMMUNE_BOXES[c]) for c in codes])


def naive_locate(
    codes: list[str], polygons: list[shapely.Geometry], lon: float, lat: float
) -> str | None:
    """The first polygon, in list order, that the point touches: the reference behaviour."""
    point = Point(lon, lat)
    return next((c for c, p in zip(codes, polygons, strict=True) if p.intersects(point)), None)


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (3.05, 47.05, "58001"),
        (3.15, 47.05, "58004"),
        (3.1, 47.15, "58002"),
        (3.25, 47.1, "89001"),
        (2.95, 47.19, "18001"),
        (3.5, 47.05, None),  # east of the map
        (3.05, 46.5, None),  # south of the map
    ],
)
def test_locate_finds_the_commune_of_a_point(
    tiny_map: PointLocator, lon: float, lat: float, code: str | None
) -> None:
    assert tiny_map.locate(lon, lat) == code


def test_locate_a_point_on_a_shared_border_goes_to_the_polygon_listed_first() -> None:
    left, right = box(0, 0, 1, 1), box(1, 0, 2, 1)
    assert PointLocator(["a", "b"], [left, right]).locate(1.0, 0.5) == "a"
    assert PointLocator(["b", "a"], [right, left]).locate(1.0, 0.5) == "b"


def test_locate_many_returns_none_for_no_polygon_and_keeps_input_order(
    tiny_map: PointLocator,
) -> None:
    found = tiny_map.locate_many([3.25, 10.0, 3.05, np.nan], [47.1, 10.0, 47.05, 47.0])
    assert found.tolist() == ["89001", None, "58001", None]
    assert tiny_map.locate_many([], []).tolist() == []
    assert tiny_map.size == 5


def test_locate_many_of_an_empty_map_finds_nothing() -> None:
    assert PointLocator([], []).locate_many([3.0], [47.0]).tolist() == [None]


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_polygons=st.integers(1, 300))
def test_locate_many_agrees_with_a_naive_loop_on_overlapping_boxes(
    seed: int, n_polygons: int
) -> None:
    # Overlapping boxes make many points hit several polygons: the first listed must win.
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 10, n_polygons), rng.uniform(0, 10, n_polygons)
    w, h = rng.uniform(0.1, 3, n_polygons), rng.uniform(0.1, 3, n_polygons)
    polygons = list(shapely.box(x, y, x + w, y + h))
    codes = [f"{i:05d}" for i in range(n_polygons)]
    rng.shuffle(codes)  # listing order is not code order
    lon, lat = rng.uniform(-1, 13, 200), rng.uniform(-1, 13, 200)
    corners = min(20, n_polygons)  # points on a corner of a box: on its border
    lon[:corners], lat[:corners] = x[:corners], y[:corners]
    found = PointLocator(codes, polygons).locate_many(lon, lat)
    expected = [naive_locate(codes, polygons, a, b) for a, b in zip(lon, lat, strict=True)]
    assert found.tolist() == expected

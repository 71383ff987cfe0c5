"""Car road network: tag rules, and exact minutes on a hand-made five-node network."""

import math
from pathlib import Path

import numpy as np
import pytest

from healthycity.care_access._osm_reader import read_osm_roads
from healthycity.care_access.models import Catchment
from healthycity.care_access.road_network import (
    CarProfile,
    RoadNetwork,
    build_road_catchment,
    build_road_network,
    parse_maxspeed_kmh,
    way_directions,
)
from healthycity.errors import ValidationError
from tests.unit.care_access.osm_samples import write_osm_xml

# Minutes are written in units of K, the km of 0.01° of a great circle; at 60 km/h a car
# drives K km in K minutes.
K = math.pi * 6371.0088 / 180.0 * 0.01

# A(0, 0) —primary 60— B(0.01, 0) —residential 30, one-way→— C(0.02, 0)
#                        |                                     |
#                 tertiary 40 (E–B)                  primary, maxspeed=75 → 60
#                        |                                     |
#                      E(0.01, 0.01) ——residential 30—— D(0.02, 0.01)
# plus a primary A–E closed to motor vehicles and a track C–E: both shorter, neither usable.
NODES = {1: (0.0, 0.0), 2: (0.01, 0.0), 3: (0.02, 0.0), 4: (0.02, 0.01), 5: (0.01, 0.01)}
WAYS = [
    (10, [1, 2], {"highway": "primary", "name": "Rue A"}),
    (11, [2, 3], {"highway": "residential", "oneway": "yes"}),
    (12, [3, 4], {"highway": "primary", "maxspeed": "75"}),
    (13, [4, 5], {"highway": "residential"}),
    (14, [5, 2], {"highway": "tertiary"}),
    (15, [1, 5], {"highway": "primary", "motor_vehicle": "no"}),
    (16, [3, 5], {"highway": "track"}),
    (17, [1, 3], {"highway": "footway"}),
]
PROFILE = CarProfile(speed_kmh_by_highway={"primary": 60.0, "tertiary": 40.0, "residential": 30.0})
# Shortest times between the five nodes, by hand, in K (row: from, column: to).
HAND_MINUTES_K = [
    [0.0, 1.0, 3.0, 4.0, 2.5],  # A: B; B→C; B→C→D; B→E
    [1.0, 0.0, 2.0, 3.0, 1.5],  # B
    [5.5, 4.5, 0.0, 1.0, 3.0],  # C: only back through D, E, B
    [4.5, 3.5, 1.0, 0.0, 2.0],  # D
    [2.5, 1.5, 3.0, 2.0, 0.0],  # E: to C through D (2 + 1), not B (1.5 + 2)
]
POINTS = list(NODES.values())


@pytest.fixture
def square(tmp_path: Path) -> RoadNetwork:
    roads = read_osm_roads(write_osm_xml(tmp_path / "square.osm", NODES, WAYS))
    return build_road_network(roads, profile=PROFILE)


def dense_minutes(catchment: Catchment) -> np.ndarray:
    matrix = np.full((catchment.n_origins, catchment.n_sites), np.inf)
    matrix[catchment.origin, catchment.site] = catchment.travel_time_min
    return matrix


def test_road_catchment_equals_hand_computed_minutes(square: RoadNetwork) -> None:
    assert (square.n_nodes, square.n_edges, square.n_dropped_nodes) == (5, 9, 0)
    catchment = build_road_catchment(square, POINTS, POINTS, cutoff_min=1000.0)
    assert catchment.n_pairs == 25
    np.testing.assert_allclose(dense_minutes(catchment), np.array(HAND_MINUTES_K) * K, rtol=1e-7)


def test_road_catchment_one_way_street_is_longer_back(square: RoadNetwork) -> None:
    b, c = POINTS[1], POINTS[2]
    there = build_road_catchment(square, [b], [c], cutoff_min=1000.0)
    back = build_road_catchment(square, [c], [b], cutoff_min=1000.0)
    assert there.travel_time_min[0] == pytest.approx(2.0 * K, rel=1e-9)
    assert back.travel_time_min[0] == pytest.approx(4.5 * K, rel=1e-7)


def test_road_catchment_cutoff_keeps_pairs_within_it(square: RoadNetwork) -> None:
    catchment = build_road_catchment(square, POINTS[:1], POINTS, cutoff_min=3.2 * K)
    assert catchment.site.tolist() == [0, 1, 2, 4]  # D, at 4 K, is beyond
    b_to_c = build_road_catchment(square, POINTS[1:2], POINTS[2:3]).travel_time_min[0]
    exactly = build_road_catchment(square, POINTS[1:2], POINTS[2:3], cutoff_min=b_to_c)
    assert exactly.n_pairs == 1  # the cut-off is inclusive
    below = build_road_catchment(
        square, POINTS[1:2], POINTS[2:3], cutoff_min=np.nextafter(b_to_c, 0.0)
    )
    assert below.n_pairs == 0


def test_road_catchment_adds_the_snap_at_access_speed(square: RoadNetwork) -> None:
    south_of_a = (0.0, -0.001)  # 0.1 K km from A, driven at 15 km/h: 0.4 K minutes
    catchment = build_road_catchment(square, [south_of_a], [POINTS[2]], cutoff_min=1000.0)
    assert catchment.travel_time_min[0] == pytest.approx(0.4 * K + 3.0 * K, rel=1e-9)
    itself = build_road_catchment(square, [south_of_a], [south_of_a])
    assert itself.travel_time_min[0] == pytest.approx(0.8 * K, rel=1e-9)


def test_road_catchment_of_no_points_is_empty(square: RoadNetwork) -> None:
    catchment = build_road_catchment(square, np.zeros((0, 2)), POINTS)
    assert (catchment.n_origins, catchment.n_sites, catchment.n_pairs) == (0, 5, 0)


def test_road_catchment_names_a_point_outside_the_network(square: RoadNetwork) -> None:
    with pytest.raises(ValidationError) as raised:
        build_road_catchment(square, POINTS, [POINTS[0], (3.16, 46.99)])
    message = str(raised.value)
    assert "site_lonlat[1]=(3.16, 46.99)" in message
    assert "outside its bounding box (longitude 0.00000 to 0.02000" in message
    assert "square.osm" in message
    assert "expected a point within max_snap_m=5000 m" in message


def test_road_catchment_names_a_point_far_from_roads_inside_the_box(tmp_path: Path) -> None:
    roads = read_osm_roads(write_osm_xml(tmp_path / "square.osm", NODES, WAYS))
    profile = CarProfile(speed_kmh_by_highway=PROFILE.speed_kmh_by_highway, max_snap_m=500.0)
    network = build_road_network(roads, profile=profile)
    with pytest.raises(ValidationError, match=r"origin_lonlat\[0\]=\(0.015, 0.005\) is 786 m"):
        build_road_catchment(network, [(0.015, 0.005)], POINTS)


@pytest.mark.parametrize("cutoff", [-1.0, math.nan, math.inf])
def test_road_catchment_rejects_a_bad_cutoff(square: RoadNetwork, cutoff: float) -> None:
    with pytest.raises(ValidationError, match="expected a finite number of minutes ≥ 0"):
        build_road_catchment(square, POINTS, POINTS, cutoff_min=cutoff)


def test_network_keeps_the_largest_strong_component(tmp_path: Path) -> None:
    # a one-way spur 3→6 can be entered but not left; 7–8 is an island
    nodes = {**NODES, 6: (0.03, 0.0), 7: (1.0, 1.0), 8: (1.0, 1.01)}
    ways = [*WAYS, (20, [3, 6], {"highway": "primary", "oneway": "yes"})]
    ways.append((21, [7, 8], {"highway": "primary"}))
    network = build_road_network(
        read_osm_roads(write_osm_xml(tmp_path / "spur.osm", nodes, ways)), profile=PROFILE
    )
    assert (network.n_nodes, network.n_dropped_nodes) == (5, 3)
    assert sorted(map(tuple, network.node_lonlat.tolist())) == sorted(POINTS)


def test_network_joins_only_nodes_present_in_the_extract(tmp_path: Path) -> None:
    # way 10 runs A → 99 → B, and node 99 lies outside the extract: A–B is not joined
    ways = [(10, [1, 99, 2], {"highway": "primary"}), *WAYS[1:]]
    network = build_road_network(
        read_osm_roads(write_osm_xml(tmp_path / "cut.osm", NODES, ways)), profile=PROFILE
    )
    assert (network.n_nodes, network.n_dropped_nodes) == (4, 0)  # A has no car road left
    assert POINTS[0] not in map(tuple, network.node_lonlat.tolist())


def test_network_keeps_the_faster_of_parallel_ways(tmp_path: Path) -> None:
    ways = [*WAYS, (30, [2, 1], {"highway": "residential"})]
    network = build_road_network(
        read_osm_roads(write_osm_xml(tmp_path / "twice.osm", NODES, ways)), profile=PROFILE
    )
    catchment = build_road_catchment(network, [POINTS[0]], [POINTS[1]])
    assert catchment.travel_time_min[0] == pytest.approx(K, rel=1e-9)


def test_network_without_car_roads_is_refused(tmp_path: Path) -> None:
    path = write_osm_xml(tmp_path / "paths.osm", NODES, [(1, [1, 2, 3], {"highway": "footway"})])
    with pytest.raises(ValidationError, match=r"paths.osm has 1 highway ways and no two nodes"):
        build_road_network(read_osm_roads(path))


@pytest.mark.parametrize(
    ("tags", "speed"),
    [
        ({"highway": "motorway"}, 90.0),
        ({"highway": "residential", "maxspeed": "50"}, 40.0),
        ({"highway": "residential", "maxspeed": "30 mph"}, 30 * 1.609344 * 0.8),
        ({"highway": "secondary", "maxspeed": "FR:rural"}, 64.0),
        ({"highway": "secondary", "maxspeed": "signals"}, 55.0),
        ({"highway": "secondary", "maxspeed": "none"}, 55.0),
        ({"highway": "tertiary", "access": "no", "motorcar": "yes"}, 40.0),
        ({"highway": "tertiary", "access": "destination"}, 40.0),
        ({"highway": "tertiary", "vehicle": "private"}, None),
        ({"highway": "service", "service": "emergency_access"}, None),
        ({"highway": "pedestrian", "area": "yes"}, None),
        ({"highway": "residential", "area": "yes"}, None),
        ({"highway": "track"}, None),
        ({"highway": "construction"}, None),
        ({"building": "yes"}, None),
    ],
)
def test_profile_way_speed_follows_the_tags(tags: dict[str, str], speed: float | None) -> None:
    assert CarProfile().way_speed_kmh(tags) == (None if speed is None else pytest.approx(speed))


def test_profile_routes_tracks_when_given_a_speed() -> None:
    profile = CarProfile(speed_kmh_by_highway={"track": 5})
    assert profile.way_speed_kmh({"highway": "track"}) == 5.0


@pytest.mark.parametrize(
    ("tags", "directions"),
    [
        ({"oneway": "yes"}, (True, False)),
        ({"oneway": "true"}, (True, False)),
        ({"oneway": "-1"}, (False, True)),
        ({"oneway": "no"}, (True, True)),
        ({"highway": "motorway"}, (True, False)),
        ({"highway": "motorway", "oneway": "no"}, (True, True)),
        ({"junction": "circular"}, (True, False)),
        ({"oneway": "yes", "oneway:motor_vehicle": "no"}, (True, True)),
        ({"oneway": "reversible"}, None),
    ],
)
def test_way_directions_follow_oneway(
    tags: dict[str, str], directions: tuple[bool, bool] | None
) -> None:
    assert way_directions(tags) == directions


@pytest.mark.parametrize(
    ("value", "speed"),
    [("90", 90.0), ("50 km/h", 50.0), ("20.5", 20.5), ("fr:zone30", 30.0), ("FR:walk", None)],
)
def test_parse_maxspeed_reads_numbers_and_zones(value: str, speed: float | None) -> None:
    assert parse_maxspeed_kmh(value, {"zone30": 30.0}) == speed


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"speed_kmh_by_highway": {"primary": 0.0}}, r"\{'primary': 0.0\}; expected finite"),
        ({"zone_speed_kmh": {"urban": math.nan}}, r"zone_speed_kmh has \{'urban': nan\}"),
        ({"maxspeed_factor": -0.8}, r"maxspeed_factor=-0.8; expected a finite value > 0"),
        ({"access_speed_kmh": 0.0}, r"access_speed_kmh=0.0"),
        ({"max_snap_m": math.inf}, r"max_snap_m=inf"),
    ],
)
def test_profile_rejects_impossible_parameters(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CarProfile(**overrides)  # type: ignore[arg-type]  # each test passes one field

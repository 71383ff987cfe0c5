"""Travel-time providers: one interface, made by name, same catchments as the functions."""

from pathlib import Path

import numpy as np
import pytest

from healthycity.care_access._osm_reader import read_osm_roads
from healthycity.care_access.models import Catchment
from healthycity.care_access.providers import (
    RoadNetworkProvider,
    StraightLineProvider,
    TravelTimeProvider,
    make_provider,
    provider_names,
    register_provider,
)
from healthycity.care_access.road_network import (
    CarProfile,
    build_road_catchment,
    build_road_network,
)
from healthycity.care_access.travel_times import StraightLineModel, build_straight_line_catchment
from healthycity.errors import ValidationError
from tests.unit.care_access.osm_samples import HELSINKI_PBF

# three places of central Helsinki: the railway station, the cathedral, the market square
HELSINKI_POINTS = [(24.9414, 60.1710), (24.9522, 60.1704), (24.9525, 60.1675)]


def assert_same_catchment(actual: Catchment, expected: Catchment) -> None:
    assert (actual.n_origins, actual.n_sites) == (expected.n_origins, expected.n_sites)
    np.testing.assert_array_equal(actual.origin, expected.origin)
    np.testing.assert_array_equal(actual.site, expected.site)
    np.testing.assert_array_equal(actual.travel_time_min, expected.travel_time_min)


def test_provider_names_are_the_built_ins() -> None:
    assert provider_names() == ("road", "straight-line")


def test_straight_line_provider_equals_the_model() -> None:
    provider = make_provider("straight-line")
    assert provider.name == "straight-line"
    catchment = provider.build_catchment(HELSINKI_POINTS, HELSINKI_POINTS[:2], cutoff_min=5.0)
    assert_same_catchment(
        catchment,
        build_straight_line_catchment(HELSINKI_POINTS, HELSINKI_POINTS[:2], cutoff_min=5.0),
    )
    assert catchment.n_pairs == 6


def test_straight_line_provider_passes_its_model_on() -> None:
    model = StraightLineModel(intra_commune_min=0.0)
    catchment = StraightLineProvider(model).build_catchment(HELSINKI_POINTS, HELSINKI_POINTS)
    assert catchment.travel_time_min[catchment.origin == catchment.site].tolist() == [0.0] * 3


def test_road_provider_reads_the_extract_and_equals_the_routing() -> None:
    provider = make_provider("road", HELSINKI_PBF)
    assert provider.name == "road"
    catchment = provider.build_catchment(HELSINKI_POINTS, HELSINKI_POINTS)
    network = build_road_network(read_osm_roads(HELSINKI_PBF))
    assert_same_catchment(
        catchment, build_road_catchment(network, HELSINKI_POINTS, HELSINKI_POINTS)
    )
    assert catchment.n_pairs == 9
    assert (catchment.travel_time_min < 10.0).all()  # about 1 km apart in a city centre


def test_road_provider_uses_the_given_profile() -> None:
    slow = CarProfile(access_speed_kmh=1.0)
    fast = CarProfile(access_speed_kmh=100.0)
    points = [(24.9414, 60.1712)]  # a few metres off the road network
    slow_min, fast_min = (
        RoadNetworkProvider.from_osm_file(HELSINKI_PBF, profile=profile)
        .build_catchment(points, points)
        .travel_time_min[0]
        for profile in (slow, fast)
    )
    assert slow_min == pytest.approx(100.0 * fast_min)
    assert slow_min > 0


def test_both_providers_answer_the_same_question() -> None:
    providers: list[TravelTimeProvider] = [
        StraightLineProvider(),
        RoadNetworkProvider.from_osm_file(HELSINKI_PBF),
    ]
    for provider in providers:
        catchment = provider.build_catchment(HELSINKI_POINTS, HELSINKI_POINTS, cutoff_min=0.5)
        assert (catchment.travel_time_min <= 0.5).all()
        assert (catchment.n_origins, catchment.n_sites) == (3, 3)


def test_make_provider_names_an_unknown_provider() -> None:
    with pytest.raises(
        ValidationError, match=r"'osrm' is unknown; expected one of road, straight-line"
    ):
        make_provider("osrm")


def test_make_provider_refuses_a_file_for_the_straight_line(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"'straight-line' reads no file, got source=.*x.osm"):
        make_provider("straight-line", tmp_path / "x.osm")


def test_make_provider_needs_an_extract_for_the_road() -> None:
    with pytest.raises(ValidationError, match=r"'road' got no source; expected an OpenStreetMap"):
        make_provider("road")


def test_register_provider_refuses_a_taken_name() -> None:
    with pytest.raises(ValidationError, match=r"'road' is already registered"):
        register_provider("road", lambda source: StraightLineProvider())  # noqa: ARG005
    assert provider_names() == ("road", "straight-line")

"""Straight-line travel times: the model, and the k-d tree catchment against brute force."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthycity.care_access.travel_times import (
    EARTH_RADIUS_KM,
    StraightLineModel,
    build_straight_line_catchment,
)
from healthycity.errors import ValidationError
from tests.unit.care_access.naive import naive_great_circle_km, naive_straight_line_pairs

NEVERS = (3.1590, 46.9908)


def test_model_adds_the_access_time_to_the_detoured_drive() -> None:
    model = StraightLineModel(detour_factor=1.5, speed_kmh=45.0, intra_commune_min=2.0)
    # 30 km as the crow flies → 45 km of road → 60 minutes at 45 km/h, plus 2 minutes
    assert model.travel_time_min(np.array([0.0, 30.0])).tolist() == [2.0, 62.0]
    assert model.max_distance_km(62.0) == pytest.approx(30.0)
    assert model.max_distance_km(1.0) == 0.0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"detour_factor": 0.9}, r"detour_factor=0.9; expected a finite value ≥ 1"),
        ({"speed_kmh": 0.0}, r"speed_kmh=0.0; expected a finite value > 0"),
        ({"intra_commune_min": -1.0}, r"intra_commune_min=-1.0; expected a finite value ≥ 0"),
        ({"speed_kmh": math.inf}, r"speed_kmh=inf"),
    ],
)
def test_model_rejects_impossible_parameters(overrides: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        StraightLineModel(**overrides)


def test_catchment_one_degree_of_meridian_is_pi_r_over_180() -> None:
    model = StraightLineModel(detour_factor=1.0, speed_kmh=60.0, intra_commune_min=0.0)
    c = build_straight_line_catchment(
        [NEVERS], [(NEVERS[0], NEVERS[1] + 1.0)], model=model, cutoff_min=200.0
    )
    # at 60 km/h, minutes equal kilometres
    assert c.travel_time_min[0] == pytest.approx(math.pi * EARTH_RADIUS_KM / 180, rel=1e-12)


def test_catchment_commune_to_itself_takes_the_access_time() -> None:
    points = [NEVERS, (3.5, 47.2)]
    c = build_straight_line_catchment(points, points)
    self_pairs = c.origin == c.site
    assert self_pairs.sum() == 2
    assert c.travel_time_min[self_pairs].tolist() == [3.0, 3.0]


def test_catchment_with_a_huge_cutoff_reaches_the_antipodes() -> None:
    c = build_straight_line_catchment([(0.0, 0.0)], [(180.0, 0.0), (90.0, 45.0)], cutoff_min=1e9)
    assert c.site.tolist() == [0, 1]
    assert c.travel_time_min[0] == pytest.approx(3.0 + math.pi * EARTH_RADIUS_KM * 1.3, rel=1e-9)


lon = st.floats(2.0, 4.5)
lat = st.floats(46.0, 48.0)
points = st.lists(st.tuples(lon, lat), min_size=0, max_size=25)


@settings(max_examples=60)
@given(
    points,
    points,
    st.floats(1.0, 2.0),
    st.floats(20.0, 110.0),
    st.floats(0.0, 10.0),
    st.floats(0.0, 60.0),
)
def test_catchment_equals_brute_force_over_all_pairs(
    origins: list[tuple[float, float]],
    sites: list[tuple[float, float]],
    detour: float,
    speed: float,
    access_time: float,
    cutoff: float,
) -> None:
    model = StraightLineModel(detour_factor=detour, speed_kmh=speed, intra_commune_min=access_time)
    c = build_straight_line_catchment(
        np.array(origins).reshape(-1, 2), np.array(sites).reshape(-1, 2), model=model,
        cutoff_min=cutoff,
    )  # fmt: skip
    expected = naive_straight_line_pairs(
        origins, sites, detour_factor=detour, speed_kmh=speed, intra_commune_min=access_time,
        cutoff_min=cutoff,
    )  # fmt: skip
    pairs = zip(c.origin.tolist(), c.site.tolist(), strict=True)
    found = dict(zip(pairs, c.travel_time_min.tolist(), strict=True))
    # pairs within a rounding error of the cut-off may fall either way
    uncertain = {
        pair
        for pair in expected.keys() ^ found.keys()
        if abs(expected.get(pair, found.get(pair, 0.0)) - cutoff) < 1e-9
    }
    assert found.keys() - uncertain == expected.keys() - uncertain
    for pair in found.keys() & expected.keys():
        assert found[pair] == pytest.approx(expected[pair], rel=1e-9, abs=1e-9)
    assert list(found) == sorted(found)
    assert (c.n_origins, c.n_sites) == (len(origins), len(sites))


def test_naive_haversine_measures_a_quarter_meridian_and_the_equator() -> None:
    quarter = math.pi * EARTH_RADIUS_KM / 2
    assert naive_great_circle_km(3.0, 0.0, 3.0, 90.0) == pytest.approx(quarter, rel=1e-12)
    assert naive_great_circle_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(quarter, rel=1e-12)


@pytest.mark.parametrize(
    ("origins", "cutoff", "message"),
    [
        ([(3.0, 91.0)], 30.0, r"origin_lonlat\[0\]=\(3.0, 91.0\); expected WGS84 degrees"),
        ([(3.0, 47.0), (np.nan, 47.0)], 30.0, r"origin_lonlat\[1\]=\(nan, 47.0\)"),
        ([(3.0, 47.0, 0.0)], 30.0, r"origin_lonlat has shape \(1, 3\); expected \(n, 2\)"),
        ([(3.0, 47.0)], -5.0, r"cutoff_min=-5.0; expected a finite number of minutes ≥ 0"),
    ],
)
def test_catchment_rejects_bad_coordinates(
    origins: list[tuple[float, ...]], cutoff: float, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        build_straight_line_catchment(origins, [NEVERS], cutoff_min=cutoff)

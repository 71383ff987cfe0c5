"""Great-circle distance against pyproj's geodesic on a sphere; the box contains the disc."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely import box

from healthycity.care_access.proximity import (
    KM_PER_DEGREE,
    bounding_box,
    distance_outside_km,
    great_circle_km,
)
from healthycity.care_access.travel_times import EARTH_RADIUS_KM

# Karney's geodesic algorithm on a sphere of the same radius: an independent oracle.
SPHERE = Geod(a=EARTH_RADIUS_KM * 1000.0, b=EARTH_RADIUS_KM * 1000.0)
longitudes = st.floats(-180.0, 180.0)
latitudes = st.floats(-89.0, 89.0)


def test_great_circle_of_one_degree_of_meridian() -> None:
    assert great_circle_km(3.0, 47.0, [3.0], [48.0])[0] == pytest.approx(KM_PER_DEGREE)
    assert great_circle_km(0.0, 0.0, [180.0], [0.0])[0] == pytest.approx(math.pi * EARTH_RADIUS_KM)


@settings(max_examples=200)
@given(longitudes, latitudes, longitudes, latitudes)
def test_great_circle_equals_the_geodesic_on_the_sphere(
    lon1: float, lat1: float, lon2: float, lat2: float
) -> None:
    _, _, metres = SPHERE.inv(lon1, lat1, lon2, lat2)
    assert great_circle_km(lon1, lat1, [lon2], [lat2])[0] == pytest.approx(
        metres / 1000.0, rel=1e-9, abs=1e-6
    )


@settings(max_examples=200)
@given(
    st.floats(-179.0, 179.0),
    st.floats(-85.0, 85.0),
    st.floats(0.1, 400.0),
    st.floats(0.0, 360.0),
    st.floats(0.0, 1.0),
)
def test_bounding_box_contains_every_point_of_the_disc(
    lon: float, lat: float, radius_km: float, azimuth: float, share: float
) -> None:
    end_lon, end_lat, _ = SPHERE.fwd(lon, lat, azimuth, radius_km * share * 1000.0)
    min_lon, min_lat, max_lon, max_lat = bounding_box(lon, lat, radius_km)
    assert min_lat - 1e-9 <= end_lat <= max_lat + 1e-9
    if min_lon is not None and max_lon is not None:
        assert min_lon - 1e-9 <= end_lon <= max_lon + 1e-9


def test_bounding_box_near_a_pole_or_the_antimeridian_drops_longitudes() -> None:
    assert bounding_box(10.0, 89.5, 100.0)[0] is None
    assert bounding_box(179.9, -17.0, 50.0)[2] is None
    assert bounding_box(3.0, 47.0, 10.0)[0] is not None


def test_distance_outside_a_box_by_hand() -> None:
    area = box(3.0, 47.0, 3.5, 47.5)
    assert distance_outside_km(area, 3.2, 47.2) == 0.0
    # 0.1° north of the box: 0.1 degree of meridian
    assert distance_outside_km(area, 3.2, 47.6) == pytest.approx(0.1 * KM_PER_DEGREE)
    # 0.1° east at 47.2° N: shrunk by cos(47.2°), within 1 % of the great circle
    east = distance_outside_km(area, 3.6, 47.2)
    assert east == pytest.approx(great_circle_km(3.5, 47.2, [3.6], [47.2])[0], rel=0.01)
    assert np.isclose(east, 0.1 * KM_PER_DEGREE * math.cos(math.radians(47.2)))

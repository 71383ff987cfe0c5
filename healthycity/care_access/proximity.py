"""Distances for the care finder: great-circle distance and the bounding box that prefilters it.

A search for the nearest care first asks the database for the records inside a
longitude/latitude box around the point (an indexed range scan), then measures each
candidate exactly. The box is built so that it contains the whole disc of the search
radius, so the prefilter never drops a record that the exact distance would keep.
"""

import math

import numpy as np
import numpy.typing as npt
import shapely
from shapely import Geometry

from healthycity.care_access.travel_times import EARTH_RADIUS_KM

FloatArray = npt.NDArray[np.float64]
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0  # along a meridian, on the sphere


def great_circle_km(
    lon: float, lat: float, other_lon: npt.ArrayLike, other_lat: npt.ArrayLike
) -> FloatArray:
    """Great-circle distances in km from one WGS84 point to many, by the haversine formula.

    The haversine form stays accurate for short distances, where the spherical law of
    cosines loses digits (Sinnott R.W. (1984), "Virtues of the haversine", *Sky and
    Telescope* 68(2): 159).

    >>> km = great_circle_km(3.1596, 46.9908, [3.1596, 3.0175], [46.9908, 47.1727])
    >>> [round(float(d), 2) for d in km]  # Nevers to La Charité-sur-Loire
    [0.0, 22.91]
    """
    lon2 = np.radians(np.asarray(other_lon, dtype=np.float64))
    lat2 = np.radians(np.asarray(other_lat, dtype=np.float64))
    lon1, lat1 = math.radians(lon), math.radians(lat)
    h = (
        np.sin((lat2 - lat1) / 2.0) ** 2
        + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    )
    h = np.minimum(h, 1.0)  # rounding can push antipodes a hair above 1
    distance: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))
    return distance


def bounding_box(
    lon: float, lat: float, radius_km: float
) -> tuple[float | None, float, float | None, float]:
    """A lon/lat box containing every point within ``radius_km`` of (``lon``, ``lat``).

    Returns ``(min_lon, min_lat, max_lon, max_lat)``; the longitudes are ``None`` when the
    disc reaches a pole or crosses the antimeridian, so that any longitude qualifies.
    Longitude degrees shrink with ``cos(latitude)``: the box uses the latitude of the disc
    farthest from the equator, where a degree is shortest, so that it is wide enough.

    >>> [round(v, 3) for v in bounding_box(3.0, 47.0, 11.1195)]
    [2.853, 46.9, 3.147, 47.1]
    """
    dlat = radius_km / KM_PER_DEGREE
    min_lat, max_lat = lat - dlat, lat + dlat
    farthest = max(abs(min_lat), abs(max_lat))
    if farthest >= 90.0:
        return None, max(min_lat, -90.0), None, min(max_lat, 90.0)
    dlon = dlat / math.cos(math.radians(farthest))
    if lon - dlon < -180.0 or lon + dlon > 180.0:
        return None, min_lat, None, max_lat
    return lon - dlon, min_lat, lon + dlon, max_lat


def distance_outside_km(area: Geometry, lon: float, lat: float) -> float:
    """How far a point lies outside a WGS84 polygon, in km (0 inside or on its border).

    Measured in a local equirectangular plane, longitudes scaled by ``cos(lat)`` of the
    point: within a few hundred km this is within 1 % of the great-circle distance, plenty to
    tell a geocode a few km across a simplified border from one in another région.

    >>> from shapely import box
    >>> round(distance_outside_km(box(3.0, 47.0, 3.5, 47.5), 3.2, 47.2), 1)
    0.0
    >>> round(distance_outside_km(box(3.0, 47.0, 3.5, 47.5), 3.2, 47.6), 1)
    11.1
    """
    point = shapely.Point(lon, lat)
    if area.intersects(point):
        return 0.0
    scale = math.cos(math.radians(lat))
    flat = shapely.transform(area, lambda xy: xy * np.array([scale, 1.0]))
    return float(flat.distance(shapely.Point(lon * scale, lat))) * KM_PER_DEGREE

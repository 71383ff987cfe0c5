"""Straight-line travel times: great-circle distance × detour factor ÷ speed + access time.

For territories without a road network (the demo territory ships none), the travel time
from ``a`` to ``b`` is modelled as

    t = intra_commune_min + 60 · detour_factor · d_gc(a, b) / speed_kmh

with ``d_gc`` the great-circle distance in km. Pairs are found with a k-d tree
(``scipy.spatial.cKDTree``) on geocentric unit-sphere coordinates rather than on a map
projection: the chord between two points on the sphere grows strictly with their
great-circle distance, so a ball query on chords returns *exactly* the pairs within the
cut-off, anywhere on Earth. Lambert-93 would do on the mainland but not overseas, and one
equirectangular projection centred on France (46.5° N) gets east-west distances wrong by up to
about 9 % at Dunkirk or Perpignan. The sphere itself departs from the ellipsoid by less than
0.5 %, far below the uncertainty of the model.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from healthycity.care_access.models import Catchment, FloatArray
from healthycity.errors import ValidationError

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius (Moritz 2000, Geodetic Reference System 1980)
DEFAULT_CUTOFF_MIN = 30.0


@dataclass(frozen=True)
class StraightLineModel:
    """Parameters of the straight-line travel-time model; the defaults are uncalibrated guesses.

    Parameters
    ----------
    detour_factor
        Road distance over great-circle distance. 1.3 is the middle of the 1.2–1.4 range of
        road circuity factors reported for regional trips (Ballou R.H., Rahardja H., Sakai N.
        (2002), "Selected country circuity factors for road travel distance estimation",
        *Transportation Research Part A* 36(9): 843–848).
    speed_kmh
        Mean door-to-door car speed on the road distance. 60 km/h mixes the 80 km/h limit of
        two-lane roads outside built-up areas (décret n° 2018-487 du 15 juin 2018) with the
        50 km/h of villages and towns crossed on the way.
    intra_commune_min
        Access time added to every trip, and the whole time of a trip within one commune:
        getting from home to the road and parking, which a centroid-to-centroid distance
        misses. 3 minutes: on a disc of the mean mainland commune area (about 15.6 km²,
        543,940 km² over 34,935 communes), a random home lies on average 2/3 of the radius,
        1.5 km, from the centre, i.e. 2 minutes at the speed and detour above, plus about a
        minute to park.
    """

    detour_factor: float = 1.3
    speed_kmh: float = 60.0
    intra_commune_min: float = 3.0

    def __post_init__(self) -> None:
        checks = {
            "detour_factor": (self.detour_factor, 1.0, "≥ 1 (no road beats the straight line)"),
            "speed_kmh": (self.speed_kmh, np.nextafter(0.0, 1.0), "> 0"),
            "intra_commune_min": (self.intra_commune_min, 0.0, "≥ 0"),
        }  # fmt: skip
        for name, (value, minimum, expected) in checks.items():
            if not (np.isfinite(value) and value >= minimum):
                msg = f"StraightLineModel {name}={value}; expected a finite value {expected}."
                raise ValidationError(msg)

    def travel_time_min(self, distance_km: FloatArray) -> FloatArray:
        """Modelled travel time in minutes for great-circle distances in km.

        >>> StraightLineModel().travel_time_min(np.array([0.0, 10.0]))
        array([ 3., 16.])
        """
        return self.intra_commune_min + distance_km * (60.0 * self.detour_factor / self.speed_kmh)

    def max_distance_km(self, cutoff_min: float) -> float:
        """Longest great-circle distance whose modelled time is within ``cutoff_min``."""
        return (
            max(cutoff_min - self.intra_commune_min, 0.0)
            * self.speed_kmh
            / (60.0 * self.detour_factor)
        )


def _unit_vectors(lonlat_deg: npt.ArrayLike, *, name: str) -> FloatArray:
    """Geocentric unit vectors of WGS84 (lon, lat) points, after checking them."""
    points = np.asarray(lonlat_deg, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        msg = f"{name} has shape {points.shape}; expected (n, 2) longitude, latitude pairs."
        raise ValidationError(msg)
    lon, lat = points[:, 0], points[:, 1]
    is_bad = ~(np.isfinite(points).all(axis=1) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if is_bad.any():
        k = int(np.flatnonzero(is_bad)[0])
        msg = (
            f"{name}[{k}]=({lon[k]}, {lat[k]}); expected WGS84 degrees, "
            "longitude in [-180, 180] and latitude in [-90, 90]."
        )
        raise ValidationError(msg)
    lon_rad, lat_rad = np.radians(lon), np.radians(lat)
    cos_lat = np.cos(lat_rad)
    return np.column_stack([cos_lat * np.cos(lon_rad), cos_lat * np.sin(lon_rad), np.sin(lat_rad)])


def great_circle_km(chord: FloatArray) -> FloatArray:
    """Great-circle distance in km for chords between points of the unit sphere.

    >>> great_circle_km(np.array([0.0, np.sqrt(2.0), 2.0])) / (np.pi * EARTH_RADIUS_KM)
    array([0. , 0.5, 1. ])
    """
    # clip: rounding can push a chord of antipodes a hair above the diameter
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord / 2.0, 1.0))


def build_straight_line_catchment(
    origin_lonlat: npt.ArrayLike,
    site_lonlat: npt.ArrayLike,
    *,
    model: StraightLineModel | None = None,
    cutoff_min: float = DEFAULT_CUTOFF_MIN,
) -> Catchment:
    """Sparse travel-time matrix from origins to sites, keeping pairs within ``cutoff_min``.

    Point to point (homes to practices) or commune to commune (pass the same centroids
    twice: a commune reaches itself in ``intra_commune_min``). Pairs come sorted by origin,
    then site.

    Parameters
    ----------
    origin_lonlat, site_lonlat
        WGS84 longitude and latitude in degrees, one row per point.
    model
        Straight-line model; defaults to :class:`StraightLineModel` ().
    cutoff_min
        Longest travel time kept, inclusive.

    Returns
    -------
    Catchment
        The reachable pairs and their travel times in minutes.
    """
    model = model or StraightLineModel()
    if not (np.isfinite(cutoff_min) and cutoff_min >= 0):
        msg = f"cutoff_min={cutoff_min}; expected a finite number of minutes ≥ 0."
        raise ValidationError(msg)
    origins = _unit_vectors(origin_lonlat, name="origin_lonlat")
    sites = _unit_vectors(site_lonlat, name="site_lonlat")
    angle = min(model.max_distance_km(cutoff_min) / EARTH_RADIUS_KM, np.pi)
    # a hair of slack on the chord, then the exact test on the time below
    max_chord = 2.0 * np.sin(angle / 2.0) * (1.0 + 1e-9) + 1e-12
    pairs = cKDTree(origins).sparse_distance_matrix(
        cKDTree(sites), max_chord, output_type="ndarray"
    )
    time = model.travel_time_min(great_circle_km(pairs["v"]))
    keep = time <= cutoff_min
    origin, site, time = pairs["i"][keep], pairs["j"][keep], time[keep]
    order = np.lexsort((site, origin))
    return Catchment(
        origin=origin[order],
        site=site[order],
        travel_time_min=time[order],
        n_origins=origins.shape[0],
        n_sites=sites.shape[0],
    )

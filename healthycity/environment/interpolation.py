"""Inverse-distance weighting from measuring stations to points without a station (communes).

Shepard, D. (1968). "A two-dimensional interpolation function for irregularly-spaced data".
*Proceedings of the 1968 23rd ACM National Conference*, 517-524. doi:10.1145/800186.810616.
The estimate at a point is the mean of the station values weighted by ``1 / d**p`` (Shepard's
basic form, power ``p = 2``); at a station (``d = 0``) it is the station's value exactly.

Every estimate comes with the distance to the nearest station, so that an interpolated value
is never presented as a measurement. Beyond ``max_distance_m`` a station does not contribute,
and a point with no station that close gets NaN: "indisponible". Distances are Euclidean in a
metric projection (Lambert-93 for mainland France, see ``project_to_lambert93``).
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import Transformer

from healthycity.errors import ValidationError
from healthycity.geo import LAMBERT93, WGS84

FloatArray = npt.NDArray[np.float64]
DEFAULT_POWER = 2.0  # Shepard (1968)
_CHUNK_POINTS = 2048  # bounds memory: a chunk holds points x stations distances


@dataclass(frozen=True)
class IdwResult:
    """Interpolated values and, per point, how far the nearest contributing station is."""

    values: FloatArray  # NaN: no station within max_distance_m ("indisponible")
    nearest_station_m: FloatArray  # distance to the nearest station with a value
    stations_used: npt.NDArray[np.int64]  # stations within max_distance_m

    @property
    def is_at_station(self) -> npt.NDArray[np.bool_]:
        """Points that coincide with a station: their value is that station's measurement."""
        at_station: npt.NDArray[np.bool_] = self.nearest_station_m == 0.0
        return at_station


@lru_cache(maxsize=1)
def _to_lambert93() -> Transformer:
    return Transformer.from_crs(WGS84, LAMBERT93, always_xy=True)


def project_to_lambert93(lon: FloatArray, lat: FloatArray) -> FloatArray:
    """WGS84 longitudes and latitudes to Lambert-93 ``(x, y)`` metres, shape ``(n, 2)``."""
    x, y = _to_lambert93().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])


def _check_inputs(stations_xy_m: FloatArray, values: FloatArray, points_xy_m: FloatArray) -> None:
    if stations_xy_m.ndim != 2 or stations_xy_m.shape[1] != 2:
        msg = f"Station coordinates of shape {stations_xy_m.shape}; expected (n, 2) metres."
        raise ValidationError(msg)
    if points_xy_m.ndim != 2 or points_xy_m.shape[1] != 2:
        msg = f"Point coordinates of shape {points_xy_m.shape}; expected (m, 2) metres."
        raise ValidationError(msg)
    if values.shape != (stations_xy_m.shape[0],):
        n = stations_xy_m.shape[0]
        msg = f"{values.shape} station values for {n} stations; expected one value per station."
        raise ValidationError(msg)


def interpolate_idw(
    stations_xy_m: FloatArray,
    station_values: FloatArray,
    points_xy_m: FloatArray,
    *,
    power: float = DEFAULT_POWER,
    max_distance_m: float = np.inf,
) -> IdwResult:
    """Inverse-distance weighted estimates at ``points_xy_m`` from the stations' values.

    Parameters
    ----------
    stations_xy_m
        Station coordinates, shape ``(n, 2)``, in metres (Lambert-93).
    station_values
        One value per station; NaN stations (no valid reading) are ignored.
    points_xy_m
        Where to estimate, shape ``(m, 2)``, in metres.
    power
        Exponent of the distance in the weights, > 0.
    max_distance_m
        Stations further than this do not contribute; a point with none is NaN.

    Returns
    -------
    IdwResult
        Values, distance to the nearest station (contributing or not) and number of stations used.

    >>> r = interpolate_idw(np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([1.0, 3.0]),
    ...                     np.array([[0.0, 0.0], [5.0, 0.0], [2.5, 0.0]]))
    >>> r.values.round(6).tolist(), r.nearest_station_m.tolist()
    ([1.0, 2.0, 1.2], [0.0, 5.0, 2.5])
    """
    _check_inputs(stations_xy_m, station_values, points_xy_m)
    if not power > 0:
        msg = f"IDW power {power!r}; expected a number > 0."
        raise ValidationError(msg)
    keep = ~np.isnan(station_values)
    stations, values = stations_xy_m[keep], station_values[keep]
    m = points_xy_m.shape[0]
    out = np.full(m, np.nan)
    nearest = np.full(m, np.inf)
    used = np.zeros(m, dtype=np.int64)
    if stations.shape[0] == 0:
        return IdwResult(out, nearest, used)
    for start in range(0, m, _CHUNK_POINTS):
        chunk = slice(start, start + _CHUNK_POINTS)
        distance = np.hypot(
            points_xy_m[chunk, 0, None] - stations[None, :, 0],
            points_xy_m[chunk, 1, None] - stations[None, :, 1],
        )
        out[chunk], nearest[chunk], used[chunk] = _weigh(distance, values, power, max_distance_m)
    return IdwResult(out, nearest, used)


def _weigh(
    distance: FloatArray, values: FloatArray, power: float, max_distance_m: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """IDW of one chunk: rows are points, columns stations."""
    within = distance <= max_distance_m
    nearest = distance.min(axis=1)
    # Weights relative to the nearest contributing station, (d_min / d)**p in [0, 1]: the same
    # normalised weights as 1 / d**p, without overflow when a distance is tiny.
    contributing = np.where(within, distance, np.inf)
    d_min = contributing.min(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(within, (d_min / contributing) ** power, 0.0)
    at_station = distance == 0.0
    on_station = at_station.any(axis=1)
    # Exact at a station: its weight is infinite; use its value (the mean if stations coincide).
    weights[on_station] = at_station[on_station].astype(float)
    total = weights.sum(axis=1)
    with np.errstate(invalid="ignore"):
        estimate = (weights @ values) / total
    estimate[total == 0.0] = np.nan
    return estimate, nearest, within.sum(axis=1).astype(np.int64)

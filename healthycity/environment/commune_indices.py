"""Index inputs per station and per commune: measured where a station is, else interpolated.

Pure computation (no I/O): ``indices_service.py`` reads the readings and calls these.

From readings to an index input
-------------------------------
1. **Only QC-clean readings count.** A reading carrying any of :data:`INDEX_EXCLUDED_FLAGS`
   is left out: out-of-range and conflicting values (``quality.py`` already keeps them out of
   the stored aggregates) and also spikes and flat lines, whose value is suspect until a person
   has reviewed it. ``STALE`` is kept: it says the sensor had been silent *before* the
   reading, not that the reading is wrong.
2. **Hourly statistics per station** (UTC hours, which are whole local hours in France): mean,
   minimum and maximum of the clean readings of each hour (:func:`hourly_stats`).
3. **A daily or hourly statistic per station** (the index's rule: ATMO daily mean or daily
   maximum of hourly values, EAQI hourly value, Météo-France Tn/Tx…), computed by the caller
   with the index modules and :func:`window_extreme`.
4. **A value per commune** (:func:`estimate_communes`):

   - *measured* where the commune holds at least one official station with a value (the mean
     of its stations' values when it holds several);
   - else *interpolated* at the commune's point (its polygon's centroid) by inverse-distance
     weighting (``interpolation.py``, Shepard 1968, power 2) from the official stations with a
     value within :data:`DEFAULT_MAX_DISTANCE_M`;
   - else *unavailable* ("indisponible").

   Every value carries the distance from the commune's point to the nearest station that fed
   it (for a measured value: to the commune's nearest measuring station), and those stations'
   ids, so an interpolation is never mistaken for a measurement.

Low-cost sensors
----------------
Only ``reference`` stations feed official indices; ``low_cost`` sensors are left out, neither
measuring a commune nor weighing in an interpolation. The ATMO index is defined on the
measurements of the AASQA (arrêté du 10 juillet 2020, art. 4), made with reference methods or
methods shown to be equivalent (Directive 2008/50/EC, Annex VI); micro-sensors are at best
"indicative measurements" with an uncertainty of 25 to 50 % (same directive, Annex I), and no
published rule weighs them against reference stations. They stay visible as their own series,
with their QC flags, on the sensor pages.

Maximum interpolation distance
------------------------------
Directive 2008/50/EC (Annex III B.1) asks a rural background sampling point, the most widely
representative kind, to represent an area of at least 1,000 km²: a disc of radius
√(1000/π) ≈ 17.8 km. Beyond that no station represents a place, so healthycity interpolates up
to :data:`DEFAULT_MAX_DISTANCE_M` = 20 km (that radius, rounded) and reports "indisponible"
further away. The same limit is used for temperature and pollen; it is a keyword of
:func:`estimate_communes` for deployments that know better.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
import numpy.typing as npt

from healthycity.environment.interpolation import DEFAULT_POWER, interpolate_idw
from healthycity.environment.quality import QcFlag
from healthycity.errors import ValidationError

FloatArray = npt.NDArray[np.float64]
# published: a level relayed from its producer (the Atmo France pollen index), no value.
Method = Literal["measured", "interpolated", "published", "unavailable"]

INDEX_EXCLUDED_FLAGS = int(
    QcFlag.OUT_OF_RANGE | QcFlag.DUPLICATE_CONFLICT | QcFlag.SPIKE | QcFlag.FLAT_LINE
)
OFFICIAL_KINDS = frozenset({"reference"})
DEFAULT_MAX_DISTANCE_M = 20_000.0  # Directive 2008/50/EC Annex III B.1: 1,000 km² ≈ r 17.8 km
_HOUR_US = 3_600_000_000


@dataclass(frozen=True)
class StationPoint:
    """A sensor as the indices see it: id, kind, commune and Lambert-93 position (metres)."""

    id: str
    kind: str
    commune_code: str
    x_m: float
    y_m: float

    @property
    def is_official(self) -> bool:
        """Whether the station may feed official indices (see "Low-cost sensors" above)."""
        return self.kind in OFFICIAL_KINDS


@dataclass(frozen=True)
class CommunePoint:
    """A commune and its Lambert-93 point (centroid); ``None`` when it has no polygon."""

    code: str
    x_m: float | None
    y_m: float | None


@dataclass(frozen=True)
class CommuneValue:
    """One input of an index at one commune, and where it came from."""

    value: float  # NaN when unavailable
    method: Method
    nearest_station_m: float | None  # None: the commune has no point, or no station has a value
    station_ids: tuple[str, ...]


@dataclass(frozen=True)
class HourlyStats:
    """Clean readings of one station and quantity per UTC hour from ``start`` (NaN: none)."""

    start: datetime
    mean: FloatArray
    minimum: FloatArray
    maximum: FloatArray
    count: npt.NDArray[np.int64]


def is_clean(flags: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Readings that may feed an index: none of :data:`INDEX_EXCLUDED_FLAGS` set.

    >>> is_clean(np.array([0, 2, 8, 9])).tolist()
    [True, False, True, False]
    """
    clean: npt.NDArray[np.bool_] = (flags & INDEX_EXCLUDED_FLAGS) == 0
    return clean


def hourly_stats(
    epoch_us: npt.NDArray[np.int64],
    values: FloatArray,
    flags: npt.NDArray[np.int64],
    *,
    start: datetime,
    hours: int,
) -> HourlyStats:
    """Mean, minimum, maximum and count of the clean readings of each hour of a window.

    Parameters
    ----------
    epoch_us
        Reading times, microseconds since 1970-01-01 UTC.
    values, flags
        The readings' values and QC flags.
    start
        The first hour of the window (aware, on a whole UTC hour).
    hours
        Length of the window; readings outside it are ignored.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 15, tzinfo=UTC)
    >>> us = int(t0.timestamp()) * 10**6 + np.array([0, 1800, 3600, 3700]) * 10**6
    >>> s = hourly_stats(us, np.array([10.0, 30, 99, 5]), np.array([0, 0, 2, 0]),
    ...                  start=t0, hours=3)
    >>> s.mean.tolist(), s.count.tolist()
    ([20.0, 5.0, nan], [2, 1, 0])
    """
    if start.tzinfo is None or start.timestamp() % 3600:
        msg = f"Window start {start.isoformat()}; expected an aware time on a whole hour."
        raise ValidationError(msg)
    slot = (epoch_us - int(start.timestamp()) * 1_000_000) // _HOUR_US
    keep = (slot >= 0) & (slot < hours) & is_clean(flags) & ~np.isnan(values)
    slot, kept = slot[keep], values[keep]
    count = np.bincount(slot, minlength=hours).astype(np.int64)
    total = np.bincount(slot, weights=kept, minlength=hours)
    minimum, maximum = np.full(hours, np.inf), np.full(hours, -np.inf)
    np.minimum.at(minimum, slot, kept)
    np.maximum.at(maximum, slot, kept)
    empty = count == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(empty, np.nan, total / count)
    return HourlyStats(
        start, mean, np.where(empty, np.nan, minimum), np.where(empty, np.nan, maximum), count
    )


def window_extreme(hourly: FloatArray, *, kind: Literal["min", "max"], min_hours: int) -> float:
    """The minimum or maximum over a window of hourly values, NaN below ``min_hours`` hours.

    >>> window_extreme(np.array([12.0, 9.5, np.nan]), kind="min", min_hours=2)
    9.5
    >>> window_extreme(np.array([12.0, np.nan, np.nan]), kind="max", min_hours=2)
    nan
    """
    valid = hourly[~np.isnan(hourly)]
    if valid.size < max(min_hours, 1):
        return math.nan
    return float(valid.min() if kind == "min" else valid.max())


def _measured(
    commune: CommunePoint, stations: Sequence[tuple[StationPoint, float]]
) -> CommuneValue:
    values = [v for _, v in stations]
    nearest = None
    if commune.x_m is not None and commune.y_m is not None:
        nearest = min(math.hypot(s.x_m - commune.x_m, s.y_m - commune.y_m) for s, _ in stations)
    ids = tuple(sorted(s.id for s, _ in stations))
    return CommuneValue(float(np.mean(values)), "measured", nearest, ids)


def estimate_communes(
    station_values: Mapping[str, float],
    stations: Sequence[StationPoint],
    communes: Sequence[CommunePoint],
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
    power: float = DEFAULT_POWER,
) -> dict[str, CommuneValue]:
    """One index input at every commune: measured, interpolated or unavailable.

    Parameters
    ----------
    station_values
        The input's value at each station, by id (NaN or absent: no valid value).
    stations
        Every candidate station; only official ones with a value are used.
    communes
        Where to estimate.
    max_distance_m
        Stations further than this from a commune's point do not feed its interpolation.
    power
        IDW power.

    Returns
    -------
    dict
        A :class:`CommuneValue` per commune code.

    >>> a = StationPoint("a", "reference", "1", 0, 0)
    >>> b = StationPoint("b", "reference", "2", 5000, 0)
    >>> out = estimate_communes({"a": 10.0, "b": 20.0}, [a, b],
    ...                         [CommunePoint("1", 0, 500), CommunePoint("3", 1800, 2400)])
    >>> out["1"].method, out["3"].method, round(out["3"].value, 2), out["3"].nearest_station_m
    ('measured', 'interpolated', 13.6, 3000.0)
    """
    usable = [
        (s, float(station_values[s.id]))
        for s in stations
        if s.is_official and not math.isnan(station_values.get(s.id, math.nan))
    ]
    by_commune: dict[str, list[tuple[StationPoint, float]]] = {}
    for station, value in usable:
        by_commune.setdefault(station.commune_code, []).append((station, value))
    located = [c for c in communes if c.code not in by_commune and c.x_m is not None]
    out = {c.code: _measured(c, by_commune[c.code]) for c in communes if c.code in by_commune}
    out |= _interpolated(usable, located, max_distance_m=max_distance_m, power=power)
    unavailable = CommuneValue(math.nan, "unavailable", None, ())
    return {c.code: out.get(c.code, unavailable) for c in communes}


def _interpolated(
    usable: Sequence[tuple[StationPoint, float]],
    communes: Sequence[CommunePoint],
    *,
    max_distance_m: float,
    power: float,
) -> dict[str, CommuneValue]:
    if not communes or not usable:
        return {}
    xy = np.array([[s.x_m, s.y_m] for s, _ in usable], dtype=np.float64)
    points = np.array([[c.x_m, c.y_m] for c in communes], dtype=np.float64)
    result = interpolate_idw(
        xy, np.array([v for _, v in usable]), points, power=power, max_distance_m=max_distance_m
    )
    distance = np.hypot(points[:, 0, None] - xy[None, :, 0], points[:, 1, None] - xy[None, :, 1])
    out = {}
    for row, commune in enumerate(communes):
        nearest = float(result.nearest_station_m[row])
        within = [usable[int(i)][0].id for i in np.flatnonzero(distance[row] <= max_distance_m)]
        if math.isnan(result.values[row]):
            out[commune.code] = CommuneValue(math.nan, "unavailable", nearest, ())
        else:
            value = float(result.values[row])
            out[commune.code] = CommuneValue(value, "interpolated", nearest, tuple(sorted(within)))
    return out


def overall_method(methods: Sequence[Method]) -> Literal[Method, "mixed"]:
    """How a combined index was obtained from its inputs' methods (unavailable ones ignored).

    >>> overall_method(["measured", "unavailable"]), overall_method(["measured", "interpolated"])
    ('measured', 'mixed')
    """
    found = {m for m in methods if m != "unavailable"}
    if not found:
        return "unavailable"
    return found.pop() if len(found) == 1 else "mixed"


def farthest_input_m(values: Sequence[CommuneValue]) -> float | None:
    """The largest distance between the commune and the nearest station of any used input.

    It says how far from a measurement the least-measured input of an index is; ``None`` when
    no used input has a known distance.

    >>> farthest_input_m([CommuneValue(1.0, "measured", 300.0, ("a",)),
    ...                   CommuneValue(2.0, "interpolated", 4000.0, ("b",))])
    4000.0
    """
    known = [v.nearest_station_m for v in values if v.method != "unavailable"]
    distances = [d for d in known if d is not None]
    return max(distances) if distances else None

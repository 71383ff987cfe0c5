"""A commune's time series of one quantity, measured or interpolated, for charts.

A commune holding an official station that measures the quantity is *measured*: its series is
its stations' (their mean when it holds several), and the readings the QC flagged are listed
beside the points so a chart can show them. Other communes are *interpolated* period by period
from the nearby official stations (``commune_indices.estimate_communes``), each point with the
distance to its nearest station. Points are means of QC-clean readings, as the indices use.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
from sqlalchemy import Connection

from healthycity.environment import store
from healthycity.environment.commune_indices import (
    DEFAULT_MAX_DISTANCE_M,
    HourlyStats,
    estimate_communes,
    hourly_stats,
)
from healthycity.environment.indices_service import (
    MAX_READINGS_PER_STATION,
    TERRITORY_TZ,
    nearby_stations,
    read_hourly,
    resolve_area,
)
from healthycity.environment.quantities import Quantity
from healthycity.errors import ValidationError
from healthycity.territory.models import Territory

SeriesResolution = Literal["raw", "hourly", "daily"]
MAX_PERIOD = {"raw": timedelta(days=31), "hourly": timedelta(days=31), "daily": timedelta(days=366)}
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class SeriesPoint:
    """One point: a reading (raw) or the mean of a period's clean readings."""

    start: datetime
    value: float  # NaN: no clean reading, or no station close enough
    flags: int  # OR of the QC flags of the period's readings (measured communes)
    sensor_id: str | None  # raw points only
    nearest_station_m: float | None  # interpolated points only


@dataclass(frozen=True)
class CommuneSeries:
    """A commune's series and how it was obtained."""

    commune: Territory
    quantity: Quantity
    resolution: SeriesResolution
    start: datetime
    end: datetime
    method: Literal["measured", "interpolated", "unavailable"]
    station_ids: tuple[str, ...]
    points: list[SeriesPoint]
    flagged: list[store.Observation]  # the QC-flagged readings of the measuring stations


def period_bounds(
    resolution: SeriesResolution, start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    """The period widened to whole hours (raw, hourly) or whole civil days (daily).

    >>> from datetime import UTC
    >>> [t.isoformat() for t in period_bounds("daily", datetime(2026, 1, 15, 12, tzinfo=UTC),
    ...                                       datetime(2026, 1, 16, 12, tzinfo=UTC))]
    ['2026-01-14T23:00:00+00:00', '2026-01-16T23:00:00+00:00']
    """
    if end <= start:
        msg = f"Period from={start.isoformat()} to={end.isoformat()}; expected to after from."
        raise ValidationError(msg)
    if end - start > MAX_PERIOD[resolution]:
        msg = (
            f"Period of {end - start} at resolution {resolution}; expected at most "
            f"{MAX_PERIOD[resolution].days} days."
        )
        raise ValidationError(msg)
    if resolution == "daily":
        first = start.astimezone(TERRITORY_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        last = (end - timedelta(microseconds=1)).astimezone(TERRITORY_TZ)
        last = last.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return first.astimezone(UTC), last.astimezone(UTC)  # wall-clock midnights
    floor = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    ceiling = end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return floor, ceiling + (_HOUR if ceiling < end else timedelta(0))


def _periods(resolution: SeriesResolution, start: datetime, hours: int) -> list[list[int]]:
    """Hour slots grouped per point: one each (hourly), or per civil day (daily)."""
    if resolution != "daily":
        return [[i] for i in range(hours)]
    days: dict[object, list[int]] = {}
    for i in range(hours):
        days.setdefault((start + i * _HOUR).astimezone(TERRITORY_TZ).date(), []).append(i)
    return list(days.values())


def _pooled_mean(stats: Sequence[HourlyStats], slots: list[int]) -> float:
    """Mean over stations of each station's mean of its clean readings in the slots."""
    means = []
    for s in stats:
        count = s.count[slots].sum()
        if count:
            means.append(float(np.nansum(s.mean[slots] * s.count[slots]) / count))
    return float(np.mean(means)) if means else math.nan


def commune_series(
    conn: Connection,
    code: str,
    quantity: Quantity,
    *,
    start: datetime,
    end: datetime,
    resolution: SeriesResolution,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> CommuneSeries:
    """The series of ``quantity`` at commune ``code`` (NotFoundError for an unknown commune)."""
    area = resolve_area(conn, "commune", code)
    start, end = period_bounds(resolution, start, end)
    stations = nearby_stations(conn, area, [quantity], max_distance_m=max_distance_m)
    own = [s.id for s in stations.sensors if s.commune_code == code]
    if own:
        return _measured(conn, area.communes[0], quantity, own, (start, end), resolution)
    if resolution == "raw":
        msg = (
            f"Commune {code} has no official station measuring {quantity.value}: raw readings "
            "do not exist there; expected resolution hourly or daily (interpolated)."
        )
        raise ValidationError(msg)
    ids = [s.id for s in stations.sensors]
    hours = int((end - start) / _HOUR)
    hourly = read_hourly(conn, ids, [quantity], start=start, end=end)
    points = []
    for slots in _periods(resolution, start, hours):
        values = {i: _pooled_mean([hourly[i, quantity]], slots) for i in ids}
        estimate = estimate_communes(
            values, stations.points, area.points, max_distance_m=max_distance_m
        )[code]
        points.append(
            SeriesPoint(start + slots[0] * _HOUR, estimate.value, 0, None,
                        estimate.nearest_station_m)
        )  # fmt: skip
    method: Literal["interpolated", "unavailable"] = (
        "interpolated" if any(not math.isnan(p.value) for p in points) else "unavailable"
    )
    return CommuneSeries(area.communes[0], quantity, resolution, start, end, method,
                         tuple(ids), points, [])  # fmt: skip


def _stats_of(readings: Sequence[store.Observation], start: datetime, hours: int) -> HourlyStats:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return hourly_stats(
        np.array([(r.observed_at - epoch) // timedelta(microseconds=1) for r in readings],
                 dtype=np.int64),
        np.array([r.value for r in readings], dtype=np.float64),
        np.array([r.flags for r in readings], dtype=np.int64),
        start=start,
        hours=hours,
    )  # fmt: skip


def _measured(
    conn: Connection,
    commune: Territory,
    quantity: Quantity,
    station_ids: list[str],
    period: tuple[datetime, datetime],
    resolution: SeriesResolution,
) -> CommuneSeries:
    start, end = period
    readings = [
        r
        for sid in station_ids
        for r in store.get_observations(
            conn,
            store.SeriesFilter(sensor_id=sid, quantity=quantity, start=start, end=end),
            limit=MAX_READINGS_PER_STATION,
        )
    ]
    readings.sort(key=lambda r: (r.observed_at, r.sensor_id))
    flagged = [r for r in readings if r.flags]
    if resolution == "raw":
        points = [SeriesPoint(r.observed_at, r.value, r.flags, r.sensor_id, None) for r in readings]
    else:
        hours = int((end - start) / _HOUR)
        stats = [_stats_of([r for r in readings if r.sensor_id == s], start, hours)
                 for s in station_ids]  # fmt: skip
        slot_flags = np.zeros(hours, dtype=np.int64)
        for r in flagged:
            slot_flags[int((r.observed_at - start) / _HOUR)] |= r.flags
        points = [
            SeriesPoint(start + slots[0] * _HOUR, _pooled_mean(stats, slots),
                        int(np.bitwise_or.reduce(slot_flags[slots])), None, None)
            for slots in _periods(resolution, start, hours)
        ]  # fmt: skip
    return CommuneSeries(commune, quantity, resolution, start, end, "measured",
                         tuple(station_ids), points, flagged)  # fmt: skip

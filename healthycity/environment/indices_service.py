"""Official indices of a territory for a day or an hour: reads readings, calls the pure cores.

The I/O edge of ``commune_indices.py`` and the index modules (``indices/``): it finds the
communes of the territory asked and their points, the official stations close enough to
matter, reads those stations' readings for the period (QC-clean ones are kept by
``commune_indices.hourly_stats``), and assembles per-station and per-commune indices.

Days are civil days of the territory (Europe/Paris for mainland France): the arrêté du
10 juillet 2020 speaks of the "journée de référence" without a time zone, and the indices are
published per local day. Heat waves follow Météo-France's climatological days instead (Tn from
18:00 UTC the day before to 18:00 UTC, Tx from 06:00 UTC to 06:00 UTC the next day).
"""

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection

from healthycity.environment import sensors, store
from healthycity.environment.commune_indices import (
    DEFAULT_MAX_DISTANCE_M,
    CommunePoint,
    HourlyStats,
    StationPoint,
    hourly_stats,
)
from healthycity.environment.indices.atmo import ATMO_HOURLY_POLLUTANTS, ATMO_POLLUTANTS
from healthycity.environment.indices.eaqi import EAQI_POLLUTANTS
from healthycity.environment.indices.heat import HeatThreshold
from healthycity.environment.indices.pollen import PollenThresholds
from healthycity.environment.interpolation import project_to_lambert93
from healthycity.environment.official_indices import (
    COMBINE_ATMO,
    COMBINE_ATMO_HOUR,
    COMBINE_EAQI,
    HEAT_WINDOW_HOURS,
    Combine,
    IndexName,
    PlaceIndex,
    Variable,
    atmo_variables,
    commune_indices,
    heat_combiner,
    heat_variables,
    hourly_variables,
    pollen_combiner,
    pollen_variables,
    station_indices,
)
from healthycity.environment.published_pollen import ATMO_POLLEN_SOURCE, published_place
from healthycity.environment.published_pollen_store import get_published_pollen
from healthycity.environment.quantities import POLLEN_QUANTITIES, Quantity
from healthycity.errors import ValidationError
from healthycity.territory import store as territory_store
from healthycity.territory.models import Level, Territory

TERRITORY_TZ = ZoneInfo("Europe/Paris")  # mainland France; overseas territories need their own
MAX_READINGS_PER_STATION = 2_000_000  # a guard: a day of 1-second readings of 14 quantities
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


@dataclass(frozen=True)
class Area:
    """The communes an answer covers, with their points and départements."""

    communes: list[Territory]
    points: list[CommunePoint]
    departements: dict[str, str | None]  # commune code -> département code


def _departement_of(conn: Connection, commune: Territory) -> str | None:
    ancestors = territory_store.get_ancestors(conn, "commune", commune.code)
    return next((a.code for a in ancestors if a.level == "departement"), None)


def resolve_area(conn: Connection, level: Level, code: str) -> Area:
    """The communes of a commune, EPCI, département or région (NotFoundError if unknown)."""
    territory = territory_store.get_territory(conn, level, code)
    if level == "commune":
        communes = [territory]
        departements = {territory.code: _departement_of(conn, territory)}
    else:
        communes = territory_store.get_children(conn, level, code, child_level="commune")
        departements = _departements_of(conn, territory, communes)
    communes.sort(key=lambda c: c.code)
    return Area(communes, commune_points(communes), departements)


def _departements_of(
    conn: Connection, territory: Territory, communes: Sequence[Territory]
) -> dict[str, str | None]:
    if territory.level == "departement":
        return {c.code: territory.code for c in communes}
    found: dict[str, str | None] = {c.code: None for c in communes}
    parents = territory_store.get_ancestors(conn, territory.level, territory.code)
    if territory.level == "region":
        parents = territory_store.get_children(conn, "region", territory.code)
    for departement in (p for p in parents if p.level == "departement"):
        for child in territory_store.get_children(conn, "departement", departement.code):
            if child.code in found:
                found[child.code] = departement.code
    return found


def commune_points(communes: Sequence[Territory]) -> list[CommunePoint]:
    """Lambert-93 centroids of the communes (``None`` where a commune has no polygon)."""
    located = [c for c in communes if c.centroid_lon is not None and c.centroid_lat is not None]
    xy = project_to_lambert93(
        np.array([c.centroid_lon for c in located], dtype=np.float64),
        np.array([c.centroid_lat for c in located], dtype=np.float64),
    )
    at = {c.code: (float(x), float(y)) for c, (x, y) in zip(located, xy, strict=True)}
    return [
        CommunePoint(c.code, *at[c.code]) if c.code in at else CommunePoint(c.code, None, None)
        for c in communes
    ]


def station_points(found: Sequence[sensors.Sensor]) -> list[StationPoint]:
    """The sensors as points in Lambert-93."""
    if not found:
        return []
    xy = project_to_lambert93(
        np.array([s.lon for s in found], dtype=np.float64),
        np.array([s.lat for s in found], dtype=np.float64),
    )
    return [
        StationPoint(s.id, s.kind, s.commune_code, float(x), float(y))
        for s, (x, y) in zip(found, xy, strict=True)
    ]


@dataclass(frozen=True)
class Stations:
    """The official stations that can feed an area's indices, and their points."""

    sensors: list[sensors.Sensor]
    points: list[StationPoint]


def nearby_stations(
    conn: Connection,
    area: Area,
    quantities: Collection[Quantity],
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> Stations:
    """Official stations measuring one of ``quantities`` in the area or near enough to it."""
    candidates: dict[str, sensors.Sensor] = {}
    for quantity in quantities:
        for sensor in sensors.list_sensors(conn, quantity=quantity, limit=1_000_000):
            candidates[sensor.id] = sensor
    found = sorted(candidates.values(), key=lambda s: s.id)
    points = station_points(found)
    codes = {c.code for c in area.communes}
    xy = np.array([[p.x_m, p.y_m] for p in area.points if p.x_m is not None], dtype=np.float64)
    keep = []
    for sensor, point in zip(found, points, strict=True):
        if not point.is_official:
            continue
        near = xy.size and bool(
            np.hypot(xy[:, 0] - point.x_m, xy[:, 1] - point.y_m).min() <= max_distance_m
        )
        if near or sensor.commune_code in codes:
            keep.append((sensor, point))
    return Stations([s for s, _ in keep], [p for _, p in keep])


def local_day_window(day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of a civil day of the territory (23 to 25 hours long).

    >>> [t.isoformat() for t in local_day_window(date(2026, 1, 15))]
    ['2026-01-14T23:00:00+00:00', '2026-01-15T23:00:00+00:00']
    """
    start = datetime.combine(day, time(0), tzinfo=TERRITORY_TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=TERRITORY_TZ).astimezone(UTC)
    return start, end


def _epoch_us(moment: datetime) -> int:
    return (moment - _EPOCH) // _US


def read_hourly(
    conn: Connection,
    station_ids: Sequence[str],
    quantities: Collection[Quantity],
    *,
    start: datetime,
    end: datetime,
) -> dict[tuple[str, Quantity], HourlyStats]:
    """Hourly statistics of the clean readings of each station and quantity in [start, end)."""
    hours = int((end - start) / timedelta(hours=1))
    out: dict[tuple[str, Quantity], HourlyStats] = {}
    for station_id in station_ids:
        where = store.SeriesFilter(sensor_id=station_id, start=start, end=end)
        readings = store.get_observations(conn, where, limit=MAX_READINGS_PER_STATION)
        if len(readings) == MAX_READINGS_PER_STATION:
            msg = (
                f"Station {station_id!r} has more than {MAX_READINGS_PER_STATION} readings "
                f"from {start.isoformat()} to {end.isoformat()}; expected a shorter period."
            )
            raise ValidationError(msg)
        for quantity in quantities:
            mine = [r for r in readings if r.quantity == quantity]
            out[station_id, quantity] = hourly_stats(
                np.array([_epoch_us(r.observed_at) for r in mine], dtype=np.int64),
                np.array([r.value for r in mine], dtype=np.float64),
                np.array([r.flags for r in mine], dtype=np.int64),
                start=start,
                hours=hours,
            )
    return out


def latest_complete_day(conn: Connection, quantities: Collection[Quantity]) -> date:
    """The last civil day that had ended when the newest official reading was observed.

    The day a map shows by default: today's index is not complete until midnight. Without any
    official reading, yesterday.
    """
    official = {
        sensor.id: sensor
        for quantity in quantities
        for sensor in sensors.list_sensors(conn, quantity=quantity, limit=1_000_000)
        if sensor.kind == "reference"
    }
    times = [
        reading.observed_at
        for sensor_id in official
        for reading in store.get_latest(conn, sensor_id)
        if reading.quantity in quantities
    ]
    newest = max(times, default=None)
    if newest is None:
        return datetime.now(TERRITORY_TZ).date() - timedelta(days=1)
    # A reading of the hour starting at 23:00 completes the day it belongs to.
    return (newest + timedelta(hours=1)).astimezone(TERRITORY_TZ).date() - timedelta(days=1)


def mean_of_clean(stats: HourlyStats) -> float:
    """The mean of every clean reading of a window (NaN without any).

    >>> s = HourlyStats(_EPOCH, np.array([2.0, np.nan]), np.zeros(2), np.zeros(2),
    ...                 np.array([3, 0]))
    >>> mean_of_clean(s)
    2.0
    """
    count = int(stats.count.sum())
    if count == 0:
        return math.nan
    return float(np.nansum(stats.mean * stats.count) / count)


@dataclass(frozen=True)
class IndexAnswer:
    """An index over an area for a period: per commune and per station that fed it."""

    index: IndexName
    day: date | None
    start: datetime
    end: datetime
    max_distance_m: float
    area: Area
    stations: Stations
    communes: list[PlaceIndex]
    station_indices: list[PlaceIndex]
    notes: tuple[str, ...] = ()


def _answer(
    index: IndexName,
    period: tuple[date | None, datetime, datetime],
    area: Area,
    stations: Stations,
    variables: Sequence[Variable],
    combine: Combine,
    *,
    max_distance_m: float,
    notes: tuple[str, ...] = (),
) -> IndexAnswer:
    day, start, end = period
    return IndexAnswer(
        index, day, start, end, max_distance_m, area, stations,
        commune_indices(variables, stations.points, area.points, combine,
                        max_distance_m=max_distance_m),
        station_indices(variables, stations.points, combine),
        notes,
    )  # fmt: skip


def atmo_answer(
    conn: Connection, area: Area, day: date, *, max_distance_m: float = DEFAULT_MAX_DISTANCE_M
) -> IndexAnswer:
    """The ATMO index of a civil day for the area's communes and the stations that fed it."""
    start, end = local_day_window(day)
    stations = nearby_stations(conn, area, ATMO_POLLUTANTS, max_distance_m=max_distance_m)
    ids = [s.id for s in stations.sensors]
    hourly = read_hourly(conn, ids, ATMO_POLLUTANTS, start=start, end=end)
    variables = atmo_variables(hourly, ids, day)
    return _answer("atmo", (day, start, end), area, stations, variables, COMBINE_ATMO,
                   max_distance_m=max_distance_m)  # fmt: skip


def _hourly_answer(
    conn: Connection,
    area: Area,
    hour_start: datetime,
    index: IndexName,
    pollutants: Sequence[Quantity],
    combine: Combine,
    *,
    max_distance_m: float,
) -> IndexAnswer:
    """An index of one UTC hour computed from the hourly values of ``pollutants``."""
    end = hour_start + timedelta(hours=1)
    stations = nearby_stations(conn, area, pollutants, max_distance_m=max_distance_m)
    ids = [s.id for s in stations.sensors]
    hourly = read_hourly(conn, ids, pollutants, start=hour_start, end=end)
    variables = hourly_variables(hourly, ids, pollutants)
    return _answer(index, (None, hour_start, end), area, stations, variables, combine,
                   max_distance_m=max_distance_m)  # fmt: skip


def atmo_hour_answer(
    conn: Connection,
    area: Area,
    hour_start: datetime,
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> IndexAnswer:
    """The ATMO classes of one UTC hour (NO2, O3, SO2; ``atmo.compute_atmo_hour``)."""
    return _hourly_answer(conn, area, hour_start, "atmo", ATMO_HOURLY_POLLUTANTS,
                          COMBINE_ATMO_HOUR, max_distance_m=max_distance_m)  # fmt: skip


def eaqi_answer(
    conn: Connection,
    area: Area,
    hour_start: datetime,
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> IndexAnswer:
    """The European AQI of one UTC hour for the area's communes and stations."""
    return _hourly_answer(conn, area, hour_start, "eaqi", EAQI_POLLUTANTS, COMBINE_EAQI,
                          max_distance_m=max_distance_m)  # fmt: skip


def pollen_answer(
    conn: Connection,
    area: Area,
    day: date,
    thresholds: PollenThresholds,
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> IndexAnswer:
    """The pollen risk of a civil day per taxon.

    A commune with a level published by Atmo France for the day (``published_pollen.py``)
    gets it as published (method ``published``, never interpolated to its neighbours); the
    others get levels computed from measured concentrations with ``thresholds`` (whose
    source is in the notes), "indisponible" without thresholds. Stations always get the
    computed levels.
    """
    start, end = local_day_window(day)
    stations = nearby_stations(conn, area, POLLEN_QUANTITIES, max_distance_m=max_distance_m)
    ids = [s.id for s in stations.sensors]
    hourly = read_hourly(conn, ids, POLLEN_QUANTITIES, start=start, end=end)
    means = {key: mean_of_clean(stats) for key, stats in hourly.items()}
    hours = {key: int((stats.count > 0).sum()) for key, stats in hourly.items()}
    variables = pollen_variables(means, hours, ids, day)
    computed = _answer("pollen", (day, start, end), area, stations, variables,
                       pollen_combiner(thresholds), max_distance_m=max_distance_m,
                       notes=(f"Pollen thresholds: {thresholds.source}",))  # fmt: skip
    found = get_published_pollen(conn, [c.code for c in area.communes], day)
    if not found:
        return computed
    communes = [
        published_place(found[p.code].record, imported_at=found[p.code].imported_at,
                        imported_from=found[p.code].imported_from)
        if p.code in found else p
        for p in computed.communes
    ]  # fmt: skip
    note = (f"Published levels ({len(found)} of {len(communes)} communes): "
            f"{ATMO_POLLEN_SOURCE}, relayed as published.")  # fmt: skip
    return replace(computed, communes=communes, notes=(*computed.notes, note))


def heat_answer(
    conn: Connection,
    area: Area,
    day: date,
    table: dict[str, HeatThreshold],
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
) -> IndexAnswer:
    """Heat-wave status of day J from Tn/Tx of J-2..J against each département's thresholds."""
    start = datetime.combine(day - timedelta(days=3), time(18), tzinfo=UTC)
    end = start + timedelta(hours=HEAT_WINDOW_HOURS)
    stations = nearby_stations(conn, area, [Quantity.TEMPERATURE], max_distance_m=max_distance_m)
    ids = [s.id for s in stations.sensors]
    hourly = read_hourly(conn, ids, [Quantity.TEMPERATURE], start=start, end=end)
    variables = heat_variables({s: hourly[s, Quantity.TEMPERATURE] for s in ids}, day)
    station_departements = {
        sensor.id: area.departements.get(sensor.commune_code)
        or _departement_of(
            conn, territory_store.get_territory(conn, "commune", sensor.commune_code)
        )
        for sensor in stations.sensors
    }

    def lookup(departements: dict[str, str | None]) -> Callable[[str], HeatThreshold | str]:
        def thresholds(code: str) -> HeatThreshold | str:
            departement = departements.get(code)
            if departement is None:
                return "The département of this place is unknown, so are its heat thresholds."
            if departement not in table:
                return (
                    f"Heat-wave thresholds unknown for département {departement}: no sourced "
                    f"value in the thresholds table (sourced: {', '.join(sorted(table))})."
                )
            return table[departement]

        return thresholds

    return IndexAnswer(
        "heat", day, start, end, max_distance_m, area, stations,
        commune_indices(variables, stations.points, area.points,
                        heat_combiner(lookup(area.departements)), max_distance_m=max_distance_m),
        station_indices(variables, stations.points, heat_combiner(lookup(station_departements))),
    )  # fmt: skip

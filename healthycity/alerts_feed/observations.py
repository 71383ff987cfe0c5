"""Environmental indices per commune as ``IndexObservation`` values for the alert rules.

The environment domain computes the indices (measured or interpolated per commune); the
alerts domain evaluates rules on levels of its own scales (``alerts/levels.py``). This
module, above both, turns one into the other:

- ``atmo``, daily rules (``for_days``): the ATMO index of the civil day (arrêté du
  10 juillet 2020), class for class.
- ``atmo``, hourly rules (``for_hours``): the ATMO classes of the hour, i.e. the worst class
  of the hour's NO2, O3 and SO2 values on the arrêté's bands (``compute_atmo_hour``). The
  hourly European AQI is **not** used: its bands (EEA, ETC HE Report 2024/17, 2025) differ
  from the arrêté's for every pollutant (NO2 upper bounds 10/25/60/100/150 µg/m³ against
  40/90/120/230/340; PM2.5 hourly 5/15/50/90/140 against a daily mean of 10/20/25/50/75),
  so an EAQI class named like an ATMO class would not mean it: 61 µg/m³ of NO2 is EAQI
  "poor" and ATMO *moyen*. The arrêté classes NO2, O3 and SO2 on the day's highest hourly
  value, so an hour's class is a class the day's index reaches at least; PM10 and PM2.5,
  classed on a daily mean, only feed daily rules.
- ``pollen`` (daily): the Atmo France pollen index of the day, level for level.
- ``heat`` (daily): the heat-wave status of day J. ``CANICULE`` (both 3-day means at or
  above the département's thresholds, the SACS criterion behind vigilance orange
  canicule) → *orange*; ``PAS_DE_CANICULE`` → *vert*. Yellow and red are forecasters'
  decisions (Météo-France weighs intensity, duration and forecasts), not derivable from the
  thresholds, so they never come from here; import Météo-France's own CAP bulletins for them.

An unavailable level ("indisponible", a commune without a station close enough) gives no
observation: the period is a gap, which breaks a run of the rules (``alerts/rules.py``).
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import Connection

from healthycity.alerts.levels import AtmoLevel, HazardLevel, HeatVigilance, PollenRisk
from healthycity.alerts.rules import IndexObservation, Rule
from healthycity.config import Settings
from healthycity.environment import indices_service as service
from healthycity.environment.commune_indices import DEFAULT_MAX_DISTANCE_M
from healthycity.environment.indices.atmo import AtmoLevel as EnvAtmoLevel
from healthycity.environment.indices.heat import HeatStatus, HeatThreshold, load_heat_thresholds
from healthycity.environment.indices.pollen import (
    PollenLevel,
    PollenThresholds,
    load_pollen_thresholds,
)
from healthycity.environment.official_indices import PlaceIndex
from healthycity.errors import UserError

Feed = Literal["atmo_hour", "atmo_day", "pollen_day", "heat_day"]

ATMO_LEVELS: dict[int, HazardLevel] = {
    int(level): AtmoLevel[level.name] for level in EnvAtmoLevel if level.name != "INDISPONIBLE"
}
POLLEN_LEVELS: dict[int, HazardLevel] = {
    int(level): PollenRisk(int(level)) for level in PollenLevel if level != PollenLevel.INDISPONIBLE
}
HEAT_LEVELS: dict[int, HazardLevel] = {
    int(HeatStatus.CANICULE): HeatVigilance.ORANGE,
    int(HeatStatus.PAS_DE_CANICULE): HeatVigilance.VERT,
}
_LEVELS: dict[Feed, dict[int, HazardLevel]] = {
    "atmo_hour": ATMO_LEVELS,
    "atmo_day": ATMO_LEVELS,
    "pollen_day": POLLEN_LEVELS,
    "heat_day": HEAT_LEVELS,
}
HEAT_DAY_END = time(6)  # UTC: the Tx of day J runs to 06:00 UTC on J+1 (Météo-France)


@dataclass(frozen=True)
class FeedConfig:
    """The tables the indices need, and how far a station may feed a commune."""

    heat_thresholds: dict[str, HeatThreshold] = field(default_factory=load_heat_thresholds)
    pollen_thresholds: PollenThresholds = field(default_factory=load_pollen_thresholds)
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M


def feed_config(settings: Settings) -> FeedConfig:
    """The tables of ``settings`` (``HC_HEAT_THRESHOLDS_FILE``, ``HC_POLLEN_THRESHOLDS_FILE``)."""
    return FeedConfig(
        heat_thresholds=load_heat_thresholds(settings.heat_thresholds_file),
        pollen_thresholds=load_pollen_thresholds(settings.pollen_thresholds_file),
    )


def feeds_of(rules: Iterable[Rule]) -> set[Feed]:
    """The indices and periods the rules watch.

    Raises
    ------
    UserError
        For an hourly pollen or heat rule: those indices are daily.
    """
    feeds: set[Feed] = set()
    for rule in rules:
        if rule.index == "atmo":
            feeds.add("atmo_hour" if rule.period == "hour" else "atmo_day")
        elif rule.period == "day":
            feeds.add("pollen_day" if rule.index == "pollen" else "heat_day")
        else:
            msg = (
                f"rule {rule.id!r} watches {rule.index} per hour; the {rule.index} index is "
                "daily: expected for_days."
            )
            raise UserError(msg)
    return feeds


def observation_level(feed: Feed, place: PlaceIndex) -> HazardLevel | None:
    """The level of an index answer for one place on the alerts' scale; None if unavailable.

    >>> from healthycity.environment.official_indices import LevelView
    >>> def place(value: int, name: str) -> PlaceIndex:
    ...     return PlaceIndex("58194", LevelView(value, name, "", "", ""), "measured", 0.0, (), ())
    >>> observation_level("atmo_hour", place(5, "TRES_MAUVAIS"))
    <AtmoLevel.TRES_MAUVAIS: 'tres_mauvais'>
    >>> observation_level("heat_day", place(2, "CANICULE"))
    <HeatVigilance.ORANGE: 'orange'>
    >>> observation_level("pollen_day", place(0, "INDISPONIBLE")) is None
    True
    """
    if place.method == "unavailable":
        return None
    return _LEVELS[feed].get(place.level.value)


def local_midnight(day: date) -> datetime:
    """The start of a civil day of the territory, the time daily observations carry."""
    return datetime.combine(day, time(0), tzinfo=service.TERRITORY_TZ)


def _answer(
    conn: Connection, feed: Feed, area: service.Area, period: datetime | date, config: FeedConfig
) -> service.IndexAnswer:
    distance = config.max_distance_m
    if feed == "atmo_hour":
        assert isinstance(period, datetime)  # noqa: S101 - hours are datetimes, days dates
        return service.atmo_hour_answer(conn, area, period, max_distance_m=distance)
    assert not isinstance(period, datetime)  # noqa: S101
    if feed == "atmo_day":
        return service.atmo_answer(conn, area, period, max_distance_m=distance)
    if feed == "pollen_day":
        return service.pollen_answer(
            conn, area, period, config.pollen_thresholds, max_distance_m=distance
        )
    return service.heat_answer(conn, area, period, config.heat_thresholds, max_distance_m=distance)


INDEX_OF: dict[Feed, str] = {
    "atmo_hour": "atmo",
    "atmo_day": "atmo",
    "pollen_day": "pollen",
    "heat_day": "heat",
}


def index_observations(
    conn: Connection,
    feed: Feed,
    area: service.Area,
    periods: Iterable[datetime | date],
    config: FeedConfig,
) -> Iterator[IndexObservation]:
    """Observations of one index over the area's communes for each period.

    Hours are UTC hour starts; days are civil days (observed at local midnight). Communes
    whose level is unavailable give none.
    """
    if not area.communes:
        return
    for period in periods:
        answer = _answer(conn, feed, area, period, config)
        moment = period if isinstance(period, datetime) else local_midnight(period)
        for place in answer.communes:
            level = observation_level(feed, place)
            if level is not None:
                yield IndexObservation(
                    f"commune/{place.code}", moment, INDEX_OF[feed], str(level.value)
                )


@dataclass(frozen=True)
class Periods:
    """The hours and days an evaluation covers, for each index period."""

    hours: tuple[datetime, ...]
    days: tuple[date, ...]  # civil days (ATMO, pollen)
    heat_days: tuple[date, ...]  # days J whose Tx window (to 06:00 UTC on J+1) has ended

    def of(self, feed: Feed) -> Sequence[datetime | date]:
        """The periods of ``feed``."""
        if feed == "atmo_hour":
            return self.hours
        return self.heat_days if feed == "heat_day" else self.days


def hour_floor(moment: datetime) -> datetime:
    """The start of the UTC hour containing ``moment``."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def periods_between(since: datetime, until: datetime) -> Periods:
    """Every hour starting in [since, until), and the days from ``since``'s to ``until``.

    Days are those that start on or after ``since``'s civil day and have ended by ``until``.

    >>> p = periods_between(datetime(2026, 7, 1, 20, tzinfo=UTC), datetime(2026, 7, 2, 7, tzinfo=UTC))
    >>> len(p.hours), p.days, p.heat_days
    (11, (datetime.date(2026, 7, 1),), (datetime.date(2026, 7, 1),))
    """  # noqa: E501 - a doctest line
    hours = []
    hour = hour_floor(since)
    if hour < since:
        hour += timedelta(hours=1)
    while hour < until:
        hours.append(hour)
        hour += timedelta(hours=1)
    first = since.astimezone(service.TERRITORY_TZ).date()
    last = until.astimezone(service.TERRITORY_TZ).date()
    candidates = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    days = tuple(d for d in candidates if service.local_day_window(d)[1] <= until)
    heat_days = tuple(d for d in candidates if heat_day_end(d) <= until)
    return Periods(tuple(hours), days, heat_days)


def heat_day_end(day: date) -> datetime:
    """When the data of heat day J are complete: 06:00 UTC on J+1."""
    return datetime.combine(day + timedelta(days=1), HEAT_DAY_END, tzinfo=UTC)


def observations_between(
    conn: Connection,
    rules: Sequence[Rule],
    area: service.Area,
    periods: Periods,
    config: FeedConfig,
) -> list[IndexObservation]:
    """Every observation the rules need over ``area`` for ``periods``."""
    return [
        observation
        for feed in sorted(feeds_of(rules))
        for observation in index_observations(conn, feed, area, periods.of(feed), config)
    ]

"""ATMO, EAQI, pollen and heat-wave indices per station and per commune (pure assembly).

Each index is built the same way: its *inputs* (a pollutant's daily mean, a day's Tn…) are
computed per station from the hourly statistics of clean readings, estimated per commune by
``commune_indices.estimate_communes`` (measured, interpolated or unavailable), then combined by
the index's own module (``indices/atmo.py``, ``eaqi.py``, ``pollen.py``, ``heat.py``), which
cite the thresholds. Each input keeps its value, aggregation, method, distance to the nearest
station and station ids, so every level can be traced back to the numbers it came from.
"""

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import IntEnum
from typing import Literal, Protocol, TypeVar

import numpy as np

from healthycity.environment.commune_indices import (
    CommunePoint,
    CommuneValue,
    HourlyStats,
    StationPoint,
    estimate_communes,
    farthest_input_m,
    overall_method,
    window_extreme,
)
from healthycity.environment.indices.atmo import (
    ATMO_AGGREGATION,
    ATMO_HOURLY_POLLUTANTS,
    ATMO_POLLUTANTS,
    ATMO_STYLES,
    MIN_HOURS_PER_DAY,
    aggregate_day,
    compute_atmo_hour,
    compute_atmo_index,
)
from healthycity.environment.indices.eaqi import EAQI_POLLUTANTS, EAQI_STYLES, compute_eaqi
from healthycity.environment.indices.heat import (
    HEAT_LABELS,
    HeatStatus,
    HeatThreshold,
    assess_heat_wave,
    three_day_means,
)
from healthycity.environment.indices.pollen import (
    POLLEN_STYLES,
    PollenThresholds,
    compute_pollen_risk,
)
from healthycity.environment.quantities import POLLEN_QUANTITIES, Quantity

IndexName = Literal["atmo", "eaqi", "pollen", "heat"]
# Heat status colours: Météo-France vigilance colours (vert; orange = vigilance canicule);
# the hex codes are healthycity's, as the vigilance charter publishes none as open data.
HEAT_COLOURS = {
    HeatStatus.INDISPONIBLE: "#DDDDDD",
    HeatStatus.PAS_DE_CANICULE: "#31A354",
    HeatStatus.CANICULE: "#FF9900",
}
TN_AGGREGATION = "min_of_hourly_18utc_to_18utc"  # Météo-France Tn of day J: 18 UTC J-1 → J
TX_AGGREGATION = "max_of_hourly_06utc_to_06utc"  # Météo-France Tx of day J: 06 UTC J → J+1


@dataclass(frozen=True)
class LevelView:
    """A level as shown: code, enum name, French and English labels, colour."""

    value: int
    name: str
    label_fr: str
    label_en: str
    colour: str


@dataclass(frozen=True)
class Variable:
    """One input of an index at every station: e.g. the NO2 daily maximum of 2026-01-15."""

    quantity: Quantity
    aggregation: str
    day: date | None
    station_values: dict[str, float]  # NaN: not enough clean readings
    station_hours: dict[str, int]  # hours with at least one clean reading


@dataclass(frozen=True)
class InputView:
    """One input of one place's index, with its sub-index where the index has one."""

    quantity: Quantity
    aggregation: str
    day: date | None
    estimate: CommuneValue
    hours: int | None  # stations only
    level: LevelView | None


@dataclass(frozen=True)
class HeatDetails:
    """IBMn and IBMx of the day, the thresholds they were compared with, or why not."""

    ibmn_c: float
    ibmx_c: float
    thresholds: HeatThreshold | None
    unavailable_reason: str | None


@dataclass(frozen=True)
class PublishedDetails:
    """Where a published level comes from (``published_pollen.py``): relayed, not computed."""

    source: str  # the attribution and licence to show with the level
    publisher: str | None  # the publishing AASQA (``source`` of the feed)
    aasqa: str | None
    level_label: str | None  # the overall level's label as published
    responsible: str | None  # the responsible taxa as published (``pollen_resp``)
    alert: bool | None
    updated_at: datetime  # the publisher's update time
    imported_at: datetime
    imported_from: str


@dataclass(frozen=True)
class PlaceIndex:
    """The index of one commune (``code`` = INSEE code) or station (``code`` = sensor id).

    ``published``: the level was published by its producer (Atmo France pollen index) and is
    relayed as it is, see :class:`PublishedDetails`.
    """

    code: str
    level: LevelView
    method: Literal["measured", "interpolated", "mixed", "published", "unavailable"]
    nearest_station_m: float | None
    responsible: tuple[Quantity, ...]
    inputs: tuple[InputView, ...]
    heat: HeatDetails | None = None
    published: PublishedDetails | None = None


@dataclass(frozen=True)
class _Combined:
    level: LevelView
    responsible: tuple[Quantity, ...]
    sub_levels: tuple[LevelView | None, ...]
    heat: HeatDetails | None = None


Combine = Callable[[str, Sequence[float]], _Combined]


def atmo_variables(
    hourly: Mapping[tuple[str, Quantity], HourlyStats], station_ids: Sequence[str], day: date
) -> list[Variable]:
    """The five ATMO inputs per station: daily mean (PM) or daily maximum of hourly values."""
    return [
        Variable(
            pollutant,
            ATMO_AGGREGATION[pollutant],
            day,
            {s: aggregate_day(pollutant, hourly[s, pollutant].mean) for s in station_ids},
            {s: int((hourly[s, pollutant].count > 0).sum()) for s in station_ids},
        )
        for pollutant in ATMO_POLLUTANTS
    ]


def hourly_variables(
    hourly: Mapping[tuple[str, Quantity], HourlyStats],
    station_ids: Sequence[str],
    quantities: Sequence[Quantity],
) -> list[Variable]:
    """One-hour inputs (EAQI): the mean of the clean readings of the hour."""
    return [
        Variable(
            q,
            "hourly_mean",
            None,
            {s: float(hourly[s, q].mean[0]) for s in station_ids},
            {s: int(hourly[s, q].count[0] > 0) for s in station_ids},
        )
        for q in quantities
    ]


def pollen_variables(
    daily_means: Mapping[tuple[str, Quantity], float],
    daily_hours: Mapping[tuple[str, Quantity], int],
    station_ids: Sequence[str],
    day: date,
) -> list[Variable]:
    """The six pollen inputs: mean of the day's clean readings (any number of them)."""
    return [
        Variable(
            taxon,
            "daily_mean",
            day,
            {s: daily_means[s, taxon] for s in station_ids},
            {s: daily_hours[s, taxon] for s in station_ids},
        )
        for taxon in POLLEN_QUANTITIES
    ]


HEAT_WINDOW_HOURS = 84  # 18 UTC on J-3 to 06 UTC on J+1: Tn and Tx of J-2, J-1, J


def heat_variables(stats: Mapping[str, HourlyStats], day: date) -> list[Variable]:
    """Tn and Tx of the days J-2, J-1 and J (Météo-France climatological days).

    ``stats`` holds each station's temperature statistics over the :data:`HEAT_WINDOW_HOURS`
    hours from 18:00 UTC on J-3. Tn of a day is the minimum of hourly minima from 18 UTC the day
    before, Tx the maximum of hourly maxima from 06 UTC to 06 UTC the next day, each needing
    :data:`MIN_HOURS_PER_DAY` hours with readings (the 75 % rule used for ATMO).
    """
    out = []
    for offset in range(3):
        current = day - timedelta(days=2 - offset)
        windows: tuple[tuple[str, int, Literal["min", "max"]], ...] = (
            (TN_AGGREGATION, 24 * offset, "min"),
            (TX_AGGREGATION, 24 * offset + 12, "max"),
        )
        for aggregation, first, kind in windows:
            columns = {
                s: (h.minimum if kind == "min" else h.maximum)[first : first + 24]
                for s, h in stats.items()
            }
            out.append(
                Variable(
                    Quantity.TEMPERATURE,
                    aggregation,
                    current,
                    {
                        s: window_extreme(c, kind=kind, min_hours=MIN_HOURS_PER_DAY)
                        for s, c in columns.items()
                    },
                    {s: int((~np.isnan(c)).sum()) for s, c in columns.items()},
                )
            )
    return out


def _atmo(_code: str, values: Sequence[float]) -> _Combined:
    index = compute_atmo_index(dict(zip(ATMO_POLLUTANTS, values, strict=True)))
    return _combined(index.level, index.responsible, index.sub_indices.values(), ATMO_STYLES)


def _atmo_hour(_code: str, values: Sequence[float]) -> _Combined:
    index = compute_atmo_hour(dict(zip(ATMO_HOURLY_POLLUTANTS, values, strict=True)))
    return _combined(index.level, index.responsible, index.sub_indices.values(), ATMO_STYLES)


def _eaqi(_code: str, values: Sequence[float]) -> _Combined:
    index = compute_eaqi(dict(zip(EAQI_POLLUTANTS, values, strict=True)))
    return _combined(index.level, index.responsible, index.sub_indices.values(), EAQI_STYLES)


def pollen_combiner(thresholds: PollenThresholds) -> Combine:
    """Combine the six taxa of a place with ``thresholds``."""

    def combine(_code: str, values: Sequence[float]) -> _Combined:
        risk = compute_pollen_risk(dict(zip(POLLEN_QUANTITIES, values, strict=True)), thresholds)
        return _combined(risk.level, risk.responsible, risk.per_taxon.values(), POLLEN_STYLES)

    return combine


def heat_combiner(thresholds: Callable[[str], HeatThreshold | str]) -> Combine:
    """Combine Tn/Tx of J-2..J of a place with its département's thresholds.

    ``thresholds(code)`` gives the place's thresholds, or why it has none (a sentence).
    """

    def combine(code: str, values: Sequence[float]) -> _Combined:
        tn, tx = np.array(values[0::2]), np.array(values[1::2])
        found = thresholds(code)
        if isinstance(found, str):
            ibmn, ibmx = float(three_day_means(tn)[-1]), float(three_day_means(tx)[-1])
            details = HeatDetails(ibmn, ibmx, None, found)
            status = HeatStatus.INDISPONIBLE
        else:
            assessment = assess_heat_wave(tn, tx, found)
            status = HeatStatus(int(assessment.status[-1]))
            ibmn, ibmx = float(assessment.ibmn_c[-1]), float(assessment.ibmx_c[-1])
            reason = None if not math.isnan(ibmn + ibmx) else "missing_temperatures"
            details = HeatDetails(ibmn, ibmx, found, reason)
        label_fr, label_en = HEAT_LABELS[status]
        return _Combined(_view(status, label_fr, label_en, HEAT_COLOURS[status]), (),
                         (None,) * len(values), details)  # fmt: skip

    return combine


COMBINE_ATMO: Combine = _atmo
COMBINE_EAQI: Combine = _eaqi
COMBINE_ATMO_HOUR: Combine = _atmo_hour  # ATMO classes of one hour (see compute_atmo_hour)


def _view(level: IntEnum, label_fr: str, label_en: str, colour: str) -> LevelView:
    return LevelView(int(level), level.name or "", label_fr, label_en, colour)


_Level = TypeVar("_Level", bound=IntEnum)


class _Style(Protocol):
    """What the index modules' style tables give of a level (``ATMO_STYLES`` and the others)."""

    @property
    def label_fr(self) -> str: ...
    @property
    def label_en(self) -> str: ...
    @property
    def colour(self) -> str: ...


def _combined(
    level: _Level,
    responsible: tuple[Quantity, ...],
    parts: Iterable[_Level],
    styles: Mapping[_Level, _Style],
) -> _Combined:
    """A place's level and the level of each of its parts, shown with ``styles``."""

    def styled(one: _Level) -> LevelView:
        style = styles[one]
        return _view(one, style.label_fr, style.label_en, style.colour)

    return _Combined(styled(level), responsible, tuple(styled(p) for p in parts))


def _place(
    code: str, variables: Sequence[Variable], estimates: Sequence[CommuneValue],
    combine: Combine, *, hours: Sequence[int | None],
) -> PlaceIndex:  # fmt: skip
    combined = combine(code, [e.value for e in estimates])
    inputs = tuple(
        InputView(v.quantity, v.aggregation, v.day, e, h, lv)
        for v, e, h, lv in zip(variables, estimates, hours, combined.sub_levels, strict=True)
    )
    return PlaceIndex(
        code,
        combined.level,
        overall_method([e.method for e in estimates]),
        farthest_input_m(estimates),
        combined.responsible,
        inputs,
        combined.heat,
    )


def station_indices(
    variables: Sequence[Variable], stations: Sequence[StationPoint], combine: Combine
) -> list[PlaceIndex]:
    """Each station's own index, from its own inputs ("measured" at 0 m)."""
    out = []
    for station in stations:
        estimates = [
            CommuneValue(v.station_values[station.id], "measured", 0.0, (station.id,))
            if not math.isnan(v.station_values[station.id])
            else CommuneValue(math.nan, "unavailable", None, ())
            for v in variables
        ]
        hours = [v.station_hours[station.id] for v in variables]
        out.append(_place(station.id, variables, estimates, combine, hours=hours))
    return out


def commune_indices(
    variables: Sequence[Variable],
    stations: Sequence[StationPoint],
    communes: Sequence[CommunePoint],
    combine: Combine,
    *,
    max_distance_m: float,
) -> list[PlaceIndex]:
    """Each commune's index from its inputs, each measured, interpolated or unavailable.

    An unavailable input carries no distance: no station fed it, and the nearest of
    ``stations`` (those near the area asked, ``indices_service.nearby_stations``) would make a
    commune's answer depend on the area it was asked with.
    """
    per_variable = [
        estimate_communes(v.station_values, stations, communes, max_distance_m=max_distance_m)
        for v in variables
    ]
    return [
        _place(c.code, variables, [_fed_distance_only(values[c.code]) for values in per_variable],
               combine, hours=[None] * len(variables))
        for c in communes
    ]  # fmt: skip


def _fed_distance_only(value: CommuneValue) -> CommuneValue:
    if value.method != "unavailable":
        return value
    return replace(value, nearest_station_m=None)

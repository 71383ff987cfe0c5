"""HTTP API of the official indices per commune and station, and of communes' time series.

Public (open data), read-only. Every answer says, for every commune, whether each input was
measured by a station in the commune, interpolated from nearby stations (with the distance to
the nearest one) or unavailable, and from which values and stations each sub-index came.

- ``GET /environment/indices/{atmo|pollen|heat}?commune=|departement=|epci=&date=``
- ``GET /environment/indices/eaqi?...&datetime=`` (or ``&date=&hour=``, local time)
- ``GET /environment/communes/{code}/series?quantity=&from=&to=&resolution=``
"""

import math
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime
from sqlalchemy import Connection, Engine

from healthycity.api.deps import get_engine, get_settings
from healthycity.config import Settings
from healthycity.environment import indices_service as service
from healthycity.environment import store
from healthycity.environment._indices_schemas import (
    CommuneIndexPublic,
    IndexAnswerPublic,
    InputPublic,
    LevelPublic,
    PublishedPublic,
    SeriesPointPublic,
    SeriesPublic,
    StationIndexPublic,
    ThresholdPublic,
)
from healthycity.environment.commune_series import SeriesResolution, commune_series
from healthycity.environment.indices.atmo import ATMO_POLLUTANTS
from healthycity.environment.indices.heat import HeatThreshold, load_heat_thresholds
from healthycity.environment.indices.pollen import PollenThresholds, load_pollen_thresholds
from healthycity.environment.official_indices import InputView, LevelView, PlaceIndex
from healthycity.environment.quantities import Quantity, spec_of
from healthycity.errors import ValidationError
from healthycity.territory.models import Level

router = APIRouter(prefix="/environment", tags=["environment indices"])
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CommuneQ = Annotated[str | None, Query(max_length=16, description="INSEE code of a commune.")]
DepartementQ = Annotated[str | None, Query(max_length=3, description="Code of a département.")]
EpciQ = Annotated[str | None, Query(max_length=9, description="SIREN of an EPCI.")]
DayQ = Annotated[
    date | None,
    Query(alias="date", description="Civil day (YYYY-MM-DD); default: the last complete day."),
]


@lru_cache(maxsize=4)
def heat_table(path: FilePath | None) -> dict[str, HeatThreshold]:
    """The heat thresholds of ``path`` (``HC_HEAT_THRESHOLDS_FILE``), read once per process.

    None: the shipped table. ``create_app`` reads it at start, so a bad file stops the
    server instead of failing every request.
    """
    return load_heat_thresholds(path)


@lru_cache(maxsize=4)
def pollen_table(path: FilePath | None) -> PollenThresholds:
    """The pollen classes of ``path`` (``HC_POLLEN_THRESHOLDS_FILE``), as ``heat_table``."""
    return load_pollen_thresholds(path)


def _area(
    conn: Connection, commune: str | None, departement: str | None, epci: str | None
) -> service.Area:
    asked: tuple[tuple[Level, str | None], ...] = (
        ("commune", commune),
        ("departement", departement),
        ("epci", epci),
    )
    given = [(level, code) for level, code in asked if code is not None]
    if len(given) != 1:
        shown = ", ".join(f"{level}={code}" for level, code in given) or "none"
        msg = f"Territory parameters {shown}; expected exactly one of commune, departement, epci."
        raise ValidationError(msg)
    return service.resolve_area(conn, *given[0])


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def _level(view: LevelView) -> LevelPublic:
    return LevelPublic(**vars(view))


def _input(view: InputView) -> InputPublic:
    estimate = view.estimate
    return InputPublic(
        quantity=view.quantity.value, aggregation=view.aggregation, day=view.day,
        value=_number(estimate.value), unit=spec_of(view.quantity).canonical_unit,
        method=estimate.method, nearest_station_m=_number(estimate.nearest_station_m),
        station_ids=list(estimate.station_ids), hours=view.hours,
        sub_index=None if view.level is None else _level(view.level),
    )  # fmt: skip


def _common(place: PlaceIndex) -> dict[str, object]:
    heat = place.heat
    return {
        "index": _level(place.level),
        "responsible": [q.value for q in place.responsible],
        "inputs": [_input(i) for i in place.inputs],
        "ibmn_c": None if heat is None else _number(heat.ibmn_c),
        "ibmx_c": None if heat is None else _number(heat.ibmx_c),
        "thresholds": None
        if heat is None or heat.thresholds is None
        else ThresholdPublic(**vars(heat.thresholds)),
        "unavailable_reason": None if heat is None else heat.unavailable_reason,
        "published": None if place.published is None else PublishedPublic(**vars(place.published)),
    }


def _public(answer: service.IndexAnswer) -> IndexAnswerPublic:
    names = {c.code: c.name for c in answer.area.communes}
    sensors = {s.id: s for s in answer.stations.sensors}
    communes = [
        CommuneIndexPublic(
            code=p.code, name=names[p.code], departement=answer.area.departements[p.code],
            method=p.method, nearest_station_m=_number(p.nearest_station_m), **_common(p),
        )
        for p in answer.communes
    ]  # fmt: skip
    stations = [
        StationIndexPublic(
            id=p.code, name=sensors[p.code].name, kind=sensors[p.code].kind,
            commune_code=sensors[p.code].commune_code, lon=sensors[p.code].lon,
            lat=sensors[p.code].lat, **_common(p),
        )
        for p in answer.station_indices
    ]  # fmt: skip
    return IndexAnswerPublic(
        index=answer.index, date=answer.day, period_start=answer.start, period_end=answer.end,
        time_zone=str(service.TERRITORY_TZ), max_distance_m=answer.max_distance_m,
        notes=list(answer.notes), communes=communes, stations=stations,
    )  # fmt: skip


@router.get("/indices/atmo")
def get_atmo(
    engine: EngineDep,
    commune: CommuneQ = None,
    departement: DepartementQ = None,
    epci: EpciQ = None,
    day: DayQ = None,
) -> IndexAnswerPublic:
    """ATMO index (arrêté du 10 juillet 2020) per commune and per station for a civil day."""
    with engine.connect() as conn:
        area = _area(conn, commune, departement, epci)
        day = day or service.latest_complete_day(conn, ATMO_POLLUTANTS)
        return _public(service.atmo_answer(conn, area, day))


@router.get("/indices/pollen")
def get_pollen(
    engine: EngineDep,
    settings: SettingsDep,
    day: Annotated[date, Query(alias="date", description="Civil day (YYYY-MM-DD).")],
    commune: CommuneQ = None,
    departement: DepartementQ = None,
    epci: EpciQ = None,
) -> IndexAnswerPublic:
    """Pollen risk per taxon (Atmo France six-level scale) for a civil day.

    Communes with a level published by Atmo France for the day (imported with ``POST
    /environment/pollen-index`` or ``healthycity environment import-pollen-index``) show it
    as published (``method: published``, ``published`` says from whom, licence ODbL); the
    others show levels computed from measured concentrations, "indisponible" without a
    sourced thresholds table.
    """
    with engine.connect() as conn:
        area = _area(conn, commune, departement, epci)
        thresholds = pollen_table(settings.pollen_thresholds_file)
        return _public(service.pollen_answer(conn, area, day, thresholds))


@router.get("/indices/heat")
def get_heat(
    engine: EngineDep,
    settings: SettingsDep,
    day: Annotated[date, Query(alias="date", description="Day J (YYYY-MM-DD).")],
    commune: CommuneQ = None,
    departement: DepartementQ = None,
    epci: EpciQ = None,
) -> IndexAnswerPublic:
    """Heat-wave status of day J: IBMn/IBMx (3-day means of Tn/Tx) against the thresholds.

    A commune whose département has no sourced thresholds gets its IBMn and IBMx, status
    "indisponible" and ``unavailable_reason`` saying so: thresholds are never invented.
    """
    with engine.connect() as conn:
        area = _area(conn, commune, departement, epci)
        thresholds = heat_table(settings.heat_thresholds_file)
        return _public(service.heat_answer(conn, area, day, thresholds))


def _eaqi_hour(moment: datetime | None, day: date | None, hour: int | None) -> datetime:
    if moment is not None and (day is not None or hour is not None):
        msg = "Both datetime and date/hour were given; expected datetime, or date and hour."
        raise ValidationError(msg)
    if moment is None:
        if day is None or hour is None:
            msg = f"date={day}, hour={hour}; expected datetime, or both date and hour."
            raise ValidationError(msg)
        moment = datetime.combine(day, time(hour), tzinfo=service.TERRITORY_TZ)
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@router.get("/indices/eaqi")
def get_eaqi(
    engine: EngineDep,
    commune: CommuneQ = None,
    departement: DepartementQ = None,
    epci: EpciQ = None,
    moment: Annotated[
        AwareDatetime | None,
        Query(alias="datetime", description="Any time in the hour wanted, with its offset."),
    ] = None,
    day: Annotated[date | None, Query(alias="date", description="Local day.")] = None,
    hour: Annotated[int | None, Query(ge=0, le=23, description="Local hour (0-23).")] = None,
) -> IndexAnswerPublic:
    """European Air Quality Index (EEA, 2025 bands) of one hour, per commune and station."""
    hour_start = _eaqi_hour(moment, day, hour)
    with engine.connect() as conn:
        area = _area(conn, commune, departement, epci)
        return _public(service.eaqi_answer(conn, area, hour_start))


@router.get("/communes/{code}/series")
def get_commune_series(
    code: Annotated[str, Path(max_length=16, description="INSEE code.")],
    engine: EngineDep,
    quantity: Quantity,
    start: Annotated[
        AwareDatetime | None, Query(alias="from", description="Default: `to` minus 2 days.")
    ] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to", description="Default: now.")] = None,
    resolution: SeriesResolution = "hourly",
) -> SeriesPublic:
    """A commune's series for charts: measured by its stations, or interpolated, with QC flags.

    Points are means of QC-clean readings (``raw``: every reading of the commune's stations,
    flagged ones included); ``flagged`` lists the readings the QC flagged.
    """
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=2)
    with engine.connect() as conn:
        series = commune_series(conn, code, quantity, start=start, end=end, resolution=resolution)
    return SeriesPublic(
        commune=series.commune.code, name=series.commune.name, quantity=quantity.value,
        unit=spec_of(quantity).canonical_unit, resolution=resolution,
        period_start=series.start, period_end=series.end, method=series.method,
        station_ids=list(series.station_ids),
        points=[
            SeriesPointPublic(
                start=p.start, value=_number(p.value), flags=p.flags,
                flag_names=store.flag_names(p.flags), sensor_id=p.sensor_id,
                nearest_station_m=_number(p.nearest_station_m),
            )
            for p in series.points
        ],
        flagged=[
            SeriesPointPublic(
                start=r.observed_at, value=r.value, flags=r.flags,
                flag_names=store.flag_names(r.flags), sensor_id=r.sensor_id,
                nearest_station_m=None,
            )
            for r in series.flagged
        ],
    )  # fmt: skip

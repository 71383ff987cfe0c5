"""The environment pages: air quality (ATMO map, pollen, charts), the sensors, the quarantine.

The air-quality page is public: its script reads the open indices API for the map and the
series APIs for the charts (hand-drawn SVG, no charting library, no CDN). The quarantine page
is for operators: the page itself holds no data; its script asks
``/api/v1/environment/quarantine`` with the operator token the operator pastes into the page,
sent in the ``Authorization`` header only, never in a URL, and kept in the tab's
``sessionStorage`` at most (the same box and storage key as the alert pages). A server-rendered
page behind a token cookie would need CSRF protection and a login flow for the same result.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from healthycity.api.deps import AppSettings, DbConn
from healthycity.dashboard.i18n import MESSAGES, Language, Translator
from healthycity.dashboard.views import PageLanguage, _focus, _render
from healthycity.environment import sensors
from healthycity.environment.commune_indices import DEFAULT_MAX_DISTANCE_M
from healthycity.environment.indices.atmo import ATMO_POLLUTANTS, ATMO_STYLES, AtmoLevel
from healthycity.environment.indices.pollen import POLLEN_STYLES, PollenLevel
from healthycity.environment.indices_service import (
    TERRITORY_TZ,
    latest_complete_day,
    local_day_window,
)
from healthycity.environment.published_pollen import ATMO_POLLEN_SOURCE, TAXON_FIELDS
from healthycity.environment.published_pollen_store import get_published_pollen
from healthycity.environment.quality import QcFlag
from healthycity.environment.quantities import QUANTITY_SPECS, Quantity
from healthycity.environment.units import accepted_units
from healthycity.territory import store as territory_store
from healthycity.territory.models import Territory

router = APIRouter(include_in_schema=False)
CHART_DAYS = 3  # the commune and sensor charts show the index day and the two before it
INDEX_LEVELS = ("commune", "departement", "epci")  # the levels the indices API accepts
CHART_QUANTITIES = (*ATMO_POLLUTANTS, Quantity.TEMPERATURE)


def _label(quantity: Quantity, language: Language) -> str:
    spec = QUANTITY_SPECS[quantity]
    return spec.label_fr if language == "fr" else spec.label_en


def _messages(language: Language, keys: tuple[str, ...]) -> dict[str, str]:
    return {key: MESSAGES[key][language] for key in keys}


_SCRIPT_KEYS = (
    "air_method_measured",
    "air_method_interpolated",
    "air_method_mixed",
    "air_method_unavailable",
    "air_dominant",
    "air_floor",
    "air_chart_empty",
    "air_chart_failed",
    "air_series_measured",
    "air_series_interpolated",
    "air_series_unavailable",
    "map_failed",
    *(f"air_flag_{flag.name}" for flag in QcFlag),
)


def _legend(language: Language) -> list[tuple[str, str]]:
    order = [*(level for level in AtmoLevel if level), AtmoLevel.INDISPONIBLE]
    return [
        (ATMO_STYLES[lv].colour, ATMO_STYLES[lv].label_fr if language == "fr" else
         ATMO_STYLES[lv].label_en)
        for lv in order
    ]  # fmt: skip


def _local_time(moment: datetime, language: Language) -> str:
    """A time as the territory's readers write it (local time, day first in French)."""
    shown = "%d/%m/%Y %H:%M" if language == "fr" else "%Y-%m-%d %H:%M"
    return moment.astimezone(TERRITORY_TZ).strftime(shown)


def _pollen_cell(level: PollenLevel, language: Language) -> dict[str, str]:
    style = POLLEN_STYLES[level]
    return {"colour": style.colour, "label": style.label_fr if language == "fr" else
            style.label_en, "name": level.name}  # fmt: skip


def _pollen_table(
    conn: Connection, communes: list[Territory], day: date, language: Language
) -> dict[str, Any]:
    """The published pollen index of the day, one row per commune that has one."""
    found = get_published_pollen(conn, [c.code for c in communes], day)
    names = {c.code: c.name for c in communes}
    rows = [
        {"code": code, "name": names[code],
         "cells": [_pollen_cell(p.record.level, language),
                   *(_pollen_cell(p.record.taxa[t], language) for t in TAXON_FIELDS.values())]}
        for code, p in sorted(found.items(), key=lambda item: names[item[0]])
    ]  # fmt: skip
    updated = max((p.record.updated_at for p in found.values()), default=None)
    return {
        "columns": [_label(t, language) for t in TAXON_FIELDS.values()],
        "rows": rows,
        "source": ATMO_POLLEN_SOURCE,
        "publishers": ", ".join(
            sorted({p.record.publisher or "Atmo France" for p in found.values()})
        ),
        "updated": None if updated is None else _local_time(updated, language),
    }


def _silent_since(heard: datetime | None, language: Language) -> str:
    t = Translator(language)
    if heard is None:
        return t("air_sensor_never_reported")
    return t("air_sensor_silent_since", since=_local_time(heard, language))


def _silence_note(sensor: sensors.Sensor, now: datetime, language: Language) -> str:
    """'' for a sensor that reports; else since when its silent quantities are quiet."""
    silent = sensor.silent_quantities(now)
    if not silent:
        return ""
    heard = [sensor.latest_observed_at[q] for q in silent if q in sensor.latest_observed_at]
    return " — " + _silent_since(max(heard, default=None), language)


def _sensor_choices(
    found: list[sensors.Sensor], now: datetime, language: Language
) -> list[dict[str, Any]]:
    kind = Translator(language)
    return [
        {
            "id": s.id,
            "label": f"{s.name} ({kind('air_kind_' + s.kind)}){_silence_note(s, now, language)}",
            "quantities": [[q.value, _label(q, language)] for q in s.quantities],
        }
        for s in found
    ]


def _focus_communes(conn: Connection, focus: Territory | None) -> list[Territory]:
    """The communes of the focus territory, by name; none if it is not a commune or in one."""
    if focus is None or focus.level not in INDEX_LEVELS:
        return []
    communes = [focus] if focus.level == "commune" else territory_store.get_children(
        conn, focus.level, focus.code, child_level="commune"
    )  # fmt: skip
    return sorted(communes, key=lambda c: c.name)


def _sensors_in(conn: Connection, communes: list[Territory]) -> list[sensors.Sensor]:
    codes = {c.code for c in communes}
    return [s for s in sensors.list_sensors(conn, limit=100_000) if s.commune_code in codes]


@router.get("/qualite-air", response_class=HTMLResponse, name="air_quality_page")
def air_quality_page(
    request: Request,
    conn: DbConn,
    settings: AppSettings,
    language: PageLanguage,
    day: Annotated[date | None, Query(alias="date")] = None,
    sensor_id: Annotated[str | None, Query(alias="capteur", max_length=128)] = None,
) -> HTMLResponse:
    """The ATMO index per commune of the focus territory on a map, and the charts.

    ``?capteur=`` chooses the sensor whose chart is shown (the sensor network page links so).
    """
    focus = _focus(conn, settings.focus_territory)
    day = day or latest_complete_day(conn, ATMO_POLLUTANTS)
    start, end = local_day_window(day)
    communes = _focus_communes(conn, focus)
    found = _sensors_in(conn, communes)
    config = {
        "communes_url": request.url_for("map_communes").path,
        "indices_url": "/api/v1/environment/indices/atmo",
        "series_url": "/api/v1/environment/communes/{code}/series",
        "observations_url": "/api/v1/environment/observations",
        "area": None if focus is None else {focus.level: focus.code},
        "bbox": None if focus is None else focus.bbox,
        "date": day.isoformat(),
        "chart_from": (start - timedelta(days=CHART_DAYS - 1)).isoformat(),
        "chart_to": end.isoformat(),
        "separators": Translator(language).separators,
        "language": language,
        "pollutants": {q.value: _label(q, language) for q in Quantity},
        "messages": _messages(language, _SCRIPT_KEYS),
    }
    return _render(
        request,
        "environment_air.html",
        language,
        {
            "focus": focus if communes else None,
            "day": day,
            "config": config,
            "legend": _legend(language),
            "communes": communes,
            "sensor_choices": _sensor_choices(found, datetime.now(UTC), language),
            "chosen_sensor": sensor_id,
            "quantities": [(q.value, _label(q, language)) for q in CHART_QUANTITIES],
            "max_distance_km": round(DEFAULT_MAX_DISTANCE_M / 1000),
            "pollen": _pollen_table(conn, communes, day, language),
        },
    )


# The territory admin's forms of the sensor network page (environment-sensors-admin.js).
_ADMIN_KEYS = (
    "air_sensors_token_missing",
    "air_sensors_no_quantity",
    "air_sensors_saving",
    "air_sensors_failed",
    "air_sensors_id_taken",
)

SensorState = Literal["reporting", "silent", "off"]
_STATES: tuple[SensorState, ...] = get_args(SensorState)


def _sensor_row(
    sensor: sensors.Sensor, commune: str, now: datetime, language: Language
) -> dict[str, Any]:
    t = Translator(language)
    latest = max(sensor.latest_observed_at.values(), default=None)
    silence = "; ".join(
        f"{_label(q, language)} — {_silent_since(sensor.latest_observed_at.get(q), language)}"
        for q in sensor.silent_quantities(now)
    )
    state: SensorState = (
        "off" if sensor.status != "active" else "silent" if silence else "reporting"
    )
    return {
        "id": sensor.id,
        "name": sensor.name,
        "lon": sensor.lon,
        "lat": sensor.lat,
        "kind": t("air_kind_" + sensor.kind),
        "commune": commune,
        "operator": sensor.operator or "—",
        "status": t("air_status_" + sensor.status),
        "quantities": [f"{_label(q, language)} ({unit})" for q, unit in sensor.quantities.items()],
        "latest": "—" if latest is None else _local_time(latest, language),
        "state": state,
        "state_label": silence or t(f"air_state_{state}"),
    }


@router.get("/qualite-air/capteurs", response_class=HTMLResponse, name="air_sensors_page")
def air_sensors_page(
    request: Request,
    conn: DbConn,
    settings: AppSettings,
    language: PageLanguage,
    silent: Annotated[bool, Query(alias="muets")] = False,
) -> HTMLResponse:
    """The focus territory's sensors: what each measures, its last reading, which are silent.

    Server-rendered and public: a registry of sensors and their positions is not health data
    (the same as ``GET /api/v1/environment/sensors``).
    """
    focus = _focus(conn, settings.focus_territory)
    communes = _focus_communes(conn, focus)
    names = {c.code: f"{c.name} ({c.code})" for c in communes}
    now, t = datetime.now(UTC), Translator(language)
    rows = [
        _sensor_row(s, names[s.commune_code], now, language)
        for s in sorted(_sensors_in(conn, communes), key=lambda s: (names[s.commune_code], s.name))
    ]
    counts = {
        "total": len(rows),
        "active": sum(r["state"] != "off" for r in rows),
        "silent": sum(r["state"] == "silent" for r in rows),
    }
    shown = [r for r in rows if r["state"] == "silent"] if silent else rows
    admin = {
        "api": "/api/v1/environment/sensors",
        "known_ids": [r["id"] for r in rows],  # the API would replace such a sensor: refused here
        "messages": _messages(language, _ADMIN_KEYS),
    }
    config = {
        "communes_url": request.url_for("map_communes").path,
        "communes": sorted(names),
        "bbox": None if focus is None else focus.bbox,
        "sensors": [{k: r[k] for k in ("id", "name", "lon", "lat", "state", "state_label")}
                    for r in shown],
        "messages": _messages(language, ("map_failed",)),
    }  # fmt: skip
    return _render(
        request,
        "environment_sensors.html",
        language,
        {"rows": shown, "counts": counts, "only_silent": silent, "has_area": bool(communes),
         "config": config, "states": [(s, t(f"air_state_{s}")) for s in _STATES],
         "admin": admin, "all_rows": rows,
         "statuses": [(s, t(f"air_status_{s}")) for s in get_args(sensors.SensorStatus)],
         "kinds": [(k, t(f"air_kind_{k}")) for k in get_args(sensors.SensorKind)],
         "quantity_units": [(q.value, _label(q, language), accepted_units(q)) for q in Quantity]},
    )  # fmt: skip


_QUARANTINE_KEYS = (
    "alerts_token_missing",
    "air_quarantine_none",
    "air_quarantine_failed",
    "air_quarantine_count",
)


@router.get("/qualite-air/quarantaine", response_class=HTMLResponse, name="air_quarantine_page")
def air_quarantine_page(request: Request, language: PageLanguage) -> HTMLResponse:
    """Readings refused by the ingestion, for operators (the script reads the API)."""
    reasons = tuple(key for key in MESSAGES if key.startswith("air_reason_"))
    config = {
        "api": "/api/v1/environment/quarantine",
        "messages": _messages(language, (*_QUARANTINE_KEYS, *reasons)),
    }
    return _render(request, "environment_quarantine.html", language, {"config": config})

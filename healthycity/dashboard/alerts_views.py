"""The operators' alert pages: alerts in force and past, their map, issue/update/cancel.

The pages only read. Issuing, updating and cancelling go through the API
(``/api/v1/alerts``) from the page's script, with the operator token the operator pastes
into the page: it travels in the ``Authorization`` header only, never in a URL, and is
kept in the tab's ``sessionStorage`` at most. Each action shows what will be published
and asks for a confirmation first.
"""

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import Connection, select

from healthycity.alerts import store
from healthycity.alerts.compose import HAZARD_LABELS
from healthycity.alerts.delivery.outbox import delivery_statistics
from healthycity.alerts.levels import Hazard, scale_of
from healthycity.alerts.models import Certainty, Severity, Urgency
from healthycity.api.deps import DbConn
from healthycity.dashboard.i18n import MESSAGES, Language, Translator
from healthycity.dashboard.views import PageLanguage, _render
from healthycity.errors import NotFoundError
from healthycity.territory import tables as territory_tables

router = APIRouter(include_in_schema=False)
PARIS = ZoneInfo("Europe/Paris")  # the territory's time, for display only
HISTORY_SIZE = 50
# Map colours by CAP severity (ColorBrewer YlOrRd, colour-blind safe).
SEVERITY_COLOURS = {
    "Extreme": "#bd0026",
    "Severe": "#f03b20",
    "Moderate": "#fd8d3c",
    "Minor": "#fecc5c",
    "Unknown": "#969696",
}
_SEVERITY_RANK = list(SEVERITY_COLOURS)


def local_time(moment: datetime | None) -> str:
    """A UTC time as the territory reads it.

    >>> local_time(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    '01/07/2026 14:00'
    """
    return "" if moment is None else moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def _form_options(language: Language) -> dict[str, Any]:
    return {
        "hazards": [(h.value, HAZARD_LABELS[h][language]) for h in Hazard],
        "levels": {h.value: [str(lv.value) for lv in scale_of(h)] for h in Hazard},
        "urgency": [u.value for u in Urgency],
        "severity": [s.value for s in Severity],
        "certainty": [c.value for c in Certainty],
    }


@router.get("/alertes", response_class=HTMLResponse, name="alerts_page")
def alerts_page(request: Request, conn: DbConn, language: PageLanguage) -> HTMLResponse:
    """Alerts in force, their map, the last messages, and the form to issue one."""
    now = datetime.now(UTC)
    _, current = store.list_alerts(conn, active_at=now, limit=500)
    total, history = store.list_alerts(conn, limit=HISTORY_SIZE)
    config = {
        "zones_url": request.url_for("alert_zones").path,
        "colours": SEVERITY_COLOURS,
        "api": "/api/v1/alerts",
        "options": _form_options(language),
        "messages": _script_messages(language),
    }
    return _render(
        request,
        "alerts.html",
        language,
        {
            "current": current,
            "history": history,
            "history_total": total,
            "config": config,
            "local_time": local_time,
            "options": config["options"],
            "highlight": request.query_params.get("nouvelle"),
        },
    )


def load_alert_zones(conn: Connection, moment: datetime) -> dict[str, Any]:
    """The communes covered by the alerts in force at ``moment``, with their worst severity."""
    _, current = store.list_alerts(conn, active_at=moment, limit=500)
    by_commune: dict[str, list[store.StoredAlert]] = {}
    covered = store.covered_communes(conn, (a.id for a in current))
    for alert in current:
        for code in covered[alert.id]:
            by_commune.setdefault(code, []).append(alert)
    t = territory_tables.territories
    rows = conn.execute(
        select(t.c.code, t.c.name, t.c.geometry).where(
            t.c.level == "commune", t.c.code.in_(sorted(by_commune)), t.c.geometry.is_not(None)
        )
    )
    features = []
    for code, name, geometry in rows:
        alerts = by_commune[code]
        worst = min((a.severity for a in alerts), key=_severity_rank)
        features.append(
            {
                "type": "Feature",
                "id": code,
                "geometry": json.loads(geometry),
                "properties": {
                    "code": code,
                    "name": name,
                    "severity": worst,
                    "alerts": [
                        {"id": a.id, "headline": a.headline_fr or a.event, "status": a.status}
                        for a in alerts
                    ],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _severity_rank(severity: str) -> int:
    return _SEVERITY_RANK.index(severity) if severity in _SEVERITY_RANK else len(_SEVERITY_RANK)


@router.get("/alertes/zones.geojson", name="alert_zones", response_class=JSONResponse)
def alert_zones(conn: DbConn) -> JSONResponse:
    """GeoJSON of the communes under an alert now (read by the operators' map)."""
    return JSONResponse(
        load_alert_zones(conn, datetime.now(UTC)),
        media_type="application/geo+json",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/alertes/{alert_id}", response_class=HTMLResponse, name="alert_page")
def alert_page(
    request: Request, conn: DbConn, language: PageLanguage, alert_id: int
) -> HTMLResponse:
    """One message, its chain, the delivery statistics, and the Update and Cancel forms."""
    try:
        alert = store.get_alert(conn, alert_id)
    except NotFoundError:
        translate = Translator(language)
        return _render(
            request,
            "not_found.html",
            language,
            {"level": translate("alerts_one"), "code": str(alert_id)},
            status_code=404,
        )
    chain = store.get_chain(conn, alert.chain_id)
    statistics = {m.id: delivery_statistics(conn, m.id) for m in chain}
    config = {
        "api": f"/api/v1/alerts/{alert.id}",
        "options": _form_options(language),
        "messages": _script_messages(language),
        "level": alert.level,
        "hazard": alert.hazard.value,
    }
    return _render(
        request,
        "alert_detail.html",
        language,
        {
            "alert": alert,
            "chain": chain,
            "statistics": statistics,
            "is_open": chain[-1].msg_type.value != "Cancel" and alert.source != "imported",
            "communes": store.covered_communes(conn, [alert.id])[alert.id],
            "config": config,
            "local_time": local_time,
            "options": config["options"],
        },
    )


_SCRIPT_KEYS = (
    "alerts_token_missing",
    "alerts_confirm_title",
    "alerts_confirm_update",
    "alerts_confirm_cancel",
    "alerts_failed",
    "alerts_published",
    "alerts_sending",
    "alerts_areas_missing",
    "alerts_map_failed",
    "alerts_status_Actual",
    "alerts_status_Exercise",
    "alerts_status_Test",
)


def _script_messages(language: Language) -> dict[str, str]:
    # Unformatted: the script fills the {id} and {detail} placeholders itself.
    return {key: MESSAGES[key][language] for key in _SCRIPT_KEYS}

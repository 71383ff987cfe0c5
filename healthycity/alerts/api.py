"""HTTP API of the alerts: list and read them (JSON, CAP XML), issue, update, cancel, import.

The public Atom feeds are in ``feed_api.py``.

Reading is public: alerts are published for everyone. Issuing, updating, cancelling and
importing need an operator token whose scope contains every area concerned. Every error
is problem+json through the API's one handler.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection
from starlette.exceptions import HTTPException

from healthycity.alerts import service, store
from healthycity.alerts._api_schemas import (
    AlertCancel,
    AlertCreate,
    AlertList,
    AlertPublic,
    AlertUpdate,
    public_alert,
)
from healthycity.alerts._xml import MAX_CAP_BYTES
from healthycity.alerts.areas import communes_of
from healthycity.alerts.feed import CAP_MEDIA_TYPE
from healthycity.alerts.levels import parse_hazard
from healthycity.alerts.models import MsgType, Status
from healthycity.api.deps import AppSettings, DbConn, require_role
from healthycity.auth.models import Identity
from healthycity.errors import ValidationError
from healthycity.territory import store as territory_store

router = APIRouter(tags=["alerts"])

Operator = Annotated[Identity, Depends(require_role("operator"))]
IMPORT_MEDIA_TYPES = (CAP_MEDIA_TYPE, "application/xml", "text/xml")
_CAP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {CAP_MEDIA_TYPE: {}}, "description": "The CAP 1.2 XML."}
}


def _publisher(settings: AppSettings) -> service.Publisher:
    return service.Publisher(settings.alerts_sender, settings.alerts_sender_name)


Publisher = Annotated[service.Publisher, Depends(_publisher)]


def _now() -> datetime:
    return datetime.now(UTC)


def _communes_of(conn: Connection, ref: str) -> list[str]:
    """INSEE codes of the communes of a territory ref (itself for a commune)."""
    level, _, code = ref.partition("/")
    return [c.code for c in communes_of(conn, territory_store.get_territory(conn, level, code))]


def _public(
    conn: Connection, request: Request, alerts: list[store.StoredAlert]
) -> list[AlertPublic]:
    communes = store.covered_communes(conn, (a.id for a in alerts))
    base = str(request.base_url).rstrip("/")
    return [public_alert(a, communes[a.id], base_url=base) for a in alerts]


@router.get("/alerts")
def list_alerts(
    request: Request,
    conn: DbConn,
    territory: Annotated[
        str | None,
        Query(
            pattern=r"^(region|departement|epci|commune)/[0-9A-Za-z]+$",
            description="Alerts covering this territory or part of it (commune/58194 shows "
            "under departement/58, and a département's alert under its communes).",
            examples=["departement/58"],
        ),
    ] = None,
    hazard: Annotated[
        str | None,
        Query(
            description="air_quality (air), pollen, heat, drinking_water "
            "(water), epidemic or other."
        ),
    ] = None,
    status: Annotated[Status | None, Query(description="CAP status.")] = None,
    msg_type: Annotated[MsgType | None, Query(description="CAP msgType.")] = None,
    active_at: Annotated[
        datetime | None,
        Query(description="Only messages in force then (not superseded, cancelled or expired)."),
    ] = None,
    active: Annotated[bool, Query(description="Only messages in force now.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AlertList:
    """Current and past alert messages, most recently sent first."""
    if active_at is not None and active_at.tzinfo is None:
        msg = f"active_at={active_at.isoformat()} has no offset; expected e.g. 2026-07-01T12:00Z."
        raise ValidationError(msg)
    total, found = store.list_alerts(
        conn,
        communes=None if territory is None else _communes_of(conn, territory),
        hazard=None if hazard is None else parse_hazard(hazard),
        status=status,
        msg_type=msg_type,
        active_at=_now() if active and active_at is None else active_at,
        limit=limit,
        offset=offset,
    )
    return AlertList(count=total, alerts=_public(conn, request, found))


@router.get("/alerts/{alert_id}")
def get_alert(alert_id: int, request: Request, conn: DbConn) -> AlertPublic:
    """One alert message, with the communes it covers and links to its chain and CAP XML."""
    return _public(conn, request, [store.get_alert(conn, alert_id)])[0]


@router.get("/alerts/{alert_id}/cap", response_class=Response, responses=_CAP_RESPONSE)
def get_alert_cap(alert_id: int, conn: DbConn) -> Response:
    """The CAP 1.2 message as published."""
    return Response(store.get_cap_xml(conn, alert_id), media_type=CAP_MEDIA_TYPE)


@router.post("/alerts", status_code=201)
def create_alert(
    body: AlertCreate,
    request: Request,
    conn: DbConn,
    operator: Operator,
    publisher: Publisher,
) -> AlertPublic:
    """Issue a manual alert (operator role; the token's scope must contain every area)."""
    stored = service.issue_alert(
        conn, body.to_draft(), identity=operator, publisher=publisher, now=_now()
    )
    return _public(conn, request, [stored])[0]


@router.post("/alerts/{alert_id}/update", status_code=201)
def update_alert(
    alert_id: int,
    body: AlertUpdate,
    request: Request,
    conn: DbConn,
    operator: Operator,
    publisher: Publisher,
) -> AlertPublic:
    """Publish an Update of an alert; fields left out keep their previous value."""
    draft = body.apply_to(service.draft_of(conn, alert_id))
    stored = service.update_alert(
        conn, alert_id, draft, identity=operator, publisher=publisher, now=_now()
    )
    return _public(conn, request, [stored])[0]


@router.post("/alerts/{alert_id}/cancel", status_code=201)
def cancel_alert(
    alert_id: int,
    request: Request,
    conn: DbConn,
    operator: Operator,
    publisher: Publisher,
    body: AlertCancel | None = None,
) -> AlertPublic:
    """Publish the Cancel (all-clear) of an alert."""
    note = body.to_note() if body is not None else None
    stored = service.cancel_alert(
        conn, alert_id, note=note, identity=operator, publisher=publisher, now=_now()
    )
    return _public(conn, request, [stored])[0]


async def read_cap_body(request: Request) -> bytes:
    """The CAP document posted: 415 for another media type, 413 beyond ``MAX_CAP_BYTES``.

    The size is checked on the declared length and while reading, so an oversized body
    is never held in memory whole.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in IMPORT_MEDIA_TYPES:
        detail = (
            f"Content-Type {media_type or 'none'!r}; expected one of {list(IMPORT_MEDIA_TYPES)}."
        )
        raise HTTPException(415, detail)
    too_large = (
        f"The CAP document is larger than {MAX_CAP_BYTES:,} bytes; expected at most "
        f"{MAX_CAP_BYTES:,} bytes (1 MiB)."
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_CAP_BYTES:
        raise HTTPException(413, too_large)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_CAP_BYTES:
            raise HTTPException(413, too_large)
        chunks.append(chunk)
    return b"".join(chunks)


CapBody = Annotated[bytes, Depends(read_cap_body)]


@router.post(
    "/cap/import",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string"}} for t in IMPORT_MEDIA_TYPES},
        }
    },
    responses={200: {"description": "Already imported: the stored message."}},
)
def import_cap(
    data: CapBody, request: Request, response: Response, conn: DbConn, operator: Operator
) -> AlertPublic:
    """Relay an external CAP 1.2 message (operator role); 200 if it was already imported.

    Malformed or hostile XML (DOCTYPE, entities, schema violations) is refused with 422 and
    the reason; a document over 1 MiB with 413.
    """
    stored, is_new = service.import_cap(conn, data, identity=operator, now=_now())
    if not is_new:
        response.status_code = 200
    return _public(conn, request, [stored])[0]

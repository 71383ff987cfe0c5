"""The public Atom feeds of the alerts in force: every alert, or those over one territory.

``/alerts.atom?commune=58194`` (or ``?epci=245804406``, ``?departement=58``) is the feed a
relay of that territory follows (a town's website, its social-network account, a street
display): the alerts whose areas share a commune with it, so an alert on the département
shows in the feed of each of its communes and an alert on a commune in the feed of its
département. Relays poll, so answers carry an ``ETag`` and ``Last-Modified`` and a poll
while nothing changed gets an empty 304 (RFC 9110 §13).
"""

import hashlib
import json
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from re import Pattern
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from healthycity.alerts import store
from healthycity.alerts.areas import communes_of
from healthycity.alerts.feed import (
    ATOM_MEDIA_TYPE,
    FEED_LEVELS,
    FEED_PATH,
    FeedLevel,
    build_atom_feed,
)
from healthycity.alerts.models import (
    PUBLISHED_LANGUAGES,
    Alert,
    Category,
    Certainty,
    Info,
    Reference,
    Severity,
    Status,
    Urgency,
)
from healthycity.api.deps import AppSettings, DbConn
from healthycity.errors import ValidationError
from healthycity.territory import store as territory_store
from healthycity.territory.cog import COMMUNE_CODE, DEPARTEMENT_CODE, EPCI_SIREN
from healthycity.territory.models import Territory

feed_router = APIRouter(tags=["alerts"])
FEED_SIZE = 1000
# What a territory code of each level looks like (Code officiel géographique, SIREN).
_CODES: dict[FeedLevel, tuple[Pattern[str], str]] = {
    "commune": (COMMUNE_CODE, "an INSEE commune code of 5 characters such as 58194 or 2A004"),
    "epci": (EPCI_SIREN, "the 9-digit SIREN of an EPCI such as 245804406"),
    "departement": (DEPARTEMENT_CODE, "a département code such as 58, 2A or 971"),
}


def _territory(conn: Connection, codes: dict[FeedLevel, str | None]) -> Territory | None:
    """The territory asked for: 422 if malformed or more than one, 404 if unknown."""
    given = {level: code for level, code in codes.items() if code is not None}
    if len(given) > 1:
        asked = ", ".join(f"{level}={code!r}" for level, code in given.items())
        msg = f"{asked}: expected at most one of {', '.join(FEED_LEVELS)}."
        raise ValidationError(msg)
    if not given:
        return None
    ((level, code),) = given.items()
    pattern, expected = _CODES[level]
    if not pattern.match(code):
        msg = f"{level}={code!r} is malformed; expected {expected}."
        raise ValidationError(msg)
    return territory_store.get_territory(conn, level, code)  # NotFoundError: 404


def _references(alert: store.StoredAlert) -> tuple[Reference, ...]:
    # Stored as written by cap.format_references: "sender,identifier,sent" triples.
    triples = (token.split(",") for token in (alert.references or "").split())
    return tuple(Reference(s, i, datetime.fromisoformat(t)) for s, i, t in triples)


def _feed_entry(alert: store.StoredAlert) -> Alert:
    """What a feed entry shows of a stored message, read from its columns, not its XML."""
    info = Info(
        language=PUBLISHED_LANGUAGES[0],
        categories=tuple(Category(c) for c in alert.categories) or (Category.OTHER,),
        event=alert.event,
        urgency=Urgency(alert.urgency),
        severity=Severity(alert.severity),
        certainty=Certainty(alert.certainty),
        headline=alert.headline_fr,
        description=alert.description_fr,
    )
    return Alert(
        alert.identifier,
        alert.sender,
        alert.sent,
        alert.status,
        alert.msg_type,
        infos=(info,),
        references=_references(alert),
    )


def _etag(feed_url: str, title: str, ids: list[int], changed_at: datetime | None) -> str:
    # Weak: with no message ever, <updated> is the time of the request, the rest is the same.
    # Stored messages never change, so their ids stand for the entries.
    state = [feed_url, title, ids, changed_at.isoformat() if changed_at else None]
    digest = hashlib.sha256(json.dumps(state).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def _is_not_modified(request: Request, etag: str, changed_at: datetime | None) -> bool:
    """Whether the client's copy is current (RFC 9110 §13.1.2 and §13.1.3, GET)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:  # takes precedence over If-Modified-Since
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags  # weak comparison
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None or changed_at is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # an invalid date is ignored (§13.1.3)
    if since.tzinfo is None:
        return False
    return changed_at.replace(microsecond=0) <= since


@feed_router.get(
    FEED_PATH,
    response_class=Response,
    responses={
        200: {"content": {ATOM_MEDIA_TYPE: {}}, "description": "Atom 1.0 feed."},
        304: {"description": "Not modified since the copy named by If-None-Match."},
    },
)
def alerts_feed(
    request: Request,
    conn: DbConn,
    settings: AppSettings,
    status: Annotated[
        Status, Query(description="CAP status of the alerts listed.")
    ] = Status.ACTUAL,
    commune: Annotated[
        str | None,
        Query(description="Only alerts over this commune (INSEE code).", examples=["58194"]),
    ] = None,
    epci: Annotated[
        str | None,
        Query(description="Only alerts over this EPCI (SIREN).", examples=["245804406"]),
    ] = None,
    departement: Annotated[
        str | None,
        Query(description="Only alerts over this département (code).", examples=["58"]),
    ] = None,
) -> Response:
    """The public Atom feed of the alerts in force, each entry linking to its CAP message.

    With a territory, only the alerts whose areas share a commune with it.
    """
    territory = _territory(conn, {"commune": commune, "epci": epci, "departement": departement})
    communes = None if territory is None else [c.code for c in communes_of(conn, territory)]
    now = datetime.now(UTC)
    _, current = store.list_alerts(
        conn, communes=communes, status=status, active_at=now, limit=FEED_SIZE
    )
    changed_at = store.last_change(conn, communes=communes, status=status, now=now)
    base = str(request.base_url).rstrip("/")
    query: dict[str, str] = {} if territory is None else {territory.level: territory.code}
    if status is not Status.ACTUAL:
        query["status"] = status.value
    feed_url = f"{base}{FEED_PATH}" + (f"?{urlencode(query)}" if query else "")
    place = "" if territory is None else f" – {territory.name} ({territory.code})"
    title = f"Alertes sanitaires{place} – {settings.alerts_sender_name}"
    etag = _etag(feed_url, title, [a.id for a in current], changed_at)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}  # alerts: always revalidate
    if changed_at is not None:
        headers["Last-Modified"] = format_datetime(changed_at, usegmt=True)
    if _is_not_modified(request, etag, changed_at):
        return Response(status_code=304, headers=headers)
    messages = {a.id: _feed_entry(a) for a in current}
    ids = {(m.sender, m.identifier): i for i, m in messages.items()}
    feed = build_atom_feed(
        list(messages.values()),
        feed_id=feed_url,
        title=title,
        self_url=feed_url,
        author_name=settings.alerts_sender_name,
        updated=changed_at or now,
        cap_url=lambda m: f"{base}/api/v1/alerts/{ids[(m.sender, m.identifier)]}/cap",
    )
    return Response(feed, media_type=ATOM_MEDIA_TYPE, headers=headers)

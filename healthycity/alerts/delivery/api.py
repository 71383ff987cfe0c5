"""Subscriptions API (create, confirm, unsubscribe, read, delete) and delivery statistics.

Subscription endpoints are public, so each is rate-limited per client IP, and creation
also per address (a keyed digest of it): counters live in the database, shared by every
API instance (``ratelimit``). A request over the limit gets 429 problem+json with
``Retry-After``. Creating never says whether the address already subscribed.
"""

import html
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from healthycity.alerts.delivery import ratelimit, store
from healthycity.alerts.delivery.channels.base import Channel, create_channel
from healthycity.alerts.delivery.models import Subscription
from healthycity.alerts.delivery.outbox import delivery_statistics
from healthycity.alerts.delivery.signing import Purpose, address_key, sign_token, verify_token
from healthycity.alerts.delivery.subscriptions import build_request
from healthycity.api.deps import AppSettings, DbConn, get_engine, require_role
from healthycity.auth.models import Identity
from healthycity.errors import AuthenticationError, NotFoundError

router = APIRouter()

# Per client IP and hour; per address and hour for creation (one opt-in message each).
IP_LIMIT = ratelimit.Limit(count=30, window_s=3600)
ADDRESS_LIMIT = ratelimit.Limit(count=3, window_s=3600)
TOKEN_HEADER = "X-Subscription-Token"  # noqa: S105  (a header name)
EngineDep = Annotated[Engine, Depends(get_engine)]


class SubscriptionCreate(BaseModel):
    """A request to subscribe: where, what, who, how (and when not)."""

    kind: str = Field(default="citizen", description="citizen, school, ehpad, sports_club, …")
    channel: str = Field(description="email, sms or webhook")
    address: str = Field(max_length=2048, description="E-mail, phone number or https URL.")
    language: Literal["fr", "en"] = "fr"
    places: list[str] = Field(min_length=1, max_length=50, examples=[["commune/58194"]])
    hazards: list[str] = Field(default=["all"], description="air, pollen, heat, water, …")
    audiences: list[str] = Field(default=[], description="Vulnerability profile (advice).")
    quiet_start: str | None = Field(default=None, examples=["22:00"])
    quiet_end: str | None = Field(default=None, examples=["07:00"])
    webhook_format: Literal["json", "cap"] | None = None


class SubscriptionAccepted(BaseModel):
    """Answer to a creation: a confirmation request was sent through the channel."""

    status: Literal["pending"] = "pending"
    detail: str


class SubscriptionPublic(BaseModel):
    """A subscription as its owner sees it."""

    id: int
    kind: str
    channel: str
    address: str
    language: str
    places: list[str]
    hazards: list[str]
    audiences: list[str]
    quiet_start: str | None
    quiet_end: str | None
    webhook_format: str | None
    status: str
    created_at: datetime
    confirmed_at: datetime | None


class SubscriptionConfirmed(BaseModel):
    """Answer to a confirmation: the token to read or delete the subscription later."""

    subscription: SubscriptionPublic
    manage_token: str


class DeliveryStatistics(BaseModel):
    """Notifications of one alert message by channel and status."""

    alert_id: int
    by_channel: dict[str, dict[str, int]]
    total: dict[str, int]


def _public(subscription: Subscription) -> SubscriptionPublic:
    quiet = subscription.quiet_hours
    return SubscriptionPublic(
        id=subscription.id,
        kind=subscription.kind.value,
        channel=subscription.channel,
        address=subscription.address,
        language=subscription.language,
        places=list(subscription.places),
        hazards=sorted(h.value for h in subscription.hazards),
        audiences=sorted(a.value for a in subscription.audiences),
        quiet_start=None if quiet is None else quiet.start.strftime("%H:%M"),
        quiet_end=None if quiet is None else quiet.end.strftime("%H:%M"),
        webhook_format=subscription.webhook_format,
        status=subscription.status.value,
        created_at=subscription.created_at,
        confirmed_at=subscription.confirmed_at,
    )


def _limit(engine: Engine, key: str, limit: ratelimit.Limit) -> None:
    """Count one request of ``key`` in its own transaction; 429 when over the limit."""
    with engine.begin() as conn:
        decision = ratelimit.take(conn, key, limit, now=datetime.now(UTC))
    if not decision.allowed:
        detail = (
            f"Too many requests for {key.partition(':')[0]}: at most {limit.count} per "
            f"{limit.window_s} s; retry in {decision.retry_after_s} s."
        )
        raise HTTPException(429, detail, headers={"Retry-After": str(decision.retry_after_s)})


def limit_per_ip(request: Request, engine: EngineDep) -> None:
    """The per-client-IP limit of every subscription endpoint."""
    client = request.client.host if request.client else "unknown"
    _limit(engine, f"ip:{client}", IP_LIMIT)


PerIp = Depends(limit_per_ip)


def _channel(request: Request, name: str, settings: AppSettings) -> Channel:
    cache: dict[str, Channel] = request.app.state.__dict__.setdefault("delivery_channels", {})
    if name not in cache:
        cache[name] = create_channel(name, settings)
    return cache[name]


@router.post(
    "/subscriptions",
    status_code=202,
    response_model=SubscriptionAccepted,
    dependencies=[PerIp],
    tags=["subscriptions"],
)
def create_subscription(
    body: SubscriptionCreate,
    request: Request,
    conn: DbConn,
    settings: AppSettings,
    engine: EngineDep,
) -> SubscriptionAccepted:
    """Subscribe: a confirmation request is sent through the channel (double opt-in).

    Nothing is delivered before the subscriber confirms; unconfirmed subscriptions are
    erased after 48 hours.
    """
    subscription = build_request(
        kind=body.kind,
        channel=body.channel,
        address=body.address,
        language=body.language,
        places=body.places,
        hazards=body.hazards,
        audiences=body.audiences,
        quiet_start=body.quiet_start,
        quiet_end=body.quiet_end,
        webhook_format=body.webhook_format,
    )
    address = _channel(request, subscription.channel, settings).check_address(body.address)
    key = address_key(settings.secret_key, f"{subscription.channel}:{address}")
    _limit(engine, f"address:{key}", ADDRESS_LIMIT)
    store.create_subscription(
        conn, replace(subscription, address=address), address_key=key, now=datetime.now(UTC)
    )
    detail = (
        "Un message de confirmation a été envoyé ; l'abonnement commence à sa confirmation."
        if body.language == "fr"
        else "A confirmation message was sent; the subscription starts once confirmed."
    )
    return SubscriptionAccepted(detail=detail)


def _page(title: str, body: str, *, form_label: str | None = None) -> HTMLResponse:
    form = (
        f'<form method="post"><button type="submit">{html.escape(form_label)}</button></form>'
        if form_label
        else ""
    )
    return HTMLResponse(
        f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<h1>{html.escape(title)}</h1><p>{html.escape(body)}</p>{form}</html>"
    )


def _verified(settings: AppSettings, purpose: Purpose, token: str) -> int:
    return verify_token(settings.secret_key, purpose, token, now=datetime.now(UTC))


TokenQuery = Annotated[str, Query(max_length=200, description="The token of the link.")]


@router.get(
    "/subscriptions/confirm",
    response_class=HTMLResponse,
    dependencies=[PerIp],
    tags=["subscriptions"],
)
def confirm_page(token: TokenQuery, settings: AppSettings) -> HTMLResponse:
    """The page the confirmation link opens: a button that confirms (link scanners only GET)."""
    _verified(settings, "confirm", token)
    return _page(
        "Confirmer l'abonnement aux alertes",
        "Appuyez sur le bouton pour confirmer votre abonnement.",
        form_label="Confirmer / Confirm",
    )


@router.post(
    "/subscriptions/confirm",
    response_model=SubscriptionConfirmed,
    dependencies=[PerIp],
    tags=["subscriptions"],
)
def confirm(token: TokenQuery, conn: DbConn, settings: AppSettings) -> SubscriptionConfirmed:
    """Confirm a subscription with the token of the confirmation link."""
    subscription_id = _verified(settings, "confirm", token)
    subscription = store.confirm_subscription(conn, subscription_id, now=datetime.now(UTC))
    manage = sign_token(settings.secret_key, "manage", subscription_id)
    return SubscriptionConfirmed(subscription=_public(subscription), manage_token=manage)


@router.get(
    "/subscriptions/unsubscribe",
    response_class=HTMLResponse,
    dependencies=[PerIp],
    tags=["subscriptions"],
)
def unsubscribe_page(token: TokenQuery, settings: AppSettings) -> HTMLResponse:
    """The page the unsubscribe link opens: a button that unsubscribes."""
    _verified(settings, "unsubscribe", token)
    return _page(
        "Se désabonner des alertes",
        "Appuyez sur le bouton pour ne plus recevoir d'alertes.",
        form_label="Me désabonner / Unsubscribe",
    )


@router.post(
    "/subscriptions/unsubscribe",
    response_class=HTMLResponse,
    dependencies=[PerIp],
    tags=["subscriptions"],
)
def unsubscribe(token: TokenQuery, conn: DbConn, settings: AppSettings) -> HTMLResponse:
    """Unsubscribe (RFC 8058 one-click POST too); the address is erased. Idempotent."""
    store.delete_subscription(conn, _verified(settings, "unsubscribe", token))
    return _page(
        "Désabonnement effectué", "Vous ne recevrez plus d'alertes. Votre adresse est effacée."
    )


def _owner(
    subscription_id: int, settings: AppSettings, header: str | None, token: str | None
) -> int:
    given = header or token
    if not given:
        msg = f"Reading or deleting a subscription needs its token in {TOKEN_HEADER} or ?token=."
        raise AuthenticationError(msg)
    if _verified(settings, "manage", given) != subscription_id:
        msg = f"This token does not manage subscription {subscription_id}."
        raise NotFoundError(msg)  # do not tell whether another id exists
    return subscription_id


OwnerHeader = Annotated[str | None, Header(alias=TOKEN_HEADER)]
OwnerQuery = Annotated[str | None, Query(max_length=200)]


@router.get(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionPublic,
    dependencies=[PerIp],
    tags=["subscriptions"],
)
def read_subscription(
    subscription_id: int,
    conn: DbConn,
    settings: AppSettings,
    header: OwnerHeader = None,
    token: OwnerQuery = None,
) -> SubscriptionPublic:
    """One's own subscription, with the token given at confirmation."""
    _owner(subscription_id, settings, header, token)
    return _public(store.get_subscription(conn, subscription_id))


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=204,
    dependencies=[PerIp],
    tags=["subscriptions"],
)
def delete_subscription(
    subscription_id: int,
    conn: DbConn,
    settings: AppSettings,
    header: OwnerHeader = None,
    token: OwnerQuery = None,
) -> Response:
    """Delete one's own subscription (the address is erased)."""
    _owner(subscription_id, settings, header, token)
    if not store.delete_subscription(conn, subscription_id):
        msg = f"No subscription {subscription_id}: it was deleted, or it never existed."
        raise NotFoundError(msg)
    return Response(status_code=204)


Operator = Annotated[Identity, Depends(require_role("operator"))]


@router.get("/alerts/{alert_id}/deliveries", response_model=DeliveryStatistics, tags=["alerts"])
def delivery_stats(alert_id: int, conn: DbConn, _operator: Operator) -> DeliveryStatistics:
    """How the notifications of one alert message fared, by channel and status (operators)."""
    by_channel = delivery_statistics(conn, alert_id)
    total: dict[str, int] = {}
    for statuses in by_channel.values():
        for status, count in statuses.items():
            total[status] = total.get(status, 0) + count
    return DeliveryStatistics(alert_id=alert_id, by_channel=by_channel, total=total)

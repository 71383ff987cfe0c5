"""Subscriptions in the database: create (pending), confirm, read, delete, expire.

A subscription's places are expanded to communes when it is confirmed (and only then:
pending subscriptions are never targeted), so that targeting is one indexed join.
Deleting a subscription erases its address for good: unsubscribing keeps nothing
personal (the outbox keeps only counts per status for the operators' statistics).
"""

import json
from datetime import datetime, time, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from healthycity.alerts.advice import Audience
from healthycity.alerts.delivery import tables
from healthycity.alerts.delivery.models import (
    AUDIENCE_BITS,
    HAZARD_BITS,
    HazardChoice,
    OutboxStatus,
    QuietHours,
    SubscriberKind,
    Subscription,
    SubscriptionRequest,
    SubscriptionStatus,
    as_utc,
    notification_id,
)
from healthycity.errors import NotFoundError, ValidationError
from healthycity.territory import tables as territory_tables

# Double opt-in: an unconfirmed subscription receives nothing and is erased after this.
PENDING_TTL = timedelta(hours=48)

s = tables.subscriptions
places = tables.subscription_places
outbox = tables.outbox
links = territory_tables.territory_links
territories = territory_tables.territories


def expand_places(conn: Connection, refs: tuple[str, ...]) -> set[str]:
    """The INSEE codes of the communes of ``refs`` (communes, EPCI, départements).

    Raises
    ------
    NotFoundError
        Naming the first ref that is not a stored territory.
    """
    communes: set[str] = set()
    for ref in refs:
        level, _, code = ref.partition("/")
        found = conn.execute(
            select(territories.c.code).where(
                territories.c.level == level, territories.c.code == code
            )
        ).first()
        if found is None:
            msg = f"place={ref!r} is not a known {level}; expected an existing territory ref."
            raise NotFoundError(msg)
        if level == "commune":
            communes.add(code)
            continue
        communes.update(
            conn.execute(
                select(links.c.child_code).where(
                    links.c.child_level == "commune",
                    links.c.parent_level == level,
                    links.c.parent_code == code,
                )
            ).scalars()
        )
    return communes


def create_subscription(
    conn: Connection, request: SubscriptionRequest, *, address_key: str, now: datetime
) -> int:
    """Store a pending subscription and queue its confirmation request; return its id."""
    if not expand_places(conn, request.places):
        msg = f"places={list(request.places)} hold no commune; expected places with communes."
        raise ValidationError(msg)
    quiet = request.quiet_hours
    subscription_id: int = conn.execute(
        insert(s)
        .values(
            kind=request.kind.value,
            channel=request.channel,
            address=request.address,
            address_key=address_key,
            language=request.language,
            places=json.dumps(list(request.places)),
            hazards=request.hazards,
            audiences=request.audiences,
            quiet_start_min=None if quiet is None else quiet.start.hour * 60 + quiet.start.minute,
            quiet_end_min=None if quiet is None else quiet.end.hour * 60 + quiet.end.minute,
            webhook_format=request.webhook_format,
            status=SubscriptionStatus.PENDING.value,
            created_at=now,
            expires_at=now + PENDING_TTL,
        )
        .returning(s.c.id)
    ).scalar_one()
    conn.execute(
        insert(outbox).values(
            id=notification_id(None, subscription_id),
            alert_id=None,
            subscription_id=subscription_id,
            channel=request.channel,
            status=OutboxStatus.PENDING.value,
            attempts=0,
            available_at=now,
            created_at=now,
        )
    )
    return subscription_id


def _minutes_to_time(minutes: int | None) -> time | None:
    return None if minutes is None else time(minutes // 60, minutes % 60)


def quiet_hours_of(start_min: int | None, end_min: int | None) -> QuietHours | None:
    """Quiet hours from the stored minutes after local midnight."""
    start, end = _minutes_to_time(start_min), _minutes_to_time(end_min)
    return None if start is None or end is None else QuietHours(start, end)


def get_subscription(conn: Connection, subscription_id: int) -> Subscription:
    """One subscription by id."""
    row = conn.execute(select(s).where(s.c.id == subscription_id)).first()
    if row is None:
        msg = f"No subscription {subscription_id}: it was deleted, or it never existed."
        raise NotFoundError(msg)
    return Subscription(
        id=row.id,
        kind=SubscriberKind(row.kind),
        channel=row.channel,
        address=row.address,
        language="fr" if row.language == "fr" else "en",
        places=tuple(json.loads(row.places)),
        hazards=frozenset(
            h for h, bit in HAZARD_BITS.items() if h is not HazardChoice.ALL and row.hazards & bit
        ),
        audiences=frozenset(a for a, bit in AUDIENCE_BITS.items() if row.audiences & bit)
        or frozenset({Audience.GENERAL}),
        quiet_hours=quiet_hours_of(row.quiet_start_min, row.quiet_end_min),
        webhook_format=row.webhook_format,
        status=SubscriptionStatus(row.status),
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
    )


def confirm_subscription(conn: Connection, subscription_id: int, *, now: datetime) -> Subscription:
    """Activate a pending subscription (idempotent on an active one).

    Raises
    ------
    ValidationError
        If the confirmation window has passed.
    """
    subscription = get_subscription(conn, subscription_id)
    if subscription.status is SubscriptionStatus.ACTIVE:
        return subscription
    expires_at = conn.execute(select(s.c.expires_at).where(s.c.id == subscription_id)).scalar_one()
    if expires_at is not None and as_utc(expires_at) < now:
        msg = f"Subscription {subscription_id} was not confirmed within 48 hours; subscribe again."
        raise ValidationError(msg)
    conn.execute(
        update(s)
        .where(s.c.id == subscription_id)
        .values(status=SubscriptionStatus.ACTIVE.value, confirmed_at=now, expires_at=None)
    )
    hazards = conn.execute(select(s.c.hazards).where(s.c.id == subscription_id)).scalar_one()
    communes = sorted(expand_places(conn, subscription.places))
    conn.execute(
        insert(places),
        [
            {
                "commune_code": code,
                "subscription_id": subscription_id,
                "hazards": hazards,
                "channel": subscription.channel,
            }
            for code in communes
        ],
    )
    return get_subscription(conn, subscription_id)


def delete_subscription(conn: Connection, subscription_id: int) -> bool:
    """Erase a subscription (unsubscribe or owner's deletion); False if already gone.

    Its notifications not yet sent are marked skipped by the dispatcher when it reaches
    them (it finds no subscription); sent ones stay as counts. Subscription ids are never
    reused, so those rows cannot reach a later subscriber.
    """
    conn.execute(delete(places).where(places.c.subscription_id == subscription_id))
    return conn.execute(delete(s).where(s.c.id == subscription_id)).rowcount > 0


def purge_expired(conn: Connection, *, now: datetime) -> int:
    """Erase pending subscriptions past their confirmation window; return how many.

    A pending subscription has one outbox row, its confirmation request, whose id is the
    subscription's (``models.notification_id``).
    """
    expired = select(s.c.id).where(
        s.c.status == SubscriptionStatus.PENDING.value, s.c.expires_at < now
    )
    conn.execute(delete(outbox).where(outbox.c.id.in_(expired)))
    return conn.execute(
        delete(s).where(s.c.status == SubscriptionStatus.PENDING.value, s.c.expires_at < now)
    ).rowcount

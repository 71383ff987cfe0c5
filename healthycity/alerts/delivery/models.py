"""Plain data of alert delivery: subscribers, hazards chosen, quiet hours, outbox states.

No I/O here. Hazards and audiences are stored as bit sets so that targeting filters them
with one ``&`` in SQL (``hazards & :bit <> 0``) on the row it already reads.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from healthycity.alerts.advice import Audience
from healthycity.alerts.levels import Hazard
from healthycity.alerts.models import Severity, Urgency

PARIS = ZoneInfo("Europe/Paris")
Language = Literal["fr", "en"]
ChannelName = str  # a registered channel: email, sms, webhook or a plug-in's


class SubscriberKind(StrEnum):
    """Who subscribes: a citizen or an institution that relays alerts to its public."""

    CITIZEN = "citizen"
    SCHOOL = "school"
    EHPAD = "ehpad"
    SPORTS_CLUB = "sports_club"
    PHARMACY = "pharmacy"
    OTHER = "other"


class HazardChoice(StrEnum):
    """What a subscriber may ask to be alerted about (``all``: every hazard)."""

    AIR = "air"
    POLLEN = "pollen"
    HEAT = "heat"
    WATER = "water"
    EPIDEMIC = "epidemic"
    ALL = "all"


HAZARD_BITS: dict[HazardChoice, int] = {
    HazardChoice.AIR: 1,
    HazardChoice.POLLEN: 2,
    HazardChoice.HEAT: 4,
    HazardChoice.WATER: 8,
    HazardChoice.EPIDEMIC: 16,
}
ALL_HAZARDS = sum(HAZARD_BITS.values())
HAZARD_BITS[HazardChoice.ALL] = ALL_HAZARDS

# An alert's hazard → the subscription bits that receive it. A hazard without a choice of
# its own (``other``: a manual alert the operator could not classify) reaches every
# subscriber of the place: missing a message is worse than one message too many.
ALERT_HAZARD_BITS: dict[Hazard, int] = {
    Hazard.AIR_QUALITY: HAZARD_BITS[HazardChoice.AIR],
    Hazard.POLLEN: HAZARD_BITS[HazardChoice.POLLEN],
    Hazard.HEAT: HAZARD_BITS[HazardChoice.HEAT],
    Hazard.DRINKING_WATER: HAZARD_BITS[HazardChoice.WATER],
    Hazard.EPIDEMIC: HAZARD_BITS[HazardChoice.EPIDEMIC],
    Hazard.OTHER: ALL_HAZARDS,
}

AUDIENCE_BITS: dict[Audience, int] = {a: 1 << i for i, a in enumerate(Audience)}


def hazard_bits(choices: set[HazardChoice] | frozenset[HazardChoice]) -> int:
    """The bit set of hazard choices.

    >>> hazard_bits({HazardChoice.AIR, HazardChoice.HEAT})
    5
    """
    bits = 0
    for choice in choices:
        bits |= HAZARD_BITS[choice]
    return bits


def audience_bits(audiences: set[Audience] | frozenset[Audience]) -> int:
    """The bit set of audiences."""
    bits = 0
    for audience in audiences:
        bits |= AUDIENCE_BITS[audience]
    return bits


def audiences_of(bits: int) -> frozenset[Audience]:
    """The audiences of a bit set; none means the general public.

    >>> sorted(audiences_of(0))
    [<Audience.GENERAL: 'general'>]
    """
    found = frozenset(a for a, bit in AUDIENCE_BITS.items() if bits & bit)
    return found or frozenset({Audience.GENERAL})


class SubscriptionStatus(StrEnum):
    """Life of a subscription: double opt-in, then active until unsubscribed."""

    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"


SUBSCRIPTION_ID_BITS = 32  # subscription ids are SQL INTEGERs: below 2³¹


def notification_id(alert_id: int | None, subscription_id: int) -> int:
    """The outbox id of message ``alert_id`` to ``subscription_id`` (None: the confirmation).

    One 64-bit integer per (message, recipient) pair: the outbox's primary key and the
    idempotency key channels send, with a message's rows in one key range
    (:func:`message_id_range`). Alert ids are SQL INTEGERs too, so the largest value,
    (2³¹ − 1) · 2³² + 2³² − 1, is 2⁶³ − 1: the largest BIGINT.

    >>> notification_id(3, 17)
    12884901905
    >>> notification_id(None, 17)
    17
    """
    return ((alert_id or 0) << SUBSCRIPTION_ID_BITS) + subscription_id


def message_id_range(alert_id: int) -> tuple[int, int]:
    """The first and last outbox ids a message's notifications can have.

    >>> message_id_range(3)
    (12884901888, 17179869183)
    """
    first = alert_id << SUBSCRIPTION_ID_BITS
    return first, first + (1 << SUBSCRIPTION_ID_BITS) - 1


class OutboxStatus(StrEnum):
    """Life of one notification in the outbox."""

    PENDING = "pending"  # waiting to be claimed (new, retry after backoff, quiet hours)
    SENDING = "sending"  # claimed by a worker until its lease ends
    SENT = "sent"  # handed to the channel, which accepted it
    FAILED = "failed"  # dead letter: permanent error or attempts exhausted
    SKIPPED = "skipped"  # the subscription ended before the message was sent


@dataclass(frozen=True)
class QuietHours:
    """A daily span of local time (Europe/Paris) without non-urgent messages.

    ``start`` after ``end`` spans midnight (22:00–07:00).
    """

    start: time
    end: time

    def contains(self, moment: datetime, zone: ZoneInfo = PARIS) -> bool:
        """Whether ``moment`` (aware) falls in the quiet span, in local time.

        >>> from datetime import UTC
        >>> night = QuietHours(time(22), time(7))
        >>> night.contains(datetime(2026, 7, 1, 21, 30, tzinfo=UTC))  # 23:30 in Paris
        True
        >>> night.contains(datetime(2026, 7, 1, 6, 0, tzinfo=UTC))  # 08:00 in Paris
        False
        """
        local = moment.astimezone(zone).time().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, moment: datetime, zone: ZoneInfo = PARIS) -> datetime:
        """The first end of the quiet span after ``moment``, as an aware UTC-comparable time.

        Computed in local wall time, so a DST change during the night still ends the span
        at the chosen local hour.

        >>> from datetime import UTC
        >>> QuietHours(time(22), time(7)).ends_after(datetime(2026, 7, 1, 21, 30, tzinfo=UTC))
        datetime.datetime(2026, 7, 2, 7, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Paris'))
        """
        local = moment.astimezone(zone)
        end = datetime.combine(local.date(), self.end, tzinfo=zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return end


def bypasses_quiet_hours(severity: Severity, urgency: Urgency) -> bool:
    """Whether a message is urgent enough to be sent during the subscriber's quiet hours.

    CAP 1.2 §3.2.2 defines Extreme as an "extraordinary threat to life or property" and
    Severe as a "significant threat"; Immediate urgency means "responsive action should be
    taken immediately". An Extreme alert (red heat-wave vigilance, ATMO *extrêmement
    mauvais*) or a Severe one that calls for action now (observed ATMO *très mauvais*,
    contaminated tap water) is worth waking someone for: acting before morning (not
    drinking the water, checking on an elderly neighbour) can matter. Moderate and Minor
    messages, and forecasts (Expected, Future), wait for the end of the quiet hours.

    >>> bypasses_quiet_hours(Severity.SEVERE, Urgency.IMMEDIATE)
    True
    >>> bypasses_quiet_hours(Severity.SEVERE, Urgency.EXPECTED)
    False
    """
    if severity is Severity.EXTREME:
        return True
    return severity is Severity.SEVERE and urgency is Urgency.IMMEDIATE


@dataclass(frozen=True)
class SubscriptionRequest:
    """A validated request to subscribe (before the address is confirmed)."""

    kind: SubscriberKind
    channel: ChannelName
    address: str  # normalised by the channel
    language: Language
    places: tuple[str, ...]  # territory refs such as "commune/58194", "departement/58"
    hazards: int
    audiences: int
    quiet_hours: QuietHours | None
    webhook_format: Literal["json", "cap"] | None = None


@dataclass(frozen=True)
class Subscription:
    """A stored subscription, as its owner may see it (no token, no secret)."""

    id: int
    kind: SubscriberKind
    channel: ChannelName
    address: str
    language: Language
    places: tuple[str, ...]
    hazards: frozenset[HazardChoice]
    audiences: frozenset[Audience]
    quiet_hours: QuietHours | None
    webhook_format: str | None
    status: SubscriptionStatus
    created_at: datetime
    confirmed_at: datetime | None


def as_utc(moment: datetime) -> datetime:
    """An aware UTC time; SQLite gives ``DateTime(timezone=True)`` values back naive (UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

"""Checks of what a subscriber asks for: places, hazards, profile, quiet hours, addresses.

Pure functions: the store expands places to communes and the channels check that an
address can be reached. Only the data needed to deliver is kept: one address for the
chosen channel, no name.
"""

import re
from collections.abc import Iterable
from datetime import time

from healthycity.alerts.advice import Audience
from healthycity.alerts.delivery.models import (
    HazardChoice,
    Language,
    QuietHours,
    SubscriberKind,
    SubscriptionRequest,
    audience_bits,
    hazard_bits,
)
from healthycity.errors import ValidationError

PLACE_LEVELS = ("commune", "epci", "departement")
MAX_PLACES = 50
_PLACE = re.compile(r"(commune|epci|departement)/([0-9A-Za-z]{2,9})")
_HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
# RFC 5321 §4.5.3.1: a path is at most 256 octets, so an address at most 254.
MAX_EMAIL_CHARS = 254
# A pragmatic shape (one @, a dotted domain): deliverability is proved by the opt-in.
_EMAIL = re.compile(
    r"[^@\s<>(),;:\"\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,63}"
)
# ITU-T E.164: a country code and at most 15 digits in all.
_E164 = re.compile(r"\+[1-9]\d{7,14}")
_FRENCH_NATIONAL = re.compile(r"0[1-9]\d{8}")


def check_places(places: Iterable[str]) -> tuple[str, ...]:
    """Territory refs of communes, EPCI or départements, without duplicates, in order.

    >>> check_places(["commune/58194", "departement/58", "commune/58194"])
    ('commune/58194', 'departement/58')
    """
    checked: list[str] = []
    for place in places:
        if not _PLACE.fullmatch(place):
            msg = (
                f"place={place!r}; expected a territory ref commune/<INSEE code>, "
                "epci/<SIREN> or departement/<code>."
            )
            raise ValidationError(msg)
        if place not in checked:
            checked.append(place)
    if not checked or len(checked) > MAX_PLACES:
        msg = f"{len(checked)} places given; expected 1 to {MAX_PLACES}."
        raise ValidationError(msg)
    return tuple(checked)


def parse_quiet_hours(start: str | None, end: str | None) -> QuietHours | None:
    """Quiet hours from local ``HH:MM`` times; both or neither must be given.

    >>> parse_quiet_hours("22:00", "07:00")
    QuietHours(start=datetime.time(22, 0), end=datetime.time(7, 0))
    """
    if start is None and end is None:
        return None
    times: list[time] = []
    for name, value in (("quiet_start", start), ("quiet_end", end)):
        match = _HH_MM.fullmatch(value or "")
        if match is None:
            msg = f"{name}={value!r}; expected a local time HH:MM (both quiet hours or neither)."
            raise ValidationError(msg)
        times.append(time(int(match.group(1)), int(match.group(2))))
    if times[0] == times[1]:
        msg = f"quiet hours {start}–{end} are empty; expected two different times."
        raise ValidationError(msg)
    return QuietHours(times[0], times[1])


def normalise_email(address: str) -> str:
    """An e-mail address with its domain in lower case (the local part is case-sensitive).

    >>> normalise_email("Marie.Dupont@Exemple.FR")
    'Marie.Dupont@exemple.fr'
    """
    address = address.strip()
    if len(address) > MAX_EMAIL_CHARS or not _EMAIL.fullmatch(address):
        msg = f"e-mail address {address!r}; expected name@domain.tld of at most 254 characters."
        raise ValidationError(msg)
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalise_phone(number: str) -> str:
    """A phone number in E.164 form; French national numbers get +33.

    >>> normalise_phone("06 12 34 56 78")
    '+33612345678'
    """
    compact = re.sub(r"[\s.()-]", "", number)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if _FRENCH_NATIONAL.fullmatch(compact):
        compact = "+33" + compact[1:]
    if not _E164.fullmatch(compact):
        msg = f"phone number {number!r}; expected an E.164 number such as +33612345678."
        raise ValidationError(msg)
    return compact


def build_request(
    *,
    kind: str,
    channel: str,
    address: str,
    language: str,
    places: Iterable[str],
    hazards: Iterable[str],
    audiences: Iterable[str],
    quiet_start: str | None = None,
    quiet_end: str | None = None,
    webhook_format: str | None = None,
) -> SubscriptionRequest:
    """Check every field of a subscription request (the channel checks ``address`` later)."""
    try:
        checked_kind = SubscriberKind(kind)
        hazard_choices = frozenset(HazardChoice(h) for h in hazards)
        audience_set = frozenset(Audience(a) for a in audiences)
    except ValueError as exc:
        msg = (
            f"{exc}; expected kind in {[k.value for k in SubscriberKind]}, hazards in "
            f"{[h.value for h in HazardChoice]}, audiences in {[a.value for a in Audience]}."
        )
        raise ValidationError(msg) from exc
    if not hazard_choices:
        msg = "hazards=[]; expected at least one hazard, or 'all'."
        raise ValidationError(msg)
    if language not in ("fr", "en"):
        msg = f"language={language!r}; expected 'fr' or 'en'."
        raise ValidationError(msg)
    checked_language: Language = "fr" if language == "fr" else "en"
    if webhook_format not in (None, "json", "cap") or (webhook_format and channel != "webhook"):
        msg = f"webhook_format={webhook_format!r}; expected 'json' or 'cap', for webhooks only."
        raise ValidationError(msg)
    return SubscriptionRequest(
        kind=checked_kind,
        channel=channel,
        address=address,
        language=checked_language,
        places=check_places(places),
        hazards=hazard_bits(hazard_choices),
        audiences=audience_bits(audience_set),
        quiet_hours=parse_quiet_hours(quiet_start, quiet_end),
        webhook_format=("cap" if webhook_format == "cap" else "json")
        if channel == "webhook"
        else None,
    )

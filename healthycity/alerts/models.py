"""Plain data of a health alert, shaped like an OASIS CAP 1.2 message (no I/O).

The dataclasses follow the CAP 1.2 element tree (OASIS Standard, 2010, §3.2): one
``Alert`` holds ``Info`` blocks (one per language), each holding ``Area`` blocks. They check
on construction what the XML schema cannot (CAP 1.2 §3.2.1–3.2.4): forbidden characters
in identifiers, closed polygon rings of at least four WGS 84 points, timezone-aware
times, ``references`` on Update and Cancel messages. Coordinates are rounded to
``COORDINATE_DECIMALS`` and times put in UTC and truncated to the second here, so that a message
built from an ``Alert`` parses back to an equal ``Alert``.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from healthycity.errors import ValidationError

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
# The platform publishes one info block per language, French first (the users' language).
PUBLISHED_LANGUAGES = ("fr-FR", "en-GB")
# 5 decimals of a degree is about 1.1 m of latitude: finer than commune boundaries
# (IGN ADMIN EXPRESS simplified to ~10 m) and short enough to keep messages small.
COORDINATE_DECIMALS = 5
RADIUS_DECIMALS = 3  # km, i.e. one metre

Point = tuple[float, float]  # (lat, lon) in WGS 84 degrees, CAP order
Ring = tuple[Point, ...]

_FORBIDDEN_IN_ID = re.compile(r"[\s,<&]")  # CAP 1.2 §3.2.1 identifier and sender
_LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")  # xs:language (RFC 3066)
_WEB = re.compile(r"https?://\S+")
# Characters allowed in XML 1.0 documents (XML 1.0 §2.2, production [2]).
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Status(StrEnum):
    """CAP ``status``: who should act on the message (CAP 1.2 §3.2.1)."""

    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


class MsgType(StrEnum):
    """CAP ``msgType``; Ack and Error are acknowledgements between systems, not alerts."""

    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


class Category(StrEnum):
    """CAP ``category``; health alerts use ``Health`` and ``Env``."""

    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class ResponseType(StrEnum):
    """CAP ``responseType``; ``AllClear`` ends an episode."""

    SHELTER = "Shelter"
    EVACUATE = "Evacuate"
    PREPARE = "Prepare"
    EXECUTE = "Execute"
    AVOID = "Avoid"
    MONITOR = "Monitor"
    ASSESS = "Assess"
    ALL_CLEAR = "AllClear"
    NONE = "None"


class Urgency(StrEnum):
    """CAP ``urgency``: how soon to act (CAP 1.2 §3.2.2)."""

    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Severity(StrEnum):
    """CAP ``severity``: threat to life or property (CAP 1.2 §3.2.2)."""

    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    """CAP ``certainty`` (CAP 1.2 §3.2.2)."""

    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


def check_text(field: str, value: str) -> None:
    """Reject text that no XML document can carry (NUL, other C0 controls, surrogates)."""
    bad = _NOT_XML_CHAR.search(value)
    if bad:
        msg = f"{field}={value!r} contains {bad.group()!r}; expected characters allowed in XML 1.0."
        raise ValidationError(msg)


def _check_nonblank(field: str, value: str) -> None:
    check_text(field, value)
    if not value.strip():
        msg = f"{field}={value!r} is blank; expected some text."
        raise ValidationError(msg)


def check_cap_id(field: str, value: str) -> None:
    """Reject a CAP identifier or sender that is empty or holds a space, ``,``, ``<`` or ``&``."""
    check_text(field, value)
    if not value or _FORBIDDEN_IN_ID.search(value):
        msg = (
            f"{field}={value!r}; expected a non-empty CAP {field} without spaces, commas, "
            "'<' or '&' (CAP 1.2 §3.2.1)."
        )
        raise ValidationError(msg)


def normalise_time(field: str, value: datetime) -> datetime:
    """Return ``value`` in UTC without microseconds; reject naive datetimes.

    UTC because the platform stores UTC, and because an aware datetime in a zone's DST
    fold or gap never compares equal to another zone's (PEP 495): a parsed message must
    equal the one that was built. Whole seconds because CAP times have no fraction.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        msg = f"{field}={value.isoformat()} has no timezone; expected a timezone-aware datetime."
        raise ValidationError(msg)
    return value.astimezone(UTC).replace(microsecond=0)


def _round_degrees(value: float) -> float:
    return round(value, COORDINATE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _check_point(field: str, lat: float, lon: float) -> None:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        msg = f"{field} point lat={lat}, lon={lon}; expected WGS 84 degrees in -90…90, -180…180."
        raise ValidationError(msg)


def _normalise_ring(field: str, ring: Ring) -> Ring:
    points = tuple((_round_degrees(lat), _round_degrees(lon)) for lat, lon in ring)
    for lat, lon in points:
        _check_point(field, lat, lon)
    if len(points) < 4 or points[0] != points[-1]:
        msg = (
            f"{field} ring has {len(points)} points from {points[:1]} to {points[-1:]}; "
            "expected a closed ring (first point = last) of at least 4 points (CAP 1.2 §3.2.4)."
        )
        raise ValidationError(msg)
    return points


@dataclass(frozen=True)
class NamedValue:
    """A CAP ``valueName``/``value`` pair (``geocode``, ``eventCode``, ``parameter``)."""

    value_name: str
    value: str

    def __post_init__(self) -> None:
        _check_nonblank("valueName", self.value_name)
        check_text("value", self.value)


def insee_geocode(code_insee: str) -> NamedValue:
    """The CAP geocode of a French commune.

    >>> insee_geocode("58194")
    NamedValue(value_name='INSEE', value='58194')
    """
    return NamedValue("INSEE", code_insee)


@dataclass(frozen=True)
class Circle:
    """A CAP circle: centre in WGS 84 degrees and radius in km."""

    lat: float
    lon: float
    radius_km: float

    def __post_init__(self) -> None:
        lat, lon = _round_degrees(self.lat), _round_degrees(self.lon)
        radius_km = round(self.radius_km, RADIUS_DECIMALS) + 0.0
        _check_point("circle", lat, lon)
        if not radius_km >= 0.0:
            msg = f"circle radius_km={self.radius_km}; expected a radius ≥ 0 km."
            raise ValidationError(msg)
        object.__setattr__(self, "lat", lat)
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "radius_km", radius_km)


@dataclass(frozen=True)
class Area:
    """A CAP ``area``: a description and its geography (rings are ``(lat, lon)`` points)."""

    description: str
    polygons: tuple[Ring, ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[NamedValue, ...] = ()

    def __post_init__(self) -> None:
        _check_nonblank("areaDesc", self.description)
        field = f"area {self.description!r} polygon"
        rings = tuple(_normalise_ring(field, ring) for ring in self.polygons)
        object.__setattr__(self, "polygons", rings)

    @property
    def insee_codes(self) -> tuple[str, ...]:
        """The INSEE commune codes among the geocodes."""
        return tuple(g.value for g in self.geocodes if g.value_name == "INSEE")


@dataclass(frozen=True)
class Info:
    """One CAP ``info`` block: the alert in one language."""

    language: str
    categories: tuple[Category, ...]
    event: str
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    response_types: tuple[ResponseType, ...] = ()
    audience: str | None = None
    event_codes: tuple[NamedValue, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    contact: str | None = None
    parameters: tuple[NamedValue, ...] = ()
    areas: tuple[Area, ...] = ()

    def __post_init__(self) -> None:
        if not _LANGUAGE.fullmatch(self.language):
            msg = f"info language={self.language!r}; expected a language tag such as 'fr-FR'."
            raise ValidationError(msg)
        if not self.categories:
            msg = f"info {self.language} has no category; expected at least one (e.g. Health)."
            raise ValidationError(msg)
        _check_nonblank("event", self.event)
        for name in (
            "audience",
            "sender_name",
            "headline",
            "description",
            "instruction",
            "contact",
        ):
            value = getattr(self, name)
            if value is not None:
                check_text(name, value)
        if self.web is not None and not _WEB.fullmatch(self.web):
            msg = f"info web={self.web!r}; expected an absolute http(s) URL without spaces."
            raise ValidationError(msg)
        for name in ("effective", "onset", "expires"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, normalise_time(name, value))


@dataclass(frozen=True)
class Reference:
    """An earlier message that an Update or Cancel refers to (CAP ``references``)."""

    sender: str
    identifier: str
    sent: datetime

    def __post_init__(self) -> None:
        check_cap_id("sender", self.sender)
        check_cap_id("identifier", self.identifier)
        object.__setattr__(self, "sent", normalise_time("references sent", self.sent))


@dataclass(frozen=True)
class Alert:
    """A CAP 1.2 alert message (``scope`` is always Public: the platform alerts the public)."""

    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    infos: tuple[Info, ...] = ()
    references: tuple[Reference, ...] = ()
    codes: tuple[str, ...] = ()
    note: str | None = None
    scope: Literal["Public"] = "Public"

    def __post_init__(self) -> None:
        check_cap_id("identifier", self.identifier)
        check_cap_id("sender", self.sender)
        object.__setattr__(self, "sent", normalise_time("sent", self.sent))
        for code in self.codes:
            _check_nonblank("code", code)
        if self.note is not None:
            check_text("note", self.note)
        if self.msg_type is not MsgType.ALERT and not self.references:
            msg = (
                f"Alert {self.identifier!r} is an {self.msg_type} without references; expected "
                "the sender, identifier and sent time of the message it updates or cancels."
            )
            raise ValidationError(msg)
        languages = [info.language for info in self.infos]
        if len(set(languages)) != len(languages):
            msg = f"Alert {self.identifier!r} has info languages {languages}; expected each once."
            raise ValidationError(msg)

    @property
    def reference(self) -> Reference:
        """The ``Reference`` that an Update or Cancel of this message carries."""
        return Reference(self.sender, self.identifier, self.sent)

    def info_for(self, language: str) -> Info | None:
        """The info block in ``language``, else the first one (CAP readers do the same)."""
        for info in self.infos:
            if info.language == language:
                return info
        return self.infos[0] if self.infos else None

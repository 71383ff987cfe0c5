"""Build and validate OASIS CAP 1.2 XML messages.

CAP 1.2 (OASIS Standard, 2010) is the format public-alerting systems exchange: relays,
MeteoAlarm, Google Public Alerts and street displays read it. ``build_cap_xml`` writes one
message from an :class:`~healthycity.alerts.models.Alert`; ``validate_cap`` checks any
message against the OASIS schema shipped in ``schemas/``.
"""

import re
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from lxml import etree

from healthycity.alerts._xml import check_cap_schema, parse_untrusted_xml
from healthycity.alerts.models import (
    CAP_NAMESPACE,
    COORDINATE_DECIMALS,
    RADIUS_DECIMALS,
    Alert,
    Area,
    Circle,
    Info,
    NamedValue,
    Reference,
    Ring,
    normalise_time,
)
from healthycity.errors import ValidationError

# Times are written in the territory's local time with its offset, as CAP 1.2 §3.3.2
# shows ("2002-05-24T16:49:00-07:00"); the schema pattern forbids "Z" and fractions.
PARIS = ZoneInfo("Europe/Paris")
_CAP_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d")


def format_cap_time(value: datetime, zone: tzinfo = PARIS) -> str:
    """Write an aware datetime as a CAP time in ``zone``.

    >>> from datetime import UTC
    >>> format_cap_time(datetime(2026, 10, 6, 12, 0, 0, 250, tzinfo=UTC))
    '2026-10-06T14:00:00+02:00'
    >>> format_cap_time(datetime(2026, 1, 6, 12, 0, tzinfo=UTC))
    '2026-01-06T13:00:00+01:00'
    """
    text = normalise_time("time", value).astimezone(zone).isoformat(timespec="seconds")
    if not _CAP_TIME.fullmatch(text):
        msg = f"time {value!r} in {zone} is {text!r}; expected a whole-minute UTC offset."
        raise ValidationError(msg)
    return text


def _format_number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_polygon(ring: Ring) -> str:
    """Write a ring as CAP ``lat,lon`` pairs separated by spaces.

    >>> format_polygon(((47.0, 3.1), (47.0, 3.2), (47.1, 3.2), (47.0, 3.1)))
    '47,3.1 47,3.2 47.1,3.2 47,3.1'
    """
    return " ".join(
        f"{_format_number(lat, COORDINATE_DECIMALS)},{_format_number(lon, COORDINATE_DECIMALS)}"
        for lat, lon in ring
    )


def format_circle(circle: Circle) -> str:
    """Write a circle as CAP ``lat,lon radius_km``.

    >>> format_circle(Circle(46.98956, 3.159, 2.5))
    '46.98956,3.159 2.5'
    """
    lat = _format_number(circle.lat, COORDINATE_DECIMALS)
    lon = _format_number(circle.lon, COORDINATE_DECIMALS)
    return f"{lat},{lon} {_format_number(circle.radius_km, RADIUS_DECIMALS)}"


def format_references(references: tuple[Reference, ...], zone: tzinfo = PARIS) -> str:
    """Write CAP ``references``: ``sender,identifier,sent`` triples separated by spaces."""
    return " ".join(
        f"{ref.sender},{ref.identifier},{format_cap_time(ref.sent, zone)}" for ref in references
    )


def _child(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CAP_NAMESPACE}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _optional(parent: etree._Element, tag: str, text: str | None) -> None:
    if text is not None:
        _child(parent, tag, text)


def _named_values(parent: etree._Element, tag: str, pairs: tuple[NamedValue, ...]) -> None:
    for pair in pairs:
        element = _child(parent, tag)
        _child(element, "valueName", pair.value_name)
        _child(element, "value", pair.value)


def _add_area(parent: etree._Element, area: Area) -> None:
    element = _child(parent, "area")
    _child(element, "areaDesc", area.description)
    for ring in area.polygons:
        _child(element, "polygon", format_polygon(ring))
    for circle in area.circles:
        _child(element, "circle", format_circle(circle))
    _named_values(element, "geocode", area.geocodes)


def _add_info(parent: etree._Element, info: Info, zone: tzinfo) -> None:
    # Children in the order of the CAP 1.2 schema's info sequence.
    element = _child(parent, "info")
    _child(element, "language", info.language)
    for category in info.categories:
        _child(element, "category", category.value)
    _child(element, "event", info.event)
    for response_type in info.response_types:
        _child(element, "responseType", response_type.value)
    _child(element, "urgency", info.urgency.value)
    _child(element, "severity", info.severity.value)
    _child(element, "certainty", info.certainty.value)
    _optional(element, "audience", info.audience)
    _named_values(element, "eventCode", info.event_codes)
    for tag, time in (
        ("effective", info.effective),
        ("onset", info.onset),
        ("expires", info.expires),
    ):
        if time is not None:
            _child(element, tag, format_cap_time(time, zone))
    _optional(element, "senderName", info.sender_name)
    _optional(element, "headline", info.headline)
    _optional(element, "description", info.description)
    _optional(element, "instruction", info.instruction)
    _optional(element, "web", info.web)
    _optional(element, "contact", info.contact)
    _named_values(element, "parameter", info.parameters)
    for area in info.areas:
        _add_area(element, area)


def build_cap_xml(alert: Alert, *, zone: tzinfo = PARIS) -> bytes:
    """Write ``alert`` as a CAP 1.2 XML document (UTF-8, with an XML declaration).

    Parameters
    ----------
    alert
        The message; its info blocks are written in their order (French first by
        convention, see ``PUBLISHED_LANGUAGES``).
    zone
        Time zone in which ``sent`` and the info times are written, with their offset.
        Mainland territories use Europe/Paris; overseas ones pass their own
        (e.g. ``ZoneInfo("Indian/Reunion")``).

    Returns
    -------
    bytes
        A document that ``validate_cap`` accepts and ``parse_cap`` reads back into an
        equal ``Alert``.
    """
    root = etree.Element(f"{{{CAP_NAMESPACE}}}alert", nsmap={None: CAP_NAMESPACE})
    _child(root, "identifier", alert.identifier)
    _child(root, "sender", alert.sender)
    _child(root, "sent", format_cap_time(alert.sent, zone))
    _child(root, "status", alert.status.value)
    _child(root, "msgType", alert.msg_type.value)
    _child(root, "scope", alert.scope)
    for code in alert.codes:
        _child(root, "code", code)
    _optional(root, "note", alert.note)
    if alert.references:
        _child(root, "references", format_references(alert.references, zone))
    for info in alert.infos:
        _add_info(root, info, zone)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validate_cap(xml_bytes: bytes) -> None:
    """Check a CAP document: size, no DOCTYPE, well-formed, CAP 1.2 namespace and schema.

    Raises
    ------
    ValidationError
        Naming what is wrong (the line and element path for schema violations).
    """
    tree = parse_untrusted_xml(xml_bytes, what="CAP document")
    check_cap_schema(tree, what="CAP document")

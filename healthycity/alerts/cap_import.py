"""Read CAP 1.2 messages from other authorities (e.g. Météo-France vigilance) to relay them.

The document comes from outside, so it is checked in this order, each failure raising a
``ValidationError`` that says what was wrong: size (before any parsing), well-formed XML
without DOCTYPE, the CAP 1.2 namespace, the OASIS schema, then what the schema leaves as
free text (polygons, circles, references) and what the platform relays (public Alert,
Update and Cancel messages only). Elements the platform does not relay are dropped:
``source``, ``incidents``, ``resource``, ``altitude``, ``ceiling`` and XML signatures.
"""

import re
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from lxml import etree

from healthycity.alerts._xml import check_cap_schema, parse_untrusted_xml
from healthycity.alerts.models import (
    CAP_NAMESPACE,
    Alert,
    Area,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    NamedValue,
    Point,
    Reference,
    ResponseType,
    Ring,
    Severity,
    Status,
    Urgency,
)
from healthycity.errors import ValidationError

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_POINT = re.compile(rf"({_NUMBER}),({_NUMBER})")
_CIRCLE = re.compile(rf"({_NUMBER}),({_NUMBER})\s+({_NUMBER})")
_T = TypeVar("_T")


def _tag(name: str) -> str:
    return f"{{{CAP_NAMESPACE}}}{name}"


def _text(parent: etree._Element, name: str) -> str | None:
    element = parent.find(_tag(name))
    if element is None:
        return None
    return element.text or ""


def _required(parent: etree._Element, name: str) -> str:
    # The schema guarantees required elements; an empty one reads as "".
    return _text(parent, name) or ""


def _texts(parent: etree._Element, name: str) -> tuple[str, ...]:
    return tuple(element.text or "" for element in parent.iterfind(_tag(name)))


def _time(text: str | None) -> datetime | None:
    # The schema pattern already fixed the shape: YYYY-MM-DDThh:mm:ss±hh:mm.
    return None if text is None else datetime.fromisoformat(text)


def _named_values(parent: etree._Element, name: str) -> tuple[NamedValue, ...]:
    return tuple(
        NamedValue(_required(element, "valueName"), _required(element, "value"))
        for element in parent.iterfind(_tag(name))
    )


def _parse_ring(text: str) -> Ring:
    points: list[Point] = []
    for token in text.split():
        match = _POINT.fullmatch(token)
        if match is None:
            msg = (
                f"polygon point {token!r}; expected 'lat,lon' in WGS 84 decimal degrees, "
                "points separated by spaces (CAP 1.2 §3.2.4)."
            )
            raise ValidationError(msg)
        points.append((float(match.group(1)), float(match.group(2))))
    return tuple(points)


def _parse_circle(text: str) -> Circle:
    match = _CIRCLE.fullmatch(text.strip())
    if match is None:
        msg = f"circle {text!r}; expected 'lat,lon radius_km' (CAP 1.2 §3.2.4)."
        raise ValidationError(msg)
    lat, lon, radius_km = (float(group) for group in match.groups())
    return Circle(lat, lon, radius_km)


def _parse_references(text: str) -> tuple[Reference, ...]:
    references = []
    for token in text.split():
        parts = token.split(",")
        if len(parts) != len(("sender", "identifier", "sent")):
            msg = f"references entry {token!r}; expected 'sender,identifier,sent' (CAP 1.2)."
            raise ValidationError(msg)
        try:
            sent = datetime.fromisoformat(parts[2])
        except ValueError as exc:
            msg = f"references entry {token!r} has sent={parts[2]!r}; expected a CAP time."
            raise ValidationError(msg) from exc
        references.append(Reference(parts[0], parts[1], sent))
    return tuple(references)


def _in_element(element: etree._Element, build: Callable[[etree._Element], _T]) -> _T:
    """Map ``element`` with ``build``, prefixing any ValidationError with its name and line."""
    try:
        return build(element)
    except ValidationError as exc:
        name = etree.QName(element).localname
        msg = f"CAP document line {element.sourceline}, <{name}>: {exc}"
        raise ValidationError(msg) from exc


def _area(element: etree._Element) -> Area:
    return Area(
        description=_required(element, "areaDesc"),
        polygons=tuple(_parse_ring(text) for text in _texts(element, "polygon")),
        circles=tuple(_parse_circle(text) for text in _texts(element, "circle")),
        geocodes=_named_values(element, "geocode"),
    )


def _info(element: etree._Element) -> Info:
    return Info(
        language=_text(element, "language") or "en-US",  # the CAP 1.2 default language
        categories=tuple(Category(text) for text in _texts(element, "category")),
        event=_required(element, "event"),
        response_types=tuple(ResponseType(text) for text in _texts(element, "responseType")),
        urgency=Urgency(_required(element, "urgency")),
        severity=Severity(_required(element, "severity")),
        certainty=Certainty(_required(element, "certainty")),
        audience=_text(element, "audience"),
        event_codes=_named_values(element, "eventCode"),
        effective=_time(_text(element, "effective")),
        onset=_time(_text(element, "onset")),
        expires=_time(_text(element, "expires")),
        sender_name=_text(element, "senderName"),
        headline=_text(element, "headline"),
        description=_text(element, "description"),
        instruction=_text(element, "instruction"),
        web=_text(element, "web"),
        contact=_text(element, "contact"),
        parameters=_named_values(element, "parameter"),
        areas=tuple(_in_element(area, _area) for area in element.iterfind(_tag("area"))),
    )


def _check_relayable(root: etree._Element) -> None:
    msg_type = _required(root, "msgType")
    if msg_type not in {m.value for m in MsgType}:
        msg = (
            f"CAP document has msgType={msg_type!r}; expected Alert, Update or Cancel "
            "(acknowledgements and error reports are not relayed)."
        )
        raise ValidationError(msg)
    scope = _required(root, "scope")
    if scope != "Public":
        msg = (
            f"CAP document has scope={scope!r}; expected 'Public' (only public alerts are relayed)."
        )
        raise ValidationError(msg)


def _alert(root: etree._Element) -> Alert:
    references = _text(root, "references")
    return Alert(
        identifier=_required(root, "identifier"),
        sender=_required(root, "sender"),
        sent=datetime.fromisoformat(_required(root, "sent")),
        status=Status(_required(root, "status")),
        msg_type=MsgType(_required(root, "msgType")),
        codes=_texts(root, "code"),
        note=_text(root, "note"),
        references=() if references is None else _parse_references(references),
        infos=tuple(_in_element(info, _info) for info in root.iterfind(_tag("info"))),
    )


def parse_cap(data: bytes) -> Alert:
    """Read a CAP 1.2 message received from outside.

    Parameters
    ----------
    data
        The raw document, at most ``MAX_CAP_BYTES`` (1 MiB).

    Returns
    -------
    Alert
        The message, its times in UTC.

    Raises
    ------
    ValidationError
        If the document is oversized, not XML, declares a DOCTYPE (entity expansion,
        external entities), is not in the CAP 1.2 namespace, violates the schema (with the
        line and element path), has malformed polygons, circles or references, or is not
        a public Alert, Update or Cancel.
    """
    tree = parse_untrusted_xml(data, what="CAP document")
    check_cap_schema(tree, what="CAP document")
    root = tree.getroot()
    _check_relayable(root)
    return _in_element(root, _alert)

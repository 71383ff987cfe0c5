"""Hypothesis: any valid alert builds a schema-valid CAP message that parses back equal."""

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from healthycity.alerts.cap import build_cap_xml, validate_cap
from healthycity.alerts.cap_import import parse_cap
from healthycity.alerts.models import (
    Alert,
    Area,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    NamedValue,
    Reference,
    ResponseType,
    Severity,
    Status,
    Urgency,
)

# Text as users type it: accents, XML specials, quotes, tabs and line breaks (CR too),
# and anything else XML 1.0 can carry.
_INVALID_IN_XML = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff"
_TEXT_CHARS = st.one_of(
    st.sampled_from("<>&\"'éèêàçùÉÈÀÇœŒ«»€°µ’ \t\n\r"),
    st.characters(codec="utf-8", exclude_characters=_INVALID_IN_XML),
)
texts = st.text(_TEXT_CHARS, max_size=30)
nonblank = texts.filter(lambda s: bool(s.strip()))
cap_ids = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "P", "S")), min_size=1, max_size=20
).filter(lambda s: not re.search(r"[\s,<&]", s))
zones = st.sampled_from(
    [UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/Cayenne"), timezone(timedelta(hours=4))]
)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=zones
)
latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
points = st.tuples(latitudes, longitudes)
rings = st.lists(points, min_size=3, max_size=8).map(lambda p: (*p, p[0]))
named_values = st.builds(NamedValue, nonblank, texts)


@st.composite
def areas(draw: st.DrawFn) -> Area:
    return Area(
        draw(nonblank),
        polygons=tuple(draw(st.lists(rings, max_size=2))),
        circles=tuple(
            draw(st.lists(st.builds(Circle, latitudes, longitudes, st.floats(0, 1000)), max_size=2))
        ),
        geocodes=tuple(draw(st.lists(named_values, max_size=2))),
    )


def _optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.none() | strategy


@st.composite
def infos(draw: st.DrawFn, language: str) -> Info:
    return Info(
        language=language,
        categories=tuple(draw(st.lists(st.sampled_from(Category), min_size=1, max_size=3))),
        event=draw(nonblank),
        response_types=tuple(draw(st.lists(st.sampled_from(ResponseType), max_size=2))),
        urgency=draw(st.sampled_from(Urgency)),
        severity=draw(st.sampled_from(Severity)),
        certainty=draw(st.sampled_from(Certainty)),
        audience=draw(_optional(texts)),
        event_codes=tuple(draw(st.lists(named_values, max_size=2))),
        effective=draw(st.none() | times),
        onset=draw(st.none() | times),
        expires=draw(st.none() | times),
        sender_name=draw(_optional(texts)),
        headline=draw(_optional(texts)),
        description=draw(_optional(texts)),
        instruction=draw(_optional(texts)),
        web=draw(_optional(st.sampled_from(["https://alertes.example/a?b=1&c=é", "http://x.fr"]))),
        contact=draw(_optional(texts)),
        parameters=tuple(draw(st.lists(named_values, max_size=2))),
        areas=tuple(draw(st.lists(areas(), max_size=2))),
    )


@st.composite
def alerts(draw: st.DrawFn) -> Alert:
    msg_type = draw(st.sampled_from(MsgType))
    references = tuple(
        draw(
            st.lists(
                st.builds(Reference, cap_ids, cap_ids, times),
                min_size=0 if msg_type is MsgType.ALERT else 1,
                max_size=3,
            )
        )
    )
    languages = draw(st.sampled_from([(), ("fr-FR",), ("fr-FR", "en-GB"), ("en-GB", "fr-FR")]))
    return Alert(
        identifier=draw(cap_ids),
        sender=draw(cap_ids),
        sent=draw(times),
        status=draw(st.sampled_from(Status)),
        msg_type=msg_type,
        infos=tuple(draw(infos(language)) for language in languages),
        references=references,
        codes=tuple(draw(st.lists(nonblank, max_size=2))),
        note=draw(_optional(texts)),
    )


@settings(deadline=None)  # the first example loads the schema
@given(alerts(), zones)
def test_build_cap_xml_of_any_alert_is_schema_valid_and_parses_back_equal(
    alert: Alert, zone: ZoneInfo
) -> None:
    xml = build_cap_xml(alert, zone=zone)
    validate_cap(xml)
    assert parse_cap(xml) == alert

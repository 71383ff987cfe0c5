"""The alert dataclasses refuse what CAP forbids and normalise what CAP cannot carry."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

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
    Severity,
    Status,
    Urgency,
    insee_geocode,
)
from healthycity.errors import ValidationError

SENT = datetime(2026, 10, 6, 12, 0, tzinfo=UTC)
RING = ((46.99, 3.15), (46.99, 3.17), (47.0, 3.17), (46.99, 3.15))


def _info(**overrides: object) -> Info:
    fields: dict[str, object] = {
        "language": "fr-FR",
        "categories": (Category.HEALTH,),
        "event": "Canicule",
        "urgency": Urgency.EXPECTED,
        "severity": Severity.SEVERE,
        "certainty": Certainty.LIKELY,
    } | overrides
    return Info(**fields)  # type: ignore[arg-type]  # test helper: fields vary per test


def _alert(**overrides: object) -> Alert:
    fields: dict[str, object] = {
        "identifier": "hc-1",
        "sender": "alertes@nievre.example",
        "sent": SENT,
        "status": Status.ACTUAL,
        "msg_type": MsgType.ALERT,
    } | overrides
    return Alert(**fields)  # type: ignore[arg-type]  # test helper: fields vary per test


def test_area_rounds_coordinates_to_five_decimals() -> None:
    ring = ((46.123456789, 3.000004), (46.2, 3.1), (46.3, 3.1), (46.123456789, 3.000004))
    area = Area("Nevers", polygons=(ring,))
    assert area.polygons[0][0] == (46.12346, 3.0)
    assert area.polygons[0][-1] == area.polygons[0][0]


def test_area_turns_negative_zero_into_zero() -> None:
    ring = ((-0.000001, 0.0), (0.1, 0.0), (0.1, 0.1), (-0.000001, 0.0))
    assert str(Area("Null Island", polygons=(ring,)).polygons[0][0][0]) == "0.0"


@pytest.mark.parametrize(
    ("ring", "reason"),
    [
        (RING[:-1], "expected a closed ring"),
        (((46.99, 3.15), (47.0, 3.17), (46.99, 3.15)), "ring has 3 points"),
        ((), "ring has 0 points"),
        (((91.0, 3.0), (46.0, 3.0), (46.0, 4.0), (91.0, 3.0)), "lat=91.0"),
        (((46.0, -181.0), (46.0, 3.0), (47.0, 3.0), (46.0, -181.0)), "lon=-181.0"),
        (((float("nan"), 3.0), (46.0, 3.0), (47.0, 3.0), (float("nan"), 3.0)), "lat=nan"),
    ],
)
def test_area_refuses_rings_cap_forbids(ring: tuple[tuple[float, float], ...], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Area("Nevers", polygons=(ring,))


def test_area_lists_its_insee_codes() -> None:
    area = Area(
        "Nevers et Varennes",
        geocodes=(insee_geocode("58194"), NamedValue("EMMA_ID", "FR58"), insee_geocode("58303")),
    )
    assert area.insee_codes == ("58194", "58303")


def test_area_needs_a_description() -> None:
    with pytest.raises(ValidationError, match="areaDesc=' ' is blank"):
        Area(" ")


def test_circle_refuses_a_negative_radius() -> None:
    with pytest.raises(ValidationError, match="radius_km=-1"):
        Circle(47.0, 3.1, -1)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"language": "français"}, "language='français'"),
        ({"categories": ()}, "no category"),
        ({"event": ""}, "event='' is blank"),
        ({"web": "vigilance.meteofrance.fr"}, "expected an absolute http"),
        ({"headline": "pic\x00"}, "contains '\\\\x00'"),
        ({"onset": datetime(2026, 7, 1, 16)}, "onset=2026-07-01T16:00:00 has no timezone"),
    ],
)
def test_info_refuses_invalid_fields(overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        _info(**overrides)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"identifier": "hc 1"}, "identifier='hc 1'; expected a non-empty CAP identifier"),
        ({"identifier": "hc,1"}, "without spaces, commas"),
        ({"sender": "a&b"}, "sender='a&b'"),
        ({"identifier": ""}, "identifier=''"),
        ({"sent": datetime(2026, 10, 6, 12)}, "sent=2026-10-06T12:00:00 has no timezone"),
        ({"msg_type": MsgType.UPDATE}, "is an Update without references"),
        ({"infos": (_info(), _info())}, r"info languages \['fr-FR', 'fr-FR'\]"),
    ],
)
def test_alert_refuses_invalid_fields(overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        _alert(**overrides)


def test_alert_truncates_sent_to_the_second_and_keeps_the_instant() -> None:
    paris_summer = timezone(timedelta(hours=2))
    alert = _alert(sent=datetime(2026, 10, 6, 14, 0, 0, 987654, tzinfo=paris_summer))
    assert alert.sent == SENT
    assert alert.sent.microsecond == 0


def test_alert_reference_points_at_the_message() -> None:
    alert = _alert()
    assert alert.reference == Reference("alertes@nievre.example", "hc-1", SENT)


def test_alert_info_for_falls_back_to_the_first_block() -> None:
    french, english = _info(), _info(language="en-GB", event="Heat wave")
    alert = _alert(infos=(french, english))
    assert alert.info_for("en-GB") is english
    assert alert.info_for("de-DE") is french
    assert _alert().info_for("fr-FR") is None

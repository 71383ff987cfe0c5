"""CAP 1.2 messages built from alerts: schema-valid, exact fields, and read back equal."""

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from healthycity.alerts._xml import MAX_CAP_BYTES, _readable_path
from healthycity.alerts.cap import build_cap_xml, format_cap_time, validate_cap
from healthycity.alerts.cap_import import parse_cap
from healthycity.alerts.models import (
    CAP_NAMESPACE,
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    Severity,
    Status,
    Urgency,
    insee_geocode,
)
from healthycity.errors import ValidationError

NS = {"cap": CAP_NAMESPACE}
NIEVRE_GEOJSON = Path(__file__).parents[3] / "data" / "geo" / "communes-58-nievre.geojson"


def _root(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def test_build_cap_xml_alert_update_cancel_validate_against_oasis_schema(
    alert: Alert, update: Alert, cancel: Alert
) -> None:
    for message in (alert, update, cancel):
        validate_cap(build_cap_xml(message))


def test_build_cap_xml_writes_header_fields(alert: Alert) -> None:
    root = _root(build_cap_xml(alert))
    assert root.tag == f"{{{CAP_NAMESPACE}}}alert"
    assert root.findtext("cap:identifier", namespaces=NS) == "hc-58-2026-0042"
    assert root.findtext("cap:sender", namespaces=NS) == "alertes@sante.nievre.example"
    # 12:00 UTC is 14:00 in Paris in October (CEST, UTC+2), written with its offset.
    assert root.findtext("cap:sent", namespaces=NS) == "2026-10-06T14:00:00+02:00"
    assert root.findtext("cap:status", namespaces=NS) == "Actual"
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert root.findtext("cap:scope", namespaces=NS) == "Public"
    assert root.find("cap:references", namespaces=NS) is None


def test_build_cap_xml_writes_one_info_per_language_french_first(alert: Alert) -> None:
    root = _root(build_cap_xml(alert))
    infos = root.findall("cap:info", namespaces=NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["fr-FR", "en-GB"]
    assert [i.findtext("cap:event", namespaces=NS) for i in infos] == [
        "Pollution de l'air",
        "Air pollution",
    ]
    french = infos[0]
    assert [c.text for c in french.findall("cap:category", namespaces=NS)] == ["Health", "Env"]
    assert french.findtext("cap:urgency", namespaces=NS) == "Immediate"
    assert french.findtext("cap:severity", namespaces=NS) == "Severe"
    assert french.findtext("cap:certainty", namespaces=NS) == "Observed"
    assert french.findtext("cap:onset", namespaces=NS) == "2026-10-06T14:00:00+02:00"
    assert french.findtext("cap:expires", namespaces=NS) == "2026-10-08T00:00:00+02:00"
    # Special characters travel escaped and come back intact.
    assert french.findtext("cap:description", namespaces=NS) == (
        "Indice ATMO « très mauvais » (PM10 > 100 µg/m³) < 24 h & plus."
    )


def test_build_cap_xml_writes_closed_lat_lon_polygon_and_insee_geocode(alert: Alert) -> None:
    area = _root(build_cap_xml(alert)).find("cap:info/cap:area", namespaces=NS)
    assert area is not None
    assert area.findtext("cap:areaDesc", namespaces=NS) == "Nevers"
    assert area.findtext("cap:polygon", namespaces=NS) == (
        "46.99,3.15 46.99,3.17 47,3.17 47,3.15 46.99,3.15"
    )
    assert area.findtext("cap:geocode/cap:valueName", namespaces=NS) == "INSEE"
    assert area.findtext("cap:geocode/cap:value", namespaces=NS) == "58194"


def test_build_cap_xml_update_references_the_original(alert: Alert, update: Alert) -> None:
    root = _root(build_cap_xml(update))
    assert root.findtext("cap:msgType", namespaces=NS) == "Update"
    assert root.findtext("cap:references", namespaces=NS) == (
        "alertes@sante.nievre.example,hc-58-2026-0042,2026-10-06T14:00:00+02:00"
    )


def test_build_cap_xml_cancel_references_every_earlier_message(cancel: Alert) -> None:
    root = _root(build_cap_xml(cancel))
    assert root.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert root.findtext("cap:references", namespaces=NS) == (
        "alertes@sante.nievre.example,hc-58-2026-0042,2026-10-06T14:00:00+02:00 "
        "alertes@sante.nievre.example,hc-58-2026-0043,2026-10-06T18:30:00+02:00"
    )
    assert root.findall("cap:info", namespaces=NS) == []


@pytest.mark.parametrize("name", ["alert", "update", "cancel"])
def test_parse_cap_reads_back_the_built_message(name: str, request: pytest.FixtureRequest) -> None:
    message: Alert = request.getfixturevalue(name)
    assert parse_cap(build_cap_xml(message)) == message


def test_build_cap_xml_uses_the_given_zone_for_overseas_territories(alert: Alert) -> None:
    xml = build_cap_xml(alert, zone=ZoneInfo("Indian/Reunion"))
    assert _root(xml).findtext("cap:sent", namespaces=NS) == "2026-10-06T16:00:00+04:00"
    assert parse_cap(xml) == alert


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 1, 15, 8, 30, tzinfo=UTC), "2026-01-15T09:30:00+01:00"),  # CET
        (datetime(2026, 7, 15, 8, 30, tzinfo=UTC), "2026-07-15T10:30:00+02:00"),  # CEST
        (datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC), "2026-03-29T01:59:59+01:00"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "2026-03-29T03:00:00+02:00"),  # DST starts
    ],
)
def test_format_cap_time_writes_paris_time_with_offset_and_whole_seconds(
    moment: datetime, text: str
) -> None:
    assert format_cap_time(moment) == text


def test_format_cap_time_rejects_an_offset_with_seconds() -> None:
    odd_zone = timezone(timedelta(minutes=9, seconds=21))  # Paris mean time before 1911
    with pytest.raises(ValidationError, match="whole-minute UTC offset"):
        format_cap_time(datetime(2026, 1, 1, tzinfo=UTC), odd_zone)


def test_validate_cap_names_the_line_and_element_of_a_schema_violation(alert: Alert) -> None:
    xml = build_cap_xml(alert).replace(
        b"<severity>Severe</severity>", b"<severity>Grave</severity>", 1
    )
    with pytest.raises(ValidationError) as caught:
        validate_cap(xml)
    message = str(caught.value)
    line = xml[: xml.index(b"<severity>Grave")].count(b"\n") + 1
    assert f"line {line}, /alert/info[1]/severity:" in message
    assert "'Grave'" in message


def _nievre_areas() -> tuple[Area, ...]:
    features = json.loads(NIEVRE_GEOJSON.read_text(encoding="utf-8"))["features"]
    return tuple(
        Area(
            f["properties"]["nom"],
            polygons=(tuple((lat, lon) for lon, lat in f["geometry"]["coordinates"][0]),),
            geocodes=(insee_geocode(f["properties"]["code"]),),
        )
        for f in features
    )


def test_build_cap_xml_carries_every_nievre_commune_polygon_under_the_size_limit() -> None:
    areas = _nievre_areas()
    info = Info(
        language="fr-FR",
        categories=(Category.HEALTH,),
        event="Canicule",
        urgency=Urgency.EXPECTED,
        severity=Severity.SEVERE,
        certainty=Certainty.LIKELY,
        areas=areas,
    )
    alert = Alert(
        "hc-58-canicule",
        "alertes@sante.nievre.example",
        datetime(2026, 7, 1, 16, tzinfo=UTC),
        Status.EXERCISE,
        MsgType.ALERT,
        infos=(info,),
    )
    xml = build_cap_xml(alert)
    assert len(areas) == 309
    assert 400_000 < len(xml) < MAX_CAP_BYTES  # 0.46 MB for the whole département
    assert parse_cap(xml) == alert


@pytest.mark.parametrize(
    ("path", "readable"),
    [
        ("/*/*[4]", "/alert/status"),
        ("/*/*[8]/*[2]", "/alert/info[2]/category[1]"),
        (None, "/"),
        ("/*/*[99]", "/*/*[99]"),  # matches nothing: shown as libxml2 gave it
    ],
)
def test_readable_path_names_elements_and_their_position(
    alert: Alert, path: str | None, readable: str
) -> None:
    tree = etree.fromstring(build_cap_xml(alert)).getroottree()
    assert _readable_path(tree, path) == readable


def test_format_cap_time_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValidationError, match="has no timezone"):
        format_cap_time(datetime(2026, 10, 6, 14, 0))

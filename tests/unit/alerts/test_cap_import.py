"""Import of external CAP messages: real-shaped messages read, hostile documents refused."""

import time
from datetime import UTC, datetime

import pytest

from healthycity.alerts._xml import MAX_CAP_BYTES
from healthycity.alerts.cap import build_cap_xml
from healthycity.alerts.cap_import import parse_cap
from healthycity.alerts.models import (
    Alert,
    Category,
    Certainty,
    MsgType,
    NamedValue,
    Severity,
    Status,
    Urgency,
)
from healthycity.errors import ValidationError

# Shaped like a Météo-France vigilance message in the MeteoAlarm profile (geocodes instead
# of polygons, awareness parameters, fr-FR and en-GB blocks); written for this test, with
# elements the platform does not relay (source, incidents, resource).
VIGILANCE = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>2.49.0.0.250.0.FR.20260706060000.1234</identifier>
  <sender>vigilance@meteo.fr</sender>
  <sent>2026-07-06T06:00:00+02:00</sent>
  <status>Actual</status>
  <msgType>Update</msgType>
  <source>Météo-France</source>
  <scope>Public</scope>
  <code>IPAWSv1.0</code>
  <references>vigilance@meteo.fr,2.49.0.0.250.0.FR.20260705160000.1200,2026-07-05T16:00:00+02:00</references>
  <incidents>canicule-2026-07</incidents>
  <info>
    <language>fr-FR</language>
    <category>Met</category>
    <category>Health</category>
    <event>Vigilance orange canicule</event>
    <responseType>Prepare</responseType>
    <urgency>Future</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <eventCode><valueName>DHW</valueName><value>canicule</value></eventCode>
    <onset>2026-07-06T16:00:00+02:00</onset>
    <expires>2026-07-08T06:00:00+02:00</expires>
    <senderName>Météo-France</senderName>
    <headline>Vigilance orange canicule : Nièvre</headline>
    <description>Épisode caniculaire : 36 °C l'après-midi, 21 °C la nuit.</description>
    <instruction>Buvez régulièrement de l'eau.</instruction>
    <web>https://vigilance.meteofrance.fr/fr</web>
    <parameter><valueName>awareness_level</valueName><value>3; orange; Severe</value></parameter>
    <parameter><valueName>awareness_type</valueName><value>5; high-temperature</value></parameter>
    <resource><resourceDesc>carte</resourceDesc><mimeType>image/png</mimeType></resource>
    <area>
      <areaDesc>Nièvre</areaDesc>
      <geocode><valueName>EMMA_ID</valueName><value>FR58</value></geocode>
    </area>
  </info>
  <info>
    <language>en-GB</language>
    <category>Met</category>
    <event>Orange heat-wave warning</event>
    <urgency>Future</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <area><areaDesc>Nièvre</areaDesc><circle>47.06,3.5 40</circle></area>
  </info>
</alert>
"""

# A CAP 1.2 message reduced to what the schema requires, to mutate in the tests below.
MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>ext-1</identifier>
  <sender>prefecture@nievre.example</sender>
  <sent>2026-10-06T14:00:00+02:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Health</category>
    <event>Eau non potable</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <area><areaDesc>Nevers</areaDesc><polygon>POLYGON</polygon></area>
  </info>
</alert>
"""
CLOSED = "46.99,3.15 46.99,3.17 47,3.17 46.99,3.15"


def _minimal(polygon: str = CLOSED) -> bytes:
    return MINIMAL.replace("POLYGON", polygon).encode()


def test_parse_cap_reads_a_vigilance_shaped_message() -> None:
    alert = parse_cap(VIGILANCE.encode())
    assert alert.identifier == "2.49.0.0.250.0.FR.20260706060000.1234"
    assert alert.sent == datetime(2026, 7, 6, 4, 0, tzinfo=UTC)
    assert alert.msg_type is MsgType.UPDATE
    assert alert.codes == ("IPAWSv1.0",)
    (reference,) = alert.references
    assert reference.identifier == "2.49.0.0.250.0.FR.20260705160000.1200"
    assert reference.sent == datetime(2026, 7, 5, 14, 0, tzinfo=UTC)
    french, english = alert.infos
    assert french.categories == (Category.MET, Category.HEALTH)
    assert (french.urgency, french.severity, french.certainty) == (
        Urgency.FUTURE,
        Severity.SEVERE,
        Certainty.LIKELY,
    )
    assert french.parameters[0] == NamedValue("awareness_level", "3; orange; Severe")
    assert french.areas[0].geocodes == (NamedValue("EMMA_ID", "FR58"),)
    assert english.areas[0].circles[0].radius_km == 40.0
    # Re-published by the platform, the relayed message is valid CAP again and reads back.
    assert parse_cap(build_cap_xml(alert)) == alert


def test_parse_cap_defaults_a_missing_language_to_en_us() -> None:
    alert = parse_cap(_minimal())
    assert alert.infos[0].language == "en-US"
    assert alert.infos[0].areas[0].polygons[0][0] == (46.99, 3.15)


def test_parse_cap_reads_a_utf16_document() -> None:
    document = MINIMAL.replace("UTF-8", "UTF-16").replace("POLYGON", CLOSED)
    assert parse_cap(document.encode("utf-16")).identifier == "ext-1"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>
"""


def test_parse_cap_refuses_billion_laughs_without_expanding_it() -> None:
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="declares a DOCTYPE") as caught:
        parse_cap(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1.0  # 10⁹ "lol"s were never produced
    assert "lollol" not in str(caught.value)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE alert SYSTEM "http://127.0.0.1:9/evil.dtd">',
        '<!DOCTYPE alert [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>',
    ],
    ids=["xxe-file", "external-dtd", "parameter-entity"],
)
def test_parse_cap_refuses_external_entities_and_dtds(doctype: str) -> None:
    document = MINIMAL.replace("POLYGON", CLOSED).replace(
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n',
    )
    document = document.replace("<event>Eau non potable</event>", "<event>&xxe;</event>")
    with pytest.raises(ValidationError, match="declares a DOCTYPE") as caught:
        parse_cap(document.encode())
    assert "root:" not in str(caught.value)  # nothing of /etc/passwd leaks into the error


def test_parse_cap_refuses_a_doctype_in_utf16_too() -> None:
    document = BILLION_LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    with pytest.raises(ValidationError, match="declares a DOCTYPE"):
        parse_cap(document.encode("utf-16"))


def test_parse_cap_refuses_an_oversized_document_before_parsing_it() -> None:
    # Not even XML: the size check must answer before the parser sees it.
    with pytest.raises(ValidationError) as caught:
        parse_cap(b"x" * (MAX_CAP_BYTES + 1))
    assert str(caught.value) == (
        "CAP document is 1,048,577 bytes; expected at most 1,048,576 bytes."
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "is empty"),
        (b"  \n", "is empty"),
        (b"hello", "not well-formed XML: Start tag expected"),
        (b'{"identifier": "x"}', "not well-formed XML"),
        (b"<alert><identifier>x</alert>", "not well-formed XML: Opening and ending tag mismatch"),
        (b"<alert>&undeclared;</alert>", "Entity 'undeclared' not defined"),
    ],
)
def test_parse_cap_refuses_what_is_not_xml(data: bytes, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        parse_cap(data)


def test_parse_cap_refuses_a_deeply_nested_document() -> None:
    nested = b"<alert>" * 5000 + b"</alert>" * 5000  # 70 kB, far below the size limit
    with pytest.raises(ValidationError, match="Excessive depth in document: 256"):
        parse_cap(nested)


def test_parse_cap_gives_the_line_of_a_syntax_error() -> None:
    with pytest.raises(ValidationError, match=r"line 3, column \d+\.$"):
        parse_cap(b"<alert>\n<identifier>x</identifier>\n<sender>y</alert>")


def test_parse_cap_refuses_text() -> None:
    with pytest.raises(ValidationError, match="is a str; expected bytes"):
        parse_cap(MINIMAL)  # type: ignore[arg-type]  # the mistake under test


def test_parse_cap_refuses_another_namespace() -> None:
    document = _minimal().replace(b"cap:1.2", b"cap:1.1")
    with pytest.raises(ValidationError) as caught:
        parse_cap(document)
    assert "namespace 'urn:oasis:names:tc:emergency:cap:1.1'" in str(caught.value)
    assert "expected 'alert' in namespace 'urn:oasis:names:tc:emergency:cap:1.2'" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"<status>Actual", b"<status>Real", r"line 6, /alert/status: .*'Real'"),
        (b"+02:00</sent>", b"Z</sent>", r"line 5, /alert/sent: .*'2026-10-06T14:00:00Z'"),
        (b"<urgency>Immediate</urgency>", b"", r"/alert/info/severity: .*not expected"),
        (b"<category>Health</category>", b"<category>Pollution</category>", "'Pollution'"),
    ],
)
def test_parse_cap_names_line_and_path_of_schema_violations(
    old: bytes, new: bytes, reason: str
) -> None:
    with pytest.raises(ValidationError, match=f"does not match the CAP 1.2 schema: .*{reason}"):
        parse_cap(_minimal().replace(old, new))


@pytest.mark.parametrize(
    ("polygon", "reason"),
    [
        ("3.15,46.99 3.17", r"polygon point '3.17'; expected 'lat,lon'"),
        ("abc", r"polygon point 'abc'"),
        ("46.99,3.15 46.99,3.17 47,3.17 47,3.15", "expected a closed ring"),
        ("46.99,3.15 47,3.17 46.99,3.15", "ring has 3 points"),
        ("146.99,3.15 46.99,3.17 47,3.17 146.99,3.15", "lat=146.99"),
    ],
)
def test_parse_cap_refuses_malformed_polygons_with_their_line(polygon: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=f"line 15, <area>: .*{reason}"):
        parse_cap(_minimal(polygon))


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"<msgType>Alert", b"<msgType>Ack", "msgType='Ack'; expected Alert, Update or Cancel"),
        (
            b"<scope>Public</scope>",
            b"<scope>Restricted</scope><restriction>services</restriction>",
            "scope='Restricted'; expected 'Public'",
        ),
        (b"<msgType>Alert", b"<msgType>Cancel", "Cancel without references"),
        (b"<identifier>ext-1", b"<identifier>ext 1", "identifier='ext 1'"),
        (
            b"<scope>",
            b"<references>a,b</references><scope>",
            "/alert/references: .*not expected",  # the schema puts references after scope
        ),
    ],
)
def test_parse_cap_refuses_messages_it_cannot_relay(old: bytes, new: bytes, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        parse_cap(_minimal().replace(old, new))


def test_parse_cap_refuses_malformed_references() -> None:
    document = _minimal().replace(
        b"<msgType>Alert</msgType>\n  <scope>Public</scope>",
        b"<msgType>Update</msgType>\n  <scope>Public</scope>\n  <references>a,b</references>",
    )
    with pytest.raises(
        ValidationError, match="references entry 'a,b'; expected 'sender,identifier,sent'"
    ):
        parse_cap(document)


def test_parse_cap_returns_an_alert_equal_to_one_built_by_hand() -> None:
    alert = parse_cap(_minimal())
    assert isinstance(alert, Alert)
    assert alert.status is Status.ACTUAL
    assert alert.sent == datetime(2026, 10, 6, 12, tzinfo=UTC)


def test_parse_cap_refuses_a_malformed_circle() -> None:
    # The schema wants polygons before circles: put the circle in a second area.
    document = _minimal().replace(
        b"</area>", b"</area>\n<area><areaDesc>x</areaDesc><circle>47,3.5</circle></area>"
    )
    with pytest.raises(ValidationError, match=r"line 16, <area>: circle '47,3\.5'; expected"):
        parse_cap(document)


def test_parse_cap_refuses_a_reference_with_a_bad_time() -> None:
    document = _minimal().replace(
        b"<msgType>Alert</msgType>\n  <scope>Public</scope>",
        b"<msgType>Update</msgType>\n  <scope>Public</scope>\n  <references>a,b,hier</references>",
    )
    with pytest.raises(ValidationError, match="references entry 'a,b,hier' has sent='hier'"):
        parse_cap(document)

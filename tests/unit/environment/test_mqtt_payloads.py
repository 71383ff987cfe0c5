"""MQTT payloads to readings (pure): the topic names the sensor, refused items keep a reason."""

import json

import pytest

from healthycity.environment._mqtt_wire import Publish
from healthycity.environment.mqtt_ingest import (
    MAX_PAYLOAD_BYTES,
    decode_messages,
    observations_topic,
    subscription_filter,
)
from healthycity.errors import ValidationError

T = "2026-07-01T10:00:00+02:00"


def message(payload: object, sensor: str = "s1", prefix: str = "hc") -> Publish:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Publish(observations_topic(prefix, sensor), raw, 1, 1, False)


def test_decode_messages_takes_the_sensor_from_the_topic() -> None:
    decoded = decode_messages(
        [
            message({"quantity": "pm25", "observed_at": T, "value": 3}),
            message(
                [
                    {
                        "quantity": "no2",
                        "observed_at": T,
                        "value": 4.5,
                        "unit": "ppb",
                        "sensor_id": "s2",
                        "battery": 80,
                    }
                ],
                sensor="s2",
            ),
        ],
        topic_prefix="hc",
    )

    assert decoded.readings == [
        {"quantity": "pm25", "observed_at": T, "value": 3.0, "sensor_id": "s1"},
        {"quantity": "no2", "observed_at": T, "value": 4.5, "unit": "ppb", "sensor_id": "s2"},
    ]
    assert decoded.errors == []


def test_decode_messages_refuses_with_reason_field_and_excerpt() -> None:
    decoded = decode_messages(
        [
            message(b"\xff not json"),
            message({"quantity": "pm25", "value": 1}),
            message({"quantity": "pm25", "observed_at": T, "value": "12"}),
            message({"quantity": "pm25", "observed_at": T, "value": 1, "sensor_id": "s9"}),
            message([{"quantity": "pm25", "observed_at": T, "value": 1}, 7]),
            message(42),
            message(b"[" + b" " * MAX_PAYLOAD_BYTES + b"]"),
        ],
        topic_prefix="hc",
    )

    found = [(e.index, e.reason, e.field, e.sensor_id) for e in decoded.errors]
    assert found == [
        (0, "bad_json", "payload", "s1"),
        (1, "missing_field", "observed_at", "s1"),
        (2, "bad_type", "value", "s1"),
        (3, "topic_mismatch", "sensor_id", "s1"),
        (4, "bad_type", "payload", "s1"),
        (5, "bad_type", "payload", "s1"),
        (6, "payload_too_large", "payload", "s1"),
    ]
    assert decoded.refused[0] == "\ufffd not json"
    assert decoded.errors[2].value == "12"
    assert "'s1'" in decoded.errors[3].expected
    assert decoded.errors[6].value == f"{MAX_PAYLOAD_BYTES + 2} bytes"
    assert len(decoded.readings) == 1  # the valid item of the list


def test_decode_messages_reads_numbers_past_a_double() -> None:
    huge = b"9" * 400
    single = b'{"quantity": "pm25", "observed_at": "%s", "value": %s}' % (T.encode(), huge)
    # A list with a wrong item is read again item by item: orjson refused the number there.
    listed = b"[%s, %s, 7]" % (single, single.replace(huge, b"1e999"))

    decoded = decode_messages([message(single), message(listed)], topic_prefix="hc")

    assert [r["value"] for r in decoded.readings] == [float("inf"), float("inf")]
    assert [(e.index, e.reason, e.field) for e in decoded.errors] == [
        (0, "bad_type", "value"),  # read item by item, it is an integer no double holds
        (1, "bad_type", "payload"),
    ]
    assert decoded.errors[0].value == "9" * 199 + "…"  # echoed as bounded text


def test_subscription_filter_shared_or_not() -> None:
    assert subscription_filter("city/air") == "city/air/+/observations"
    assert subscription_filter("city/air/", "g1") == "$share/g1/city/air/+/observations"


@pytest.mark.parametrize(
    ("prefix", "group"), [("", None), ("a/#", None), ("$SYS", None), ("a", "g/h"), ("a", "+")]
)
def test_subscription_filter_refuses_wildcards_and_system_topics(prefix, group) -> None:
    with pytest.raises(ValidationError, match="expected"):
        subscription_filter(prefix, group)

"""MQTT 5 packets: hand-built bytes from the standard, and round trips however bytes are split."""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.environment import _mqtt_wire as wire


def test_varint_hand_computed_cases() -> None:
    # MQTT 5.0 section 1.5.5, table 1-1: the bounds of each length.
    assert wire.encode_varint(0) == b"\x00"
    assert wire.encode_varint(127) == b"\x7f"
    assert wire.encode_varint(128) == b"\x80\x01"
    assert wire.encode_varint(16_383) == b"\xff\x7f"
    assert wire.encode_varint(2_097_152) == b"\x80\x80\x80\x01"
    assert wire.encode_varint(268_435_455) == b"\xff\xff\xff\x7f"
    with pytest.raises(ValueError, match="268435455"):
        wire.encode_varint(268_435_456)


def test_connack_with_properties_is_decoded() -> None:
    properties = (
        b"\x21\x00\x64"  # Receive Maximum 100
        + b"\x13\x00\x1e"  # Server Keep Alive 30
        + b"\x12\x00\x03abc"  # Assigned Client Identifier
        + b"\x26\x00\x01k\x00\x01v"  # a User Property, skipped
    )
    body = b"\x01\x00" + wire.encode_varint(len(properties)) + properties

    connack = wire.decode_connack(body)

    assert connack.is_session_present
    assert connack.reason_code == 0
    assert connack.properties == {0x21: 100, 0x13: 30, 0x12: "abc"}


def test_malformed_packets_raise_protocol_errors() -> None:
    with pytest.raises(wire.ProtocolError, match="Unknown property"):
        wire.decode_connack(b"\x00\x00\x02\x7f\x00")
    with pytest.raises(wire.ProtocolError, match="at least 2"):
        wire.decode_connack(b"\x00")
    with pytest.raises(wire.ProtocolError, match="longer than 4"):
        wire.PacketReader().feed(b"\x30\xff\xff\xff\xff\x01")


def test_suback_puback_and_disconnect_are_decoded() -> None:
    assert wire.decode_suback(b"\x00\x07\x00\x01\x80") == (7, [1, 0x80])
    assert wire.decode_puback(b"\x01\x02") == (258, 0)
    assert wire.decode_puback(b"\x01\x02\x10") == (258, 0x10)
    reason = b"\x1f\x00\x04busy"
    assert wire.decode_disconnect(b"\x8e" + bytes([len(reason)]) + reason) == (0x8E, "busy")
    assert wire.decode_disconnect(b"") == (0, None)


def test_connect_carries_credentials_and_session_flags() -> None:
    packet = wire.encode_connect("id", keepalive_s=30, clean_start=True, session_expiry_s=0,
                                 receive_maximum=10, username="u", password="p")  # fmt: skip
    kind, flags, body = wire.PacketReader().feed(packet)[0]

    assert (kind, flags) == (wire.PacketType.CONNECT, 0)
    assert body[:7] == b"\x00\x04MQTT\x05"
    assert body[7] == 0x80 | 0x40 | 0x02  # username, password, clean start
    assert struct.unpack("!H", body[8:10]) == (30,)
    assert body.endswith(b"\x00\x02id\x00\x01u\x00\x01p")


def test_subscribe_asks_qos_1() -> None:
    kind, flags, body = wire.PacketReader().feed(wire.encode_subscribe(9, "a/+/b"))[0]
    assert (kind, flags) == (wire.PacketType.SUBSCRIBE, 2)
    assert body == b"\x00\x09\x00\x00\x05a/+/b\x01"


@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=60).filter(lambda t: "\0" not in t),
            st.binary(max_size=400),
            st.sampled_from([0, 1]),
            st.integers(1, 65_535),
        ),
        max_size=20,
    ),
    st.lists(st.integers(1, 97), min_size=1, max_size=10),
)
def test_publish_round_trips_however_the_stream_is_split(messages, cuts) -> None:
    stream = b"".join(wire.encode_publish(t, p, qos=q, packet_id=i) for t, p, q, i in messages)
    reader, packets, position, turn = wire.PacketReader(), [], 0, 0
    while position < len(stream):  # feed in chunks of the drawn sizes
        size = cuts[turn % len(cuts)]
        packets += reader.feed(stream[position : position + size])
        position, turn = position + size, turn + 1

    decoded = [wire.decode_publish(flags, body) for _, flags, body in packets]

    assert [(m.topic, m.payload, m.qos, m.packet_id if m.qos else 0) for m in decoded] == [
        (t, p, q, i if q else 0) for t, p, q, i in messages
    ]
    assert {kind for kind, _, _ in packets} <= {wire.PacketType.PUBLISH}


def test_publish_properties_are_skipped() -> None:
    properties = b"\x01\x01" + b"\x03\x00\x10application/json"  # format indicator, type
    body = b"\x00\x01t\x00\x05" + wire.encode_varint(len(properties)) + properties + b"{}"
    message = wire.decode_publish(0b0010, body)
    assert (message.topic, message.packet_id, message.payload) == ("t", 5, b"{}")


def test_pubacks_encode_each_packet_id() -> None:
    packets = wire.PacketReader().feed(wire.encode_pubacks([1, 65_535]))
    assert [wire.decode_puback(body) for _, _, body in packets] == [(1, 0), (65_535, 0)]

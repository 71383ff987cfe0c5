"""MQTT 5.0 packets the ingestion service exchanges with its broker (pure: bytes in, bytes out).

Only the subset a QoS 1 subscriber and publisher needs: CONNECT/CONNACK, SUBSCRIBE/SUBACK,
PUBLISH, PUBACK, PINGREQ/PINGRESP and DISCONNECT, as specified in OASIS *MQTT Version 5.0*
(7 March 2019), section 3 (packet layouts) and 2.2.2.2 (property identifiers and types).

Why not paho-mqtt: paho 2.2 reads one packet per ``select()`` with three ``recv()`` calls, which
capped a consumer at ~2,400 msgs/s on the 2-core reference machine; the service must ingest
20,000. :class:`PacketReader` parses every packet of one large ``recv()`` at once.
"""

import struct
from dataclasses import dataclass
from enum import IntEnum

MAX_REMAINING_LENGTH = 268_435_455  # four 7-bit groups (section 1.5.5)


class PacketType(IntEnum):
    """Control packet types (section 2.1.2)."""

    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    SUBSCRIBE = 8
    SUBACK = 9
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14


class Property(IntEnum):
    """The property identifiers this module writes or reads (section 2.2.2.2)."""

    SESSION_EXPIRY_INTERVAL = 0x11
    ASSIGNED_CLIENT_IDENTIFIER = 0x12
    SERVER_KEEP_ALIVE = 0x13
    REASON_STRING = 0x1F
    RECEIVE_MAXIMUM = 0x21
    MAXIMUM_PACKET_SIZE = 0x27


# Encoding of every property identifier (section 2.2.2.2), to skip the ones not used.
_BYTE, _TWO, _FOUR, _VARINT, _TEXT, _BINARY, _PAIR = range(7)
_PROPERTY_KINDS = {
    **dict.fromkeys((0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A), _BYTE),
    **dict.fromkeys((0x13, 0x21, 0x22, 0x23), _TWO),
    **dict.fromkeys((0x02, 0x11, 0x18, 0x27), _FOUR),
    0x0B: _VARINT,
    **dict.fromkeys((0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F), _TEXT),
    **dict.fromkeys((0x09, 0x16), _BINARY),
    0x26: _PAIR,
}

PINGREQ = b"\xc0\x00"
DISCONNECT = b"\xe0\x00"  # normal disconnection, reason code 0 omitted (section 3.14.2.1)


class ProtocolError(ValueError):
    """Bytes from the broker that are not a well-formed MQTT 5 packet."""


@dataclass(frozen=True)
class Publish:
    """An application message received from the broker."""

    topic: str
    payload: bytes
    qos: int
    packet_id: int  # 0 for QoS 0
    is_duplicate: bool


@dataclass(frozen=True)
class Connack:
    """The broker's answer to CONNECT."""

    is_session_present: bool
    reason_code: int  # 0: success; 0x80 and above: refused (section 3.2.2.2)
    properties: dict[int, object]


def encode_varint(value: int) -> bytes:
    """Variable Byte Integer (section 1.5.5).

    >>> encode_varint(321).hex()
    'c102'
    """
    if not 0 <= value <= MAX_REMAINING_LENGTH:
        msg = f"Variable byte integer {value}; expected 0 to {MAX_REMAINING_LENGTH}."
        raise ValueError(msg)
    out = bytearray()
    while True:
        value, digit = divmod(value, 128)
        out.append(digit | (128 if value else 0))
        if not value:
            return bytes(out)


def _decode_varint(data: bytes | bytearray, pos: int) -> tuple[int, int] | None:
    """(value, position after it), or None if ``data`` ends first."""
    value, shift = 0, 0
    for i in range(pos, min(pos + 4, len(data))):
        value |= (data[i] & 127) << shift
        if not data[i] & 128:
            return value, i + 1
        shift += 7
    if len(data) >= pos + 4:
        msg = "Variable byte integer longer than 4 bytes."
        raise ProtocolError(msg)
    return None


def _text(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("!H", len(raw)) + raw


def _packet(kind: PacketType, flags: int, body: bytes) -> bytes:
    return bytes([kind << 4 | flags]) + encode_varint(len(body)) + body


def encode_connect(
    client_id: str,
    *,
    keepalive_s: int,
    clean_start: bool,
    session_expiry_s: int,
    receive_maximum: int,
    username: str | None = None,
    password: str | None = None,
) -> bytes:
    """CONNECT (section 3.1): a session that outlives the connection when ``clean_start`` is off.

    >>> encode_connect("c", keepalive_s=60, clean_start=False, session_expiry_s=60,
    ...                receive_maximum=100).hex()
    '101600044d5154540500003c08110000003c210064000163'
    """
    flags = (0x80 if username is not None else 0) | (0x40 if password is not None else 0)
    flags |= 0x02 if clean_start else 0
    properties = struct.pack(
        "!BIBH",
        Property.SESSION_EXPIRY_INTERVAL,
        session_expiry_s,
        Property.RECEIVE_MAXIMUM,
        receive_maximum,
    )
    body = b"\x00\x04MQTT\x05" + struct.pack("!BH", flags, keepalive_s)
    body += encode_varint(len(properties)) + properties + _text(client_id)
    if username is not None:
        body += _text(username)
    if password is not None:
        body += _text(password)
    return _packet(PacketType.CONNECT, 0, body)


def encode_subscribe(packet_id: int, topic_filter: str, *, qos: int = 1) -> bytes:
    """SUBSCRIBE to one filter (section 3.8), retained messages sent as usual."""
    body = struct.pack("!HB", packet_id, 0) + _text(topic_filter) + bytes([qos])
    return _packet(PacketType.SUBSCRIBE, 0b0010, body)


def encode_publish(topic: str, payload: bytes, *, qos: int, packet_id: int = 0) -> bytes:
    """PUBLISH (section 3.3) without properties.

    >>> encode_publish("a/b", b"{}", qos=1, packet_id=7).hex()
    '320a0003612f620007007b7d'
    """
    head = _text(topic) + (struct.pack("!H", packet_id) if qos else b"")
    return _packet(PacketType.PUBLISH, qos << 1, head + b"\x00" + payload)


def encode_pubacks(packet_ids: list[int]) -> bytes:
    """PUBACKs (section 3.4) with reason Success, omitted as the standard allows, in one buffer.

    >>> encode_pubacks([1, 258]).hex()
    '4002000140020102'
    """
    return b"".join(struct.pack("!BBH", 0x40, 2, i) for i in packet_ids)


def _properties(data: bytes, pos: int) -> tuple[dict[int, object], int]:
    """Decode a property list at ``pos``; return it and the position after it."""
    decoded = _decode_varint(data, pos)
    if decoded is None:
        msg = "Truncated property length."
        raise ProtocolError(msg)
    length, pos = decoded
    end = pos + length
    found: dict[int, object] = {}
    while pos < end:
        identifier = data[pos]
        kind = _PROPERTY_KINDS.get(identifier)
        pos += 1
        if kind == _BYTE:
            found[identifier], pos = data[pos], pos + 1
        elif kind == _TWO:
            found[identifier], pos = struct.unpack_from("!H", data, pos)[0], pos + 2
        elif kind == _FOUR:
            found[identifier], pos = struct.unpack_from("!I", data, pos)[0], pos + 4
        elif kind == _VARINT:
            found[identifier], pos = _decode_varint(data, pos) or (0, end + 1)
        elif kind in (_TEXT, _BINARY):
            size = struct.unpack_from("!H", data, pos)[0]
            raw = data[pos + 2 : pos + 2 + size]
            found[identifier] = raw.decode(errors="replace") if kind == _TEXT else raw
            pos += 2 + size
        elif kind == _PAIR:
            for _ in range(2):
                pos += 2 + struct.unpack_from("!H", data, pos)[0]
        else:
            msg = f"Unknown property identifier 0x{identifier:02x}."
            raise ProtocolError(msg)
    if pos != end:
        msg = f"Property list ends at byte {pos}; expected {end}."
        raise ProtocolError(msg)
    return found, end


def decode_connack(body: bytes) -> Connack:
    """CONNACK body (section 3.2)."""
    if len(body) < 2:
        msg = f"CONNACK of {len(body)} bytes; expected at least 2."
        raise ProtocolError(msg)
    properties = _properties(body, 2)[0] if len(body) > 2 else {}
    return Connack(bool(body[0] & 1), body[1], properties)


def decode_suback(body: bytes) -> tuple[int, list[int]]:
    """SUBACK body (section 3.9): packet id and one reason code per filter."""
    packet_id = struct.unpack_from("!H", body)[0]
    return packet_id, list(body[_properties(body, 2)[1] :])


def decode_puback(body: bytes) -> tuple[int, int]:
    """PUBACK body (section 3.4): packet id and reason code (0 when omitted)."""
    return struct.unpack_from("!H", body)[0], body[2] if len(body) > 2 else 0


def decode_disconnect(body: bytes) -> tuple[int, str | None]:
    """DISCONNECT body (section 3.14): reason code and reason string, if any."""
    if not body:
        return 0, None
    reason = _properties(body, 1)[0].get(Property.REASON_STRING) if len(body) > 1 else None
    return body[0], reason if isinstance(reason, str) else None


def decode_publish(flags: int, body: bytes) -> Publish:
    """PUBLISH body (section 3.3); properties are skipped (no topic alias is ever allowed)."""
    qos = (flags >> 1) & 3
    size = struct.unpack_from("!H", body)[0]
    pos = 2 + size
    topic = body[2:pos].decode(errors="replace")  # brokers check topics are UTF-8
    packet_id = 0
    if qos:
        packet_id = struct.unpack_from("!H", body, pos)[0]
        pos += 2
    length = body[pos]
    if length < 128:
        pos += 1 + length
    else:
        decoded = _decode_varint(body, pos)
        if decoded is None:
            msg = "Truncated PUBLISH property length."
            raise ProtocolError(msg)
        pos = decoded[1] + decoded[0]
    return Publish(topic, body[pos:], qos, packet_id, bool(flags & 8))


class PacketReader:
    """Split a byte stream into (type, flags, body) packets, however the bytes arrive."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, int, bytes]]:
        """Add received bytes; return every packet they complete, in order."""
        buffer = self._buffer
        buffer += data
        packets: list[tuple[int, int, bytes]] = []
        pos, end = 0, len(buffer)
        while pos + 2 <= end:
            length = buffer[pos + 1]
            if length < 128:
                start = pos + 2
            else:
                decoded = _decode_varint(buffer, pos + 1)
                if decoded is None:
                    break
                length, start = decoded
            if start + length > end:
                break
            packets.append(
                (buffer[pos] >> 4, buffer[pos] & 15, bytes(buffer[start : start + length]))
            )
            pos = start + length
        del buffer[:pos]
        return packets

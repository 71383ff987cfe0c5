"""A blocking MQTT 5 connection for the ingestion service and the simulator (socket I/O).

It reads in large chunks and parses every packet received at once (``_mqtt_wire``), and it
never acknowledges a message by itself: the caller sends PUBACKs when it has made the
messages durable. Publishing is QoS 1 with the broker's Receive Maximum as flow control.
"""

import logging
import socket
import ssl
import time
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import unquote, urlsplit

from healthycity.environment import _mqtt_wire as wire
from healthycity.errors import HealthyCityError, UserError

logger = logging.getLogger(__name__)

RECV_BYTES = 1 << 18
DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
_MAX_PACKET_ID = 65_535
SESSION_TAKEN_OVER = 0x8E  # DISCONNECT reason code (MQTT 5.0 section 3.14.2.1)


class BrokerUnavailableError(UserError, ConnectionError):
    """The broker cannot be reached or refused the connection."""


class ConnectionLostError(HealthyCityError, ConnectionError):
    """An established connection ended (the caller reconnects; the session is kept)."""


@dataclass(frozen=True)
class BrokerAddress:
    """Where the broker is, from ``mqtt://[user[:password]@]host[:port]`` (``mqtts``: TLS)."""

    host: str
    port: int
    is_tls: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> "BrokerAddress":
        """Parse an MQTT URL, or raise naming what was expected.

        >>> BrokerAddress.parse("mqtt://127.0.0.1:1884")
        BrokerAddress(host='127.0.0.1', port=1884, is_tls=False, username=None, password=None)
        """
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname or port == -1:
            shown = url.replace(parts.password or "\0", "***")
            msg = f"MQTT URL {shown!r}; expected mqtt://host[:port] or mqtts://host[:port]."
            raise UserError(msg)
        return cls(
            host=parts.hostname,
            port=port or DEFAULT_PORTS[parts.scheme],
            is_tls=parts.scheme == "mqtts",
            username=None if parts.username is None else unquote(parts.username),
            password=None if parts.password is None else unquote(parts.password),
        )

    def __str__(self) -> str:
        return f"{'mqtts' if self.is_tls else 'mqtt'}://{self.host}:{self.port}"


def _open_socket(address: BrokerAddress, timeout_s: float) -> socket.socket:
    try:
        sock = socket.create_connection((address.host, address.port), timeout=timeout_s)
    except OSError as exc:
        msg = (
            f"Cannot reach the MQTT broker {address} ({exc.strerror or exc}); expected a "
            "running broker at HC_MQTT_URL (make services-up starts the development one)."
        )
        raise BrokerUnavailableError(msg) from exc
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if address.is_tls:
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=address.host)
    return sock


class MqttConnection:
    """One open connection: read application messages, acknowledge them, publish, ping."""

    def __init__(self, sock: socket.socket, *, keepalive_s: int, receive_maximum: int) -> None:
        self._sock = sock
        self._reader = wire.PacketReader()
        self._keepalive_s = keepalive_s
        self._last_sent = time.monotonic()
        self._ping_sent_at: float | None = None
        self._next_id = 0
        self._server_receive_maximum = receive_maximum
        self._suback: tuple[int, list[int]] | None = None
        self._early: list[wire.Publish] = []
        self.unacknowledged: set[int] = set()  # our QoS 1 publishes the broker has not acked

    @classmethod
    def open(
        cls,
        address: BrokerAddress,
        *,
        client_id: str,
        clean_start: bool,
        session_expiry_s: int,
        receive_maximum: int = _MAX_PACKET_ID,
        keepalive_s: int = 60,
        timeout_s: float = 10.0,
    ) -> tuple["MqttConnection", bool]:
        """Connect and return the connection and whether the broker resumed a session."""
        sock = _open_socket(address, timeout_s)
        connection = cls(sock, keepalive_s=keepalive_s, receive_maximum=_MAX_PACKET_ID)
        connection._send(
            wire.encode_connect(
                client_id, keepalive_s=keepalive_s, clean_start=clean_start,
                session_expiry_s=session_expiry_s, receive_maximum=receive_maximum,
                username=address.username, password=address.password,
            )
        )  # fmt: skip
        packets = connection._read_packets(timeout_s)
        if not packets or packets[0][0] != wire.PacketType.CONNACK:
            connection.close()
            msg = f"MQTT broker {address} sent no CONNACK within {timeout_s} s; expected one."
            raise BrokerUnavailableError(msg)
        connack = wire.decode_connack(packets[0][2])
        # A resumed session's messages may come in the same read as the CONNACK.
        connection._early = connection._handle(packets[1:])
        if connack.reason_code >= 0x80:
            connection.close()
            msg = (
                f"MQTT broker {address} refused client id {client_id!r} with reason code "
                f"0x{connack.reason_code:02x} (MQTT 5.0 section 3.2.2.2); expected 0x00 "
                "(check the credentials in HC_MQTT_URL and the broker's ACL)."
            )
            raise BrokerUnavailableError(msg)
        server_keepalive = connack.properties.get(wire.Property.SERVER_KEEP_ALIVE)
        if isinstance(server_keepalive, int) and server_keepalive:
            connection._keepalive_s = server_keepalive
        maximum = connack.properties.get(wire.Property.RECEIVE_MAXIMUM)
        if isinstance(maximum, int):
            connection._server_receive_maximum = maximum
        return connection, connack.is_session_present

    def __enter__(self) -> "MqttConnection":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            msg = f"MQTT connection lost while sending ({exc})."
            raise ConnectionLostError(msg) from exc
        self._last_sent = time.monotonic()

    def _read_packets(self, timeout_s: float) -> list[tuple[int, int, bytes]]:
        """Packets received within ``timeout_s`` (none if nothing arrived)."""
        try:
            self._sock.settimeout(max(timeout_s, 0.0))
            data = self._sock.recv(RECV_BYTES)
        except (TimeoutError, BlockingIOError, ssl.SSLWantReadError):
            return []
        except OSError as exc:
            msg = f"MQTT connection lost while reading ({exc})."
            raise ConnectionLostError(msg) from exc
        if not data:
            msg = "MQTT broker closed the connection."
            raise ConnectionLostError(msg)
        try:
            return self._reader.feed(data)
        except wire.ProtocolError as exc:
            msg = f"MQTT broker sent malformed data ({exc})."
            raise ConnectionLostError(msg) from exc

    def subscribe(self, topic_filter: str, *, timeout_s: float = 10.0) -> list[wire.Publish]:
        """Subscribe with QoS 1; return messages that arrived before the SUBACK."""
        self._send(wire.encode_subscribe(self._packet_id(), topic_filter))
        early: list[wire.Publish] = []
        deadline = time.monotonic() + timeout_s
        while self._suback is None and time.monotonic() < deadline:
            early.extend(self.read(deadline - time.monotonic()))
        if self._suback is None or any(code >= 0x80 for code in self._suback[1]):
            codes = "none" if self._suback is None else self._suback[1]
            msg = (
                f"MQTT broker refused the subscription {topic_filter!r} (SUBACK reason codes "
                f"{codes}); expected QoS 1 granted (0x01)."
            )
            raise BrokerUnavailableError(msg)
        return early

    def read(self, timeout_s: float) -> list[wire.Publish]:
        """Application messages received within ``timeout_s``; handles pings and PUBACKs."""
        if self._early:
            early, self._early = self._early, []
            return early
        self._keep_alive()
        return self._handle(self._read_packets(timeout_s))

    def _handle(self, packets: list[tuple[int, int, bytes]]) -> list[wire.Publish]:
        """The application messages among ``packets``; the other packets update the state."""
        messages: list[wire.Publish] = []
        for kind, flags, body in packets:
            if kind == wire.PacketType.PUBLISH:
                messages.append(wire.decode_publish(flags, body))
            elif kind == wire.PacketType.PUBACK:
                self.unacknowledged.discard(wire.decode_puback(body)[0])
            elif kind == wire.PacketType.PINGRESP:
                self._ping_sent_at = None
            elif kind == wire.PacketType.SUBACK:
                self._suback = wire.decode_suback(body)
            elif kind == wire.PacketType.DISCONNECT:
                self._disconnected(*wire.decode_disconnect(body))
        return messages

    def _disconnected(self, code: int, reason: str | None) -> None:
        """The broker sent DISCONNECT: a session taken over is a configuration error."""
        shown = f"reason code 0x{code:02x}{f' ({reason})' if reason else ''}"
        if code == SESSION_TAKEN_OVER:
            msg = (
                f"Another MQTT client connected with our client id ({shown}); expected one "
                "client id per ingest process (HC_MQTT_CLIENT_ID or --client-id)."
            )
            raise BrokerUnavailableError(msg)
        msg = f"MQTT broker closed the session, {shown}."
        raise ConnectionLostError(msg)

    def _keep_alive(self) -> None:
        """PINGREQ when idle for half the keep-alive; a broker silent for a whole one is gone."""
        now = time.monotonic()
        if self._ping_sent_at is not None and now - self._ping_sent_at > self._keepalive_s:
            msg = f"MQTT broker did not answer a PINGREQ within {self._keepalive_s} s."
            raise ConnectionLostError(msg)
        if self._ping_sent_at is None and now - self._last_sent > self._keepalive_s / 2:
            self._send(wire.PINGREQ)
            self._ping_sent_at = now

    def acknowledge(self, packet_ids: list[int]) -> None:
        """Send the PUBACKs of QoS 1 messages the caller has made durable."""
        if packet_ids:
            self._send(wire.encode_pubacks(packet_ids))

    def _packet_id(self) -> int:
        for _ in range(_MAX_PACKET_ID):
            self._next_id = self._next_id % _MAX_PACKET_ID + 1
            if self._next_id not in self.unacknowledged:
                return self._next_id
        msg = "Every MQTT packet id is in flight."  # pragma: no cover  (bounded by publish)
        raise ConnectionLostError(msg)  # pragma: no cover

    def publish(self, messages: list[tuple[str, bytes]], *, timeout_s: float = 30.0) -> None:
        """Publish QoS 1 messages, keeping at most the broker's Receive Maximum in flight.

        Returns when every one of them is acknowledged by the broker (PUBACK).
        """
        deadline = time.monotonic() + timeout_s
        pending = iter(messages)
        chunk: list[bytes] = []
        for topic, payload in pending:
            while len(self.unacknowledged) + len(chunk) >= self._server_receive_maximum:
                self._flush(chunk)
                self._wait_acks(deadline, until=self._server_receive_maximum // 2)
            packet_id = self._packet_id()
            self.unacknowledged.add(packet_id)
            chunk.append(wire.encode_publish(topic, payload, qos=1, packet_id=packet_id))
            if len(chunk) >= 500:
                self._flush(chunk)
        self._flush(chunk)
        self._wait_acks(deadline, until=0)

    def _flush(self, chunk: list[bytes]) -> None:
        if chunk:
            self._send(b"".join(chunk))
            chunk.clear()

    def _wait_acks(self, deadline: float, *, until: int) -> None:
        while len(self.unacknowledged) > until:
            left = deadline - time.monotonic()
            if left <= 0:
                msg = f"{len(self.unacknowledged)} MQTT publishes not acknowledged in time."
                raise ConnectionLostError(msg)
            self.read(min(left, 1.0))

    def close(self, *, is_clean: bool = True) -> None:
        """Send DISCONNECT (the session is kept for its expiry interval) and close."""
        if is_clean:
            try:
                self._sock.sendall(wire.DISCONNECT)
            except OSError:
                logger.debug("mqtt disconnect not sent: connection already closed")
        self._sock.close()

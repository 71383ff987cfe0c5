"""The MQTT connection: errors named, sessions and keep-alive against the real Mosquitto."""

import socket
import time
import uuid

import pytest

from healthycity.environment._mqtt_client import (
    BrokerAddress,
    BrokerUnavailableError,
    ConnectionLostError,
    MqttConnection,
)
from healthycity.errors import UserError


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1884", "mqtt://", "mqtt://host:notaport", "127.0.0.1:1884"]
)
def test_broker_address_refuses_what_is_not_an_mqtt_url(url: str) -> None:
    with pytest.raises(UserError, match="expected mqtt://host"):
        BrokerAddress.parse(url)


def test_broker_address_reads_credentials_and_tls() -> None:
    address = BrokerAddress.parse("mqtts://ingest:s%40cret@broker.example")
    assert (address.host, address.port, address.is_tls) == ("broker.example", 8883, True)
    assert (address.username, address.password) == ("ingest", "s@cret")
    assert str(address) == "mqtts://broker.example:8883"  # no password in messages


def test_open_names_a_broker_that_is_not_there() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(BrokerUnavailableError, match=f"mqtt://127.0.0.1:{port}"):
        MqttConnection.open(BrokerAddress.parse(f"mqtt://127.0.0.1:{port}"), client_id="x",
                            clean_start=True, session_expiry_s=0)  # fmt: skip


@pytest.mark.parametrize(
    ("packet", "error", "words"),
    [
        (b"\xe0\x01\x8e", BrokerUnavailableError, "one client id per ingest process"),
        (b"\xe0\x01\x8b", ConnectionLostError, "reason code 0x8b"),
        (b"", ConnectionLostError, "closed the connection"),
    ],
)
def test_read_names_why_the_broker_ended_the_session(packet, error, words) -> None:
    # The broker's side of a socket pair: Mosquitto 2.0.11 closes a taken-over session
    # without the MQTT 5 DISCONNECT 0x8E that newer brokers send.
    ours, broker = socket.socketpair()
    connection = MqttConnection(ours, keepalive_s=60, receive_maximum=10)
    broker.sendall(packet)
    broker.close()
    with pytest.raises(error, match=words):
        connection.read(1.0)
    connection.close(is_clean=False)


def test_keepalive_pings_hold_an_idle_session_open(mqtt_url: str) -> None:
    address, prefix = BrokerAddress.parse(mqtt_url), f"hc-idle-{uuid.uuid4().hex[:8]}"
    # The broker drops a client silent for 1.5 keep-alive periods (MQTT 5.0 section 3.1.2.10).
    idle, resumed = MqttConnection.open(address, client_id=f"{prefix}-c", clean_start=True,
                                        session_expiry_s=0, keepalive_s=1)  # fmt: skip
    idle.subscribe(f"{prefix}/+/observations")
    deadline = time.monotonic() + 3.5
    while time.monotonic() < deadline:
        assert idle.read(0.2) == []
    publisher, _ = MqttConnection.open(address, client_id=f"{prefix}-p", clean_start=True,
                                       session_expiry_s=0)  # fmt: skip
    publisher.publish([(f"{prefix}/s1/observations", b"{}")])
    publisher.close()
    received = []
    for _ in range(20):
        received += idle.read(0.1)
    idle.close()
    assert not resumed
    assert [m.payload for m in received] == [b"{}"]

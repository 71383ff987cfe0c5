"""The MQTT door: subscribe to sensors' topics, store their readings, then acknowledge them.

Topics are ``<prefix>/<sensor_id>/observations`` (prefix ``healthycity`` by default): the
``+`` level is the **sensor id**, so a broker ACL such as ``pattern write
healthycity/%u/observations`` lets each device publish its own readings only (MQTT carries no
token; the broker authenticates). A payload is one reading or a JSON array of readings of that
sensor: ``{"quantity": "pm25", "observed_at": "2026-07-01T10:00:00+02:00", "value": 12.5,
"unit": "µg/m³"}``; ``sensor_id`` may be left out and, if given, must be the topic's.

Durability: the service subscribes with QoS 1 on a persistent session (MQTT 5 Clean Start 0
with a Session Expiry Interval, a fixed client id), so the broker keeps messages published
while it is down. It acknowledges nothing by itself: messages are gathered into batches (up
to ``batch_max`` messages or ``batch_wait_s``), stored with one ``ingest_readings`` call,
committed, and only then acknowledged (PUBACK). A crash before the commit leaves them
unacknowledged, and the broker delivers them again on reconnection; storage is idempotent on
(sensor, quantity, observed_at), so every message the broker accepted is stored exactly once.

Payloads are validated with Pydantic; anything refused (not JSON, wrong shape, another
sensor's id, too large) is quarantined with its reason, field and an excerpt, never dropped.
A message whose storage raises an unexpected error (a bug) is quarantined as
``internal_error`` and acknowledged, so that it cannot stop the service at every restart.
Several processes can share the load with an MQTT shared subscription
(``$share/<group>/...``), each with its own client id.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, NotRequired

from pydantic import Field, TypeAdapter, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from typing_extensions import TypedDict  # Pydantic needs this one before Python 3.12

from healthycity.environment._mqtt_client import (
    BrokerAddress,
    BrokerUnavailableError,
    ConnectionLostError,
    MqttConnection,
)
from healthycity.environment._mqtt_wire import Publish
from healthycity.environment._readings import excerpt
from healthycity.environment.pipeline import (
    IngestResult,
    ItemError,
    ingest_readings,
    quarantine_items,
)
from healthycity.errors import ValidationError as HealthyCityValidationError

logger = logging.getLogger(__name__)

TOPIC_SUFFIX = "observations"
DEFAULT_TOPIC_PREFIX = "healthycity"
MAX_PAYLOAD_BYTES = 1_000_000  # ~5,000 readings; the shipped broker refuses larger packets
SHAPE = (
    'one reading {"quantity", "observed_at", "value", "unit"?, "sensor_id"?} '
    "or a JSON array of them"
)
_MAX_BACKOFF_S = 30.0
INTERNAL_ERROR_EXPECTED = (
    "a message the ingestion can store; this one raised an internal error, reported in the "
    "service log with its stack"
)


class MqttReading(TypedDict):
    """One reading as published; the pipeline checks sensor, quantity, unit, time and range."""

    quantity: Annotated[str, Field(max_length=64)]
    observed_at: Annotated[str, Field(max_length=64)]
    value: Annotated[float, Field(strict=True)]  # a JSON number, not text or a boolean
    sensor_id: NotRequired[Annotated[str, Field(max_length=128)]]
    unit: NotRequired[Annotated[str, Field(max_length=32)] | None]


_ONE = TypeAdapter(MqttReading)
_MANY = TypeAdapter(list[MqttReading])
_ITEMS = TypeAdapter(list[Any])  # the same JSON parser: it reads what ``_MANY`` could read


@dataclass(frozen=True)
class MqttIngestOptions:
    """How the MQTT door connects, subscribes and batches."""

    broker_url: str
    client_id: str
    topic_prefix: str = DEFAULT_TOPIC_PREFIX
    shared_group: str | None = None  # several consumers share the load: $share/<group>/...
    batch_max: int = 20_000  # big batches: fewer upserts of latest values and aggregates
    batch_wait_s: float = 0.05
    session_expiry_s: int = 7 * 86_400  # the broker keeps our messages this long while we're down
    keepalive_s: int = 60

    @property
    def subscription(self) -> str:
        """The topic filter, shared or not."""
        return subscription_filter(self.topic_prefix, self.shared_group)


def subscription_filter(topic_prefix: str, shared_group: str | None = None) -> str:
    """The filter of every sensor's observations topic under ``topic_prefix``.

    >>> subscription_filter("healthycity", "ingest")
    '$share/ingest/healthycity/+/observations'
    """
    for name, value in (("topic prefix", topic_prefix), ("shared group", shared_group or "x")):
        if not value or value.startswith(("$", "/")) or set(value) & set("+#\0"):
            msg = (
                f"MQTT {name} {value!r}; expected a topic without wildcards (+, #), "
                "not starting with $ or /."
            )
            raise HealthyCityValidationError(msg)
    if shared_group is not None and "/" in shared_group:
        msg = f"MQTT shared group {shared_group!r}; expected one topic level (no '/')."
        raise HealthyCityValidationError(msg)
    topics = f"{topic_prefix.rstrip('/')}/+/{TOPIC_SUFFIX}"
    return topics if shared_group is None else f"$share/{shared_group}/{topics}"


def observations_topic(topic_prefix: str, sensor_id: str) -> str:
    """The topic a sensor publishes its readings on.

    >>> observations_topic("healthycity", "nevers-pm-01")
    'healthycity/nevers-pm-01/observations'
    """
    return f"{topic_prefix.rstrip('/')}/{sensor_id}/{TOPIC_SUFFIX}"


@dataclass
class DecodedMessages:
    """Readings to hand the pipeline, and items refused before it (with their errors)."""

    readings: list[dict[str, Any]] = field(default_factory=list)
    refused: list[object] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)

    def refuse(self, item: object, reason: str, field_name: str, value: object,
               expected: str, sensor_id: str | None) -> None:  # fmt: skip
        """Quarantine ``item`` (raw text or a decoded object) before the pipeline."""
        self.errors.append(
            ItemError(len(self.refused), reason, field_name, excerpt(value), expected, sensor_id)
        )
        self.refused.append(item)


def _sensor_of(topic: str, prefix: str) -> str:
    return topic[len(prefix) + 1 : -len(TOPIC_SUFFIX) - 1]


def _text(payload: bytes) -> str:
    return payload[:MAX_PAYLOAD_BYTES].decode(errors="replace")


def _refuse_pydantic(out: DecodedMessages, item: object, error: Any, sensor: str) -> None:
    """Refuse ``item`` (payload text or decoded object) with Pydantic's first error.

    Reasons are those of ``_readings``: ``missing_field``, ``bad_type``, plus ``bad_json``.
    """
    location = ".".join(str(part) for part in error["loc"] if not isinstance(part, int))
    kind = error["type"]
    reason = {"missing": "missing_field", "json_invalid": "bad_json"}.get(kind, "bad_type")
    if reason == "bad_json" or not location:
        out.refuse(item, reason, "payload", item, f"{SHAPE} ({error['msg']})", sensor)
    else:
        value = None if kind == "missing" else error.get("input")
        out.refuse(item, reason, location, value, error["msg"], sensor)


def _decode_items(out: DecodedMessages, payload: bytes, sensor: str) -> list[MqttReading]:
    """Valid items of one payload; the invalid ones are refused item by item."""
    is_list = payload.lstrip()[:1] == b"["
    try:
        return _MANY.validate_json(payload) if is_list else [_ONE.validate_json(payload)]
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid" or not is_list:
            _refuse_pydantic(out, _text(payload), first, sensor)
            return []
    items: list[MqttReading] = []
    for item in _ITEMS.validate_json(payload):  # valid JSON: only some items are wrong
        try:
            items.append(_ONE.validate_python(item))
        except ValidationError as exc:
            _refuse_pydantic(out, item, exc.errors()[0], sensor)
    return items


def decode_messages(messages: Sequence[Publish], *, topic_prefix: str) -> DecodedMessages:
    """Turn MQTT messages into the pipeline's readings (pure; see the module for the format)."""
    out = DecodedMessages()
    prefix = topic_prefix.rstrip("/")
    for message in messages:
        sensor = _sensor_of(message.topic, prefix)
        if len(message.payload) > MAX_PAYLOAD_BYTES:
            out.refuse(_text(message.payload), "payload_too_large", "payload",
                       f"{len(message.payload)} bytes", f"at most {MAX_PAYLOAD_BYTES} bytes",
                       sensor)  # fmt: skip
            continue
        for item in _decode_items(out, message.payload, sensor):
            named = item.get("sensor_id", sensor)
            if named != sensor:
                expected = f"{sensor!r}, the sensor of the topic {message.topic!r}"
                out.refuse(item, "topic_mismatch", "sensor_id", named, expected, sensor)
                continue
            item["sensor_id"] = sensor
            out.readings.append(item)  # type: ignore[arg-type]  # a TypedDict is a dict
    return out


@dataclass(frozen=True)
class BatchReport:
    """What one committed batch held: its messages, the pipeline's counts, when it committed."""

    messages: Sequence[Publish]
    result: IngestResult
    refused: int  # items quarantined before the pipeline (not JSON, wrong shape…)
    committed_at: float  # time.time()


def store_messages(
    engine: Engine, messages: Sequence[Publish], *, topic_prefix: str
) -> BatchReport:
    """Store a batch of messages in one transaction and commit it (acknowledge after this)."""
    return _commit(engine, messages, decode_messages(messages, topic_prefix=topic_prefix))


def quarantine_failed(
    engine: Engine, message: Publish, error: Exception, *, topic_prefix: str
) -> BatchReport:
    """Quarantine, as ``internal_error``, a message whose storage raised ``error``; commit."""
    decoded = DecodedMessages()
    sensor = _sensor_of(message.topic, topic_prefix.rstrip("/"))
    decoded.refuse(_text(message.payload), "internal_error", "payload",
                   f"{type(error).__name__}: {error}", INTERNAL_ERROR_EXPECTED,
                   sensor)  # fmt: skip
    return _commit(engine, [message], decoded)


def _commit(engine: Engine, messages: Sequence[Publish], decoded: DecodedMessages) -> BatchReport:
    with engine.begin() as conn:
        result = ingest_readings(conn, decoded.readings, door="mqtt")
        quarantine_items(conn, decoded.refused, decoded.errors, door="mqtt")
    return BatchReport(messages, result, len(decoded.errors), time.time())


OnCommitted = Callable[[BatchReport], None]


class _Consumer:
    """One session's loop: gather a batch, store and commit it, acknowledge it."""

    def __init__(self, engine: Engine, options: MqttIngestOptions, stop: threading.Event,
                 on_committed: OnCommitted | None) -> None:  # fmt: skip
        self.engine, self.options, self.stop = engine, options, stop
        self.on_committed = on_committed
        self.address = BrokerAddress.parse(options.broker_url)
        self.waiting: list[Publish] = []
        self.has_stored = False

    def connect(self) -> MqttConnection:
        options = self.options
        connection, resumed = MqttConnection.open(
            self.address, client_id=options.client_id, clean_start=False,
            session_expiry_s=options.session_expiry_s, keepalive_s=options.keepalive_s,
        )  # fmt: skip
        logger.info("mqtt connected broker=%s client_id=%s session_resumed=%s",
                    self.address, options.client_id, resumed)  # fmt: skip
        self.waiting = connection.subscribe(options.subscription)
        return connection

    def gather(self, connection: MqttConnection) -> list[Publish]:
        """Up to ``batch_max`` messages: wait for a first one, then ``batch_wait_s`` more."""
        options, waiting = self.options, self.waiting
        while not waiting and not self.stop.is_set():
            waiting.extend(connection.read(0.5))
        deadline = time.monotonic() + options.batch_wait_s
        while len(waiting) < options.batch_max and (left := deadline - time.monotonic()) > 0:
            waiting.extend(connection.read(left))
        batch, self.waiting = waiting[: options.batch_max], waiting[options.batch_max :]
        return batch

    def store(self, batch: Sequence[Publish]) -> list[BatchReport]:
        """Store and commit ``batch``; after an unexpected error, message by message.

        A message whose storage raises anything but a database or connection error (a bug it
        triggers) would never be acknowledged: the broker would deliver it again at every
        restart, and the consumer would stop on it each time (a poison message). Alone, it is
        quarantined as ``internal_error`` instead, and acknowledged once that is committed.
        Database and connection errors propagate: nothing is acknowledged, the batch comes back.
        """
        prefix = self.options.topic_prefix
        try:
            return [store_messages(self.engine, batch, topic_prefix=prefix)]
        except (SQLAlchemyError, ConnectionError, self.engine.dialect.loaded_dbapi.Error):
            raise
        except Exception as exc:  # a bug: stop it at the one message that triggers it
            if len(batch) > 1:
                return [report for message in batch for report in self.store([message])]
            logger.exception("mqtt message quarantined reason=internal_error topic=%s",
                             batch[0].topic)  # fmt: skip
            return [quarantine_failed(self.engine, batch[0], exc, topic_prefix=prefix)]

    def serve(self, connection: MqttConnection) -> None:
        while not self.stop.is_set() or self.waiting:
            batch = self.gather(connection)
            if not batch:
                continue
            reports = self.store(batch)
            connection.acknowledge([m.packet_id for m in batch if m.qos])
            self.has_stored = True
            for report in reports:
                logger.debug("mqtt batch stored messages=%d accepted=%d quarantined=%d",
                             len(report.messages), report.result.accepted,
                             report.result.quarantined + report.refused)  # fmt: skip
                if self.on_committed is not None:
                    self.on_committed(report)


def run_mqtt_ingest(
    engine: Engine,
    options: MqttIngestOptions,
    *,
    stop: threading.Event,
    on_committed: OnCommitted | None = None,
) -> None:
    """Consume the observations topics until ``stop`` is set, reconnecting when needed.

    A lost broker connection or database is retried with exponential backoff (0.5 s doubling
    up to 30 s, reset by a stored batch); what was not committed was not acknowledged, so
    the broker delivers it again. A broker that cannot be reached at start-up, or refuses
    us, raises ``BrokerUnavailableError``. ``on_committed`` is called after each batch is
    committed and acknowledged.
    """
    consumer = _Consumer(engine, options, stop, on_committed)
    connection = consumer.connect()  # fail fast on a wrong URL or credentials
    backoff = 0.5
    while True:
        consumer.has_stored = False
        try:
            consumer.serve(connection)
            connection.close()
            return
        except (ConnectionLostError, OperationalError) as exc:
            connection.close(is_clean=False)  # unacknowledged messages come back
            backoff = 0.5 if consumer.has_stored else min(backoff * 2, _MAX_BACKOFF_S)
            logger.warning("mqtt ingest interrupted error=%s retry_in_s=%.1f",
                           type(exc).__name__, backoff)  # fmt: skip
        while not stop.wait(backoff):
            try:
                connection = consumer.connect()
                break
            except (BrokerUnavailableError, ConnectionLostError):
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
        else:
            return

"""The one ingestion pipeline behind every door (HTTP, NGSI-LD, MQTT): validate, QC, store.

``ingest_readings`` works inside the caller's transaction and never commits: a door commits,
then acknowledges (HTTP 2xx, MQTT PUBACK), so an acknowledged reading is durable. It first
validates the items (``prepare_readings``, no lock: concurrent batches validate in parallel),
then takes the database's write lock (``store_prepared``), so that the history it reads for
quality control is not changed by a concurrent batch before its own rows are written; under
the lock it reads the sensors again and validates again if one changed in between.

Per batch, whatever its size, it runs a fixed number of statements: two reads of the sensors,
one of the recent history (plus one for late readings, if any), and one bulk write per table.
"""

import functools
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Select, bindparam, select, update

from healthycity.environment import tables
from healthycity.environment._aggregates import recompute_buckets, store_aggregates
from healthycity.environment._batch_qc import (
    CONTEXT_SIZE,
    NO_TIME,
    BatchQc,
    Floats,
    Ints,
    check_batch,
)
from healthycity.environment._readings import (
    QUANTITIES,
    QUANTITY_INDEX,
    Columns,
    ItemError,
    SensorInfo,
    excerpt,
    parse_readings,
)
from healthycity.environment.quality import DEFAULT_THRESHOLDS, QcFlag
from healthycity.storage import bulk

__all__ = [
    "DOORS",
    "Door",
    "IngestResult",
    "ItemError",
    "PreparedReadings",
    "ingest_readings",
    "prepare_readings",
    "quarantine_items",
    "store_prepared",
]

Door = Literal["http", "ngsi-ld", "mqtt"]
DOORS: tuple[Door, ...] = get_args(Door)
PAYLOAD_CHARS = 1000
_CHUNK = 5000  # ids per IN list
_NQ = len(QUANTITIES)
o, lt = tables.observations, tables.latest


@dataclass(frozen=True)
class IngestResult:
    """What became of a batch: ``received = accepted + duplicates + quarantined``.

    ``conflicts`` (same sensor, quantity and time as a stored value but another value) are
    counted in ``quarantined`` too: the first value is kept and flagged, the later one is
    quarantined. ``errors`` has one entry per quarantined reading, in batch order.
    """

    received: int
    accepted: int
    duplicates: int
    conflicts: int
    quarantined: int
    errors: tuple[ItemError, ...]


def _sensor_ids(readings: Sequence[object]) -> list[str]:
    """The sensor ids (texts) the batch names, sorted.

    An id holding NUL cannot be registered (``sensors.SENSOR_ID_PATTERN``) nor sent to
    PostgreSQL: it is left out, and its readings are quarantined as from an unknown sensor.
    """
    named = {
        sensor_id
        for r in readings
        if (type(r) is dict or isinstance(r, Mapping))  # dict first: the ABC check is slow
        and isinstance(sensor_id := r.get("sensor_id"), str)
    }
    return sorted(i for i in named if "\x00" not in i)  # once per sensor, not per reading


@functools.cache
def _sensors_query(dialect: str) -> Select[str, str, str, str, str]:
    s, sq = tables.sensors, tables.sensor_quantities
    return (
        select(s.c.id, s.c.status, s.c.commune_code, sq.c.quantity, sq.c.unit)
        .join(sq, sq.c.sensor_id == s.c.id)
        .where(bulk.in_parameter(s.c.id, "ids", dialect=dialect))
    )


def _load_sensors(conn: Connection, ids: Sequence[str]) -> dict[str, SensorInfo]:
    units: dict[str, dict[str, str]] = {}
    status: dict[str, tuple[str, str]] = {}
    query = _sensors_query(conn.dialect.name)
    for start in range(0, len(ids), _CHUNK):
        found = conn.execute(query, {"ids": list(ids[start : start + _CHUNK])}).all()
        for sensor_id, sensor_status, commune, quantity, unit in found:
            status[sensor_id] = (sensor_status, commune)
            units.setdefault(sensor_id, {})[quantity] = unit
    return {i: SensorInfo(status[i][0], units[i], status[i][1]) for i in status}


History = tuple[Ints, Ints, Floats, Ints]  # series, µs, value, flags of stored values


def _series_codes(
    numbers: Mapping[str, int], sensors: Sequence[str], quantities: Sequence[str]
) -> Ints:
    return np.fromiter(
        (numbers[i] * _NQ + QUANTITY_INDEX[q] for i, q in zip(sensors, quantities, strict=True)),
        dtype=np.int64,
        count=len(sensors),
    )


def _history_rows(
    conn: Connection, numbers: Mapping[str, int], wanted: Ints, *, since: int, until: int | None
) -> History:
    """Stored values of the series ``wanted`` observed from ``since`` to ``until`` (µs).

    The query names sensors, quantities and the time range, so both databases read the
    primary key (sensor, quantity, observed_at) as ranges; the few rows of other combinations
    of those sensors and quantities are dropped here.
    """
    names = list(numbers)
    sensors = [names[n] for n in np.unique(wanted // _NQ).tolist()]
    quantities = [QUANTITIES[q].value for q in np.unique(wanted % _NQ).tolist()]
    columns = (o.c.sensor_id, o.c.quantity, bulk.epoch_us_column(conn, o.c.observed_at),
               o.c.value, o.c.flags)  # fmt: skip
    bounds = [o.c.observed_at >= bulk.datetime_of(since)]
    if until is not None:
        bounds.append(o.c.observed_at <= bulk.datetime_of(until))
    rows: list[tuple[object, ...]] = []
    for start in range(0, len(sensors), _CHUNK):
        chunk = sensors[start : start + _CHUNK]
        query = select(*columns).where(bulk.in_values(conn, o.c.sensor_id, chunk),
            bulk.in_values(conn, o.c.quantity, quantities),
                                       *bounds)  # fmt: skip
        rows.extend(conn.execute(query).all())  # one fetch, not a fetch per row
    if not rows:
        return _empty_history()
    sensor, quantity, moment, value, flags = zip(*rows, strict=True)
    found = (_series_codes(numbers, sensor, quantity), bulk.decode_epoch_us(conn, moment),
             np.asarray(value, dtype=np.float64), np.asarray(flags, dtype=np.int64))  # fmt: skip
    return _select(found, np.isin(found[0], wanted))


def _empty_history() -> History:
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty, np.zeros(0), empty


_LATEST_QUERIES: dict[str, Select[*tuple[object, ...]]] = {}


def _latest_query(conn: Connection) -> Select[*tuple[object, ...]]:
    """The ``env_latest`` rows of sensors ``ids``, built once per dialect (compiled once)."""
    query = _LATEST_QUERIES.get(conn.dialect.name)
    if query is None:
        columns = (lt.c.sensor_id, lt.c.quantity, bulk.epoch_us_column(conn, lt.c.observed_at),
                   lt.c.value, lt.c.flags, bulk.epoch_us_column(conn, lt.c.prev_observed_at),
                   lt.c.prev_value, bulk.epoch_us_column(conn, lt.c.context_from))  # fmt: skip
        query = select(*columns).where(
            bulk.in_parameter(lt.c.sensor_id, "ids", dialect=conn.dialect.name)
        )
        _LATEST_QUERIES[conn.dialect.name] = query
    return query


def _latest_history(conn: Connection, numbers: Mapping[str, int]) -> tuple[History, Ints, Ints]:
    """The last two stored values of every series of the batch's sensors, from ``env_latest``.

    Also returns each series' code and ``context_from`` (µs). The previous value's flags are
    not kept in ``env_latest``: it is given 0, and flags are only ever added to stored values
    (``flags | gained``), so this costs nothing but a no-op.
    """
    names = list(numbers)
    rows: list[tuple[object, ...]] = []
    query = _latest_query(conn)
    for start in range(0, len(names), _CHUNK):
        rows.extend(conn.execute(query, {"ids": names[start : start + _CHUNK]}).all())
    if not rows:
        return _empty_history(), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    sensor, quantity, last_t, last_v, last_f, prev_t, prev_v, context = zip(*rows, strict=True)
    series = _series_codes(numbers, sensor, quantity)
    prev_time = bulk.decode_epoch_us(conn, prev_t)
    has_prev = prev_time != bulk.NULL_US
    history = (
        np.concatenate([series[has_prev], series]),
        np.concatenate([prev_time[has_prev], bulk.decode_epoch_us(conn, last_t)]),
        np.concatenate([np.asarray(prev_v, dtype=np.float64)[has_prev],
                        np.asarray(last_v, dtype=np.float64)]),
        np.concatenate([np.zeros(int(has_prev.sum()), dtype=np.int64),
                        np.asarray(last_f, dtype=np.int64)]),
    )  # fmt: skip
    return history, series, bulk.decode_epoch_us(conn, context)


def _select(history: History, keep: npt.NDArray[np.bool_]) -> History:
    return history[0][keep], history[1][keep], history[2][keep], history[3][keep]


def _load_history(
    conn: Connection, numbers: Mapping[str, int], series: Ints, epoch_us: Ints, values: Floats
) -> History:
    """The stored values the QC of this batch needs, each once.

    Readings newer than everything stored need only the last two values of their series
    (``env_latest``), unless the first of them repeats the last stored value: a flat line may
    be going on, and the last few stored values are read (``context_from`` onwards). Series
    with a reading at or before their latest stored one (late data, retries) get every stored
    value within ``CONTEXT_SIZE`` stale limits of their readings: the values they might repeat
    and every neighbour the checks look at.
    """
    state, state_series, context_from = _latest_history(conn, numbers)
    size = len(numbers) * _NQ
    last_t = np.full(size, np.iinfo(np.int64).min)
    last_v = np.full(size, np.nan)
    np.maximum.at(last_t, state[0], state[1])
    at_last = state[1] == last_t[state[0]]
    last_v[state[0][at_last]] = state[2][at_last]
    order = np.lexsort((epoch_us, series))
    firsts = (
        order[np.append(True, series[order][1:] != series[order][:-1])] if series.size else order
    )
    first_series = series[firsts]
    late = first_series[epoch_us[firsts] <= last_t[first_series]]
    flat = first_series[(values[firsts] == last_v[first_series]) & ~np.isin(first_series, late)]
    parts = [
        _select(state, np.isin(state[0], series) & ~np.isin(state[0], np.concatenate([late, flat])))
    ]
    if flat.size:
        since = np.zeros(size, dtype=np.int64)
        since[state_series] = context_from
        days = since[flat] // 86_400_000_000  # one range read per day the contexts start on
        for day in np.unique(days).tolist():
            group = flat[days == day]
            parts.append(
                _history_rows(conn, numbers, group, since=int(since[group].min()), until=None)
            )
    if late.size:
        in_late = np.isin(series, late)
        quantities = {QUANTITIES[q] for q in (late % _NQ).tolist()}
        silence = max(DEFAULT_THRESHOLDS[q].max_silence for q in quantities)
        margin = int(silence.total_seconds() * 1_000_000) * CONTEXT_SIZE
        parts.append(_history_rows(conn, numbers, late, since=int(epoch_us[in_late].min()) - margin,
                                   until=int(epoch_us[in_late].max()) + margin))  # fmt: skip
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))  # type: ignore[return-value]  # four columns


@dataclass(frozen=True)
class _Batch:
    """The validated readings with their series codes, and how to name a series."""

    columns: Columns
    series: Ints
    names: list[str]  # sensor id of each sensor number

    def sensor_ids(self, series: Ints) -> list[str]:
        return [self.names[n] for n in (series // _NQ).tolist()]

    @staticmethod
    def quantity_names(series: Ints) -> list[str]:
        return [QUANTITIES[q].value for q in (series % _NQ).tolist()]


def _store_new(
    conn: Connection, batch: _Batch, qc: BatchQc, *, door: Door, received: datetime
) -> None:
    kept = qc.is_kept
    series, moments = batch.series[kept], batch.columns.epoch_us[kept]
    # Kept readings are not stored yet: QC read, under the write lock, the stored values
    # they could repeat (``_load_history``), so they can be appended (PostgreSQL: COPY).
    bulk.append_columns(
        conn,
        o,
        {
            "sensor_id": batch.sensor_ids(series),
            "quantity": batch.quantity_names(series),
            "observed_at": bulk.Times(moments),
            "value": batch.columns.value[kept],
            "flags": qc.flags[kept],
        },
        constants={"received_at": received, "door": door},
        key=("sensor_id", "quantity", "observed_at"),
    )
    latest = qc.latest
    bulk.upsert_latest_columns(
        conn,
        lt,
        {
            "sensor_id": batch.sensor_ids(batch.series[latest]),
            "quantity": batch.quantity_names(batch.series[latest]),
            "observed_at": bulk.Times(batch.columns.epoch_us[latest]),
            "value": batch.columns.value[latest],
            "flags": qc.flags[latest],
            "prev_observed_at": bulk.Times(
                np.where(qc.prev_epoch_us == NO_TIME, bulk.NULL_US, qc.prev_epoch_us)
            ),
            "prev_value": qc.prev_value,  # NaN: NULL
            "context_from": bulk.Times(qc.context_from),
        },
        constants={"received_at": received},
        key=("sensor_id", "quantity"),
        newer_than="observed_at",
    )
    store_aggregates(conn, batch.series[kept], moments, batch.columns.value[kept],
                     qc.flags[kept], name_of=batch.sensor_ids)  # fmt: skip


def _store_history_flags(conn: Connection, batch: _Batch, history: History, qc: BatchQc) -> None:
    """Add the flags stored values gained (rare: a spike or flat line completed, a conflict)."""
    gained = qc.history_flags & ~history[3]
    changed = np.flatnonzero(gained)
    if not changed.size:
        return
    series, moments = history[0][changed], history[1][changed]
    params = [
        {"b_sensor": s, "b_quantity": q, "b_time": bulk.datetime_of(t), "b_gained": f}
        for s, q, t, f in zip(batch.sensor_ids(series), batch.quantity_names(series),
                              moments.tolist(), gained[changed].tolist(), strict=True)
    ]  # fmt: skip
    for table in (o, lt):
        conn.execute(
            update(table)
            .where(table.c.sensor_id == bindparam("b_sensor"),
                   table.c.quantity == bindparam("b_quantity"),
                   table.c.observed_at == bindparam("b_time"))
            .values(flags=table.c.flags.op("|")(bindparam("b_gained"))),
            params,
        )  # fmt: skip
    excluded = (gained[changed] & int(QcFlag.DUPLICATE_CONFLICT)) != 0
    recompute_buckets(conn, series[excluded], moments[excluded], name_of=batch.sensor_ids)


def _conflict_errors(batch: _Batch, qc: BatchQc) -> list[ItemError]:
    rows = np.flatnonzero(qc.is_conflict)
    return [
        ItemError(int(batch.columns.index[r]), "duplicate_conflict", "value",
                  float(batch.columns.value[r]),
                  f"{float(qc.kept_value[r])!r}, the value already received for this sensor, "
                  "quantity and time (the first value is kept)",
                  batch.columns.sensor[r], QUANTITIES[int(batch.columns.quantity[r])].value)
        for r in rows.tolist()
    ]  # fmt: skip


def _storable(text: str) -> str:
    """``text`` with each NUL character written as the four characters of its escape.

    PostgreSQL text cannot hold NUL, and the input that carried one must still reach the
    quarantine.
    """
    return text.replace("\x00", "\\x00")


def _quarantine(
    conn: Connection, readings: Sequence[object], errors: list[ItemError], *, door: Door,
    received: datetime,
) -> None:  # fmt: skip
    def text(value: object, limit: int) -> str | None:
        shown = excerpt(value, limit)
        if shown is None:
            return None
        return _storable(shown) if isinstance(shown, str) else json.dumps(shown)

    def cut(value: str | None, limit: int) -> str | None:
        return None if value is None else _storable(value[:limit])

    bulk.insert_columns(
        conn,
        tables.quarantine,
        {
            "sensor_id": [cut(e.sensor_id, 200) for e in errors],
            "quantity": [cut(e.quantity, 64) for e in errors],
            "reason": [e.reason for e in errors],
            "field": [e.field for e in errors],
            "value": [text(e.value, 200) for e in errors],
            "expected": [_storable(e.expected) for e in errors],
            "payload": [text(readings[e.index], PAYLOAD_CHARS) for e in errors],
        },
        constants={"received_at": received, "door": door},
    )


def quarantine_items(
    conn: Connection,
    items: Sequence[object],
    errors: Sequence[ItemError],
    *,
    door: Door,
    now: datetime | None = None,
) -> None:
    """Quarantine what a door refused before ``ingest_readings`` could see it.

    An MQTT message that is not JSON, or not shaped as readings, is no reading the pipeline
    can check, yet it must not be dropped silently: it is kept with its reason like a
    refused reading. ``errors[k].index`` points into ``items``; an excerpt of the item is
    stored as the payload. Like ``ingest_readings``, this never commits.
    """
    if errors:
        received = (now or datetime.now(UTC)).astimezone(UTC)
        _quarantine(conn, items, list(errors), door=door, received=received)


def ingest_readings(
    conn: Connection,
    readings: Sequence[object],
    *,
    door: Door,
    now: datetime | None = None,
    communes: Collection[str] | None = None,
) -> IngestResult:
    """Validate, quality-check and store a batch of readings; quarantine the invalid ones.

    Parameters
    ----------
    conn
        A connection inside the caller's transaction; the caller commits, then acknowledges.
    readings
        Mappings with ``sensor_id``, ``quantity``, ``observed_at`` (ISO 8601 text with a UTC
        offset, or an aware datetime), ``value`` (number or numeric text) and optional
        ``unit`` (default: the unit the sensor is registered with for that quantity).
    door
        Which door received them (stored with each value and quarantine entry).
    now
        The reception time (default: the clock), for ``received_at`` and the future check.
    communes
        The commune codes the sender may report for (its token's scope); readings of sensors
        elsewhere are quarantined as ``out_of_scope``. ``None``: no restriction.

    Returns
    -------
    IngestResult
        Counts and one error per quarantined reading. Repeating a stored reading (same sensor,
        quantity, time and value) is a no-op counted in ``duplicates``.
    """
    return store_prepared(
        conn, prepare_readings(conn, readings, now=now, communes=communes), door=door
    )


@dataclass(frozen=True)
class PreparedReadings:
    """A batch checked before the write lock: the sensors it names, as read, and its columns."""

    readings: Sequence[object]
    sensor_ids: list[str]
    registry_version: int  # read before ``sensors``: a change in between shows as a new version
    sensors: dict[str, SensorInfo]
    columns: Columns
    errors: list[ItemError]
    now: datetime
    communes: Collection[str] | None


def prepare_readings(
    conn: Connection,
    readings: Sequence[object],
    *,
    now: datetime | None = None,
    communes: Collection[str] | None = None,
) -> PreparedReadings:
    """Read the batch's sensors and validate its items, without the write lock.

    Validation is a third of a batch's time; done here, concurrent batches validate while
    another one writes. Under the lock, ``store_prepared`` compares the registry version read
    here with the current one, and only if it moved (a sensor registered, retired, moved,
    deleted) re-reads the sensors and validates again. Arguments are those of
    ``ingest_readings``.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ids = _sensor_ids(readings)
    version = _registry_version(conn)
    sensors = _load_sensors(conn, ids)
    columns, errors = parse_readings(readings, sensors, now=now, communes=communes)
    return PreparedReadings(readings, ids, version, sensors, columns, errors, now, communes)


_VERSION_QUERY = select(tables.registry_version.c.version).where(tables.registry_version.c.id == 1)


def _registry_version(conn: Connection) -> int:
    """The sensor registry's version, which the database raises on any change to it."""
    return int(conn.execute(_VERSION_QUERY).scalar_one())


def store_prepared(conn: Connection, prepared: PreparedReadings, *, door: Door) -> IngestResult:
    """The write half of ``ingest_readings``: lock, QC against history, store, quarantine."""
    if door not in DOORS:
        msg = f"Unknown door {door!r}; expected one of {', '.join(DOORS)}."
        raise ValueError(msg)
    readings, now, communes = prepared.readings, prepared.now, prepared.communes
    received = now
    bulk.lock_for_writing(conn, lt, column="flags")
    columns, errors = prepared.columns, list(prepared.errors)
    if _registry_version(conn) != prepared.registry_version:  # the sensors may have changed
        sensors = _load_sensors(conn, prepared.sensor_ids)
        if sensors != prepared.sensors:  # they did: validate again
            columns, errors = parse_readings(readings, sensors, now=now, communes=communes)
    numbers: dict[str, int] = {}
    codes = [numbers.setdefault(name, len(numbers)) for name in columns.sensor]
    series = np.asarray(codes, dtype=np.int64) * _NQ + columns.quantity
    batch = _Batch(columns, series, list(numbers))
    history = _load_history(conn, numbers, series, columns.epoch_us, columns.value)
    qc = check_batch((series, columns.epoch_us, columns.value), history, quantities=QUANTITIES)
    _store_new(conn, batch, qc, door=door, received=received)
    _store_history_flags(conn, batch, history, qc)
    errors = sorted([*errors, *_conflict_errors(batch, qc)], key=lambda e: e.index)
    _quarantine(conn, readings, errors, door=door, received=received)
    return IngestResult(
        received=len(readings),
        accepted=int(qc.is_kept.sum()),
        duplicates=int(qc.is_duplicate.sum()),
        conflicts=int(qc.is_conflict.sum()),
        quarantined=len(errors),
        errors=tuple(errors),
    )

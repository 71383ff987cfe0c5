"""Column-wise bulk writes (``storage.bulk``) on real SQLite and PostgreSQL.

The binary paths (numpy-built array parameters, COPY) must store exactly what SQLAlchemy
Core's plain ``insert`` stores from the same Python values.
"""

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    insert,
    select,
)

from healthycity.storage import bulk

T0 = datetime(2026, 7, 1, 10, 0, 0, 123456, tzinfo=UTC)
RECEIVED = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)


def _table(name: str) -> Table:
    return Table(
        name,
        MetaData(),
        Column("sensor_id", String(128), primary_key=True),
        Column("quantity", String(32), primary_key=True),
        Column("observed_at", DateTime(timezone=True), primary_key=True),
        Column("value", Float),
        Column("flags", SmallInteger, nullable=False),
        Column("count", Integer),
        Column("note", Text),
        Column("previous_at", DateTime(timezone=True)),
        Column("received_at", DateTime(timezone=True), nullable=False),
        Column("door", String(8), nullable=False),
    )


@pytest.fixture
def tables_pair(engine: Engine) -> tuple[Table, Table]:
    """The same table twice: one written by Core, one by the bulk helpers."""
    pair = (_table("core_rows"), _table("bulk_rows"))
    for table in pair:
        table.create(engine)
    return pair


# Every awkward value at least once: NULL times, NaN (NULL) floats, NULL and non-ASCII text,
# negative and pre-2000 times (PostgreSQL counts from 2000-01-01), the int2 extremes.
MOMENTS = [T0, T0 + timedelta(minutes=10), datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
           datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC), T0 + timedelta(days=400)]  # fmt: skip
SENSORS = ["b0001", "b0001", "capteur-µ", "b0002", "b0001"]
QUANTITIES = ["pm25", "temperature", "pm25", "no2", "pm25"]
VALUES = [12.5, -3.25, math.nan, 1e300, 0.0]
FLAGS = [0, 32767, -32768, 5, 1]
COUNTS = [1, 2, 3, 2_000_000_000, 0]
NOTES = ["a", None, "é€", "", "x" * 300]
PREVIOUS = [T0 - timedelta(hours=1), None, None, T0, T0 - timedelta(microseconds=1)]


def _epoch_us(moment: datetime | None) -> int:
    return bulk.NULL_US if moment is None else bulk.epoch_us_of(moment)


def _bulk_columns() -> dict[str, object]:
    return {
        "sensor_id": SENSORS,
        "quantity": QUANTITIES,
        "observed_at": bulk.Times([_epoch_us(m) for m in MOMENTS]),
        "value": np.array(VALUES),
        "flags": np.array(FLAGS),
        "count": np.array(COUNTS),
        "note": NOTES,
        "previous_at": bulk.Times([_epoch_us(m) for m in PREVIOUS]),
    }


def _core_rows() -> list[dict[str, object]]:
    return [
        {"sensor_id": s, "quantity": q, "observed_at": m, "value": None if math.isnan(v) else v,
         "flags": f, "count": c, "note": n, "previous_at": p, "received_at": RECEIVED,
         "door": "http"}
        for s, q, m, v, f, c, n, p in zip(SENSORS, QUANTITIES, MOMENTS, VALUES, FLAGS, COUNTS,
                                          NOTES, PREVIOUS, strict=True)
    ]  # fmt: skip


def _stored(engine: Engine, table: Table) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        query = select(table).order_by(table.c.sensor_id, table.c.quantity, table.c.observed_at)
        return [tuple(row) for row in conn.execute(query)]


def test_insert_columns_stores_what_core_stores(
    engine: Engine, tables_pair: tuple[Table, Table]
) -> None:
    core, fast = tables_pair
    with engine.begin() as conn:
        conn.execute(insert(core), _core_rows())
        bulk.insert_columns(conn, fast, _bulk_columns(),  # type: ignore[arg-type]
                            constants={"received_at": RECEIVED, "door": "http"})  # fmt: skip

    assert _stored(engine, fast) == _stored(engine, core)
    assert len(_stored(engine, fast)) == len(MOMENTS)


def test_append_columns_stores_what_core_stores(
    engine: Engine, tables_pair: tuple[Table, Table]
) -> None:
    core, fast = tables_pair
    with engine.begin() as conn:
        conn.execute(insert(core), _core_rows())
        bulk.append_columns(conn, fast, _bulk_columns(),  # type: ignore[arg-type]
                            constants={"received_at": RECEIVED, "door": "http"},
                            key=("sensor_id", "quantity", "observed_at"))  # fmt: skip

    assert _stored(engine, fast) == _stored(engine, core)


def test_append_columns_skips_rows_already_stored_like_insert_on_conflict(
    engine: Engine, tables_pair: tuple[Table, Table]
) -> None:
    # PostgreSQL: the COPY fails on the unique key, is rolled back to its savepoint, and the
    # rows go in with ON CONFLICT DO NOTHING; the rest of the transaction is kept.
    core, fast = tables_pair
    key = ("sensor_id", "quantity", "observed_at")
    first = {name: _slice(values, 2) for name, values in _bulk_columns().items()}
    with engine.begin() as conn:
        early = {"received_at": T0, "door": "mqtt"}
        bulk.append_columns(conn, fast, first, constants=early, key=key)  # type: ignore[arg-type]
        conn.execute(insert(core), [r | early for r in _core_rows()[:2]])
        late = {"received_at": RECEIVED, "door": "http"}
        bulk.append_columns(conn, fast, _bulk_columns(), constants=late, key=key)  # type: ignore[arg-type]
        conn.execute(insert(core), _core_rows()[2:])

    assert _stored(engine, fast) == _stored(engine, core)  # the first two kept as first stored


def _slice(values: object, stop: int) -> object:
    if isinstance(values, bulk.Times):
        return bulk.Times(values.epoch_us[:stop])
    return values[:stop]  # type: ignore[index]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite gives naive UTC


def test_accumulate_columns_adds_numpy_columns_to_stored_rows(engine: Engine) -> None:
    table = Table(
        "agg",
        MetaData(),
        Column("sensor_id", String(128), primary_key=True),
        Column("period_start", DateTime(timezone=True), primary_key=True),
        Column("count", Integer, nullable=False),
        Column("value_sum", Float, nullable=False),
        Column("value_min", Float, nullable=False),
        Column("value_max", Float, nullable=False),
    )
    table.create(engine)
    hours = bulk.Times([_epoch_us(T0), _epoch_us(T0 + timedelta(hours=1))])

    def add(counts: list[int], sums: list[float], lows: list[float], highs: list[float]) -> None:
        with engine.begin() as conn:
            bulk.accumulate_columns(
                conn, table,
                {"sensor_id": ["s", "s"], "period_start": hours, "count": np.array(counts),
                 "value_sum": np.array(sums), "value_min": np.array(lows),
                 "value_max": np.array(highs)},
                key=("sensor_id", "period_start"), add=("count", "value_sum"),
                least=("value_min",), greatest=("value_max",),
            )  # fmt: skip

    add([2, 1], [10.0, 4.0], [4.0, 4.0], [6.0, 4.0])
    add([1, 3], [1.5, 30.0], [1.5, 9.0], [1.5, 11.0])

    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(table).order_by(table.c.period_start))]
    assert [r[2:] for r in rows] == [(3, 11.5, 1.5, 6.0), (4, 34.0, 4.0, 11.0)]
    assert [_aware(r[1]) for r in rows] == [T0, T0 + timedelta(hours=1)]


def test_upsert_latest_columns_replaces_only_older_rows(engine: Engine) -> None:
    table = Table(
        "latest",
        MetaData(),
        Column("sensor_id", String(128), primary_key=True),
        Column("observed_at", DateTime(timezone=True), nullable=False),
        Column("value", Float, nullable=False),
        Column("prev_observed_at", DateTime(timezone=True)),
        Column("received_at", DateTime(timezone=True), nullable=False),
    )
    table.create(engine)

    def put(sensors: list[str], hours: list[int], values: list[float], received: datetime) -> None:
        moments = [_epoch_us(T0 + timedelta(hours=h)) for h in hours]
        with engine.begin() as conn:
            bulk.upsert_latest_columns(
                conn, table,
                {"sensor_id": sensors, "observed_at": bulk.Times(moments),
                 "value": np.array(values),
                 "prev_observed_at": bulk.Times([bulk.NULL_US] * len(hours))},
                constants={"received_at": received}, key=("sensor_id",), newer_than="observed_at",
            )  # fmt: skip

    put(["a", "b"], [1, 1], [1.0, 2.0], T0)
    put(["a", "b", "c"], [2, 0, 0], [3.0, 9.0, 4.0], RECEIVED)  # a newer, b older, c new

    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(table).order_by(table.c.sensor_id))]
    assert [(r[0], _aware(r[1]), r[2], r[3], _aware(r[4])) for r in rows] == [
        ("a", T0 + timedelta(hours=2), 3.0, None, RECEIVED),
        ("b", T0 + timedelta(hours=1), 2.0, None, T0),
        ("c", T0, 4.0, None, RECEIVED),
    ]

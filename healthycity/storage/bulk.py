"""Fast bulk statements for time series: column-wise inserts, additive upserts, epoch times.

SQLAlchemy Core's ``executemany`` processes every bound value in Python (a ``DateTime`` bind
costs a ``strftime`` per row), which caps ingestion far below what the databases accept. These
helpers bind whole columns at once instead:

* SQLite: one ``executemany`` of plain tuples on the driver cursor (``sqlite3`` loops in C);
* PostgreSQL: one ``INSERT … SELECT … FROM unnest(%b::type[], …)`` with each column sent as
  one array parameter in binary form, laid out with numpy (``_pg_binary``), the array form of
  the COPY-into-a-temp-table-then-INSERT recipe (same single round trip and server-side
  conflict handling, without a temporary table to manage); and, for rows known to be new
  (``append_columns``), a binary ``COPY`` straight into the table.

Times are exchanged as integer microseconds since the Unix epoch (UTC), which numpy handles
natively: pass a column of them as ``Times``. They are stored in ``DateTime(timezone=True)``
columns, as text in SQLAlchemy's SQLite format (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC) and as
``timestamptz`` in PostgreSQL, so rows written here and rows written by SQLAlchemy Core
compare and collide exactly. Other columns are lists or numpy arrays (a NaN float is NULL, as
SQLite stores it).
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
from psycopg import errors as pg_errors
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Float,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    type_coerce,
)
from sqlalchemy.dialects import postgresql

from healthycity.storage import _pg_binary
from healthycity.storage._pg_binary import NULL_US, Kind, array_param

__all__ = [
    "NULL_US",
    "Times",
    "accumulate_columns",
    "append_columns",
    "datetime_of",
    "decode_epoch_us",
    "epoch_us_column",
    "epoch_us_of",
    "in_parameter",
    "in_values",
    "insert_columns",
    "lock_for_writing",
    "upsert_latest_columns",
]

EpochUs = npt.NDArray[np.int64]
_US = 1_000_000


class Times:
    """A column of UTC times as µs since the Unix epoch (``NULL_US``: NULL), bound natively."""

    __slots__ = ("epoch_us",)

    def __init__(self, epoch_us: npt.ArrayLike) -> None:
        self.epoch_us: EpochUs = np.asarray(epoch_us, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.epoch_us.size)


ColumnValues = Sequence[Any] | npt.NDArray[Any] | Times


def _is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _time_texts(epoch_us: EpochUs, suffix: str) -> list[str | None]:
    unique, inverse = np.unique(epoch_us, return_inverse=True)
    text = np.datetime_as_string(unique.astype("datetime64[us]"), unit="us")
    formatted = [
        None if u == NULL_US else f"{t[:10]} {t[11:]}{suffix}"
        for u, t in zip(unique.tolist(), text.tolist(), strict=True)
    ]
    return [formatted[i] for i in inverse.reshape(-1).tolist()]


def epoch_us_of(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware time (exact, no float rounding)."""
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def datetime_of(epoch_us: int) -> datetime:
    """The aware UTC time of microseconds since the Unix epoch."""
    return datetime.fromtimestamp(epoch_us // _US, tz=UTC).replace(microsecond=epoch_us % _US)


def epoch_us_column(conn: Connection, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """Select a ``DateTime(timezone=True)`` column in the raw form ``decode_epoch_us`` reads."""
    if _is_postgresql(conn):
        return cast(func.extract("epoch", column) * _US, BigInteger)
    return type_coerce(column, String)  # the stored text, without SQLAlchemy's parsing


def decode_epoch_us(conn: Connection, values: Sequence[Any]) -> EpochUs:
    """µs since the epoch from values selected with ``epoch_us_column``; NULL gives ``NULL_US``."""
    if _is_postgresql(conn):
        return np.fromiter(
            (NULL_US if v is None else v for v in values), dtype=np.int64, count=len(values)
        )
    # SQLite text 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): numpy parses it in C; None is NaT.
    return np.asarray(values, dtype="datetime64[us]").astype(np.int64).reshape(len(values))


def in_values(
    conn: Connection, column: ColumnElement[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``= ANY(array)``, one parameter for all values.

    Thousands of IN parameters cost PostgreSQL more to plan than to run.
    """
    if _is_postgresql(conn):
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def in_parameter(column: ColumnElement[Any], name: str, *, dialect: str) -> ColumnElement[bool]:
    """``in_values`` with the values given at execution as parameter ``name`` (a list).

    A statement built once (per ``dialect`` name) with it is compiled once (SQLAlchemy's
    cache), where a statement built per call costs more to prepare than a small query takes
    to run.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def _pg_array_type(table: Table, column: str, conn: Connection) -> str:
    return f"{table.c[column].type.compile(dialect=conn.dialect)}[]"


def _placeholders(conn: Connection, count: int) -> str:
    return ", ".join(["%s" if _is_postgresql(conn) else "?"] * count)


def _pg_kind(column: Column[Any]) -> Kind | None:
    """The binary array kind of a column's type, if ``_pg_binary`` lays it out."""
    kind: Kind | None = None
    column_type = column.type
    if isinstance(column_type, DateTime):
        kind = "timestamptz" if column_type.timezone else None
    elif isinstance(column_type, SmallInteger):
        kind = "int2"
    elif isinstance(column_type, BigInteger):
        kind = "int8"
    elif isinstance(column_type, Integer):
        kind = "int4"
    elif isinstance(column_type, Float):
        kind = "float8"
    elif isinstance(column_type, Text):
        kind = "text"
    elif isinstance(column_type, String):
        kind = "varchar"
    return kind


def _pg_encoding(conn: Connection) -> str:
    return str(conn.connection.driver_connection.info.encoding)  # type: ignore[union-attr]  # psycopg


def _pg_param(conn: Connection, column: Column[Any], values: ColumnValues) -> object:
    """One column as an array parameter: binary via numpy where the type allows it."""
    kind = _pg_kind(column)
    if isinstance(values, Times):
        if kind != "timestamptz":
            msg = f"Times for column {column.name} of type {column.type}; expected a timestamptz."
            raise TypeError(msg)
        return array_param(kind, values.epoch_us)
    if kind is not None and (isinstance(values, np.ndarray) or kind in ("text", "varchar")):
        return array_param(kind, values, encoding=_pg_encoding(conn))
    return list(values)


def _sqlite_values(values: ColumnValues) -> list[Any]:
    if isinstance(values, Times):
        return _time_texts(values.epoch_us, "")
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "f":
            return [None if v != v else v for v in values.tolist()]  # NaN is NULL
        return values.tolist()  # type: ignore[no-any-return]  # list of Python scalars
    return list(values)


def _sqlite_constant(value: Any) -> Any:
    """An aware time becomes SQLAlchemy's SQLite text of it (UTC), as ``DateTime`` stores it."""
    if isinstance(value, datetime):
        return _time_texts(np.array([epoch_us_of(value)], dtype=np.int64), "")[0]
    return value


def _bulk_values(
    conn: Connection,
    table: Table,
    columns: Mapping[str, ColumnValues],
    constants: Mapping[str, Any],
) -> tuple[str, str, Any]:
    """Column list, row source and parameters of a bulk INSERT for the connection's dialect."""
    names = [*columns, *constants]
    column_list = ", ".join(names)
    if _is_postgresql(conn):
        # %b: arrays go in binary form; the text form quotes each element with a regex.
        arrays = ", ".join(f"%b::{_pg_array_type(table, c, conn)}" for c in columns)
        aliases = [f"u{i}" for i in range(len(columns))]
        select_list = ", ".join([*aliases, *("%s" for _ in constants)])
        source = f"SELECT {select_list} FROM unnest({arrays}) AS u({', '.join(aliases)})"  # noqa: S608
        params = (
            *constants.values(),
            *(_pg_param(conn, table.c[c], v) for c, v in columns.items()),
        )
        return column_list, source, params
    lengths = {len(v) for v in columns.values()}
    count = lengths.pop() if lengths else 0
    rows = list(
        zip(
            *(_sqlite_values(v) for v in columns.values()),
            *(repeat(_sqlite_constant(v), count) for v in constants.values()),
            strict=False,
        )
    )
    return column_list, f"VALUES ({_placeholders(conn, len(names))})", rows


def _copy_column(column: Column[Any], values: ColumnValues, count: int) -> tuple[Kind, object]:
    kind = _pg_kind(column)
    if kind is None:
        msg = f"Column {column.name} of type {column.type}; expected a type COPY lays out."
        raise TypeError(msg)
    if isinstance(values, Times):
        return kind, values.epoch_us
    if kind == "timestamptz" and isinstance(values, datetime):
        return kind, np.full(count, epoch_us_of(values), dtype=np.int64)
    if kind in ("text", "varchar"):
        return kind, [values] * count if values is None or isinstance(values, str) else values
    return kind, np.broadcast_to(np.asarray(values), (count,))


def append_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, ColumnValues],
    *,
    constants: Mapping[str, Any] | None = None,
    key: Sequence[str],
) -> None:
    """Insert rows that should all be new on the unique ``key``; stored ones are skipped.

    Same outcome as ``insert_columns(…, ignore_conflicts_on=key)``, faster for rows the
    caller has checked are not stored (under a write lock). PostgreSQL: one binary ``COPY``
    into the table, which checks the unique index like any insert but needs no speculative
    insertion per row (``bench/ingest.py``: twice as fast as ``INSERT … ON CONFLICT``); if a
    row is stored after all, the COPY is rolled back to a savepoint and the rows are inserted
    with ``ON CONFLICT DO NOTHING``. SQLite: ``insert_columns``.
    """
    constants = constants or {}
    count = len(next(iter(columns.values()))) if columns else 0
    if not count:
        return
    if not _is_postgresql(conn):
        insert_columns(conn, table, columns, constants=constants, ignore_conflicts_on=key)
        return
    names = [*columns, *constants]
    fields = [_copy_column(table.c[c], v, count) for c, v in columns.items()]
    fields += [_copy_column(table.c[c], v, count) for c, v in constants.items()]
    data = _pg_binary.copy_bytes(fields, count, encoding=_pg_encoding(conn))
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    driver = conn.connection.driver_connection
    try:
        with conn.begin_nested(), driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]  # psycopg
            copy.write(data)
    except pg_errors.UniqueViolation:  # rolled back to the savepoint: skip the stored rows
        insert_columns(conn, table, columns, constants=constants, ignore_conflicts_on=key)


def insert_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, ColumnValues],
    *,
    constants: Mapping[str, Any] | None = None,
    ignore_conflicts_on: Sequence[str] | None = None,
) -> None:
    """Insert one row per position of the equally long ``columns``, in one statement.

    Parameters
    ----------
    conn
        Connection in the caller's transaction.
    table
        Target table (its column types give PostgreSQL's array casts).
    columns
        Column name -> values: lists, numpy arrays, or ``Times``.
    constants
        Column name -> one value repeated on every row (e.g. the batch's ``received_at``, an
        aware ``datetime``).
    ignore_conflicts_on
        A unique key: rows colliding with stored ones on it are skipped (``DO NOTHING``).
    """
    constants = constants or {}
    if not columns or not len(next(iter(columns.values()))):
        return
    column_list, source, params = _bulk_values(conn, table, columns, constants)
    conflict = (
        f" ON CONFLICT ({', '.join(ignore_conflicts_on)}) DO NOTHING" if ignore_conflicts_on else ""
    )
    sql = f"INSERT INTO {table.name} ({column_list}) {source}{conflict}"  # names from Table
    conn.exec_driver_sql(sql, params)


def accumulate_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, ColumnValues],
    *,
    key: Sequence[str],
    add: Sequence[str] = (),
    least: Sequence[str] = (),
    greatest: Sequence[str] = (),
) -> None:
    """Insert rows, or merge them into the stored row of the same ``key``.

    Merging adds the ``add`` columns, keeps the smaller ``least`` and the larger ``greatest``
    values: running counts, sums, minima and maxima of time-series aggregates. Keys must be
    unique within ``columns`` (PostgreSQL cannot update one row twice in a statement).
    """
    if not len(next(iter(columns.values()))):
        return
    pg = _is_postgresql(conn)
    smaller, larger = ("least", "greatest") if pg else ("min", "max")
    name = table.name
    updates = [
        *(f"{c} = {name}.{c} + excluded.{c}" for c in add),
        *(f"{c} = {smaller}({name}.{c}, excluded.{c})" for c in least),
        *(f"{c} = {larger}({name}.{c}, excluded.{c})" for c in greatest),
    ]
    column_list, source, params = _bulk_values(conn, table, columns, {})
    sql = (
        f"INSERT INTO {name} ({column_list}) {source} "  # names from Table
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(updates)}"
    )
    conn.exec_driver_sql(sql, params)


def upsert_latest_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, ColumnValues],
    *,
    constants: Mapping[str, Any] | None = None,
    key: Sequence[str],
    newer_than: str,
) -> None:
    """Insert rows, or replace the stored row of the same ``key`` when ``newer_than`` grew.

    A row whose ``newer_than`` column (a time) is not after the stored one leaves it alone, so
    late data never moves a "latest value" back in time. ``constants`` are as in
    ``insert_columns`` and replaced like the other columns.
    """
    if not len(next(iter(columns.values()))):
        return
    constants = constants or {}
    name = table.name
    updates = ", ".join(f"{c} = excluded.{c}" for c in [*columns, *constants] if c not in key)
    column_list, source, params = _bulk_values(conn, table, columns, constants)
    sql = (
        f"INSERT INTO {name} ({column_list}) {source} "  # names from Table
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates} "
        f"WHERE excluded.{newer_than} > {name}.{newer_than}"
    )
    conn.exec_driver_sql(sql, params)


def lock_for_writing(conn: Connection, table: Table, *, column: str) -> None:
    """Take the database's write lock now, for the rest of the caller's transaction.

    Read-then-write pipelines (read recent history, then insert what is new) must not let
    another writer commit in between. PostgreSQL: a transaction-scoped advisory lock keyed on
    the table name. SQLite: a no-op UPDATE, which takes the single writer lock; Python's
    ``sqlite3`` opens the transaction before it, so the following reads see every commit
    made before the lock was granted (a deferred ``BEGIN`` would fail with SQLITE_BUSY when
    it later tried to write after another writer).
    """
    if _is_postgresql(conn):
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (table.name,))
    else:
        conn.exec_driver_sql(f"UPDATE {table.name} SET {column} = {column} WHERE 0")  # noqa: S608

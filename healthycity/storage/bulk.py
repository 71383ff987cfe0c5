"""Fast bulk statements for time series: column-wise inserts, additive upserts, epoch times.

SQLAlchemy Core's ``executemany`` processes every bound value in Python (a ``DateTime`` bind
costs a ``strftime`` per row), which caps ingestion far below what the databases accept. These
helpers bind whole columns at once instead:

* SQLite: one ``executemany`` of plain tuples on the driver cursor (``sqlite3`` loops in C);
* PostgreSQL: one ``INSERT … SELECT … FROM unnest(%s::type[], …)`` with each column sent as
  one array parameter, the array form of the COPY-into-a-temp-table-then-INSERT recipe (same
  single round trip and server-side conflict handling, without a temporary table to manage).

Times are exchanged as integer microseconds since the Unix epoch (UTC), which numpy handles
natively. They are stored in ``DateTime(timezone=True)`` columns, as text in SQLAlchemy's
SQLite format (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC) and as ``timestamptz`` in PostgreSQL, so
rows written here and rows written by SQLAlchemy Core compare and collide exactly.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    String,
    Table,
    any_,
    bindparam,
    cast,
    func,
    type_coerce,
)
from sqlalchemy.dialects import postgresql

EpochUs = npt.NDArray[np.int64]
_US = 1_000_000
NULL_US = int(np.iinfo(np.int64).min)  # NaT: a NULL time


def _is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def timestamp_params(conn: Connection, epoch_us: EpochUs) -> list[str]:
    """Bind values of UTC times (µs since the epoch) for a ``DateTime(timezone=True)`` column.

    Only distinct times are formatted: a batch of readings shares few timestamps.
    """
    unique, inverse = np.unique(epoch_us, return_inverse=True)
    text = np.datetime_as_string(unique.astype("datetime64[us]"), unit="us")
    suffix = "+00:00" if _is_postgresql(conn) else ""
    formatted = [f"{t[:10]} {t[11:]}{suffix}" for t in text.tolist()]
    return [formatted[i] for i in inverse.tolist()]


def timestamp_param(conn: Connection, moment: datetime) -> str:
    """Bind value of one aware time for the raw statements of this module."""
    return timestamp_params(conn, np.array([epoch_us_of(moment)], dtype=np.int64))[0]


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


def _pg_array_type(table: Table, column: str, conn: Connection) -> str:
    return f"{table.c[column].type.compile(dialect=conn.dialect)}[]"


def _placeholders(conn: Connection, count: int) -> str:
    return ", ".join(["%s" if _is_postgresql(conn) else "?"] * count)


def _bulk_values(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
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
        params = (*constants.values(), *(list(v) for v in columns.values()))
        return column_list, source, params
    lengths = {len(v) for v in columns.values()}
    count = lengths.pop() if lengths else 0
    rows = list(
        zip(*columns.values(), *(repeat(v, count) for v in constants.values()), strict=False)
    )
    return column_list, f"VALUES ({_placeholders(conn, len(names))})", rows


def insert_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
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
        Column name -> values; times already converted by ``timestamp_params``.
    constants
        Column name -> one value repeated on every row (e.g. the batch's ``received_at``).
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
    columns: Mapping[str, Sequence[Any]],
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
    columns: Mapping[str, Sequence[Any]],
    *,
    key: Sequence[str],
    newer_than: str,
) -> None:
    """Insert rows, or replace the stored row of the same ``key`` when ``newer_than`` grew.

    A row whose ``newer_than`` column (a time) is not after the stored one leaves it alone, so
    late data never moves a "latest value" back in time.
    """
    if not len(next(iter(columns.values()))):
        return
    name = table.name
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    column_list, source, params = _bulk_values(conn, table, columns, {})
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

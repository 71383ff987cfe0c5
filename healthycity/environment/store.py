"""Queries of stored readings: raw series, hourly and daily aggregates, latest, quarantine."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Select, Table, desc, select

from healthycity.environment import tables
from healthycity.environment.quality import QcFlag
from healthycity.environment.quantities import Quantity, spec_of

Resolution = Literal["raw", "hourly", "daily"]
RESOLUTIONS: tuple[Resolution, ...] = ("raw", "hourly", "daily")

o, h, lt, s = tables.observations, tables.hourly, tables.latest, tables.sensors


def _utc(moment: datetime) -> datetime:
    """Stored times are UTC; SQLite gives them back without a zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def flag_names(flags: int) -> list[str]:
    """Names of the QC flags set in ``flags``.

    >>> flag_names(6)
    ['SPIKE', 'FLAT_LINE']
    """
    return [flag.name or "" for flag in QcFlag if flags & flag]


@dataclass(frozen=True)
class Observation:
    """One stored reading, in the canonical unit of its quantity."""

    sensor_id: str
    quantity: Quantity
    observed_at: datetime
    value: float
    flags: int

    @property
    def unit(self) -> str:
        """The canonical unit of the quantity."""
        return spec_of(self.quantity).canonical_unit


@dataclass(frozen=True)
class Aggregate:
    """Mean, minimum, maximum and count of a sensor's values over one UTC hour or day.

    Values flagged ``OUT_OF_RANGE`` or ``DUPLICATE_CONFLICT`` are not counted.
    """

    sensor_id: str
    quantity: Quantity
    period_start: datetime
    count: int
    mean: float
    minimum: float
    maximum: float


@dataclass(frozen=True)
class SeriesFilter:
    """Which readings a query returns: by sensor, quantity, commune and time (from ≤ t < to)."""

    sensor_id: str | None = None
    quantity: Quantity | None = None
    commune_code: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def apply(self, query: Select[Any], table: Table, time_name: str) -> Select[Any]:
        """``query`` of ``table`` restricted to this filter on its ``time_name`` column."""
        if self.sensor_id is not None:
            query = query.where(table.c.sensor_id == self.sensor_id)
        if self.quantity is not None:
            query = query.where(table.c.quantity == self.quantity.value)
        if self.commune_code is not None:
            in_commune = select(s.c.id).where(s.c.commune_code == self.commune_code)
            query = query.where(table.c.sensor_id.in_(in_commune))
        if self.start is not None:
            query = query.where(table.c[time_name] >= self.start.astimezone(UTC))
        if self.end is not None:
            query = query.where(table.c[time_name] < self.end.astimezone(UTC))
        return query


def get_observations(conn: Connection, where: SeriesFilter, *, limit: int) -> list[Observation]:
    """Raw readings in time order (then sensor and quantity), at most ``limit``."""
    query = where.apply(
        select(o.c.sensor_id, o.c.quantity, o.c.observed_at, o.c.value, o.c.flags),
        o,
        "observed_at",
    ).order_by(o.c.observed_at, o.c.sensor_id, o.c.quantity)
    return [
        Observation(sensor, Quantity(quantity), _utc(moment), value, flags)
        for sensor, quantity, moment, value, flags in conn.execute(query.limit(limit))
    ]


def get_aggregates(
    conn: Connection, where: SeriesFilter, *, resolution: Literal["hourly", "daily"], limit: int
) -> list[Aggregate]:
    """Hourly or daily (UTC) aggregates of the periods starting within ``where``'s period.

    A day is folded from all its hourly rows, never from the part of them inside the period.
    """
    if resolution == "daily":
        where = replace(where, start=_next_midnight(where.start), end=_next_midnight(where.end))
    query = where.apply(
        select(h.c.sensor_id, h.c.quantity, h.c.period_start, h.c.count, h.c.value_sum,
               h.c.value_min, h.c.value_max),
        h,
        "period_start",
    ).order_by(h.c.sensor_id, h.c.quantity, h.c.period_start)  # fmt: skip
    rows = [(sensor, q, _utc(start), n, total, low, high)
            for sensor, q, start, n, total, low, high in conn.execute(query)]  # fmt: skip
    if resolution == "daily":
        rows = _fold_days(rows)
    rows.sort(key=lambda r: (r[2], r[0], r[1]))
    return [
        Aggregate(sensor, Quantity(q), start, n, total / n, low, high)
        for sensor, q, start, n, total, low, high in rows[:limit]
    ]


def _next_midnight(moment: datetime | None) -> datetime | None:
    """``moment`` if it is a UTC midnight, else the next one: the first day starting at or after it.

    >>> _next_midnight(datetime(2026, 10, 6, 5, tzinfo=UTC)).isoformat()
    '2026-10-07T00:00:00+00:00'
    """
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == moment else midnight + timedelta(days=1)


def _fold_days(
    rows: Sequence[tuple[str, str, datetime, int, float, float, float]],
) -> list[tuple[str, str, datetime, int, float, float, float]]:
    days: dict[tuple[str, str, datetime], list[float]] = {}
    for sensor, q, start, n, total, low, high in rows:
        day = start.replace(hour=0, minute=0, second=0, microsecond=0)
        acc = days.setdefault((sensor, q, day), [0, 0.0, low, high])
        acc[0] += n
        acc[1] += total
        acc[2] = min(acc[2], low)
        acc[3] = max(acc[3], high)
    return [(*key, int(a[0]), a[1], a[2], a[3]) for key, a in days.items()]


def get_latest(conn: Connection, sensor_id: str) -> list[Observation]:
    """The latest reading of each quantity of one sensor (one primary-key range read)."""
    rows = conn.execute(
        select(lt.c.quantity, lt.c.observed_at, lt.c.value, lt.c.flags)
        .where(lt.c.sensor_id == sensor_id)
        .order_by(lt.c.quantity)
    )
    return [Observation(sensor_id, Quantity(q), _utc(t), v, f) for q, t, v, f in rows]


@dataclass(frozen=True)
class Received:
    """A stored reading's series and times: what a consumer of new data needs to recompute."""

    sensor_id: str
    quantity: Quantity
    observed_at: datetime
    received_at: datetime


def get_received_since(
    conn: Connection, since: datetime, *, observed_from: datetime
) -> list[Received]:
    """Readings received after ``since`` and observed from ``observed_from`` on.

    ``env_latest`` (one row per series) tells which series received something; their
    readings are then read by primary-key range from ``observed_from``. A reading received
    late for a time before the series' latest one does not move ``env_latest`` and is not
    found: consumers that re-evaluate only what is new lose nothing by it.
    """
    changed = conn.execute(
        select(lt.c.sensor_id, lt.c.quantity).where(lt.c.received_at > _utc(since))
    ).all()
    out: list[Received] = []
    for sensor_id, quantity in changed:
        rows = conn.execute(
            select(o.c.observed_at, o.c.received_at).where(
                o.c.sensor_id == sensor_id,
                o.c.quantity == quantity,
                o.c.observed_at >= _utc(observed_from),
                o.c.received_at > _utc(since),
            )
        )
        out.extend(Received(sensor_id, Quantity(quantity), _utc(t), _utc(r)) for t, r in rows)
    return out


@dataclass(frozen=True)
class QuarantineEntry:
    """A reading that was not stored, with why."""

    id: int
    received_at: datetime
    door: str
    sensor_id: str | None
    quantity: str | None
    reason: str
    field: str
    value: str | None
    expected: str
    payload: str | None


def get_quarantine(
    conn: Connection,
    *,
    sensor_id: str | None = None,
    reason: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    communes: Collection[str] | None = None,
) -> list[QuarantineEntry]:
    """Quarantined readings, newest first; of the sensors registered in ``communes`` if given."""
    q = tables.quarantine
    query = select(q).order_by(desc(q.c.id)).limit(limit)
    if communes is not None:
        in_scope = select(s.c.id).where(s.c.commune_code.in_(sorted(communes)))
        query = query.where(q.c.sensor_id.in_(in_scope))
    if sensor_id is not None:
        query = query.where(q.c.sensor_id == sensor_id)
    if reason is not None:
        query = query.where(q.c.reason == reason)
    if since is not None:
        query = query.where(q.c.received_at >= since.astimezone(UTC))
    return [
        QuarantineEntry(r.id, _utc(r.received_at), r.door, r.sensor_id, r.quantity, r.reason,
                        r.field, r.value, r.expected, r.payload)
        for r in conn.execute(query)
    ]  # fmt: skip

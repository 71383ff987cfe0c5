"""Hourly aggregates (UTC), kept up to date by the ingestion pipeline.

Each batch adds its own partial aggregates (count, sum, min, max per series and hour,
computed with numpy) to the stored ones with one additive upsert: the cost grows with the
hours a batch touches, not with the history, and aggregates are always consistent with the
raw values of the same transaction. The one change that cannot be added, a stored value
becoming excluded (``DUPLICATE_CONFLICT``), recomputes its hours from the raw values.
"""

from collections.abc import Callable

import numpy as np
from sqlalchemy import Connection, delete, func, select

from healthycity.environment import tables
from healthycity.environment._batch_qc import EXCLUDED, Floats, Ints
from healthycity.environment._readings import QUANTITIES
from healthycity.storage import bulk
from healthycity.storage.upsert import upsert

HOUR_US = 3_600_000_000
PERIODS = ((tables.hourly, HOUR_US),)
_NQ = len(QUANTITIES)

NameOf = Callable[[Ints], list[str]]


def _quantity_names(series: Ints) -> list[str]:
    return [QUANTITIES[q].value for q in (series % _NQ).tolist()]


def store_aggregates(
    conn: Connection, series: Ints, epoch_us: Ints, values: Floats, flags: Ints, *, name_of: NameOf
) -> None:
    """Add new values (not excluded by their flags) to the hourly aggregates."""
    counted = (flags & EXCLUDED) == 0
    series, epoch_us, values = series[counted], epoch_us[counted], values[counted]
    if not series.size:
        return
    for table, period_us in PERIODS:
        start = epoch_us - epoch_us % period_us
        order = np.lexsort((start, series))
        s, p, v = series[order], start[order], values[order]
        first = np.ones(s.size, dtype=bool)
        first[1:] = (s[1:] != s[:-1]) | (p[1:] != p[:-1])
        at = np.flatnonzero(first)
        bulk.accumulate_columns(
            conn,
            table,
            {
                "sensor_id": name_of(s[at]),
                "quantity": _quantity_names(s[at]),
                "period_start": bulk.Times(p[at]),
                "count": np.diff(np.append(at, s.size)),
                "value_sum": np.add.reduceat(v, at),
                "value_min": np.minimum.reduceat(v, at),
                "value_max": np.maximum.reduceat(v, at),
            },
            key=("sensor_id", "quantity", "period_start"),
            add=("count", "value_sum"),
            least=("value_min",),
            greatest=("value_max",),
        )


def recompute_buckets(conn: Connection, series: Ints, epoch_us: Ints, *, name_of: NameOf) -> None:
    """Recompute from raw values the periods holding these times (rare: after a conflict)."""
    o = tables.observations
    names, quantities = name_of(series), _quantity_names(series)
    for table, period_us in PERIODS:
        starts = (epoch_us - epoch_us % period_us).tolist()
        for sensor_id, quantity, start in sorted(set(zip(names, quantities, starts, strict=True))):
            key = {"sensor_id": sensor_id, "quantity": quantity,
                   "period_start": bulk.datetime_of(start)}  # fmt: skip
            count, total, low, high = conn.execute(
                select(func.count(), func.sum(o.c.value), func.min(o.c.value), func.max(o.c.value))
                .where(o.c.sensor_id == sensor_id, o.c.quantity == quantity,
                       o.c.observed_at >= key["period_start"],
                       o.c.observed_at < bulk.datetime_of(start + period_us),
                       o.c.flags.op("&")(EXCLUDED) == 0)
            ).one()  # fmt: skip
            if count:
                row = key | {
                    "count": count,
                    "value_sum": total,
                    "value_min": low,
                    "value_max": high,
                }
                upsert(conn, table, [row], key=("sensor_id", "quantity", "period_start"))
            else:
                conn.execute(delete(table).where(*(table.c[k] == v for k, v in key.items())))

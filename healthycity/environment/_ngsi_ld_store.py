"""The SQL of the NGSI-LD door: which sensors exist or have data, entity states, quarantine."""

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, func, insert, select

from healthycity.environment import tables
from healthycity.environment.ngsi_ld import QUANTITIES_OF, EntityState, EntityType
from healthycity.environment.pipeline import PAYLOAD_CHARS
from healthycity.environment.quantities import Quantity
from healthycity.environment.store import Observation

s, sq, lt = tables.sensors, tables.sensor_quantities, tables.latest
_CHUNK = 5000


def _family(entity_type: EntityType) -> list[str]:
    return [q.value for q in QUANTITIES_OF[entity_type]]


def registered(conn: Connection, sensor_ids: Collection[str]) -> set[str]:
    """The ids among ``sensor_ids`` that are registered sensors."""
    ids = sorted(sensor_ids)
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(conn.execute(select(s.c.id).where(s.c.id.in_(chunk))).scalars())
    return found


def with_data(conn: Connection, sensor_ids: Collection[str], entity_type: EntityType) -> set[str]:
    """The sensors among ``sensor_ids`` holding a reading of ``entity_type``'s quantities."""
    ids = sorted(sensor_ids)
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(lt.c.sensor_id)
            .distinct()
            .where(
                lt.c.sensor_id.in_(ids[start : start + _CHUNK]),
                lt.c.quantity.in_(_family(entity_type)),
            )
        )
        found.update(conn.execute(query).scalars())
    return found


def _measuring(entity_type: EntityType) -> ColumnElement[bool]:
    return s.c.id.in_(select(sq.c.sensor_id).where(sq.c.quantity.in_(_family(entity_type))))


def count_entities(
    conn: Connection, entity_type: EntityType, sensor_ids: Sequence[str] | None
) -> int:
    """How many sensors measure a quantity of ``entity_type`` (among ``sensor_ids`` if given)."""
    query = select(func.count()).select_from(s).where(_measuring(entity_type))
    if sensor_ids is not None:
        query = query.where(s.c.id.in_(sensor_ids))
    return int(conn.execute(query).scalar_one())


def entity_states(
    conn: Connection,
    entity_type: EntityType,
    *,
    sensor_ids: Sequence[str] | None = None,
    limit: int,
    offset: int = 0,
) -> list[EntityState]:
    """Sensors measuring a quantity of ``entity_type``, by id, with their latest values."""
    query = select(s.c.id, s.c.name, s.c.lon, s.c.lat, s.c.operator).where(_measuring(entity_type))
    if sensor_ids is not None:
        query = query.where(s.c.id.in_(sensor_ids))
    rows = list(conn.execute(query.order_by(s.c.id).limit(limit).offset(offset)))
    latest: dict[str, list[Observation]] = {row.id: [] for row in rows}
    if rows:
        values = conn.execute(
            select(lt.c.sensor_id, lt.c.quantity, lt.c.observed_at, lt.c.value, lt.c.flags)
            .where(lt.c.sensor_id.in_(list(latest)), lt.c.quantity.in_(_family(entity_type)))
            .order_by(lt.c.sensor_id, lt.c.quantity)
        )
        for sensor_id, quantity, moment, value, flags in values:
            latest[sensor_id].append(
                Observation(sensor_id, Quantity(quantity), _utc(moment), value, flags)
            )
    return [
        EntityState(row.id, entity_type, row.name, row.lon, row.lat, row.operator,
                    tuple(latest[row.id]))
        for row in rows
    ]  # fmt: skip


def _utc(moment: datetime) -> datetime:
    """Stored times are UTC; SQLite gives them back without a zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class EntityRefusal:
    """An entity refused as a whole, for the quarantine (its readings never reached it)."""

    sensor_id: str | None
    reason: str  # unsupported_type, no_measurement
    field: str
    value: str
    expected: str
    payload: object


def quarantine_entities(
    conn: Connection, refusals: Sequence[EntityRefusal], *, received_at: datetime
) -> None:
    """Record refused entities in the quarantine, as the pipeline does for readings."""
    if not refusals:
        return
    conn.execute(
        insert(tables.quarantine),
        [
            {
                "received_at": received_at,
                "door": "ngsi-ld",
                "sensor_id": None if r.sensor_id is None else r.sensor_id[:200],
                "quantity": None,
                "reason": r.reason,
                "field": r.field,
                "value": r.value[:200],
                "expected": r.expected,
                "payload": json.dumps(r.payload, ensure_ascii=False, default=str)[:PAYLOAD_CHARS],
            }
            for r in refusals
        ],
    )

"""NGSI-LD entities into the ingestion pipeline, in the caller's transaction (no HTTP).

See ``ngsi_ld_api.py`` for what an entity's success, failure and existence mean.
"""

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from healthycity.environment import _ngsi_ld_store as ngsi_store
from healthycity.environment import ngsi_ld
from healthycity.environment.ngsi_ld import ENTITY_TYPES, MappedEntity, NgsiLdError
from healthycity.environment.pipeline import ItemError, ingest_readings
from healthycity.storage import bulk

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What became of one entity: stored (``created`` or updated), refused, or existing."""

    entity_id: str
    location_id: str  # the id GET answers for it
    created: bool = False
    exists: bool = False
    error: NgsiLdError | None = None


@dataclass(frozen=True)
class _Resolved:
    """An entity mapped to readings and to a sensor, before its readings are stored."""

    item: object
    mapped: MappedEntity
    sensor_id: str  # the first registered candidate, else the first candidate
    is_known: bool  # the sensor is registered
    existed: bool  # the sensor already holds a reading of the entity's type

    @property
    def location_id(self) -> str:
        return ngsi_ld.canonical_entity_id(self.sensor_id, self.mapped.entity_type)

    def outcome(self, *, error: NgsiLdError | None = None) -> Outcome:
        created = error is None and not self.existed
        return Outcome(self.mapped.entity_id, self.location_id, created=created, error=error)


def _resolve(
    conn: Connection,
    entities: Sequence[tuple[str, object]],
    refusals: list[ngsi_store.EntityRefusal],
) -> list[_Resolved | Outcome]:
    """Each entity mapped and resolved, or its outcome (refused) if its type is not supported."""
    mapped: list[MappedEntity | Outcome] = []
    for entity_id, item in entities:
        try:
            mapped.append(ngsi_ld.map_entity(item, entity_id))
        except NgsiLdError as exc:  # an unsupported type
            mapped.append(Outcome(entity_id, entity_id, error=exc))
            raw_type = item.get("type") if isinstance(item, dict) else None
            expected = " or ".join(ENTITY_TYPES)
            refusals.append(ngsi_store.EntityRefusal(entity_id, "unsupported_type", "type",
                                                     repr(raw_type), expected, item))  # fmt: skip
    valid = [m for m in mapped if isinstance(m, MappedEntity)]
    known = ngsi_store.registered(conn, {c for m in valid for c in m.sensor_candidates})

    def sensor_of(m: MappedEntity) -> str:
        return next((c for c in m.sensor_candidates if c in known), m.sensor_candidates[0])

    holding = {
        kind: ngsi_store.with_data(
            conn, {sensor_of(m) for m in valid if m.entity_type == kind}, kind
        )
        for kind in ENTITY_TYPES
    }
    resolved: list[_Resolved | Outcome] = []
    for m, (_, item) in zip(mapped, entities, strict=True):
        if isinstance(m, Outcome):
            resolved.append(m)
            continue
        sensor = sensor_of(m)
        resolved.append(
            _Resolved(item, m, sensor, sensor in known, sensor in holding[m.entity_type])
        )
    return resolved


def _refusal(entity: _Resolved, reason: str) -> ngsi_store.EntityRefusal:
    m = entity.mapped
    if reason == "unknown_sensor":
        return ngsi_store.EntityRefusal(entity.sensor_id, reason, "sensor_id", entity.sensor_id,
                                        "the id of a registered sensor", entity.item)  # fmt: skip
    expected = f"at least one of {', '.join(ngsi_ld.ATTRIBUTES[m.entity_type])}"
    return ngsi_store.EntityRefusal(entity.sensor_id, reason, "attributes", ", ".join(m.ignored),
                                    expected, entity.item)  # fmt: skip


def _unknown_sensor(m: MappedEntity) -> NgsiLdError:
    msg = (
        f"Entity {m.entity_id!r} maps to no registered sensor (tried "
        f"{', '.join(m.sensor_candidates)}); expected the refDevice or id of a sensor that a "
        "territory admin registered (POST /api/v1/environment/sensors)."
    )
    return NgsiLdError(msg)


def _refused_readings(m: MappedEntity, errors: Sequence[tuple[int, ItemError]]) -> NgsiLdError:
    reasons = "; ".join(f"{m.attributes[position]}: {e.message}" for position, e in errors)
    msg = f"Entity {m.entity_id!r}: no reading stored ({reasons})"
    return NgsiLdError(msg)


def _settle(entity: _Resolved, errors: Sequence[tuple[int, ItemError]]) -> Outcome:
    """The outcome of an entity whose readings went through the pipeline."""
    if len(errors) < len(entity.mapped.readings):
        return entity.outcome()  # at least one reading stored (or already there)
    if not entity.is_known:
        return entity.outcome(error=_unknown_sensor(entity.mapped))
    return entity.outcome(error=_refused_readings(entity.mapped, errors))


def ingest_entities(
    conn: Connection,
    entities: Sequence[tuple[str, object]],
    *,
    communes: Collection[str] | None,
    create_only: bool,
    now: datetime | None = None,
) -> list[Outcome]:
    """Store the readings of ``(entity id, entity)`` pairs; one outcome each, in order.

    With ``create_only``, an entity that exists stores nothing (its outcome says ``exists``).
    ``communes`` restricts the sensors the sender may report for (its token's scope).
    """
    now = now or datetime.now(UTC)
    bulk.lock_for_writing(conn, ngsi_store.lt, column="flags")  # existence holds until commit
    outcomes: list[Outcome | None] = []
    refusals: list[ngsi_store.EntityRefusal] = []
    readings: list[dict[str, object]] = []
    owner: list[tuple[int, int]] = []  # (entity position, attribute position) of each reading
    pending: dict[int, _Resolved] = {}
    for index, entity in enumerate(_resolve(conn, entities, refusals)):
        if isinstance(entity, Outcome):
            outcomes.append(entity)
        elif create_only and entity.existed:
            outcomes.append(Outcome(entity.mapped.entity_id, entity.location_id, exists=True))
        elif not entity.mapped.readings:
            reason = "no_measurement" if entity.is_known else "unknown_sensor"
            refusals.append(_refusal(entity, reason))
            outcomes.append(entity.outcome(error=None if entity.is_known
                                           else _unknown_sensor(entity.mapped)))  # fmt: skip
        else:
            outcomes.append(None)
            pending[index] = entity
            readings += [r | {"sensor_id": entity.sensor_id} for r in entity.mapped.readings]
            owner += [(index, position) for position in range(len(entity.mapped.readings))]
    result = ingest_readings(conn, readings, door="ngsi-ld", now=now, communes=communes)
    ngsi_store.quarantine_entities(conn, refusals, received_at=now)
    errors: dict[int, list[tuple[int, ItemError]]] = {index: [] for index in pending}
    for error in result.errors:
        index, position = owner[error.index]
        errors[index].append((position, error))
    settled = [
        outcome if outcome is not None else _settle(pending[index], errors[index])
        for index, outcome in enumerate(outcomes)
    ]
    logger.info(
        "ngsi-ld entities stored entities=%d failed=%d readings=%d accepted=%d quarantined=%d",
        len(settled), sum(o.error is not None for o in settled), len(readings), result.accepted,
        result.quarantined + len(refusals),
    )  # fmt: skip
    return settled

"""NGSI-LD entities (AirQualityObserved, AeroAllergenObserved) to readings and back (pure).

FIWARE agents send these Smart Data Models entities in four shapes, all accepted: NGSI-LD
*normalized* (``{"type": "Property", "value": 69, "unitCode": "GQ"}``), NGSI-LD
*key-values* (``"no2": 69``), and the same two in NGSI-v2 (``{"type": "Number", "value": 69,
"metadata": {"unitCode": {"value": "GQ"}}}``). Sources: ETSI GS CIM 009 (NGSI-LD API), clause
4.5 (normalized and key-values representations); Smart Data Models ``dataModel.Environment``
(``AirQualityObserved`` and ``AeroAllergenObserved``, their ``schema.json`` and ``doc/spec.md``).

Mapping (healthycity's choices):

* **Sensor.** An entity's readings belong to the first registered sensor among: its
  ``refDevice`` (the device that observed), its id, and the last part of a
  ``urn:ngsi-ld:<type>:<local>`` id. Unknown sensors are not registered automatically (the
  registry is admin-controlled): their readings are quarantined as ``unknown_sensor``.
* **Time.** An attribute's own ``observedAt`` (NGSI-LD) or ``metadata.timestamp`` (NGSI-v2),
  else the entity's ``dateObserved``. The data models define ``dateObserved`` "in ISO8601 UTC
  format", so a time without offset is read as UTC (unlike the HTTP door, which refuses it);
  an ISO 8601 interval (allowed for AeroAllergenObserved) is stamped at its start.
* **Values.** Each attribute of :data:`ATTRIBUTES` becomes a reading; its ``unitCode``
  (UN/CEFACT Recommendation 20) gives the unit, else the unit the sensor is registered with.
  ``relativeHumidity`` is a fraction from 0 to 1 in the data model (``schema.json``) and a
  percentage in healthycity: it is multiplied by 100 unless its unitCode is ``P1`` (percent).
  Pollen attributes are the Latin names of the six taxa of the Atmo France pollen index, as the
  AeroAllergenObserved specification asks ("the conventional name of the allergen, usually the
  latin name of the associated plant", in grains/m³).
* Other attributes (``airQualityLevel``, ``allergenRisk``, ``nox``, ``windSpeed``…) are not
  measurements healthycity keeps; they are ignored, and an entity carrying none of
  :data:`ATTRIBUTES` is quarantined as ``no_measurement``.

healthycity does not fetch JSON-LD ``@context`` documents (no network at run time): terms are
read as the Smart Data Models terms, and expanded names in the Smart Data Models namespace are
accepted too.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from healthycity.environment._readings import parse_value
from healthycity.environment.quantities import POLLEN_QUANTITIES, Quantity, spec_of
from healthycity.environment.store import Observation, flag_names
from healthycity.errors import ValidationError

EntityType = Literal["AirQualityObserved", "AeroAllergenObserved"]
ENTITY_TYPES: tuple[EntityType, ...] = get_args(EntityType)
ERROR_TYPE_BASE = "https://uri.etsi.org/ngsi-ld/errors/"
CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
SDM_CONTEXT = "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld"
SDM_NAMESPACE = "https://smartdatamodels.org/dataModel.Environment/"
JSONLD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"

# Attribute names of the data models -> quantity; the first name of a quantity is the one
# healthycity writes. NGSI-v2 key-values examples also spell pollutants in capitals ("NO2",
# "PM2.5"): names are matched after folding case and dropping '.', '_' and '-'.
ATTRIBUTES: dict[EntityType, dict[str, Quantity]] = {
    "AirQualityObserved": {
        "pm25": Quantity.PM25,
        "pm10": Quantity.PM10,
        "no2": Quantity.NO2,
        "o3": Quantity.O3,
        "so2": Quantity.SO2,
        "co": Quantity.CO,
        "temperature": Quantity.TEMPERATURE,
        "relativeHumidity": Quantity.RELATIVE_HUMIDITY,
    },
    "AeroAllergenObserved": {
        "alnus": Quantity.POLLEN_ALDER,
        "betula": Quantity.POLLEN_BIRCH,
        "olea": Quantity.POLLEN_OLIVE,
        "poaceae": Quantity.POLLEN_GRASSES,
        "artemisia": Quantity.POLLEN_MUGWORT,
        "ambrosia": Quantity.POLLEN_RAGWEED,
    },
}
QUANTITIES_OF: dict[EntityType, tuple[Quantity, ...]] = {
    "AirQualityObserved": tuple(q for q in Quantity if q not in POLLEN_QUANTITIES),
    "AeroAllergenObserved": POLLEN_QUANTITIES,
}
# UN/CEFACT Recommendation 20 common codes -> healthycity unit labels (``units.py``);
# "gr/m3" is the pollen unit the AeroAllergenObserved specification writes.
UNIT_CODES: dict[str, str] = {
    "GQ": "µg/m³",
    "GP": "mg/m³",
    "59": "ppm",
    "61": "ppb",
    "CEL": "°C",
    "FAH": "°F",
    "KEL": "K",
    "P1": "%",
    "gr/m3": "grains/m³",
}
_FRACTION_CODES = {None, "C62"}  # C62: "one", a dimensionless ratio (UN/CEFACT Rec. 20)
_CODE_OF_UNIT = {"µg/m³": "GQ", "mg/m³": "GP", "°C": "CEL"}
_CORE_ATTRIBUTES = {"id", "type", "@context", "dateObserved", "refDevice", "location"}


class NgsiLdError(ValidationError):
    """An NGSI-LD request error, answered with the ETSI problem type it names."""

    def __init__(
        self, message: str, *, error: str = "BadRequestData", http_status: int = 400
    ) -> None:
        self.problem_type = ERROR_TYPE_BASE + error
        self.http_status = http_status
        super().__init__(message)


@dataclass(frozen=True)
class MappedEntity:
    """An entity as readings: ``readings[i]`` came from attribute ``attributes[i]``."""

    entity_id: str
    entity_type: EntityType
    sensor_candidates: tuple[str, ...]  # in order of preference
    readings: tuple[dict[str, object], ...]  # without sensor_id: the caller resolves it
    attributes: tuple[str, ...]
    ignored: tuple[str, ...]  # attributes that are not readings healthycity keeps


@dataclass(frozen=True)
class EntityState:
    """What healthycity knows of a sensor as an entity: place, labels, latest values."""

    sensor_id: str
    entity_type: EntityType
    name: str
    lon: float
    lat: float
    operator: str | None
    latest: tuple[Observation, ...]


def fold_name(name: str) -> str:
    """An attribute or type name without namespace, case, '.', '_' or '-'.

    >>> fold_name("PM2.5"), fold_name("https://smartdatamodels.org/dataModel.Environment/no2")
    ('pm25', 'no2')
    """
    short = name.removeprefix(SDM_NAMESPACE)
    return re.sub(r"[._-]", "", short).lower()


_FOLDED: dict[EntityType, dict[str, tuple[str, Quantity]]] = {
    kind: {fold_name(name): (name, q) for name, q in names.items()}
    for kind, names in ATTRIBUTES.items()
}


def entity_type_of(raw: object) -> EntityType | None:
    """The supported type ``raw`` names (short or expanded), else None."""
    if not isinstance(raw, str):
        return None
    folded = fold_name(raw)
    return next((t for t in ENTITY_TYPES if fold_name(t) == folded), None)


def entity_id_of(item: object, index: int) -> str:
    """The id of the ``index``-th entity of a request, or NgsiLdError saying what is wrong."""
    if not isinstance(item, Mapping):
        msg = f"Entity {index} is {type(item).__name__}; expected a JSON object."
        raise NgsiLdError(msg)
    entity_id = item.get("id", item.get("@id"))
    if not isinstance(entity_id, str) or not entity_id.strip() or len(entity_id) > 256:
        msg = f"Entity {index} has id={entity_id!r}; expected a URI of 1 to 256 characters."
        raise NgsiLdError(msg)
    return entity_id


def canonical_entity_id(sensor_id: str, entity_type: EntityType) -> str:
    """The id healthycity gives the entity of a sensor (what GET returns).

    >>> canonical_entity_id("nevers-1", "AirQualityObserved")
    'urn:ngsi-ld:AirQualityObserved:nevers-1'
    """
    prefix = f"urn:ngsi-ld:{entity_type}:"
    return sensor_id if sensor_id.startswith(prefix) else prefix + sensor_id


def sensor_candidates(entity_id: str, entity_type: EntityType) -> tuple[str, ...]:
    """Sensor ids an entity id may stand for: itself, then its local part.

    >>> sensor_candidates("urn:ngsi-ld:AirQualityObserved:nevers-1", "AirQualityObserved")
    ('urn:ngsi-ld:AirQualityObserved:nevers-1', 'nevers-1')
    """
    local = entity_id.removeprefix(f"urn:ngsi-ld:{entity_type}:")
    return (entity_id, local) if local and local != entity_id else (entity_id,)


def _devices(raw: object) -> list[str]:
    """The ids a ``refDevice`` names, in any of its shapes (Relationship, v2, key-values)."""
    if isinstance(raw, Mapping):
        raw = raw.get("object", raw.get("value"))
    items = raw if isinstance(raw, list) else [raw]
    return [item for item in items if isinstance(item, str) and item]


def _unwrap(raw: object) -> object:
    """The value of a JSON-LD typed literal (``{"@type": "DateTime", "@value": ...}``)."""
    return raw.get("@value") if isinstance(raw, Mapping) and "@value" in raw else raw


@dataclass(frozen=True)
class _Attribute:
    value: object
    unit_code: object
    observed_at: object


def _attribute(raw: object) -> _Attribute:
    """Value, unitCode and own time of an attribute, normalized (LD or v2) or key-values."""
    if not isinstance(raw, Mapping) or "value" not in raw:
        return _Attribute(_unwrap(raw), None, None)
    metadata = raw.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}

    def meta(name: str) -> object:
        entry = metadata.get(name)
        return entry.get("value") if isinstance(entry, Mapping) else None

    unit = raw.get("unitCode", meta("unitCode"))
    observed = raw.get("observedAt", meta("timestamp"))
    return _Attribute(_unwrap(raw["value"]), unit, _unwrap(observed))


def utc_text(raw: object) -> object:
    """An NGSI time as ISO 8601 text with an offset (naive: UTC; interval: its start).

    Anything that is not a readable time is returned unchanged, for the pipeline to refuse
    with its reason.

    >>> utc_text("2016-03-15T11:00:00"), utc_text("2018-02-11T00:00:00Z/2018-02-12T00:00:00Z")
    ('2016-03-15T11:00:00+00:00', '2018-02-11T00:00:00+00:00')
    """
    if not isinstance(raw, str):
        return raw
    text = raw.strip().split("/")[0]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return raw
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _reading(quantity: Quantity, attribute: _Attribute, date_observed: object) -> dict[str, object]:
    value, code = attribute.value, attribute.unit_code
    reading: dict[str, object] = {"quantity": quantity.value, "value": value}
    if quantity is Quantity.RELATIVE_HUMIDITY and code in _FRACTION_CODES:
        number = parse_value(value)  # a fraction of one in the data model
        reading |= {"value": value if number is None else number * 100.0, "unit": "%"}
    elif isinstance(code, str):
        reading["unit"] = UNIT_CODES.get(code, code)
    elif code is not None:
        reading["unit"] = code  # not a text: the pipeline refuses it, naming it
    moment = attribute.observed_at if attribute.observed_at is not None else date_observed
    if moment is not None:  # else the pipeline quarantines it as missing observed_at
        reading["observed_at"] = utc_text(moment)
    return reading


def map_entity(item: object, entity_id: str) -> MappedEntity:
    """The readings an entity carries, or NgsiLdError if its type is not supported."""
    if not isinstance(item, Mapping):
        msg = f"Entity {entity_id!r} is {type(item).__name__}; expected a JSON object."
        raise NgsiLdError(msg)
    raw_type = item.get("type", item.get("@type"))
    entity_type = entity_type_of(raw_type)
    if entity_type is None:
        expected = ", ".join(ENTITY_TYPES)
        msg = f"Entity {entity_id!r} has type={raw_type!r}; expected one of {expected}."
        raise NgsiLdError(msg)
    date_observed = _attribute(item.get("dateObserved")).value
    readings: list[dict[str, object]] = []
    attributes: list[str] = []
    ignored: list[str] = []
    for name, raw in item.items():
        known = _FOLDED[entity_type].get(fold_name(name))
        if known is None:
            if name not in _CORE_ATTRIBUTES:
                ignored.append(name)
            continue
        readings.append(_reading(known[1], _attribute(raw), date_observed))
        attributes.append(name)
    devices = _devices(item.get("refDevice"))
    candidates = tuple(dict.fromkeys([*devices, *sensor_candidates(entity_id, entity_type)]))
    return MappedEntity(entity_id, entity_type, candidates, tuple(readings), tuple(attributes),
                        tuple(ignored))  # fmt: skip


# --- Output --------------------------------------------------------------------------------


def _zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _output_value(observation: Observation) -> tuple[float, str | None]:
    """A stored value as the data model writes it, with its UN/CEFACT unit code."""
    if observation.quantity is Quantity.RELATIVE_HUMIDITY:
        return observation.value / 100.0, "C62"
    return observation.value, _CODE_OF_UNIT.get(spec_of(observation.quantity).canonical_unit)


def _names(entity_type: EntityType) -> dict[Quantity, str]:
    return {q: name for name, q in ATTRIBUTES[entity_type].items()}


def to_normalized(state: EntityState) -> dict[str, object]:
    """The entity in NGSI-LD normalized form (without ``@context``)."""
    entity: dict[str, object] = {
        "id": canonical_entity_id(state.sensor_id, state.entity_type),
        "type": state.entity_type,
        "name": {"type": "Property", "value": state.name},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [state.lon, state.lat]},
        },
    }
    if state.operator:
        entity["dataProvider"] = {"type": "Property", "value": state.operator}
    if state.latest:
        last = max(o.observed_at for o in state.latest)
        entity["dateObserved"] = {
            "type": "Property",
            "value": {"@type": "DateTime", "@value": _zulu(last)},
        }
    names = _names(state.entity_type)
    for observation in state.latest:
        value, code = _output_value(observation)
        attribute: dict[str, object] = {"type": "Property", "value": value,
                                        "observedAt": _zulu(observation.observed_at)}  # fmt: skip
        if code is not None:
            attribute["unitCode"] = code
        if observation.flags:
            attribute["qcFlags"] = {"type": "Property", "value": flag_names(observation.flags)}
        entity[names[observation.quantity]] = attribute
    return entity


def to_key_values(state: EntityState) -> dict[str, object]:
    """The entity in key-values form (``options=keyValues``; without ``@context``)."""
    entity: dict[str, object] = {
        "id": canonical_entity_id(state.sensor_id, state.entity_type),
        "type": state.entity_type,
        "name": state.name,
        "location": {"type": "Point", "coordinates": [state.lon, state.lat]},
    }
    if state.operator:
        entity["dataProvider"] = state.operator
    if state.latest:
        entity["dateObserved"] = _zulu(max(o.observed_at for o in state.latest))
    names = _names(state.entity_type)
    for observation in state.latest:
        entity[names[observation.quantity]] = _output_value(observation)[0]
    return entity

"""The sensor registry: stations and micro-sensors, what they measure, where, and their status."""

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)

from healthycity.environment import tables
from healthycity.environment.quality import is_stale, stale_cutoff
from healthycity.environment.quantities import Quantity, parse_quantity
from healthycity.environment.units import normalise
from healthycity.errors import NotFoundError, RecordError, ValidationError
from healthycity.storage import bulk
from healthycity.territory import store as territory_store

SensorKind = Literal["reference", "low_cost"]
SensorStatus = Literal["active", "inactive", "retired"]
SENSOR_KINDS: tuple[SensorKind, ...] = get_args(SensorKind)
SENSOR_STATUSES: tuple[SensorStatus, ...] = get_args(SensorStatus)
# Letters, digits and . _ : ~ - (NGSI-LD URNs fit); no '/' so an id is one URL path segment.
SENSOR_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:~-]{0,127}$"
CSV_COLUMNS = (
    "id",
    "name",
    "kind",
    "quantities",
    "lon",
    "lat",
    "commune_code",
    "operator",
    "status",
)

Locate = Callable[[float, float], str | None]

s = tables.sensors
sq = tables.sensor_quantities
lt = tables.latest
_same_series = and_(lt.c.sensor_id == sq.c.sensor_id, lt.c.quantity == sq.c.quantity)


@dataclass(frozen=True)
class SensorDraft:
    """A sensor as submitted: ``commune_code`` may be left out and found from lon/lat."""

    id: str
    name: str
    kind: SensorKind
    lon: float
    lat: float
    quantities: Mapping[Quantity, str]  # quantity -> unit the sensor reports in
    commune_code: str | None = None
    operator: str | None = None
    status: SensorStatus = "active"


@dataclass(frozen=True)
class Sensor:
    """A registered sensor."""

    id: str
    name: str
    kind: SensorKind
    lon: float
    lat: float
    commune_code: str
    operator: str | None
    status: SensorStatus
    quantities: Mapping[Quantity, str] = field(default_factory=dict)
    created_at: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    updated_at: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    # Time of the latest stored reading of each measured quantity that has one (env_latest).
    latest_observed_at: Mapping[Quantity, datetime] = field(default_factory=dict)

    def silent_quantities(self, now: datetime) -> list[Quantity]:
        """The measured quantities silent at ``now`` (``quality.is_stale``).

        Only an ``active`` sensor can be silent: an inactive or retired one is expected to be
        quiet. A quantity never reported counts from the sensor's registration, so a sensor
        just installed is not reported before it had the time to send. :func:`_silent_clause`
        is the same rule in SQL.
        """
        if self.status != "active":
            return []
        return [
            q
            for q in self.quantities
            if is_stale(q, self.latest_observed_at.get(q, self.created_at), now)
        ]


def check_sensor_id(sensor_id: str) -> str:
    """Return ``sensor_id`` or raise naming the accepted characters."""
    if not re.fullmatch(SENSOR_ID_PATTERN, sensor_id):
        msg = (
            f"Sensor id {sensor_id!r} is not accepted; expected 1 to 128 letters, digits or "
            "'._:~-', starting with a letter or digit."
        )
        raise ValidationError(msg)
    return sensor_id


def parse_quantity_units(quantities: Mapping[str, str]) -> dict[Quantity, str]:
    """Quantities and the units they are reported in, each unit checked against ``units.py``.

    >>> parse_quantity_units({"no2": "ppb", "pm25": "ug/m3"})
    {<Quantity.NO2: 'no2'>: 'ppb', <Quantity.PM25: 'pm25'>: 'µg/m³'}
    """
    if not quantities:
        msg = "A sensor measures no quantity; expected at least one, e.g. {'pm25': 'µg/m³'}."
        raise ValidationError(msg)
    return {
        (q := parse_quantity(name)): normalise(q, 0.0, unit).reported_unit
        for name, unit in quantities.items()
    }


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _sensors_from_rows(conn: Connection, rows: list[Any]) -> list[Sensor]:
    units: dict[str, dict[Quantity, str]] = {r.id: {} for r in rows}
    latest: dict[str, dict[Quantity, datetime]] = {r.id: {} for r in rows}
    ids = list(units)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for sensor_id, quantity, unit, observed_at in conn.execute(
            select(sq.c.sensor_id, sq.c.quantity, sq.c.unit, lt.c.observed_at)
            .select_from(sq.outerjoin(lt, _same_series))
            .where(sq.c.sensor_id.in_(chunk))
            .order_by(sq.c.sensor_id, sq.c.quantity)
        ):
            units[sensor_id][Quantity(quantity)] = unit
            if observed_at is not None:
                latest[sensor_id][Quantity(quantity)] = _as_utc(observed_at)
    return [
        Sensor(
            id=r.id,
            name=r.name,
            kind=r.kind,
            lon=r.lon,
            lat=r.lat,
            commune_code=r.commune_code,
            operator=r.operator,
            status=r.status,
            quantities=units[r.id],
            created_at=_as_utc(r.created_at),
            updated_at=_as_utc(r.updated_at),
            latest_observed_at=latest[r.id],
        )
        for r in rows
    ]


def get_sensor(conn: Connection, sensor_id: str) -> Sensor:
    """One sensor by id, or NotFoundError."""
    row = conn.execute(select(s).where(s.c.id == sensor_id)).one_or_none()
    if row is None:
        msg = f"No sensor with id {sensor_id!r}; expected the id of a registered sensor."
        raise NotFoundError(msg)
    return _sensors_from_rows(conn, [row])[0]


def list_sensors(
    conn: Connection,
    *,
    commune_code: str | None = None,
    status: str | None = None,
    quantity: Quantity | None = None,
    silent: bool | None = None,
    now: datetime | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[Sensor]:
    """Sensors by id, optionally of one commune, status, measured quantity or silence.

    ``silent`` keeps the sensors that are (True) or are not (False) silent at ``now`` (default:
    the clock), as :meth:`Sensor.silent_quantities` decides.
    """
    query = select(s).order_by(s.c.id).limit(limit).offset(offset)
    if silent is not None:
        clause = _silent_clause(now or datetime.now(UTC))
        query = query.where(clause if silent else ~clause)
    if commune_code is not None:
        query = query.where(s.c.commune_code == commune_code)
    if status is not None:
        query = query.where(s.c.status == status)
    if quantity is not None:
        measured = select(sq.c.sensor_id).where(sq.c.quantity == quantity.value)
        query = query.where(s.c.id.in_(measured))
    return _sensors_from_rows(conn, list(conn.execute(query)))


def _silent_clause(now: datetime) -> ColumnElement[bool]:
    """:meth:`Sensor.silent_quantities` in SQL, for filtering before ``LIMIT``/``OFFSET``.

    Active, and a measured quantity whose latest reading (``env_latest``), or the sensor's
    registration when it has none, is before its ``quality.stale_cutoff``.
    """
    by_cutoff: dict[datetime, list[str]] = {}
    for q in Quantity:
        by_cutoff.setdefault(stale_cutoff(q, now), []).append(q.value)
    registered = s.alias("registered")
    since = func.coalesce(lt.c.observed_at, registered.c.created_at)
    late = or_(*(and_(sq.c.quantity.in_(names), since < cutoff)
                 for cutoff, names in by_cutoff.items()))  # fmt: skip
    silent_series = (
        select(sq.c.sensor_id)
        .select_from(
            sq.join(registered, registered.c.id == sq.c.sensor_id).outerjoin(lt, _same_series)
        )
        .where(late)
    )
    return and_(s.c.status == "active", s.c.id.in_(silent_series))


def resolve_commune(conn: Connection, draft: SensorDraft, locate: Locate) -> str:
    """The draft's commune: the code given (which must exist), else the one containing it."""
    if draft.commune_code is not None:
        territory_store.get_territory(conn, "commune", draft.commune_code)
        return draft.commune_code
    code = locate(draft.lon, draft.lat)
    if code is None:
        msg = (
            f"Sensor {draft.id!r} at lon={draft.lon}, lat={draft.lat} lies in no commune whose "
            "boundary is loaded; expected a point inside the territory, or a commune_code."
        )
        raise ValidationError(msg)
    return code


def _sensor_values(draft: SensorDraft, commune_code: str, now: datetime) -> dict[str, Any]:
    if not (math.isfinite(draft.lon) and math.isfinite(draft.lat)):
        msg = f"Sensor {draft.id!r} at lon={draft.lon}, lat={draft.lat}; expected WGS84 degrees."
        raise ValidationError(msg)
    return {
        "id": check_sensor_id(draft.id),
        "name": draft.name,
        "kind": draft.kind,
        "lon": draft.lon,
        "lat": draft.lat,
        "commune_code": commune_code,
        "operator": draft.operator,
        "status": draft.status,
        "updated_at": now,
    }


def _write_quantities(conn: Connection, sensor_id: str, quantities: Mapping[Quantity, str]) -> None:
    conn.execute(delete(sq).where(sq.c.sensor_id == sensor_id))
    conn.execute(
        insert(sq),
        [{"sensor_id": sensor_id, "quantity": q.value, "unit": u} for q, u in quantities.items()],
    )


def save_sensor(
    conn: Connection, draft: SensorDraft, *, locate: Locate, now: datetime | None = None
) -> Sensor:
    """Create the sensor, or replace the one with the same id (keeping its creation time)."""
    now = now or datetime.now(UTC)
    values = _sensor_values(draft, resolve_commune(conn, draft, locate), now)
    if conn.execute(select(exists().where(s.c.id == draft.id))).scalar():
        conn.execute(update(s).where(s.c.id == draft.id).values(values))
    else:
        conn.execute(insert(s).values(values | {"created_at": now}))
    _write_quantities(conn, draft.id, draft.quantities)
    return get_sensor(conn, draft.id)


def update_sensor(
    conn: Connection,
    sensor_id: str,
    changes: Mapping[str, Any],
    *,
    locate: Locate,
    now: datetime | None = None,
) -> Sensor:
    """Apply ``changes`` (any SensorDraft field but ``id``) to a stored sensor.

    Moving a sensor (lon/lat) without a ``commune_code`` locates it again.
    """
    current = get_sensor(conn, sensor_id)
    if "id" in changes and changes["id"] != sensor_id:
        msg = f"Sensor id {sensor_id!r} cannot change to {changes['id']!r}; expected the same id."
        raise ValidationError(msg)
    moved = {"lon", "lat"} & changes.keys() and "commune_code" not in changes
    draft = replace(
        SensorDraft(
            id=current.id,
            name=current.name,
            kind=current.kind,
            lon=current.lon,
            lat=current.lat,
            quantities=current.quantities,
            commune_code=None if moved else current.commune_code,
            operator=current.operator,
            status=current.status,
        ),
        **{k: v for k, v in changes.items() if k != "id"},
    )
    return save_sensor(conn, draft, locate=locate, now=now)


def delete_sensor(conn: Connection, sensor_id: str) -> None:
    """Delete a sensor that has no observation; one with history must be retired instead.

    Takes the ingestion pipeline's write lock first, so no batch stores a reading of the
    sensor between the check and the deletion (the time-series tables have no foreign key).
    """
    bulk.lock_for_writing(conn, tables.latest, column="flags")
    get_sensor(conn, sensor_id)
    ob = tables.observations
    if conn.execute(select(exists().where(ob.c.sensor_id == sensor_id))).scalar():
        msg = (
            f"Sensor {sensor_id!r} has stored observations and cannot be deleted; expected "
            "status 'retired' instead (PATCH), which keeps its history."
        )
        raise ValidationError(msg)
    for table in (tables.latest, tables.hourly):
        conn.execute(delete(table).where(table.c.sensor_id == sensor_id))
    conn.execute(delete(sq).where(sq.c.sensor_id == sensor_id))
    conn.execute(delete(s).where(s.c.id == sensor_id))


def _parse_units_cell(cell: str) -> dict[str, str]:
    pairs = [part.split(":", 1) for part in cell.split(";") if part.strip()]
    if not pairs or any(len(p) != 2 for p in pairs):
        msg = f"quantities={cell!r}"
        raise ValueError(msg)
    return {q.strip(): u.strip() for q, u in pairs}


def _csv_float(value: str, line: int, name: str, lower: float, upper: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not lower <= number <= upper:
        raise _csv_error(line, name, value, f"a number from {lower} to {upper}")
    return number


def _csv_error(line: int, name: str, value: object, expected: str) -> RecordError:
    return RecordError(
        source="sensor CSV", location=f"line {line}", field=name, value=value, expected=expected
    )


def _csv_choice(row: Mapping[str, str], line: int, name: str, choices: Iterable[str]) -> Any:
    value = row[name].strip()
    if value not in choices:
        raise _csv_error(line, name, value, f"one of {', '.join(choices)}")
    return value


def _parse_csv_row(row: Mapping[str, str], line: int) -> SensorDraft:
    sensor_id = row["id"].strip()
    try:
        check_sensor_id(sensor_id)
    except ValidationError as exc:
        raise _csv_error(line, "id", sensor_id, "letters, digits or '._:~-'") from exc
    try:
        quantities = parse_quantity_units(_parse_units_cell(row["quantities"]))
    except (ValueError, ValidationError) as exc:
        expected = f"quantity:unit pairs separated by ';', e.g. 'no2:ppb;pm25:µg/m³' ({exc})"
        raise _csv_error(line, "quantities", row["quantities"], expected) from exc
    if not row["name"].strip():
        raise _csv_error(line, "name", row["name"], "a non-empty name")
    return SensorDraft(
        id=sensor_id,
        name=row["name"].strip(),
        kind=_csv_choice(row, line, "kind", SENSOR_KINDS),
        lon=_csv_float(row["lon"], line, "lon", -180.0, 180.0),
        lat=_csv_float(row["lat"], line, "lat", -90.0, 90.0),
        quantities=quantities,
        commune_code=row["commune_code"].strip() or None,
        operator=row["operator"].strip() or None,
        status=_csv_choice(row, line, "status", SENSOR_STATUSES) if row["status"] else "active",
    )


def parse_sensors_csv(text: str) -> list[SensorDraft]:
    """Sensors from CSV text; raises RecordError naming the first bad line and field.

    The header is :data:`CSV_COLUMNS`; ``commune_code``, ``operator`` and ``status`` may be
    empty; ``quantities`` is ``quantity:unit`` pairs separated by ``;``.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    if set(header) != set(CSV_COLUMNS):
        raise _csv_error(1, "header", ",".join(header), ",".join(CSV_COLUMNS))
    reader.fieldnames = header
    drafts: list[SensorDraft] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            raise _csv_error(line, "row", list(row.values()), f"{len(CSV_COLUMNS)} fields")
        draft = _parse_csv_row(row, line)
        if draft.id in seen:
            raise _csv_error(line, "id", draft.id, "each id once in the file")
        seen.add(draft.id)
        drafts.append(draft)
    if not drafts:
        raise _csv_error(2, "row", "", "at least one sensor")
    return drafts

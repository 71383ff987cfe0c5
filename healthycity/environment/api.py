"""HTTP API of the environment domain: sensor registry, reading ingestion, series, quarantine.

Reading is public (except the quarantine, for operators). Writing sensors needs a
``territory_admin`` token whose scope holds the sensor's commune. Sending readings is an
integrator action: a ``professional`` token or above; a scoped token may only send readings of
sensors inside its scope (others are quarantined as ``out_of_scope``).

``POST /environment/observations`` answers **200** when the body could be read and at least
one reading was stored or already was, with counts and one error per quarantined reading
(valid readings are stored, invalid ones quarantined: a partial batch is not an error of the
request). When every reading was quarantined it answers **422** problem+json with the same
counts and errors (the readings stay in the quarantine for operators). It answers 413 beyond
:data:`~healthycity.environment._http_common.MAX_BODY_BYTES` (10 MiB), 415 for another
media type and 422 when the body cannot be read as a whole (JSON or CSV syntax, header,
shape), naming the line, field, value and what was expected; then nothing is stored. The
transaction is committed before the answer is sent, so a 200 means the readings are durable;
a retried batch is a no-op (counted in ``duplicates``).
"""

from contextlib import suppress
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from healthycity.api.deps import get_engine, require_role, require_scope
from healthycity.api.problems import PROBLEM_TYPE_BASE, problem_response
from healthycity.auth.models import Identity
from healthycity.environment import sensors, store
from healthycity.environment._api_schemas import (
    AggregatePublic,
    IngestReport,
    LatestPublic,
    QuarantineList,
    QuarantinePublic,
    SensorCreate,
    SensorList,
    SensorPublic,
    SensorUpdate,
    SeriesPublic,
    ingest_report,
    observation_public,
    sensor_public,
    series_csv,
)
from healthycity.environment._group_commit import committer_for
from healthycity.environment._http_common import read_body, scope_communes, transaction
from healthycity.environment._payloads import Payload, parse_csv_body, parse_json_body
from healthycity.environment.pipeline import (
    IngestResult,
    prepare_readings,
    store_prepared,
)
from healthycity.environment.quantities import Quantity, spec_of
from healthycity.errors import NotFoundError, ValidationError
from healthycity.territory import store as territory_store
from healthycity.territory.api import LocatorCache

router = APIRouter(prefix="/environment", tags=["environment"])

EngineDep = Annotated[Engine, Depends(get_engine)]
Admin = Annotated[Identity, Depends(require_role("territory_admin"))]
Integrator = Annotated[Identity, Depends(require_role("professional"))]
Operator = Annotated[Identity, Depends(require_role("operator"))]


# --- Sensors ---------------------------------------------------------------------------------


def _check_scope(conn: Connection, identity: Identity, commune_code: str) -> None:
    ancestors = territory_store.get_ancestors(conn, "commune", commune_code)
    require_scope(identity, "commune", commune_code, ancestors=ancestors)


def _draft(body: SensorCreate) -> sensors.SensorDraft:
    return sensors.SensorDraft(
        id=body.id, name=body.name, kind=body.kind, lon=body.lon, lat=body.lat,
        quantities=sensors.parse_quantity_units(body.quantities),
        commune_code=body.commune_code, operator=body.operator, status=body.status,
    )  # fmt: skip


@router.post("/sensors", status_code=201)
def create_sensor(
    body: SensorCreate, engine: EngineDep, admin: Admin, cache: LocatorCache
) -> SensorPublic:
    """Register a sensor (or replace the one with the same id) in the admin's scope."""
    with transaction(engine) as conn:
        draft = _draft(body)
        code = sensors.resolve_commune(conn, draft, cache.get(conn).locate)
        _check_scope(conn, admin, code)
        with suppress(NotFoundError):  # replacing a sensor: its current place too
            _check_scope(conn, admin, sensors.get_sensor(conn, body.id).commune_code)
        sensor = sensors.save_sensor(conn, draft, locate=cache.get(conn).locate)
    return sensor_public(sensor, datetime.now(UTC))


@router.post("/sensors/import", openapi_extra={"requestBody": {"content": {"text/csv": {}}}})
async def import_sensors(
    request: Request, engine: EngineDep, admin: Admin, cache: LocatorCache
) -> SensorList:
    """Register sensors from CSV, all or nothing (columns: see ``sensors.CSV_COLUMNS``)."""
    body = await read_body(request)
    drafts = sensors.parse_sensors_csv(body.decode("utf-8-sig", errors="replace"))

    def save() -> list[sensors.Sensor]:
        with transaction(engine) as conn:
            locate = cache.get(conn).locate
            saved = []
            for draft in drafts:
                _check_scope(conn, admin, sensors.resolve_commune(conn, draft, locate))
                saved.append(sensors.save_sensor(conn, draft, locate=locate))
            return saved

    saved = await run_in_threadpool(save)
    now = datetime.now(UTC)
    return SensorList(count=len(saved), sensors=[sensor_public(x, now) for x in saved])


@router.get("/sensors")
def list_sensors(
    engine: EngineDep,
    commune: Annotated[str | None, Query(max_length=16, description="INSEE code.")] = None,
    status: sensors.SensorStatus | None = None,
    quantity: Quantity | None = None,
    silent: Annotated[bool | None, Query(description="Silent sensors, or the others.")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SensorList:
    """Registered sensors by id, optionally of one commune, status or quantity, or silent."""
    now = datetime.now(UTC)  # one instant for the filter and the answer: they agree
    with engine.connect() as conn:
        found = sensors.list_sensors(conn, commune_code=commune, status=status,
                                     quantity=quantity, silent=silent, now=now, limit=limit,
                                     offset=offset)  # fmt: skip
    return SensorList(count=len(found), sensors=[sensor_public(x, now) for x in found])


@router.get("/sensors/{sensor_id}")
def get_sensor(sensor_id: str, engine: EngineDep) -> SensorPublic:
    """One sensor, with whether each quantity is silent."""
    with engine.connect() as conn:
        return sensor_public(sensors.get_sensor(conn, sensor_id), datetime.now(UTC))


@router.patch("/sensors/{sensor_id}")
def update_sensor(
    sensor_id: str, body: SensorUpdate, engine: EngineDep, admin: Admin, cache: LocatorCache
) -> SensorPublic:
    """Change a sensor; both its old and its new commune must be in the admin's scope."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "quantities" in changes:
        changes["quantities"] = sensors.parse_quantity_units(changes["quantities"])
    with transaction(engine) as conn:
        _check_scope(conn, admin, sensors.get_sensor(conn, sensor_id).commune_code)
        sensor = sensors.update_sensor(conn, sensor_id, changes, locate=cache.get(conn).locate)
        _check_scope(conn, admin, sensor.commune_code)  # raising rolls the change back
    return sensor_public(sensor, datetime.now(UTC))


@router.delete("/sensors/{sensor_id}", status_code=204)
def delete_sensor(sensor_id: str, engine: EngineDep, admin: Admin) -> Response:
    """Delete a sensor without observations (retire one that has some: PATCH status)."""
    with transaction(engine) as conn:
        _check_scope(conn, admin, sensors.get_sensor(conn, sensor_id).commune_code)
        sensors.delete_sensor(conn, sensor_id)
    return Response(status_code=204)


@router.get("/sensors/{sensor_id}/latest")
def get_latest(sensor_id: str, engine: EngineDep) -> LatestPublic:
    """The latest reading of each quantity the sensor reported."""
    with engine.connect() as conn:
        sensors.get_sensor(conn, sensor_id)
        latest = store.get_latest(conn, sensor_id)
    return LatestPublic(sensor_id=sensor_id, latest=[observation_public(x) for x in latest])


# --- Observations ----------------------------------------------------------------------------


def _parse_payload(media_type: str, body: bytes) -> Payload:
    if media_type == "application/json":
        return parse_json_body(body)
    if media_type == "text/csv":
        return parse_csv_body(body)
    msg = f"Content-Type {media_type or '(none)'!r}; expected application/json or text/csv."
    raise HTTPException(415, msg)


@router.post(
    "/observations",
    response_model=IngestReport,
    openapi_extra={"requestBody": {"content": {"application/json": {}, "text/csv": {}}}},
)
async def post_observations(
    request: Request, engine: EngineDep, integrator: Integrator
) -> IngestReport | JSONResponse:
    """Store a batch of readings (JSON or CSV); invalid ones are quarantined, never dropped."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request)

    def ingest() -> IngestReport:
        payload = _parse_payload(media_type, body)
        with engine.connect() as conn:  # validated here, while another batch may be writing
            communes = scope_communes(conn, integrator)
            prepared = prepare_readings(conn, payload.readings, communes=communes)

        def store(conn: Connection) -> IngestResult:
            return store_prepared(conn, prepared, door="http")

        # Committed (with the batches of concurrent requests: one commit) before answering.
        return ingest_report(committer_for(engine).run(store), payload.lines)

    report = await run_in_threadpool(ingest)
    if report.quarantined and report.quarantined == report.received:
        detail = f"All {report.received} reading(s) were quarantined; none was stored."
        return problem_response(422, detail, request=request,
                                problem_type=f"{PROBLEM_TYPE_BASE}readings-quarantined",
                                **report.model_dump(mode="json"))  # fmt: skip
    return report


@router.get("/observations", response_model=SeriesPublic,
            responses={200: {"content": {"text/csv": {}}}})  # fmt: skip
def get_observations(
    engine: EngineDep,
    sensor: Annotated[str | None, Query(max_length=128)] = None,
    quantity: Quantity | None = None,
    commune: Annotated[str | None, Query(max_length=16, description="INSEE code.")] = None,
    start: Annotated[AwareDatetime | None, Query(alias="from", description="Included.")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to", description="Excluded.")] = None,
    resolution: store.Resolution = "raw",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    answer_format: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> SeriesPublic | Response:
    """Readings (``raw``) or UTC ``hourly``/``daily`` aggregates, by sensor, commune, period.

    ``format=csv`` answers CSV for spreadsheets; raw readings come in the layout ``POST``
    takes back (``sensor_id,quantity,observed_at,value,unit``, then the QC flags).

    Aggregates are those of the hours or days that start from ``from`` to before ``to``: a
    day is always a whole UTC day.
    """
    if start is not None and end is not None and end <= start:
        msg = f"Period from={start.isoformat()} to={end.isoformat()}; expected to after from."
        raise ValidationError(msg)
    where = store.SeriesFilter(sensor, quantity, commune, start, end)
    series = _series(engine, where, resolution, limit)
    if answer_format == "json":
        return series
    attachment = {"Content-Disposition": 'attachment; filename="observations.csv"'}
    return Response(series_csv(series), media_type="text/csv; charset=utf-8", headers=attachment)


def _series(
    engine: Engine, where: store.SeriesFilter, resolution: store.Resolution, limit: int
) -> SeriesPublic:
    with engine.connect() as conn:
        if resolution == "raw":
            found = store.get_observations(conn, where, limit=limit)
            items = [observation_public(x) for x in found]
            return SeriesPublic(resolution=resolution, count=len(items), observations=items)
        aggregates = store.get_aggregates(conn, where, resolution=resolution, limit=limit)
    rows = [
        AggregatePublic(sensor_id=a.sensor_id, quantity=a.quantity.value,
                        unit=spec_of(a.quantity).canonical_unit, period_start=a.period_start,
                        count=a.count, mean=a.mean, min=a.minimum, max=a.maximum)
        for a in aggregates
    ]  # fmt: skip
    return SeriesPublic(resolution=resolution, count=len(rows), aggregates=rows)


@router.get("/quarantine")
def get_quarantine(
    engine: EngineDep,
    operator: Operator,
    sensor: Annotated[str | None, Query(max_length=200)] = None,
    reason: Annotated[str | None, Query(max_length=40)] = None,
    since: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> QuarantineList:
    """Readings that were not stored, newest first, with the reason (operators only).

    An operator whose token is scoped to a territory sees the entries of the sensors
    registered in it; entries naming no registered sensor there (an unknown id) are for
    operators without a scope.
    """
    with engine.connect() as conn:
        entries = store.get_quarantine(conn, sensor_id=sensor, reason=reason, since=since,
                                       limit=limit,
                                       communes=scope_communes(conn, operator))  # fmt: skip
    rows = [QuarantinePublic(**vars(e)) for e in entries]
    return QuarantineList(count=len(rows), entries=rows)

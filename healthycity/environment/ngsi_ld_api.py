"""The NGSI-LD door: FIWARE agents send AirQualityObserved and AeroAllergenObserved entities.

Routes under ``/ngsi-ld/v1`` (ETSI GS CIM 009, NGSI-LD API; clause numbers of V1.3.1):

* ``POST /entityOperations/upsert`` (5.6.8, 6.15): an array of entities. **201** with the
  ids of the entities created when every entity succeeded and some were new, **204** when
  every entity already existed, **207** with ``{"success": [...], "errors": [{"entityId",
  "error": ProblemDetails}]}`` when some failed.
* ``POST /entities`` (5.6.1, 6.4): one entity. **201** with a ``Location`` header; **409**
  ``AlreadyExists`` if the entity exists (then nothing is stored: use the upsert).
* ``GET /entities?type=AirQualityObserved`` (5.7.2, 6.4) and ``GET /entities/{id}`` (5.7.1,
  6.5): the latest state, normalized or ``options=keyValues``. Public: it is open data.

An entity is a sensor's latest state (``ngsi_ld.py`` says how an entity maps to a sensor): it
*exists* once healthycity holds a reading of its type's quantities from that sensor. Readings go
through the one ingestion pipeline (door ``ngsi-ld``) and are committed before the answer.
An entity succeeds when at least one of its readings is stored (or already was); its refused
attributes are in the quarantine with their reason. An entity none of whose readings could be
stored fails with a ``BadRequestData`` problem naming each attribute and why. An entity that
carries no measurement healthycity keeps (e.g. only ``allergenRisk``) is acknowledged, stores
nothing, and is recorded in the quarantine as ``no_measurement``.

JSON-LD (6.3.5, 6.3.6): a body sent as ``application/ld+json`` must carry ``@context`` in each
entity and no JSON-LD ``Link`` header; one sent as ``application/json`` must not carry
``@context`` (it may come in a ``Link`` header). Answers in ``application/json`` give the
context in a ``Link`` header; answers in ``application/ld+json`` carry it in the body.
Writing needs a ``professional`` token or above, as the HTTP door; scoped tokens may only
send readings of sensors inside their scope.
"""

import json
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from healthycity.api.deps import get_engine, require_role
from healthycity.api.problems import problem_body
from healthycity.auth.models import Identity
from healthycity.environment import _ngsi_ld_store as ngsi_store
from healthycity.environment import ngsi_ld
from healthycity.environment._http_common import read_body, scope_communes, transaction
from healthycity.environment._ngsi_ld_ingest import Outcome, ingest_entities
from healthycity.environment.ngsi_ld import ENTITY_TYPES, EntityState, EntityType, NgsiLdError

router = APIRouter(prefix="/ngsi-ld/v1", tags=["ngsi-ld"])

JSON_MEDIA = "application/json"
JSONLD_MEDIA = "application/ld+json"
# Pagination as FIWARE Orion-LD does it: 20 entities unless asked, at most 1000.
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
CONTEXT_LINK = f'<{ngsi_ld.SDM_CONTEXT}>; rel="{ngsi_ld.JSONLD_CONTEXT_REL}"; type="{JSONLD_MEDIA}"'
EngineDep = Annotated[Engine, Depends(get_engine)]
Integrator = Annotated[Identity, Depends(require_role("professional"))]
_BODY_DOC: dict[str, Any] = {"requestBody": {"content": {JSON_MEDIA: {}, JSONLD_MEDIA: {}}}}


# --- Requests --------------------------------------------------------------------------------


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _parse_body(request: Request, body: bytes) -> tuple[object, str]:
    """The JSON body and its media type, checked against the JSON-LD rules (6.3.5)."""
    media = _media_type(request)
    if media not in (JSON_MEDIA, JSONLD_MEDIA):
        msg = f"Content-Type {media or '(none)'!r}; expected {JSON_MEDIA} or {JSONLD_MEDIA}."
        raise HTTPException(415, msg)
    if media == JSONLD_MEDIA and ngsi_ld.JSONLD_CONTEXT_REL in request.headers.get("link", ""):
        msg = (
            f"A JSON-LD Link header was sent with Content-Type {JSONLD_MEDIA}; expected the "
            "@context in the body only (or Content-Type application/json with the Link header)."
        )
        raise NgsiLdError(msg)
    try:
        return json.loads(body), media
    except (ValueError, RecursionError) as exc:  # also an integer past 4,300 digits, deep nesting
        msg = f"The body is not JSON ({exc}); expected a JSON entity or array of entities."
        raise NgsiLdError(msg, error="InvalidRequest") from exc


def _check_context(item: object, entity_id: str, media: str) -> None:
    has_context = isinstance(item, dict) and "@context" in item
    if media == JSONLD_MEDIA and not has_context:
        msg = (
            f"Entity {entity_id!r} has no @context; expected one with Content-Type "
            f"{JSONLD_MEDIA} (or send {JSON_MEDIA}, with the context in a Link header)."
        )
        raise NgsiLdError(msg)
    if media == JSON_MEDIA and has_context:
        msg = (
            f"Entity {entity_id!r} carries @context with Content-Type {JSON_MEDIA}; expected "
            f"{JSONLD_MEDIA} for a body with @context, or the context in a Link header."
        )
        raise NgsiLdError(msg)


def _entities(items: Sequence[object], media: str) -> list[tuple[str, object]]:
    entities = []
    for index, item in enumerate(items):
        entity_id = ngsi_ld.entity_id_of(item, index)
        _check_context(item, entity_id, media)
        entities.append((entity_id, item))
    return entities


def _problem(error: NgsiLdError) -> dict[str, Any]:
    return problem_body(error.http_status, str(error), problem_type=error.problem_type)


@router.post("/entityOperations/upsert", status_code=201, openapi_extra=_BODY_DOC)
async def upsert_entities(request: Request, engine: EngineDep, integrator: Integrator) -> Response:
    """Create or update entities (201 some created, 204 all updated, 207 some failed)."""
    body = await read_body(request)

    def upsert() -> list[Outcome]:
        data, media = _parse_body(request, body)
        if not isinstance(data, list) or not data:
            msg = f"The body is {type(data).__name__}; expected a non-empty JSON array of entities."
            raise NgsiLdError(msg)
        entities = _entities(data, media)
        with transaction(engine) as conn:
            communes = scope_communes(conn, integrator)
            return ingest_entities(conn, entities, communes=communes, create_only=False)

    outcomes = await run_in_threadpool(upsert)
    errors = [
        {"entityId": o.entity_id, "error": _problem(o.error)}
        for o in outcomes
        if o.error is not None
    ]
    if errors:
        succeeded = [o.entity_id for o in outcomes if o.error is None]
        return JSONResponse({"success": succeeded, "errors": errors}, status_code=207)
    created = [o.entity_id for o in outcomes if o.created]
    return JSONResponse(created, status_code=201) if created else Response(status_code=204)


@router.post("/entities", status_code=201, openapi_extra=_BODY_DOC)
async def create_entity(request: Request, engine: EngineDep, integrator: Integrator) -> Response:
    """Create one entity: 201 with its Location, 409 AlreadyExists if it exists."""
    body = await read_body(request)

    def create() -> Outcome:
        data, media = _parse_body(request, body)
        if not isinstance(data, dict):
            msg = f"The body is {type(data).__name__}; expected one JSON object (an entity)."
            raise NgsiLdError(msg)
        entities = _entities([data], media)
        with transaction(engine) as conn:
            communes = scope_communes(conn, integrator)
            outcomes = ingest_entities(conn, entities, communes=communes, create_only=True)
            return outcomes[0]

    outcome = await run_in_threadpool(create)
    if outcome.exists:
        msg = (
            f"Entity {outcome.entity_id!r} already exists (as {outcome.location_id!r}); "
            "expected a new entity: send updates to /ngsi-ld/v1/entityOperations/upsert."
        )
        raise NgsiLdError(msg, error="AlreadyExists", http_status=409)
    if outcome.error is not None:
        raise outcome.error
    location = f"{router.prefix}/entities/{quote(outcome.location_id, safe=':')}"
    return Response(status_code=201, headers={"Location": location})


# --- Queries ---------------------------------------------------------------------------------


def _negotiate(request: Request) -> str:
    """The answer's media type from the Accept header (6.3.4); 406 if none is acceptable."""
    accepted = [part.split(";")[0].strip().lower()
                for part in request.headers.get("accept", "*/*").split(",")]  # fmt: skip
    for media in accepted:
        if media in (JSON_MEDIA, JSONLD_MEDIA):
            return media
        if media in ("*/*", "application/*", ""):
            return JSON_MEDIA
    msg = f"Accept {request.headers.get('accept')!r}; expected {JSON_MEDIA} or {JSONLD_MEDIA}."
    raise HTTPException(406, msg)


def _render(
    states: Sequence[EntityState], media: str, *, key_values: bool
) -> list[dict[str, object]]:
    entities = [
        ngsi_ld.to_key_values(s) if key_values else ngsi_ld.to_normalized(s) for s in states
    ]
    if media == JSONLD_MEDIA:
        context = [ngsi_ld.SDM_CONTEXT, ngsi_ld.CORE_CONTEXT]
        entities = [e | {"@context": context} for e in entities]
    return entities


def _answer(content: object, media: str, headers: dict[str, str] | None = None) -> JSONResponse:
    headers = dict(headers or {})
    if media == JSON_MEDIA:  # the context travels in a Link header with plain JSON (6.3.6)
        headers["Link"] = CONTEXT_LINK
    return JSONResponse(content, media_type=media, headers=headers)


def _whole_number(raw: str | None, name: str, default: int, lower: int, upper: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not lower <= int(raw) <= upper:
        msg = f"{name}={raw!r}; expected a whole number from {lower} to {upper}."
        raise NgsiLdError(msg)
    return int(raw)


def _types(raw: str | None) -> list[EntityType]:
    if raw is None:
        return list(ENTITY_TYPES)
    names = [ngsi_ld.entity_type_of(part.strip()) for part in raw.split(",")]
    return [t for t in ENTITY_TYPES if t in names]  # other types: no entity here


def _is_key_values(options: str | None) -> bool:
    return "keyValues" in {part.strip() for part in (options or "").split(",")}


def _page(
    conn: Connection, kinds: Sequence[EntityType], ids: Sequence[str] | None, *, limit: int,
    offset: int,
) -> tuple[list[EntityState], int]:  # fmt: skip
    """Entities of ``kinds`` (of ``ids`` if given), type by type then by sensor id; and a count."""
    states: list[EntityState] = []
    total = 0
    for kind in kinds:
        sensors = (
            None if ids is None else [c for i in ids for c in ngsi_ld.sensor_candidates(i, kind)]
        )
        found = ngsi_store.count_entities(conn, kind, sensors)
        if limit > len(states) and offset < found:
            wanted = limit - len(states)
            states += ngsi_store.entity_states(
                conn, kind, sensor_ids=sensors, limit=wanted, offset=offset
            )
        offset = max(0, offset - found)
        total += found
    return states, total


@router.get("/entities")
def query_entities(
    request: Request,
    engine: EngineDep,
    type: str | None = None,  # noqa: A002  # the NGSI-LD parameter name
    id: str | None = None,  # noqa: A002  # the NGSI-LD parameter name
    options: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
    count: str | None = None,
) -> JSONResponse:
    """Latest state of each entity of ``type`` (comma-separated; or of the ``id`` list)."""
    media = _negotiate(request)
    if type is None and id is None:
        msg = "Neither type nor id was given; expected at least one, e.g. type=AirQualityObserved."
        raise NgsiLdError(msg)
    size = _whole_number(limit, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
    skip = _whole_number(offset, "offset", 0, 0, 10**9)
    ids = None if id is None else [part.strip() for part in id.split(",") if part.strip()]
    with engine.connect() as conn:
        states, total = _page(conn, _types(type), ids, limit=size, offset=skip)
    headers = {"NGSILD-Results-Count": str(total)} if count == "true" else None
    return _answer(_render(states, media, key_values=_is_key_values(options)), media, headers)


@router.get("/entities/{entity_id}")
def get_entity(
    request: Request,
    entity_id: str,
    engine: EngineDep,
    type: str | None = None,  # noqa: A002  # the NGSI-LD parameter name
    options: str | None = None,
) -> JSONResponse:
    """Latest state of one entity (404 ResourceNotFound if healthycity knows no such entity)."""
    media = _negotiate(request)
    kinds = [t for t in _types(type) if entity_id.startswith(f"urn:ngsi-ld:{t}:")] or _types(type)
    with engine.connect() as conn:
        for kind in kinds:
            candidates = ngsi_ld.sensor_candidates(entity_id, kind)
            found = ngsi_store.entity_states(
                conn, kind, sensor_ids=candidates, limit=len(candidates)
            )
            by_id = {state.sensor_id: state for state in found}
            state = next((by_id[c] for c in candidates if c in by_id), None)
            if state is not None:
                entity = _render([state], media, key_values=_is_key_values(options))[0]
                return _answer(entity, media)
    msg = (
        f"No entity {entity_id!r}; expected the id of a registered sensor's "
        f"{' or '.join(kinds)} entity, as GET /ngsi-ld/v1/entities?type=... lists them."
    )
    raise NgsiLdError(msg, error="ResourceNotFound", http_status=404)

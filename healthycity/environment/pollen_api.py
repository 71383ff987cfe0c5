"""HTTP API to relay the pollen index published by Atmo France (``published_pollen.py``).

``POST /environment/pollen-index`` takes an Atmo Data "indice pollen" file, GeoJSON
(``application/geo+json`` or ``application/json``) or CSV (``text/csv``), and stores it all
or nothing: a ``territory_admin`` token is needed, and a scoped one may only import communes
of its scope. A wrong file gets a problem+json answer (422) naming the feature or line, the
field, the value and what was expected, and changes nothing. Importing a commune and day
again replaces it. The levels then show in ``GET /environment/indices/pollen``.
"""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from healthycity.api.deps import get_engine, require_role
from healthycity.auth.models import Identity
from healthycity.environment._http_common import read_body
from healthycity.environment.published_pollen import (
    ATMO_POLLEN_SOURCE,
    FeedFormat,
    PollenFeed,
    parse_feed,
)
from healthycity.environment.published_pollen_store import import_published_pollen
from healthycity.errors import PermissionDeniedError
from healthycity.territory import store as territory_store

router = APIRouter(prefix="/environment", tags=["environment"])

# Three days of a region's communes without geometry (Atmo Data ``with_geom=false``) are a
# few MB; import the national file with the command line.
MAX_POLLEN_BODY_BYTES = 32 * 1024 * 1024
MEDIA_TYPES: dict[str, FeedFormat] = {
    "application/geo+json": "geojson",
    "application/json": "geojson",
    "text/csv": "csv",
}
Admin = Annotated[Identity, Depends(require_role("territory_admin"))]
EngineDep = Annotated[Engine, Depends(get_engine)]


class PollenImportReport(BaseModel):
    """What an import stored: one row per commune and day, replacing earlier imports'."""

    model_config = ConfigDict(frozen=True)

    rows: int = Field(description="Commune-days stored.")
    replaced: int = Field(description="Of which replaced a commune-day imported before.")
    communes: int
    days: list[date]
    imported_at: datetime
    source: str = Field(description="Attribution and licence of the data relayed.")


def _check_scope(conn: Connection, admin: Identity, feed: PollenFeed) -> None:
    if admin.scope_level is None or admin.scope_code is None:
        return
    inside = (
        {admin.scope_code}
        if admin.scope_level == "commune"
        else {c.code for c in territory_store.get_children(
            conn, admin.scope_level, admin.scope_code, child_level="commune")}
    )  # fmt: skip
    for record, location in zip(feed.records, feed.locations, strict=True):
        if record.commune_code not in inside:
            msg = (
                f"{location}: commune {record.commune_code} is outside the token's scope "
                f"{admin.scope_level}/{admin.scope_code}; expected only communes of the scope."
            )
            raise PermissionDeniedError(msg)


@router.post(
    "/pollen-index",
    openapi_extra={
        "requestBody": {"content": {"application/geo+json": {}, "text/csv": {}}}
    },
)  # fmt: skip
async def post_pollen_index(
    request: Request, engine: EngineDep, admin: Admin
) -> PollenImportReport:
    """Import the Atmo France pollen index (Atmo Data GeoJSON or CSV), all or nothing."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        expected = ", ".join(MEDIA_TYPES)
        raise HTTPException(415, f"Content-Type {media_type or '(none)'!r}; expected {expected}.")
    body = await read_body(
        request,
        limit=MAX_POLLEN_BODY_BYTES,
        expected="expected a region's file without geometry (with_geom=false), or the command "
        "line for the national file",
    )

    def store() -> PollenImportReport:
        feed = parse_feed(body, MEDIA_TYPES[media_type], source="request body")
        with engine.begin() as conn:  # committed before the answer is sent
            _check_scope(conn, admin, feed)
            done = import_published_pollen(conn, feed, imported_from="api")
        return PollenImportReport(
            rows=done.rows, replaced=done.replaced, communes=done.communes,
            days=list(done.days), imported_at=done.imported_at, source=ATMO_POLLEN_SOURCE,
        )  # fmt: skip

    return await run_in_threadpool(store)

"""HTTP API of the territory domain: open data on régions, départements, EPCI and communes.

Every endpoint is public (the data is Licence Ouverte) and answers JSON, or GeoJSON with
``?format=geojson`` or ``Accept: application/geo+json``.
"""

import threading
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from healthycity.api.deps import DbConn
from healthycity.errors import NotFoundError
from healthycity.territory import store
from healthycity.territory.locate import PointLocator
from healthycity.territory.models import AgeStructure, Level, Territory

GEOJSON_MEDIA_TYPE = "application/geo+json"
ResponseFormat = Literal["json", "geojson"]

router = APIRouter(prefix="/territories", tags=["territories"])


class GeoJSONResponse(JSONResponse):
    """A GeoJSON document (RFC 7946)."""

    media_type = GEOJSON_MEDIA_TYPE


# GeoJSON is an alternative representation of every 200 answer, documented in OpenAPI.
_GEOJSON_ALTERNATIVE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {GEOJSON_MEDIA_TYPE: {"schema": {"type": "object"}}},
        "description": "JSON, or GeoJSON with `?format=geojson` or `Accept: application/geo+json`.",
    }
}


# --- Schemas ---------------------------------------------------------------------------------


class _Schema(BaseModel):
    model_config = ConfigDict(frozen=True)


class Centroid(_Schema):
    """A WGS84 point (degrees)."""

    lon: float
    lat: float


class TerritoryRef(_Schema):
    """A territory named by level and code (``ref`` is ``level/code``, e.g. ``commune/58194``)."""

    level: Level
    code: str
    name: str
    ref: str


class TerritorySummary(TerritoryRef):
    """A territory with its legal population and geometry summary."""

    population: int | None = Field(description="Legal population (INSEE, millésime 2023).")
    kind: str | None = Field(description="EPCI type (CC, CA, CU, METRO) or commune zone.")
    area_km2: float | None = Field(description="Area of the stored polygon, km².")
    density_per_km2: float | None = Field(description="Inhabitants per km².")
    centroid: Centroid | None
    bbox: tuple[float, float, float, float] | None = Field(
        description="min_lon, min_lat, max_lon, max_lat (WGS84)."
    )
    has_geometry: bool


class AgeStructurePublic(_Schema):
    """Population by five-year age band for one year."""

    year: int
    estimated: bool = Field(
        description="True when derived (département age structure × commune population)."
    )
    source: str
    population_by_band: dict[str, float]


class TerritoryPublic(TerritorySummary):
    """One territory in full: its summary, the territories containing it and its ages."""

    parents: list[TerritoryRef] = Field(description="Containing territories, nearest first.")
    age_structure: AgeStructurePublic | None


class TerritoryList(_Schema):
    """Territories, in the order the endpoint documents."""

    count: int
    territories: list[TerritorySummary]


class TerritoryChildren(TerritoryList):
    """The territories of one level inside a parent (whose population is the legal total)."""

    parent: TerritorySummary
    level: Level


class TerritoryAncestors(TerritoryList):
    """The territories containing one territory, nearest first."""

    territory: TerritoryRef


class TerritorySearchResults(TerritoryList):
    """Territories matching a name: exact names first, then prefixes, then by population."""

    query: str


def _ref(territory: Territory) -> TerritoryRef:
    return TerritoryRef(
        level=territory.level, code=territory.code, name=territory.name, ref=territory.ref
    )


def _summary(territory: Territory) -> TerritorySummary:
    centroid = None
    if territory.centroid_lon is not None and territory.centroid_lat is not None:
        centroid = Centroid(lon=territory.centroid_lon, lat=territory.centroid_lat)
    return TerritorySummary(
        **_ref(territory).model_dump(),
        population=territory.population,
        kind=territory.kind,
        area_km2=territory.area_km2,
        density_per_km2=territory.density_per_km2,
        centroid=centroid,
        bbox=territory.bbox,
        has_geometry=territory.has_geometry,
    )


def _age_structure(ages: AgeStructure) -> AgeStructurePublic:
    return AgeStructurePublic(
        year=ages.year,
        estimated=ages.is_estimated,
        source=ages.source,
        population_by_band=ages.population_by_band,
    )


# --- Dependencies ----------------------------------------------------------------------------


def get_response_format(
    request: Request,
    fmt: Annotated[
        ResponseFormat | None,
        Query(alias="format", description="`geojson` for GeoJSON; default from `Accept`."),
    ] = None,
) -> ResponseFormat:
    """The representation asked for: ``?format=`` wins over the ``Accept`` header."""
    if fmt is not None:
        return fmt
    accepted = {part.split(";")[0].strip() for part in request.headers.get("accept", "").split(",")}
    return "geojson" if GEOJSON_MEDIA_TYPE in accepted else "json"


Format = Annotated[ResponseFormat, Depends(get_response_format)]


@dataclass
class CommuneLocatorCache:
    """The commune point locator, rebuilt whenever the database's import version moves.

    The database holds the state; this is derived from it and re-validated on each request by
    a cheap query (:func:`store.import_version`), so several API processes stay consistent.
    """

    version: int | None = None
    locator: PointLocator | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, conn: Connection) -> PointLocator:
        """The locator for the database ``conn`` reads, built once per import version."""
        version = store.import_version(conn)
        with self._lock:  # one build at a time; the others wait for it and reuse it
            if self.locator is None or self.version != version:
                self.locator = store.build_commune_locator(conn)
                self.version = version
            return self.locator


_STATE_LOCK = threading.Lock()


def get_locator_cache(request: Request) -> CommuneLocatorCache:
    """The app's locator cache, created on first use in ``app.state.commune_locator``."""
    state = request.app.state
    with _STATE_LOCK:
        cache: CommuneLocatorCache | None = getattr(state, "commune_locator", None)
        if cache is None:
            cache = state.commune_locator = CommuneLocatorCache()
    return cache


LocatorCache = Annotated[CommuneLocatorCache, Depends(get_locator_cache)]


# --- Representations ---------------------------------------------------------------------------


def _detail(conn: Connection, territory: Territory) -> TerritoryPublic:
    ancestors = store.get_ancestors(conn, territory.level, territory.code)
    try:
        ages: AgeStructurePublic | None = _age_structure(
            store.get_age_structure(conn, territory.level, territory.code)
        )
    except NotFoundError:  # EPCI and régions have no age structure of their own
        ages = None
    return TerritoryPublic(
        **_summary(territory).model_dump(),
        parents=[_ref(a) for a in ancestors],
        age_structure=ages,
    )


def _detail_response(
    conn: Connection, territory: Territory, fmt: ResponseFormat
) -> TerritoryPublic | GeoJSONResponse:
    detail = _detail(conn, territory)
    if fmt == "json":
        return detail
    feature = store.feature_collection(conn, [territory])["features"][0]
    feature["properties"] = detail.model_dump(mode="json")
    return GeoJSONResponse(feature)


def _collection_response(
    conn: Connection, body: TerritoryList, territories: list[Territory], fmt: ResponseFormat
) -> TerritoryList | GeoJSONResponse:
    if fmt == "json":
        return body
    return GeoJSONResponse(store.feature_collection(conn, territories))


# --- Routes (fixed paths before /{level}/{code}, so they are not read as a level) ------------


@router.get("/search", response_model=TerritorySearchResults, responses=_GEOJSON_ALTERNATIVE)
def search_territories(
    conn: DbConn,
    fmt: Format,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Name, e.g. nevers.")],
    level: Level | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TerritoryList | GeoJSONResponse:
    """Find territories by name, ignoring accents and case (`chateau chinon`)."""
    found = store.search_territories(conn, q, level=level, limit=limit)
    body = TerritorySearchResults(
        query=q, count=len(found), territories=[_summary(x) for x in found]
    )
    return _collection_response(conn, body, found, fmt)


@router.get("/locate", response_model=TerritoryPublic, responses=_GEOJSON_ALTERNATIVE)
def locate_commune(
    conn: DbConn,
    fmt: Format,
    cache: LocatorCache,
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude, degrees.")],
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude, degrees.")],
) -> TerritoryPublic | GeoJSONResponse:
    """The commune containing a point, among the communes whose boundary is loaded."""
    code = cache.get(conn).locate(lon, lat)
    if code is None:
        msg = (
            f"No commune with a loaded boundary contains lon={lon}, lat={lat}; "
            "expected a point on land inside the imported territory."
        )
        raise NotFoundError(msg)
    return _detail_response(conn, store.get_territory(conn, "commune", code), fmt)


@router.get("/{level}/{code}", response_model=TerritoryPublic, responses=_GEOJSON_ALTERNATIVE)
def get_territory(
    conn: DbConn, fmt: Format, level: Level, code: str
) -> TerritoryPublic | GeoJSONResponse:
    """One territory with its parents and, for communes and départements, its age structure."""
    return _detail_response(conn, store.get_territory(conn, level, code), fmt)


@router.get(
    "/{level}/{code}/children", response_model=TerritoryChildren, responses=_GEOJSON_ALTERNATIVE
)
def get_children(
    conn: DbConn,
    fmt: Format,
    level: Level,
    code: str,
    child_level: Annotated[
        Level | None,
        Query(alias="level", description="Level of the children; default the next one down."),
    ] = None,
) -> TerritoryList | GeoJSONResponse:
    """The territories inside one territory, by code."""
    parent = store.get_territory(conn, level, code)
    children = store.get_children(conn, level, code, child_level=child_level)
    body = TerritoryChildren(
        parent=_summary(parent),
        level=child_level or store.CHILD_LEVELS[parent.level][0],  # get_children checked it
        count=len(children),
        territories=[_summary(x) for x in children],
    )
    return _collection_response(conn, body, children, fmt)


@router.get(
    "/{level}/{code}/ancestors", response_model=TerritoryAncestors, responses=_GEOJSON_ALTERNATIVE
)
def get_ancestors(
    conn: DbConn, fmt: Format, level: Level, code: str
) -> TerritoryList | GeoJSONResponse:
    """The territories containing one territory, nearest first (EPCI, département, région)."""
    territory = store.get_territory(conn, level, code)
    ancestors = store.get_ancestors(conn, level, code)
    body = TerritoryAncestors(
        territory=_ref(territory),
        count=len(ancestors),
        territories=[_summary(x) for x in ancestors],
    )
    return _collection_response(conn, body, ancestors, fmt)

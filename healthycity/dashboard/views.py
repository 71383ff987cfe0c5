"""The web pages: the territory map at ``/``, territory pages, search, and their assets."""

import gzip
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection
from starlette.exceptions import HTTPException as StarletteHTTPException

from healthycity.alerts.feed import FEED_LEVELS, territory_feed_path
from healthycity.api.deps import AppSettings, DbConn
from healthycity.api.problems import http_problem
from healthycity.dashboard.choropleth import DENSITY_PALETTE, NO_DATA_COLOUR
from healthycity.dashboard.display_views import router as display_router
from healthycity.dashboard.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGES,
    Language,
    Translator,
    negotiate_language,
)
from healthycity.dashboard.map_data import (
    focus_commune_codes,
    load_commune_layer,
    load_departement_layer,
)
from healthycity.dashboard.pages import (
    PAGE_SECTIONS,
    build_territory_page,
    legend_entries,
    page_path,
)
from healthycity.errors import NotFoundError, ValidationError
from healthycity.territory import store
from healthycity.territory.models import Level, Territory

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
LEAFLET_JS = STATIC_DIR / "vendor" / "leaflet" / "leaflet.js"
GEOJSON_MEDIA_TYPE = "application/geo+json"
_LANGUAGE_COOKIE_MAX_AGE_S = 365 * 24 * 3600

templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")


def language_url(request: Request, language: Language) -> str:
    """The current page's path and query in ``language`` (relative: safe behind a proxy)."""
    query = {**request.query_params, "lang": language}
    return f"{request.url.path}?{urlencode(query)}"


templates.env.globals.update(
    page_path=page_path,
    language_url=language_url,
    feed_levels=FEED_LEVELS,
    territory_feed_path=territory_feed_path,
)
router = APIRouter(include_in_schema=False)


def get_language(
    request: Request, lang: Annotated[str | None, Query(description="fr or en")] = None
) -> Language:
    """The page language (``?lang=``, cookie, ``Accept-Language``, then French)."""
    return negotiate_language(
        query=lang,
        cookie=request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


PageLanguage = Annotated[Language, Depends(get_language)]


def _render(
    request: Request,
    template: str,
    language: Language,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request,
        template,
        {"lang": language, "t": Translator(language), **context},
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGUAGES:  # remember an explicit choice
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=_LANGUAGE_COOKIE_MAX_AGE_S, samesite="lax"
        )
    response.headers["Vary"] = "Accept-Language, Cookie"
    assert isinstance(response, HTMLResponse)  # Starlette's template response is HTML  # noqa: S101
    return response


def _focus(conn: Connection, focus_ref: str) -> Territory | None:
    """The focus territory, or ``None`` before it is imported (the page then says so)."""
    level, _, code = focus_ref.partition("/")
    try:
        return store.get_territory(conn, level, code)
    except NotFoundError:
        return None


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, conn: DbConn, settings: AppSettings, language: PageLanguage
) -> HTMLResponse:
    """The map of every commune polygon, coloured by density, the focus territory on top."""
    focus = _focus(conn, settings.focus_territory)
    translate = Translator(language)
    config = {
        "communes_url": request.url_for("map_communes").path,
        "departements_url": request.url_for("map_departements").path,
        "page_url": "/communes/",
        "bbox": focus.bbox if focus else None,
        "focus": store.get_geometries(conn, [focus]).get(focus.ref) if focus else None,
        "palette": DENSITY_PALETTE,
        "no_data_colour": NO_DATA_COLOUR,
        "separators": translate.separators,
        "messages": {
            "inhabitants": translate("inhabitants", value="{value}"),
            "density": translate("density_value", value="{value}"),
            "unknown": translate("unknown"),
            "failed": translate("map_failed"),
        },
    }
    return _render(
        request,
        "home.html",
        language,
        {"focus": focus, "config": config, "legend": legend_entries(translate)},
    )


def _territory_page(
    request: Request, conn: Connection, language: Language, level: Level, code: str
) -> HTMLResponse:
    try:
        page = build_territory_page(conn, level, code)
    except NotFoundError:
        return _render(
            request,
            "not_found.html",
            language,
            {"level": Translator(language)(f"level_{level}"), "code": code},
            status_code=404,
        )
    return _render(request, "territory.html", language, {"page": page})


def _page_route(level: Level) -> Callable[..., HTMLResponse]:
    def page(request: Request, conn: DbConn, language: PageLanguage, code: str) -> HTMLResponse:
        return _territory_page(request, conn, language, level, code)

    page.__name__ = f"{level}_page"
    page.__doc__ = f"The page of one {level}."
    return page


for _level, _section in PAGE_SECTIONS.items():
    router.add_api_route(
        f"/{_section}/{{code}}", _page_route(_level), response_class=HTMLResponse, methods=["GET"]
    )


@router.get("/recherche", response_class=HTMLResponse)
def search(request: Request, conn: DbConn, language: PageLanguage, q: str = "") -> HTMLResponse:
    """Communes whose name matches ``q``: the search box's answer without JavaScript."""
    try:
        found = store.search_territories(conn, q, level="commune", limit=50)
        invalid = False
    except ValidationError:  # no letters: say so on the page rather than fail
        found, invalid = [], True
    return _render(
        request, "search.html", language, {"query": q, "found": found, "invalid": invalid}
    )


@dataclass(frozen=True)
class _Payload:
    etag: str
    body: bytes
    gzipped: bytes


@dataclass
class MapLayerCache:
    """Map layers serialised once per import version: the commune layer is ~4 MB of JSON.

    As in the territory API's locator cache, the database's import version is checked on
    each request by one cheap query, so a re-import shows at once in every process.
    """

    version: int | None = None
    payloads: dict[str, _Payload] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, conn: Connection, name: str, build: Callable[[], dict[str, Any]]) -> _Payload:
        """The payload ``name`` for the data ``conn`` reads, built by ``build`` when stale."""
        version = store.import_version(conn)
        with self._lock:
            if self.version != version:
                self.payloads, self.version = {}, version
            if name not in self.payloads:
                body = json.dumps(build(), separators=(",", ":"), ensure_ascii=False).encode()
                self.payloads[name] = _Payload(
                    f'"{version}-{name}"', body, gzip.compress(body, compresslevel=6, mtime=0)
                )
                logger.info("map layer built layer=%s bytes=%d", name, len(body))
            return self.payloads[name]


_STATE_LOCK = threading.Lock()


def get_layer_cache(request: Request) -> MapLayerCache:
    """The app's map layer cache, created on first use in ``app.state.map_layers``."""
    state = request.app.state
    with _STATE_LOCK:
        cache: MapLayerCache | None = getattr(state, "map_layers", None)
        if cache is None:
            cache = state.map_layers = MapLayerCache()
    return cache


LayerCache = Annotated[MapLayerCache, Depends(get_layer_cache)]


def _payload_response(request: Request, payload: _Payload) -> Response:
    headers = {"ETag": payload.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == payload.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(payload.gzipped, media_type=GEOJSON_MEDIA_TYPE, headers=headers)
    return Response(payload.body, media_type=GEOJSON_MEDIA_TYPE, headers=headers)


@router.get("/map/communes.geojson", name="map_communes")
def map_communes(
    request: Request, conn: DbConn, settings: AppSettings, cache: LayerCache
) -> Response:
    """Every commune polygon with its name, population, density class and focus flag."""
    focus_ref = settings.focus_territory

    def build() -> dict[str, Any]:
        focus = _focus(conn, focus_ref)
        return load_commune_layer(conn, focus_commune_codes(conn, focus) if focus else frozenset())

    return _payload_response(request, cache.get(conn, f"communes-{focus_ref}", build))


@router.get("/map/departements.geojson", name="map_departements")
def map_departements(request: Request, conn: DbConn, cache: LayerCache) -> Response:
    """The outlines of the départements that have commune polygons."""
    payload = cache.get(conn, "departements", lambda: load_departement_layer(conn))
    return _payload_response(request, payload)


# Paths read by programs: an unknown one answers problem+json, whatever the client accepts.
_MACHINE_PATHS = ("/api/", "/ngsi-ld/", "/static/", "/alerts.atom")


async def _page_or_problem(request: Request, exc: Exception) -> Response:
    """A person following a dead link gets a page in their language; programs get problem+json."""
    assert isinstance(exc, StarletteHTTPException)  # registered for it only  # noqa: S101
    is_person = "text/html" in request.headers.get("accept", "") and request.method == "GET"
    if exc.status_code != 404 or not is_person or request.url.path.startswith(_MACHINE_PATHS):
        return await http_problem(request, exc)
    language = get_language(request, request.query_params.get("lang"))
    return _render(request, "not_found.html", language, {"path": request.url.path},
                   status_code=404)  # fmt: skip


def mount_dashboard(app: FastAPI) -> None:
    """Add the web pages and serve ``static/`` (our CSS and scripts, and vendored Leaflet).

    Also answers an unknown page with an HTML 404 page for browsers (it replaces the API's
    handler of HTTP errors, which it calls for everything else).
    """
    app.add_exception_handler(StarletteHTTPException, _page_or_problem)
    if not LEAFLET_JS.exists():
        logger.warning("leaflet missing path=%s hint='run make install'", LEAFLET_JS)
    app.include_router(router)
    app.include_router(display_router)
    from healthycity.dashboard.alerts_views import router as alerts_router  # imports this module

    app.include_router(alerts_router)
    from healthycity.dashboard.care_views import router as care_router  # imports this module

    app.include_router(care_router)
    from healthycity.dashboard.environment_views import router as environment_router  # idem

    app.include_router(environment_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

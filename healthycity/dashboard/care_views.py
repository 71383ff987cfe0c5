"""The access-to-care pages: the citizen care finder here, and the router of them all.

The finder page answers with the same function as the finder API
(``care_access.finder_api.find_care``), so that it works without JavaScript; the script
only adds "use my position" and a small map. The APL map and the scenario editor live in
:mod:`~healthycity.dashboard.care_apl_views`, the commune page section in
:mod:`~healthycity.dashboard.care_commune`; importing this module registers them.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from healthycity.api.deps import DbConn
from healthycity.care_access.finder import FINDER_KINDS
from healthycity.care_access.finder_api import TRAVEL_MODEL, FinderResults, find_care
from healthycity.care_access.offer import CareKind
from healthycity.dashboard.care_apl_views import router as apl_router
from healthycity.dashboard.care_commune import build_care_section
from healthycity.dashboard.i18n import MESSAGES, Language, Translator
from healthycity.dashboard.pages import SECTION_BUILDERS
from healthycity.dashboard.views import PageLanguage, _render, templates
from healthycity.errors import NotFoundError, ValidationError
from healthycity.territory import store as territory_store
from healthycity.territory.api import LocatorCache
from healthycity.territory.models import Territory
from healthycity.territory.names import normalise_name

router = APIRouter(include_in_schema=False)


def care_count(translate: Translator, kind: str, count: int) -> str:
    """``18 pharmacies``, ``1 pharmacie``: a count of one kind of care, for the templates.

    French puts 0 in the singular ("0 pharmacie"), English in the plural (CLDR plural rules).
    """
    is_one = count < 2 if translate.language == "fr" else count == 1
    form = "one" if is_one else "many"
    return translate(f"care_{form}_{kind}", count=translate.number(count))


templates.env.globals.update(care_count=care_count)
SECTION_BUILDERS.append(build_care_section)
router.include_router(apl_router)
FINDER_LIMIT = 5  # places listed: enough to choose, few enough to read on a phone
# Positions are rounded to 0.001° (about 100 m): by the page before it sends one, and here
# again, so that no finer position is echoed into the page or its links.
_POSITION_DIGITS = 3


@dataclass(frozen=True)
class FinderPage:
    """What the finder page shows: the question, and the answer or why there is none."""

    kind: CareKind
    query: str
    results: FinderResults | None = None
    origin_label: str | None = None
    candidates: tuple[Territory, ...] = ()
    error: str | None = None
    current: str | None = None  # the query string of the origin, to re-ask for another kind


def _from_commune(conn: Connection, translate: Translator, kind: CareKind, code: str) -> FinderPage:
    commune = territory_store.get_territory(conn, "commune", code)
    results = find_care(conn, kind=kind, limit=FINDER_LIMIT, commune=commune.code)
    return FinderPage(
        kind=kind,
        query=commune.name,
        results=results,
        origin_label=translate("finder_from_commune", name=commune.name, code=commune.code),
        current=f"commune={commune.code}",
    )


def _from_position(
    conn: Connection,
    translate: Translator,
    locator: LocatorCache,
    kind: CareKind,
    point: tuple[float, float],
) -> FinderPage:
    lon, lat = (round(v, _POSITION_DIGITS) for v in point)
    results = find_care(conn, kind=kind, limit=FINDER_LIMIT, lon=lon, lat=lat)
    code = locator.get(conn).locate(lon, lat)
    label = translate("finder_from_position")
    if code is not None:
        commune = territory_store.get_territory(conn, "commune", code)
        label = translate("finder_from_position_in", name=commune.name)
    return FinderPage(
        kind=kind, query="", results=results, origin_label=label, current=f"lon={lon}&lat={lat}"
    )


def _from_query(conn: Connection, translate: Translator, kind: CareKind, query: str) -> FinderPage:
    try:
        found = territory_store.search_territories(conn, query, level="commune", limit=20)
    except ValidationError:  # no letters
        return FinderPage(kind=kind, query=query, error=translate("search_invalid"))
    # one match, or an exact name (listed first): "nevers" is Nevers, not Saint-Éloi-lès-Nevers
    if len(found) == 1 or (found and normalise_name(found[0].name) == normalise_name(query)):
        return _from_commune(conn, translate, kind, found[0].code)
    if not found:
        return FinderPage(kind=kind, query=query, error=translate("search_none", query=query))
    return FinderPage(kind=kind, query=query, candidates=tuple(found))


@router.get("/soins", response_class=HTMLResponse, name="care_finder_page")
def care_finder_page(
    request: Request,
    conn: DbConn,
    language: PageLanguage,
    locator: LocatorCache,
    kind: str = FINDER_KINDS[0],
    commune: Annotated[str | None, Query(max_length=10)] = None,
    q: Annotated[str, Query(max_length=200)] = "",
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
) -> HTMLResponse:
    """Find the nearest care of a kind from a commune (searched by name) or a position."""
    translate = Translator(language)
    # an unknown kind (an old link, a typo) falls back to the first rather than failing
    wanted = next((k for k in FINDER_KINDS if k == kind), FINDER_KINDS[0])
    status_code = 200
    try:
        if commune:
            page = _from_commune(conn, translate, wanted, commune)
        elif lon is not None and lat is not None:
            page = _from_position(conn, translate, locator, wanted, (lon, lat))
        elif q.strip():
            page = _from_query(conn, translate, wanted, q)
        else:
            page = FinderPage(kind=wanted, query="")
    except NotFoundError:
        status_code = 404
        error = translate("finder_unknown_commune", code=commune or "")
        page = FinderPage(kind=wanted, query=q, error=error)
    except ValidationError:  # the only other user error here: a point outside France
        status_code = 422
        page = FinderPage(kind=wanted, query=q, error=translate("finder_outside_france"))
    return _render(
        request,
        "care_finder.html",
        language,
        {
            "finder": page,
            "kinds": FINDER_KINDS,
            "model": TRAVEL_MODEL,
            "config": _finder_config(page, language),
        },
        status_code=status_code,
    )


def _finder_config(page: FinderPage, language: Language) -> dict[str, Any]:
    points = []
    if page.results is not None:
        points = [
            {"lon": r.lon, "lat": r.lat, "name": r.name, "is_exact": r.location == "exact"}
            for r in page.results.results
        ]
    origin = None if page.results is None else [page.results.origin_lon, page.results.origin_lat]
    keys = ("finder_locating", "finder_position_failed")
    return {
        "departements_url": "/map/departements.geojson",
        "kind": page.kind,
        "current": page.current,
        "digits": _POSITION_DIGITS,
        "origin": origin,
        "points": points,
        "messages": {key: MESSAGES[key][language] for key in keys},
    }

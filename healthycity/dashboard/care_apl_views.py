"""The APL pages: the choropleth of the territory's communes, and the scenario editor.

The map's colours come from the APL API (``/api/v1/care-access/apl?…&format=geojson``),
which the page's script reads; the page itself computes the same APL (cached by the APL
service) to state its inputs and count the communes per class without JavaScript.
"""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from healthycity.api.deps import AppSettings, DbConn
from healthycity.care_access.apl_model import AplClassName, AplResult, ClassCount, count_classes
from healthycity.care_access.apl_service import compute_territory_apl
from healthycity.care_access.indicators import APL_ADEQUATE_FROM, APL_UNDER_DENSE_BELOW
from healthycity.care_access.providers import make_provider
from healthycity.dashboard.choropleth import NO_DATA_COLOUR
from healthycity.dashboard.i18n import MESSAGES, Language, Translator
from healthycity.dashboard.views import PageLanguage, _render
from healthycity.errors import UserError
from healthycity.territory.store import get_territory

router = APIRouter(include_in_schema=False)

APL_YEAR = 2023  # the latest DREES millésime of the shipped parameter sheet
PROVIDER = "straight-line"  # the demo territory ships no road network
# APL classes, worst first, in ColorBrewer's diverging "RdYlBu" of 3 classes (#fc8d59,
# #ffffbf, #91bfdb), rated colour-blind safe, print friendly and readable on screens
# (Harrower M., Brewer C.A. (2003), "ColorBrewer.org: an online tool for selecting colour
# schemes for maps", The Cartographic Journal 40(1): 27–37): orange for under-dense,
# pale yellow for vigilance, blue for adequate access.
APL_CLASS_COLOURS: dict[AplClassName, str] = {
    "under_dense": "#fc8d59",
    "vigilance": "#ffffbf",
    "adequate": "#91bfdb",
}


@dataclass(frozen=True)
class LegendClass:
    """One class of the APL legend: its name, colour, label, and its communes and people."""

    name: AplClassName
    colour: str
    label: str
    count: ClassCount | None


def apl_legend(translate: Translator, counts: tuple[ClassCount, ...] = ()) -> list[LegendClass]:
    """The legend of the APL map, worst class first, with the DREES thresholds."""
    low = translate.number(APL_UNDER_DENSE_BELOW, digits=1)
    high = translate.number(APL_ADEQUATE_FROM)
    by_name = {c.apl_class: c for c in counts}
    return [
        LegendClass(
            name, colour, translate(f"apl_class_{name}", low=low, high=high), by_name.get(name)
        )
        for name, colour in APL_CLASS_COLOURS.items()
    ]


def apl_api_url(territory: str, year: int) -> str:
    """The APL API query the map reads (GeoJSON, one feature per commune)."""
    query = {"territory": territory, "year": year, "provider": PROVIDER, "format": "geojson"}
    return f"/api/v1/care-access/apl?{urlencode(query)}"


def territory_apl(conn: Connection, territory: str, year: int = APL_YEAR) -> AplResult:
    """The APL of a territory as the pages show it (straight-line times, BPE counts)."""
    return compute_territory_apl(
        conn, territory=territory, year=year, provider=make_provider(PROVIDER)
    )


def map_config(
    translate: Translator, language: Language, territory: str, year: int
) -> dict[str, Any]:
    """What the map scripts need: where the APL is, its colours, and their messages."""
    keys = ("apl_map_failed", "apl_value", "apl_not_computed")
    return {
        "apl_url": apl_api_url(territory, year),
        "page_url": "/communes/",
        "colours": APL_CLASS_COLOURS,
        "no_data_colour": NO_DATA_COLOUR,
        "separators": translate.separators,
        "classes": {name: translate(f"apl_short_{name}") for name in APL_CLASS_COLOURS},
        "messages": {key: MESSAGES[key][language] for key in keys},
    }


def _apl_context(
    conn: Connection, translate: Translator, territory: str, year: int
) -> tuple[dict[str, Any], int]:
    """The page's APL, or why there is none (status 404 for an unknown territory)."""
    level, _, code = territory.partition("/")
    try:
        get_territory(conn, level, code)
    except UserError as exc:  # an unknown level or code
        return {"result": None, "error": str(exc), "legend": apl_legend(translate)}, 404
    try:
        result = territory_apl(conn, territory, year)
    except UserError as exc:  # no GP counts or ages imported, a year without parameters
        return {"result": None, "error": str(exc), "legend": apl_legend(translate)}, 200
    legend = apl_legend(translate, count_classes(result.communes))
    return {"result": result, "error": None, "legend": legend}, 200


@router.get("/acces-aux-soins", response_class=HTMLResponse, name="apl_page")
def apl_page(
    request: Request,
    conn: DbConn,
    settings: AppSettings,
    language: PageLanguage,
    territory: Annotated[str | None, Query(max_length=40)] = None,
    year: Annotated[int, Query(ge=2000, le=2100)] = APL_YEAR,
) -> HTMLResponse:
    """The APL choropleth of the focus territory (or ``?territory=``), its legend and inputs."""
    translate = Translator(language)
    ref = territory or settings.focus_territory
    context, status_code = _apl_context(conn, translate, ref, year)
    context["config"] = map_config(translate, language, ref, year)
    return _render(request, "care_apl.html", language, context, status_code=status_code)


SCENARIO_KINDS = ("add_gps", "remove_gps", "retire_gp", "open_msp", "add_teleconsultation")
_SCENARIO_SCRIPT_KEYS = (
    "scenario_token_missing",
    "scenario_compare_none",
    "scenario_computing",
    "scenario_computed",
    "scenario_failed",
    "scenario_change_text",
    "scenario_change_count",
    "scenario_remove_change",
    "scenario_no_changes",
    "scenario_people",
    "scenario_none",
    "scenario_saved",
    "scenario_saved_none",
    "scenario_label",
    "scenario_tooltip_after",
    "scenario_compare_base",
    "scenario_choose",
    "apl_map_failed",
    "apl_value",
    "apl_not_computed",
)


@router.get("/acces-aux-soins/scenarios", response_class=HTMLResponse, name="scenarios_page")
def scenarios_page(
    request: Request,
    conn: DbConn,
    settings: AppSettings,
    language: PageLanguage,
    territory: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The scenario editor: pick a commune, add or remove supply, see the APL change, save."""
    translate = Translator(language)
    ref = territory or settings.focus_territory
    context, status_code = _apl_context(conn, translate, ref, APL_YEAR)
    config = map_config(translate, language, ref, APL_YEAR)
    config |= {
        "territory": ref,
        "year": APL_YEAR,
        "provider": PROVIDER,
        "api": "/api/v1/care-access/scenarios",
        "token_key": "hc_officer_token",
        "kinds": {kind: translate(f"scenario_kind_{kind}") for kind in SCENARIO_KINDS},
        "messages": {key: MESSAGES[key][language] for key in _SCENARIO_SCRIPT_KEYS},
    }
    context |= {"config": config, "kinds": SCENARIO_KINDS}
    return _render(request, "care_scenarios.html", language, context, status_code=status_code)

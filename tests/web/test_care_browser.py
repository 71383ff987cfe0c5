"""The access-to-care pages in headless Chromium, offline, on a copy of the care demo (SQLite).

The live server here serves a writable copy of the care demo database (scenarios are saved,
a token is minted), so this module provides its own ``live_server``; the ``browsing``
fixture of ``conftest.py`` uses it.
"""

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from healthycity.api.app import create_app
from healthycity.auth.tokens import create_token
from healthycity.config import Settings
from healthycity.dashboard.care_apl_views import APL_CLASS_COLOURS
from healthycity.storage.engine import make_engine
from tests.web.conftest import Browsing, serve_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("care_demo_database_url", ["sqlite"], indirect=True),
]

NARROW_NBSP = "\u202f"
NIEVRE_COMMUNES = 309
MAP_TIMEOUT_MS = 60_000
SAINT_PARIZE = "58260"  # Saint-Parize-le-Châtel, an under-dense commune south of Nevers


@dataclass(frozen=True)
class CareServer:
    """The live app on a writable copy of the care demo, and a territory officer's token."""

    base_url: str
    officer_token: str


@pytest.fixture(scope="module")
def care_server(
    care_demo_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CareServer]:
    """Uvicorn in a thread on a copy of the care demo SQLite file (the original stays as is)."""
    folder = tmp_path_factory.mktemp("care-live")
    source = care_demo_database_url.removeprefix("sqlite:///")
    copy = folder / "care.db"
    with sqlite3.connect(source) as original, sqlite3.connect(copy) as target:
        original.backup(target)
    url = f"sqlite:///{copy}"
    engine = make_engine(url)
    with engine.begin() as conn:
        _, token = create_token(conn, role="territory_admin", scope=None, label="browser tests")
    engine.dispose()
    app = create_app(Settings(database_url=url, data_dir=folder, log_level="WARNING"))
    with serve_app(app) as url:
        yield CareServer(url, token)


@pytest.fixture(scope="module")
def live_server(care_server: CareServer) -> str:
    """The base URL ``browsing`` opens: the care server's."""
    return care_server.base_url


def _fr(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}".replace(",", NARROW_NBSP).replace(".", ",")


def _wait_for_map(page: Page, selector: str) -> None:
    expect(page.locator(selector)).to_have_attribute("data-loaded", "true", timeout=MAP_TIMEOUT_MS)


def _classes(page: Page, selector: str) -> list[str]:
    classes: list[str] = page.locator(f"{selector} path.apl-commune").evaluate_all(
        "els => els.map(e => e.dataset.class)"
    )
    return classes


# --- The care finder ---------------------------------------------------------------------------


def test_finder_from_a_searched_commune_lists_pharmacies_with_times(browsing: Browsing) -> None:
    browsing.goto("/soins")
    page = browsing.page

    page.get_by_label("Je cherche").select_option("pharmacy")
    search = page.get_by_label("Depuis la commune")
    search.press_sequentially("dun les pla")
    suggestion = page.locator("#finder-suggestions a").first
    expect(suggestion).to_contain_text("Dun-les-Places")
    suggestion.click()

    page.wait_for_url("**/soins?kind=pharmacy&commune=58106")
    results = page.locator("li.finder-result")
    expect(results).to_have_count(5)
    expect(results.first).to_contain_text("min en voiture")
    expect(results.first).to_contain_text("km à vol d'oiseau")
    expect(results.first).to_contain_text("pharmacies dans la commune (BPE 2019)")
    expect(results.first).to_contain_text("Horaires non renseignés")
    expect(page.locator(".finder-answer .origin")).to_have_text(
        "Depuis le centre de Dun-les-Places (58106)"
    )
    _wait_for_map(page, "#finder-map")
    expect(page.locator("#finder-map .finder-marker")).to_have_count(5)
    assert browsing.errors == []
    assert browsing.blocked == []


def test_finder_change_of_kind_asks_again_from_the_same_commune(browsing: Browsing) -> None:
    browsing.goto("/soins?kind=pharmacy&commune=58106")

    browsing.page.get_by_label("Je cherche").select_option("emergency")

    browsing.page.wait_for_url("**/soins?kind=emergency&commune=58106")
    expect(browsing.page.locator("li.finder-result").first).to_contain_text("Urgences")
    assert browsing.blocked == []


def test_finder_uses_the_browser_position_rounded(browsing: Browsing) -> None:
    context = browsing.page.context
    context.grant_permissions(["geolocation"], origin=browsing.base_url)
    context.set_geolocation({"longitude": 3.15912, "latitude": 46.98554})
    browsing.goto("/soins?kind=general_practitioner")
    page = browsing.page

    page.get_by_role("button", name="Utiliser ma position").click()

    page.wait_for_url("**/soins?kind=general_practitioner&lon=3.159&lat=46.986")
    expect(page.locator(".finder-answer .origin")).to_have_text("Depuis votre position, à Nevers")
    expect(page.locator("li.finder-result").first).to_contain_text("Nevers")
    assert browsing.errors == []
    assert browsing.blocked == []


# --- The APL map -------------------------------------------------------------------------------


def _apl(care_server: CareServer) -> dict[str, Any]:
    response = httpx.get(
        f"{care_server.base_url}/api/v1/care-access/apl",
        params={"territory": "departement/58", "year": 2023},
    )
    body: dict[str, Any] = response.json()
    return body


def test_apl_map_colours_the_309_nievre_communes_by_class(
    browsing: Browsing, care_server: CareServer
) -> None:
    browsing.goto("/acces-aux-soins")
    page = browsing.page
    _wait_for_map(page, "#apl-map")
    apl = _apl(care_server)

    classes = _classes(page, "#apl-map")
    fills = page.locator("#apl-map path.apl-commune").evaluate_all(
        "els => els.map(e => [e.dataset.class, e.getAttribute('fill')])"
    )

    assert len(classes) == NIEVRE_COMMUNES
    for c in apl["classes"]:
        assert classes.count(c["apl_class"]) == c["communes"]
    assert all(fill == APL_CLASS_COLOURS[name] for name, fill in fills)
    legend = page.locator(".apl-legend")
    expect(legend).to_contain_text(
        "APL aux médecins généralistes (consultations par an et par habitant standardisé)"
    )
    expect(legend).to_contain_text("moins de 2,5 : zone sous-dense")
    expect(legend).to_contain_text("DREES")
    assert browsing.errors == []
    assert browsing.blocked == []


def test_apl_map_hover_shows_commune_value_and_class_and_click_opens_it(
    browsing: Browsing, care_server: CareServer
) -> None:
    browsing.goto("/acces-aux-soins")
    page = browsing.page
    _wait_for_map(page, "#apl-map")
    nevers = next(c for c in _apl(care_server)["communes"] if c["code"] == "58194")
    labels = {"under_dense": "sous-dense", "vigilance": "vigilance", "adequate": "offre correcte"}

    page.hover('#apl-map path[data-code="58194"]')

    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text("Nevers")
    expect(tooltip).to_contain_text(f"APL : {_fr(nevers['apl'], 2)}")
    expect(tooltip).to_contain_text(labels[nevers["apl_class"]])
    page.click('#apl-map path[data-code="58194"]')
    page.wait_for_url("**/communes/58194")
    expect(page.locator(".care-apl")).to_have_attribute("data-apl-class", nevers["apl_class"])
    assert browsing.blocked == []


# --- The scenario editor -----------------------------------------------------------------------


def _preview(care_server: CareServer, changes: list[dict[str, Any]]) -> dict[str, Any]:
    response = httpx.post(
        f"{care_server.base_url}/api/v1/care-access/scenarios/preview",
        json={"territory": "departement/58", "year": 2023, "changes": changes},
        headers={"Authorization": f"Bearer {care_server.officer_token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _add_gps(page: Page, commune: str, count: int, preview: int) -> None:
    page.click(f'#scenario-map path[data-code="{commune}"]')
    expect(page.get_by_label("Commune", exact=True)).to_have_value(commune)
    page.get_by_label("Changement", exact=True).select_option("add_gps")
    page.get_by_label("Nombre de médecins").fill(str(count))
    page.get_by_role("button", name="Ajouter au scénario").click()
    expect(page.locator("#scenario-map")).to_have_attribute("data-preview", str(preview))


def test_scenario_editor_adds_three_gps_and_the_map_and_summary_change(
    browsing: Browsing, care_server: CareServer
) -> None:
    browsing.goto("/acces-aux-soins/scenarios")
    page = browsing.page
    _wait_for_map(page, "#scenario-map")
    before = _classes(page, "#scenario-map")
    page.get_by_label("Jeton d'agent du territoire").fill(care_server.officer_token)
    expected = _preview(care_server, [{"kind": "add_gps", "commune": SAINT_PARIZE, "count": 3}])

    _add_gps(page, SAINT_PARIZE, 3, preview=1)

    after = _classes(page, "#scenario-map")
    out, into = expected["out_of_under_dense"], expected["into_under_dense"]
    assert out["communes"] > 0  # 3 GPs south of Nevers lift communes out of under-density
    assert before.count("under_dense") - after.count("under_dense") == (
        out["communes"] - into["communes"]
    )
    for c in expected["class_changes"]:
        path = page.locator(f'#scenario-map path[data-code="{c["code"]}"]')
        expect(path).to_have_attribute("data-class", c["class_after"])
        expect(path).to_have_class(re.compile(r"\bclass-changed\b"))
    summary = page.locator("[data-summary]")
    expect(summary.locator('[data-figure="out_of_under_dense"]')).to_have_text(
        f"{_fr(out['population'])} hab. ({out['communes']} commune(s))"
    )
    expect(summary.locator('[data-figure="changed"]')).to_have_text(
        str(expected["communes_changed"])
    )
    expect(page.locator("[data-changes] li")).to_have_count(1)
    expect(page.locator("[data-changes] li")).to_contain_text(
        "Saint-Parize-le-Châtel : Installer des médecins généralistes (3)"
    )
    page.get_by_label("avant (APL actuelle)").check()
    expect(page.locator("#scenario-map")).to_have_attribute("data-view", "before")
    assert _classes(page, "#scenario-map") == before
    assert browsing.errors == []
    assert browsing.blocked == []


def test_scenario_editor_saves_two_scenarios_and_compares_them(
    browsing: Browsing, care_server: CareServer
) -> None:
    browsing.goto("/acces-aux-soins/scenarios")
    page = browsing.page
    _wait_for_map(page, "#scenario-map")
    page.get_by_label("Jeton d'agent du territoire").fill(care_server.officer_token)
    status = page.locator("[data-scenario-status]")

    _add_gps(page, SAINT_PARIZE, 3, preview=1)
    page.get_by_label("Nom du scénario").fill("Trois médecins à Saint-Parize")
    page.get_by_role("button", name="Enregistrer le scénario").click()
    expect(status).to_contain_text("enregistré")
    page.get_by_role("button", name="Enlever").click()
    _add_gps(page, "58106", 1, preview=2)  # removing the last change asks nothing
    page.get_by_label("Nom du scénario").fill("Un médecin à Dun-les-Places")
    page.get_by_role("button", name="Enregistrer le scénario").click()
    expect(status).to_contain_text("enregistré")
    # the list is refreshed after each save: wait for both before choosing
    expect(page.locator("#compare-first option")).to_have_count(2)
    page.get_by_label("Scénario A").select_option(label=_option(page, "Saint-Parize"))
    page.get_by_label("Scénario B").select_option(label=_option(page, "Dun-les-Places"))
    page.get_by_role("button", name="Comparer").click()

    _wait_for_map(page, "#compare-map-first")
    _wait_for_map(page, "#compare-map-second")
    first, second = _classes(page, "#compare-map-first"), _classes(page, "#compare-map-second")
    assert len(first) == len(second) == NIEVRE_COMMUNES
    assert first.count("under_dense") < second.count("under_dense")
    expect(page.locator("[data-compare-differ] li")).to_have_count(
        sum(a != b for a, b in zip(first, second, strict=True))
    )
    # the token went in headers only: never in a page URL
    assert care_server.officer_token not in page.url
    assert browsing.errors == []
    assert browsing.blocked == []


def _option(page: Page, needle: str) -> str:
    labels: list[str] = page.locator("#compare-first option").evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    return next(label for label in labels if needle in label)

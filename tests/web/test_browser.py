"""The pages in a real browser: headless Chromium on the live app, with no network.

These run on SQLite only, to keep the browser suite short; the HTTP tests in
``test_pages.py`` cover both backends.
"""

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Browsing

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("demo_database_url", ["sqlite"], indirect=True),
]

NARROW_NBSP = "\u202f"  # French thousands separator
# Communes with a polygon in the demo territory: Nièvre 309, its neighbours 2,612 (COG 2026).
DEMO_COMMUNES = 2921
NIEVRE_COMMUNES = 309
DEMO_DEPARTEMENTS = {"03", "18", "21", "45", "58", "71", "89"}
MAP_TIMEOUT_MS = 60_000


def _open_map(browsing: Browsing, path: str = "/") -> None:
    browsing.goto(path)
    expect(browsing.page.locator("#map")).to_have_attribute(
        "data-loaded", "true", timeout=MAP_TIMEOUT_MS
    )


def test_home_draws_every_commune_polygon_with_nievre_emphasised(browsing: Browsing) -> None:
    _open_map(browsing)
    page = browsing.page

    codes = page.locator("path.commune").evaluate_all("els => els.map(e => e.dataset.code)")
    focus = page.locator("path.commune.focus").evaluate_all(
        "els => els.map(e => e.dataset.departement)"
    )
    departements = page.locator("path.departement").count()

    assert len(codes) == DEMO_COMMUNES
    assert len(set(codes)) == DEMO_COMMUNES
    assert focus == ["58"] * NIEVRE_COMMUNES
    assert departements == len(DEMO_DEPARTEMENTS)
    assert page.locator("path.focus-outline").count() == 1
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.locator(".legend")).to_contain_text("Densité de population (hab./km²)")
    assert browsing.errors == []
    assert browsing.blocked == []


def test_home_hover_shows_name_and_population(browsing: Browsing) -> None:
    _open_map(browsing)

    browsing.page.hover('path.commune[data-code="58194"]')

    tooltip = browsing.page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text("Nevers")
    # Nevers: legal population 33,085 on 17.3 km² of polygon (INSEE, IGN)
    expect(tooltip).to_contain_text(f"33{NARROW_NBSP}085 hab.")
    expect(tooltip).to_contain_text(f"1{NARROW_NBSP}912,3 hab./km²")
    assert browsing.blocked == []


def test_home_click_opens_the_commune_page(browsing: Browsing) -> None:
    _open_map(browsing)

    browsing.page.click('path.commune[data-code="58194"]')

    browsing.page.wait_for_url("**/communes/58194")
    expect(browsing.page.locator("h1")).to_contain_text("Nevers")
    assert browsing.blocked == []


def test_search_box_jumps_to_a_commune_with_the_keyboard(browsing: Browsing) -> None:
    _open_map(browsing)
    search = browsing.page.get_by_label("Rechercher une commune")

    search.focus()
    search.press_sequentially("chateau chinon")
    expect(browsing.page.locator("#search-suggestions a").first).to_contain_text(
        "Château-Chinon (Ville)"
    )
    search.press("ArrowDown")
    browsing.page.keyboard.press("Enter")

    browsing.page.wait_for_url("**/communes/58062")
    expect(browsing.page.locator("h1")).to_contain_text("Château-Chinon (Ville)")
    assert browsing.blocked == []


def test_commune_page_says_the_age_structure_is_estimated(browsing: Browsing) -> None:
    browsing.goto("/communes/58062")
    page = browsing.page

    expect(page.locator("h1")).to_contain_text("Château-Chinon (Ville)")
    note = page.locator("[role=note]")
    expect(note).to_contain_text("Estimation")
    expect(note).to_contain_text("structure par âge de son département (Nièvre)")
    expect(page.locator("table.pyramid tbody tr")).to_have_count(20)
    expect(page.locator("#territory-map")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#territory-map path.territory")).to_have_count(1)
    assert browsing.errors == []
    assert browsing.blocked == []


def test_lang_en_switches_the_pages_to_english(browsing: Browsing) -> None:
    _open_map(browsing, "/?lang=en")
    page = browsing.page

    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_have_text("The communes of the territory")
    expect(page.locator(".legend")).to_contain_text("Population density (inhabitants/km²)")
    page.hover('path.commune[data-code="58194"]')
    expect(page.locator(".leaflet-tooltip")).to_contain_text("33,085 inhabitants")

    browsing.goto("/communes/58194")  # the choice is remembered without ?lang=

    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("[role=note]")).to_contain_text("Estimate")
    assert browsing.blocked == []


def test_offline_guard_records_a_request_leaving_the_machine(browsing: Browsing) -> None:
    browsing.goto("/communes/58194")

    browsing.page.evaluate("fetch('http://192.0.2.1/probe').catch(() => null)")

    assert browsing.blocked == ["http://192.0.2.1/probe"]


def test_api_docs_render_offline_from_vendored_swagger_ui(browsing: Browsing) -> None:
    browsing.goto("/api/v1/docs")

    # every operation of the OpenAPI document is listed, e.g. the observations door
    operations = browsing.page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=MAP_TIMEOUT_MS)
    assert operations.count() > 50
    expect(
        browsing.page.locator(
            "#operations-environment-post_observations_api_v1_environment_observations_post"
        )
    ).to_be_visible()
    assert browsing.blocked == []  # no CDN
    assert browsing.errors == []

"""The street display page: shows the alerts in force, keeps them when the network drops."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route
from sqlalchemy import Engine

from healthycity.api.app import create_app
from tests.integration.delivery.conftest import (  # noqa: F401  (fixtures)
    delivery_settings,
    publish,
    territory,
)
from tests.web.conftest import serve_app


@pytest.fixture
def display_server(territory: Engine, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    app = create_app(delivery_settings(territory, tmp_path, log_level="WARNING"))
    with serve_app(app) as url:
        yield url


@pytest.mark.browser
def test_display_keeps_last_state_when_the_connection_drops(
    browser: Browser,
    display_server: str,
    territory: Engine,  # noqa: F811
) -> None:
    publish(territory, ("commune/58194",))
    context = browser.new_context(locale="fr-FR", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    blocked = {"on": False}

    def maybe_block(route: Route) -> None:
        if blocked["on"]:
            route.abort()
        else:
            route.continue_()

    def poll_fast(route: Route) -> None:
        # display.js reads data-poll-s as it loads, before DOMContentLoaded: set it in the page.
        page_html = route.fetch().text()
        route.fulfill(
            body=re.sub(r'data-poll-s="[^"]*"', 'data-poll-s="0.3"', page_html),
            content_type="text/html; charset=utf-8",
        )

    page.route("**/display/58194.json", maybe_block)
    page.route("**/display/58194", poll_fast)
    try:
        page.goto(f"{display_server}/display/58194")
        headline = page.locator(".alert h2")
        headline.wait_for()
        assert headline.inner_text() == "Qualité de l'air très mauvaise"
        size_px = float(headline.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        assert size_px >= 80  # 5vw of a 1920 px screen: readable from afar

        blocked["on"] = True
        offline = page.locator("#offline")
        offline.wait_for(state="visible")
        assert offline.inner_text().startswith("Connexion perdue depuis ")
        assert headline.inner_text() == "Qualité de l'air très mauvaise"  # last state kept
    finally:
        context.close()


def test_display_state_lists_alerts_in_force(
    display_server: str,
    territory: Engine,  # noqa: F811
) -> None:
    import httpx

    assert httpx.get(f"{display_server}/display/58194.json").json()["alerts"] == []
    publish(territory, ("departement/58",))
    state = httpx.get(f"{display_server}/display/58194.json").json()
    assert [a["headline"]["fr"] for a in state["alerts"]] == ["Qualité de l'air très mauvaise"]
    assert httpx.get(f"{display_server}/display/99999").status_code == 404


def test_display_page_links_the_atom_feed_of_its_commune(display_server: str) -> None:
    import httpx

    html = httpx.get(f"{display_server}/display/58194").text
    link = '<link rel="alternate" type="application/atom+xml" href="/alerts.atom?commune=58194"'
    assert link in html
    feed = httpx.get(f"{display_server}/alerts.atom?commune=58194")
    assert feed.headers["content-type"] == "application/atom+xml"

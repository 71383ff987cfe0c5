"""The operators' alert pages: HTTP on both backends, and a drill issued in a real browser."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from healthycity.alerts import service
from healthycity.alerts.compose import AlertDraft, Text
from healthycity.alerts.models import Certainty, Severity, Status, Urgency
from healthycity.api.app import create_app
from healthycity.auth.models import Identity
from healthycity.auth.tokens import create_token
from healthycity.config import Settings
from healthycity.dashboard.alerts_views import load_alert_zones
from tests.api.conftest import seed_territory
from tests.web.conftest import Browsing, client_on, serve_app

DRILL = AlertDraft(
    event=Text("Exercice eau potable"),
    headline=Text("Exercice : eau à faire bouillir à Nevers"),
    description=Text("Ceci est un exercice."),
    areas=("commune/58194",),
    urgency=Urgency.IMMEDIATE,
    severity=Severity.SEVERE,
    certainty=Certainty.OBSERVED,
    status=Status.EXERCISE,
)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with engine.begin() as conn:
        seed_territory(conn)
    return engine


@pytest.fixture
def pages(seeded: Engine, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with client_on(database_url, tmp_path) as client:
        yield client


def _publish(engine: Engine) -> int:
    with engine.begin() as conn:
        stored = service.issue_alert(
            conn,
            DRILL,
            identity=Identity(role="operator"),
            publisher=service.Publisher("alertes@example.fr"),
            now=datetime.now(UTC),
        )
    return stored.id


def test_alerts_page_lists_current_alerts_in_french_and_english(
    pages: TestClient, seeded: Engine
) -> None:
    empty = pages.get("/alertes")
    assert empty.status_code == 200
    assert "Aucune alerte en cours." in empty.text
    alert_id = _publish(seeded)

    french = pages.get("/alertes")
    english = pages.get("/alertes?lang=en")

    assert "Alertes en cours (1)" in french.text
    assert "Exercice : eau à faire bouillir à Nevers" in french.text
    assert f'href="/alertes/{alert_id}"' in french.text
    assert 'id="operator-token" type="password"' in french.text
    assert 'name="token"' not in french.text  # the token field is never submitted by a form
    assert "Alerts in force (1)" in english.text
    assert '<html lang="en">' in english.text


def test_alert_page_shows_the_chain_and_forms(pages: TestClient, seeded: Engine) -> None:
    alert_id = _publish(seeded)

    page = pages.get(f"/alertes/{alert_id}")
    missing = pages.get("/alertes/999")

    assert page.status_code == 200
    assert "Messages de cet épisode" in page.text
    assert f'href="/api/v1/alerts/{alert_id}/cap"' in page.text
    assert 'id="cancel-form"' in page.text
    assert "Seuls les messages « Réelle » sont diffusés" in page.text
    assert missing.status_code == 404


def test_alert_zones_are_the_communes_under_an_alert(pages: TestClient, seeded: Engine) -> None:
    assert pages.get("/alertes/zones.geojson").json()["features"] == []
    alert_id = _publish(seeded)

    zones = pages.get("/alertes/zones.geojson")

    assert zones.headers["content-type"] == "application/geo+json"
    (feature,) = zones.json()["features"]
    assert feature["properties"]["code"] == "58194"
    assert feature["properties"]["severity"] == "Severe"
    assert [a["id"] for a in feature["properties"]["alerts"]] == [alert_id]
    with seeded.connect() as conn:
        assert load_alert_zones(conn, datetime(2000, 1, 1, tzinfo=UTC))["features"] == []


# --- In a real browser --------------------------------------------------------------------


@pytest.fixture
def writable_server(seeded: Engine, database_url: str, tmp_path: Path) -> Iterator[str]:
    """The app served by uvicorn on a writable seeded database (the demo one is shared)."""
    app: FastAPI = create_app(
        Settings(database_url=database_url, data_dir=tmp_path, log_level="WARNING")
    )
    with serve_app(app) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_operator_issues_an_exercise_alert_with_confirmation(
    browser: Browser, writable_server: str, seeded: Engine
) -> None:
    with seeded.begin() as conn:
        _, token = create_token(conn, role="operator", label="browser test")
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    browsing = Browsing(writable_server, page)
    context.route("**/*", browsing.stay_local)
    page.on("pageerror", lambda error: browsing.errors.append(str(error)))
    try:
        browsing.goto("/alertes")
        expect(page.locator("#alerts-map")).to_have_attribute("data-loaded", "true")
        page.get_by_label("Jeton d'opérateur").fill(token)
        form = page.locator("#issue-form")
        form.get_by_label("Statut", exact=True).select_option("Exercise")
        form.get_by_label("Événement", exact=True).fill("Exercice eau potable")
        form.get_by_label("Urgence").select_option("Immediate")
        form.get_by_label("Gravité", exact=True).select_option("Severe")
        form.get_by_label("Certitude").select_option("Observed")
        form.get_by_label("Titre", exact=True).fill("Exercice : eau à faire bouillir")
        form.get_by_label("Description", exact=True).fill("Ceci est un exercice.")
        form.get_by_label("Zones").fill("commune/58194")
        form.get_by_role("button", name="Vérifier avant de publier").click()

        confirm = page.locator("[data-confirm]")
        expect(confirm).to_be_visible()
        expect(confirm).to_contain_text("Exercice")
        expect(confirm).to_contain_text("commune/58194")
        assert page.evaluate("fetch('/api/v1/alerts').then(r => r.json())")["count"] == 0
        confirm.get_by_role("button", name="Confirmer et publier").click()

        page.wait_for_url("**/alertes?nouvelle=*")
        expect(page.locator("#current-alerts")).to_contain_text("Exercice : eau à faire bouillir")
        expect(page.locator("#current-alerts tr.highlight")).to_contain_text("Exercice")
        expect(page.locator("#alerts-map")).to_have_attribute("data-loaded", "true")
        expect(page.locator('path.alert-area[data-code="58194"]')).to_have_count(1)
        assert token not in page.url
        assert browsing.errors == []
        assert browsing.blocked == []
    finally:
        context.close()

"""The air-quality and quarantine pages: HTTP on both backends, and in headless Chromium."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, update

from healthycity.api.app import create_app
from healthycity.auth.tokens import create_token
from healthycity.config import Settings
from healthycity.environment import sensors, tables
from healthycity.environment.pipeline import ingest_readings
from healthycity.environment.quantities import Quantity
from tests.environment_indices_seed import DAY_START, lon_lat, seed_all
from tests.web.conftest import Browsing, client_on, serve_app

DAY = "2026-01-15"
# Hand-computed in tests/api/test_environment_indices_api.py; ATMO charter colours.
EXPECTED_COLOURS = {
    "58194": "#50CCAA",  # Nevers, measured: moyen
    "58160": "#FF5050",  # Marzy, measured: mauvais (O3)
    "58121": "#F0E641",  # Garchizy, interpolated: dégradé (O3)
    "58300": "#F0E641",  # Urzy, interpolated: dégradé (O3)
    "58086": "#DDDDDD",  # Cosne, 30 km from any station: indisponible
}


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with engine.begin() as conn:
        seed_all(conn)
    return engine


@pytest.fixture
def pages(seeded: Engine, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with client_on(database_url, tmp_path) as client:
        yield client


def report_an_hour_ago(engine: Engine, sensor_id: str = "lc-urzy") -> None:
    """A PM2.5 reading of an hour ago: the pages read the clock, and a sensor is fresh."""
    moment = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    with engine.begin() as conn:
        ingest_readings(conn, [{"sensor_id": sensor_id, "quantity": "pm25", "value": 8.0,
                                "observed_at": moment}], door="http")  # fmt: skip


def test_air_quality_page_in_french_and_english(pages: TestClient) -> None:
    french = pages.get("/qualite-air", params={"date": DAY})
    english = pages.get("/qualite-air", params={"date": DAY, "lang": "en"})

    assert french.status_code == 200
    assert "Indice ATMO du 15/01/2026 dans les communes de Nièvre" in french.text
    for label in ("Bon", "Moyen", "Dégradé", "Mauvais", "Très mauvais", "Extrêmement mauvais",
                  "Indisponible"):  # fmt: skip
        assert f"</span>{label}</li>" in french.text
    assert '<option value="ref-nevers">Station ref-nevers (station de référence)' in french.text
    assert "(micro-capteur)" in french.text
    assert "ATMO index of 2026-01-15" in english.text
    assert "</span>Unavailable</li>" in english.text


def test_air_quality_page_defaults_to_the_last_complete_day(pages: TestClient) -> None:
    page = pages.get("/qualite-air")

    # the newest pollutant reading is at 22:00 UTC on 2026-01-15, the day's last hour
    assert 'id="air-day" name="date" type="date" value="2026-01-15"' in page.text


def test_quarantine_page_keeps_the_token_out_of_forms(pages: TestClient) -> None:
    page = pages.get("/qualite-air/quarantaine")

    assert page.status_code == 200
    assert 'id="operator-token" type="password"' in page.text
    assert 'name="token"' not in page.text


def test_air_quality_page_names_silent_sensors(seeded: Engine, pages: TestClient) -> None:
    # The page reads the clock: lc-urzy reported an hour ago (pm25 limit: 3 h).
    report_an_hour_ago(seeded)
    with seeded.begin() as conn:
        draft = sensors.SensorDraft("new-nevers", "Nouvelle station", "reference", 3.159, 46.99,
                                    {Quantity.NO2: "µg/m³"}, commune_code="58194")  # fmt: skip
        # registered 4 h ago and silent since (a sensor just registered has its 3 h to send)
        sensors.save_sensor(conn, draft, locate=lambda _lon, _lat: None,
                            now=datetime.now(UTC) - timedelta(hours=4))  # fmt: skip

    french = pages.get("/qualite-air", params={"date": DAY}).text
    english = pages.get("/qualite-air", params={"date": DAY, "lang": "en"}).text

    # ref-nevers' last readings: 2026-01-15 22:00 UTC, 23:00 in Paris (UTC+1 in winter).
    assert ('<option value="ref-nevers">Station ref-nevers (station de référence) — muet depuis '
            "le 15/01/2026 23:00</option>") in french  # fmt: skip
    assert ('<option value="ref-nevers">Station ref-nevers (reference station) — silent since '
            "2026-01-15 23:00</option>") in english  # fmt: skip
    assert '<option value="lc-urzy">Station lc-urzy (micro-capteur)</option>' in french
    assert "(station de référence) — muet : aucune mesure reçue</option>" in french
    assert "(reference station) — silent: no reading received</option>" in english


def test_sensor_network_page_lists_the_territory_sensors_and_the_silent_ones(
    seeded: Engine, pages: TestClient
) -> None:
    # The page reads the clock: lc-urzy reported an hour ago, the others on 2026-01-15.
    report_an_hour_ago(seeded)
    with seeded.begin() as conn:
        conn.execute(update(tables.sensors).where(tables.sensors.c.id == "meteo-nevers")
                     .values(status="retired"))  # fmt: skip

    french = pages.get("/qualite-air/capteurs")
    english = pages.get("/qualite-air/capteurs", params={"lang": "en"}).text
    only_silent = pages.get("/qualite-air/capteurs", params={"muets": "1"}).text

    assert french.status_code == 200
    rows = re.findall(r'<tr data-sensor="([^"]+)" data-state="(\w+)">', french.text)
    # by commune (Marzy, Nevers, Urzy), then name; meteo-bourges is in Cher, outside the focus
    assert rows == [("ref-marzy", "silent"), ("meteo-nevers", "off"), ("ref-nevers", "silent"),
                    ("lc-urzy", "reporting")]  # fmt: skip
    assert "4 capteur(s), dont 3 actif(s) ; 2 muet(s)." in french.text
    # ref-nevers' last readings: 2026-01-15 22:00 UTC, 23:00 in Paris
    assert "Particules fines PM2,5 — muet depuis le 15/01/2026 23:00" in french.text
    assert ">hors service</span>" in french.text
    assert "4 sensor(s), 3 active; 2 silent." in english
    assert "Fine particles PM2.5 — silent since 2026-01-15 23:00" in english
    assert re.findall(r'<tr data-sensor="([^"]+)"', only_silent) == ["ref-marzy", "ref-nevers"]
    assert 'href="/qualite-air/capteurs"' in pages.get("/qualite-air", params={"date": DAY}).text
    # each sensor links to its chart on the air-quality page, chosen there
    assert '<a href="/qualite-air?capteur=ref-marzy#sensor-chart-title">' in french.text
    chosen = pages.get("/qualite-air", params={"date": DAY, "capteur": "ref-marzy"}).text
    sensor_select = chosen.split('<select id="chart-sensor">')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]+)" selected>', sensor_select) == ["ref-marzy"]


# --- In a real browser --------------------------------------------------------------------


@pytest.fixture
def server(seeded: Engine, database_url: str, tmp_path: Path) -> Iterator[str]:
    """The app served by uvicorn on the seeded writable database."""
    app: FastAPI = create_app(
        Settings(database_url=database_url, data_dir=tmp_path, log_level="WARNING")
    )
    with serve_app(app) as url:
        yield url


@pytest.fixture
def browsing(browser: Browser, server: str) -> Iterator[Browsing]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    browsing = Browsing(server, page)
    context.route("**/*", browsing.stay_local)
    page.on("pageerror", lambda error: browsing.errors.append(str(error)))
    try:
        yield browsing
    finally:
        context.close()


def _colours(page: Page) -> dict[str, str]:
    return dict(
        page.locator("path.atmo-commune").evaluate_all(
            "els => els.map(e => [e.dataset.code, e.getAttribute('fill')])"
        )
    )


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_air_map_colours_communes_and_charts_show_flagged_readings(browsing: Browsing) -> None:
    page = browsing.page
    browsing.goto(f"/qualite-air?date={DAY}")
    expect(page.locator("#air-map")).to_have_attribute("data-loaded", "true")

    assert {code: colour.upper() for code, colour in _colours(page).items()} == EXPECTED_COLOURS
    page.hover('path.atmo-commune[data-code="58121"]')
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text("Garchizy")
    expect(tooltip).to_contain_text("Dégradé")
    expect(tooltip).to_contain_text("Polluant dominant : Ozone")
    expect(tooltip).to_contain_text("interpolé (station la plus proche à 3,0 km)")

    page.click('path.atmo-commune[data-code="58194"]')
    chart = page.locator("#commune-chart")
    expect(chart).to_have_attribute("data-code", "58194")
    expect(chart).to_have_attribute("data-loaded", "true")
    expect(chart.locator("circle.qc-flagged")).to_have_count(1)
    expect(chart.locator("circle.qc-flagged")).to_be_visible()
    expect(chart.locator("circle.qc-flagged title")).to_contain_text("pic isolé")
    assert int(chart.get_attribute("data-points") or 0) == 72  # 3 days of hours
    expect(page.locator("#commune-chart-caption")).to_contain_text("mesuré par ref-nevers")

    page.select_option("#chart-sensor", "ref-nevers")
    page.select_option("#chart-sensor-quantity", "no2")
    sensor_chart = page.locator("#sensor-chart")
    expect(sensor_chart).to_have_attribute("data-flagged", "1")
    expect(sensor_chart.locator("circle.qc-flagged")).to_be_visible()
    expect(sensor_chart.locator("circle.point")).to_have_count(23)
    assert browsing.errors == []
    assert browsing.blocked == []


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_air_map_shows_the_floor_of_an_incomplete_index(browsing: Browsing, seeded: Engine) -> None:
    # A reference station at Cosne measuring NO2 only, 95-97 µg/m³ (daily max 97: dégradé,
    # 91-120); no station within 20 km measures the four others, so the index is unavailable,
    # and it cannot be better than dégradé.
    with seeded.begin() as conn:
        lon, lat = lon_lat((35000.0, 0.0))
        draft = sensors.SensorDraft("ref-cosne", "Station ref-cosne", "reference", lon, lat,
                                    {Quantity.NO2: "µg/m³"}, commune_code="58086")  # fmt: skip
        sensors.save_sensor(conn, draft, locate=lambda _lon, _lat: None)
        readings = [{"sensor_id": "ref-cosne", "quantity": "no2", "value": 95.0 + h % 3,
                     "observed_at": (DAY_START + timedelta(hours=h)).isoformat()}
                    for h in range(24)]  # fmt: skip
        assert ingest_readings(conn, readings, door="http").quarantined == 0
    page = browsing.page
    browsing.goto(f"/qualite-air?date={DAY}")
    expect(page.locator("#air-map")).to_have_attribute("data-loaded", "true")

    cosne = page.locator('path.atmo-commune[data-code="58086"]')
    expect(cosne).to_have_attribute("data-level", "INDISPONIBLE")
    expect(cosne).to_have_attribute("data-floor", "DEGRADE")
    assert (cosne.get_attribute("fill") or "").upper() == "#F0E641"
    assert cosne.get_attribute("fill-opacity") == "0.4"
    expect(page.locator('path.atmo-commune[data-code="58194"]')).not_to_have_attribute(
        "data-floor", re.compile(".*")
    )  # a complete index has no floor
    cosne.hover()
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text("Indisponible")
    expect(tooltip).to_contain_text("Indice incomplet, au moins « Dégradé » ; manque : ")
    expect(tooltip).not_to_contain_text("manque : Dioxyde")  # NO2 is known
    assert browsing.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_operator_reads_the_quarantine_with_a_pasted_token(
    browsing: Browsing, seeded: Engine
) -> None:
    with seeded.begin() as conn:
        ingest_readings(conn, [{"sensor_id": "ghost", "quantity": "no2", "value": 1,
                                "observed_at": "2026-01-15T10:00:00Z"}], door="http")  # fmt: skip
        _, token = create_token(conn, role="operator", label="browser test")
        _, citizen = create_token(conn, role="citizen", label="browser test")
    page = browsing.page
    browsing.goto("/qualite-air/quarantaine")

    page.get_by_label("Jeton d'opérateur").fill(citizen)
    page.get_by_role("button", name="Afficher la quarantaine").click()
    expect(page.locator("#quarantine-status")).to_contain_text("Échec")
    page.get_by_label("Jeton d'opérateur").fill(token)
    page.get_by_role("button", name="Afficher la quarantaine").click()

    expect(page.locator("#quarantine-table")).to_be_visible()
    expect(page.locator("#quarantine-table tbody")).to_contain_text(
        "capteur non enregistré (unknown_sensor)"
    )
    expect(page.locator("#quarantine-status")).to_contain_text("1 lecture(s) en quarantaine")
    assert page.evaluate("sessionStorage.getItem('hc_operator_token')") == token
    assert token not in page.url
    assert browsing.errors == []
    assert browsing.blocked == []


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sensor_map_colours_sensors_by_state_and_opens_a_chart(
    browsing: Browsing, seeded: Engine
) -> None:
    report_an_hour_ago(seeded)
    page = browsing.page
    browsing.goto("/qualite-air/capteurs")
    expect(page.locator("#sensors-map")).to_have_attribute("data-loaded", "true")

    markers = dict(page.locator("path.sensor-marker").evaluate_all(
        "els => els.map(e => [e.dataset.sensor, e.getAttribute('fill')])"))  # fmt: skip
    assert markers == {"ref-marzy": "#d73027", "ref-nevers": "#d73027",
                       "meteo-nevers": "#d73027", "lc-urzy": "#2c7bb6"}  # fmt: skip
    page.hover('path.sensor-marker[data-sensor="lc-urzy"]')
    expect(page.locator(".leaflet-tooltip")).to_contain_text("Station lc-urzy")
    expect(page.locator(".leaflet-tooltip")).to_contain_text("transmet")
    page.click('path.sensor-marker[data-sensor="lc-urzy"]')
    page.wait_for_url("**/qualite-air?capteur=lc-urzy*")
    expect(page.locator("#chart-sensor")).to_have_value("lc-urzy")
    expect(page.locator("#sensor-chart")).to_have_attribute("data-loaded", "true")
    # the chart's readings, downloadable as CSV
    href = page.locator("#sensor-chart-csv").get_attribute("href") or ""
    assert {"format=csv", "sensor=lc-urzy", "quantity=pm25"} <= set(href.split("?")[1].split("&"))
    download = page.request.get(browsing.base_url + href)
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    rows = download.text().splitlines()
    assert rows[0] == "sensor_id,quantity,observed_at,value,unit,flags,flag_names"
    assert len(rows) > 1
    assert all(row.startswith("lc-urzy,pm25,") for row in rows[1:])
    assert browsing.errors == []
    assert browsing.blocked == []


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_territory_admin_registers_a_sensor_and_retires_it_from_the_page(
    browsing: Browsing, seeded: Engine
) -> None:
    with seeded.begin() as conn:
        _, admin = create_token(conn, role="territory_admin", scope="departement/58")
        _, citizen = create_token(conn, role="citizen")
    page = browsing.page
    browsing.goto("/qualite-air/capteurs")
    page.get_by_text("Enregistrer un capteur ou changer son statut").click()
    status = page.locator("#sensor-admin-status")

    page.get_by_label("Identifiant").fill("ecole-urzy")
    page.get_by_label("Nom", exact=True).fill("École d'Urzy")
    page.get_by_label("Type").select_option("low_cost")
    lon, lat = lon_lat((2500.0, 0.0))
    page.get_by_label("Longitude (WGS84)").fill(str(lon))
    page.get_by_label("Latitude (WGS84)").fill(str(lat))
    page.get_by_label("Code INSEE de la commune").fill("58300")
    page.locator("#sensor-create").get_by_role("button").click()
    expect(status).to_contain_text("Cochez au moins une grandeur")  # nothing was sent
    page.get_by_label("Dioxyde d'azote", exact=True).check()
    page.get_by_label("Unité envoyée : Dioxyde d'azote").select_option("ppb")
    page.get_by_label("Jeton d'administrateur du territoire").fill(citizen)
    page.locator("#sensor-create").get_by_role("button").click()
    expect(status).to_contain_text("Refusé")
    page.get_by_label("Identifiant").fill("ref-nevers")
    page.locator("#sensor-create").get_by_role("button").click()
    expect(status).to_contain_text("déjà l'identifiant « ref-nevers »")
    page.get_by_label("Identifiant").fill("ecole-urzy")
    page.get_by_label("Jeton d'administrateur du territoire").fill(admin)
    page.locator("#sensor-create").get_by_role("button").click()

    row = page.locator('tr[data-sensor="ecole-urzy"]')
    expect(row).to_contain_text("micro-capteur")
    expect(row).to_contain_text("Dioxyde d'azote (ppb)")
    expect(row).to_contain_text("Urzy (58300)")
    page.get_by_text("Enregistrer un capteur ou changer son statut").click()
    page.get_by_label("Capteur", exact=True).select_option("ecole-urzy")
    page.get_by_label("Statut", exact=True).select_option("retired")
    page.get_by_role("button", name="Changer le statut").click()
    expect(row).to_have_attribute("data-state", "off")
    expect(row).to_contain_text("retiré")
    with seeded.connect() as conn:
        stored = sensors.get_sensor(conn, "ecole-urzy")
    assert (stored.kind, stored.status, stored.commune_code) == ("low_cost", "retired", "58300")
    assert dict(stored.quantities) == {Quantity.NO2: "ppb"}
    assert admin not in page.url
    assert browsing.errors == []
    assert browsing.blocked == []

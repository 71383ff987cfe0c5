"""The web pages and map layers over HTTP, on the demo territory, on both backends."""

import json
import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from healthycity.api.app import create_app
from healthycity.config import Settings
from healthycity.dashboard.choropleth import DENSITY_BREAKS_PER_KM2, DENSITY_PALETTE

NARROW_NBSP = "\u202f"
# Communes with a polygon per demo département (COG 2026 communes, 2018 polygons dissolved).
COMMUNES_BY_DEPARTEMENT = {
    "03": 317,
    "18": 286,
    "21": 698,
    "45": 325,
    "58": 309,
    "71": 563,
    "89": 423,
}


def _map_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="map-config">(.*?)</script>', html)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_home_page_is_french_by_default(web_client: TestClient) -> None:
    response = web_client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="fr">' in html
    assert "<title>Les communes du territoire — healthycity</title>" in html
    assert "Densité de population des communes de Nièvre" in html
    for label in ("moins de 10", "de 10 à 20", "de 200 à 500", "500 et plus", "non disponible"):
        assert label in html
    assert '<label for="search-input">Rechercher une commune</label>' in html
    config = _map_config(html)
    assert config["palette"] == list(DENSITY_PALETTE)
    assert config["separators"] == [NARROW_NBSP, ","]
    min_lon, min_lat, max_lon, max_lat = config["bbox"]
    assert min_lon < 3.16 < max_lon  # Nevers lies inside Nièvre's box
    assert min_lat < 46.99 < max_lat
    assert config["focus"]["type"] in {"Polygon", "MultiPolygon"}


def test_home_page_lang_query_switches_to_english_and_is_remembered(
    web_client: TestClient,
) -> None:
    english = web_client.get("/?lang=en")
    remembered = web_client.get("/communes/58194")
    french_again = web_client.get("/?lang=fr")

    assert '<html lang="en">' in english.text
    assert "The communes of the territory" in english.text
    assert "500 and over" in english.text
    assert english.cookies["hc_lang"] == "en"
    assert '<html lang="en">' in remembered.text
    assert "33,085 inhabitants" in remembered.text
    assert '<html lang="fr">' in french_again.text


@pytest.mark.parametrize(
    ("accept_language", "lang"),
    [("en-GB,en;q=0.9", "en"), ("de-DE,de;q=0.9", "fr"), ("de;q=1, en;q=0.5", "en")],
)
def test_home_page_follows_the_browser_language(
    web_client: TestClient, accept_language: str, lang: str
) -> None:
    response = web_client.get("/", headers={"Accept-Language": accept_language})

    assert f'<html lang="{lang}">' in response.text
    assert "accept-language" in response.headers["vary"].lower()


def test_map_communes_layer_holds_every_polygon_with_its_class(web_client: TestClient) -> None:
    response = web_client.get("/map/communes.geojson")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    features = response.json()["features"]
    by_departement: dict[str, int] = {}
    for feature in features:
        code = feature["properties"]["departement"]
        by_departement[code] = by_departement.get(code, 0) + 1
    assert by_departement == COMMUNES_BY_DEPARTEMENT
    focus = [f["properties"] for f in features if f["properties"]["is_focus"]]
    assert len(focus) == 309
    assert {p["departement"] for p in focus} == {"58"}
    nevers = next(f for f in features if f["id"] == "58194")
    assert nevers["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    # 33,085 inhabitants on 17.3 km²: 1,912 per km², in the top class (500 and over)
    assert nevers["properties"]["population"] == 33085
    assert nevers["properties"]["density_per_km2"] == pytest.approx(1912.3, abs=0.1)
    assert nevers["properties"]["density_class"] == 6
    for feature in features:
        density = feature["properties"]["density_per_km2"]
        expected = sum(density >= limit for limit in DENSITY_BREAKS_PER_KM2)
        assert feature["properties"]["density_class"] == expected


def test_map_departements_layer_outlines_the_demo_departements(web_client: TestClient) -> None:
    features = web_client.get("/map/departements.geojson").json()["features"]

    assert sorted(f["id"] for f in features) == sorted(COMMUNES_BY_DEPARTEMENT)
    assert all(f["geometry"] for f in features)


def test_map_layer_is_gzipped_and_revalidated_by_etag(web_client: TestClient) -> None:
    raw = web_client.get("/map/departements.geojson", headers={"Accept-Encoding": "gzip"})
    etag = raw.headers["etag"]
    again = web_client.get("/map/departements.geojson", headers={"If-None-Match": etag})
    plain = web_client.get("/map/departements.geojson", headers={"Accept-Encoding": "identity"})

    assert raw.headers["content-encoding"] == "gzip"
    assert int(raw.headers["content-length"]) < len(plain.content)
    assert again.status_code == 304
    assert again.content == b""
    assert "content-encoding" not in plain.headers
    assert raw.json() == plain.json()


def test_commune_page_shows_facts_links_and_estimated_ages(web_client: TestClient) -> None:
    response = web_client.get("/communes/58194")

    assert response.status_code == 200
    html = response.text
    assert "<h1>Nevers" in html
    assert "<dd>58194</dd>" in html
    assert f"33{NARROW_NBSP}085 hab." in html
    assert "17,3 km²" in html
    assert f"1{NARROW_NBSP}912,3 hab./km²" in html
    assert '<a href="/epci/245804406">CA de Nevers</a>' in html
    assert '<a href="/departements/58">Nièvre</a>' in html
    assert '<a href="/regions/27">Bourgogne-Franche-Comté</a>' in html
    assert 'role="note"' in html
    assert "structure par âge de son département (Nièvre)" in html
    assert html.count('<th scope="row">') == 20
    assert 'id="territory-config"' in html
    values = re.findall(r'<span class="value">([\d\u202f]+)</span>', html)
    assert sum(int(v.replace(NARROW_NBSP, "")) for v in values) == pytest.approx(33085, abs=20)


def test_departement_page_has_published_ages_and_lists_its_communes(
    web_client: TestClient,
) -> None:
    html = web_client.get("/departements/58").text

    assert "<h1>Nièvre" in html
    assert 'role="note"' not in html  # INSEE publishes départements' age structures
    assert "Source : INSEE, estimations de population" in html
    assert "Communes (309)" in html
    communes = re.findall(r'<li><a href="/communes/\d+">([^<]+)</a></li>', html)
    assert len(communes) == 309
    assert communes[:3] == ["Achun", "Alligny-Cosne", "Alligny-en-Morvan"]
    assert communes.index("La Charité-sur-Loire") < communes.index("Lamenay-sur-Loire")
    assert '<a href="/communes/58194">Nevers</a>' in html
    assert '<a href="/regions/27">Bourgogne-Franche-Comté</a>' in html


def test_region_page_lists_its_departements(web_client: TestClient) -> None:
    html = web_client.get("/regions/27").text

    links = re.findall(r'<a href="/departements/(\w+)">', html)
    assert links == ["21", "25", "39", "58", "70", "71", "89", "90"]
    assert "La structure par âge n'est pas disponible pour ce territoire." in unescape(html)


def test_epci_page_lists_its_communes(web_client: TestClient) -> None:
    html = web_client.get("/epci/245804406").text

    assert "<h1>CA de Nevers" in html
    assert "Numéro SIREN" in html
    assert "Communes (14)" in html
    assert '<a href="/communes/58194">Nevers</a>' in html


@pytest.mark.parametrize(
    ("path", "feed"),
    [
        ("/communes/58194", "/alerts.atom?commune=58194"),
        ("/epci/245804406", "/alerts.atom?epci=245804406"),
        ("/departements/58", "/alerts.atom?departement=58"),
        ("/regions/27", None),  # feeds are by commune, EPCI or département
    ],
)
def test_territory_page_links_the_atom_feed_of_its_alerts(
    web_client: TestClient, path: str, feed: str | None
) -> None:
    html = web_client.get(path).text

    found = re.findall(r'<link rel="alternate" type="application/atom\+xml" href="([^"]+)"', html)
    assert found == ([feed] if feed else [])
    if feed:
        response = web_client.get(feed)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/atom+xml"


@pytest.mark.parametrize(
    ("path", "title", "message"),
    [
        ("/communes/99999", "Page introuvable", "territoire « Commune » avec le code « 99999 »"),
        ("/departements/00?lang=en", "Page not found", "“Département” territory with code “00”"),
    ],
)
def test_unknown_territory_page_is_an_html_404(
    web_client: TestClient, path: str, title: str, message: str
) -> None:
    response = web_client.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in response.text
    assert message in response.text


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize(
    ("path", "headers", "title", "message"),
    [
        ("/nulle-part", BROWSER, "Page introuvable", "pas de page à l'adresse « /nulle-part »"),
        ("/nowhere?lang=en", BROWSER | {"Accept-Language": "en"}, "Page not found",
         "There is no page at “/nowhere”"),
    ],
)  # fmt: skip
def test_unknown_page_is_an_html_404_for_a_browser(
    web_client: TestClient, path: str, headers: dict[str, str], title: str, message: str
) -> None:
    response = web_client.get(path, headers=headers)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in response.text
    assert message in unescape(response.text)
    assert 'href="/"' in response.text


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/nulle-part", {"Accept": "application/json"}),
        ("GET", "/nulle-part", {}),  # a program that accepts anything
        ("GET", "/api/v1/nulle-part", BROWSER),
        ("GET", "/ngsi-ld/v1/nulle-part", BROWSER),
        ("GET", "/static/absent.js", BROWSER),
        ("POST", "/nulle-part", BROWSER),
    ],
)
def test_unknown_path_for_a_program_stays_problem_json(
    web_client: TestClient, method: str, path: str, headers: dict[str, str]
) -> None:
    response = web_client.request(method, path, headers=headers)

    assert response.status_code in {404, 405}
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == path


def test_api_docs_page_loads_only_local_assets(web_client: TestClient) -> None:
    page = web_client.get("/api/v1/docs")

    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert page.status_code == 200
    assert sorted(assets) == [
        "/static/vendor/swagger-ui/favicon-32x32.png",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
    ]
    assert all(web_client.get(asset).status_code == 200 for asset in assets)
    assert "/api/v1/openapi.json" in page.text
    assert web_client.get("/api/v1/redoc").status_code == 404  # it needed a CDN


def test_search_page_lists_matching_communes(web_client: TestClient) -> None:
    html = web_client.get("/recherche", params={"q": "chateau chinon"}).text

    assert re.findall(r'<a href="/communes/(\d+)">', html) == ["58062", "58063"]
    assert "2 résultat(s)" in html
    assert 'value="chateau chinon"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [("!!", "Saisissez au moins une lettre"), ("zzzzqq", "Aucune commune ne correspond")],
)
def test_search_page_explains_an_empty_answer(
    web_client: TestClient, query: str, message: str
) -> None:
    response = web_client.get("/recherche", params={"q": query})

    assert response.status_code == 200
    assert message in response.text


def test_search_page_escapes_the_query(web_client: TestClient) -> None:
    html = web_client.get("/recherche", params={"q": "<script>alert(1)</script>"}).text

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_static_assets_are_served_locally(web_client: TestClient) -> None:
    for path in ("dashboard.css", "home-map.js", "search.js", "vendor/leaflet/leaflet.js"):
        assert web_client.get(f"/static/{path}").status_code == 200, path


@pytest.mark.usefixtures("engine")  # migrates the empty database of ``settings``
def test_home_page_without_territory_says_how_to_load_one(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app) as client:
        home = client.get("/")
        layer = client.get("/map/communes.geojson").json()
    app.state.engine.dispose()

    assert home.status_code == 200
    assert "healthycity init --demo" in home.text
    assert layer == {"type": "FeatureCollection", "features": []}


def test_every_page_of_the_site_navigation_answers(web_client: TestClient) -> None:
    html = web_client.get("/").text
    nav = html[html.index('<nav class="site-nav"') : html.index("</nav>")]
    links = re.findall(r'href="(/[^"]*)"', nav)
    assert links == ["/", "/acces-aux-soins", "/soins", "/qualite-air", "/alertes"]
    for link in links:
        response = web_client.get(link)
        assert response.status_code == 200, link
        assert '<nav class="site-nav"' in response.text, link

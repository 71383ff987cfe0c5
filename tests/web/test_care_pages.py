"""The access-to-care pages over HTTP, on the care demo, on both backends.

The care finder (``/soins``), the APL map (``/acces-aux-soins``), the scenario editor
(``/acces-aux-soins/scenarios``) and the care section of commune pages.
"""

import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from healthycity.dashboard.care_apl_views import APL_CLASS_COLOURS, apl_legend
from healthycity.dashboard.care_views import care_count
from healthycity.dashboard.i18n import Language, Translator
from tests.web.conftest import client_on

NARROW_NBSP = "\u202f"
NEVERS = "58194"
DUN_LES_PLACES = "58106"  # Morvan, no pharmacy of its own (BPE 2019)
NIEVRE_COMMUNES = 309


@pytest.fixture
def care_pages(care_demo_database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app on the care demo database (read-only use)."""
    with client_on(care_demo_database_url, tmp_path) as client:
        yield client


def _text(html: str) -> str:
    """The visible text of a page, tags removed and ASCII spaces collapsed (not U+202F)."""
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _config(html: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', html)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def _results(html: str) -> list[str]:
    """The text of each finder result, in order."""
    items = re.findall(r'<li class="finder-result".*?</li>', html, flags=re.S)
    return [_text(item).strip() for item in items]


def _fr(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}".replace(",", NARROW_NBSP).replace(".", ",")


# --- Pure pieces -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "count", "text"),
    [
        ("fr", 0, "0 pharmacie"),  # French: 0 and 1 take the singular
        ("fr", 1, "1 pharmacie"),
        ("fr", 2, "2 pharmacies"),
        ("fr", 1200, f"1{NARROW_NBSP}200 pharmacies"),
        ("en", 0, "0 pharmacies"),  # English: only 1 does
        ("en", 1, "1 pharmacy"),
        ("fr", 3, "3 services d'urgences"),
    ],
)
def test_care_count_follows_the_plural_rule_of_each_language(
    language: Language, count: int, text: str
) -> None:
    kind = "emergency" if "urgences" in text else "pharmacy"

    assert care_count(Translator(language), kind, count) == text


def test_apl_legend_states_the_drees_thresholds_worst_class_first() -> None:
    legend = apl_legend(Translator("fr"))

    assert [(c.name, c.colour, c.label) for c in legend] == [
        ("under_dense", "#fc8d59", "moins de 2,5 : zone sous-dense"),
        ("vigilance", "#ffffbf", "de 2,5 à moins de 4 : zone de vigilance"),
        ("adequate", "#91bfdb", "4 et plus"),
    ]
    assert all(c.count is None for c in legend)


# --- The care finder ---------------------------------------------------------------------------


def test_finder_page_is_french_and_offers_the_seven_kinds(care_pages: TestClient) -> None:
    response = care_pages.get("/soins")

    assert response.status_code == 200
    html = response.text
    assert "<title>Trouver un soin — healthycity</title>" in html
    options = re.findall(r'<option value="([a-z_]+)"', html)
    assert options == [
        "general_practitioner",
        "pharmacy",
        "emergency",
        "ehpad",
        "teleconsultation",
        "msp",
        "health_centre",
    ]
    assert 'class="search finder-search"' in html  # the search box, reused
    assert 'data-page="/soins?kind=general_practitioner&amp;commune="' in html
    text = _text(html)
    assert "distance à vol d'oiseau × 1,3 (détours de la route) à 60 km/h" in text
    assert "qui donne un nombre par commune et non des adresses" in text
    assert "appelez le 15" in text
    assert "finder-result" not in html


def test_finder_page_from_a_commune_lists_pharmacies_with_times(care_pages: TestClient) -> None:
    html = care_pages.get("/soins", params={"kind": "pharmacy", "commune": DUN_LES_PLACES}).text
    api = care_pages.get(
        "/api/v1/care-access/finder",
        params={"kind": "pharmacy", "commune": DUN_LES_PLACES, "limit": 5},
    ).json()

    results = _results(html)
    assert "Depuis le centre de Dun-les-Places (58106)" in _text(html)
    assert len(results) == 5
    for text, found in zip(results, api["results"], strict=True):
        assert text.startswith(f"Pharmacie — {found['commune_name']}")
        assert f"≈ {_fr(found['travel_time_min'])} min en voiture" in text
        assert f"{_fr(found['distance_km'], 1)} km à vol d'oiseau" in text
        assert "Position : centre de la commune (adresse non connue)" in text
        assert "Horaires non renseignés" in text
        assert "(BPE 2019)" in text
    config = _config(html, "finder-config")
    assert config["current"] == f"commune={DUN_LES_PLACES}"
    assert len(config["points"]) == 5


def test_finder_page_exact_name_goes_to_the_commune(care_pages: TestClient) -> None:
    html = care_pages.get("/soins", params={"kind": "pharmacy", "q": "nevers"}).text

    assert "Depuis le centre de Nevers (58194)" in _text(html)
    first = _results(html)[0]
    assert first.startswith("Pharmacie — Nevers")
    assert "18 pharmacies dans la commune (BPE 2019)" in first  # INSEE BPE 2019, D301
    assert "≈ 3 min en voiture" in first  # the access time alone


def test_finder_page_ambiguous_name_lists_communes_to_choose(care_pages: TestClient) -> None:
    html = care_pages.get("/soins", params={"kind": "ehpad", "q": "saint"}).text

    assert "Plusieurs communes correspondent à « saint » : choisissez-en une." in _text(html)
    links = re.findall(r'href="/soins\?kind=ehpad&amp;commune=(\d{5})"', html)
    assert len(links) == 20
    assert _results(html) == []


def test_finder_page_from_a_position_rounds_it_and_names_its_commune(
    care_pages: TestClient,
) -> None:
    html = care_pages.get(
        "/soins", params={"kind": "emergency", "lon": 3.1591234, "lat": 46.9854321}
    ).text

    assert "Depuis votre position, à Nevers" in _text(html)
    assert _results(html)[0].startswith("Urgences — Nevers")
    config = _config(html, "finder-config")
    assert config["current"] == "lon=3.159&lat=46.985"  # about 100 m, no finer
    assert config["origin"] == [3.159, 46.985]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"commune": "99999"}, 404, "Aucune commune n'a le code « 99999 »."),
        ({"lon": -0.13, "lat": 51.5}, 422, "Cette position n'est pas en France"),
        ({"q": "zzzzqqq"}, 200, "Aucune commune ne correspond à « zzzzqqq »."),
    ],
)
def test_finder_page_says_what_is_wrong(
    care_pages: TestClient, params: dict[str, str | float], status: int, message: str
) -> None:
    response = care_pages.get("/soins", params=params)

    assert response.status_code == status
    assert message in _text(response.text)


def test_finder_page_unknown_kind_falls_back_to_general_practitioners(
    care_pages: TestClient,
) -> None:
    html = care_pages.get("/soins", params={"kind": "astrologer", "commune": NEVERS}).text

    assert "Médecin généraliste : les 5 plus proches" in _text(html)
    assert "32 médecins généralistes dans la commune (BPE 2019)" in _results(html)[0]


def test_finder_page_in_english(care_pages: TestClient) -> None:
    html = care_pages.get("/soins", params={"lang": "en", "kind": "pharmacy", "q": "Nevers"}).text

    text = _text(html)
    assert '<html lang="en">' in html
    assert "Find care" in text
    assert "From the centre of Nevers (58194)" in text
    first = _results(html)[0]
    assert "18 pharmacies in the commune (BPE 2019)" in first
    assert "≈ 3 min by car" in first
    assert "Opening hours not known" in first
    assert "Location: centre of the commune (address not known)" in first


# --- The APL map -------------------------------------------------------------------------------


def test_apl_page_has_the_drees_classes_counts_and_inputs(care_pages: TestClient) -> None:
    response = care_pages.get("/acces-aux-soins")
    api = care_pages.get(
        "/api/v1/care-access/apl", params={"territory": "departement/58", "year": 2023}
    ).json()

    assert response.status_code == 200
    html = response.text
    text = _text(html)
    assert "Accessibilité aux médecins généralistes (APL)" in text
    assert (
        "APL aux médecins généralistes (consultations par an et par habitant standardisé)" in text
    )
    for label in (
        "moins de 2,5 : zone sous-dense",
        "de 2,5 à moins de 4 : zone de vigilance",
        "4 et plus",
        "non calculée",
        "Méthode et seuils : DREES (APL ; arrêté du 13 novembre 2017)",
    ):
        assert label in text
    for c in api["classes"]:
        assert f"{_fr(c['communes'])} commune(s), {_fr(c['population'])} hab." in text
    assert sum(c["communes"] for c in api["classes"]) == NIEVRE_COMMUNES
    assert "Médecins généralistes comptés par la BPE 2019 de l'INSEE" in text
    assert f"crédité de 5{NARROW_NBSP}400 consultations par an" in text
    assert "Modèle à vol d'oiseau entre les centres des communes, jusqu'à 20 minutes" in text
    assert "estimée d'après celle de son département (2021)" in text
    assert "L'APL officielle publiée par la DREES peut différer" in text
    config = _config(html, "apl-config")
    assert config["colours"] == APL_CLASS_COLOURS
    assert config["apl_url"] == (
        "/api/v1/care-access/apl?territory=departement%2F58&year=2023"
        "&provider=straight-line&format=geojson"
    )


def test_apl_page_map_layer_has_every_nievre_commune_with_a_class(
    care_pages: TestClient,
) -> None:
    html = care_pages.get("/acces-aux-soins").text
    layer = care_pages.get(_config(html, "apl-config")["apl_url"]).json()

    assert len(layer["features"]) == NIEVRE_COMMUNES
    assert {f["properties"]["apl_class"] for f in layer["features"]} <= set(APL_CLASS_COLOURS)
    assert all(f["geometry"] for f in layer["features"])


def test_apl_page_in_english(care_pages: TestClient) -> None:
    text = _text(care_pages.get("/acces-aux-soins", params={"lang": "en"}).text)

    assert "Access to general practitioners (APL)" in text
    assert "under 2.5: under-served (under-dense) area" in text
    assert "The official APL published by DREES may differ" in text


def test_apl_page_of_an_unknown_territory_is_not_found(care_pages: TestClient) -> None:
    response = care_pages.get("/acces-aux-soins", params={"territory": "departement/99"})

    assert response.status_code == 404
    assert "L'APL ne peut pas être calculée pour ce territoire" in _text(response.text)
    assert 'id="apl-config"' not in response.text


def test_apl_page_without_a_care_offer_says_so(web_client: TestClient) -> None:
    response = web_client.get("/acces-aux-soins")  # demo territory, no care offer imported

    assert response.status_code == 200
    assert "L'APL ne peut pas être calculée pour ce territoire" in _text(response.text)


# --- The scenario editor -----------------------------------------------------------------------


def test_scenario_page_keeps_the_token_out_of_forms_and_urls(care_pages: TestClient) -> None:
    html = care_pages.get("/acces-aux-soins/scenarios").text

    token_input = re.search(r'<input id="officer-token"[^>]*>', html)
    assert token_input is not None
    assert "name=" not in token_input.group(0)  # no form can submit it
    assert 'type="password"' in token_input.group(0)
    config = _config(html, "scenario-config")
    assert config["territory"] == "departement/58"
    assert config["api"] == "/api/v1/care-access/scenarios"
    select = re.search(r'<select id="scenario-kind">(.*?)</select>', html, re.S)
    assert select is not None
    kinds = ["add_gps", "remove_gps", "retire_gp", "open_msp", "add_teleconsultation"]
    assert re.findall(r'<option value="([a-z_]+)"', select.group(1)) == kinds
    assert sorted(config["kinds"]) == sorted(kinds)
    assert "token.js" in html
    text = _text(html)
    assert "Scénarios d'accès aux médecins généralistes" in text
    assert "jeton d'API de rôle territory_admin" in text


# --- The commune page --------------------------------------------------------------------------


def test_commune_page_shows_its_apl_and_care_within_20_minutes(care_pages: TestClient) -> None:
    html = care_pages.get(f"/communes/{NEVERS}").text
    apl = care_pages.get(
        "/api/v1/care-access/apl", params={"territory": "departement/58", "year": 2023}
    ).json()
    nearest = care_pages.get(
        "/api/v1/care-access/nearest",
        params={"kind": "pharmacy", "commune": NEVERS, "limit": 50},
    ).json()

    nevers = next(c for c in apl["communes"] if c["code"] == NEVERS)
    text = _text(html)
    assert "Accès aux soins" in text
    assert f'data-apl-class="{nevers["apl_class"]}"' in html
    assert f"{_fr(nevers['apl'], 2)} consultations par an et par habitant standardisé" in text
    assert "Médecins généralistes dans la commune (BPE 2019) : 32" in text
    # oracle: the BPE pharmacies whose commune centre is within 20 modelled minutes
    within = sum(r["count"] for r in nearest["results"] if 3 + 1.3 * r["distance_km"] <= 20)
    row = re.search(r'<tr data-kind="pharmacy" data-within="(\d+)">(.*?)</tr>', html, re.S)
    assert row is not None
    assert int(row.group(1)) == within
    assert f"{within} pharmacies" in _text(row.group(2))
    assert "Nevers" in _text(row.group(2))
    assert "≈ 3 min" in _text(row.group(2))
    kinds = re.findall(r'<tr data-kind="([a-z_]+)"', html)
    assert len(kinds) == 7
    assert f'href="/soins?commune={NEVERS}"' in html


def test_commune_page_names_the_nearest_care_in_another_commune(care_pages: TestClient) -> None:
    html = care_pages.get(f"/communes/{DUN_LES_PLACES}").text

    row = re.search(r'<tr data-kind="emergency" data-within="0">(.*?)</tr>', html, re.S)
    assert row is not None
    text = _text(row.group(1))
    assert "0 service d'urgences" in text
    assert "(centre de la commune)" in text
    assert re.search(r"≈ \d+ min", text)


def test_commune_page_without_a_care_offer_still_renders(web_client: TestClient) -> None:
    response = web_client.get(f"/communes/{NEVERS}")

    assert response.status_code == 200
    assert "Accès aux soins" in _text(response.text)
    assert "data-apl-class" not in response.text  # no GP counts: no APL to show
    assert response.text.count("aucun connu") == 7

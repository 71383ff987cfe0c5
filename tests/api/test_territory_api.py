"""The territory endpoints on the demo territory (Nièvre and its neighbours), both backends."""

import pytest
from fastapi.testclient import TestClient

API = "/api/v1/territories"
GEOJSON = "application/geo+json"


def test_get_territory_departement_58_is_nievre(client: TestClient) -> None:
    response = client.get(f"{API}/departement/58")

    assert response.status_code == 200
    body = response.json()
    assert (body["level"], body["code"], body["name"]) == ("departement", "58", "Nièvre")
    assert body["ref"] == "departement/58"
    assert body["population"] == 201417
    assert body["density_per_km2"] == pytest.approx(201417 / body["area_km2"])
    # Nièvre covers about 6,817 km² (INSEE); the simplified polygon is within a few percent
    assert body["area_km2"] == pytest.approx(6817, rel=0.03)
    min_lon, min_lat, max_lon, max_lat = body["bbox"]
    assert min_lon < body["centroid"]["lon"] < max_lon
    assert min_lat < body["centroid"]["lat"] < max_lat
    assert [p["ref"] for p in body["parents"]] == ["region/27"]
    assert body["age_structure"]["estimated"] is False
    assert sum(body["age_structure"]["population_by_band"].values()) == pytest.approx(
        200_000, rel=0.02
    )


def test_get_territory_commune_gives_parents_and_estimated_age_structure(
    client: TestClient,
) -> None:
    body = client.get(f"{API}/commune/58194").json()

    assert body["name"] == "Nevers"
    assert [p["ref"] for p in body["parents"]] == ["epci/245804406", "departement/58", "region/27"]
    ages = body["age_structure"]
    assert ages["estimated"] is True
    assert len(ages["population_by_band"]) == 20
    # derived bands share out the commune's legal population
    assert sum(ages["population_by_band"].values()) == pytest.approx(body["population"])


def test_get_territory_epci_has_no_age_structure(client: TestClient) -> None:
    body = client.get(f"{API}/epci/245804406").json()

    assert body["name"] == "CA de Nevers"
    assert body["age_structure"] is None


def test_get_territory_without_polygon_has_no_geometry_summary(client: TestClient) -> None:
    body = client.get(f"{API}/commune/75056").json()

    assert body["name"] == "Paris"
    assert (body["has_geometry"], body["area_km2"], body["centroid"], body["bbox"]) == (
        False,
        None,
        None,
        None,
    )
    assert body["density_per_km2"] is None


def test_get_territory_unknown_code_is_404(client: TestClient) -> None:
    response = client.get(f"{API}/commune/99999")

    assert response.status_code == 404
    assert "99999" in response.json()["detail"]


def test_get_territory_unknown_level_is_422(client: TestClient) -> None:
    response = client.get(f"{API}/canton/5801")

    assert response.status_code == 422
    assert "canton" in response.json()["detail"] or "level" in response.json()["detail"]


def test_get_children_of_nievre_sums_to_its_legal_population(client: TestClient) -> None:
    body = client.get(f"{API}/departement/58/children", params={"level": "commune"}).json()

    assert body["level"] == "commune"
    assert body["count"] == len(body["territories"]) == 309
    assert {x["level"] for x in body["territories"]} == {"commune"}
    assert all(x["code"].startswith("58") for x in body["territories"])
    assert sum(x["population"] for x in body["territories"]) == 201417
    assert body["parent"]["population"] == 201417


def test_get_children_defaults_to_the_next_level_down(client: TestClient) -> None:
    body = client.get(f"{API}/region/27/children").json()

    assert body["level"] == "departement"
    assert [x["code"] for x in body["territories"]] == [
        "21",
        "25",
        "39",
        "58",
        "70",
        "71",
        "89",
        "90",
    ]


def test_get_children_epci_of_nievre_include_straddling_ones(client: TestClient) -> None:
    body = client.get(f"{API}/departement/58/children", params={"level": "epci"}).json()

    codes = {x["code"] for x in body["territories"]}
    assert {"245804406", "200068088"} <= codes  # CA de Nevers; CC Les Bertranges (58 and 18)
    assert body["count"] == 13


@pytest.mark.parametrize(
    ("path", "level"),
    [("departement/58", "region"), ("commune/58194", None), ("epci/245804406", "epci")],
)
def test_get_children_not_below_is_422(client: TestClient, path: str, level: str | None) -> None:
    response = client.get(f"{API}/{path}/children", params={"level": level} if level else {})

    assert response.status_code == 422


def test_get_ancestors_of_nevers_nearest_first(client: TestClient) -> None:
    body = client.get(f"{API}/commune/58194/ancestors").json()

    assert body["territory"]["ref"] == "commune/58194"
    assert [x["ref"] for x in body["territories"]] == [
        "epci/245804406",
        "departement/58",
        "region/27",
    ]
    assert body["count"] == 3


@pytest.mark.parametrize("query", ["chateau chinon", "CHÂTEAU-chinon", "chinon chateau"])
def test_search_ignores_accents_case_and_word_order(client: TestClient, query: str) -> None:
    body = client.get(f"{API}/search", params={"q": query}).json()

    assert body["query"] == query
    assert [x["code"] for x in body["territories"]] == ["58062", "58063"]


def test_search_filters_by_level_and_limits(client: TestClient) -> None:
    communes = client.get(f"{API}/search", params={"q": "nevers", "level": "commune"}).json()
    first = client.get(f"{API}/search", params={"q": "saint", "limit": 3}).json()

    # the exact name first, then Coulanges-lès-Nevers; not CA de Nevers (an EPCI)
    assert [x["ref"] for x in communes["territories"]] == ["commune/58194", "commune/58088"]
    assert first["count"] == 3


@pytest.mark.parametrize(
    "params",
    [{"q": ""}, {"q": "nevers", "limit": 0}, {"q": "nevers", "level": "canton"}, {"q": "!!"}],
)
def test_search_bad_parameters_are_422(client: TestClient, params: dict[str, object]) -> None:
    assert client.get(f"{API}/search", params=params).status_code == 422


def test_locate_finds_nevers(client: TestClient) -> None:
    response = client.get(f"{API}/locate", params={"lon": 3.159, "lat": 46.990})

    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"]) == ("58194", "Nevers")
    assert [p["ref"] for p in body["parents"]][1] == "departement/58"


def test_locate_in_the_sea_is_404(client: TestClient) -> None:
    response = client.get(f"{API}/locate", params={"lon": -5.0, "lat": 46.0})

    assert response.status_code == 404
    assert "lon=-5.0, lat=46.0" in response.json()["detail"]


@pytest.mark.parametrize(
    "params", [{"lon": 181, "lat": 46}, {"lon": 3, "lat": -91}, {"lon": "east", "lat": 46}, {}]
)
def test_locate_out_of_range_is_422(client: TestClient, params: dict[str, object]) -> None:
    assert client.get(f"{API}/locate", params=params).status_code == 422


def test_get_territory_as_geojson_is_a_feature(client: TestClient) -> None:
    by_query = client.get(f"{API}/commune/58194", params={"format": "geojson"})
    by_accept = client.get(f"{API}/commune/58194", headers={"Accept": GEOJSON})

    assert by_query.headers["content-type"] == GEOJSON
    assert by_query.json() == by_accept.json()
    feature = by_query.json()
    assert feature["type"] == "Feature"
    assert feature["id"] == "commune/58194"
    assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert feature["properties"]["name"] == "Nevers"
    assert feature["properties"]["age_structure"]["estimated"] is True


def test_get_children_as_geojson_is_a_feature_collection(client: TestClient) -> None:
    response = client.get(
        f"{API}/departement/58/children", params={"level": "commune", "format": "geojson"}
    )

    collection = response.json()
    assert response.headers["content-type"] == GEOJSON
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 309
    assert all(f["geometry"] is not None for f in collection["features"])
    assert sum(f["properties"]["population"] for f in collection["features"]) == 201417


@pytest.mark.parametrize(
    "path",
    ["commune/58194/ancestors", "search?q=nevers", "locate?lon=3.159&lat=46.990"],
)
def test_every_territory_endpoint_answers_geojson(client: TestClient, path: str) -> None:
    response = client.get(f"{API}/{path}", headers={"Accept": f"{GEOJSON}, */*;q=0.1"})

    assert response.status_code == 200
    assert response.headers["content-type"] == GEOJSON
    assert response.json()["type"] in {"Feature", "FeatureCollection"}


def test_format_query_wins_over_accept(client: TestClient) -> None:
    response = client.get(
        f"{API}/departement/58", params={"format": "json"}, headers={"Accept": GEOJSON}
    )

    assert response.headers["content-type"] == "application/json"
    assert response.json()["code"] == "58"


def test_unknown_format_is_422(client: TestClient) -> None:
    response = client.get(f"{API}/departement/58", params={"format": "kml"})

    assert response.status_code == 422
    assert "format" in response.json()["detail"]


def test_territory_endpoints_need_no_token(client: TestClient) -> None:
    assert client.get(f"{API}/departement/58").status_code == 200

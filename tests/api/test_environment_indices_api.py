"""Indices API on both backends: ATMO, EAQI, pollen, heat per commune, and commune series.

Expectations are computed by hand from ``tests/environment_indices_seed.py`` (IDW weights
1/d²: at 3000 m and 4000 m, (16·v1 + 9·v2) / 25).
"""

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from healthycity.api.app import create_app
from healthycity.config import Settings
from healthycity.environment import indices_service as service
from healthycity.environment.indices.heat import load_heat_thresholds
from healthycity.errors import ValidationError
from tests.api.conftest import app_client
from tests.environment_indices_seed import seed_all, seed_birch_pollen

API = "/api/v1/environment"
PROBLEM = "application/problem+json"
DAY = "2026-01-15"


BIRCH_CLASSES = {
    "source": "Réseau régional (test)",
    "taxa": {"pollen_birch": [10, 20, 40, 80, 160]},
}


@pytest.fixture
def indices(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with engine.begin() as conn:
        seed_all(conn)
    with app_client(Settings(database_url=database_url, data_dir=tmp_path)) as client:
        yield client


@pytest.fixture
def indices_with_birch(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """As ``indices``, plus the birch station at Nevers and sourced birch classes."""
    with engine.begin() as conn:
        seed_all(conn)
        seed_birch_pollen(conn)
    classes = tmp_path / "pollen.json"
    classes.write_text(json.dumps(BIRCH_CLASSES))
    settings = Settings(database_url=database_url, data_dir=tmp_path,
                        pollen_thresholds_file=classes)  # fmt: skip
    with app_client(settings) as client:
        yield client


def _index(client: TestClient, name: str, **params: str) -> dict:
    answer = client.get(f"{API}/indices/{name}", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _atmo(client: TestClient, **params: str) -> dict:
    return _index(client, "atmo", **params)


def _by_code(body: dict) -> dict[str, dict]:
    return {c["code"]: c for c in body["communes"]}


def _inputs(commune: dict) -> dict[str, dict]:
    return {i["quantity"]: i for i in commune["inputs"]}


def test_atmo_of_a_commune_with_a_station_is_measured(indices: TestClient) -> None:
    body = _atmo(indices, commune="58194", date=DAY)

    (nevers,) = body["communes"]
    inputs = _inputs(nevers)
    assert (body["period_start"], body["period_end"]) == (
        "2026-01-14T23:00:00Z",
        "2026-01-15T23:00:00Z",
    )
    assert nevers["method"] == "measured"
    assert nevers["index"] | {"value": 2} == {
        "value": 2, "name": "MOYEN", "label_fr": "Moyen", "label_en": "Fair", "colour": "#50CCAA",
    }  # fmt: skip
    assert sorted(nevers["responsible"]) == ["no2", "o3", "pm25"]
    assert nevers["nearest_station_m"] == pytest.approx(500.0, abs=0.01)
    # PM2.5 daily mean of 10/14 = 12; NO2 daily max 45: the 300 µg/m³ spike was left out
    assert (inputs["pm25"]["value"], inputs["pm25"]["aggregation"]) == (12.0, "daily_mean")
    assert (inputs["no2"]["value"], inputs["no2"]["aggregation"]) == (45.0, "daily_max_of_hourly")
    assert inputs["no2"]["sub_index"]["label_fr"] == "Moyen"
    assert inputs["no2"]["station_ids"] == ["ref-nevers"]
    assert {i["method"] for i in inputs.values()} == {"measured"}
    stations = {s["id"]: s for s in body["stations"]}
    assert set(stations) == {"ref-nevers", "ref-marzy"}  # the low-cost sensor never counts
    no2_at_s1 = _inputs(stations["ref-nevers"])["no2"]
    assert (no2_at_s1["value"], no2_at_s1["hours"]) == (45.0, 23)
    assert stations["ref-marzy"]["index"]["name"] == "MAUVAIS"  # O3 daily max 150


def test_atmo_of_a_commune_without_station_is_interpolated(indices: TestClient) -> None:
    garchizy = _atmo(indices, commune="58121", date=DAY)["communes"][0]

    inputs = _inputs(garchizy)
    assert garchizy["method"] == "interpolated"
    assert garchizy["nearest_station_m"] == pytest.approx(3000.0, abs=0.01)
    # (16·v(S1) + 9·v(S2)) / 25 per pollutant
    expected = {"pm25": 16.32, "pm10": 21.76, "no2": 57.6, "o3": 105.2, "so2": 4.72}
    assert {q: i["value"] for q, i in inputs.items()} == pytest.approx(expected, rel=1e-6)
    assert {q: i["sub_index"]["name"] for q, i in inputs.items()} == {
        "pm25": "MOYEN", "pm10": "MOYEN", "no2": "MOYEN", "o3": "DEGRADE", "so2": "BON",
    }  # fmt: skip
    assert (garchizy["index"]["name"], garchizy["responsible"]) == ("DEGRADE", ["o3"])
    assert inputs["o3"]["station_ids"] == ["ref-marzy", "ref-nevers"]
    assert inputs["o3"]["nearest_station_m"] == pytest.approx(3000.0, abs=0.01)


def test_atmo_of_a_departement_covers_its_communes(indices: TestClient) -> None:
    communes = _by_code(_atmo(indices, departement="58", date=DAY))

    assert set(communes) == {"58194", "58160", "58121", "58300", "58086"}
    assert communes["58160"]["method"] == "measured"
    # Urzy holds only a low-cost sensor: interpolated halfway between S1 and S2
    urzy = communes["58300"]
    assert (urzy["method"], urzy["nearest_station_m"]) == ("interpolated", pytest.approx(2500.0))
    assert _inputs(urzy)["pm25"]["value"] == pytest.approx(18.0)
    # Cosne lies 30 km from the nearest station: beyond the 20 km radius
    cosne = communes["58086"]
    assert (cosne["method"], cosne["index"]["name"]) == ("unavailable", "INDISPONIBLE")
    assert cosne["index"]["colour"] == "#DDDDDD"
    # no station fed its inputs: no distance (30 km to S2 would depend on the area asked)
    assert _inputs(cosne)["pm25"]["nearest_station_m"] is None
    epci = _by_code(_atmo(indices, epci="245804406", date=DAY))
    assert set(epci) == {"58194", "58160", "58121"}
    assert {c["departement"] for c in epci.values()} == {"58"}


NIEVRE = {"58194", "58160", "58121", "58300", "58086"}
CA_NEVERS = {"58194", "58160", "58121"}
# Nevers' temperature and pollen stations stand at (0, 0): Nevers measures, Marzy (5.1 km),
# Garchizy (3 km) and Urzy (2.5 km) interpolate, Cosne (35 km) lies beyond the 20 km radius.
NEAR_NEVERS = {"58194": "measured", "58160": "interpolated", "58121": "interpolated",
               "58300": "interpolated", "58086": "unavailable"}  # fmt: skip
# At the hour of S1's NO2 spike Nevers takes its NO2 from Marzy; Marzy has its own station.
EAQI_AT_SPIKE = NEAR_NEVERS | {"58194": "mixed", "58160": "measured"}


@pytest.mark.parametrize(
    ("name", "when", "methods"),
    [
        ("eaqi", {"datetime": "2026-01-15T12:30:00+01:00"}, EAQI_AT_SPIKE),
        ("eaqi", {"date": DAY, "hour": "12"}, EAQI_AT_SPIKE),
        ("pollen", {"date": DAY}, NEAR_NEVERS),
        ("heat", {"date": "2026-07-20"}, NEAR_NEVERS),
    ],
)
def test_index_of_a_departement_or_epci_is_that_of_each_of_its_communes(
    indices_with_birch: TestClient, name: str, when: dict[str, str], methods: dict[str, str]
) -> None:
    nievre = _by_code(_index(indices_with_birch, name, departement="58", **when))
    ca_nevers = _by_code(_index(indices_with_birch, name, epci="245804406", **when))
    alone = {
        code: _index(indices_with_birch, name, commune=code, **when)["communes"]
        for code in [*NIEVRE, "18033"]
    }

    assert {code: c["method"] for code, c in nievre.items()} == methods
    assert "18033" not in nievre
    assert [c["departement"] for c in alone["18033"]] == ["18"]  # Bourges exists: in Cher
    assert set(ca_nevers) == CA_NEVERS
    assert {code: [c] for code, c in nievre.items()} == {code: alone[code] for code in NIEVRE}
    assert {code: [c] for code, c in ca_nevers.items()} == {code: alone[code] for code in CA_NEVERS}


def test_eaqi_of_an_hour_mixes_measured_and_interpolated_inputs(indices: TestClient) -> None:
    at_spike = indices.get(
        f"{API}/indices/eaqi", params={"commune": "58194", "datetime": "2026-01-15T12:30:00+01:00"}
    ).json()
    by_date_hour = indices.get(
        f"{API}/indices/eaqi", params={"commune": "58194", "date": DAY, "hour": "12"}
    ).json()

    nevers = at_spike["communes"][0]
    inputs = _inputs(nevers)
    assert at_spike["period_start"] == "2026-01-15T11:00:00Z"
    assert by_date_hour["communes"] == at_spike["communes"]
    # S1's NO2 of that hour is a flagged spike: NO2 comes from S2 (50 µg/m³, 5025 m away)
    assert (inputs["no2"]["method"], inputs["no2"]["value"]) == ("interpolated", 50.0)
    assert inputs["no2"]["nearest_station_m"] == pytest.approx((5000**2 + 500**2) ** 0.5)
    assert (inputs["pm25"]["method"], inputs["pm25"]["value"]) == ("measured", 10.0)
    assert (nevers["method"], nevers["index"]["name"]) == ("mixed", "MODERATE")
    assert nevers["responsible"] == ["no2"]


def test_pollen_without_sourced_thresholds_is_unavailable(indices: TestClient) -> None:
    body = indices.get(f"{API}/indices/pollen", params={"commune": "58194", "date": DAY}).json()

    assert body["communes"][0]["index"]["name"] == "INDISPONIBLE"
    assert "No sourced table" in body["notes"][0]


def test_threshold_tables_come_from_the_settings(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """A territory brings its pollen classes and heat thresholds (HC_*_THRESHOLDS_FILE)."""
    with engine.begin() as conn:
        seed_all(conn)
        seed_birch_pollen(conn)
    pollen_file = tmp_path / "pollen.json"
    pollen_file.write_text(json.dumps(BIRCH_CLASSES))
    heat_file = tmp_path / "heat.csv"
    heat_file.write_text("departement,ibmn_c,ibmx_c,source,source_date\n58,20,38,arrete_test,\n")
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        pollen_thresholds_file=pollen_file,
        heat_thresholds_file=heat_file,
    )
    with app_client(settings) as client:
        pollen = client.get(f"{API}/indices/pollen", params={"commune": "58194", "date": DAY})
        heat = client.get(f"{API}/indices/heat", params={"commune": "58194", "date": "2026-07-20"})

    body = pollen.json()
    (nevers,) = body["communes"]
    # mean 32 grains/m³: above 20, at most 40 -> the third level, "modéré"
    assert (nevers["index"]["name"], nevers["method"]) == ("MODERE", "measured")
    assert _inputs(nevers)["pollen_birch"]["value"] == pytest.approx(32.0)
    assert body["notes"] == ["Pollen thresholds: Réseau régional (test)"]
    (hot,) = heat.json()["communes"]
    # IBMn 19 < 20 and IBMx 37 < 38 with this table; the shipped one (19/34) says canicule
    assert (hot["index"]["name"], hot["thresholds"]["source"]) == ("PAS_DE_CANICULE", "arrete_test")


@pytest.mark.parametrize(
    ("setting", "content", "says"),
    [
        ("pollen_thresholds_file", None, "does not exist"),
        ("pollen_thresholds_file", "{not json", "invalid JSON"),
        ("pollen_thresholds_file", '{"source": "x", "taxa": {"pollen_oak": [1,2,3,4,5]}}',
         "Unknown pollen taxon 'pollen_oak'"),
        ("heat_thresholds_file", None, "does not exist"),
        ("heat_thresholds_file", "departement,ibmn_c,ibmx_c,source\n58,chaud,34,x\n",
         "expected °C"),
    ],
)  # fmt: skip
def test_a_bad_threshold_table_stops_the_start_with_its_error(
    tmp_path: Path, setting: str, content: str | None, says: str
) -> None:
    table = tmp_path / "table"
    if content is not None:
        table.write_text(content)
    settings = Settings(data_dir=tmp_path, **{setting: table})

    with pytest.raises(ValidationError, match=says):
        create_app(settings)


def test_heat_uses_departement_thresholds(indices: TestClient) -> None:
    bourges = indices.get(f"{API}/indices/heat", params={"commune": "18033", "date": "2026-07-20"})
    nevers = indices.get(f"{API}/indices/heat", params={"commune": "58194", "date": "2026-07-20"})

    cher = bourges.json()["communes"][0]
    # Tn 19 °C (03 UTC) and Tx 37 °C (15 UTC) every day; Cher: IBMn 19, IBMx 35 (inclusive)
    assert (cher["ibmn_c"], cher["ibmx_c"]) == (19.0, 37.0)
    assert cher["thresholds"]["ibmn_c"] == 19.0
    assert (cher["index"]["name"], cher["method"]) == ("CANICULE", "measured")
    assert [(i["aggregation"][:3], i["day"]) for i in cher["inputs"]][:2] == [
        ("min", "2026-07-18"),
        ("max", "2026-07-18"),
    ]
    # Nièvre: IBMn 19, IBMx 34, from the secondary source flagged in the answer
    nievre = nevers.json()["communes"][0]
    assert (nievre["ibmn_c"], nievre["ibmx_c"]) == (19.0, 37.0)
    assert nievre["thresholds"] == {
        "departement": "58", "ibmn_c": 19.0, "ibmx_c": 34.0,
        "source": "github_climate_vs_meteo", "source_date": None,
    }  # fmt: skip
    assert (nievre["index"]["name"], nievre["unavailable_reason"]) == ("CANICULE", None)


def test_heat_says_when_a_departement_has_no_thresholds(
    indices: TestClient, engine: Engine
) -> None:
    without_nievre = {d: t for d, t in load_heat_thresholds().items() if d != "58"}
    with engine.connect() as conn:
        area = service.resolve_area(conn, "commune", "58194")
        answer = service.heat_answer(conn, area, date(2026, 7, 20), without_nievre)

    (nevers,) = answer.communes
    assert nevers.heat is not None
    assert (nevers.heat.ibmn_c, nevers.heat.ibmx_c) == (19.0, 37.0)
    assert (nevers.level.name, nevers.heat.thresholds) == ("INDISPONIBLE", None)
    assert "thresholds unknown for département 58" in (nevers.heat.unavailable_reason or "")


def test_commune_series_shows_measured_points_and_flagged_readings(indices: TestClient) -> None:
    period = {"from": "2026-01-14T23:00:00Z", "to": "2026-01-15T23:00:00Z", "quantity": "no2"}

    hourly = indices.get(f"{API}/communes/58194/series", params=period).json()
    raw = indices.get(f"{API}/communes/58194/series", params=period | {"resolution": "raw"}).json()
    daily = indices.get(f"{API}/communes/58194/series",
                        params=period | {"resolution": "daily"}).json()  # fmt: skip

    assert (hourly["method"], len(hourly["points"])) == ("measured", 24)
    spike = hourly["points"][12]
    assert (spike["value"], spike["flag_names"]) == (None, ["SPIKE"])
    assert hourly["points"][0]["value"] == 30.0
    assert [(f["value"], f["flag_names"]) for f in hourly["flagged"]] == [(300.0, ["SPIKE"])]
    assert [p["value"] for p in raw["points"]][11:14] == [45.0, 300.0, 35.0]
    assert raw["points"][12]["sensor_id"] == "ref-nevers"
    # mean of the 23 clean readings: (6 · (30 + 35 + 40 + 45) - 30) / 23
    assert [p["value"] for p in daily["points"]] == [pytest.approx(870 / 23)]


def test_commune_series_interpolates_where_no_station_measures(indices: TestClient) -> None:
    period = {"from": "2026-01-14T23:00:00Z", "to": "2026-01-15T23:00:00Z", "quantity": "no2"}

    series = indices.get(f"{API}/communes/58121/series", params=period).json()
    raw = indices.get(f"{API}/communes/58121/series", params=period | {"resolution": "raw"})

    points = series["points"]
    assert series["method"] == "interpolated"
    assert points[0]["value"] == pytest.approx((16 * 30 + 9 * 50) / 25)
    assert points[0]["nearest_station_m"] == pytest.approx(3000.0, abs=0.01)
    assert points[12]["value"] == pytest.approx(50.0)  # S1's spike is out: S2 alone
    assert points[12]["nearest_station_m"] == pytest.approx(4000.0, abs=0.01)
    assert raw.status_code == 422
    assert "no official station" in raw.json()["detail"]


@pytest.mark.parametrize(
    ("path", "params", "status", "needle"),
    [
        ("/indices/atmo", {"commune": "58194", "date": "2026-13-01"}, 422, "date"),
        ("/indices/atmo", {"commune": "99999", "date": DAY}, 404, "99999"),
        ("/indices/atmo", {"commune": "58194", "departement": "58", "date": DAY}, 422,
         "commune=58194, departement=58"),
        ("/indices/atmo", {"date": DAY}, 422, "exactly one"),
        ("/indices/heat", {"commune": "58194"}, 422, "date"),
        ("/indices/eaqi", {"commune": "58194"}, 422, "datetime"),
        ("/indices/eaqi", {"commune": "58194", "date": DAY, "hour": "24"}, 422, "hour"),
        ("/indices/eaqi", {"commune": "58194", "datetime": "2026-01-15T12:00:00"}, 422,
         "timezone"),
        ("/indices/eaqi", {"commune": "58194", "datetime": "2026-01-15T12:00:00Z",
                           "hour": "3"}, 422, "Both"),
        ("/communes/58194/series", {"quantity": "radon"}, 422, "quantity"),
        ("/communes/99999/series", {"quantity": "no2"}, 404, "99999"),
        ("/communes/58194/series", {"quantity": "no2", "from": "2026-01-15T00:00:00Z",
                                    "to": "2026-01-14T00:00:00Z"}, 422, "expected to after"),
        ("/communes/58194/series", {"quantity": "no2", "from": "2025-01-01T00:00:00Z",
                                    "to": "2026-01-14T00:00:00Z"}, 422, "at most 31 days"),
    ],
)  # fmt: skip
def test_indices_refuse_bad_parameters_with_problem_json(
    indices: TestClient, path: str, params: dict, status: int, needle: str
) -> None:
    answer = indices.get(API + path, params=params)

    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert needle in body["detail"]

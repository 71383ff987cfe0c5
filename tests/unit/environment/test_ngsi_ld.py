"""NGSI-LD mapping (pure): the four entity shapes, units, times, sensors, and the way back."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.environment.ngsi_ld import (
    ATTRIBUTES,
    EntityState,
    NgsiLdError,
    entity_id_of,
    map_entity,
    to_key_values,
    to_normalized,
    utc_text,
)
from healthycity.environment.quantities import Quantity, spec_of
from healthycity.environment.store import Observation
from healthycity.environment.units import normalise

T = "2026-07-01T10:00:00Z"
ENTITY = "urn:ngsi-ld:AirQualityObserved:nevers-1"


def readings(entity: dict) -> dict[str, dict]:
    mapped = map_entity(entity, entity["id"])
    return {r["quantity"]: r for r in mapped.readings}


@pytest.mark.parametrize(
    "no2",
    [
        {"type": "Property", "value": 20, "unitCode": "61", "observedAt": T},  # NGSI-LD
        {"type": "Number", "value": 20, "metadata": {"unitCode": {"value": "61"},
                                                     "timestamp": {"value": T}}},  # NGSI-v2
    ],
)  # fmt: skip
def test_map_entity_reads_normalized_attributes_of_both_ngsi_versions(no2: dict) -> None:
    entity = {"id": ENTITY, "type": "AirQualityObserved", "no2": no2,
              "dateObserved": "2026-07-01T09:00:00Z"}  # fmt: skip

    assert readings(entity)["no2"] == {"quantity": "no2", "value": 20, "unit": "ppb",
                                       "observed_at": "2026-07-01T10:00:00+00:00"}  # fmt: skip


def test_map_entity_reads_key_values_with_the_entity_time_and_registered_units() -> None:
    entity = {"id": "station-7", "type": "AirQualityObserved", "PM2.5": 12,
              "dateObserved": "2016-03-15T11:00:00", "airQualityLevel": "moderate"}  # fmt: skip

    mapped = map_entity(entity, "station-7")

    assert mapped.readings == (
        {"quantity": "pm25", "value": 12, "observed_at": "2016-03-15T11:00:00+00:00"},
    )
    assert mapped.attributes == ("PM2.5",)
    assert mapped.ignored == ("airQualityLevel",)


def test_map_entity_converts_relative_humidity_fractions_to_percent() -> None:
    entity = {"id": ENTITY, "type": "AirQualityObserved", "dateObserved": T,
              "relativeHumidity": 0.5}  # fmt: skip
    percent = entity | {"relativeHumidity": {"type": "Property", "value": 50, "unitCode": "P1"}}

    assert readings(entity)["relative_humidity"]["value"] == 50.0
    assert readings(percent)["relative_humidity"] == {
        "quantity": "relative_humidity", "value": 50, "unit": "%",
        "observed_at": "2026-07-01T10:00:00+00:00",
    }  # fmt: skip


def test_map_entity_passes_unknown_unit_codes_on_for_the_pipeline_to_refuse() -> None:
    entity = {"id": ENTITY, "type": "AirQualityObserved", "dateObserved": T,
              "o3": {"type": "Property", "value": 1, "unitCode": "XYZ"}}  # fmt: skip

    assert readings(entity)["o3"]["unit"] == "XYZ"


def test_map_entity_prefers_ref_device_then_id_then_local_part() -> None:
    device = {"id": ENTITY, "type": "AirQualityObserved",
              "refDevice": {"type": "Relationship", "object": "urn:ngsi-ld:Device:d1"}}  # fmt: skip

    assert map_entity(device, ENTITY).sensor_candidates == (
        "urn:ngsi-ld:Device:d1", ENTITY, "nevers-1"
    )  # fmt: skip
    assert map_entity({"type": "AirQualityObserved"}, "s").sensor_candidates == ("s",)


def test_map_entity_reads_pollen_by_latin_name_and_interval_start() -> None:
    entity = {"id": "p", "type": "AeroAllergenObserved", "betula": {"value": 80,
              "unitCode": "gr/m3"}, "alnus_Level": "low",
              "dateObserved": "2018-02-11T00:00:00Z/2018-02-12T00:00:00Z"}  # fmt: skip

    assert readings(entity) == {
        "pollen_birch": {"quantity": "pollen_birch", "value": 80, "unit": "grains/m³",
                         "observed_at": "2018-02-11T00:00:00+00:00"},
    }  # fmt: skip


def test_map_entity_without_a_time_leaves_observed_at_out() -> None:
    assert "observed_at" not in readings({"id": "s", "type": "AirQualityObserved", "co": 1})["co"]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"id": "x", "type": "WeatherObserved"}, "WeatherObserved"),
        ({"id": "x"}, "None"),
        (["no", "an", "object"], "list"),
    ],
)
def test_map_entity_refuses_unsupported_entities(item: object, message: str) -> None:
    with pytest.raises(NgsiLdError, match=message) as raised:
        map_entity(item, "x")

    assert raised.value.problem_type == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
    assert raised.value.http_status == 400


@pytest.mark.parametrize("item", [{"type": "AirQualityObserved"}, {"id": ""}, {"id": 3}, "x"])
def test_entity_id_of_refuses_entities_without_an_id(item: object) -> None:
    with pytest.raises(NgsiLdError, match="Entity 4"):
        entity_id_of(item, 4)


def test_utc_text_leaves_unreadable_times_to_the_pipeline() -> None:
    assert utc_text("yesterday") == "yesterday"
    assert utc_text(12) == 12
    assert utc_text("2026-07-01T12:00:00+02:00") == "2026-07-01T12:00:00+02:00"


def _state(values: dict[Quantity, float]) -> EntityState:
    moment = datetime(2026, 7, 1, 10, tzinfo=UTC)
    latest = tuple(Observation("nevers-1", q, moment, v, 0) for q, v in values.items())
    return EntityState("nevers-1", "AirQualityObserved", "École", 3.159, 46.99, "Atmo BFC", latest)


def test_to_normalized_and_key_values_write_the_data_model_units() -> None:
    state = _state({Quantity.CO: 0.4, Quantity.RELATIVE_HUMIDITY: 60.0})

    normalized, key_values = to_normalized(state), to_key_values(state)

    assert normalized["co"] == {"type": "Property", "value": 0.4, "unitCode": "GP",
                                "observedAt": "2026-07-01T10:00:00Z"}  # fmt: skip
    assert normalized["relativeHumidity"]["value"] == pytest.approx(0.6)
    assert normalized["dataProvider"] == {"type": "Property", "value": "Atmo BFC"}
    assert key_values == {"id": ENTITY, "type": "AirQualityObserved", "name": "École",
                          "location": {"type": "Point", "coordinates": [3.159, 46.99]},
                          "dataProvider": "Atmo BFC", "dateObserved": "2026-07-01T10:00:00Z",
                          "co": 0.4, "relativeHumidity": pytest.approx(0.6)}  # fmt: skip


AIR = list(ATTRIBUTES["AirQualityObserved"].values())


@given(
    st.dictionaries(
        st.sampled_from(AIR),
        st.floats(min_value=0, max_value=1, allow_nan=False),
        min_size=1,
    )
)
def test_normalized_output_maps_back_to_the_stored_values(shares: dict[Quantity, float]) -> None:
    """Invariant: what GET writes, POSTed back, converts to the very values stored."""
    values = {
        q: spec_of(q).min_plausible + share * (spec_of(q).max_plausible - spec_of(q).min_plausible)
        for q, share in shares.items()
    }
    entity = to_normalized(_state(values))

    back = {}
    for reading in map_entity(entity, str(entity["id"])).readings:
        quantity = Quantity(reading["quantity"])
        unit = reading.get("unit", spec_of(quantity).canonical_unit)
        back[quantity] = normalise(quantity, reading["value"], unit).value

    assert back == pytest.approx(values)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0.25", 25.0), (True, True), ("humid", "humid"), ([0.5], [0.5])],
)
def test_map_entity_leaves_non_numeric_humidity_for_the_pipeline_to_refuse(
    raw: object, expected: object
) -> None:
    entity = {"id": "s", "type": "AirQualityObserved", "relativeHumidity": raw}

    assert readings(entity)["relative_humidity"]["value"] == expected


def test_map_entity_passes_a_non_text_unit_code_on() -> None:
    entity = {"id": "s", "type": "AirQualityObserved", "no2": {"value": 1, "unitCode": 61}}

    assert readings(entity)["no2"]["unit"] == 61


def test_to_normalized_shows_qc_flags_and_leaves_pollen_without_unit_code() -> None:
    moment = datetime(2026, 4, 1, tzinfo=UTC)
    state = EntityState("p", "AeroAllergenObserved", "Capteur", 3.1, 47.0, None,
                        (Observation("p", Quantity.POLLEN_BIRCH, moment, 80.0, 4),))  # fmt: skip

    entity = to_normalized(state)

    assert entity["betula"] == {
        "type": "Property",
        "value": 80.0,
        "observedAt": "2026-04-01T00:00:00Z",
        "qcFlags": {"type": "Property", "value": ["FLAT_LINE"]},
    }
    assert "dataProvider" not in entity

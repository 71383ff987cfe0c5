"""European Air Quality Index (EEA, bands of ETC HE Report 2024/17): bands, minimum set."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.environment.indices.eaqi import (
    EAQI_POLLUTANTS,
    EAQI_STYLES,
    EaqiLevel,
    compute_eaqi,
    eaqi_sub_index,
    has_minimum_set,
)
from healthycity.environment.quantities import Quantity
from healthycity.errors import ValidationError

# Bands of the EEA table, written out again by hand (integer ranges, upper bound inclusive).
TABLE = {
    Quantity.PM25: [5, 15, 50, 90, 140],
    Quantity.PM10: [15, 45, 120, 195, 270],
    Quantity.NO2: [10, 25, 60, 100, 150],
    Quantity.O3: [60, 100, 120, 160, 180],
    Quantity.SO2: [20, 40, 125, 190, 275],
}
BOUNDARY_CASES = [
    case
    for pollutant, bounds in TABLE.items()
    for level, bound in enumerate(bounds, start=1)
    for case in ((pollutant, bound, level), (pollutant, bound + 1, level + 1))
]


@pytest.mark.parametrize(("pollutant", "value", "level"), BOUNDARY_CASES)
def test_eaqi_sub_index_on_each_side_of_each_threshold(
    pollutant: Quantity, value: float, level: int
) -> None:
    # "Good 0-5, Fair 6-15": 5 is Good, 6 is Fair
    assert eaqi_sub_index(pollutant, value) == EaqiLevel(level)


def test_eaqi_sub_index_between_integer_bands_goes_to_the_poorer_band() -> None:
    assert eaqi_sub_index(Quantity.PM25, 5.4) == EaqiLevel.FAIR
    assert eaqi_sub_index(Quantity.NO2, math.nan) == EaqiLevel.UNAVAILABLE


def test_eaqi_sub_index_rejects_co() -> None:
    with pytest.raises(ValidationError, match="co is not an EAQI pollutant"):
        eaqi_sub_index(Quantity.CO, 1.0)
    with pytest.raises(ValidationError, match="co is not an EAQI pollutant"):
        compute_eaqi({Quantity.CO: 1.0, Quantity.NO2: 1.0})


def test_minimum_set_depends_on_the_station_type() -> None:
    traffic = {Quantity.NO2, Quantity.PM25}
    assert has_minimum_set(traffic, "traffic")
    assert not has_minimum_set(traffic, "background")
    assert has_minimum_set(traffic | {Quantity.O3}, "industrial")
    assert not has_minimum_set({Quantity.NO2, Quantity.O3}, "background")


def test_compute_eaqi_is_the_poorest_sub_index() -> None:
    index = compute_eaqi(
        {Quantity.PM25: 12.0, Quantity.NO2: 61.0, Quantity.O3: 40.0, Quantity.SO2: 2.0}
    )
    assert index.level == EaqiLevel.POOR
    assert index.responsible == (Quantity.NO2,)
    assert index.sub_indices[Quantity.PM10] == EaqiLevel.UNAVAILABLE
    assert index.style.colour == "#FF5050"


def test_compute_eaqi_without_the_minimum_set_is_unavailable() -> None:
    index = compute_eaqi({Quantity.PM25: 200.0, Quantity.NO2: 5.0})
    assert index.level == EaqiLevel.UNAVAILABLE
    assert index.responsible == ()
    assert compute_eaqi(
        {Quantity.PM25: 200.0, Quantity.NO2: 5.0}, station_type="traffic"
    ).level == (EaqiLevel.EXTREMELY_POOR)


def test_compute_eaqi_on_a_poitiers_hour() -> None:
    # FR09403, 2019-01-17 07:00-08:00: NO2 66 µg/m³ (Atmo Nouvelle-Aquitaine sample);
    # with no PM at that station, the EEA would publish no index for it.
    assert eaqi_sub_index(Quantity.NO2, 66.0) == EaqiLevel.POOR
    assert compute_eaqi({Quantity.NO2: 66.0}).level == EaqiLevel.UNAVAILABLE


def test_eaqi_styles_are_the_eea_palette() -> None:
    assert [EAQI_STYLES[level].colour for level in EaqiLevel][1:] == [
        "#50F0E6", "#50CCAA", "#F0E641", "#FF5050", "#960032", "#7D2181",
    ]  # fmt: skip
    assert EAQI_STYLES[EaqiLevel.EXTREMELY_POOR].label_en == "Extremely poor"


concentrations = st.floats(min_value=0, max_value=2000, allow_nan=False)


@given(pollutant=st.sampled_from(EAQI_POLLUTANTS), a=concentrations, b=concentrations)
def test_eaqi_sub_index_is_on_scale_and_monotone(pollutant: Quantity, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert EaqiLevel.GOOD <= eaqi_sub_index(pollutant, low) <= EaqiLevel.EXTREMELY_POOR
    assert eaqi_sub_index(pollutant, low) <= eaqi_sub_index(pollutant, high)


@given(st.fixed_dictionaries(dict.fromkeys(EAQI_POLLUTANTS, concentrations)))
def test_eaqi_is_the_max_of_its_sub_indices(hourly: dict[Quantity, float]) -> None:
    index = compute_eaqi(hourly)
    assert index.level == max(eaqi_sub_index(p, c) for p, c in hourly.items())

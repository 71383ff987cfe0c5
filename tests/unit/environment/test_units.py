"""Quantities and unit normalisation: canonical units, factors at 293 K / 101.3 kPa, errors."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.environment.quantities import (
    POLLEN_QUANTITIES,
    QUANTITY_SPECS,
    Quantity,
    parse_quantity,
    spec_of,
)
from healthycity.environment.units import (
    _converters,
    convert_from_canonical,
    molar_volume_l_per_mol,
    normalise,
    ppb_to_ugm3_factor,
)
from healthycity.errors import ValidationError

# The usual table of conversion factors at 20 °C and 1013 hPa (EU reference conditions for
# gases): µg/m³ per ppb, and mg/m³ per ppm for CO.
PUBLISHED_FACTORS = {  # factor, decimals published
    Quantity.NO2: (1.91, 2),
    Quantity.O3: (1.996, 3),
    Quantity.SO2: (2.66, 2),
    Quantity.CO: (1.164, 3),
}


def test_quantity_specs_cover_every_quantity_with_a_justified_range() -> None:
    assert set(QUANTITY_SPECS) == set(Quantity)
    for spec in QUANTITY_SPECS.values():
        assert spec.min_plausible < spec.max_plausible
        assert len(spec.range_source) > 20
        assert spec.label_fr
        assert spec.label_en
    assert len(POLLEN_QUANTITIES) == 6


def test_quantity_spec_is_plausible_includes_bounds() -> None:
    spec = spec_of(Quantity.RELATIVE_HUMIDITY)
    assert spec.is_plausible(0.0)
    assert spec.is_plausible(100.0)
    assert not spec.is_plausible(100.1)


def test_parse_quantity_names_the_unknown_value() -> None:
    assert parse_quantity("pm25") is Quantity.PM25
    with pytest.raises(ValidationError, match=r"'pm2\.5'.*expected one of pm25"):
        parse_quantity("pm2.5")


def test_molar_volume_matches_the_ideal_gas_law_at_293_k() -> None:
    # R·T/P = 8.314462618 × 293 / 101300 m³/mol
    assert molar_volume_l_per_mol() == pytest.approx(8.314462618 * 293 / 101300 * 1000)
    assert molar_volume_l_per_mol() == pytest.approx(24.049, abs=1e-3)


@pytest.mark.parametrize(("quantity", "published"), PUBLISHED_FACTORS.items())
def test_ppb_factor_matches_the_published_table(
    quantity: Quantity, published: tuple[float, int]
) -> None:
    # Agreement to one unit of the last published digit: the usual table mixes 293 K (O3 1.996)
    # and 293.15 K (CO 1.164, 1.1647 at 293 K) and rounds NO2 (1.913) and SO2 (2.664).
    factor, decimals = published
    assert abs(ppb_to_ugm3_factor(quantity) - factor) <= 10.0**-decimals


@pytest.mark.parametrize(
    ("quantity", "value", "unit", "expected"),
    [
        (Quantity.NO2, 10.0, "ppb", 19.130),
        (Quantity.NO2, 0.01, "ppm", 19.130),
        (Quantity.O3, 50.0, "ppb", 99.794),
        (Quantity.SO2, 1.0, "ppb", 2.6639),
        (Quantity.NO2, 42.0, "µg/m³", 42.0),
        (Quantity.NO2, 42.0, "ug/m3", 42.0),
        (Quantity.NO2, 42.0, "ug.m-3", 42.0),  # Atmo Nouvelle-Aquitaine open data
        (Quantity.NO2, 42.0, "μg m-3", 42.0),  # Greek mu
        (Quantity.PM10, 0.042, "mg/m3", 42.0),
        (Quantity.CO, 1.0, "ppm", 1.1647),
        (Quantity.CO, 1000.0, "ppb", 1.1647),
        (Quantity.CO, 500.0, "µg/m³", 0.5),
        (Quantity.TEMPERATURE, 212.0, "°F", 100.0),
        (Quantity.TEMPERATURE, 273.15, "K", 0.0),
        (Quantity.TEMPERATURE, 21.5, "degC", 21.5),
        (Quantity.RELATIVE_HUMIDITY, 55.0, "%", 55.0),
        (Quantity.POLLEN_BIRCH, 120.0, "grains/m³", 120.0),
    ],
)
def test_normalise_hand_computed_cases(
    quantity: Quantity, value: float, unit: str, expected: float
) -> None:
    result = normalise(quantity, value, unit)
    assert result.value == pytest.approx(expected, rel=1e-4, abs=1e-9)
    assert result.unit == spec_of(quantity).canonical_unit
    assert result.reported_value == value


@pytest.mark.parametrize(
    ("quantity", "unit", "pattern"),
    [
        (Quantity.NO2, "furlongs", r"Unknown unit 'furlongs' for no2=7\.0; expected one of"),
        (Quantity.PM25, "ppb", r"impossible.*'ppb' for pm25=7\.0; expected one of µg/m³, mg/m³"),
        (
            Quantity.RELATIVE_HUMIDITY,
            "°C",
            r"impossible.*relative_humidity=7\.0; expected one of %",
        ),
        (Quantity.POLLEN_GRASSES, "µg/m³", r"pollen_grasses=7\.0; expected one of grains/m³"),
        (Quantity.TEMPERATURE, "ppm", r"temperature=7\.0; expected one of °C, °F, K"),
    ],
)
def test_normalise_rejects_unknown_or_impossible_units(
    quantity: Quantity, unit: str, pattern: str
) -> None:
    with pytest.raises(ValidationError, match=pattern):
        normalise(quantity, 7.0, unit)


def test_ppb_factor_refuses_particles() -> None:
    with pytest.raises(ValidationError, match="pm10 is not a gas"):
        ppb_to_ugm3_factor(Quantity.PM10)


def test_convert_from_canonical_rejects_unknown_unit() -> None:
    with pytest.raises(ValidationError, match=r"Cannot express o3=1\.0 in 'bar'"):
        convert_from_canonical(Quantity.O3, 1.0, "bar")


_UNITS = [(q, unit) for q in Quantity for unit in _converters(q)]


@given(
    pair=st.sampled_from(_UNITS),
    value=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
)
def test_unit_conversions_round_trip(pair: tuple[Quantity, str], value: float) -> None:
    quantity, unit = pair
    canonical = normalise(quantity, value, unit).value
    back = convert_from_canonical(quantity, canonical, unit)
    assert math.isclose(back, value, rel_tol=1e-9, abs_tol=1e-9)

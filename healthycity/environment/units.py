"""Conversion of readings to the canonical unit of their quantity (µg/m³, mg/m³, °C, %, grains/m³).

Gases reported as volume mixing ratios (ppb, ppm) are converted to mass concentrations at
the EU reference conditions for gaseous pollutants, 293 K and 101.3 kPa (Directive 2008/50/EC,
Annex VI, section C "Standardisation"). One ppb of a gas of molar mass M (g/mol) is
M · P / (R · T) µg/m³, i.e. M divided by the molar volume V_m = R · T / P (24.05 L/mol at
293 K and 101.3 kPa). This gives the factors of the usual tables to their last published
digit: NO2 1.913 (1.91), O3 1.996, SO2 2.664 (2.66) µg/m³ per ppb, and CO 1.1647 mg/m³ per ppm
(tables print 1.164, computed at 293.15 K; the difference is 0.05 %).

Particles and pollen have no molar mass: a ppb reading of PM2.5 is not a unit mistake that
can be repaired, and is rejected.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from healthycity.environment.quantities import (
    CELSIUS,
    GRAINS_M3,
    MGM3,
    PERCENT,
    UGM3,
    Quantity,
    spec_of,
)
from healthycity.errors import ValidationError

GAS_CONSTANT_J_PER_MOL_K = 8.314462618  # CODATA 2018, exact since the 2019 SI redefinition
REFERENCE_TEMPERATURE_K = 293.0  # Directive 2008/50/EC, Annex VI C
REFERENCE_PRESSURE_PA = 101_300.0  # Directive 2008/50/EC, Annex VI C (101.3 kPa)
ZERO_CELSIUS_K = 273.15


def molar_volume_l_per_mol(
    temperature_k: float = REFERENCE_TEMPERATURE_K, pressure_pa: float = REFERENCE_PRESSURE_PA
) -> float:
    """Volume of one mole of ideal gas, in litres (ideal gas law V = R·T/P).

    >>> round(molar_volume_l_per_mol(), 3)
    24.049
    """
    return GAS_CONSTANT_J_PER_MOL_K * temperature_k / pressure_pa * 1000.0


def ppb_to_ugm3_factor(quantity: Quantity) -> float:
    """µg/m³ per ppb of a gas at 293 K and 101.3 kPa (equivalently mg/m³ per ppm).

    Raises
    ------
    ValidationError
        If the quantity is not a gas with a known molar mass.

    >>> round(ppb_to_ugm3_factor(Quantity.NO2), 2)
    1.91
    """
    molar_mass = spec_of(quantity).molar_mass_g_mol
    if molar_mass is None:
        msg = f"{quantity.value} is not a gas; a mixing ratio (ppb, ppm) cannot be converted."
        raise ValidationError(msg)
    return molar_mass / molar_volume_l_per_mol()


def _fold_unit(unit: str) -> str:
    """Fold the spellings of a unit label: 'µg/m³', 'ug/m3', 'ug.m-3', 'µg m-3' -> 'ug/m3'."""
    folded = unit.strip().lower().replace("μ", "u").replace("µ", "u").replace("³", "3")
    folded = folded.replace("°", "deg").replace("degrees", "deg")
    folded = re.sub(r"[.\s]*m-3$", "/m3", folded)  # 'ug.m-3', 'ug m-3'
    return re.sub(r"\s+", "", folded)


# Folded label -> canonical label of the unit as reported (before conversion).
_UNIT_ALIASES: dict[str, str] = {
    "ug/m3": UGM3,
    "mg/m3": MGM3,
    "ppb": "ppb",
    "ppm": "ppm",
    "degc": CELSIUS,
    "c": CELSIUS,
    "celsius": CELSIUS,
    "degf": "°F",
    "f": "°F",
    "fahrenheit": "°F",
    "k": "K",
    "kelvin": "K",
    "%": PERCENT,
    "%rh": PERCENT,
    "percent": PERCENT,
    "grains/m3": GRAINS_M3,
    "grain/m3": GRAINS_M3,
    "pollens/m3": GRAINS_M3,
}


def _scale(factor: float) -> Callable[[float], float]:
    return lambda value: value * factor


def _identity(value: float) -> float:
    return value


def _fahrenheit_to_celsius(value: float) -> float:
    return (value - 32.0) * 5.0 / 9.0


def _kelvin_to_celsius(value: float) -> float:
    return value - ZERO_CELSIUS_K


def _converters(quantity: Quantity) -> dict[str, Callable[[float], float]]:
    """The reported units accepted for a quantity, each with its conversion to canonical."""
    canonical = spec_of(quantity).canonical_unit
    if canonical == UGM3:
        converters = {UGM3: _identity, MGM3: _scale(1000.0)}
        if spec_of(quantity).molar_mass_g_mol is not None:
            factor = ppb_to_ugm3_factor(quantity)
            converters |= {"ppb": _scale(factor), "ppm": _scale(factor * 1000.0)}
        return converters
    if canonical == MGM3:  # CO: mg/m³ per ppm equals µg/m³ per ppb
        factor = ppb_to_ugm3_factor(quantity)
        return {
            MGM3: _identity,
            UGM3: _scale(0.001),
            "ppm": _scale(factor),
            "ppb": _scale(factor / 1000.0),
        }
    if canonical == CELSIUS:
        return {CELSIUS: _identity, "°F": _fahrenheit_to_celsius, "K": _kelvin_to_celsius}
    return {canonical: _identity}  # %, grains/m³: one unit only


@dataclass(frozen=True)
class Normalised:
    """A reading in the canonical unit of its quantity, with the unit it arrived in."""

    quantity: Quantity
    value: float
    unit: str
    reported_value: float
    reported_unit: str


def accepted_units(quantity: Quantity) -> list[str]:
    """The units a reading of ``quantity`` may be sent in, its canonical unit first.

    >>> accepted_units(Quantity.NO2)
    ['µg/m³', 'mg/m³', 'ppb', 'ppm']
    """
    return list(_converters(quantity))


def normalise(quantity: Quantity, value: float, unit: str) -> Normalised:
    """Convert a reading of ``quantity`` from ``unit`` to the quantity's canonical unit.

    Parameters
    ----------
    quantity
        What was measured.
    value
        The reported number.
    unit
        The reported unit, in any common spelling ('µg/m³', 'ug/m3', 'ug.m-3', 'ppb', '°F'…).

    Returns
    -------
    Normalised
        The value in the canonical unit, keeping the reported value and unit for provenance.

    Raises
    ------
    ValidationError
        If the unit is unknown or impossible for the quantity; the message names the value,
        the unit and the units expected.

    >>> round(normalise(Quantity.NO2, 10.0, "ppb").value, 1)
    19.1
    >>> round(normalise(Quantity.TEMPERATURE, 300.0, "K").value, 2)
    26.85
    """
    converters = _converters(quantity)
    label = _UNIT_ALIASES.get(_fold_unit(unit))
    if label is None or label not in converters:
        expected = ", ".join(converters)
        kind = "Unknown unit" if label is None else "Unit impossible for this quantity:"
        msg = f"{kind} {unit!r} for {quantity.value}={value!r}; expected one of {expected}."
        raise ValidationError(msg)
    return Normalised(
        quantity=quantity,
        value=converters[label](value),
        unit=spec_of(quantity).canonical_unit,
        reported_value=value,
        reported_unit=label,
    )


def convert_from_canonical(quantity: Quantity, value: float, unit: str) -> float:
    """Express a canonical value of ``quantity`` in another accepted ``unit`` (for display).

    The inverse of ``normalise``: ``convert_from_canonical(q, normalise(q, v, u).value, u) == v``
    up to rounding.

    >>> round(convert_from_canonical(Quantity.TEMPERATURE, 100.0, "°F"), 6)
    212.0
    """
    label = _UNIT_ALIASES.get(_fold_unit(unit))
    converters = _converters(quantity)
    if label is None or label not in converters:
        expected = ", ".join(converters)
        msg = f"Cannot express {quantity.value}={value!r} in {unit!r}; expected one of {expected}."
        raise ValidationError(msg)
    if label == "°F":
        return value * 9.0 / 5.0 + 32.0
    if label == "K":
        return value + ZERO_CELSIUS_K
    return value / converters[label](1.0)  # every other conversion is a pure scale factor

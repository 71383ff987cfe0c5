"""The closed set of quantities healthycity measures, their canonical units and plausible ranges.

Every reading is stored in the canonical unit of its quantity (see ``units.py`` for the
conversions). The plausibility range is the *physical* gross-error limit used by the range
check of ``quality.py``: a value outside it cannot be a real ambient measurement, whatever
the weather. It is deliberately wide; whether a plausible value is *suspicious* is the job of
the spike and flat-line checks.
"""

from dataclasses import dataclass
from enum import StrEnum

from healthycity.errors import ValidationError

UGM3 = "µg/m³"
MGM3 = "mg/m³"
CELSIUS = "°C"
PERCENT = "%"
GRAINS_M3 = "grains/m³"


class Quantity(StrEnum):
    """A measured quantity; the value is the identifier used in payloads and storage."""

    PM25 = "pm25"
    PM10 = "pm10"
    NO2 = "no2"
    O3 = "o3"
    SO2 = "so2"
    CO = "co"
    TEMPERATURE = "temperature"
    RELATIVE_HUMIDITY = "relative_humidity"
    # The six taxa of the Atmo France pollen index (2025): aulne, bouleau, olivier,
    # graminées, armoise, ambroisie (atmo-france.org, "Indice pollen", April 2025).
    POLLEN_ALDER = "pollen_alder"
    POLLEN_BIRCH = "pollen_birch"
    POLLEN_OLIVE = "pollen_olive"
    POLLEN_GRASSES = "pollen_grasses"
    POLLEN_MUGWORT = "pollen_mugwort"
    POLLEN_RAGWEED = "pollen_ragweed"


@dataclass(frozen=True)
class QuantitySpec:
    """What healthycity knows about a quantity: unit, labels, plausible range and why."""

    quantity: Quantity
    canonical_unit: str
    label_fr: str
    label_en: str
    min_plausible: float
    max_plausible: float
    range_source: str
    molar_mass_g_mol: float | None = None  # gases only: enables ppb/ppm conversions

    def is_plausible(self, value: float) -> bool:
        """Whether ``value`` (canonical unit) lies within the physical range, bounds included."""
        return self.min_plausible <= value <= self.max_plausible


# Molar masses from the IUPAC 2021 standard atomic weights (abridged, 5 significant digits):
# N 14.007, O 15.999, S 32.06, C 12.011 g/mol.
_M_NO2 = 14.007 + 2 * 15.999
_M_O3 = 3 * 15.999
_M_SO2 = 32.06 + 2 * 15.999
_M_CO = 12.011 + 15.999

# Upper bounds of the pollutants: the top of the "extremely poor" band of the EEA European Air
# Quality Index, 2017-2024 version (PM2.5 800, PM10 1200, NO2 1000, O3 800, SO2 1250 µg/m³).
# The EEA used them as the ceiling of valid hourly values in its index viewer; they are one to
# two orders of magnitude above the French alert thresholds (e.g. NO2 alert 400 µg/m³,
# code de l'environnement art. R221-1), so a value beyond them is an instrument fault.
_EAQI_CEILING = "EEA European Air Quality Index (2017 version), top of the 'extremely poor' band"
_POLLEN_RANGE = (
    "Chosen by healthycity (no regulatory ceiling exists): an order of magnitude above the "
    "highest daily counts reported by French aerobiology networks (a few thousand grains/m³)."
)

_SPECS: tuple[QuantitySpec, ...] = (
    QuantitySpec(Quantity.PM25, UGM3, "Particules fines PM2,5", "Fine particles PM2.5",
                 0.0, 800.0, f"0: a concentration is non-negative; 800: {_EAQI_CEILING}."),
    QuantitySpec(Quantity.PM10, UGM3, "Particules PM10", "Particles PM10",
                 0.0, 1200.0, f"0: a concentration is non-negative; 1200: {_EAQI_CEILING}."),
    QuantitySpec(Quantity.NO2, UGM3, "Dioxyde d'azote", "Nitrogen dioxide",
                 0.0, 1000.0, f"0: a concentration is non-negative; 1000: {_EAQI_CEILING}.",
                 molar_mass_g_mol=_M_NO2),
    QuantitySpec(Quantity.O3, UGM3, "Ozone", "Ozone",
                 0.0, 800.0, f"0: a concentration is non-negative; 800: {_EAQI_CEILING}.",
                 molar_mass_g_mol=_M_O3),
    QuantitySpec(Quantity.SO2, UGM3, "Dioxyde de soufre", "Sulphur dioxide",
                 0.0, 1250.0, f"0: a concentration is non-negative; 1250: {_EAQI_CEILING}.",
                 molar_mass_g_mol=_M_SO2),
    # CO is expressed in mg/m³ like its EU limit value (10 mg/m³, max daily 8-hour mean,
    # Directive 2008/50/EC Annex XI).
    QuantitySpec(Quantity.CO, MGM3, "Monoxyde de carbone", "Carbon monoxide",
                 0.0, 100.0,
                 "0: a concentration is non-negative; 100 mg/m³: ten times the EU limit value "
                 "(Directive 2008/50/EC Annex XI), chosen by healthycity as the ambient ceiling.",
                 molar_mass_g_mol=_M_CO),
    # Météo-France records for mainland France: 46.0 °C at Vérargues (34) on 28 June 2019 and
    # -36.7 °C at Mouthe (25) on 13 January 1968; the range adds a 10 °C margin either side.
    QuantitySpec(Quantity.TEMPERATURE, CELSIUS, "Température de l'air", "Air temperature",
                 -50.0, 56.0,
                 "Météo-France national records (46.0 °C Vérargues 2019-06-28, -36.7 °C Mouthe "
                 "1968-01-13) with a 10 °C margin."),
    QuantitySpec(Quantity.RELATIVE_HUMIDITY, PERCENT, "Humidité relative", "Relative humidity",
                 0.0, 100.0, "Definition of relative humidity (WMO-No. 8): 0 to 100 %."),
    QuantitySpec(Quantity.POLLEN_ALDER, GRAINS_M3, "Pollen d'aulne", "Alder pollen",
                 0.0, 50_000.0, _POLLEN_RANGE),
    QuantitySpec(Quantity.POLLEN_BIRCH, GRAINS_M3, "Pollen de bouleau", "Birch pollen",
                 0.0, 50_000.0, _POLLEN_RANGE),
    QuantitySpec(Quantity.POLLEN_OLIVE, GRAINS_M3, "Pollen d'olivier", "Olive pollen",
                 0.0, 50_000.0, _POLLEN_RANGE),
    QuantitySpec(Quantity.POLLEN_GRASSES, GRAINS_M3, "Pollen de graminées", "Grass pollen",
                 0.0, 50_000.0, _POLLEN_RANGE),
    QuantitySpec(Quantity.POLLEN_MUGWORT, GRAINS_M3, "Pollen d'armoise", "Mugwort pollen",
                 0.0, 50_000.0, _POLLEN_RANGE),
    QuantitySpec(Quantity.POLLEN_RAGWEED, GRAINS_M3, "Pollen d'ambroisie", "Ragweed pollen",
                 0.0, 50_000.0, _POLLEN_RANGE),
)  # fmt: skip

QUANTITY_SPECS: dict[Quantity, QuantitySpec] = {spec.quantity: spec for spec in _SPECS}
POLLEN_QUANTITIES: tuple[Quantity, ...] = tuple(q for q in Quantity if q.startswith("pollen_"))


def parse_quantity(name: str) -> Quantity:
    """The quantity called ``name``, or a ValidationError listing the known ones.

    >>> parse_quantity("no2")
    <Quantity.NO2: 'no2'>
    """
    try:
        return Quantity(name)
    except ValueError as exc:
        known = ", ".join(q.value for q in Quantity)
        msg = f"Unknown quantity {name!r}; expected one of {known}."
        raise ValidationError(msg) from exc


def spec_of(quantity: Quantity) -> QuantitySpec:
    """The specification of a quantity (every member of ``Quantity`` has one)."""
    return QUANTITY_SPECS[quantity]

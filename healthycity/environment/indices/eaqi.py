"""The European Air Quality Index (EAQI) of the European Environment Agency, hourly.

Version implemented: the EEA revision of the index bands, **ETC HE Report 2024/17 "EEA's
revision of the European air quality index bands", version 1, 3 July 2025**
(doi:10.5281/zenodo.15781195), as published in the index viewer
(https://airindex.eea.europa.eu/AQI/index.html). The revision aligned the bands with the 2021
WHO air quality guidelines and computes every sub-index, particles included, from **hourly**
concentrations (the 2017 version used 24-hour running means for PM10 and PM2.5).

The numbers below were transcribed from two independent public transcriptions of that report
and viewer, which agree; the report PDF itself could not be opened from here. The EEA lists
integer ranges ("Good 0-5, Fair 6-15"); for decimal values healthycity reads them as
right-closed bands with the upper integer as inclusive bound (5.0 Good, 5.01 Fair), so a value
is never rounded into a better band.

The index of a station is the poorest sub-index. The EEA computes it only for stations that
measure at least NO2 and PM (PM2.5 or PM10) at traffic stations, and NO2, O3 and PM elsewhere;
below that minimum the station has no index. The six colours are those of the EEA legend.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

from healthycity.environment.indices._bands import band_of
from healthycity.environment.quantities import Quantity
from healthycity.errors import ValidationError


class EaqiLevel(IntEnum):
    """Band of the European Air Quality Index; 0 when the index cannot be computed."""

    UNAVAILABLE = 0
    GOOD = 1
    FAIR = 2
    MODERATE = 3
    POOR = 4
    VERY_POOR = 5
    EXTREMELY_POOR = 6


@dataclass(frozen=True)
class EaqiStyle:
    """English label (EEA), French label (healthycity's translation, not an EEA text), colour."""

    label_en: str
    label_fr: str
    colour: str


EAQI_STYLES: dict[EaqiLevel, EaqiStyle] = {
    EaqiLevel.UNAVAILABLE: EaqiStyle("No data", "Indisponible", "#DDDDDD"),
    EaqiLevel.GOOD: EaqiStyle("Good", "Bon", "#50F0E6"),
    EaqiLevel.FAIR: EaqiStyle("Fair", "Correct", "#50CCAA"),
    EaqiLevel.MODERATE: EaqiStyle("Moderate", "Modéré", "#F0E641"),
    EaqiLevel.POOR: EaqiStyle("Poor", "Mauvais", "#FF5050"),
    EaqiLevel.VERY_POOR: EaqiStyle("Very poor", "Très mauvais", "#960032"),
    EaqiLevel.EXTREMELY_POOR: EaqiStyle("Extremely poor", "Extrêmement mauvais", "#7D2181"),
}

EAQI_POLLUTANTS: tuple[Quantity, ...] = (
    Quantity.PM25,
    Quantity.PM10,
    Quantity.NO2,
    Quantity.O3,
    Quantity.SO2,
)

# Inclusive upper bounds (µg/m³, hourly mean) of Good, Fair, Moderate, Poor, Very poor; above
# the last bound: Extremely poor. ETC HE Report 2024/17 v1 (2025-07-03), table of index bands.
EAQI_UPPER_BOUNDS: dict[Quantity, tuple[float, float, float, float, float]] = {
    Quantity.PM25: (5.0, 15.0, 50.0, 90.0, 140.0),  # 0-5, 6-15, 16-50, 51-90, 91-140, >140
    Quantity.PM10: (15.0, 45.0, 120.0, 195.0, 270.0),  # 0-15, 16-45, 46-120, 121-195, 196-270
    Quantity.NO2: (10.0, 25.0, 60.0, 100.0, 150.0),  # 0-10, 11-25, 26-60, 61-100, 101-150
    Quantity.O3: (60.0, 100.0, 120.0, 160.0, 180.0),  # 0-60, 61-100, 101-120, 121-160, 161-180
    Quantity.SO2: (20.0, 40.0, 125.0, 190.0, 275.0),  # 0-20, 21-40, 41-125, 126-190, 191-275
}

StationType = Literal["traffic", "background", "industrial"]


def _check_pollutant(pollutant: Quantity) -> None:
    if pollutant not in EAQI_UPPER_BOUNDS:
        expected = ", ".join(p.value for p in EAQI_POLLUTANTS)
        msg = f"{pollutant.value} is not an EAQI pollutant; expected one of {expected}."
        raise ValidationError(msg)


def eaqi_sub_index(pollutant: Quantity, hourly_ugm3: float) -> EaqiLevel:
    """EAQI band of one pollutant's hourly concentration; NaN gives ``UNAVAILABLE``.

    >>> eaqi_sub_index(Quantity.PM25, 5.0).name, eaqi_sub_index(Quantity.PM25, 5.01).name
    ('GOOD', 'FAIR')
    """
    _check_pollutant(pollutant)
    band = band_of(hourly_ugm3, EAQI_UPPER_BOUNDS[pollutant])
    return EaqiLevel.UNAVAILABLE if band is None else EaqiLevel(band)


@dataclass(frozen=True)
class EaqiIndex:
    """The EAQI of one hour and station, with its sub-indices and the values they came from."""

    level: EaqiLevel
    sub_indices: dict[Quantity, EaqiLevel]
    concentrations_ugm3: dict[Quantity, float]
    responsible: tuple[Quantity, ...]

    @property
    def style(self) -> EaqiStyle:
        """Labels and colour of the index."""
        return EAQI_STYLES[self.level]


def has_minimum_set(available: set[Quantity], station_type: StationType) -> bool:
    """Whether the EEA minimum set of pollutants is measured (NO2 + PM, plus O3 off-traffic).

    >>> has_minimum_set({Quantity.NO2, Quantity.PM10}, "traffic")
    True
    >>> has_minimum_set({Quantity.NO2, Quantity.PM10}, "background")
    False
    """
    has_pm = bool(available & {Quantity.PM25, Quantity.PM10})
    needs = {Quantity.NO2} if station_type == "traffic" else {Quantity.NO2, Quantity.O3}
    return has_pm and needs <= available


def compute_eaqi(
    hourly_ugm3: Mapping[Quantity, float], *, station_type: StationType = "background"
) -> EaqiIndex:
    """The EAQI of one hour: the poorest sub-index, if the minimum set of pollutants exists.

    Parameters
    ----------
    hourly_ugm3
        Hourly concentration per pollutant; absent or NaN means not measured.
    station_type
        The EEA station classification, which sets the minimum set of pollutants.

    Returns
    -------
    EaqiIndex
        ``UNAVAILABLE`` below the minimum set; otherwise the poorest available sub-index.

    >>> compute_eaqi({Quantity.PM10: 20.0, Quantity.NO2: 30.0, Quantity.O3: 70.0}).level.name
    'MODERATE'
    """
    for pollutant in hourly_ugm3:
        _check_pollutant(pollutant)
    concentrations = {p: float(hourly_ugm3.get(p, math.nan)) for p in EAQI_POLLUTANTS}
    sub_indices = {p: eaqi_sub_index(p, c) for p, c in concentrations.items()}
    available = {p for p, s in sub_indices.items() if s != EaqiLevel.UNAVAILABLE}
    if not has_minimum_set(available, station_type):
        return EaqiIndex(EaqiLevel.UNAVAILABLE, sub_indices, concentrations, ())
    level = max(sub_indices.values())
    responsible = tuple(p for p, s in sub_indices.items() if s == level)
    return EaqiIndex(level, sub_indices, concentrations, responsible)

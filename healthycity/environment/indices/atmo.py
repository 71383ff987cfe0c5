"""The French ATMO air-quality index of the arrêté du 10 juillet 2020 (in force since 2021-01-01).

Source: *Arrêté du 10 juillet 2020 relatif à l'indice de la qualité de l'air ambiant*, NOR
TRER2017892A, JORF n° 185 du 29 juillet 2020 (Legifrance JORFTEXT000042164835), Annexe I
"Méthode de calcul des sous-indices journaliers" and the article on qualificatifs and colours.

- Five sub-indices, one per pollutant, each a qualificatif among six (bon … extrêmement
  mauvais); the index of the day is the worst sub-index (the "indice est le résultat agrégé de
  la surveillance de cinq polluants").
- Aggregation over the day: SO2, NO2 and O3 use the daily maximum of hourly values ("maximum
  des maxima horaires journaliers", Annexe I 1.1 to 1.3); PM10 and PM2.5 the daily mean.
- Tables are right-closed: "40 < concentration ≤ 90 : Moyen". Concentrations are compared as
  given, without rounding (the arrêté states no rounding rule).

What was checked against the text and what was not
--------------------------------------------------
Read in the Legifrance text: the SO2 and NO2 tables in full, the first two O3 classes (≤ 50,
≤ 100), the aggregation of SO2, NO2 and O3, the six qualificatifs and the colour names (bleu,
vert, jaune, rouge, pourpre, magenta). Taken from secondary transcriptions of Annexe I (Atmo
France technical notice of 14 December 2020, AASQA pages and public implementations, which
agree with each other): the O3 classes above 100, the PM10 and PM2.5 tables and their daily
mean. The arrêté names the colours but gives no codes: the hex codes are those of the Atmo
France graphic charter as served by the Atmo Data API (``coul_qual``), including #DDDDDD for
"indisponible". Re-read the Journal officiel facsimile before relying on the unverified rows.

Data sufficiency is not defined by the arrêté: a day is "indisponible" for a pollutant when
fewer than 18 of its 24 hourly values exist, the 75 % rule of Directive 2008/50/EC (Annex XI A,
aggregation of hourly data to daily values), chosen by healthycity.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

import numpy as np
import numpy.typing as npt

from healthycity.environment.indices._bands import band_of
from healthycity.environment.quantities import Quantity
from healthycity.errors import ValidationError


class AtmoLevel(IntEnum):
    """Qualificatif of an ATMO (sub-)index; the codes are those of the Atmo Data API."""

    INDISPONIBLE = 0
    BON = 1
    MOYEN = 2
    DEGRADE = 3
    MAUVAIS = 4
    TRES_MAUVAIS = 5
    EXTREMEMENT_MAUVAIS = 6


@dataclass(frozen=True)
class LevelStyle:
    """How a level is shown: French label (official), English label, colour."""

    label_fr: str
    label_en: str
    colour: str


ATMO_STYLES: dict[AtmoLevel, LevelStyle] = {
    AtmoLevel.INDISPONIBLE: LevelStyle("Indisponible", "Unavailable", "#DDDDDD"),
    AtmoLevel.BON: LevelStyle("Bon", "Good", "#50F0E6"),  # bleu
    AtmoLevel.MOYEN: LevelStyle("Moyen", "Fair", "#50CCAA"),  # vert
    AtmoLevel.DEGRADE: LevelStyle("Dégradé", "Degraded", "#F0E641"),  # jaune
    AtmoLevel.MAUVAIS: LevelStyle("Mauvais", "Poor", "#FF5050"),  # rouge
    AtmoLevel.TRES_MAUVAIS: LevelStyle("Très mauvais", "Very poor", "#960032"),  # pourpre
    AtmoLevel.EXTREMEMENT_MAUVAIS: LevelStyle(
        "Extrêmement mauvais",
        "Extremely poor",
        "#872181",  # magenta
    ),
}

ATMO_POLLUTANTS: tuple[Quantity, ...] = (
    Quantity.PM25,
    Quantity.PM10,
    Quantity.NO2,
    Quantity.O3,
    Quantity.SO2,
)

# Inclusive upper bounds (µg/m³) of bon, moyen, dégradé, mauvais, très mauvais; above the last
# bound: extrêmement mauvais. Arrêté du 10 juillet 2020, Annexe I.
ATMO_UPPER_BOUNDS: dict[Quantity, tuple[float, float, float, float, float]] = {
    # 1.1 "concentration ≤ 100 | Bon ; 100 < c ≤ 200 | Moyen ; 200 < c ≤ 350 | Dégradé ;
    #      350 < c ≤ 500 | Mauvais ; 500 < c ≤ 750 | Très mauvais ; c > 750 | Extrêmement mauvais"
    Quantity.SO2: (100.0, 200.0, 350.0, 500.0, 750.0),
    # 1.2 "c ≤ 40 | Bon ; 40 < c ≤ 90 | Moyen ; 90 < c ≤ 120 | Dégradé ; 120 < c ≤ 230 |
    #      Mauvais ; 230 < c ≤ 340 | Très mauvais ; c > 340 | Extrêmement mauvais"
    Quantity.NO2: (40.0, 90.0, 120.0, 230.0, 340.0),
    # 1.3 "c ≤ 50 | Bon ; 50 < c ≤ 100 | Moyen" (read); 130, 240, 380 (secondary transcription)
    Quantity.O3: (50.0, 100.0, 130.0, 240.0, 380.0),
    # PM10 daily mean: 20, 40, 50, 100, 150 (secondary transcription of Annexe I)
    Quantity.PM10: (20.0, 40.0, 50.0, 100.0, 150.0),
    # PM2.5 daily mean: 10, 20, 25, 50, 75 (secondary transcription of Annexe I)
    Quantity.PM25: (10.0, 20.0, 25.0, 50.0, 75.0),
}

Aggregation = Literal["daily_max_of_hourly", "daily_mean"]
ATMO_AGGREGATION: dict[Quantity, Aggregation] = {
    Quantity.SO2: "daily_max_of_hourly",  # Annexe I 1.1 "maximum du maxima horaire journalier"
    Quantity.NO2: "daily_max_of_hourly",  # Annexe I 1.2 "maximum des maxima horaires journaliers"
    Quantity.O3: "daily_max_of_hourly",  # Annexe I 1.3 "maximum des maxima horaires journaliers"
    Quantity.PM10: "daily_mean",
    Quantity.PM25: "daily_mean",
}

MIN_HOURS_PER_DAY = 18  # 75 % of 24 hourly values, Directive 2008/50/EC Annex XI A


def _check_pollutant(pollutant: Quantity) -> None:
    if pollutant not in ATMO_UPPER_BOUNDS:
        expected = ", ".join(p.value for p in ATMO_POLLUTANTS)
        msg = f"{pollutant.value} is not an ATMO pollutant; expected one of {expected}."
        raise ValidationError(msg)


def atmo_sub_index(pollutant: Quantity, concentration_ugm3: float) -> AtmoLevel:
    """Qualificatif of one pollutant's daily concentration (already aggregated over the day).

    NaN (no valid aggregate) gives ``INDISPONIBLE``.

    >>> atmo_sub_index(Quantity.NO2, 90.0).name, atmo_sub_index(Quantity.NO2, 90.1).name
    ('MOYEN', 'DEGRADE')
    """
    _check_pollutant(pollutant)
    band = band_of(concentration_ugm3, ATMO_UPPER_BOUNDS[pollutant])
    return AtmoLevel.INDISPONIBLE if band is None else AtmoLevel(band)


def aggregate_day(
    pollutant: Quantity,
    hourly_ugm3: npt.NDArray[np.float64],
    *,
    min_hours: int = MIN_HOURS_PER_DAY,
) -> float:
    """The daily statistic of the arrêté for one pollutant, from the day's hourly values.

    Parameters
    ----------
    pollutant
        One of the five ATMO pollutants.
    hourly_ugm3
        The hourly values of one day (NaN for a missing or rejected hour).
    min_hours
        Fewer valid hours than this and the day is unavailable.

    Returns
    -------
    float
        Daily maximum of hourly values (SO2, NO2, O3) or daily mean (PM10, PM2.5); NaN when
        fewer than ``min_hours`` valid values exist.

    >>> aggregate_day(Quantity.NO2, np.array([10.0, 55.0, np.nan]), min_hours=2)
    55.0
    """
    _check_pollutant(pollutant)
    valid = hourly_ugm3[~np.isnan(hourly_ugm3)]
    if valid.size < min_hours or valid.size == 0:
        return math.nan
    if ATMO_AGGREGATION[pollutant] == "daily_mean":
        return float(valid.mean())
    return float(valid.max())


@dataclass(frozen=True)
class AtmoIndex:
    """An ATMO index of one day and place, with the sub-indices and values it came from."""

    level: AtmoLevel
    sub_indices: dict[Quantity, AtmoLevel]
    concentrations_ugm3: dict[Quantity, float]
    responsible: tuple[Quantity, ...]  # pollutants whose sub-index equals the index

    @property
    def style(self) -> LevelStyle:
        """Labels and colour of the index."""
        return ATMO_STYLES[self.level]


def _classed(
    ugm3: Mapping[Quantity, float], pollutants: Sequence[Quantity]
) -> tuple[dict[Quantity, float], dict[Quantity, AtmoLevel]]:
    """Each of ``pollutants``' concentration (NaN when not given) and sub-index.

    Raises ``ValidationError`` for a given quantity the index does not know.
    """
    for pollutant in ugm3:
        _check_pollutant(pollutant)
    concentrations = {p: float(ugm3.get(p, math.nan)) for p in pollutants}
    return concentrations, {p: atmo_sub_index(p, c) for p, c in concentrations.items()}


def compute_atmo_index(daily_ugm3: Mapping[Quantity, float]) -> AtmoIndex:
    """The ATMO index: the worst of the five sub-indices.

    Parameters
    ----------
    daily_ugm3
        Daily statistic per pollutant (see ``aggregate_day``); a missing pollutant or NaN is
        unavailable.

    Returns
    -------
    AtmoIndex
        ``INDISPONIBLE`` when a pollutant is unavailable, because the index aggregates all five
        (arrêté, art. 3) and the missing one could be the worst; except when an available
        sub-index is already ``EXTREMEMENT_MAUVAIS``, which no missing value could exceed.

    >>> compute_atmo_index({Quantity.PM25: 12.0, Quantity.PM10: 15.0, Quantity.NO2: 95.0,
    ...                     Quantity.O3: 60.0, Quantity.SO2: 3.0}).level.name
    'DEGRADE'
    """
    concentrations, sub_indices = _classed(daily_ugm3, ATMO_POLLUTANTS)
    worst = max(sub_indices.values())
    complete = AtmoLevel.INDISPONIBLE not in sub_indices.values()
    level = worst if complete or worst == AtmoLevel.EXTREMEMENT_MAUVAIS else AtmoLevel.INDISPONIBLE
    responsible = tuple(p for p, s in sub_indices.items() if s == level and level)
    return AtmoIndex(level, sub_indices, concentrations, responsible)


# Pollutants whose daily statistic is the maximum of the hourly values (Annexe I): for them
# the class of one hour is a class the day's sub-index reaches at least. PM10 and PM2.5 are
# classed on the daily mean, so one hour's value has no class on their scale.
ATMO_HOURLY_POLLUTANTS: tuple[Quantity, ...] = tuple(
    p for p in ATMO_POLLUTANTS if ATMO_AGGREGATION[p] == "daily_max_of_hourly"
)


def compute_atmo_hour(hourly_ugm3: Mapping[Quantity, float]) -> AtmoIndex:
    """The ATMO classes of one hour: the worst class of its NO2, O3 and SO2 hourly values.

    Not an index the arrêté defines (it defines a daily one), but a bound of it: the day's
    NO2, O3 and SO2 sub-indices are classes of the day's highest hourly value, so the day's
    index is at least the class of any of its hours (when the day is available). This is what
    hourly alert rules watch. The European AQI is no substitute: its bands (EEA 2025) are not
    the arrêté's (NO2 "poor" from 61 µg/m³ against *mauvais* from 121 µg/m³). ``INDISPONIBLE``
    when none of the three pollutants has a value.

    >>> compute_atmo_hour({Quantity.NO2: 150.0, Quantity.O3: 60.0}).level.name
    'MAUVAIS'
    >>> compute_atmo_hour({Quantity.PM10: 300.0}).level.name
    'INDISPONIBLE'
    """
    concentrations, sub_indices = _classed(hourly_ugm3, ATMO_HOURLY_POLLUTANTS)
    level = max(sub_indices.values())
    responsible = tuple(p for p, s in sub_indices.items() if s == level and level)
    return AtmoIndex(level, sub_indices, concentrations, responsible)


def compute_atmo_from_hourly(
    hourly_ugm3: Mapping[Quantity, npt.NDArray[np.float64]],
    *,
    min_hours: int = MIN_HOURS_PER_DAY,
) -> AtmoIndex:
    """The ATMO index of one day from each pollutant's hourly values of that day."""
    daily = {p: aggregate_day(p, v, min_hours=min_hours) for p, v in hourly_ugm3.items()}
    return compute_atmo_index(daily)

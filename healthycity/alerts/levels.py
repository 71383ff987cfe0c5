"""Hazard levels the alerts speak of, and how they map to CAP urgency, severity, certainty.

The scales are those French authorities publish; the alerts domain keeps its own copy of
their names so that it does not import the environment domain (candidate alerts reach it
through a small function interface).

- Air quality: the ATMO index, six classes (arrêté du 10 juillet 2020 relatif à l'indice
  de la qualité de l'air ambiant, annexe I).
- Pollen: the pollen index Atmo France and the AASQA publish since 2 April 2025, six
  levels from *très faible* to *extrêmement élevé* (codes 1 to 6), the scale the
  environment domain computes (issue #4; ``environment/indices/pollen.py``). It replaced,
  for the regional observatories, the RNSA *risque allergique d'exposition aux pollens*
  (RAEP, 0 to 5) this module used before.
- Heat: Météo-France *vigilance canicule*, green to red.
- Drinking water: the restriction an ARS orders after a non-conform analysis.

CAP 1.2 §3.2.2 defines severity by the threat to life or property: Extreme
"extraordinary", Severe "significant", Moderate "possible", Minor "minimal to no known"
threat. The mapping, level by level:

- ATMO *mauvais* → Moderate: a possible threat, chiefly to vulnerable people, for whom
  the national messages for the information threshold ask to limit effort (arrêté du
  20 août 2014 modifié, annexe a). *Très mauvais* → Severe: the class starts at the alert
  thresholds for ozone (240 µg/m³) and SO2 (500 µg/m³) and lies above the PM10 one
  (80 µg/m³; thresholds of code de l'environnement art. R. 221-1), where the whole
  population is asked to reduce effort (annexe b). *Extrêmement mauvais* → Extreme.
  *Bon* to *dégradé* raise no alert. The ATMO classes are those of the European Air
  Quality Index (EEA); the correspondence is loosest for NO2, whose information (200) and
  alert (400) thresholds fall inside *mauvais* and *extrêmement mauvais*.
- Pollen *élevé* (4 of 6), *très élevé* and *extrêmement élevé* → Moderate. *Élevé* is
  the level Atmo France calls a "pic pollen" (pollen peak) when it presents the index, so
  it is where alerts start. A possible threat to the health of allergic and asthmatic
  people (about 20 % of children and 30 % of adults are allergic to pollen, ANSES, note
  d'appui scientifique 2020-AST-0168, 2022), never a significant threat to life for the
  public; a higher level means more people affected, not a graver outcome. *Très faible*
  to *modéré* raise no alert.
- Vigilance *jaune* → Moderate, *orange* → Severe, *rouge* → Extreme: the colour ↔
  severity correspondence of the CAP profile of MeteoAlarm, the EUMETNET platform to
  which European weather services, Météo-France among them, send their warnings
  (``awareness_level`` "2; yellow; Moderate", "3; orange; Severe", "4; red; Extreme").
  Green raises no alert.

Urgency and certainty depend on whether the level is observed or forecast (CAP 1.2
§3.2.2): an observed level calls for action now (Immediate, Observed); a forecast one is
the forecaster's most probable outcome (Likely, p > ~50 %) and calls for action within
the hour (Expected) or later (Future).
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from healthycity.alerts.models import Certainty, Severity, Urgency
from healthycity.errors import ValidationError


class Hazard(StrEnum):
    """What an alert is about."""

    AIR_QUALITY = "air_quality"
    POLLEN = "pollen"
    HEAT = "heat"
    DRINKING_WATER = "drinking_water"
    # Hazards without a level scale of their own: manual alerts, and room for the epidemic
    # signals of the surveillance domain.
    EPIDEMIC = "epidemic"
    OTHER = "other"


class AtmoLevel(StrEnum):
    """ATMO index classes, from best to worst (arrêté du 10 juillet 2020)."""

    BON = "bon"
    MOYEN = "moyen"
    DEGRADE = "degrade"
    MAUVAIS = "mauvais"
    TRES_MAUVAIS = "tres_mauvais"
    EXTREMEMENT_MAUVAIS = "extremement_mauvais"


class PollenRisk(IntEnum):
    """Pollen index level of Atmo France (since April 2025), codes 1 to 6.

    The codes are those of the Atmo Data API and of the environment domain's
    ``PollenLevel``, whose 0 ("indisponible") is no level here: an unavailable index
    raises no observation.
    """

    TRES_FAIBLE = 1
    FAIBLE = 2
    MODERE = 3
    ELEVE = 4
    TRES_ELEVE = 5
    EXTREMEMENT_ELEVE = 6


class HeatVigilance(StrEnum):
    """Météo-France heat-wave vigilance colours."""

    VERT = "vert"
    JAUNE = "jaune"
    ORANGE = "orange"
    ROUGE = "rouge"


class WaterRestriction(StrEnum):
    """Restrictions an ARS orders on tap water (issued as manual alerts).

    ``SENSITIVE_GROUPS``: nitrates between the 50 mg/L quality limit and 100 mg/L, water
    not to be drunk by pregnant women and infants (arrêté du 11 janvier 2007; ANSES).
    ``BOIL_BEFORE_USE``: microbiological contamination, water to be boiled for food uses.
    """

    SENSITIVE_GROUPS = "sensitive_groups"
    BOIL_BEFORE_USE = "boil_before_use"


HazardLevel = AtmoLevel | PollenRisk | HeatVigilance | WaterRestriction

LEVEL_TYPES: dict[Hazard, type[AtmoLevel | PollenRisk | HeatVigilance | WaterRestriction]] = {
    Hazard.AIR_QUALITY: AtmoLevel,
    Hazard.POLLEN: PollenRisk,
    Hazard.HEAT: HeatVigilance,
    Hazard.DRINKING_WATER: WaterRestriction,
}

# Levels that raise an alert, with their CAP severity (rationale in the module docstring).
# Keyed by hazard too: members of two StrEnums with the same value would be equal keys.
# Drinking-water alerts are manual: the operator states the severity.
SEVERITIES: dict[tuple[Hazard, HazardLevel], Severity] = {
    (Hazard.AIR_QUALITY, AtmoLevel.MAUVAIS): Severity.MODERATE,
    (Hazard.AIR_QUALITY, AtmoLevel.TRES_MAUVAIS): Severity.SEVERE,
    (Hazard.AIR_QUALITY, AtmoLevel.EXTREMEMENT_MAUVAIS): Severity.EXTREME,
    (Hazard.POLLEN, PollenRisk.ELEVE): Severity.MODERATE,
    (Hazard.POLLEN, PollenRisk.TRES_ELEVE): Severity.MODERATE,
    (Hazard.POLLEN, PollenRisk.EXTREMEMENT_ELEVE): Severity.MODERATE,
    (Hazard.HEAT, HeatVigilance.JAUNE): Severity.MODERATE,
    (Hazard.HEAT, HeatVigilance.ORANGE): Severity.SEVERE,
    (Hazard.HEAT, HeatVigilance.ROUGE): Severity.EXTREME,
}

EXPECTED_WITHIN_H = 1.0  # CAP 1.2 §3.2.2: Expected = "soon (within next hour)"


@dataclass(frozen=True)
class CapRatings:
    """The three CAP ratings of an info block."""

    urgency: Urgency
    severity: Severity
    certainty: Certainty


def check_level(hazard: Hazard, level: HazardLevel) -> None:
    """Reject a level of another hazard's scale (e.g. an ATMO class for heat)."""
    expected = LEVEL_TYPES.get(hazard)
    if expected is None:
        msg = f"hazard {hazard} with level {level!r}; expected no level (that hazard has no scale)."
        raise ValidationError(msg)
    if not isinstance(level, expected):
        msg = f"hazard {hazard} with level {level!r}; expected one of {[str(v) for v in expected]}."
        raise ValidationError(msg)


def _level_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.strip().lower())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", bare)


# Short names accepted wherever a hazard is read from text (rules files, API bodies).
HAZARD_ALIASES: dict[str, Hazard] = {"air": Hazard.AIR_QUALITY, "water": Hazard.DRINKING_WATER}


def parse_hazard(text: str) -> Hazard:
    """Read a hazard from its value or short name.

    >>> parse_hazard("air"), parse_hazard("heat")
    (<Hazard.AIR_QUALITY: 'air_quality'>, <Hazard.HEAT: 'heat'>)
    """
    key = _level_key(text)
    if key in HAZARD_ALIASES:
        return HAZARD_ALIASES[key]
    try:
        return Hazard(key)
    except ValueError as exc:
        names = [h.value for h in Hazard] + list(HAZARD_ALIASES)
        msg = f"hazard {text!r}; expected one of {names}."
        raise ValidationError(msg) from exc


def scale_of(hazard: Hazard) -> tuple[HazardLevel, ...]:
    """The levels of ``hazard``'s scale from the least to the most severe; () if it has none."""
    levels = LEVEL_TYPES.get(hazard)
    return () if levels is None else tuple(levels)


def parse_level(hazard: Hazard, text: str) -> HazardLevel:
    """Read a level of ``hazard``'s scale from its name or value, accents and case ignored.

    >>> parse_level(Hazard.AIR_QUALITY, "Très mauvais")
    <AtmoLevel.TRES_MAUVAIS: 'tres_mauvais'>
    >>> parse_level(Hazard.POLLEN, "élevé"), parse_level(Hazard.POLLEN, "4")
    (<PollenRisk.ELEVE: 4>, <PollenRisk.ELEVE: 4>)
    """
    key = _level_key(text)
    for level in scale_of(hazard):
        if key in (_level_key(level.name), _level_key(str(level.value))):
            return level
    names = [
        level.value if isinstance(level, str) else f"{level.value} ({level.name.lower()})"
        for level in scale_of(hazard)
    ]
    expected = f"one of {names}" if names else "no level (that hazard has no scale)"
    msg = f"hazard {hazard} with level {text!r}; expected {expected}."
    raise ValidationError(msg)


def cap_ratings(
    hazard: Hazard, level: HazardLevel, *, is_observed: bool, hours_to_onset: float = 0.0
) -> CapRatings | None:
    """CAP ratings of an automatic alert, or None when ``level`` raises no alert.

    Parameters
    ----------
    hazard, level
        The hazard and its level on that hazard's scale.
    is_observed
        True for a measured or current level, False for a forecast.
    hours_to_onset
        For a forecast, hours until the level is expected to start.

    Examples
    --------
    >>> cap_ratings(Hazard.AIR_QUALITY, AtmoLevel.TRES_MAUVAIS, is_observed=True)
    CapRatings(urgency=<Urgency.IMMEDIATE: 'Immediate'>, severity=<Severity.SEVERE: 'Severe'>, certainty=<Certainty.OBSERVED: 'Observed'>)
    >>> cap_ratings(Hazard.HEAT, HeatVigilance.ROUGE, is_observed=False, hours_to_onset=20).urgency
    <Urgency.FUTURE: 'Future'>
    >>> cap_ratings(Hazard.POLLEN, PollenRisk.MODERE, is_observed=True) is None
    True
    """  # noqa: E501 - a doctest output line
    check_level(hazard, level)
    severity = SEVERITIES.get((hazard, level))
    if severity is None:
        return None
    if is_observed:
        return CapRatings(Urgency.IMMEDIATE, severity, Certainty.OBSERVED)
    urgency = Urgency.EXPECTED if hours_to_onset <= EXPECTED_WITHIN_H else Urgency.FUTURE
    return CapRatings(urgency, severity, Certainty.LIKELY)

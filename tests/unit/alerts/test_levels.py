"""Index levels to CAP urgency, severity and certainty."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.alerts.levels import (
    SEVERITIES,
    AtmoLevel,
    CapRatings,
    Hazard,
    HazardLevel,
    HeatVigilance,
    PollenRisk,
    WaterRestriction,
    cap_ratings,
    parse_level,
)
from healthycity.alerts.models import Certainty, Severity, Urgency
from healthycity.errors import ValidationError

SEVERITY_RANK = [Severity.MINOR, Severity.MODERATE, Severity.SEVERE, Severity.EXTREME]
SCALES: dict[Hazard, list[HazardLevel]] = {
    Hazard.AIR_QUALITY: list(AtmoLevel),
    Hazard.POLLEN: list(PollenRisk),
    Hazard.HEAT: list(HeatVigilance),
}


@pytest.mark.parametrize(
    ("hazard", "level", "severity"),
    [
        (Hazard.AIR_QUALITY, AtmoLevel.BON, None),
        (Hazard.AIR_QUALITY, AtmoLevel.DEGRADE, None),
        (Hazard.AIR_QUALITY, AtmoLevel.MAUVAIS, Severity.MODERATE),
        (Hazard.AIR_QUALITY, AtmoLevel.TRES_MAUVAIS, Severity.SEVERE),
        (Hazard.AIR_QUALITY, AtmoLevel.EXTREMEMENT_MAUVAIS, Severity.EXTREME),
        (Hazard.POLLEN, PollenRisk.MODERE, None),
        (Hazard.POLLEN, PollenRisk.ELEVE, Severity.MODERATE),
        (Hazard.POLLEN, PollenRisk.TRES_ELEVE, Severity.MODERATE),
        (Hazard.POLLEN, PollenRisk.EXTREMEMENT_ELEVE, Severity.MODERATE),
        (Hazard.HEAT, HeatVigilance.VERT, None),
        (Hazard.HEAT, HeatVigilance.JAUNE, Severity.MODERATE),
        (Hazard.HEAT, HeatVigilance.ORANGE, Severity.SEVERE),
        (Hazard.HEAT, HeatVigilance.ROUGE, Severity.EXTREME),
        (Hazard.DRINKING_WATER, WaterRestriction.BOIL_BEFORE_USE, None),  # manual alerts
    ],
)
def test_cap_ratings_maps_levels_to_severity(
    hazard: Hazard, level: HazardLevel, severity: Severity | None
) -> None:
    ratings = cap_ratings(hazard, level, is_observed=True)
    if severity is None:
        assert ratings is None
    else:
        assert ratings == CapRatings(Urgency.IMMEDIATE, severity, Certainty.OBSERVED)


@pytest.mark.parametrize(
    ("hours_to_onset", "urgency"),
    [(0.0, Urgency.EXPECTED), (1.0, Urgency.EXPECTED), (1.5, Urgency.FUTURE), (30, Urgency.FUTURE)],
)
def test_cap_ratings_of_a_forecast_are_likely_and_expected_or_future(
    hours_to_onset: float, urgency: Urgency
) -> None:
    ratings = cap_ratings(
        Hazard.HEAT, HeatVigilance.ORANGE, is_observed=False, hours_to_onset=hours_to_onset
    )
    assert ratings == CapRatings(urgency, Severity.SEVERE, Certainty.LIKELY)


def test_cap_ratings_refuses_a_level_of_another_scale() -> None:
    with pytest.raises(ValidationError, match=r"hazard heat with level <AtmoLevel\.MAUVAIS"):
        cap_ratings(Hazard.HEAT, AtmoLevel.MAUVAIS, is_observed=True)


def test_severities_only_use_levels_of_their_own_hazard() -> None:
    for hazard, level in SEVERITIES:
        assert level in SCALES[hazard]


@given(st.sampled_from(list(SCALES)), st.data())
def test_cap_ratings_never_lowers_severity_as_the_level_rises(
    hazard: Hazard, data: st.DataObject
) -> None:
    scale = SCALES[hazard]
    low, high = sorted(data.draw(st.lists(st.integers(0, len(scale) - 1), min_size=2, max_size=2)))
    low_ratings = cap_ratings(hazard, scale[low], is_observed=True)
    high_ratings = cap_ratings(hazard, scale[high], is_observed=True)
    if low_ratings is not None:
        assert high_ratings is not None
        assert SEVERITY_RANK.index(high_ratings.severity) >= SEVERITY_RANK.index(
            low_ratings.severity
        )


def test_parse_level_pollen_reads_the_atmo_france_six_levels() -> None:
    names = ["très faible", "faible", "modéré", "élevé", "très élevé", "extrêmement élevé"]
    assert [parse_level(Hazard.POLLEN, n) for n in names] == list(PollenRisk)
    assert [int(level) for level in PollenRisk] == [1, 2, 3, 4, 5, 6]  # Atmo Data API codes
    with pytest.raises(ValidationError, match="0"):
        parse_level(Hazard.POLLEN, "0")  # "indisponible" is no level: no observation

"""Advice by hazard, level and audience: complete, sourced, bilingual, and well chosen."""

from urllib.parse import urlsplit

import pytest

from healthycity.alerts._advice_catalogue import CATALOGUE
from healthycity.alerts.advice import (
    VULNERABLE,
    Audience,
    Pollutant,
    advice_for,
    compose_instruction,
)
from healthycity.alerts.levels import (
    LEVEL_TYPES,
    SEVERITIES,
    AtmoLevel,
    Hazard,
    HazardLevel,
    HeatVigilance,
    PollenRisk,
    WaterRestriction,
)
from healthycity.errors import ValidationError

ALERTING_LEVELS: list[tuple[Hazard, HazardLevel]] = [
    *SEVERITIES,
    *((Hazard.DRINKING_WATER, level) for level in WaterRestriction),
]


def _keys(
    hazard: Hazard, level: HazardLevel, audience: Audience, pollutant: Pollutant | None = None
) -> list[str]:
    return [item.key for item in advice_for(hazard, level, [audience], pollutant=pollutant)]


def test_catalogue_items_are_unique_bilingual_sourced_and_on_their_hazard_scale() -> None:
    assert len({item.key for item in CATALOGUE}) == len(CATALOGUE)
    for item in CATALOGUE:
        assert item.fr.strip(), item.key
        assert item.en.strip(), item.key
        assert item.fr != item.en, item.key
        assert item.source.url.startswith("https://"), item.key
        assert item.source.title, item.key
        assert item.source.publisher, item.key
        assert item.source.date, item.key
        assert item.levels, item.key
        assert item.audiences, item.key
        for level in item.levels:
            assert isinstance(level, LEVEL_TYPES[item.hazard]), item.key
        assert item.pollutants is None or item.hazard is Hazard.AIR_QUALITY, item.key


# Hosts of official publishers (State, its agencies, Légifrance); anything else is a report.
OFFICIAL_HOSTS = (".gouv.fr", "gouvernement.fr", ".sante.fr", "santepubliquefrance.fr")


def test_catalogue_cites_official_texts_or_flags_the_report_as_secondary() -> None:
    for item in CATALOGUE:
        host = urlsplit(item.source.url).hostname or ""
        is_official = host.endswith(OFFICIAL_HOSTS)
        assert is_official or item.source.is_secondary, (item.key, host)
        if item.source.is_secondary:  # the report names the authority it relays
            assert "via " in item.source.publisher, item.key


@pytest.mark.parametrize(("hazard", "level"), ALERTING_LEVELS)
@pytest.mark.parametrize("audience", list(Audience))
def test_advice_for_advises_every_audience_at_every_alerting_level(
    hazard: Hazard, level: HazardLevel, audience: Audience
) -> None:
    assert advice_for(hazard, level, [audience])


@pytest.mark.parametrize(
    ("hazard", "level"),
    [(Hazard.AIR_QUALITY, AtmoLevel.DEGRADE), (Hazard.POLLEN, PollenRisk.MODERE)],
)
def test_advice_for_says_nothing_below_the_alerting_levels(
    hazard: Hazard, level: HazardLevel
) -> None:
    assert advice_for(hazard, level, list(Audience)) == ()


def test_advice_for_general_public_at_mauvais_is_the_no_change_message() -> None:
    (item,) = advice_for(Hazard.AIR_QUALITY, AtmoLevel.MAUVAIS, [Audience.GENERAL])
    assert item.fr == "Il n'est pas nécessaire de modifier vos activités habituelles."
    assert "20 août 2014" in item.source.title


@pytest.mark.parametrize(
    ("pollutant", "expected"),
    [
        ("o3", ["air-info-ozone-afternoon", "air-info-ozone-effort", "air-info-symptoms"]),
        ("no2", ["air-info-traffic", "air-info-effort", "air-info-symptoms"]),
        ("pm25", ["air-info-traffic", "air-info-effort", "air-info-symptoms"]),
        (None, ["air-info-traffic", "air-info-effort", "air-info-symptoms"]),
    ],
)
def test_advice_for_vulnerable_people_depends_on_the_pollutant(
    pollutant: Pollutant | None, expected: list[str]
) -> None:
    for audience in VULNERABLE:
        assert _keys(Hazard.AIR_QUALITY, AtmoLevel.MAUVAIS, audience, pollutant) == expected


def test_advice_for_alert_level_asks_everyone_to_reduce_effort() -> None:
    athletes = _keys(Hazard.AIR_QUALITY, AtmoLevel.EXTREMEMENT_MAUVAIS, Audience.ATHLETES)
    assert athletes == ["air-alert-general-effort", "air-alert-general-discomfort"]
    elderly = _keys(Hazard.AIR_QUALITY, AtmoLevel.TRES_MAUVAIS, Audience.ELDERLY)
    assert "air-alert-effort" in elderly
    assert "air-info-effort" not in elderly


def test_advice_for_heat_adds_stronger_advice_at_red() -> None:
    orange = _keys(Hazard.HEAT, HeatVigilance.ORANGE, Audience.ATHLETES)
    red = _keys(Hazard.HEAT, HeatVigilance.ROUGE, Audience.ATHLETES)
    assert "heat-orange-exposed" in orange
    assert "heat-red-stop-effort" not in orange
    assert set(orange) < set(red)
    assert "heat-red-stop-effort" in red


def test_advice_for_young_children_and_workers_get_their_own_heat_items() -> None:
    assert "heat-child-car" in _keys(Hazard.HEAT, HeatVigilance.JAUNE, Audience.YOUNG_CHILDREN)
    assert "heat-child-car" not in _keys(Hazard.HEAT, HeatVigilance.JAUNE, Audience.GENERAL)
    assert "heat-work-water" in _keys(Hazard.HEAT, HeatVigilance.JAUNE, Audience.OUTDOOR_WORKERS)


def test_advice_for_nitrates_spares_everyone_but_infants_and_pregnant_women() -> None:
    level = WaterRestriction.SENSITIVE_GROUPS
    pregnant = _keys(Hazard.DRINKING_WATER, level, Audience.PREGNANT)
    assert pregnant == ["water-nitrates-sensitive"]
    assert _keys(Hazard.DRINKING_WATER, level, Audience.ELDERLY) == ["water-nitrates-others"]


def test_advice_for_pollen_targets_allergic_people() -> None:
    allergic = _keys(Hazard.POLLEN, PollenRisk.ELEVE, Audience.RESPIRATORY)
    assert "pollen-treatment" in allergic
    assert _keys(Hazard.POLLEN, PollenRisk.ELEVE, Audience.CARDIOVASCULAR) == ["pollen-recognise"]


def test_advice_for_refuses_a_level_of_another_scale() -> None:
    with pytest.raises(ValidationError, match="hazard pollen with level"):
        advice_for(Hazard.POLLEN, HeatVigilance.ROUGE, [Audience.GENERAL])


def test_compose_instruction_groups_items_by_audience_in_each_language() -> None:
    items = advice_for(
        Hazard.DRINKING_WATER,
        WaterRestriction.SENSITIVE_GROUPS,
        [Audience.GENERAL, Audience.PREGNANT],
    )
    assert compose_instruction(items, "fr") == (
        "Femmes enceintes, Nourrissons et jeunes enfants :\n"
        "- Femmes enceintes et nourrissons : ne consommez pas l'eau du robinet (boisson et "
        "usages alimentaires).\n"
        "Tout le monde sauf femmes enceintes, nourrissons et jeunes enfants :\n"
        "- Pour le reste de la population, l'eau du robinet peut être consommée normalement."
    )
    english = compose_instruction(items, "en")
    assert english.startswith("Pregnant women, Infants and young children:\n- Pregnant women")

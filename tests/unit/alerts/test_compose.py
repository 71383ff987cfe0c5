"""Drafts to CAP info blocks: French first, honest English fallback, advice, rule texts."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.alerts._api_schemas import AlertUpdate
from healthycity.alerts.compose import (
    NO_TRANSLATION,
    AlertDraft,
    Text,
    all_clear_draft,
    build_infos,
    draft_from_json,
    draft_to_json,
    level_label,
    rule_event_draft,
)
from healthycity.alerts.levels import AtmoLevel, Hazard, HeatVigilance, PollenRisk, scale_of
from healthycity.alerts.models import (
    Category,
    Certainty,
    MsgType,
    NamedValue,
    ResponseType,
    Severity,
    Status,
    Urgency,
)
from healthycity.alerts.rules import RuleEvent, parse_rule
from healthycity.errors import ValidationError

DRAFT = AlertDraft(
    event=Text("Canicule", "Heat wave"),
    headline=Text("Vigilance orange canicule", "Orange heat-wave warning"),
    description=Text("Fortes chaleurs jusqu'à jeudi."),
    areas=("departement/58",),
    urgency=Urgency.EXPECTED,
    severity=Severity.SEVERE,
    certainty=Certainty.LIKELY,
    status=Status.TEST,
    hazard=Hazard.HEAT,
    level=HeatVigilance.ORANGE,
    instruction=Text("Consultez le site de la préfecture."),
    response_types=(ResponseType.PREPARE,),
    expires=datetime(2026, 7, 3, 20, 0, tzinfo=UTC),
    web="https://www.nievre.gouv.fr",
    parameters=(NamedValue("vigilance", "orange"),),
)


def test_build_infos_french_then_english_with_the_missing_translation_said() -> None:
    french, english = build_infos(DRAFT, ())

    assert (french.language, english.language) == ("fr-FR", "en-GB")
    assert (french.event, english.event) == ("Canicule", "Heat wave")
    assert english.headline == "Orange heat-wave warning"
    assert english.description == f"{NO_TRANSLATION}\n\nFortes chaleurs jusqu'à jeudi."
    assert french.categories == (Category.HEALTH, Category.MET)
    assert french.instruction is not None
    assert french.instruction.startswith("Consultez le site de la préfecture.\n\nTout le monde :")
    assert "Buvez régulièrement de l'eau" in french.instruction
    assert english.instruction is not None
    assert english.instruction.startswith(f"{NO_TRANSLATION}\nConsultez le site")
    assert "Drink water regularly without waiting until you are thirsty." in english.instruction


def test_build_infos_without_level_has_only_the_operator_instruction() -> None:
    french, english = build_infos(replace(DRAFT, level=None, instruction=None), ())
    assert french.instruction is None
    assert english.instruction is None


def test_draft_json_round_trip() -> None:
    for draft in (
        DRAFT,
        replace(DRAFT, hazard=Hazard.POLLEN, level=PollenRisk.ELEVE),
        replace(DRAFT, level=None, instruction=None, expires=None),
    ):
        assert draft_from_json(draft_to_json(draft)) == draft


def test_alert_draft_refuses_a_level_of_another_hazard() -> None:
    with pytest.raises(ValidationError, match="hazard heat with level"):
        replace(DRAFT, level=AtmoLevel.MAUVAIS)
    with pytest.raises(ValidationError, match="expected no level"):
        replace(DRAFT, hazard=Hazard.EPIDEMIC)


def test_all_clear_draft_ends_the_episode() -> None:
    done = all_clear_draft(DRAFT, effective=datetime(2026, 7, 4, tzinfo=UTC))
    assert done.headline == Text(
        "Fin d'alerte : Vigilance orange canicule", "All clear: Orange heat-wave warning"
    )
    assert (done.urgency, done.severity, done.response_types, done.level, done.expires) == (
        Urgency.PAST,
        Severity.MINOR,
        (ResponseType.ALL_CLEAR,),
        None,
        None,
    )
    assert done.status is Status.TEST


@given(st.sampled_from([Hazard.AIR_QUALITY, Hazard.POLLEN, Hazard.HEAT]), st.data())
def test_level_label_names_every_level_in_both_languages(
    hazard: Hazard, data: st.DataObject
) -> None:
    level = data.draw(st.sampled_from(scale_of(hazard)))
    assert level_label(level, "fr")
    assert level_label(level, "en")


@pytest.mark.parametrize(
    ("msg_type", "headline", "severity"),
    [
        (MsgType.ALERT, "Pollution de l'air : niveau « très mauvais » – Nevers", Severity.SEVERE),
        (MsgType.UPDATE, "Pollution de l'air : niveau « très mauvais » – Nevers", Severity.SEVERE),
        (MsgType.CANCEL, "Fin de l'épisode – Pollution de l'air : Nevers", Severity.MINOR),
    ],
)
def test_rule_event_draft_texts(msg_type: MsgType, headline: str, severity: Severity) -> None:
    rule = parse_rule(
        {
            "index": "atmo",
            "min_level": "mauvais",
            "for_hours": 3,
            "clear_below": "degrade",
            "clear_for_hours": 2,
        }
    )
    event = RuleEvent(
        msg_type,
        rule,
        "commune/58194",
        AtmoLevel.TRES_MAUVAIS,
        AtmoLevel.BON if msg_type is MsgType.CANCEL else AtmoLevel.TRES_MAUVAIS,
        datetime(2026, 7, 1, 12, tzinfo=UTC),
        "e",
    )
    draft = rule_event_draft(event, place="Nevers")
    assert draft.headline.fr == headline
    assert draft.severity is severity
    assert draft.headline.en
    if msg_type is MsgType.CANCEL:
        assert draft.description.fr == (
            "L'indice ATMO de la qualité de l'air est sous le niveau « dégradé » depuis "
            "2 heures : l'épisode est terminé."
        )
    else:
        assert "depuis 3 heures (Nevers)" in draft.description.fr
        assert draft.parameters == (NamedValue("atmo", "tres_mauvais"),)


def test_alert_update_keeps_translations_of_unchanged_french() -> None:
    draft = replace(DRAFT, description=Text("Fortes chaleurs.", "Hot."))
    same = AlertUpdate(description="Fortes chaleurs.", severity=Severity.EXTREME).apply_to(draft)
    changed = AlertUpdate(description="Chaleur extrême.").apply_to(draft)
    english_only = AlertUpdate(description_en="Very hot.").apply_to(draft)

    assert same.description == Text("Fortes chaleurs.", "Hot.")
    assert same.severity is Severity.EXTREME
    assert changed.description == Text("Chaleur extrême.")  # stale English dropped
    assert english_only.description == Text("Fortes chaleurs.", "Very hot.")
    assert same.headline == draft.headline
    assert same.effective is None  # an Update takes effect when sent

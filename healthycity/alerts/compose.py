"""What an alert says: drafts written by operators or rules, turned into CAP info blocks (pure).

Every published alert has one ``info`` block in French and one in English
(``models.PUBLISHED_LANGUAGES``). French is required; where an operator gives no English,
the English block says so and carries the French text rather than an improvised
translation. When the hazard and its level are known, the advice of ``advice.py`` for
everyone (the general public and each vulnerable group) follows the operator's own
instruction, with the publishers of its sources.
"""

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from healthycity.alerts.advice import EVERYONE, Language, advice_for, compose_instruction
from healthycity.alerts.levels import Hazard, HazardLevel, cap_ratings, check_level, parse_level
from healthycity.alerts.models import (
    PUBLISHED_LANGUAGES,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    ResponseType,
    Severity,
    Status,
    Urgency,
)
from healthycity.alerts.rules import RuleEvent

HAZARD_LABELS: dict[Hazard, dict[Language, str]] = {
    Hazard.AIR_QUALITY: {"fr": "Pollution de l'air", "en": "Air pollution"},
    Hazard.POLLEN: {"fr": "Risque allergique aux pollens", "en": "Pollen allergy risk"},
    Hazard.HEAT: {"fr": "Canicule", "en": "Heat wave"},
    Hazard.DRINKING_WATER: {"fr": "Eau du robinet", "en": "Tap water"},
    Hazard.EPIDEMIC: {"fr": "Épidémie", "en": "Epidemic"},
    Hazard.OTHER: {"fr": "Alerte sanitaire", "en": "Health alert"},
}
# Level names as the publishers write them; the English ATMO names are those of the
# European Air Quality Index, whose classes ATMO shares (levels.py).
LEVEL_LABELS: dict[str, dict[Language, str]] = {
    "bon": {"fr": "bon", "en": "good"},
    "moyen": {"fr": "moyen", "en": "fair"},
    "degrade": {"fr": "dégradé", "en": "moderate"},
    "mauvais": {"fr": "mauvais", "en": "poor"},
    "tres_mauvais": {"fr": "très mauvais", "en": "very poor"},
    "extremement_mauvais": {"fr": "extrêmement mauvais", "en": "extremely poor"},
    # Pollen, Atmo France labels (English: those of the environment domain's index)
    "TRES_FAIBLE": {"fr": "très faible", "en": "very low"},
    "FAIBLE": {"fr": "faible", "en": "low"},
    "MODERE": {"fr": "modéré", "en": "moderate"},
    "ELEVE": {"fr": "élevé", "en": "high"},
    "TRES_ELEVE": {"fr": "très élevé", "en": "very high"},
    "EXTREMEMENT_ELEVE": {"fr": "extrêmement élevé", "en": "extremely high"},
    "vert": {"fr": "vert", "en": "green"},
    "jaune": {"fr": "jaune", "en": "yellow"},
    "orange": {"fr": "orange", "en": "orange"},
    "rouge": {"fr": "rouge", "en": "red"},
    "sensitive_groups": {
        "fr": "déconseillée aux femmes enceintes et aux nourrissons",
        "en": "not for pregnant women and infants",
    },
    "boil_before_use": {"fr": "à faire bouillir avant usage", "en": "boil before use"},
}
DEFAULT_CATEGORIES: dict[Hazard, tuple[Category, ...]] = {
    Hazard.AIR_QUALITY: (Category.HEALTH, Category.ENV),
    Hazard.POLLEN: (Category.HEALTH, Category.ENV),
    Hazard.HEAT: (Category.HEALTH, Category.MET),
    Hazard.DRINKING_WATER: (Category.HEALTH, Category.INFRA),
    Hazard.EPIDEMIC: (Category.HEALTH,),
    Hazard.OTHER: (Category.HEALTH,),
}
NO_TRANSLATION = "No English translation was provided; the French text follows."
_SOURCES_LABEL: dict[Language, str] = {"fr": "Sources : ", "en": "Sources: "}


def level_label(level: HazardLevel, language: Language) -> str:
    """The name of ``level`` in ``language``.

    >>> from healthycity.alerts.levels import AtmoLevel, PollenRisk
    >>> level_label(AtmoLevel.TRES_MAUVAIS, "fr"), level_label(PollenRisk.ELEVE, "en")
    ('très mauvais', 'high')
    """
    key = level.value if isinstance(level, str) else level.name
    return LEVEL_LABELS[key][language]


@dataclass(frozen=True)
class Text:
    """A text in French, with its English translation when there is one."""

    fr: str
    en: str | None = None

    def get(self, language: Language) -> str | None:
        """The text in ``language`` (None for a missing translation)."""
        return self.fr if language == "fr" else self.en


@dataclass(frozen=True)
class AlertDraft:
    """What an alert says, before it becomes a CAP message (operator's or rule's words)."""

    event: Text
    headline: Text
    description: Text
    areas: tuple[str, ...]  # territory refs, e.g. "commune/58194"
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    status: Status = Status.ACTUAL
    hazard: Hazard = Hazard.OTHER
    level: HazardLevel | None = None
    instruction: Text | None = None  # the operator's own; advice is added after it
    categories: tuple[Category, ...] = ()  # default: DEFAULT_CATEGORIES[hazard]
    response_types: tuple[ResponseType, ...] = ()
    effective: datetime | None = None
    expires: datetime | None = None
    web: str | None = None
    parameters: tuple[NamedValue, ...] = ()

    def __post_init__(self) -> None:
        if self.level is not None:
            check_level(self.hazard, self.level)


def _instruction(draft: AlertDraft, language: Language) -> str | None:
    own = draft.instruction.get(language) if draft.instruction else None
    if own is None and draft.instruction and language == "en":
        own = f"{NO_TRANSLATION}\n{draft.instruction.fr}"
    items = advice_for(draft.hazard, draft.level, EVERYONE) if draft.level is not None else ()
    if not items:
        return own
    publishers = dict.fromkeys(item.source.publisher for item in items)
    advice = compose_instruction(items, language)
    sources = _SOURCES_LABEL[language] + " ; ".join(publishers)
    return "\n\n".join(part for part in (own, advice, sources) if part)


def _translated(text: Text, language: Language, *, is_headline: bool = False) -> str:
    value = text.get(language)
    if value is not None:
        return value
    # Headlines stay short (CAP 1.2 §3.2.2: under 160 characters): the notice goes in the
    # description only.
    return text.fr if is_headline else f"{NO_TRANSLATION}\n\n{text.fr}"


def build_infos(
    draft: AlertDraft, areas: tuple[Area, ...], *, sender_name: str | None = None
) -> tuple[Info, ...]:
    """The French and English info blocks of ``draft`` over the resolved ``areas``."""
    infos = []
    for tag in PUBLISHED_LANGUAGES:
        language: Language = "fr" if tag.startswith("fr") else "en"
        infos.append(
            Info(
                language=tag,
                categories=draft.categories or DEFAULT_CATEGORIES[draft.hazard],
                event=_translated(draft.event, language, is_headline=True),
                response_types=draft.response_types,
                urgency=draft.urgency,
                severity=draft.severity,
                certainty=draft.certainty,
                effective=draft.effective,
                expires=draft.expires,
                sender_name=sender_name,
                headline=_translated(draft.headline, language, is_headline=True),
                description=_translated(draft.description, language),
                instruction=_instruction(draft, language),
                web=draft.web,
                parameters=draft.parameters,
                areas=areas,
            )
        )
    return tuple(infos)


def all_clear_draft(
    draft: AlertDraft, *, note: Text | None = None, effective: datetime | None = None
) -> AlertDraft:
    """The draft of the Cancel that ends the episode of ``draft`` (CAP responseType AllClear)."""
    headline = Text(
        f"Fin d'alerte : {draft.headline.fr}",
        f"All clear: {draft.headline.en or draft.headline.fr}",
    )
    description = note or Text(
        "L'alerte est levée : les consignes qu'elle donnait ne s'appliquent plus.",
        "The alert is over: its instructions no longer apply.",
    )
    return replace(
        draft,
        headline=headline,
        description=description,
        instruction=None,
        level=None,
        urgency=Urgency.PAST,  # CAP 1.2: "responsive action is no longer required"
        severity=Severity.MINOR,
        certainty=Certainty.OBSERVED,
        response_types=(ResponseType.ALL_CLEAR,),
        effective=effective,
        expires=None,
    )


def _text_json(text: Text | None) -> dict[str, str | None] | None:
    return None if text is None else {"fr": text.fr, "en": text.en}


def draft_to_json(draft: AlertDraft) -> str:
    """``draft`` as JSON, to be stored beside its message."""
    data = asdict(draft)
    for name in ("event", "headline", "description", "instruction"):
        data[name] = _text_json(getattr(draft, name))
    data["level"] = None if draft.level is None else str(draft.level.value)
    data["parameters"] = [[p.value_name, p.value] for p in draft.parameters]
    for name in ("effective", "expires"):
        moment = getattr(draft, name)
        data[name] = None if moment is None else moment.isoformat()
    return json.dumps(data, ensure_ascii=False, default=str)


def _text(data: object) -> Text | None:
    if not isinstance(data, dict):
        return None
    return Text(str(data["fr"]), None if data.get("en") is None else str(data["en"]))


def _required_text(data: object) -> Text:
    text = _text(data)
    if text is None:  # pragma: no cover  (drafts are only stored by draft_to_json)
        msg = f"stored draft text {data!r}; expected {{'fr': ..., 'en': ...}}."
        raise ValueError(msg)
    return text


def _moment(data: object) -> datetime | None:
    return None if data is None else datetime.fromisoformat(str(data))


def draft_from_json(text: str) -> AlertDraft:
    """Read back a draft written by ``draft_to_json``."""
    data = json.loads(text)
    hazard = Hazard(data["hazard"])
    return AlertDraft(
        event=_required_text(data["event"]),
        headline=_required_text(data["headline"]),
        description=_required_text(data["description"]),
        areas=tuple(data["areas"]),
        urgency=Urgency(data["urgency"]),
        severity=Severity(data["severity"]),
        certainty=Certainty(data["certainty"]),
        status=Status(data["status"]),
        hazard=hazard,
        level=None if data["level"] is None else parse_level(hazard, data["level"]),
        instruction=_text(data["instruction"]),
        categories=tuple(Category(c) for c in data["categories"]),
        response_types=tuple(ResponseType(r) for r in data["response_types"]),
        effective=_moment(data["effective"]),
        expires=_moment(data["expires"]),
        web=data["web"],
        parameters=tuple(NamedValue(n, v) for n, v in data["parameters"]),
    )


_INDEX_LABELS: dict[str, dict[Language, str]] = {
    "atmo": {"fr": "L'indice ATMO de la qualité de l'air", "en": "The ATMO air quality index"},
    "pollen": {
        "fr": "L'indice pollen (Atmo France)",
        "en": "The pollen index (Atmo France)",
    },
    "heat": {"fr": "La vigilance canicule", "en": "The heat-wave vigilance"},
}
_UNITS: dict[str, dict[Language, tuple[str, str]]] = {
    "hour": {"fr": ("heure", "heures"), "en": ("hour", "hours")},
    "day": {"fr": ("jour", "jours"), "en": ("day", "days")},
}


def _duration(count: int, period: str, language: Language) -> str:
    one, several = _UNITS[period][language]
    return f"{count} {one if count == 1 else several}"


def _rule_texts(event: RuleEvent, place: str) -> tuple[Text, Text]:
    rule = event.rule
    fr_level, en_level = level_label(event.level, "fr"), level_label(event.level, "en")
    index_fr, index_en = _INDEX_LABELS[rule.index]["fr"], _INDEX_LABELS[rule.index]["en"]
    hazard_fr, hazard_en = HAZARD_LABELS[rule.hazard]["fr"], HAZARD_LABELS[rule.hazard]["en"]
    held_fr = _duration(rule.for_periods, rule.period, "fr")
    held_en = _duration(rule.for_periods, rule.period, "en")
    if event.msg_type is MsgType.CANCEL:
        clear_fr = level_label(rule.clear_level, "fr")
        clear_en = level_label(rule.clear_level, "en")
        calm_fr = _duration(rule.clear_for_periods, rule.period, "fr")
        calm_en = _duration(rule.clear_for_periods, rule.period, "en")
        return Text(
            f"Fin de l'épisode – {hazard_fr} : {place}", f"All clear – {hazard_en}: {place}"
        ), Text(
            f"{index_fr} est sous le niveau « {clear_fr} » depuis {calm_fr} : "
            "l'épisode est terminé.",
            f"{index_en} has been below “{clear_en}” for {calm_en}: the episode is over.",
        )
    is_update = event.msg_type is MsgType.UPDATE
    return Text(
        f"{hazard_fr} : niveau « {fr_level} » – {place}",
        f"{hazard_en}: “{en_level}” level – {place}",
    ), Text(
        ("Nouveau niveau. " if is_update else "")
        + f"{index_fr} est au niveau « {fr_level} » ou plus depuis {held_fr} ({place}).",
        ("New level. " if is_update else "")
        + f"{index_en} has been at “{en_level}” or above for {held_en} ({place}).",
    )


def rule_event_draft(event: RuleEvent, *, place: str, status: Status = Status.ACTUAL) -> AlertDraft:
    """The draft of the message a rule event publishes over ``event.territory`` named ``place``.

    Urgency, severity and certainty come from ``levels.cap_ratings`` for an observed level;
    a level that raises no alert there (a rule set below the alerting levels) is Minor.
    """
    ratings = cap_ratings(event.rule.hazard, event.level, is_observed=True)
    headline, description = _rule_texts(event, place)
    hazard = event.rule.hazard
    draft = AlertDraft(
        event=Text(HAZARD_LABELS[hazard]["fr"], HAZARD_LABELS[hazard]["en"]),
        headline=headline,
        description=description,
        areas=(event.territory,),
        urgency=ratings.urgency if ratings else Urgency.IMMEDIATE,
        severity=ratings.severity if ratings else Severity.MINOR,
        certainty=ratings.certainty if ratings else Certainty.OBSERVED,
        status=status,
        hazard=hazard,
        level=event.level,
        effective=event.time,
        parameters=(NamedValue(event.rule.index, str(event.level.value)),),
    )
    if event.msg_type is MsgType.CANCEL:
        return replace(
            all_clear_draft(draft, note=description, effective=event.time), headline=headline
        )
    return draft

"""Health advice by hazard, level and audience, in French and English, each item sourced.

The items themselves live in ``_advice_catalogue.py``; every one cites the public-health
text it comes from (Source). The French follows that text closely and the English
translates it; an item whose source could not be checked is left out rather than written
from memory.

Audiences are those of the issue "Health alerts": the general public and groups more
vulnerable to a hazard. A vulnerable subscriber's message is built from the items of
their own audiences; the general-public items are addressed to everyone else (at the ATMO
*mauvais* level they say that no change of habits is needed, which is not true for the
vulnerable).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from healthycity.alerts.levels import Hazard, HazardLevel, check_level

Language = Literal["fr", "en"]
Pollutant = Literal["pm10", "pm25", "no2", "so2", "o3"]
# When the pollutant behind an air-quality level is unknown, the particle/NO2/SO2 messages
# apply: they ask to limit effort indoors too, the more protective reading.
DEFAULT_POLLUTANT: Pollutant = "pm10"


class Audience(StrEnum):
    """Who an advice item is for."""

    GENERAL = "general"
    RESPIRATORY = "respiratory"  # asthma, respiratory allergy or disease
    CARDIOVASCULAR = "cardiovascular"
    ELDERLY = "elderly"  # over 65
    PREGNANT = "pregnant"
    YOUNG_CHILDREN = "young_children"  # infants and young children
    OUTDOOR_WORKERS = "outdoor_workers"
    ATHLETES = "athletes"


# The "populations vulnérables" of the arrêté du 20 août 2014 (annexe): pregnant women,
# infants and young children, people over 65, cardiovascular disease, cardiac or
# respiratory failure, asthma.
VULNERABLE = frozenset(
    {
        Audience.RESPIRATORY,
        Audience.CARDIOVASCULAR,
        Audience.ELDERLY,
        Audience.PREGNANT,
        Audience.YOUNG_CHILDREN,
    }
)
EVERYONE = frozenset(Audience)
# The arrêté's "population générale": everyone who is not in a vulnerable group.
NOT_VULNERABLE = EVERYONE - VULNERABLE

AUDIENCE_LABELS: dict[Audience, dict[Language, str]] = {
    Audience.GENERAL: {"fr": "Population générale", "en": "General public"},
    Audience.RESPIRATORY: {
        "fr": "Personnes asthmatiques, allergiques ou atteintes d'une maladie respiratoire",
        "en": "People with asthma, allergies or a respiratory disease",
    },
    Audience.CARDIOVASCULAR: {
        "fr": "Personnes atteintes d'une maladie cardiovasculaire",
        "en": "People with a cardiovascular disease",
    },
    Audience.ELDERLY: {"fr": "Personnes de plus de 65 ans", "en": "People over 65"},
    Audience.PREGNANT: {"fr": "Femmes enceintes", "en": "Pregnant women"},
    Audience.YOUNG_CHILDREN: {
        "fr": "Nourrissons et jeunes enfants",
        "en": "Infants and young children",
    },
    Audience.OUTDOOR_WORKERS: {"fr": "Travailleurs en extérieur", "en": "Outdoor workers"},
    Audience.ATHLETES: {"fr": "Sportifs", "en": "People doing sport"},
}
_GROUP_LABELS: dict[frozenset[Audience], dict[Language, str]] = {
    EVERYONE: {"fr": "Tout le monde", "en": "Everyone"},
    NOT_VULNERABLE: {"fr": "Population générale", "en": "General public"},
    VULNERABLE: {
        "fr": (
            "Personnes vulnérables (femmes enceintes, nourrissons et jeunes enfants, "
            "personnes de plus de 65 ans, maladies cardiovasculaires ou respiratoires, asthme)"
        ),
        "en": (
            "Vulnerable people (pregnant women, infants and young children, people over 65, "
            "cardiovascular or respiratory disease, asthma)"
        ),
    },
}


# "Everyone except pregnant women, infants…" reads better than six audiences in a row.
_MAX_LEFT_OUT = 2
_EVERYONE_EXCEPT: dict[Language, str] = {"fr": "Tout le monde sauf", "en": "Everyone except"}


@dataclass(frozen=True)
class Source:
    """Where an advice item comes from.

    ``is_secondary`` marks a public report (press, another public site) of an official
    message whose own text could not be found: the item follows the report's wording until
    the primary text replaces it.
    """

    title: str
    publisher: str
    date: str  # of the text: ISO 8601 date, year-month or year; "undated" if it gives none
    url: str
    is_secondary: bool = False


@dataclass(frozen=True)
class AdviceItem:
    """One recommendation, for some levels of one hazard and some audiences."""

    key: str
    hazard: Hazard
    levels: frozenset[HazardLevel]
    audiences: frozenset[Audience]
    fr: str
    en: str
    source: Source
    pollutants: frozenset[Pollutant] | None = None  # air quality only; None: any pollutant

    def text(self, language: Language) -> str:
        """The recommendation in ``language``."""
        return self.fr if language == "fr" else self.en


def advice_for(
    hazard: Hazard,
    level: HazardLevel,
    audiences: Iterable[Audience],
    *,
    pollutant: Pollutant | None = None,
) -> tuple[AdviceItem, ...]:
    """The advice items for ``audiences`` at ``level`` of ``hazard``, in catalogue order.

    Parameters
    ----------
    hazard, level
        The hazard and its level on that hazard's scale.
    audiences
        The audiences to advise; include ``Audience.GENERAL`` for the general-public items.
    pollutant
        For air quality, the pollutant behind the index (ozone has its own messages);
        unknown means ``DEFAULT_POLLUTANT``.

    Raises
    ------
    ValidationError
        If ``level`` is not on ``hazard``'s scale.

    Examples
    --------
    >>> from healthycity.alerts.levels import HeatVigilance
    >>> items = advice_for(Hazard.HEAT, HeatVigilance.ORANGE, [Audience.GENERAL])
    >>> items[0].fr
    "Buvez régulièrement de l'eau sans attendre d'avoir soif."
    >>> items[0].source.publisher
    'Santé publique France'
    """
    # Imported here because the catalogue module builds its items from this module's types.
    from healthycity.alerts._advice_catalogue import CATALOGUE

    check_level(hazard, level)
    wanted = frozenset(audiences)
    effective_pollutant = pollutant or DEFAULT_POLLUTANT
    return tuple(
        item
        for item in CATALOGUE
        if item.hazard is hazard
        and level in item.levels
        and item.audiences & wanted
        and (item.pollutants is None or effective_pollutant in item.pollutants)
    )


def _labels(audiences: frozenset[Audience], language: Language) -> list[str]:
    return [AUDIENCE_LABELS[a][language] for a in Audience if a in audiences]


def _group_label(audiences: frozenset[Audience], language: Language) -> str:
    if audiences in _GROUP_LABELS:
        return _GROUP_LABELS[audiences][language]
    left_out = EVERYONE - audiences
    if Audience.GENERAL in audiences and len(left_out) <= _MAX_LEFT_OUT:
        others = ", ".join(label[0].lower() + label[1:] for label in _labels(left_out, language))
        return f"{_EVERYONE_EXCEPT[language]} {others}"
    return ", ".join(_labels(audiences, language))


def compose_instruction(items: Iterable[AdviceItem], language: Language) -> str:
    """Write items as the text of a CAP ``instruction``, grouped by audience.

    >>> from healthycity.alerts.levels import AtmoLevel
    >>> items = advice_for(Hazard.AIR_QUALITY, AtmoLevel.MAUVAIS, [Audience.GENERAL])
    >>> print(compose_instruction(items, "en"))
    General public:
    - There is no need to change your usual activities.
    """
    groups: dict[frozenset[Audience], list[str]] = {}
    for item in items:
        groups.setdefault(item.audiences, []).append(item.text(language))
    colon = " :" if language == "fr" else ":"  # French typography: space before a colon
    return "\n".join(
        f"{_group_label(audiences, language)}{colon}\n" + "\n".join(f"- {t}" for t in texts)
        for audiences, texts in groups.items()
    )

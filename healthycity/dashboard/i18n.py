"""Interface languages: French first, English on request, and numbers written the local way."""

from dataclasses import dataclass
from typing import Literal, get_args

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "fr"
LANGUAGE_COOKIE = "hc_lang"

# French typography puts a narrow no-break space between thousands and before "%" and ":"
# (Imprimerie nationale, Lexique des règles typographiques, 2002; CLDR "fr" number symbols).
_NARROW_NBSP = "\u202f"
_SEPARATORS: dict[Language, tuple[str, str]] = {"fr": (_NARROW_NBSP, ","), "en": (",", ".")}

MESSAGES: dict[str, dict[Language, str]] = {
    "site_tagline": {
        "fr": "Plateforme numérique de santé du territoire",
        "en": "Digital health platform of the territory",
    },
    "skip_link": {"fr": "Aller au contenu", "en": "Skip to content"},
    "switch_language": {"fr": "English", "en": "Français"},
    "switch_language_title": {
        "fr": "Read this page in English",
        "en": "Lire cette page en français",
    },
    "search_label": {"fr": "Rechercher une commune", "en": "Search for a commune"},
    "search_placeholder": {"fr": "Nom de commune, ex. Nevers", "en": "Commune name, e.g. Nevers"},
    "search_button": {"fr": "Rechercher", "en": "Search"},
    "search_title": {"fr": "Recherche « {query} »", "en": "Search “{query}”"},
    "search_results": {"fr": "{count} résultat(s)", "en": "{count} result(s)"},
    "search_none": {
        "fr": "Aucune commune ne correspond à « {query} ».",
        "en": "No commune matches “{query}”.",
    },
    "search_invalid": {
        "fr": "Saisissez au moins une lettre du nom de la commune.",
        "en": "Type at least one letter of the commune's name.",
    },
    "home_title": {"fr": "Les communes du territoire", "en": "The communes of the territory"},
    "home_intro": {
        "fr": "Densité de population des communes de {focus} et des départements voisins. "
        "Survolez une commune pour lire sa population ; cliquez pour ouvrir sa fiche.",
        "en": "Population density of the communes of {focus} and the neighbouring "
        "départements. Hover over a commune to read its population; click to open its page.",
    },
    "no_data": {
        "fr": "Aucun territoire n'est encore chargé : lancez « healthycity init --demo ».",
        "en": "No territory is loaded yet: run “healthycity init --demo”.",
    },
    "keyboard_hint": {
        "fr": "Au clavier, utilisez la recherche pour ouvrir la fiche d'une commune.",
        "en": "With a keyboard, use the search box to open a commune's page.",
    },
    "map_label": {
        "fr": "Carte des communes selon la densité de population",
        "en": "Map of the communes by population density",
    },
    "map_loading": {"fr": "Chargement de la carte…", "en": "Loading the map…"},
    "map_failed": {"fr": "La carte n'a pas pu être chargée.", "en": "The map could not be loaded."},
    "legend_title": {
        "fr": "Densité de population (hab./km²)",
        "en": "Population density (inhabitants/km²)",
    },
    "legend_below": {"fr": "moins de {high}", "en": "under {high}"},
    "legend_between": {"fr": "de {low} à {high}", "en": "{low} to {high}"},
    "legend_above": {"fr": "{low} et plus", "en": "{low} and over"},
    "legend_no_data": {"fr": "non disponible", "en": "not available"},
    "legend_focus": {
        "fr": "Trait épais : {focus}, territoire mis en avant",
        "en": "Thick line: {focus}, the focus territory",
    },
    "legend_source": {
        "fr": "Populations légales INSEE, contours IGN simplifiés.",
        "en": "INSEE legal populations, simplified IGN boundaries.",
    },
    "population": {"fr": "Population", "en": "Population"},
    "inhabitants": {"fr": "{value} hab.", "en": "{value} inhabitants"},
    "area": {"fr": "Superficie", "en": "Area"},
    "area_value": {"fr": "{value} km²", "en": "{value} km²"},
    "density": {"fr": "Densité", "en": "Density"},
    "density_value": {"fr": "{value} hab./km²", "en": "{value} inhabitants/km²"},
    "unknown": {"fr": "inconnue", "en": "unknown"},
    "code": {"fr": "Code INSEE", "en": "INSEE code"},
    "code_epci": {"fr": "Numéro SIREN", "en": "SIREN number"},
    "level_commune": {"fr": "Commune", "en": "Commune"},
    "level_epci": {"fr": "Intercommunalité (EPCI)", "en": "Intercommunality (EPCI)"},
    "level_departement": {"fr": "Département", "en": "Département"},
    "level_region": {"fr": "Région", "en": "Region"},
    "children_commune": {"fr": "Communes ({count})", "en": "Communes ({count})"},
    "children_departement": {"fr": "Départements ({count})", "en": "Départements ({count})"},
    "ages_title": {
        "fr": "Population par tranche d'âge ({year})",
        "en": "Population by age band ({year})",
    },
    "ages_heading": {"fr": "Population par tranche d'âge", "en": "Population by age band"},
    "ages_band": {"fr": "Âge (ans)", "en": "Age (years)"},
    "ages_people": {"fr": "Habitants", "en": "Inhabitants"},
    "ages_estimated": {
        "fr": "Estimation : la structure par âge de la commune n'est pas publiée dans les "
        "données du territoire ; elle est estimée en répartissant la population légale de la "
        "commune selon la structure par âge de son département ({departement}).",
        "en": "Estimate: the commune's age structure is not published in the territory's "
        "data; it is estimated by spreading the commune's legal population over the age "
        "structure of its département ({departement}).",
    },
    "ages_source": {"fr": "Source : {source}", "en": "Source: {source}"},
    "ages_missing": {
        "fr": "La structure par âge n'est pas disponible pour ce territoire.",
        "en": "The age structure is not available for this territory.",
    },
    "territory_map_label": {"fr": "Carte de {name}", "en": "Map of {name}"},
    "no_geometry": {
        "fr": "Le contour de ce territoire n'est pas disponible.",
        "en": "The boundary of this territory is not available.",
    },
    "back_to_map": {"fr": "Retour à la carte", "en": "Back to the map"},
    "not_found_title": {"fr": "Page introuvable", "en": "Page not found"},
    "not_found_territory": {
        "fr": "Nous ne trouvons pas de territoire « {level} » avec le code « {code} ».",
        "en": "We cannot find a “{level}” territory with code “{code}”.",
    },
    "footer_sources": {
        "fr": "Données : INSEE (code officiel géographique 2026, populations légales, "
        "estimations de population), DGCL (EPCI), IGN ADMIN EXPRESS (contours simplifiés). "
        "Licence Ouverte / Etalab.",
        "en": "Data: INSEE (official geographic code 2026, legal populations, population "
        "estimates), DGCL (EPCI), IGN ADMIN EXPRESS (simplified boundaries). "
        "Licence Ouverte / Etalab.",
    },
    "api_link": {"fr": "API ouverte", "en": "Open API"},
}


def parse_accept_language(header: str) -> list[str]:
    """Primary language tags of an ``Accept-Language`` header, most wanted first (RFC 9110).

    >>> parse_accept_language("en-GB,en;q=0.9,fr;q=0.8")
    ['en', 'en', 'fr']
    >>> parse_accept_language("de;q=0.5, fr-CA;q=0.7, *;q=0.1, it;q=0")
    ['fr', 'de', '*']
    """
    weighted = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0  # a malformed weight is as good as absent
        if tag and quality > 0:
            weighted.append((-quality, position, tag.split("-")[0].lower()))
    return [tag for *_, tag in sorted(weighted)]


def negotiate_language(
    *, query: str | None, cookie: str | None, accept_language: str | None
) -> Language:
    """The page language: ``?lang=``, else the cookie, else the browser's wish, else French.

    >>> negotiate_language(query=None, cookie=None, accept_language="en-US,en;q=0.9")
    'en'
    >>> negotiate_language(query="fr", cookie="en", accept_language="en")
    'fr'
    >>> negotiate_language(query="xx", cookie=None, accept_language="de")
    'fr'
    """
    for wish in (query, cookie):
        if wish in LANGUAGES:
            return wish
    for tag in parse_accept_language(accept_language or ""):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def format_number(value: float, language: Language, *, digits: int = 0) -> str:
    """Write ``value`` with the thousands and decimal separators of ``language``.

    >>> format_number(33085, "fr")
    '33\u202f085'
    >>> format_number(1912.345, "en", digits=1)
    '1,912.3'
    >>> format_number(-0.5, "fr", digits=2)
    '-0,50'
    """
    thousands, decimal = _SEPARATORS[language]
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


@dataclass(frozen=True)
class Translator:
    """The messages and number format of one language, as templates call them."""

    language: Language

    def __call__(self, key: str, **values: object) -> str:
        """The message ``key`` in this language, with ``values`` filled in."""
        return MESSAGES[key][self.language].format(**values)

    def number(self, value: float, *, digits: int = 0) -> str:
        """``value`` written the way readers of this language expect."""
        return format_number(value, self.language, digits=digits)

    @property
    def separators(self) -> tuple[str, str]:
        """The thousands and decimal separators, for the scripts of the page."""
        return _SEPARATORS[self.language]

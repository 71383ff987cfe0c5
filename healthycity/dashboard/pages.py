"""What the territory pages show, gathered from the territory store (no HTTP here)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from healthycity.dashboard.choropleth import (
    DENSITY_BREAKS_PER_KM2,
    DENSITY_PALETTE,
    NO_DATA_COLOUR,
    class_limits,
)
from healthycity.dashboard.i18n import Translator
from healthycity.errors import NotFoundError
from healthycity.territory import store
from healthycity.territory.ages import DERIVED_SOURCE
from healthycity.territory.models import AgeStructure, Level, Territory
from healthycity.territory.names import normalise_name

# URL section of each level's page: /communes/58194, /epci/245804406, /departements/58…
PAGE_SECTIONS: dict[Level, str] = {
    "commune": "communes",
    "epci": "epci",
    "departement": "departements",
    "region": "regions",
}
# Which children a page lists: the communes, except for a région (its départements).
_LISTED_CHILDREN: dict[Level, Level | None] = {
    "commune": None,
    "epci": "commune",
    "departement": "commune",
    "region": "departement",
}


def page_path(territory: Territory) -> str:
    """The path of a territory's page, e.g. ``/communes/58194``."""
    return f"/{PAGE_SECTIONS[territory.level]}/{territory.code}"


@dataclass(frozen=True)
class AgeBar:
    """One age band of the pyramid: its label, population and bar length (0–100 %)."""

    label: str
    population: float
    width_pct: float


@dataclass(frozen=True)
class AgeChart:
    """The age pyramid of a territory, oldest band on top as on a population pyramid."""

    structure: AgeStructure
    bars: list[AgeBar]
    departement_name: str | None

    @property
    def source(self) -> str:
        """The published source; the page says in words how an estimate derives from it."""
        source = self.structure.source
        base = source.removeprefix(DERIVED_SOURCE).strip()
        if self.structure.is_estimated and base.startswith("(") and base.endswith(")"):
            return base[1:-1]
        return source


@dataclass(frozen=True)
class PageSection:
    """A section another domain's pages add to a territory page: its template and its data."""

    template: str
    data: Any


# Builders of extra sections (e.g. access to care), registered by the views that own them;
# each returns its section for a territory, or ``None`` when it has nothing to show there.
SectionBuilder = Callable[[Connection, Territory], PageSection | None]
SECTION_BUILDERS: list[SectionBuilder] = []


@dataclass(frozen=True)
class TerritoryPage:
    """Everything the page of one territory shows."""

    territory: Territory
    ancestors: list[Territory]
    ages: AgeChart | None
    geometry: dict[str, Any] | None
    children: list[Territory]
    children_level: Level | None
    sections: list[PageSection] = field(default_factory=list)


def age_bars(population_by_band: dict[str, float]) -> list[AgeBar]:
    """Bars of an age pyramid, oldest band first, scaled on the largest band.

    >>> [(b.label, b.width_pct) for b in age_bars({"00-04": 50.0, "05-09": 100.0, "95+": 0.0})]
    [('95+', 0.0), ('5–9', 100.0), ('0–4', 50.0)]
    """
    largest = max(population_by_band.values(), default=0.0)
    bars = []
    for band in sorted(population_by_band, reverse=True):
        low, _, high = band.partition("-")
        label = f"{int(low)}–{int(high)}" if high else band
        value = population_by_band[band]
        # value / largest first: it is exactly 1 for the largest band, so no bar passes 100 %
        bars.append(AgeBar(label, value, 100 * (value / largest) if largest > 0 else 0.0))
    return bars


def build_territory_page(conn: Connection, level: Level, code: str) -> TerritoryPage:
    """Gather one territory's page; raises ``NotFoundError`` for an unknown code."""
    territory = store.get_territory(conn, level, code)
    ancestors = store.get_ancestors(conn, level, code)
    children_level = _LISTED_CHILDREN[level]
    children = (
        store.get_children(conn, level, code, child_level=children_level) if children_level else []
    )
    if children_level == "commune":  # readers look communes up by name; départements by number
        children.sort(key=lambda c: (normalise_name(c.name), c.code))
    return TerritoryPage(
        territory=territory,
        ancestors=ancestors,
        ages=_age_chart(conn, territory, ancestors),
        geometry=store.get_geometries(conn, [territory]).get(territory.ref),
        children=children,
        children_level=children_level,
        sections=[s for build in SECTION_BUILDERS if (s := build(conn, territory)) is not None],
    )


def _age_chart(
    conn: Connection, territory: Territory, ancestors: list[Territory]
) -> AgeChart | None:
    try:
        structure = store.get_age_structure(conn, territory.level, territory.code)
    except NotFoundError:  # EPCI and régions have no age structure of their own
        return None
    departement = next((a.name for a in ancestors if a.level == "departement"), None)
    return AgeChart(structure, age_bars(structure.population_by_band), departement)


def legend_entries(translate: Translator) -> list[tuple[str, str]]:
    """``(colour, label)`` of each density class, then of the no-data class."""
    entries = []
    for colour, (low, high) in zip(
        DENSITY_PALETTE, class_limits(DENSITY_BREAKS_PER_KM2), strict=True
    ):
        if low is None:
            label = translate("legend_below", high=translate.number(high or 0))
        elif high is None:
            label = translate("legend_above", low=translate.number(low))
        else:
            label = translate(
                "legend_between", low=translate.number(low), high=translate.number(high)
            )
        entries.append((colour, label))
    entries.append((NO_DATA_COLOUR, translate("legend_no_data")))
    return entries

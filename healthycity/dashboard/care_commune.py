"""The access-to-care section of a commune page: its APL, care within 20 minutes, nearest care.

Registered in :data:`healthycity.dashboard.pages.SECTION_BUILDERS` by
:mod:`healthycity.dashboard.care_views`; gathered from the care offer (no HTTP here).
"""

from dataclasses import dataclass

from sqlalchemy import Connection

from healthycity.care_access.apl_model import AplCommune, AplSetup
from healthycity.care_access.finder import (
    FINDER_KINDS,
    NEARBY_MAX_TIME_MIN,
    collect_within,
    total_count,
)
from healthycity.care_access.finder_api import TRAVEL_MODEL, FinderResult, find_care
from healthycity.care_access.offer import CareKind
from healthycity.care_access.store import find_nearest
from healthycity.care_access.travel_times import StraightLineModel
from healthycity.dashboard.care_apl_views import APL_CLASS_COLOURS, territory_apl
from healthycity.dashboard.pages import PageSection
from healthycity.errors import UserError
from healthycity.territory.models import Territory
from healthycity.territory.store import get_ancestors

TEMPLATE = "care_commune_section.html"


@dataclass(frozen=True)
class CareNearby:
    """One kind of care seen from a commune's centre: how much within reach, and the nearest."""

    kind: CareKind
    within_count: int  # units of care (GPs, pharmacies…) within the time
    within_places: int  # places holding them (BPE communes count once)
    nearest: FinderResult | None


@dataclass(frozen=True)
class CommuneApl:
    """The commune's APL, with the setup of the computation and the class colours."""

    commune: AplCommune
    setup: AplSetup
    colour: str


@dataclass(frozen=True)
class CareSection:
    """What the section shows for one commune."""

    commune: Territory
    max_time_min: float
    model: StraightLineModel
    nearby: tuple[CareNearby, ...]
    apl: CommuneApl | None


def _nearby(conn: Connection, commune: Territory, kind: CareKind) -> CareNearby:
    lon, lat = commune.centroid_lon, commune.centroid_lat
    assert lon is not None  # checked by the caller  # noqa: S101
    assert lat is not None  # noqa: S101
    found = find_care(conn, kind=kind, limit=1, commune=commune.code).results
    nearest = found[0] if found else None
    within = []
    if nearest is not None and nearest.travel_time_min <= NEARBY_MAX_TIME_MIN:
        within = collect_within(
            lambda limit: find_nearest(conn, lon, lat, kind=kind, limit=limit),
            max_time_min=NEARBY_MAX_TIME_MIN,
            model=TRAVEL_MODEL,
        )
    return CareNearby(
        kind=kind,
        within_count=total_count(within),
        within_places=len(within),
        nearest=nearest,
    )


def _commune_apl(conn: Connection, commune: Territory) -> CommuneApl | None:
    """The commune's APL, computed over its département (cached by the APL service)."""
    ancestors = get_ancestors(conn, "commune", commune.code)
    departement = next((a for a in ancestors if a.level == "departement"), None)
    if departement is None:
        return None
    try:
        result = territory_apl(conn, departement.ref)
    except UserError:  # no GP counts or ages imported for it: the section says nothing
        return None
    found = next((c for c in result.communes if c.code == commune.code), None)
    if found is None:
        return None
    return CommuneApl(found, result.setup, APL_CLASS_COLOURS[found.apl_class])


def build_care_section(conn: Connection, territory: Territory) -> PageSection | None:
    """The section of a commune with a known centre; nothing for other territories."""
    if territory.level != "commune" or territory.centroid_lon is None:
        return None
    nearby = tuple(_nearby(conn, territory, kind) for kind in FINDER_KINDS)
    section = CareSection(
        commune=territory,
        max_time_min=NEARBY_MAX_TIME_MIN,
        model=TRAVEL_MODEL,
        nearby=nearby,
        apl=_commune_apl(conn, territory),
    )
    return PageSection(TEMPLATE, section)

"""HTTP API of the care finder: the nearest care of a kind, with a modelled travel time.

``GET /api/v1/care-access/finder?lon=&lat=&kind=&limit=`` (or ``?commune=``). Public: the
care offer is public information; the position sent is used for the answer and not stored
(the web page rounds it to about 100 m before sending it).
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from healthycity.api.deps import DbConn
from healthycity.care_access.finder import FoundCare, Location, rank_by_travel_time
from healthycity.care_access.offer import (
    COMMUNE_CODE,
    KIND_LABELS,
    CareKind,
    check_coordinates,
)
from healthycity.care_access.store import find_nearest
from healthycity.care_access.travel_times import StraightLineModel
from healthycity.errors import NotFoundError, ValidationError
from healthycity.territory.store import get_territory

router = APIRouter(prefix="/care-access", tags=["care-access"])
TRAVEL_MODEL = StraightLineModel()


class TravelTimeModelPublic(BaseModel):
    """The travel-time model behind ``travel_time_min``: an approximation, not a route."""

    name: Literal["straight-line"] = "straight-line"
    is_approximate: bool = True
    detour_factor: float = Field(description="Road distance over straight-line distance.")
    speed_kmh: float = Field(description="Mean car speed on the road distance.")
    intra_commune_min: float = Field(description="Access time added to every trip.")


class FinderResult(BaseModel):
    """One place offering the care asked for, with how far and how long to get there.

    When ``location`` is ``commune_centre``, the address is not known: the INSEE BPE counts
    ``count`` places per commune without addresses, and distance and time are measured to the
    commune's centre (its point-on-surface).
    """

    kind: CareKind
    label: str
    source: Literal["facility", "practitioner", "bpe"]
    record_id: int | None
    name: str
    commune_code: str | None
    commune_name: str | None
    lon: float
    lat: float
    location: Location
    count: int = Field(description="Places of this kind there (BPE: per commune; else 1).")
    year: int | None = Field(description="BPE year of the count, for source bpe.")
    distance_km: float = Field(description="Great-circle distance from the origin.")
    travel_time_min: float = Field(description="Modelled car travel time (approximate).")
    opening_hours: str | None = Field(description="Weekly hours; null when not known.")
    is_open_now: bool | None = Field(description="Open at the time of the request (Paris).")


class FinderResults(BaseModel):
    """The places offering ``kind`` quickest to reach from the origin, quickest first."""

    origin_lon: float
    origin_lat: float
    origin_commune: str | None = Field(description="The commune searched from, if any.")
    kind: CareKind
    label: str
    travel_time_model: TravelTimeModelPublic
    count: int
    results: list[FinderResult]


def _commune_names(conn: Connection, found: list[FoundCare]) -> dict[str, str]:
    names: dict[str, str] = {}
    for code in {f.offer.commune_code for f in found if f.offer.commune_code}:
        try:
            names[code] = get_territory(conn, "commune", code).name
        except NotFoundError:  # a record of a commune outside the stored COG: no name
            continue
    return names


def _result(item: FoundCare, names: dict[str, str], now: datetime) -> FinderResult:
    offer = item.offer
    return FinderResult(
        kind=offer.kind,
        label=KIND_LABELS[offer.kind],
        source=offer.source,
        record_id=offer.record_id,
        name=offer.name,
        commune_code=offer.commune_code,
        commune_name=names.get(offer.commune_code or ""),
        lon=offer.lon,
        lat=offer.lat,
        location=item.location,
        count=offer.count,
        year=offer.year,
        distance_km=round(offer.distance_km, 3),
        travel_time_min=round(item.travel_time_min, 1),
        opening_hours=offer.opening_hours,
        is_open_now=item.is_open_at(now),
    )


def commune_origin(conn: Connection, commune: str) -> tuple[float, float]:
    """The point a search from ``commune`` starts at: its centre (point-on-surface)."""
    territory = get_territory(conn, "commune", commune)
    if territory.centroid_lon is None or territory.centroid_lat is None:
        msg = f"Commune {commune} ({territory.name}) has no stored point; search by lon and lat."
        raise NotFoundError(msg)
    return territory.centroid_lon, territory.centroid_lat


def find_care(
    conn: Connection,
    *,
    kind: CareKind,
    limit: int,
    lon: float | None = None,
    lat: float | None = None,
    commune: str | None = None,
    now: datetime | None = None,
) -> FinderResults:
    """The finder's answer from a point, or from a commune's centre (give one or the other)."""
    if commune is not None and lon is None and lat is None:
        lon, lat = commune_origin(conn, commune)
    elif commune is not None or lon is None or lat is None:
        msg = f"Got lon={lon}, lat={lat}, commune={commune}; expected lon and lat, or commune."
        raise ValidationError(msg)
    else:
        check_coordinates(lon, lat)
    found = rank_by_travel_time(
        find_nearest(conn, lon, lat, kind=kind, limit=limit), model=TRAVEL_MODEL
    )
    names = _commune_names(conn, found)
    moment = now or datetime.now(UTC)
    return FinderResults(
        origin_lon=lon,
        origin_lat=lat,
        origin_commune=commune,
        kind=kind,
        label=KIND_LABELS[kind],
        travel_time_model=TravelTimeModelPublic(
            detour_factor=TRAVEL_MODEL.detour_factor,
            speed_kmh=TRAVEL_MODEL.speed_kmh,
            intra_commune_min=TRAVEL_MODEL.intra_commune_min,
        ),
        count=len(found),
        results=[_result(f, names, moment) for f in found],
    )


@router.get("/finder")
def get_finder(
    conn: DbConn,
    kind: CareKind,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="WGS84 longitude.")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="WGS84 latitude.")] = None,
    commune: Annotated[
        str | None, Query(pattern=COMMUNE_CODE.pattern, description="Or a commune's INSEE code.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> FinderResults:
    """The places offering ``kind`` quickest to reach from a point (or a commune's centre).

    Travel times come from the straight-line model whose parameters the answer gives
    (``travel_time_model``): approximate, for comparing places, not a route. Places counted
    by the BPE have no address: ``location`` is then ``commune_centre``.
    """
    return find_care(conn, kind=kind, limit=limit, lon=lon, lat=lat, commune=commune)

"""HTTP API of the care offer registry: public reads, writes by territory administrators.

Reads are open (the offer is public information). Practitioners and facilities, including
teleconsultation points, are created, changed and deleted by ``territory_admin`` tokens (or
above) scoped to a territory containing their commune.
"""

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from healthycity.api.deps import DbConn, require_role, require_scope
from healthycity.auth.models import Identity
from healthycity.care_access import store
from healthycity.care_access.offer import (
    COMMUNE_CODE,
    FACILITY_KINDS,
    KIND_LABELS,
    AgeBand,
    CareKind,
    Facility,
    FacilityKind,
    KindCount,
    LocationPrecision,
    NearbyOffer,
    OfferFieldError,
    Practitioner,
    Profession,
    PublicPrivate,
    Specialty,
    TeleconsultationHost,
    check_coordinates,
    typequ_codes,
)
from healthycity.errors import NotFoundError, RecordError, ValidationError
from healthycity.territory.store import get_ancestors, get_territory

router = APIRouter(prefix="/care-access", tags=["care-access"])
Admin = Annotated[Identity, Depends(require_role("territory_admin"))]

_COMMUNE_HELP = "INSEE code of the commune, e.g. 58194."
_LON = Field(default=None, ge=-180, le=180, description="WGS84 longitude of the address.")
_LAT = Field(default=None, ge=-90, le=90, description="WGS84 latitude of the address.")
_HOURS = Field(
    default=None,
    max_length=500,
    description="OSM-like weekly hours, e.g. `Mo-Fr 08:00-12:00,14:00-19:00; Sa 09:00-12:00`.",
)


class _Schema(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- Schemas ---------------------------------------------------------------------------------


class PractitionerFields(_Schema):
    """What may be set on a practitioner (all optional in an update)."""

    specialty: Specialty | None = None
    lon: float | None = _LON
    lat: float | None = _LAT
    yearly_consultations: int | None = Field(
        default=None, ge=0, description="Consultations and visits in activity_year (≤ 20,000)."
    )
    activity_year: int | None = Field(default=None, ge=2000, le=2100)
    fte: float | None = Field(default=None, gt=0, le=1, description="Share of a full-time post.")
    age_band: AgeBand | None = None
    structure_id: int | None = Field(default=None, description="Id of the MSP or centre de santé.")
    cpts: str | None = Field(default=None, max_length=200, description="Name of the CPTS.")
    opening_hours: str | None = _HOURS


class PractitionerCreate(PractitionerFields):
    """A practitioner to register."""

    profession: Profession
    commune_code: str = Field(pattern=COMMUNE_CODE.pattern, description=_COMMUNE_HELP)


class PractitionerUpdate(PractitionerFields):
    """Changes to a practitioner: only the fields sent are changed (``null`` clears one)."""

    profession: Profession | None = None
    commune_code: str | None = Field(
        default=None, pattern=COMMUNE_CODE.pattern, description=_COMMUNE_HELP
    )


class PractitionerPublic(BaseModel):
    """A registered practitioner; without an address, the point is its commune's."""

    id: int
    profession: Profession
    label: str
    specialty: Specialty | None
    commune_code: str
    lon: float | None
    lat: float | None
    location_precision: LocationPrecision
    yearly_consultations: int | None
    activity_year: int | None
    fte: float | None
    age_band: AgeBand | None
    structure_id: int | None
    cpts: str | None
    opening_hours: str | None
    source: str


class FacilityFields(_Schema):
    """What may be set on a facility (all optional in an update)."""

    finess: str | None = Field(default=None, description="9 characters, leading zero kept.")
    finess_category: str | None = Field(default=None, max_length=120)
    lon: float | None = _LON
    lat: float | None = _LAT
    address: str | None = Field(default=None, max_length=300)
    postcode: str | None = None
    public_private: PublicPrivate | None = None
    capacity_beds: int | None = Field(default=None, ge=0)
    capacity_rooms: int | None = Field(default=None, ge=0)
    capacity_practitioners: int | None = Field(default=None, ge=0)
    teleconsultation_host: TeleconsultationHost | None = Field(
        default=None, description="Required for a teleconsultation point, else none."
    )
    opening_hours: str | None = _HOURS


class FacilityCreate(FacilityFields):
    """A facility to register: hospital, pharmacy, MSP, Ehpad, teleconsultation point."""

    kind: FacilityKind
    name: str = Field(min_length=1, max_length=300)
    commune_code: str = Field(pattern=COMMUNE_CODE.pattern, description=_COMMUNE_HELP)


class FacilityUpdate(FacilityFields):
    """Changes to a facility: only the fields sent are changed (``null`` clears one)."""

    kind: FacilityKind | None = None
    name: str | None = Field(default=None, min_length=1, max_length=300)
    commune_code: str | None = Field(
        default=None, pattern=COMMUNE_CODE.pattern, description=_COMMUNE_HELP
    )


class FacilityPublic(BaseModel):
    """A facility; ``coordinates_trusted`` is false when the point stands in for the address."""

    id: int
    kind: FacilityKind
    label: str
    name: str
    finess: str | None
    finess_category: str | None
    departement_code: str
    commune_code: str | None
    lon: float | None
    lat: float | None
    location_precision: LocationPrecision
    coordinates_trusted: bool
    reported_lon: float | None = Field(description="A source geocode that was not trusted.")
    reported_lat: float | None
    address: str | None
    postcode: str | None
    public_private: PublicPrivate | None
    capacity_beds: int | None
    capacity_rooms: int | None
    capacity_practitioners: int | None
    teleconsultation_host: TeleconsultationHost | None
    opening_hours: str | None
    source: str


class KindCountPublic(BaseModel):
    """INSEE BPE count of one kind in the territory; communes not listed have none."""

    kind: CareKind
    label: str
    year: int
    total: int
    by_commune: dict[str, int]


class OfferPublic(BaseModel):
    """The care offer of a territory: BPE counts, registered facilities and practitioners."""

    territory: str
    name: str
    counts: list[KindCountPublic]
    facilities: list[FacilityPublic]
    practitioners: list[PractitionerPublic]


class NearbyPublic(BaseModel):
    """A place offering the care asked for; ``source`` bpe is a commune with ``count`` of it."""

    kind: CareKind
    label: str
    source: str
    record_id: int | None
    name: str
    commune_code: str | None
    lon: float
    lat: float
    location_precision: LocationPrecision
    distance_km: float = Field(description="Great-circle distance from the origin.")
    count: int
    year: int | None
    opening_hours: str | None


class NearestResults(BaseModel):
    """The places nearest to an origin, nearest first."""

    origin_lon: float
    origin_lat: float
    kind: CareKind
    count: int
    results: list[NearbyPublic]


# --- Conversions -----------------------------------------------------------------------------


def _practitioner(p: Practitioner) -> PractitionerPublic:
    assert p.id is not None  # stored records have ids  # noqa: S101
    return PractitionerPublic(**dataclasses.asdict(p), label=KIND_LABELS[p.profession])


def _facility(f: Facility) -> FacilityPublic:
    assert f.id is not None  # stored records have ids  # noqa: S101
    return FacilityPublic(
        **dataclasses.asdict(f),
        label=KIND_LABELS[f.kind],
        coordinates_trusted=f.coordinates_trusted,
    )


def _count(c: KindCount) -> KindCountPublic:
    return KindCountPublic(**dataclasses.asdict(c), label=KIND_LABELS[c.kind])


def _nearby(n: NearbyOffer) -> NearbyPublic:
    return NearbyPublic(**dataclasses.asdict(n), label=KIND_LABELS[n.kind])


@contextmanager
def _body_errors(resource: str) -> Iterator[None]:
    """Report a rule broken by a request body as a record error naming the field."""
    try:
        yield
    except OfferFieldError as exc:
        raise RecordError(
            source="request body",
            location=resource,
            field=exc.field,
            value=exc.value,
            expected=exc.expected,
        ) from exc


def _check_scope(
    conn: Connection,
    identity: Identity,
    commune_code: str | None,
    departement_code: str | None = None,
) -> None:
    """Raise unless the record's commune (else its département) is in the token's scope."""
    level, code = ("commune", commune_code) if commune_code else ("departement", departement_code)
    assert code is not None  # every record has a commune or a département  # noqa: S101
    require_scope(identity, level, code, ancestors=get_ancestors(conn, level, code))


def _location_changes(changes: dict[str, Any], record: Any) -> dict[str, Any]:
    """Set ``location_precision`` from the coordinates sent, or reset a stand-in point."""
    if "lon" in changes or "lat" in changes:
        lon = changes.get("lon", record.lon)
        changes["location_precision"] = "unknown" if lon is None else "address"
    elif "commune_code" in changes and record.location_precision != "address":
        changes |= {"lon": None, "lat": None, "location_precision": "unknown"}
    return changes


def _origin(
    conn: Connection, lon: float | None, lat: float | None, commune: str | None
) -> tuple[float, float]:
    """The point a search starts from: the one given, or the commune's point-on-surface."""
    if commune is None and lon is not None and lat is not None:
        with _body_errors("query"):
            check_coordinates(lon, lat)
        return lon, lat
    if commune is None or lon is not None or lat is not None:
        msg = f"Got lon={lon}, lat={lat}, commune={commune}; expected lon and lat, or commune."
        raise ValidationError(msg)
    departement = store.commune_departements(conn, [commune]).get(commune)
    if departement is None:
        msg = f"No commune with code {commune!r}."
        raise NotFoundError(msg)
    point_lon, point_lat, _ = store.stand_in_point(conn, commune, departement)
    if point_lon is None or point_lat is None:
        msg = f"No point is known for commune {commune} nor its département; ask by lon/lat."
        raise NotFoundError(msg)
    return point_lon, point_lat


# --- Reads -----------------------------------------------------------------------------------


@router.get("/offer")
def get_offer(
    conn: DbConn,
    territory: Annotated[
        str,
        Query(
            pattern=r"^(region|departement|epci|commune)/[0-9A-Za-z]+$",
            description="A territory as level/code.",
            examples=["departement/58"],
        ),
    ],
    kind: CareKind | None = None,
    year: Annotated[int | None, Query(ge=2007, le=2100, description="BPE year; latest.")] = None,
) -> OfferPublic:
    """The care offer of a territory, of one kind or all.

    BPE counts are given for each kind the BPE counts and for which the year (the latest
    imported by default) was imported over the whole territory.
    """
    level, _, code = territory.partition("/")
    place = get_territory(conn, level, code)
    communes, departements = store.territory_communes(conn, level, code)
    kinds = [kind] if kind else list(KIND_LABELS)
    counts = []
    for k in (k for k in kinds if typequ_codes(k)):
        years = store.count_years(conn, k)
        wanted = year if year is not None else (years[-1] if years else None)
        if wanted is None or wanted not in years:
            continue
        try:
            counts.append(_count(store.count_offer(conn, year=wanted, kind=k, communes=communes)))
        except NotFoundError:  # not imported over the whole territory: no partial total
            continue
    facility_kind = next((k for k in FACILITY_KINDS if k == kind), None)
    facilities = store.list_facilities(
        conn, kind=facility_kind, communes=communes, departements=departements
    )
    practitioners = store.list_practitioners(conn, communes=communes)
    return OfferPublic(
        territory=place.ref,
        name=place.name,
        counts=counts,
        facilities=[_facility(f) for f in facilities if kind in (None, f.kind)],
        practitioners=[_practitioner(p) for p in practitioners if kind in (None, p.profession)],
    )


@router.get("/facilities/{facility_id}")
def get_facility(conn: DbConn, facility_id: int) -> FacilityPublic:
    """One facility."""
    return _facility(store.get_facility(conn, facility_id))


@router.get("/practitioners/{practitioner_id}")
def get_practitioner(conn: DbConn, practitioner_id: int) -> PractitionerPublic:
    """One practitioner."""
    return _practitioner(store.get_practitioner(conn, practitioner_id))


@router.get("/nearest")
def get_nearest(
    conn: DbConn,
    kind: CareKind,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="WGS84 longitude.")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="WGS84 latitude.")] = None,
    commune: Annotated[
        str | None, Query(pattern=COMMUNE_CODE.pattern, description="Or a commune's INSEE code.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> NearestResults:
    """The places offering ``kind`` nearest to a point, or to a commune's point-on-surface.

    Distances are great-circle distances; travel times come with the travel-time engine.
    """
    origin_lon, origin_lat = _origin(conn, lon, lat, commune)
    found = store.find_nearest(conn, origin_lon, origin_lat, kind=kind, limit=limit)
    return NearestResults(
        origin_lon=origin_lon,
        origin_lat=origin_lat,
        kind=kind,
        count=len(found),
        results=[_nearby(n) for n in found],
    )


# --- Writes ----------------------------------------------------------------------------------


@router.post("/practitioners", status_code=201)
def create_practitioner(
    body: PractitionerCreate, conn: DbConn, identity: Admin
) -> PractitionerPublic:
    """Register a practitioner in a commune of the token's territory."""
    values = body.model_dump()
    values["location_precision"] = "unknown" if body.lon is None else "address"
    with _body_errors("practitioner"):
        practitioner = Practitioner(**values)
        departement = store.check_commune(conn, practitioner.commune_code)
        _check_scope(conn, identity, practitioner.commune_code, departement)
        return _practitioner(store.save_practitioner(conn, practitioner))


@router.patch("/practitioners/{practitioner_id}")
def update_practitioner(
    practitioner_id: int, body: PractitionerUpdate, conn: DbConn, identity: Admin
) -> PractitionerPublic:
    """Change some fields of a practitioner; the old and new communes must be in scope."""
    current = store.get_practitioner(conn, practitioner_id)
    _check_scope(conn, identity, current.commune_code)
    changes = _location_changes(body.model_dump(exclude_unset=True), current)
    with _body_errors("practitioner"):
        changed = dataclasses.replace(current, **changes)
        departement = store.check_commune(conn, changed.commune_code)
        _check_scope(conn, identity, changed.commune_code, departement)
        return _practitioner(store.save_practitioner(conn, changed))


@router.delete("/practitioners/{practitioner_id}", status_code=204, response_class=Response)
def delete_practitioner(practitioner_id: int, conn: DbConn, identity: Admin) -> None:
    """Remove a practitioner (a retirement, a move away)."""
    current = store.get_practitioner(conn, practitioner_id)
    _check_scope(conn, identity, current.commune_code)
    store.delete_practitioner(conn, practitioner_id)


@router.post("/facilities", status_code=201)
def create_facility(body: FacilityCreate, conn: DbConn, identity: Admin) -> FacilityPublic:
    """Register a facility, e.g. a teleconsultation point in a town hall."""
    values = body.model_dump()
    values["location_precision"] = "unknown" if body.lon is None else "address"
    with _body_errors("facility"):
        departement = store.check_commune(conn, body.commune_code)
        facility = Facility(**values, departement_code=departement)
        _check_scope(conn, identity, facility.commune_code, departement)
        return _facility(store.save_facility(conn, facility))


@router.patch("/facilities/{facility_id}")
def update_facility(
    facility_id: int, body: FacilityUpdate, conn: DbConn, identity: Admin
) -> FacilityPublic:
    """Change some fields of a facility; the old and new places must be in scope."""
    current = store.get_facility(conn, facility_id)
    _check_scope(conn, identity, current.commune_code, current.departement_code)
    changes = _location_changes(body.model_dump(exclude_unset=True), current)
    with _body_errors("facility"):
        if changes.get("commune_code") is not None:
            changes["departement_code"] = store.check_commune(conn, changes["commune_code"])
        changed = dataclasses.replace(current, **changes)
        _check_scope(conn, identity, changed.commune_code, changed.departement_code)
        return _facility(store.save_facility(conn, changed))


@router.delete("/facilities/{facility_id}", status_code=204, response_class=Response)
def delete_facility(facility_id: int, conn: DbConn, identity: Admin) -> None:
    """Remove a facility; practitioners working there stay, without a structure."""
    current = store.get_facility(conn, facility_id)
    _check_scope(conn, identity, current.commune_code, current.departement_code)
    store.delete_facility(conn, facility_id)

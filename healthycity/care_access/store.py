"""Queries of the care offer registry: functions taking a connection.

Practitioners and facilities are individual records (from the API or FINESS); BPE counts are
numbers per commune and year. Records without their own coordinates get a stand-in point
(their commune's point-on-surface, else their département's) when they are written, so that
every query can measure distances from ``lon``/``lat`` alone.
"""

import dataclasses
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from healthycity.care_access import tables
from healthycity.care_access.offer import (
    FACILITY_KINDS,
    KIND_LABELS,
    PROFESSIONS,
    CareKind,
    Facility,
    FacilityKind,
    KindCount,
    LocationPrecision,
    NearbyOffer,
    OfferFieldError,
    Practitioner,
    Profession,
    typequ_codes,
)
from healthycity.care_access.proximity import bounding_box, great_circle_km
from healthycity.errors import NotFoundError
from healthycity.territory import tables as territory_tables
from healthycity.territory.store import get_children, get_territory

t = territory_tables.territories
links = territory_tables.territory_links
_CHUNK = 5000
_STRUCTURE_KINDS = ("msp", "health_centre")


def _chunks(codes: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(codes), _CHUNK):
        yield codes[start : start + _CHUNK]


# --- Territories -----------------------------------------------------------------------------


def commune_departements(conn: Connection, communes: Collection[str]) -> dict[str, str]:
    """The département of each known commune of ``communes``."""
    found: dict[str, str] = {}
    for chunk in _chunks(sorted(communes)):
        rows = conn.execute(
            select(links.c.child_code, links.c.parent_code).where(
                links.c.child_level == "commune",
                links.c.parent_level == "departement",
                links.c.child_code.in_(chunk),
            )
        )
        found.update((code, departement) for code, departement in rows)
    return found


def check_commune(conn: Connection, code: str) -> str:
    """The département of commune ``code``; raise a field error if no such commune is stored."""
    departement = commune_departements(conn, [code]).get(code)
    if departement is None:
        raise OfferFieldError(
            field="commune_code",
            value=code,
            expected="the INSEE code of a commune of the stored COG",
        )
    return departement


def territory_communes(conn: Connection, level: str, code: str) -> tuple[list[str], list[str]]:
    """The communes of a territory, and the départements wholly inside it."""
    territory = get_territory(conn, level, code)
    if territory.level == "commune":
        return [territory.code], []
    communes = [c.code for c in get_children(conn, level, code, child_level="commune")]
    if territory.level == "departement":
        return communes, [territory.code]
    if territory.level == "region":
        departements = get_children(conn, level, code, child_level="departement")
        return communes, [d.code for d in departements]
    return communes, []


def stand_in_point(
    conn: Connection, commune_code: str | None, departement_code: str
) -> tuple[float | None, float | None, LocationPrecision]:
    """The point shown for a record without coordinates: its commune's, else its département's."""
    for level, code in (("commune", commune_code), ("departement", departement_code)):
        if code is None:
            continue
        row = conn.execute(
            select(t.c.centroid_lon, t.c.centroid_lat).where(t.c.level == level, t.c.code == code)
        ).first()
        if row is not None and row.centroid_lon is not None:
            precision: LocationPrecision = "commune" if level == "commune" else "departement"
            return row.centroid_lon, row.centroid_lat, precision
    return None, None, "unknown"


# --- Records ---------------------------------------------------------------------------------


def facility_record(facility: Facility, *, now: datetime) -> dict[str, Any]:
    """The table row of a facility (its id left to the database)."""
    record = dataclasses.asdict(facility)
    del record["id"]
    record["coordinates_trusted"] = facility.coordinates_trusted
    record["updated_at"] = now
    return record


def _facility(row: Row[Any]) -> Facility:
    values = dict(row._mapping)
    del values["coordinates_trusted"], values["updated_at"]
    return Facility(**values)


def _practitioner_record(practitioner: Practitioner, *, now: datetime) -> dict[str, Any]:
    record = dataclasses.asdict(practitioner)
    del record["id"]
    record["updated_at"] = now
    return record


def _practitioner(row: Row[Any]) -> Practitioner:
    values = dict(row._mapping)
    del values["updated_at"]
    return Practitioner(**values)


def get_facility(conn: Connection, facility_id: int) -> Facility:
    """One facility by id."""
    row = conn.execute(
        select(tables.facilities).where(tables.facilities.c.id == facility_id)
    ).first()
    if row is None:
        msg = f"No care facility with id {facility_id}."
        raise NotFoundError(msg)
    return _facility(row)


def get_practitioner(conn: Connection, practitioner_id: int) -> Practitioner:
    """One practitioner by id."""
    p = tables.practitioners
    row = conn.execute(select(p).where(p.c.id == practitioner_id)).first()
    if row is None:
        msg = f"No practitioner with id {practitioner_id}."
        raise NotFoundError(msg)
    return _practitioner(row)


def _located(conn: Connection, record: Any, departement: str) -> Any:
    """``record`` with a stand-in point unless it carries its own geocoded address."""
    if record.location_precision == "address":
        return record
    lon, lat, precision = stand_in_point(conn, record.commune_code, departement)
    return dataclasses.replace(record, lon=lon, lat=lat, location_precision=precision)


def _check_structure(conn: Connection, structure_id: int | None) -> None:
    if structure_id is None:
        return
    f = tables.facilities
    kind = conn.execute(select(f.c.kind).where(f.c.id == structure_id)).scalar()
    if kind not in _STRUCTURE_KINDS:
        raise OfferFieldError(
            field="structure_id",
            value=structure_id,
            expected="the id of a stored MSP or centre de santé",
        )


def save_practitioner(conn: Connection, practitioner: Practitioner) -> Practitioner:
    """Insert (no id) or replace (id) a practitioner; return it as stored, with its id."""
    departement = check_commune(conn, practitioner.commune_code)
    _check_structure(conn, practitioner.structure_id)
    practitioner = _located(conn, practitioner, departement)
    record = _practitioner_record(practitioner, now=datetime.now(UTC))
    p = tables.practitioners
    if practitioner.id is None:
        new_id = conn.execute(insert(p).values(record).returning(p.c.id)).scalar_one()
        return dataclasses.replace(practitioner, id=new_id)
    conn.execute(update(p).where(p.c.id == practitioner.id).values(record))
    return practitioner


def save_facility(conn: Connection, facility: Facility) -> Facility:
    """Insert (no id) or replace (id) a facility; return it as stored, with its id."""
    if facility.commune_code is not None:
        departement = check_commune(conn, facility.commune_code)
        if departement != facility.departement_code:
            raise OfferFieldError(
                field="departement_code",
                value=facility.departement_code,
                expected=f"{departement}, the département of commune {facility.commune_code}",
            )
    facility = _located(conn, facility, facility.departement_code)
    record = facility_record(facility, now=datetime.now(UTC))
    f = tables.facilities
    if facility.finess is not None:
        clash = conn.execute(
            select(f.c.id).where(f.c.finess == facility.finess, f.c.id != facility.id)
        ).scalar()
        if clash is not None:
            raise OfferFieldError(
                field="finess",
                value=facility.finess,
                expected=f"a FINESS number not already used by facility {clash}",
            )
    if facility.id is None:
        new_id = conn.execute(insert(f).values(record).returning(f.c.id)).scalar_one()
        return dataclasses.replace(facility, id=new_id)
    conn.execute(update(f).where(f.c.id == facility.id).values(record))
    return facility


def delete_practitioner(conn: Connection, practitioner_id: int) -> None:
    """Delete a practitioner (raises if there is none with this id)."""
    get_practitioner(conn, practitioner_id)
    p = tables.practitioners
    conn.execute(delete(p).where(p.c.id == practitioner_id))


def delete_facility(conn: Connection, facility_id: int) -> None:
    """Delete a facility; practitioners working there keep their record, without structure."""
    get_facility(conn, facility_id)
    f, p = tables.facilities, tables.practitioners
    # Explicit rather than ON DELETE SET NULL alone: SQLite applies it only when the
    # connection enabled foreign keys, which an embedding application may not do.
    conn.execute(update(p).where(p.c.structure_id == facility_id).values(structure_id=None))
    conn.execute(delete(f).where(f.c.id == facility_id))


def list_facilities(
    conn: Connection,
    *,
    kind: FacilityKind | None = None,
    communes: Collection[str] | None = None,
    departements: Collection[str] = (),
) -> list[Facility]:
    """Facilities of ``kind`` (all kinds by default) in ``communes`` (anywhere by default).

    Facilities whose commune is unknown are included when their département is one of
    ``departements``.
    """
    f = tables.facilities
    query = select(f).order_by(f.c.id)
    if kind is not None:
        query = query.where(f.c.kind == kind)
    if communes is None:
        return [_facility(r) for r in conn.execute(query)]
    found: dict[int, Facility] = {}
    for chunk in _chunks(sorted(communes)):
        found.update(
            (r.id, _facility(r)) for r in conn.execute(query.where(f.c.commune_code.in_(chunk)))
        )
    if departements:
        orphans = query.where(f.c.commune_code.is_(None), f.c.departement_code.in_(departements))
        found.update((r.id, _facility(r)) for r in conn.execute(orphans))
    return [found[i] for i in sorted(found)]


def list_practitioners(
    conn: Connection,
    *,
    profession: Profession | None = None,
    communes: Collection[str] | None = None,
) -> list[Practitioner]:
    """Practitioners of ``profession`` (all by default) practising in ``communes``."""
    p = tables.practitioners
    query = select(p).order_by(p.c.id)
    if profession is not None:
        query = query.where(p.c.profession == profession)
    if communes is None:
        return [_practitioner(r) for r in conn.execute(query)]
    found: list[Practitioner] = []
    for chunk in _chunks(sorted(communes)):
        found.extend(
            _practitioner(r) for r in conn.execute(query.where(p.c.commune_code.in_(chunk)))
        )
    return sorted(found, key=lambda x: x.id or 0)


# --- BPE counts ------------------------------------------------------------------------------


def count_years(conn: Connection, kind: CareKind) -> list[int]:
    """Years for which some BPE count of ``kind`` was imported, oldest first."""
    c = tables.count_coverage
    codes = typequ_codes(kind)
    if not codes:
        return []
    rows = conn.execute(select(c.c.year).distinct().where(c.c.typequ.in_(codes)).order_by(c.c.year))
    return list(rows.scalars())


def count_offer_by_commune(
    conn: Connection, *, year: int, kind: CareKind, communes: Collection[str]
) -> dict[str, int]:
    """BPE count of ``kind`` in each of ``communes`` in ``year`` (0 where the BPE lists none).

    For general practitioners this is the head count of GPs per commune (BPE D201), the
    supply of a count-based APL (``indicators.supply_from_gp_counts``).

    Raises
    ------
    NotFoundError
        When ``kind`` has no BPE type, or when the counts of ``year`` were not imported for
        the département of some commune (then "none listed" would not mean 0).
    """
    codes = typequ_codes(kind)
    if not codes:
        msg = f"The BPE does not count {kind!r}; expected a kind with BPE types."
        raise NotFoundError(msg)
    departement_of = commune_departements(conn, communes)
    unknown = sorted(set(communes) - set(departement_of))
    if unknown:
        raise OfferFieldError(
            field="communes",
            value=unknown[:10],
            expected="INSEE codes of communes of the stored COG",
        )
    _check_coverage(conn, year, kind, codes, set(departement_of.values()))
    counts = dict.fromkeys(communes, 0)
    oc = tables.offer_counts
    for chunk in _chunks(sorted(communes)):
        rows = conn.execute(
            select(oc.c.commune_code, func.sum(oc.c.count))
            .where(oc.c.year == year, oc.c.typequ.in_(codes), oc.c.commune_code.in_(chunk))
            .group_by(oc.c.commune_code)
        )
        counts.update({code: int(total) for code, total in rows})
    return counts


def _check_coverage(
    conn: Connection, year: int, kind: CareKind, codes: Sequence[str], departements: set[str]
) -> None:
    c = tables.count_coverage
    covered = set(
        conn.execute(
            select(c.c.typequ, c.c.departement_code).where(c.c.year == year, c.c.typequ.in_(codes))
        )
    )
    missing = sorted({d for d in departements for code in codes if (code, d) not in covered})
    if missing:
        years = count_years(conn, kind)
        msg = (
            f"No BPE count of {kind} ({', '.join(codes)}) for {year} in département(s) "
            f"{', '.join(missing[:10])}; imported years of this kind: "
            f"{', '.join(map(str, years)) or 'none'}."
        )
        raise NotFoundError(msg)


def count_offer(
    conn: Connection, *, year: int, kind: CareKind, communes: Collection[str]
) -> KindCount:
    """:func:`count_offer_by_commune` as a total plus the communes that have some."""
    counts = count_offer_by_commune(conn, year=year, kind=kind, communes=communes)
    return KindCount(
        kind=kind,
        year=year,
        total=sum(counts.values()),
        by_commune={code: n for code, n in sorted(counts.items()) if n},
    )


# --- Nearest ---------------------------------------------------------------------------------

# Search radii, widened until enough places are found; the last search has no bound. Most
# French homes have a GP and a pharmacy within 10 km (DREES, Études et Résultats n°1144,
# 2020), so the first radius usually suffices.
SEARCH_RADII_KM: tuple[float | None, ...] = (5.0, 20.0, 80.0, 320.0, None)


def _in_box(
    columns: tuple[Any, Any], box: tuple[float | None, float, float | None, float]
) -> list[Any]:
    lon, lat = columns
    conditions = [lon.is_not(None), lat.between(box[1], box[3])]
    if box[0] is not None and box[2] is not None:
        conditions.append(lon.between(box[0], box[2]))
    return conditions


def _candidates(
    conn: Connection,
    kind: CareKind,
    box: tuple[float | None, float, float | None, float] | None,
    year: int | None,
) -> list[NearbyOffer]:
    """Places offering ``kind`` inside ``box`` (anywhere when ``None``), distance not yet set."""
    found: list[NearbyOffer] = []
    everywhere = (None, -90.0, None, 90.0)
    f, p, oc = tables.facilities, tables.practitioners, tables.offer_counts
    if kind in FACILITY_KINDS:
        query = select(f).where(f.c.kind == kind, *_in_box((f.c.lon, f.c.lat), box or everywhere))
        found.extend(
            NearbyOffer(kind, "facility", r.id, r.name, r.commune_code, r.lon, r.lat,
                        r.location_precision, 0.0, opening_hours=r.opening_hours)
            for r in conn.execute(query)
        )  # fmt: skip
    if kind in PROFESSIONS:
        query = select(p).where(
            p.c.profession == kind, *_in_box((p.c.lon, p.c.lat), box or everywhere)
        )
        found.extend(
            NearbyOffer(kind, "practitioner", r.id, KIND_LABELS[kind], r.commune_code, r.lon,
                        r.lat, r.location_precision, 0.0, opening_hours=r.opening_hours)
            for r in conn.execute(query)
        )  # fmt: skip
    if year is not None:
        query = (
            select(t.c.code, t.c.name, t.c.centroid_lon, t.c.centroid_lat, func.sum(oc.c.count))
            .join(t, (t.c.level == "commune") & (t.c.code == oc.c.commune_code))
            .where(oc.c.year == year, oc.c.typequ.in_(typequ_codes(kind)), oc.c.count > 0)
            .where(*_in_box((t.c.centroid_lon, t.c.centroid_lat), box or everywhere))
            .group_by(t.c.code, t.c.name, t.c.centroid_lon, t.c.centroid_lat)
        )
        found.extend(
            NearbyOffer(kind, "bpe", None, name, code, lon, lat, "commune", 0.0,
                        count=int(n), year=year)
            for code, name, lon, lat, n in conn.execute(query)
        )  # fmt: skip
    return found


def find_nearest(
    conn: Connection, lon: float, lat: float, *, kind: CareKind, limit: int = 5
) -> list[NearbyOffer]:
    """The ``limit`` places offering ``kind`` nearest to a WGS84 point, nearest first.

    Places are registered facilities and practitioners, and, for kinds the BPE counts, the
    communes holding some in the latest imported year (at their point-on-surface). Each
    search asks the database for the places inside a box around the point, then measures
    great-circle distances exactly; the box widens (:data:`SEARCH_RADII_KM`) until ``limit``
    places lie within the radius, so no nearer place can be outside the box.
    """
    years = count_years(conn, kind)
    year = years[-1] if years else None
    found: list[NearbyOffer] = []
    for radius_km in SEARCH_RADII_KM:
        box = None if radius_km is None else bounding_box(lon, lat, radius_km)
        candidates = _candidates(conn, kind, box, year)
        distances = great_circle_km(
            lon, lat, [c.lon for c in candidates], [c.lat for c in candidates]
        )
        found = sorted(
            (
                dataclasses.replace(c, distance_km=float(d))
                for c, d in zip(candidates, distances, strict=True)
                if radius_km is None or d <= radius_km
            ),
            key=lambda x: (x.distance_km, x.source, x.record_id or 0, x.commune_code or ""),
        )
        if len(found) >= limit:
            break
    return found[:limit]

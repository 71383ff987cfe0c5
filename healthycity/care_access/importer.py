"""Import the open care offer (INSEE BPE counts, FINESS hospitals) in the caller's transaction.

Every file is read and checked in full before anything is written, and all writes happen
on the caller's connection: a bad record raises :class:`RecordError` and, the caller's
transaction being rolled back, the database is left as it was.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shapely import Geometry
from sqlalchemy import Connection, delete, insert, select

from healthycity.care_access import tables
from healthycity.care_access._bpe import BpeCount, BpeFile, read_bpe_file
from healthycity.care_access._finess import HospitalRow, read_hospital_file
from healthycity.care_access._hospital_places import (
    Communes,
    departement_shapes,
    is_trusted,
    load_communes,
)
from healthycity.care_access.offer import Facility, LocationPrecision, OfferFieldError
from healthycity.care_access.store import facility_record
from healthycity.errors import RecordError
from healthycity.storage.upsert import upsert
from healthycity.territory import tables as territory_tables
from healthycity.territory.demo import DEMO_DEPARTEMENTS
from healthycity.territory.models import ImportReport

# progress(step description, done, total), as the territory importers report it
Progress = Callable[[str, int, int], None]
_BATCH = 5000

# Arrondissements municipaux (COG): the BPE counts Paris, Lyon and Marseille by arrondissement.
ARRONDISSEMENTS = {
    "75056": range(75101, 75121),
    "69123": range(69381, 69390),
    "13055": range(13201, 13217),
}
DEMO_BPE_FILES = (
    "bpe_sante_action_sociale_communes_2018_2019_nievre_voisins.csv",
    "bpe_medecins_pharmacies_ehpad_communes_france_2018_2019.csv",
)
DEMO_HOSPITAL_FILE = "hospitals_fr_eurostat_gisco_finess_2020.csv"


def _no_progress(_step: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class UnmappedCommune:
    """A BPE commune code that is no commune of the stored COG, nor a former one of one."""

    source: str
    line: int
    code: str
    year: int
    counts: dict[str, int]


@dataclass(frozen=True)
class UntrustedLocation:
    """A record whose geocode fell far outside its département, and where it is shown instead."""

    source: str
    line: int
    finess: str
    name: str
    departement_code: str
    reported_lon: float
    reported_lat: float
    distance_km: float | None
    shown_at: LocationPrecision


@dataclass
class CareImportReport(ImportReport):
    """An import report with the records set aside or distrusted, one by one."""

    unmapped: list[UnmappedCommune] = field(default_factory=list)
    untrusted: list[UntrustedLocation] = field(default_factory=list)


def _codes(conn: Connection, level: str) -> set[str]:
    t = territory_tables.territories
    return set(conn.execute(select(t.c.code).where(t.c.level == level)).scalars())


def _current_commune(code: str, communes: set[str], merges: dict[str, str]) -> str | None:
    """The commune of the stored COG that ``code`` is, was merged into, or is part of."""
    if code in communes:
        return code
    if code in merges:
        return merges[code]
    if code.isdigit():
        parent = next((p for p, r in ARRONDISSEMENTS.items() if int(code) in r), None)
        if parent in communes:
            return parent
    return None


# --- BPE -------------------------------------------------------------------------------------


def import_bpe(
    conn: Connection,
    paths: Sequence[Path],
    *,
    years: Collection[int] | None = None,
    progress: Progress = _no_progress,
) -> CareImportReport:
    """Import INSEE BPE counts per commune (long or wide files) for ``years`` (all by default).

    Each file is authoritative for its years, equipment types and départements: the counts
    stored there before are replaced, and a commune the file does not list has none. Codes
    of the COG of the BPE year are moved to the current commune: a former commune to the
    commune it merged into, an arrondissement to its city. Codes that cannot be moved are
    reported, not stored.
    """
    files = [read_bpe_file(path, years=years) for path in paths]
    for bpe in files:
        if not bpe.counts:
            raise RecordError(
                source=bpe.source,
                location="file",
                field="annee_bpe",
                value=sorted(years or ()),
                expected="counts of the years asked",
            )
    departements, communes = _codes(conn, "departement"), _codes(conn, "commune")
    m = territory_tables.commune_merges
    merges: dict[str, str] = dict(conn.execute(select(m.c.code, m.c.parent_code)).all())
    report = CareImportReport(source=", ".join(str(p) for p in paths))
    totals: dict[tuple[int, str, str], int] = defaultdict(int)
    departement_of: dict[str, str] = {}
    for bpe, count in _distinct_counts(files):
        if count.departement_code not in departements:
            raise RecordError(
                source=bpe.source,
                location=f"line {count.line}",
                field="code_departement",
                value=count.departement_code,
                expected="a département of the stored COG (import the COG first)",
            )
        current = _current_commune(count.commune_code, communes, merges)
        if current is None:
            _note_unmapped(report, bpe.source, count)
            continue
        totals[(count.year, current, count.typequ)] += count.count
        departement_of[current] = count.departement_code
    _replace_counts(conn, files, totals, departement_of, progress=progress)
    report.rows = {
        "counts": sum(1 for n in totals.values() if n),
        "communes": len({k[1] for k, n in totals.items() if n}),
        "unmapped_communes": len({u.code for u in report.unmapped}),
    }
    report.warnings.extend(_unmapped_warnings(report.unmapped))
    return report


def _distinct_counts(files: Sequence[BpeFile]) -> list[tuple[BpeFile, BpeCount]]:
    """Every count once; the same count in two files must agree."""
    seen: dict[tuple[int, str, str], tuple[BpeFile, BpeCount]] = {}
    for bpe in files:
        for count in bpe.counts:
            key = (count.year, count.commune_code, count.typequ)
            first = seen.setdefault(key, (bpe, count))
            if first[1] is not count and first[1].count != count.count:
                raise RecordError(
                    source=bpe.source,
                    location=f"line {count.line}",
                    field=f"{count.typequ} {count.year} {count.commune_code}",
                    value=count.count,
                    expected=f"{first[1].count}, as {first[0].source} line {first[1].line} says",
                )
    return list(seen.values())


def _note_unmapped(report: CareImportReport, source: str, count: BpeCount) -> None:
    for i, known in enumerate(report.unmapped):
        if (known.source, known.code, known.year) == (source, count.commune_code, count.year):
            counts = {**known.counts, count.typequ: count.count}
            report.unmapped[i] = UnmappedCommune(source, known.line, known.code, known.year, counts)
            return
    report.unmapped.append(
        UnmappedCommune(
            source, count.line, count.commune_code, count.year, {count.typequ: count.count}
        )
    )


def _unmapped_warnings(unmapped: Sequence[UnmappedCommune]) -> list[str]:
    by_source: dict[str, list[UnmappedCommune]] = defaultdict(list)
    for u in unmapped:
        by_source[u.source].append(u)
    return [
        f"{source}: {len({u.code for u in items})} commune code(s) are neither communes of the "
        "stored COG nor former communes or arrondissements of one; their counts are not "
        "stored: "
        + "; ".join(
            f"{u.code} in {u.year} (line {u.line}: "
            + (", ".join(f"{k}={v}" for k, v in sorted(u.counts.items()) if v) or "all 0")
            + ")"
            for u in items
        )
        + ". Import a COG history to map them."
        for source, items in by_source.items()
    ]


def _replace_counts(
    conn: Connection,
    files: Sequence[BpeFile],
    totals: dict[tuple[int, str, str], int],
    departement_of: dict[str, str],
    *,
    progress: Progress,
) -> None:
    oc, cov = tables.offer_counts, tables.count_coverage
    now = datetime.now(UTC)
    coverage: dict[tuple[int, str, str], str] = {}
    for bpe in files:
        for year in bpe.years:
            conn.execute(
                delete(oc).where(
                    oc.c.year == year,
                    oc.c.typequ.in_(bpe.typequs),
                    oc.c.departement_code.in_(bpe.departements),
                )
            )
            for typequ in bpe.typequs:
                for departement in bpe.departements:
                    coverage[(year, typequ, departement)] = bpe.source[:500]
    rows = [
        {
            "year": y,
            "commune_code": c,
            "typequ": q,
            "departement_code": departement_of[c],
            "count": n,
        }
        for (y, c, q), n in sorted(totals.items())
        if n
    ]
    for start in range(0, len(rows), _BATCH):
        conn.execute(insert(oc), rows[start : start + _BATCH])
        progress("comptages BPE", min(start + _BATCH, len(rows)), len(rows))
    records = [
        {"year": y, "typequ": q, "departement_code": d, "source": s, "imported_at": now}
        for (y, q, d), s in sorted(coverage.items())
    ]
    for start in range(0, len(records), _BATCH):
        upsert(
            conn, cov, records[start : start + _BATCH], key=("year", "typequ", "departement_code")
        )


# --- FINESS hospitals --------------------------------------------------------------------------


def import_finess_hospitals(
    conn: Connection,
    path: Path,
    *,
    departements: Collection[str] | None = None,
    progress: Progress = _no_progress,
) -> CareImportReport:
    """Import the FINESS hospital file (of ``departements``, all by default).

    Each geocode is compared with its département's polygon. One lying more than
    ``DEPARTEMENT_MARGIN_KM`` (10 km) outside is reported and never used: the hospital is
    stored with ``coordinates_trusted = False`` at its commune's point-on-surface (commune
    found from its postal city name), else at its département's. Where a département has no
    polygon, a geocode is only checked to lie in the right part of France (mainland or the
    overseas territory). Hospitals are keyed by FINESS number: importing again updates them.
    """
    rows = read_hospital_file(path, departements=departements)
    wanted = {r.departement_code for r in rows}
    shapes = departement_shapes(conn, wanted)
    for row in rows:
        if row.departement_code not in shapes:
            raise RecordError(
                source=str(path),
                location=f"line {row.line}",
                field="id",
                value=row.finess,
                expected=f"a FINESS number of a département of the stored COG (not "
                f"{row.departement_code}; import the COG first)",
            )
    communes = load_communes(conn, wanted)
    report = CareImportReport(source=str(path))
    unresolved: list[HospitalRow] = []
    records: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    for i, row in enumerate(rows, start=1):
        facility = _hospital(str(path), row, shapes[row.departement_code], communes, report)
        if facility.commune_code is None:
            unresolved.append(row)
        records.append(facility_record(facility, now=now))
        if i % 500 == 0 or i == len(rows):
            progress("établissements FINESS", i, len(rows))
    for start in range(0, len(records), _BATCH):
        upsert(conn, tables.facilities, records[start : start + _BATCH], key=("finess",))
    report.rows = {
        "facilities": len(records),
        "untrusted_locations": len(report.untrusted),
        "unresolved_communes": len(unresolved),
    }
    report.warnings.extend(_untrusted_warning(u) for u in report.untrusted)
    if unresolved:
        report.warnings.append(
            f"{path}: the commune of {len(unresolved)} établissement(s) could not be told from "
            f"their postcode and city (e.g. line {unresolved[0].line}: {unresolved[0].postcode} "
            f"{unresolved[0].city}); they are attached to their département only."
        )
    return report


def _hospital(
    source: str,
    row: HospitalRow,
    departement: tuple[Geometry | None, tuple[float, float] | None],
    communes: Communes,
    report: CareImportReport,
) -> Facility:
    shape, departement_point = departement
    trusted, distance = is_trusted(row, shape)
    located = communes.by_point(row.departement_code, row.lon, row.lat) if trusted else None
    commune = located or communes.by_name(row.departement_code, row.city)
    lon: float | None = row.lon
    lat: float | None = row.lat
    precision: LocationPrecision = "address"
    if not trusted:
        stand_in = communes.points.get(commune or "") or departement_point
        precision = (
            "unknown"
            if stand_in is None
            else "commune"
            if commune in communes.points
            else "departement"
        )
        lon, lat = stand_in or (None, None)
        report.untrusted.append(
            UntrustedLocation(source, row.line, row.finess, row.name, row.departement_code,
                              row.lon, row.lat, distance, precision)
        )  # fmt: skip
    try:
        return Facility(
            kind="hospital",
            name=row.name,
            departement_code=row.departement_code,
            commune_code=commune,
            finess=row.finess,
            finess_category=row.finess_category,
            lon=lon,
            lat=lat,
            location_precision=precision,
            reported_lon=None if trusted else row.lon,
            reported_lat=None if trusted else row.lat,
            address=row.address,
            postcode=row.postcode,
            public_private=row.public_private,
            capacity_beds=row.capacity_beds,
            capacity_rooms=row.capacity_rooms,
            capacity_practitioners=row.capacity_practitioners,
            source=f"FINESS ({Path(source).name})"[:200],
        )
    except OfferFieldError as exc:
        raise RecordError(
            source=source,
            location=f"line {row.line}",
            field=exc.field,
            value=exc.value,
            expected=exc.expected,
        ) from exc


def _untrusted_warning(u: UntrustedLocation) -> str:
    where = f"{u.distance_km:.0f} km outside" if u.distance_km is not None else "outside"
    shown = {"commune": "its commune's point", "departement": "its département's point"}
    return (
        f"{u.source}, line {u.line}: FINESS {u.finess} {u.name} is geocoded at "
        f"lon {u.reported_lon:.3f}, lat {u.reported_lat:.3f}, {where} its département "
        f"{u.departement_code}; coordinates not trusted, shown at "
        f"{shown.get(u.shown_at, 'no point')} instead."
    )


# --- Demo ------------------------------------------------------------------------------------


def import_demo_care_offer(
    conn: Connection, data_dir: Path, *, progress: Progress = _no_progress
) -> list[CareImportReport]:
    """Import the care offer shipped in ``data/care``, after the demo territory.

    BPE counts of all France (GPs, pharmacies, MSP, centres de santé, emergency, Ehpad) and
    of every health type in the demo départements, and the FINESS hospitals of the demo
    départements; in the caller's transaction.
    """
    care = data_dir / "care"
    return [
        import_bpe(conn, [care / name for name in DEMO_BPE_FILES], progress=progress),
        import_finess_hospitals(
            conn, care / DEMO_HOSPITAL_FILE, departements=DEMO_DEPARTEMENTS, progress=progress
        ),
    ]

"""Reading what a territory's APL needs from the database: communes, demand, supply.

The I/O half of :mod:`~healthycity.care_access.apl_service`: everything here takes a
connection and returns plain arrays and dataclasses; the service assembles them into an
:class:`~healthycity.care_access.apl_model.AplProblem`.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from sqlalchemy import Connection, exists, func, select

from healthycity.care_access import store, tables
from healthycity.care_access.indicators import cap_gp_activity, standardise_population
from healthycity.care_access.models import AplParameters, FloatArray
from healthycity.errors import NotFoundError, ValidationError
from healthycity.territory import tables as territory_tables
from healthycity.territory.ages import derive_commune_bands
from healthycity.territory.models import AGE_BANDS, AgeStructure, Level, Territory
from healthycity.territory.store import (
    check_level,
    get_age_structure,
    get_children,
    get_territory,
    import_version,
)

t = territory_tables.territories
links = territory_tables.territory_links
# Two département polygons closer than this (WGS84 degrees, about 1 km) share a border: the
# shipped polygons are simplified, so neighbours may not touch exactly.
NEIGHBOUR_TOLERANCE_DEG = 0.01
# DREES APL millésime N is computed on the populations of N - 2 (APL 2023 on the populations
# of 2021: DREES workbook, sheet "APL 2023", column "Population totale").
POPULATION_LAG_YEARS = 2
POPULATION_SOURCE = (
    "INSEE, population légale des communes du COG stocké (population municipale), "
    "répartie par âge selon la structure du département"
)


def parse_territory(ref: str) -> tuple[Level, str]:
    """``departement/58`` → (``departement``, ``58``), checking the level.

    >>> parse_territory("departement/58")
    ('departement', '58')
    """
    level, slash, code = ref.partition("/")
    if not slash or not code:
        msg = f"territory={ref!r}; expected level/code, e.g. departement/58 or epci/245804406."
        raise ValidationError(msg)
    return check_level(level), code


@dataclass(frozen=True)
class StudyArea:
    """The territory's communes first, then those of the buffer départements around it."""

    territory: Territory
    communes: tuple[Territory, ...]
    n_in_territory: int
    departement_of: dict[str, str]
    epci_of: dict[str, str]
    buffer_departements: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def codes(self) -> list[str]:
        """INSEE codes of every commune of the area."""
        return [c.code for c in self.communes]

    def without(self, departements: Collection[str], reason: str) -> "StudyArea":
        """The area without the buffer communes of ``departements`` (never the territory's)."""
        kept = [
            c
            for k, c in enumerate(self.communes)
            if k < self.n_in_territory or self.departement_of[c.code] not in departements
        ]
        return replace(
            self,
            communes=tuple(kept),
            buffer_departements=tuple(d for d in self.buffer_departements if d not in departements),
            warnings=(*self.warnings, reason),
        )


def _territory_communes(conn: Connection, territory: Territory) -> list[Territory]:
    if territory.level == "commune":
        return [territory]
    return get_children(conn, territory.level, territory.code, child_level="commune")


def neighbouring_departements(conn: Connection, departements: Collection[str]) -> list[str]:
    """Départements whose polygon borders the union of ``departements`` (polygons stored)."""
    rows = conn.execute(
        select(t.c.code, t.c.geometry).where(t.c.level == "departement", t.c.geometry.is_not(None))
    ).all()
    shapes = {code: shapely.from_geojson(geometry) for code, geometry in rows}
    own = [shapes[d] for d in departements if d in shapes]
    if not own:
        return []
    union = shapely.union_all(own)
    return sorted(
        code
        for code, shape in shapes.items()
        if code not in departements and shape.distance(union) <= NEIGHBOUR_TOLERANCE_DEG
    )


def _parents(conn: Connection, codes: Sequence[str], level: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(codes), 5000):
        rows = conn.execute(
            select(links.c.child_code, links.c.parent_code).where(
                links.c.child_level == "commune",
                links.c.parent_level == level,
                links.c.child_code.in_(codes[start : start + 5000]),
            )
        )
        found.update((child, parent) for child, parent in rows)
    return found


def load_study_area(
    conn: Connection, territory: str, buffer: str | Collection[str] = "neighbours"
) -> StudyArea:
    """The territory's communes and those of the buffer départements around it.

    ``buffer`` is ``"neighbours"`` (the départements bordering those of the territory),
    ``"none"`` or an explicit collection of département codes.
    """
    level, code = parse_territory(territory)
    place = get_territory(conn, level, code)
    own = _territory_communes(conn, place)
    if not own:
        msg = f"{place.ref} ({place.name}) has no commune stored; expected a COG import first."
        raise NotFoundError(msg)
    departement_of = store.commune_departements(conn, [c.code for c in own])
    own_departements = sorted(set(departement_of.values()))
    if buffer == "neighbours":
        chosen = neighbouring_departements(conn, own_departements)
    elif buffer == "none":
        chosen = []
    elif isinstance(buffer, str):
        msg = f"buffer_departements={buffer!r}; expected 'neighbours', 'none' or a list of codes."
        raise ValidationError(msg)
    else:
        chosen = sorted(set(buffer) - set(own_departements))
    seen = {c.code for c in own}
    others: list[Territory] = []
    for departement in chosen:
        members = get_children(conn, "departement", departement, child_level="commune")
        others.extend(c for c in members if c.code not in seen)
        departement_of.update((c.code, departement) for c in members)
    communes = (*own, *others)
    warnings = []
    if not chosen:
        warnings.append(
            "No buffer département: catchments stop at the territory's border, so the GPs and "
            "inhabitants just across it are ignored."
        )
    return StudyArea(
        territory=place,
        communes=communes,
        n_in_territory=len(own),
        departement_of=departement_of,
        epci_of=_parents(conn, [c.code for c in communes], "epci"),
        buffer_departements=tuple(chosen),
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class Demand:
    """Inhabitants and standardised inhabitants of each commune of a study area."""

    population: FloatArray
    standardised: FloatArray
    age_year: int
    is_estimated: bool
    source: str
    warnings: tuple[str, ...] = field(default=())


def _departement_structure(conn: Connection, code: str, year: int) -> AgeStructure:
    try:
        return get_age_structure(conn, "departement", code, year=year)
    except NotFoundError:
        return get_age_structure(conn, "departement", code)  # the latest, said by its year


def _has_commune_bands(conn: Connection, codes: Sequence[str]) -> bool:
    """Whether a user imported age bands of their own for some of these communes."""
    a = territory_tables.age_bands
    return any(
        conn.execute(
            select(exists().where(a.c.level == "commune", a.c.code.in_(codes[i : i + 5000])))
        ).scalar()
        for i in range(0, len(codes), 5000)
    )


def load_demand(conn: Connection, area: StudyArea, parameters: AplParameters) -> Demand:
    """Standardised population: legal population spread over age bands, DREES weights."""
    wanted = parameters.year - POPULATION_LAG_YEARS
    structures = {
        d: _departement_structure(conn, d, wanted)
        for d in sorted(set(area.departement_of.values()))
    }
    has_own = _has_commune_bands(conn, area.codes)
    population = np.array([float(c.population or 0) for c in area.communes])
    bands = np.empty((len(area.communes), len(AGE_BANDS)))
    used: set[tuple[int, bool, str]] = set()
    for k, commune in enumerate(area.communes):
        if has_own:  # a user imported commune bands: the store prefers them
            structure = get_age_structure(conn, "commune", commune.code)
            by_band = structure.population_by_band
            used.add((structure.year, structure.is_estimated, structure.source))
        else:
            base = structures[area.departement_of[commune.code]]
            by_band = derive_commune_bands(int(population[k]), base.population_by_band)
            used.add((base.year, True, f"estimated from {base.source}"))
        bands[k] = [by_band.get(b, 0.0) for b in AGE_BANDS]
    years = sorted({u[0] for u in used})
    warnings = []
    unknown = sum(1 for c in area.communes if c.population is None)
    if unknown:
        warnings.append(
            f"{unknown} communes have no legal population stored; they count no inhabitant."
        )
    if years != [wanted]:
        warnings.append(
            f"Age structures of {', '.join(map(str, years))} were used; APL {parameters.year} "
            f"uses populations of {wanted}."
        )
    return Demand(
        population=population,
        standardised=standardise_population(bands, parameters.age_weights),
        age_year=years[-1],
        is_estimated=any(u[1] for u in used),
        source="; ".join(sorted({u[2] for u in used})),
        warnings=tuple(warnings),
    )


def nearest_bpe_year(conn: Connection, year: int) -> int:
    """The imported BPE year of GP counts nearest to ``year`` (the later one on a tie)."""
    years = store.count_years(conn, "general_practitioner")
    if not years:
        msg = (
            "No BPE count of general practitioners is imported; expected one, e.g. "
            "`healthycity care import --bpe data/care/bpe_*.csv`, or supply='activity'."
        )
        raise NotFoundError(msg)
    return min(years, key=lambda y: (abs(y - year), -y))


def load_gp_counts(conn: Connection, area: StudyArea, year: int) -> tuple[StudyArea, list[int]]:
    """BPE GP counts per commune; buffer départements without counts of ``year`` are dropped."""
    counts: dict[str, int] = {}
    by_departement: dict[str, list[str]] = {}
    for code in area.codes:
        by_departement.setdefault(area.departement_of[code], []).append(code)
    own = {area.departement_of[c.code] for c in area.communes[: area.n_in_territory]}
    missing = []
    for departement, codes in sorted(by_departement.items()):
        try:
            counts.update(
                store.count_offer_by_commune(
                    conn, year=year, kind="general_practitioner", communes=codes
                )
            )
        except NotFoundError:
            if departement in own:
                raise
            missing.append(departement)
    if missing:
        area = area.without(
            missing,
            f"Buffer département(s) {', '.join(missing)} left out: no BPE GP count of {year}.",
        )
    return area, [counts[code] for code in area.codes]


@dataclass(frozen=True)
class RegisteredGps:
    """GPs of the registry in a study area, one row each, with their counted activity."""

    ids: list[int]
    site: list[int]
    consultations: FloatArray
    imputed: int


def load_registered_gps(
    conn: Connection, area: StudyArea, parameters: AplParameters
) -> RegisteredGps:
    """Registered GPs with their activity under the DREES caps (centres de santé uncapped).

    A GP without a known activity is credited with the DREES imputation for a GP without
    activity history (``parameters.new_gp_activity``, 5,400 in 2022–2023).
    """
    gps = store.list_practitioners(conn, profession="general_practitioner", communes=area.codes)
    known = [g for g in gps if g.yearly_consultations is not None]
    if not known:
        msg = (
            f"supply='activity' needs general practitioners with yearly_consultations in the "
            f"registry; {len(gps)} GP(s) registered around {area.territory.ref}, none with an "
            "activity. Expected registered GPs with their activity, or supply='counts'."
        )
        raise NotFoundError(msg)
    centres = {f.id for f in store.list_facilities(conn, kind="health_centre")}
    index = {code: i for i, code in enumerate(area.codes)}
    activity = [
        float(g.yearly_consultations)
        if g.yearly_consultations is not None
        else parameters.new_gp_activity
        for g in gps
    ]
    counted = cap_gp_activity(
        activity,
        parameters.activity_caps,
        is_health_centre=[g.structure_id in centres for g in gps],
    )
    imputed = [g.yearly_consultations is None for g in gps]
    counted[imputed] = parameters.new_gp_activity  # an imputation is not capped again
    return RegisteredGps(
        ids=[int(g.id or 0) for g in gps],
        site=[index[g.commune_code] for g in gps],
        consultations=counted,
        imputed=sum(imputed),
    )


def load_teleconsultation_points(conn: Connection, area: StudyArea) -> list[int]:
    """Number of registered teleconsultation points in each commune of the area."""
    index = {code: i for i, code in enumerate(area.codes)}
    points = [0] * len(area.codes)
    for facility in store.list_facilities(conn, kind="teleconsultation", communes=area.codes):
        if facility.commune_code in index:
            points[index[facility.commune_code]] += 1
    return points


def care_data_version(conn: Connection) -> str:
    """A text that changes whenever territories or the care offer change (cache key)."""
    parts = [f"territory={import_version(conn)}"]
    for table, column in (
        (tables.count_coverage, tables.count_coverage.c.imported_at),
        (tables.practitioners, tables.practitioners.c.updated_at),
        (tables.facilities, tables.facilities.c.updated_at),
    ):
        count, latest = conn.execute(
            select(func.count(), func.max(column)).select_from(table)
        ).one()
        parts.append(f"{table.name}={count}@{latest}")
    return ";".join(parts)


def names_of(conn: Connection, level: str, codes: Collection[str]) -> dict[str, str]:
    """Names of the territories of ``level`` among ``codes``."""
    found: dict[str, str] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 5000):
        rows = conn.execute(
            select(t.c.code, t.c.name).where(
                t.c.level == level, t.c.code.in_(ordered[start : start + 5000])
            )
        )
        found.update((code, name) for code, name in rows)
    return found


def commune_totals(conn: Connection, level: str, codes: Collection[str]) -> dict[str, int]:
    """How many communes each territory of ``level`` among ``codes`` has (all of them)."""
    ordered = sorted(codes)
    found: dict[str, int] = {}
    for start in range(0, len(ordered), 5000):
        rows = conn.execute(
            select(links.c.parent_code, func.count())
            .where(
                links.c.child_level == "commune",
                links.c.parent_level == level,
                links.c.parent_code.in_(ordered[start : start + 5000]),
            )
            .group_by(links.c.parent_code)
        )
        found.update((code, int(n)) for code, n in rows)
    return found

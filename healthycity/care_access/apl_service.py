"""The APL of a territory on the stored data: the I/O edge of the APL engine and scenarios.

:func:`compute_territory_apl` reads the communes of the territory and of the départements
around it (catchments cross borders), their populations and age structures, the GP supply
(BPE counts, or the registry's GPs with their activity), the teleconsultation points, and
asks a travel-time provider for the catchment. That preparation is the expensive part; it is
kept as derived state in a small in-process cache keyed by (database, territory, millésime,
provider, supply, buffer, data version), so that the next request and every scenario only
recompute the two passes of the APL. The database holds the truth: the cache is dropped as
soon as the data version moves, and can always be rebuilt.
"""

import csv
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sqlalchemy import Connection

from healthycity.care_access import _apl_inputs as inputs
from healthycity.care_access.apl_model import (
    TELECONSULTATION_POINT_CONSULTATIONS,
    AggregateLevel,
    AplAggregate,
    AplProblem,
    AplResult,
    AplSetup,
    SupplyMode,
    aggregate_communes,
    solve_territory,
)
from healthycity.care_access.apl_parameters import load_apl_parameters
from healthycity.care_access.indicators import STANDARD_GP_ACTIVITY, supply_from_gp_counts
from healthycity.care_access.models import Catchment
from healthycity.care_access.offer import COMMUNE_CODE
from healthycity.care_access.providers import TravelTimeProvider
from healthycity.care_access.scenarios import Change, ScenarioOutcome, run_scenario, with_timing
from healthycity.care_access.travel_matrix import CommuneTravelTimeProvider
from healthycity.errors import RecordError, ValidationError

logger = logging.getLogger(__name__)

Provider = TravelTimeProvider | CommuneTravelTimeProvider
Progress = Callable[[str, int, int], None]
Buffer = str | Collection[str]
_CACHE_SIZE = 4  # prepared problems kept; a national one holds a few hundred MB of pairs
_cache: OrderedDict[Hashable, AplProblem] = OrderedDict()
_cache_lock = threading.Lock()


def _no_progress(_step: str, _done: int, _total: int) -> None:
    """Progress is optional."""


def _catchment(provider: Provider, area: inputs.StudyArea, cutoff_min: float) -> Catchment:
    """The commune-to-commune catchment of the area, by code or by point-on-surface."""
    if isinstance(provider, CommuneTravelTimeProvider):
        return provider.build_commune_catchment(area.codes, area.codes, cutoff_min=cutoff_min)
    points = np.array([(c.centroid_lon, c.centroid_lat) for c in area.communes], dtype=float)
    return provider.build_catchment(points, points, cutoff_min=cutoff_min)


def _placed(area: inputs.StudyArea, provider: Provider) -> inputs.StudyArea:
    """The area without buffer communes that have no point (point providers need one)."""
    if isinstance(provider, CommuneTravelTimeProvider):
        return area
    unplaced = [c.code for c in area.communes if c.centroid_lon is None]
    inside = [c for c in area.communes[: area.n_in_territory] if c.centroid_lon is None]
    if inside:
        msg = (
            f"{len(inside)} commune(s) of {area.territory.ref} have no point-on-surface (e.g. "
            f"{', '.join(c.code for c in inside[:5])}); the {provider.name} provider measures "
            "from points. Expected their boundaries imported (`healthycity territory "
            "import-boundaries`), or a travel-time matrix (provider 'matrix')."
        )
        raise ValidationError(msg)
    if not unplaced:
        return area
    kept = [c for c in area.communes if c.centroid_lon is not None]
    note = f"{len(unplaced)} buffer commune(s) without boundaries left out of the study area."
    return replace(area, communes=tuple(kept), warnings=(*area.warnings, note))


@dataclass(frozen=True)
class _Supply:
    gp_count: np.ndarray
    consultations: np.ndarray
    gps: inputs.RegisteredGps | None
    bpe_year: int | None


def _load_supply(
    conn: Connection, area: inputs.StudyArea, supply: SupplyMode, year: int
) -> tuple[inputs.StudyArea, _Supply]:
    parameters = load_apl_parameters(year)
    if supply == "counts":
        bpe_year = inputs.nearest_bpe_year(conn, year)
        area, counts = inputs.load_gp_counts(conn, area, bpe_year)
        gp_count = np.array(counts, dtype=np.int64)
        return area, _Supply(gp_count, supply_from_gp_counts(gp_count), None, bpe_year)
    if supply != "activity":
        msg = f"supply={supply!r}; expected 'counts' or 'activity'."
        raise ValidationError(msg)
    gps = inputs.load_registered_gps(conn, area, parameters)
    site = np.array(gps.site, dtype=np.intp)
    n = len(area.codes)
    gp_count = np.bincount(site, minlength=n).astype(np.int64)
    consultations = np.bincount(site, weights=gps.consultations, minlength=n)
    return area, _Supply(gp_count, consultations, gps, None)


def build_problem(
    conn: Connection,
    *,
    territory: str,
    year: int,
    provider: Provider,
    supply: SupplyMode = "counts",
    buffer_departements: Buffer = "neighbours",
    progress: Progress = _no_progress,
) -> AplProblem:
    """Read every input of a territory's APL and build its catchment (no cache)."""
    parameters = load_apl_parameters(year)
    steps = 4
    progress("APL", 0, steps)
    version = inputs.care_data_version(conn)
    area = _placed(inputs.load_study_area(conn, territory, buffer_departements), provider)
    area, offer = _load_supply(conn, area, supply, year)
    progress("APL", 1, steps)
    demand = inputs.load_demand(conn, area, parameters)
    points = np.array(inputs.load_teleconsultation_points(conn, area), dtype=float)
    progress("APL", 2, steps)
    cutoff = parameters.decay.upper_bounds_min[-1]  # weight 0 from there on
    catchment = _catchment(provider, area, cutoff)
    progress("APL", 3, steps)
    setup = AplSetup(
        territory=area.territory.ref,
        territory_name=area.territory.name,
        year=year,
        provider=provider.name,
        supply=supply,
        cutoff_min=cutoff,
        bpe_year=offer.bpe_year,
        activity_per_gp=STANDARD_GP_ACTIVITY if supply == "counts" else None,
        practitioners=len(offer.gps.ids) if offer.gps else 0,
        practitioners_imputed=offer.gps.imputed if offer.gps else 0,
        age_structure_year=demand.age_year,
        age_structure_is_estimated=demand.is_estimated,
        age_structure_source=demand.source,
        population_source=inputs.POPULATION_SOURCE,
        teleconsultation_points=int(points.sum()),
        teleconsultation_consultations_per_point=TELECONSULTATION_POINT_CONSULTATIONS,
        buffer_departements=area.buffer_departements,
        data_version=version,
        warnings=(*area.warnings, *demand.warnings, *_matrix_warnings(provider, area)),
    )
    problem = AplProblem(
        setup=setup,
        parameters=parameters,
        catchment=catchment,
        codes=tuple(area.codes),
        names=tuple(c.name for c in area.communes),
        departements=tuple(area.departement_of[c] for c in area.codes),
        epcis=tuple(area.epci_of.get(c) for c in area.codes),
        in_territory=np.arange(len(area.codes)) < area.n_in_territory,
        population=demand.population,
        standardised_population=demand.standardised,
        gp_count=offer.gp_count,
        supply_consultations=offer.consultations,
        teleconsultation=points * TELECONSULTATION_POINT_CONSULTATIONS,
        **_gp_arrays(offer.gps),
    )
    catchment.pair_weights(parameters.decay)  # weigh once, here, not in the first request
    progress("APL", 4, steps)
    logger.info(
        "apl problem built territory=%s year=%d provider=%s communes=%d pairs=%d",
        setup.territory, year, setup.provider, len(problem.codes), catchment.n_pairs,
    )  # fmt: skip
    return problem


def _gp_arrays(gps: inputs.RegisteredGps | None) -> dict[str, np.ndarray]:
    if gps is None:
        return {}
    return {
        "gp_ids": np.array(gps.ids, dtype=np.int64),
        "gp_site": np.array(gps.site, dtype=np.int64),
        "gp_consultations": gps.consultations,
    }


def _matrix_warnings(provider: Provider, area: inputs.StudyArea) -> list[str]:
    covered = getattr(provider, "covered_codes", None)
    if covered is None:
        return []
    known = covered()
    absent = [c for c in area.codes[: area.n_in_territory] if c not in known]
    if not absent:
        return []
    return [
        f"{len(absent)} commune(s) of the territory appear in no pair of the matrix (e.g. "
        f"{', '.join(absent[:5])}); they reach only their own GPs."
    ]


def prepare_problem(
    conn: Connection,
    *,
    territory: str,
    year: int,
    provider: Provider,
    supply: SupplyMode = "counts",
    buffer_departements: Buffer = "neighbours",
    progress: Progress = _no_progress,
) -> tuple[AplProblem, bool]:
    """The prepared problem, from the cache when the data did not change; and whether it was."""
    buffer_key = buffer_departements if isinstance(buffer_departements, str) else tuple(
        sorted(buffer_departements)
    )  # fmt: skip
    key = (
        conn.engine.url.render_as_string(hide_password=True),
        territory, year, provider, supply, buffer_key, inputs.care_data_version(conn),
    )  # fmt: skip
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached, True
    problem = build_problem(
        conn, territory=territory, year=year, provider=provider, supply=supply,
        buffer_departements=buffer_departements, progress=progress,
    )  # fmt: skip
    with _cache_lock:
        _cache[key] = problem
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return problem, False


def compute_territory_apl(
    conn: Connection,
    *,
    territory: str,
    year: int,
    provider: Provider,
    supply: SupplyMode = "counts",
    buffer_departements: Buffer = "neighbours",
    progress: Progress = _no_progress,
) -> AplResult:
    """APL of every commune of ``territory`` (``departement/58``) for millésime ``year``.

    Parameters
    ----------
    conn
        A connection to the platform database (territory and care offer imported).
    territory
        ``level/code`` of a région, département, EPCI or commune.
    year
        APL millésime (2022 or 2023): its DREES age weights, and the BPE year nearest to it.
    provider
        Travel times: straight-line, road network, or a commune matrix.
    supply
        ``counts``: BPE GP counts × the standard activity; ``activity``: the registry's GPs
        with their yearly activity under the DREES caps.
    buffer_departements
        Communes around the territory taken into the catchments: ``"neighbours"`` (the
        départements bordering the territory's), ``"none"``, or a list of codes.
    progress
        ``progress(step, done, total)``, called as the preparation advances.

    Returns
    -------
    AplResult
        Per-commune APL and class of the territory, with the provenance of every input.
    """
    start = time.perf_counter()
    problem, hit = prepare_problem(
        conn, territory=territory, year=year, provider=provider, supply=supply,
        buffer_departements=buffer_departements, progress=progress,
    )  # fmt: skip
    elapsed = (time.perf_counter() - start) * 1000
    return solve_territory(problem, computation_ms=elapsed, cache_hit=hit)


def preview_scenario(
    conn: Connection,
    *,
    territory: str,
    year: int,
    provider: Provider,
    changes: Sequence[Change],
    supply: SupplyMode = "counts",
    include_teleconsultation: bool = False,
    progress: Progress = _no_progress,
) -> tuple[AplSetup, ScenarioOutcome]:
    """Run a scenario on a territory's APL without saving it (the prepared problem is cached)."""
    start = time.perf_counter()
    problem, _ = prepare_problem(
        conn, territory=territory, year=year, provider=provider, supply=supply, progress=progress
    )
    outcome = run_scenario(problem, changes, include_teleconsultation=include_teleconsultation)
    return problem.setup, with_timing(outcome, (time.perf_counter() - start) * 1000)


# --- Aggregates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BassinMapping:
    """Communes → bassin de vie, as the user brings it (no mapping ships with healthycity)."""

    bassin_of: dict[str, str]
    names: dict[str, str]
    source: str


_BASSIN_COLUMNS = {
    "commune": ("code_commune", "codgeo", "code_insee", "commune"),
    "bassin": ("code_bassin_de_vie", "bv2022", "bv2012", "bassin_de_vie"),
    "name": ("nom_bassin_de_vie", "libbv2022", "libbv2012"),
}


def _bassin_error(source: str, location: str, value: object, expected: str) -> RecordError:
    return RecordError(
        source=source, location=location, field="code_commune", value=value, expected=expected
    )


def read_bassins_csv(path: Path) -> BassinMapping:
    """Read a commune → bassin de vie table (INSEE ``CODGEO;BV2022;LIBBV2022`` or ours).

    Raises
    ------
    RecordError
        The file cannot be read, lacks the commune or bassin column, or maps a commune twice.
    """
    source = str(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise _bassin_error(source, "file", source, f"a readable UTF-8 CSV ({exc})") from exc
    rows = list(csv.reader(lines, delimiter=";" if lines and ";" in lines[0] else ","))
    header = [h.strip().lower() for h in rows[0]] if rows else []
    column = {
        key: next((header.index(n) for n in names if n in header), None)
        for key, names in _BASSIN_COLUMNS.items()
    }
    commune_col, bassin_col, name_col = column["commune"], column["bassin"], column["name"]
    if commune_col is None or bassin_col is None:
        expected = "columns code_commune and code_bassin_de_vie (or INSEE's CODGEO and BV2022)"
        raise _bassin_error(source, "line 1 (header)", rows[0] if rows else [], expected)
    bassin_of: dict[str, str] = {}
    names: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        commune = row[commune_col].strip() if len(row) > commune_col else ""
        bassin = row[bassin_col].strip() if len(row) > bassin_col else ""
        if not COMMUNE_CODE.match(commune) or not bassin or commune in bassin_of:
            expected = "an INSEE commune code, given once, with its bassin de vie"
            raise _bassin_error(source, f"line {line}", commune, expected)
        bassin_of[commune] = bassin
        if name_col is not None and len(row) > name_col and row[name_col].strip():
            names[bassin] = row[name_col].strip()
    return BassinMapping(bassin_of=bassin_of, names=names, source=source)


@dataclass(frozen=True)
class AggregateTable:
    """APL aggregates at one level; ``unmapped`` communes had no group and were left out."""

    level: AggregateLevel
    rows: tuple[AplAggregate, ...]
    unmapped: tuple[str, ...]


def aggregate_apl(
    conn: Connection,
    result: AplResult,
    level: AggregateLevel,
    *,
    bassins: BassinMapping | None = None,
) -> AggregateTable:
    """Weighted APL of the territory's EPCI, départements or bassins de vie (user mapping)."""
    if level == "bassin_de_vie":
        if bassins is None:
            msg = (
                "level=bassin_de_vie needs a commune → bassin de vie table; none ships with "
                "healthycity. Expected a CSV with code_commune and code_bassin_de_vie (or "
                "INSEE's CODGEO and BV2022)."
            )
            raise ValidationError(msg)
        group_of = {c.code: bassins.bassin_of[c.code]
                    for c in result.communes if c.code in bassins.bassin_of}  # fmt: skip
        sizes: dict[str, int] = {}
        for bassin in bassins.bassin_of.values():
            sizes[bassin] = sizes.get(bassin, 0) + 1
        names = bassins.names
    elif level in ("epci", "departement"):
        group_of = {
            c.code: group
            for c in result.communes
            if (group := c.epci if level == "epci" else c.departement) is not None
        }
        names = inputs.names_of(conn, level, set(group_of.values()))
        sizes = inputs.commune_totals(conn, level, set(group_of.values()))
    else:
        msg = f"level={level!r}; expected epci, departement or bassin_de_vie."
        raise ValidationError(msg)
    rows = aggregate_communes(result.communes, level, group_of=group_of, names=names, sizes=sizes)
    unmapped = tuple(c.code for c in result.communes if c.code not in group_of)
    return AggregateTable(level=level, rows=rows, unmapped=unmapped)

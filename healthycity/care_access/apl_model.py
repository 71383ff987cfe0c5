"""The APL of a territory as plain data: the prepared problem, per-commune results, aggregates.

Pure: :mod:`~healthycity.care_access.apl_service` reads the inputs from the database and the
travel-time provider, builds an :class:`AplProblem` once (the expensive part: the catchment
and its pair weights), and this module turns supply vectors into APL values, classes and
weighted aggregates in a few milliseconds, which is what scenarios need.

Origins and sites are the same communes (commune-to-commune, as DREES computes the APL): the
communes of the territory and those around it whose demand competes for the same GPs, or
whose GPs the territory's inhabitants reach (the *study area*). Results are given for the
territory's communes only; the others are there so that borders do not cut catchments.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from healthycity.care_access.indicators import (
    APL_ADEQUATE_FROM,
    APL_UNDER_DENSE_BELOW,
    aggregate_weighted,
    classify_apl,
    compute_apl,
)
from healthycity.care_access.models import AplClass, AplParameters, Catchment, FloatArray

SupplyMode = Literal["counts", "activity"]
AplMethod = Literal["drees_apl", "drees_apl_with_teleconsultation"]
AplClassName = Literal["under_dense", "vigilance", "adequate"]
AggregateLevel = Literal["epci", "departement", "bassin_de_vie"]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

CLASS_NAMES: dict[AplClass, AplClassName] = {
    AplClass.UNDER_DENSE: "under_dense",
    AplClass.VIGILANCE: "vigilance",
    AplClass.ADEQUATE: "adequate",
}
CLASS_LABELS_FR: dict[AplClassName, str] = {
    "under_dense": f"Sous-dense (APL < {APL_UNDER_DENSE_BELOW:g})".replace(".", ","),
    "vigilance": (
        f"Vigilance ({APL_UNDER_DENSE_BELOW:g} à {APL_ADEQUATE_FROM:g})".replace(".", ",")
    ),
    "adequate": f"Correcte (APL ≥ {APL_ADEQUATE_FROM:g})",
}
CLASS_LABELS_EN: dict[AplClassName, str] = {
    "under_dense": f"Under-dense (APL < {APL_UNDER_DENSE_BELOW:g})",
    "vigilance": f"Vigilance ({APL_UNDER_DENSE_BELOW:g} to {APL_ADEQUATE_FROM:g})",
    "adequate": f"Adequate (APL ≥ {APL_ADEQUATE_FROM:g})",
}

# Yearly consultations credited to one teleconsultation point (a cabin or a connected station
# in a pharmacy, MSP or town hall) in the teleconsultation variant and in scenarios. 600 is
# "about fifty teleconsultations a month" (2–3 a day), the mean reported for equipped
# pharmacies by a platform operator (Le Moniteur des pharmacies, "Téléconsultation : elle a
# toute sa place à l'officine", 8 August 2023); use is very skewed (a few points exceed
# 1,000 a year, many do ten a month), so pass the observed figure when it is known. It is
# about a ninth of the 5,400 consultations DREES imputes to one GP. DREES counts no
# teleconsultation in the APL (the remote doctors' activity is already counted where they
# practise, or not at all): this is a planning hypothesis, never the official APL.
TELECONSULTATION_POINT_CONSULTATIONS = 600.0

OFFICIAL_METHOD: AplMethod = "drees_apl"
TELECONSULTATION_METHOD: AplMethod = "drees_apl_with_teleconsultation"
METHOD_LABELS_FR: dict[AplMethod, str] = {
    OFFICIAL_METHOD: "APL, méthode DREES (sans téléconsultation)",
    TELECONSULTATION_METHOD: (
        "Variante healthycity : APL DREES + points de téléconsultation "
        f"({TELECONSULTATION_POINT_CONSULTATIONS:g} consultations par an et par point, "
        "hypothèse non officielle)"
    ),
}


def class_name(code: int) -> AplClassName:
    """The name of an APL class code returned by ``classify_apl``.

    >>> class_name(0), class_name(2)
    ('under_dense', 'adequate')
    """
    return CLASS_NAMES[AplClass(code)]


@dataclass(frozen=True)
class AplSetup:
    """What an APL was computed from: say it next to every figure shown.

    ``bpe_year`` is the BPE year of the GP counts (``supply == "counts"``), the imported year
    nearest to the APL millésime; ``activity_per_gp`` the consultations credited to each
    counted GP. With ``supply == "activity"``, ``practitioners`` GPs of the registry are
    counted, ``practitioners_imputed`` of them without a known activity.
    """

    territory: str
    territory_name: str
    year: int
    provider: str
    supply: SupplyMode
    cutoff_min: float
    bpe_year: int | None
    activity_per_gp: float | None
    practitioners: int
    practitioners_imputed: int
    age_structure_year: int
    age_structure_is_estimated: bool
    age_structure_source: str
    population_source: str
    teleconsultation_points: int
    teleconsultation_consultations_per_point: float
    buffer_departements: tuple[str, ...]
    data_version: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class AplProblem:
    """Everything an APL needs, over the communes of the study area (origins = sites).

    Arrays have one value per commune of ``codes``. ``supply_consultations`` is the official
    supply (capped activity, or counts × standard activity), ``teleconsultation`` the yearly
    consultations of the teleconsultation points (kept apart: not in the official APL).
    ``gp_ids``, ``gp_site`` and ``gp_consultations`` describe the registered GPs one by one
    (``supply == "activity"``; empty otherwise), so that a scenario can retire one of them.
    """

    setup: AplSetup
    parameters: AplParameters
    catchment: Catchment
    codes: tuple[str, ...]
    names: tuple[str, ...]
    departements: tuple[str, ...]
    epcis: tuple[str | None, ...]
    in_territory: BoolArray
    population: FloatArray
    standardised_population: FloatArray
    gp_count: IntArray
    supply_consultations: FloatArray
    teleconsultation: FloatArray
    gp_ids: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    gp_site: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    gp_consultations: FloatArray = field(default_factory=lambda: np.zeros(0))
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {code: i for i, code in enumerate(self.codes)})

    @property
    def territory_rows(self) -> npt.NDArray[np.intp]:
        """Positions of the territory's communes in ``codes``."""
        return np.flatnonzero(self.in_territory)

    def solve(self, supply: FloatArray) -> FloatArray:
        """APL of every commune of the study area for a supply vector (consultations)."""
        return compute_apl(
            self.catchment, supply, self.standardised_population, parameters=self.parameters
        )

    def accessible(self, supply: FloatArray) -> FloatArray:
        """Consultations within reach of each commune, weighted by travel time (no competition)."""
        weight = self.catchment.pair_weights(self.parameters.decay)
        total = np.bincount(
            self.catchment.origin,
            weights=weight * supply[self.catchment.site],
            minlength=self.catchment.n_origins,
        )
        return total.astype(np.float64, copy=False)


@dataclass(frozen=True)
class AplCommune:
    """The APL of one commune of the territory, with what it is made of."""

    code: str
    name: str
    departement: str
    epci: str | None
    population: float
    standardised_population: float
    gp_count: int
    supply_consultations: float
    accessible_consultations: float
    apl: float
    apl_class: AplClassName
    apl_with_teleconsultation: float | None
    apl_class_with_teleconsultation: AplClassName | None


@dataclass(frozen=True)
class AplResult:
    """The APL of every commune of a territory and how it was computed."""

    setup: AplSetup
    communes: tuple[AplCommune, ...]
    study_area_communes: int
    catchment_pairs: int
    computation_ms: float
    cache_hit: bool


def solve_territory(
    problem: AplProblem, *, computation_ms: float = 0.0, cache_hit: bool = False
) -> AplResult:
    """Per-commune APL of the territory: official, and with teleconsultation when it has points."""
    apl = problem.solve(problem.supply_consultations)
    has_tele = bool(problem.teleconsultation.any())
    with_tele = (
        problem.solve(problem.supply_consultations + problem.teleconsultation) if has_tele else apl
    )
    accessible = problem.accessible(problem.supply_consultations)
    classes, tele_classes = classify_apl(apl), classify_apl(with_tele)
    communes = tuple(
        AplCommune(
            code=problem.codes[i],
            name=problem.names[i],
            departement=problem.departements[i],
            epci=problem.epcis[i],
            population=float(problem.population[i]),
            standardised_population=float(problem.standardised_population[i]),
            gp_count=int(problem.gp_count[i]),
            supply_consultations=float(problem.supply_consultations[i]),
            accessible_consultations=float(accessible[i]),
            apl=float(apl[i]),
            apl_class=class_name(classes[i]),
            apl_with_teleconsultation=float(with_tele[i]) if has_tele else None,
            apl_class_with_teleconsultation=class_name(tele_classes[i]) if has_tele else None,
        )
        for i in problem.territory_rows
    )
    return AplResult(
        setup=problem.setup,
        communes=communes,
        study_area_communes=len(problem.codes),
        catchment_pairs=problem.catchment.n_pairs,
        computation_ms=computation_ms,
        cache_hit=cache_hit,
    )


@dataclass(frozen=True)
class ClassCount:
    """How many communes, inhabitants and standardised inhabitants fall in one APL class."""

    apl_class: AplClassName
    communes: int
    population: float
    standardised_population: float


def count_classes(communes: Sequence[AplCommune]) -> tuple[ClassCount, ...]:
    """Communes and population per APL class, in the order under-dense, vigilance, adequate."""
    return tuple(
        ClassCount(
            apl_class=name,
            communes=sum(1 for c in communes if c.apl_class == name),
            population=sum(c.population for c in communes if c.apl_class == name),
            standardised_population=sum(
                c.standardised_population for c in communes if c.apl_class == name
            ),
        )
        for name in CLASS_NAMES.values()
    )


@dataclass(frozen=True)
class AplAggregate:
    """The APL of a group of communes (EPCI, département, bassin de vie).

    ``apl`` is the mean of the communes' APL weighted by standardised population (DREES
    aggregates this way), ``None`` for a group without inhabitants. ``is_partial`` says that
    the group has communes outside the territory, which are not counted here.
    """

    level: AggregateLevel
    code: str
    name: str
    apl: float | None
    apl_class: AplClassName | None
    population: float
    standardised_population: float
    communes: int
    communes_in_group: int | None
    communes_under_dense: int
    population_under_dense: float
    is_partial: bool


def aggregate_communes(
    communes: Sequence[AplCommune],
    level: AggregateLevel,
    *,
    group_of: Mapping[str, str],
    names: Mapping[str, str],
    sizes: Mapping[str, int] | None = None,
) -> tuple[AplAggregate, ...]:
    """Weighted APL per group; communes missing from ``group_of`` are left out.

    ``sizes`` gives the number of communes of each group, to flag partial groups.
    """
    members = [c for c in communes if c.code in group_of]
    codes = sorted({group_of[c.code] for c in members})
    position = {code: k for k, code in enumerate(codes)}
    group = np.array([position[group_of[c.code]] for c in members], dtype=np.intp)
    weight = np.array([c.standardised_population for c in members])
    mean = aggregate_weighted([c.apl for c in members], weight, group, n_groups=len(codes))
    result = []
    for k, code in enumerate(codes):
        inside = [c for c, g in zip(members, group, strict=True) if g == k]
        under = [c for c in inside if c.apl_class == "under_dense"]
        total = None if sizes is None else sizes.get(code)
        value = None if np.isnan(mean[k]) else float(mean[k])
        result.append(
            AplAggregate(
                level=level,
                code=code,
                name=names.get(code, code),
                apl=value,
                apl_class=None if value is None else class_name(int(classify_apl([value])[0])),
                population=sum(c.population for c in inside),
                standardised_population=sum(c.standardised_population for c in inside),
                communes=len(inside),
                communes_in_group=total,
                communes_under_dense=len(under),
                population_under_dense=sum(c.population for c in under),
                is_partial=total is not None and total > len(inside),
            )
        )
    return tuple(result)

"""What-if scenarios on the APL: add or remove GPs, open an MSP, add a teleconsultation point.

Pure: a scenario is a list of changes applied in order to the supply vectors of a prepared
:class:`~healthycity.care_access.apl_model.AplProblem`; only the two passes of the APL are
recomputed (the catchment and its pair weights are the problem's), which takes about a
millisecond on the demo territory.

How each change moves the supply (consultations per year at the commune's practice point):

* ``add_gps``: ``count`` GPs, each credited with ``consultations_per_gp`` under the DREES
  activity caps, by default like the GPs already counted (the standard activity of a
  count-based APL, or DREES's 5,400 for a GP without activity history with ``activity``);
* ``remove_gps``: ``count`` GPs, each taking away ``consultations_per_gp`` (capped), by default
  the commune's mean counted activity per GP; never more GPs than practise there;
* ``retire_gp``: one GP leaves; with ``practitioner_id`` (``activity`` supply) that GP's
  own counted activity, otherwise as ``remove_gps`` of one;
* ``open_msp``: a maison de santé pluriprofessionnelle of ``gps`` GPs, ``gps_already_there``
  of whom already practise in the commune and add nothing. The documented effect of MSPs is
  on the number of GPs who settle and stay (Chevillard G., Mousquès J. (2020), "Les maisons
  de santé attirent-elles les jeunes médecins généralistes dans les zones sous-dotées en
  offre de soins ?", IRDES *Questions d'économie de la santé* n°247), not on the activity of
  each GP, so each new GP of the MSP counts like an added GP (``MSP_ACTIVITY_FACTOR`` = 1);
* ``add_teleconsultation``: a point credited with ``consultations_per_year``
  (``TELECONSULTATION_POINT_CONSULTATIONS`` by default). DREES counts no teleconsultation,
  so a scenario with one is computed with the teleconsultation variant, before and after,
  and says so in its ``method``.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar

import numpy as np

from healthycity.care_access.apl_model import (
    OFFICIAL_METHOD,
    TELECONSULTATION_METHOD,
    TELECONSULTATION_POINT_CONSULTATIONS,
    AplClassName,
    AplMethod,
    AplProblem,
    class_name,
)
from healthycity.care_access.indicators import cap_gp_activity, classify_apl
from healthycity.care_access.models import FloatArray
from healthycity.care_access.offer import COMMUNE_CODE, MAX_YEARLY_CONSULTATIONS
from healthycity.errors import ValidationError

MSP_ACTIVITY_FACTOR = 1.0  # see the module docstring: no per-GP uplift is documented
MAX_GPS_PER_CHANGE = 1000  # more than any French commune has (Paris: about 1,700 in 20 arr.)
MAX_CHANGES = 200


class ScenarioError(ValidationError):
    """A change cannot apply: names the change, its commune, the value and the rule."""


def _check_count(name: str, value: object, *, minimum: int) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (minimum <= value <= MAX_GPS_PER_CHANGE)
    ):
        msg = f"{name}={value!r}; expected a whole number from {minimum} to {MAX_GPS_PER_CHANGE}."
        raise ScenarioError(msg)


def _check_consultations(name: str, value: float | None) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not (isinstance(value, int | float) and math.isfinite(value) and value > 0)
        or value > MAX_YEARLY_CONSULTATIONS
    ):
        msg = (
            f"{name}={value!r}; expected a number of consultations per year above 0 and at "
            f"most {MAX_YEARLY_CONSULTATIONS:,}."
        )
        raise ScenarioError(msg)


@dataclass(frozen=True)
class _Change:
    commune: str
    kind: ClassVar[str]

    def __post_init__(self) -> None:
        if not isinstance(self.commune, str) or not COMMUNE_CODE.match(self.commune):
            msg = f"{self.kind} commune={self.commune!r}; expected a 5-character INSEE code."
            raise ScenarioError(msg)


@dataclass(frozen=True)
class AddGps(_Change):
    """``count`` more GPs practise at ``commune``."""

    count: int = 1
    consultations_per_gp: float | None = None
    kind: ClassVar[str] = "add_gps"

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_count("add_gps count", self.count, minimum=1)
        _check_consultations("add_gps consultations_per_gp", self.consultations_per_gp)


@dataclass(frozen=True)
class RemoveGps(_Change):
    """``count`` GPs stop practising at ``commune``."""

    count: int = 1
    consultations_per_gp: float | None = None
    kind: ClassVar[str] = "remove_gps"

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_count("remove_gps count", self.count, minimum=1)
        _check_consultations("remove_gps consultations_per_gp", self.consultations_per_gp)


@dataclass(frozen=True)
class RetireGp(_Change):
    """One GP of ``commune`` retires: ``practitioner_id`` names them in the registry."""

    practitioner_id: int | None = None
    kind: ClassVar[str] = "retire_gp"


@dataclass(frozen=True)
class OpenMsp(_Change):
    """An MSP of ``gps`` GPs opens at ``commune``; ``gps_already_there`` practised there."""

    gps: int = 1
    gps_already_there: int = 0
    kind: ClassVar[str] = "open_msp"

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_count("open_msp gps", self.gps, minimum=1)
        _check_count("open_msp gps_already_there", self.gps_already_there, minimum=0)
        if self.gps_already_there > self.gps:
            msg = (
                f"open_msp at {self.commune}: gps_already_there={self.gps_already_there} is "
                f"more than the MSP's gps={self.gps}; expected at most {self.gps}."
            )
            raise ScenarioError(msg)


@dataclass(frozen=True)
class AddTeleconsultationPoint(_Change):
    """A teleconsultation point opens at ``commune``."""

    consultations_per_year: float | None = None
    kind: ClassVar[str] = "add_teleconsultation"

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_consultations("add_teleconsultation consultations_per_year",
                             self.consultations_per_year)  # fmt: skip


Change = AddGps | RemoveGps | RetireGp | OpenMsp | AddTeleconsultationPoint
CHANGE_TYPES: dict[str, type[Change]] = {
    t.kind: t for t in (AddGps, RemoveGps, RetireGp, OpenMsp, AddTeleconsultationPoint)
}


def change_to_dict(change: Change) -> dict[str, Any]:
    """A change as JSON-ready data, its ``kind`` first.

    >>> change_to_dict(AddGps("58194", count=2))
    {'kind': 'add_gps', 'commune': '58194', 'count': 2, 'consultations_per_gp': None}
    """
    return {"kind": change.kind, **asdict(change)}


def change_from_dict(data: Mapping[str, Any]) -> Change:
    """The change described by ``data`` (as :func:`change_to_dict` writes it)."""
    values = dict(data)
    kind = values.pop("kind", None)
    change_type = CHANGE_TYPES.get(str(kind))
    if change_type is None:
        msg = f"Scenario change kind={kind!r}; expected one of {', '.join(CHANGE_TYPES)}."
        raise ScenarioError(msg)
    try:
        return change_type(**values)
    except TypeError as exc:
        msg = f"Scenario change {kind} has fields {sorted(values)}; {exc}."
        raise ScenarioError(msg) from exc


@dataclass
class _Supply:
    """The supply vectors as a scenario changes them (copies of the problem's)."""

    consultations: FloatArray
    teleconsultation: FloatArray
    gp_count: np.ndarray[Any, np.dtype[np.int64]]
    retired: set[int]


class _Applier:
    """Applies changes one by one to a copy of a problem's supply, validating each."""

    def __init__(self, problem: AplProblem) -> None:
        self.problem = problem
        self.state = _Supply(
            problem.supply_consultations.copy(),
            problem.teleconsultation.copy(),
            problem.gp_count.copy(),
            set(),
        )

    def where(self, number: int, change: Change) -> int:
        i = self.problem.index.get(change.commune)
        if i is None:
            msg = (
                f"Scenario change {number} ({change.kind}): commune {change.commune!r} is not in "
                f"the study area of {self.problem.setup.territory}; expected a commune of the "
                "territory or of its surroundings."
            )
            raise ScenarioError(msg)
        return i

    def per_gp(self, consultations: float | None) -> float:
        """Counted consultations of one GP: given (capped), else the setup's default."""
        setup, parameters = self.problem.setup, self.problem.parameters
        if consultations is None:
            if setup.supply == "counts" and setup.activity_per_gp is not None:
                return setup.activity_per_gp
            return parameters.new_gp_activity
        return float(cap_gp_activity([consultations], parameters.activity_caps)[0])

    def remove(self, number: int, change: Change, i: int, count: int, each: float | None) -> None:
        """Take ``count`` GPs of ``each`` consultations (default: the commune's mean) away."""
        present = int(self.state.gp_count[i])
        name = f"{change.commune} ({self.problem.names[i]})"
        if count > present:
            msg = (
                f"Scenario change {number} ({change.kind}) removes {count} GP(s) at commune "
                f"{name}; {present} practise there. Expected at most {present}."
            )
            raise ScenarioError(msg)
        counted = self.state.consultations[i]
        taken = count * (counted / present if each is None else each)
        if taken > counted * (1 + 1e-9) + 1e-9:
            msg = (
                f"Scenario change {number} ({change.kind}) removes {taken:,.0f} consultations at "
                f"commune {name}; {counted:,.0f} are counted there. Expected a smaller "
                "consultations_per_gp."
            )
            raise ScenarioError(msg)
        self.state.consultations[i] = max(counted - taken, 0.0)  # rounding may cross zero
        self.state.gp_count[i] -= count

    def retire(self, number: int, change: RetireGp, i: int) -> None:
        """One GP leaves: the registered one named, or one of the commune's mean activity."""
        if change.practitioner_id is None:
            self.remove(number, change, i, 1, None)
            return
        found = np.flatnonzero(self.problem.gp_ids == change.practitioner_id)
        if not found.size:
            msg = (
                f"Scenario change {number} (retire_gp): practitioner_id="
                f"{change.practitioner_id} is not a GP counted in this APL (supply="
                f"{self.problem.setup.supply}); expected the id of a registered GP, with "
                "supply='activity'."
            )
            raise ScenarioError(msg)
        k = int(found[0])
        if int(self.problem.gp_site[k]) != i or change.practitioner_id in self.state.retired:
            msg = (
                f"Scenario change {number} (retire_gp): practitioner {change.practitioner_id} "
                f"does not practise at commune {change.commune} or already retired in this "
                f"scenario; expected a GP of {change.commune}."
            )
            raise ScenarioError(msg)
        self.state.retired.add(change.practitioner_id)
        self.remove(number, change, i, 1, float(self.problem.gp_consultations[k]))

    def open_msp(self, number: int, change: OpenMsp, i: int) -> None:
        """The MSP's GPs who did not practise in the commune before join its supply."""
        present = int(self.state.gp_count[i])
        if change.gps_already_there > present:
            msg = (
                f"Scenario change {number} (open_msp) at commune {change.commune} "
                f"({self.problem.names[i]}) counts gps_already_there={change.gps_already_there}; "
                f"{present} practise there. Expected at most {present}."
            )
            raise ScenarioError(msg)
        new = change.gps - change.gps_already_there
        self.state.consultations[i] += new * self.per_gp(None) * MSP_ACTIVITY_FACTOR
        self.state.gp_count[i] += new

    def apply(self, number: int, change: Change) -> None:
        """Apply change ``number`` (1-based, for messages) or raise naming what is wrong."""
        i = self.where(number, change)
        state = self.state
        if isinstance(change, AddGps):
            state.consultations[i] += change.count * self.per_gp(change.consultations_per_gp)
            state.gp_count[i] += change.count
        elif isinstance(change, RemoveGps):
            each = change.consultations_per_gp
            self.remove(
                number, change, i, change.count, None if each is None else self.per_gp(each)
            )
        elif isinstance(change, RetireGp):
            self.retire(number, change, i)
        elif isinstance(change, OpenMsp):
            self.open_msp(number, change, i)
        else:
            per_point = change.consultations_per_year or TELECONSULTATION_POINT_CONSULTATIONS
            state.teleconsultation[i] += per_point


@dataclass(frozen=True)
class ScenarioCommune:
    """One commune of the territory before and after a scenario."""

    code: str
    name: str
    population: float
    standardised_population: float
    apl_before: float
    apl_after: float
    class_before: AplClassName
    class_after: AplClassName

    @property
    def delta(self) -> float:
        """APL after minus APL before."""
        return self.apl_after - self.apl_before


@dataclass(frozen=True)
class PopulationShift:
    """Communes and their inhabitants (raw and standardised) in some situation."""

    communes: int
    population: float
    standardised_population: float


def _shift(communes: Sequence[ScenarioCommune]) -> PopulationShift:
    return PopulationShift(
        communes=len(communes),
        population=float(sum(c.population for c in communes)),
        standardised_population=float(sum(c.standardised_population for c in communes)),
    )


@dataclass(frozen=True)
class ScenarioOutcome:
    """APL of every commune of the territory before and after, and who changes class.

    ``method`` is ``drees_apl``, or ``drees_apl_with_teleconsultation`` when teleconsultation
    points count as supply (both before and after, so the two compare).
    """

    method: AplMethod
    communes: tuple[ScenarioCommune, ...]
    computation_ms: float = 0.0

    @property
    def changed(self) -> tuple[ScenarioCommune, ...]:
        """Communes whose APL moved (by more than rounding)."""
        return tuple(c for c in self.communes if abs(c.delta) > 1e-9 * max(1.0, c.apl_before))

    @property
    def class_changes(self) -> tuple[ScenarioCommune, ...]:
        """Communes whose class changed."""
        return tuple(c for c in self.communes if c.class_before != c.class_after)

    @property
    def into_under_dense(self) -> PopulationShift:
        """Communes (and inhabitants) that become under-dense."""
        return _shift([c for c in self.class_changes if c.class_after == "under_dense"])

    @property
    def out_of_under_dense(self) -> PopulationShift:
        """Communes (and inhabitants) that stop being under-dense."""
        return _shift([c for c in self.class_changes if c.class_before == "under_dense"])

    def under_dense(self, *, after: bool) -> PopulationShift:
        """Communes and inhabitants under-dense before (or ``after``) the scenario."""
        return _shift(
            [c for c in self.communes if (c.class_after if after else c.class_before)
             == "under_dense"]
        )  # fmt: skip

    def mean_apl(self, *, after: bool) -> float | None:
        """APL of the whole territory, weighted by standardised population."""
        weight = sum(c.standardised_population for c in self.communes)
        if weight <= 0:
            return None
        values = (c.apl_after if after else c.apl_before for c in self.communes)
        return sum(v * c.standardised_population
                   for v, c in zip(values, self.communes, strict=True)) / weight  # fmt: skip


def run_scenario(
    problem: AplProblem, changes: Sequence[Change], *, include_teleconsultation: bool = False
) -> ScenarioOutcome:
    """Apply ``changes`` in order and compare the APL of the territory's communes.

    Raises
    ------
    ScenarioError
        A change names a commune outside the study area, removes more GPs (or consultations)
        than practise there, or names a GP who is not counted; nothing is applied then.
    """
    if len(changes) > MAX_CHANGES:
        msg = f"A scenario has {len(changes)} changes; expected at most {MAX_CHANGES}."
        raise ScenarioError(msg)
    applier = _Applier(problem)
    for number, change in enumerate(changes, start=1):
        applier.apply(number, change)
    with_tele = include_teleconsultation or any(
        isinstance(c, AddTeleconsultationPoint) for c in changes
    )
    before_supply = problem.supply_consultations
    after_supply = applier.state.consultations
    if with_tele:
        before_supply = before_supply + problem.teleconsultation
        after_supply = after_supply + applier.state.teleconsultation
    rows = problem.territory_rows
    before, after = problem.solve(before_supply)[rows], problem.solve(after_supply)[rows]
    before_class, after_class = classify_apl(before), classify_apl(after)
    communes = tuple(
        ScenarioCommune(
            code=problem.codes[i],
            name=problem.names[i],
            population=float(problem.population[i]),
            standardised_population=float(problem.standardised_population[i]),
            apl_before=float(before[k]),
            apl_after=float(after[k]),
            class_before=class_name(before_class[k]),
            class_after=class_name(after_class[k]),
        )
        for k, i in enumerate(rows)
    )
    return ScenarioOutcome(
        method=TELECONSULTATION_METHOD if with_tele else OFFICIAL_METHOD, communes=communes
    )


def outcome_to_dict(outcome: ScenarioOutcome) -> dict[str, Any]:
    """An outcome as JSON-ready data (what a saved scenario stores)."""
    return asdict(outcome)


def outcome_from_dict(data: Mapping[str, Any]) -> ScenarioOutcome:
    """The outcome :func:`outcome_to_dict` wrote."""
    method = (
        TELECONSULTATION_METHOD if data["method"] == TELECONSULTATION_METHOD else OFFICIAL_METHOD
    )
    return ScenarioOutcome(
        method=method,
        communes=tuple(ScenarioCommune(**c) for c in data["communes"]),
        computation_ms=float(data.get("computation_ms", 0.0)),
    )


@dataclass(frozen=True)
class ComparedCommune:
    """One commune under two scenarios of the same territory."""

    code: str
    name: str
    first: ScenarioCommune | None
    second: ScenarioCommune | None


def compare_outcomes(
    first: ScenarioOutcome, second: ScenarioOutcome
) -> tuple[ComparedCommune, ...]:
    """The communes of two outcomes side by side (a commune missing from one gets ``None``)."""
    by_code = {c.code: c for c in second.communes}
    seen = {c.code for c in first.communes}
    rows = [ComparedCommune(c.code, c.name, c, by_code.get(c.code)) for c in first.communes]
    rows += [
        ComparedCommune(c.code, c.name, None, c) for c in second.communes if c.code not in seen
    ]
    return tuple(sorted(rows, key=lambda r: r.code))


def with_timing(outcome: ScenarioOutcome, computation_ms: float) -> ScenarioOutcome:
    """The same outcome, with the time it took."""
    return replace(outcome, computation_ms=computation_ms)

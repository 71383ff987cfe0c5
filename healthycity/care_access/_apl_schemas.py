"""The API contract of the APL engine and its scenarios (Pydantic schemas of ``apl_api``).

The web pages (APL map, scenario editor) are built on these shapes: change them only by
adding optional fields. Numbers are APL values in consultations per standardised inhabitant
per year, populations in inhabitants, supply in consultations per year.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from healthycity.care_access.apl_model import AggregateLevel, AplClassName, SupplyMode
from healthycity.care_access.offer import COMMUNE_CODE, MAX_YEARLY_CONSULTATIONS
from healthycity.care_access.scenarios import MAX_CHANGES, MAX_GPS_PER_CHANGE

TERRITORY_PATTERN = r"^(region|departement|epci|commune)/[0-9A-Za-z]+$"
Method = Literal["drees_apl", "drees_apl_with_teleconsultation"]
ApiProvider = Literal["straight-line"]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- APL -------------------------------------------------------------------------------------


class AplSetupPublic(BaseModel):
    """Where the figures come from: say it next to every map and table."""

    method: Method
    method_label: str
    territory: str = Field(examples=["departement/58"])
    territory_name: str
    year: int = Field(description="APL millésime: its DREES age weights and parameters.")
    provider: str = Field(description="Travel-time provider: straight-line, road or matrix.")
    supply: SupplyMode
    cutoff_min: float = Field(description="Longest travel time counted (weight 0 beyond).")
    bpe_year: int | None = Field(description="BPE year of the GP counts (supply=counts).")
    activity_per_gp: float | None = Field(description="Consultations credited per counted GP.")
    practitioners: int = Field(description="Registered GPs counted (supply=activity).")
    practitioners_imputed: int = Field(description="Of which without a known activity.")
    age_structure_year: int
    age_structure_is_estimated: bool = Field(
        description="True: commune age bands estimated from the département's structure."
    )
    age_structure_source: str
    population_source: str
    teleconsultation_points: int = Field(description="Registered points (not in the APL).")
    teleconsultation_consultations_per_point: float
    buffer_departements: list[str] = Field(
        description="Départements around the territory taken into the catchments."
    )
    data_version: str
    warnings: list[str]


class AplClassPublic(BaseModel):
    """One APL class with its legend and how many communes and inhabitants fall in it."""

    apl_class: AplClassName
    label_fr: str
    label_en: str
    lower: float | None = Field(description="Lowest APL of the class (inclusive).")
    upper: float | None = Field(description="APL where the next class starts (exclusive).")
    communes: int
    population: float
    standardised_population: float


class AplCommunePublic(BaseModel):
    """The APL of one commune of the territory."""

    code: str
    name: str
    departement: str
    epci: str | None
    population: float
    standardised_population: float
    gp_count: int = Field(description="GPs counted at the commune itself.")
    supply_consultations: float = Field(description="Consultations counted at the commune.")
    accessible_consultations: float = Field(
        description="Consultations within reach, weighted by travel time, before competition."
    )
    apl: float
    apl_class: AplClassName
    apl_with_teleconsultation: float | None = Field(
        description="Variant with teleconsultation points as supply (not DREES); null when "
        "the study area has none."
    )
    apl_class_with_teleconsultation: AplClassName | None


class AplResultPublic(BaseModel):
    """The APL of every commune of a territory."""

    setup: AplSetupPublic
    classes: list[AplClassPublic]
    communes: list[AplCommunePublic]
    study_area_communes: int = Field(description="Communes in the catchments (with buffer).")
    catchment_pairs: int
    computation_ms: float = Field(description="Server time; small when the cache was warm.")
    cache_hit: bool


class AplAggregatePublic(BaseModel):
    """The APL of an EPCI, département or bassin de vie, weighted by standardised population."""

    level: AggregateLevel
    code: str
    name: str
    apl: float | None
    apl_class: AplClassName | None
    population: float
    standardised_population: float
    communes: int = Field(description="Communes of the territory in the group.")
    communes_in_group: int | None = Field(description="All communes of the group.")
    communes_under_dense: int
    population_under_dense: float
    is_partial: bool = Field(description="The group has communes outside the territory.")


class AplAggregatesPublic(BaseModel):
    """APL aggregates of a territory at one level."""

    setup: AplSetupPublic
    level: AggregateLevel
    aggregates: list[AplAggregatePublic]
    computation_ms: float


# --- Scenario changes ------------------------------------------------------------------------

_COMMUNE = Field(pattern=COMMUNE_CODE.pattern, description="INSEE code, e.g. 58194.")
_GPS = Field(default=1, ge=1, le=MAX_GPS_PER_CHANGE)
_CONSULTATIONS = Field(default=None, gt=0, le=MAX_YEARLY_CONSULTATIONS)


class AddGpsChange(_Body):
    """``count`` more GPs at ``commune``, each with ``consultations_per_gp`` (capped)."""

    kind: Literal["add_gps"]
    commune: str = _COMMUNE
    count: int = _GPS
    consultations_per_gp: float | None = _CONSULTATIONS


class RemoveGpsChange(_Body):
    """``count`` GPs leave ``commune`` (default activity: the commune's mean per GP)."""

    kind: Literal["remove_gps"]
    commune: str = _COMMUNE
    count: int = _GPS
    consultations_per_gp: float | None = _CONSULTATIONS


class RetireGpChange(_Body):
    """One GP of ``commune`` retires; ``practitioner_id`` names them (supply=activity)."""

    kind: Literal["retire_gp"]
    commune: str = _COMMUNE
    practitioner_id: int | None = None


class OpenMspChange(_Body):
    """An MSP of ``gps`` GPs opens at ``commune``; ``gps_already_there`` practised there."""

    kind: Literal["open_msp"]
    commune: str = _COMMUNE
    gps: int = _GPS
    gps_already_there: int = Field(default=0, ge=0, le=MAX_GPS_PER_CHANGE)


class AddTeleconsultationChange(_Body):
    """A teleconsultation point at ``commune`` (default 600 consultations a year)."""

    kind: Literal["add_teleconsultation"]
    commune: str = _COMMUNE
    consultations_per_year: float | None = _CONSULTATIONS


ScenarioChangeIn = Annotated[
    AddGpsChange | RemoveGpsChange | RetireGpChange | OpenMspChange | AddTeleconsultationChange,
    Field(discriminator="kind"),
]


class ScenarioPreviewRequest(_Body):
    """A scenario to compute: a territory's APL and the changes, applied in order."""

    territory: str = Field(pattern=TERRITORY_PATTERN, examples=["departement/58"])
    year: int = 2023
    provider: ApiProvider = "straight-line"
    supply: SupplyMode = "counts"
    include_teleconsultation: bool = Field(
        default=False,
        description="Count teleconsultation points as supply (always when a change adds one).",
    )
    changes: list[ScenarioChangeIn] = Field(min_length=1, max_length=MAX_CHANGES)


class ScenarioCreate(ScenarioPreviewRequest):
    """A scenario to compute and save."""

    name: str = Field(min_length=1, max_length=200)


class PopulationShiftPublic(BaseModel):
    """Communes and their inhabitants, raw and standardised."""

    communes: int
    population: float
    standardised_population: float


class ScenarioCommunePublic(BaseModel):
    """One commune before and after the scenario."""

    code: str
    name: str
    population: float
    standardised_population: float
    apl_before: float
    apl_after: float
    delta: float
    class_before: AplClassName
    class_after: AplClassName


class ScenarioOutcomePublic(BaseModel):
    """What a scenario changes in the territory."""

    method: Method
    method_label: str
    setup: AplSetupPublic
    communes_changed: int
    under_dense_before: PopulationShiftPublic
    under_dense_after: PopulationShiftPublic
    into_under_dense: PopulationShiftPublic = Field(description="Communes becoming under-dense.")
    out_of_under_dense: PopulationShiftPublic = Field(description="Communes leaving it.")
    mean_apl_before: float | None
    mean_apl_after: float | None
    class_changes: list[ScenarioCommunePublic]
    communes: list[ScenarioCommunePublic]
    computation_ms: float


class ScenarioFiguresPublic(BaseModel):
    """The summary figures of a saved scenario."""

    communes: int
    communes_changed: int
    under_dense_before: int
    under_dense_after: int
    population_under_dense_before: float
    population_under_dense_after: float
    population_into_under_dense: float
    population_out_of_under_dense: float
    mean_apl_before: float | None
    mean_apl_after: float | None


class ScenarioSummaryPublic(BaseModel):
    """A saved scenario as listed."""

    id: int
    name: str
    territory: str
    year: int
    provider: str
    supply: SupplyMode
    include_teleconsultation: bool
    author_token_id: int | None
    created_via: str
    created_at: datetime
    changes: int
    summary: ScenarioFiguresPublic


class ScenarioPublic(BaseModel):
    """A saved scenario with its changes and outcome (as computed when it was saved)."""

    id: int
    name: str
    territory: str
    year: int
    provider: str
    supply: SupplyMode
    include_teleconsultation: bool
    author_token_id: int | None
    created_via: str
    created_at: datetime
    data_version: str
    is_current_data: bool = Field(
        description="False when the territory or care offer changed since it was saved."
    )
    changes: list[ScenarioChangeIn]
    summary: ScenarioFiguresPublic
    outcome: ScenarioOutcomePublic


class ComparedCommunePublic(BaseModel):
    """One commune under two scenarios."""

    code: str
    name: str
    apl_before_first: float | None
    apl_after_first: float | None
    class_after_first: AplClassName | None
    apl_before_second: float | None
    apl_after_second: float | None
    class_after_second: AplClassName | None


class ScenarioComparisonPublic(BaseModel):
    """Two saved scenarios of a territory side by side."""

    first: ScenarioSummaryPublic
    second: ScenarioSummaryPublic
    base_differences: list[str] = Field(
        description="Base parameters that differ (year, provider, supply…): compare with care."
    )
    communes: list[ComparedCommunePublic]

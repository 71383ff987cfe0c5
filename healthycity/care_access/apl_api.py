"""HTTP API of the APL engine: public APL maps and tables, scenarios for territory officers.

* ``GET /care-access/apl`` and ``/apl/aggregates`` are public: the APL is computed from open
  data (BPE, INSEE populations, DREES parameters). JSON by default, GeoJSON or CSV with
  ``format``.
* Scenarios are working documents of a territory's officers: previewing, saving, listing and
  reading them need a ``territory_admin`` token (or above) whose scope contains the
  scenario's territory.

Only the straight-line provider is offered here: road and matrix travel times need files the
user brings, so they are run from the command line (``healthycity care apl``).
"""

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import Connection

from healthycity.api.deps import DbConn, require_role, require_scope
from healthycity.auth.models import Identity
from healthycity.care_access import _apl_inputs as inputs
from healthycity.care_access import apl_service, scenario_store
from healthycity.care_access._apl_schemas import (
    TERRITORY_PATTERN,
    ApiProvider,
    AplAggregatePublic,
    AplAggregatesPublic,
    AplClassPublic,
    AplCommunePublic,
    AplResultPublic,
    AplSetupPublic,
    ComparedCommunePublic,
    PopulationShiftPublic,
    ScenarioCommunePublic,
    ScenarioComparisonPublic,
    ScenarioCreate,
    ScenarioFiguresPublic,
    ScenarioOutcomePublic,
    ScenarioPreviewRequest,
    ScenarioPublic,
    ScenarioSummaryPublic,
)
from healthycity.care_access.apl_export import (
    apl_csv,
    apl_feature_collection,
    comparison_rows,
    setup_metadata,
)
from healthycity.care_access.apl_model import (
    CLASS_LABELS_EN,
    CLASS_LABELS_FR,
    METHOD_LABELS_FR,
    OFFICIAL_METHOD,
    AplMethod,
    AplResult,
    AplSetup,
    SupplyMode,
    count_classes,
)
from healthycity.care_access.apl_parameters import load_apl_parameters
from healthycity.care_access.indicators import APL_ADEQUATE_FROM, APL_UNDER_DENSE_BELOW
from healthycity.care_access.providers import StraightLineProvider
from healthycity.care_access.scenarios import (
    PopulationShift,
    ScenarioCommune,
    ScenarioOutcome,
    change_from_dict,
    change_to_dict,
    compare_outcomes,
)
from healthycity.errors import NotFoundError, PermissionDeniedError, ValidationError
from healthycity.territory.api import GeoJSONResponse
from healthycity.territory.store import get_ancestors, get_children, get_geometries, get_territory

router = APIRouter(prefix="/care-access", tags=["care-access"])
Officer = Annotated[Identity, Depends(require_role("territory_admin"))]
Territory = Annotated[
    str,
    Query(pattern=TERRITORY_PATTERN, description="level/code", examples=["departement/58"]),
]
Year = Annotated[int, Query(description="APL millésime (2022 or 2023).")]
# one instance per name: providers are part of the cache key
_PROVIDERS: dict[ApiProvider, StraightLineProvider] = {"straight-line": StraightLineProvider()}
_BOUNDS = {
    "under_dense": (None, APL_UNDER_DENSE_BELOW),
    "vigilance": (APL_UNDER_DENSE_BELOW, APL_ADEQUATE_FROM),
    "adequate": (APL_ADEQUATE_FROM, None),
}


def _checked_year(year: int) -> int:
    try:
        load_apl_parameters(year)
    except NotFoundError as exc:  # a bad query value, not a missing resource
        raise ValidationError(str(exc)) from exc
    return year


def _setup(setup: AplSetup, method: AplMethod = OFFICIAL_METHOD) -> AplSetupPublic:
    values = setup_metadata(setup) | {"method": method, "method_label": METHOD_LABELS_FR[method]}
    return AplSetupPublic.model_validate(values)


def _compute(
    conn: Connection, territory: str, year: int, provider: ApiProvider, supply: SupplyMode
) -> AplResult:
    return apl_service.compute_territory_apl(
        conn,
        territory=territory,
        year=_checked_year(year),
        provider=_PROVIDERS[provider],
        supply=supply,
    )


def _result(result: AplResult) -> AplResultPublic:
    return AplResultPublic(
        setup=_setup(result.setup),
        classes=[
            AplClassPublic(
                **dataclasses.asdict(c),
                label_fr=CLASS_LABELS_FR[c.apl_class],
                label_en=CLASS_LABELS_EN[c.apl_class],
                lower=_BOUNDS[c.apl_class][0],
                upper=_BOUNDS[c.apl_class][1],
            )
            for c in count_classes(result.communes)
        ],
        communes=[AplCommunePublic(**dataclasses.asdict(c)) for c in result.communes],
        study_area_communes=result.study_area_communes,
        catchment_pairs=result.catchment_pairs,
        computation_ms=result.computation_ms,
        cache_hit=result.cache_hit,
    )


def _geometries(conn: Connection, result: AplResult) -> dict[str, Any]:
    level, code = inputs.parse_territory(result.setup.territory)
    communes = (
        [get_territory(conn, level, code)]
        if level == "commune"
        else get_children(conn, level, code, child_level="commune")
    )
    return {ref.split("/")[1]: g for ref, g in get_geometries(conn, communes).items()}


@router.get(
    "/apl",
    response_model=AplResultPublic,
    responses={200: {"content": {"application/geo+json": {}, "text/csv": {}}}},
)
def get_apl(
    conn: DbConn,
    territory: Territory,
    year: Year = 2023,
    provider: ApiProvider = "straight-line",
    supply: SupplyMode = "counts",
    output: Annotated[Literal["json", "geojson", "csv"], Query(alias="format")] = "json",
) -> AplResultPublic | Response:
    """APL to GPs of every commune of a territory, with its class and provenance.

    The first call on a territory prepares its catchment (under a second on the demo
    territory); later calls reuse it until the data change.
    """
    result = _compute(conn, territory, year, provider, supply)
    if output == "geojson":
        return GeoJSONResponse(apl_feature_collection(result, _geometries(conn, result)))
    if output == "csv":
        filename = f"apl-{year}-{territory.replace('/', '-')}.csv"
        return Response(
            apl_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "X-Computation-Ms": f"{result.computation_ms:.1f}",
            },
        )
    return _result(result)


@router.get("/apl/aggregates")
def get_apl_aggregates(
    conn: DbConn,
    territory: Territory,
    level: Literal["epci", "departement"] = "epci",
    year: Year = 2023,
    provider: ApiProvider = "straight-line",
    supply: SupplyMode = "counts",
) -> AplAggregatesPublic:
    """The APL of the territory's EPCI or départements, weighted by standardised population.

    Bassins de vie need a commune → bassin table that does not ship with healthycity; the
    command line takes one (``healthycity care apl --level bassin_de_vie --bassins FILE``).
    """
    result = _compute(conn, territory, year, provider, supply)
    table = apl_service.aggregate_apl(conn, result, level)
    return AplAggregatesPublic(
        setup=_setup(result.setup),
        level=level,
        aggregates=[AplAggregatePublic(**dataclasses.asdict(r)) for r in table.rows],
        computation_ms=result.computation_ms,
    )


# --- Scenarios -------------------------------------------------------------------------------


def _check_scope(conn: Connection, identity: Identity, territory: str) -> None:
    level, code = inputs.parse_territory(territory)
    get_territory(conn, level, code)  # 404 before 403 for a territory that does not exist
    require_scope(identity, level, code, ancestors=get_ancestors(conn, level, code))


def _shift(shift: PopulationShift) -> PopulationShiftPublic:
    return PopulationShiftPublic(**dataclasses.asdict(shift))


def _commune(c: ScenarioCommune) -> ScenarioCommunePublic:
    return ScenarioCommunePublic(**dataclasses.asdict(c), delta=c.delta)


def _outcome(outcome: ScenarioOutcome, setup: AplSetup) -> ScenarioOutcomePublic:
    return ScenarioOutcomePublic(
        method=outcome.method,
        method_label=METHOD_LABELS_FR[outcome.method],
        setup=_setup(setup, outcome.method),
        communes_changed=len(outcome.changed),
        under_dense_before=_shift(outcome.under_dense(after=False)),
        under_dense_after=_shift(outcome.under_dense(after=True)),
        into_under_dense=_shift(outcome.into_under_dense),
        out_of_under_dense=_shift(outcome.out_of_under_dense),
        mean_apl_before=outcome.mean_apl(after=False),
        mean_apl_after=outcome.mean_apl(after=True),
        class_changes=[_commune(c) for c in outcome.class_changes],
        communes=[_commune(c) for c in outcome.communes],
        computation_ms=outcome.computation_ms,
    )


def _run(conn: Connection, body: ScenarioPreviewRequest) -> tuple[AplSetup, ScenarioOutcome]:
    changes = [change_from_dict(c.model_dump()) for c in body.changes]
    return apl_service.preview_scenario(
        conn,
        territory=body.territory,
        year=_checked_year(body.year),
        provider=_PROVIDERS[body.provider],
        changes=changes,
        supply=body.supply,
        include_teleconsultation=body.include_teleconsultation,
    )


def _summary(s: scenario_store.SavedScenario) -> ScenarioSummaryPublic:
    assert s.id is not None  # stored records have ids  # noqa: S101
    assert s.created_at is not None  # and a creation time  # noqa: S101
    return ScenarioSummaryPublic(
        id=s.id, name=s.name, territory=s.territory, year=s.year, provider=s.provider,
        supply=s.supply, include_teleconsultation=s.include_teleconsultation,
        author_token_id=s.author_token_id, created_via=s.created_via, created_at=s.created_at,
        changes=len(s.changes),
        summary=ScenarioFiguresPublic(**dataclasses.asdict(s.summary)),
    )  # fmt: skip


def _scenario(conn: Connection, s: scenario_store.SavedScenario) -> ScenarioPublic:
    assert s.outcome is not None  # read with its outcome  # noqa: S101
    return ScenarioPublic.model_validate(
        _summary(s).model_dump(exclude={"changes"})
        | {
            "data_version": s.data_version,
            "is_current_data": s.data_version == inputs.care_data_version(conn),
            "changes": [change_to_dict(c) for c in s.changes],
            "outcome": _outcome(s.outcome, s.setup),
        }
    )


@router.post("/scenarios/preview")
def preview_scenario(
    body: ScenarioPreviewRequest, conn: DbConn, identity: Officer
) -> ScenarioOutcomePublic:
    """Compute a scenario without saving it, for the live editor (a few ms once prepared)."""
    _check_scope(conn, identity, body.territory)
    setup, outcome = _run(conn, body)
    return _outcome(outcome, setup)


@router.post("/scenarios", status_code=201)
def create_scenario(body: ScenarioCreate, conn: DbConn, identity: Officer) -> ScenarioPublic:
    """Compute a scenario and save it, with its author's token id."""
    _check_scope(conn, identity, body.territory)
    setup, outcome = _run(conn, body)
    saved = scenario_store.save_scenario(
        conn,
        scenario_store.SavedScenario(
            name=body.name, territory=body.territory, year=body.year, provider=body.provider,
            supply=body.supply, include_teleconsultation=body.include_teleconsultation,
            changes=tuple(change_from_dict(c.model_dump()) for c in body.changes),
            setup=setup, summary=scenario_store.summarise(outcome), outcome=outcome,
            data_version=setup.data_version, author_token_id=identity.token_id,
            created_via="api",
        ),
    )  # fmt: skip
    return _scenario(conn, saved)


def _in_scope(conn: Connection, identity: Identity, territory: str) -> bool:
    try:
        _check_scope(conn, identity, territory)
    except (PermissionDeniedError, NotFoundError):
        return False
    return True


@router.get("/scenarios")
def list_scenarios(
    conn: DbConn,
    identity: Officer,
    territory: Annotated[str | None, Query(pattern=TERRITORY_PATTERN)] = None,
) -> list[ScenarioSummaryPublic]:
    """Saved scenarios of the territories in the token's scope, newest first."""
    found = scenario_store.list_scenarios(
        conn, territories=None if territory is None else [territory]
    )
    allowed = {t: _in_scope(conn, identity, t) for t in {s.territory for s in found}}
    return [_summary(s) for s in found if allowed[s.territory]]


def _readable(
    conn: Connection, identity: Identity, scenario_id: int
) -> scenario_store.SavedScenario:
    scenario = scenario_store.get_scenario(conn, scenario_id)
    _check_scope(conn, identity, scenario.territory)
    return scenario


@router.get("/scenarios/{scenario_id}")
def get_scenario(scenario_id: int, conn: DbConn, identity: Officer) -> ScenarioPublic:
    """One saved scenario with its outcome per commune."""
    return _scenario(conn, _readable(conn, identity, scenario_id))


@router.get("/scenarios/{scenario_id}/compare")
def compare_scenarios(
    scenario_id: int,
    conn: DbConn,
    identity: Officer,
    other: Annotated[int, Query(alias="with", description="Id of the other scenario.")],
) -> ScenarioComparisonPublic:
    """Two saved scenarios of the same territory side by side, commune by commune."""
    first, second = _readable(conn, identity, scenario_id), _readable(conn, identity, other)
    if first.territory != second.territory:
        msg = (
            f"Scenario {scenario_id} is on {first.territory} and scenario {other} on "
            f"{second.territory}; expected two scenarios of the same territory."
        )
        raise ValidationError(msg)
    assert first.outcome is not None  # get_scenario reads the outcome  # noqa: S101
    assert second.outcome is not None  # noqa: S101
    return ScenarioComparisonPublic(
        first=_summary(first),
        second=_summary(second),
        base_differences=scenario_store.base_differences(first, second),
        communes=[
            ComparedCommunePublic(**row)
            for row in comparison_rows(compare_outcomes(first.outcome, second.outcome))
        ],
    )

"""Saved APL scenarios: functions taking a connection (table ``care_apl_scenarios``).

A saved scenario keeps what was asked (territory, millésime, provider, supply, changes), the
provenance of the APL it ran on (``setup``), its outcome per commune and a small summary, and
the data version of the moment: the outcome is a record of that run, not a cache. Running
the same changes again on newer data may give another outcome.
"""

import dataclasses
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Row, insert, select

from healthycity.care_access import tables
from healthycity.care_access.apl_model import AplSetup, SupplyMode
from healthycity.care_access.scenarios import (
    Change,
    ScenarioOutcome,
    change_from_dict,
    change_to_dict,
    outcome_from_dict,
    outcome_to_dict,
)
from healthycity.errors import NotFoundError

s = tables.apl_scenarios
CreatedVia = Literal["api", "cli"]


@dataclass(frozen=True)
class ScenarioSummary:
    """The figures a list of scenarios shows, kept beside the full outcome."""

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


def summarise(outcome: ScenarioOutcome) -> ScenarioSummary:
    """The summary of an outcome."""
    before, after = outcome.under_dense(after=False), outcome.under_dense(after=True)
    return ScenarioSummary(
        communes=len(outcome.communes),
        communes_changed=len(outcome.changed),
        under_dense_before=before.communes,
        under_dense_after=after.communes,
        population_under_dense_before=before.population,
        population_under_dense_after=after.population,
        population_into_under_dense=outcome.into_under_dense.population,
        population_out_of_under_dense=outcome.out_of_under_dense.population,
        mean_apl_before=outcome.mean_apl(after=False),
        mean_apl_after=outcome.mean_apl(after=True),
    )


@dataclass(frozen=True)
class SavedScenario:
    """One saved scenario; ``outcome`` is ``None`` when listed (only the summary is read)."""

    name: str
    territory: str
    year: int
    provider: str
    supply: SupplyMode
    include_teleconsultation: bool
    changes: tuple[Change, ...]
    setup: AplSetup
    summary: ScenarioSummary
    outcome: ScenarioOutcome | None
    data_version: str
    author_token_id: int | None = None
    created_via: CreatedVia = "api"
    created_at: datetime | None = None
    id: int | None = None


def save_scenario(conn: Connection, scenario: SavedScenario) -> SavedScenario:
    """Store a new scenario; return it with its id and creation time."""
    if scenario.outcome is None:
        msg = f"Scenario {scenario.name!r} has no outcome; expected a run scenario to save."
        raise ValueError(msg)
    now = datetime.now(UTC)
    new_id = conn.execute(
        insert(s)
        .values(
            name=scenario.name,
            territory=scenario.territory,
            year=scenario.year,
            provider=scenario.provider,
            supply=scenario.supply,
            include_teleconsultation=scenario.include_teleconsultation,
            author_token_id=scenario.author_token_id,
            created_via=scenario.created_via,
            changes=json.dumps([change_to_dict(c) for c in scenario.changes]),
            setup=json.dumps(dataclasses.asdict(scenario.setup)),
            summary=json.dumps(dataclasses.asdict(scenario.summary)),
            outcome=json.dumps(outcome_to_dict(scenario.outcome)),
            data_version=scenario.data_version,
            created_at=now,
        )
        .returning(s.c.id)
    ).scalar_one()
    return dataclasses.replace(scenario, id=new_id, created_at=now)


def _setup(data: dict[str, Any]) -> AplSetup:
    return AplSetup(
        **{
            **data,
            "buffer_departements": tuple(data["buffer_departements"]),
            "warnings": tuple(data["warnings"]),
        }
    )


def _scenario(row: Row[Any], *, with_outcome: bool) -> SavedScenario:
    created = row.created_at
    if created.tzinfo is None:  # SQLite gives back naive datetimes, stored in UTC
        created = created.replace(tzinfo=UTC)
    return SavedScenario(
        id=row.id,
        name=row.name,
        territory=row.territory,
        year=row.year,
        provider=row.provider,
        supply=row.supply,
        include_teleconsultation=bool(row.include_teleconsultation),
        changes=tuple(change_from_dict(c) for c in json.loads(row.changes)),
        setup=_setup(json.loads(row.setup)),
        summary=ScenarioSummary(**json.loads(row.summary)),
        outcome=outcome_from_dict(json.loads(row.outcome)) if with_outcome else None,
        data_version=row.data_version,
        author_token_id=row.author_token_id,
        created_via=row.created_via,
        created_at=created,
    )


def base_differences(first: SavedScenario, second: SavedScenario) -> list[str]:
    """What two scenarios were not computed alike on: compare their outcomes with care."""
    names = ("year", "provider", "supply", "include_teleconsultation", "data_version")
    found = [name for name in names if getattr(first, name) != getattr(second, name)]
    if first.outcome and second.outcome and first.outcome.method != second.outcome.method:
        found.append("method")
    return found


_LIST_COLUMNS = [c for c in s.c if c.name != "outcome"]


def get_scenario(conn: Connection, scenario_id: int) -> SavedScenario:
    """One saved scenario with its full outcome."""
    row = conn.execute(select(s).where(s.c.id == scenario_id)).first()
    if row is None:
        msg = f"No saved APL scenario with id {scenario_id}."
        raise NotFoundError(msg)
    return _scenario(row, with_outcome=True)


def list_scenarios(
    conn: Connection, *, territories: Collection[str] | None = None
) -> list[SavedScenario]:
    """Saved scenarios, newest first, of ``territories`` (``level/code``; all by default)."""
    query = select(*_LIST_COLUMNS).order_by(s.c.created_at.desc(), s.c.id.desc())
    if territories is not None:
        query = query.where(s.c.territory.in_(sorted(territories)))
    return [_scenario(row, with_outcome=False) for row in conn.execute(query)]

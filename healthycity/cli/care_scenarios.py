"""``healthycity care scenario``: create, list, show and compare APL scenarios."""

import dataclasses
import json
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from healthycity.care_access import apl_service, scenario_store
from healthycity.care_access.apl_export import comparison_csv, comparison_rows, scenario_csv
from healthycity.care_access.apl_model import CLASS_LABELS_FR, METHOD_LABELS_FR
from healthycity.care_access.scenarios import (
    CHANGE_TYPES,
    Change,
    ScenarioOutcome,
    change_from_dict,
    change_to_dict,
    compare_outcomes,
    outcome_to_dict,
)
from healthycity.cli._context import open_database
from healthycity.cli.care_apl import (
    Format,
    MatrixOption,
    OsmOption,
    ProviderOption,
    SupplyOption,
    TerritoryOption,
    YearOption,
    decimal,
    provider_from_options,
    setup_lines,
)
from healthycity.cli.output import (
    format_count,
    print_document,
    print_json,
    print_line,
    print_note,
    print_table,
    print_warnings,
    progress_bars,
)
from healthycity.errors import UserError

app = typer.Typer(
    help="Scénarios sur l'APL : ajouter ou retirer des médecins, ouvrir une MSP, un point de "
    "téléconsultation, un départ en retraite ; enregistrer et comparer.",
    no_args_is_help=True,
)

# The positional values after KIND:COMMUNE in --change, by kind, with their type.
_SPEC_FIELDS: dict[str, tuple[tuple[str, type], ...]] = {
    "add_gps": (("count", int), ("consultations_per_gp", float)),
    "remove_gps": (("count", int), ("consultations_per_gp", float)),
    "retire_gp": (("practitioner_id", int),),
    "open_msp": (("gps", int), ("gps_already_there", int)),
    "add_teleconsultation": (("consultations_per_year", float),),
}
_SPEC_HELP = (
    "Changement KIND:COMMUNE[:…], répétable, appliqué dans l'ordre : add_gps:58194[:N[:CONSULT]], "
    "remove_gps:58194[:N[:CONSULT]], retire_gp:58194[:ID_PRATICIEN], open_msp:58086:N[:DÉJÀ_LÀ], "
    "add_teleconsultation:58003[:CONSULT_PAR_AN]."
)


def parse_change(spec: str) -> Change:
    """A change from its command-line form ``KIND:COMMUNE[:VALUE…]``.

    >>> parse_change("open_msp:58086:4:1")
    OpenMsp(commune='58086', gps=4, gps_already_there=1)
    """
    kind, _, rest = spec.partition(":")
    fields = _SPEC_FIELDS.get(kind)
    parts = rest.split(":") if rest else []
    if fields is None or not parts or len(parts) > len(fields) + 1:
        msg = (
            f"--change {spec!r}; expected KIND:COMMUNE[:VALUE…] with KIND one of "
            f"{', '.join(CHANGE_TYPES)}, e.g. add_gps:58194:2."
        )
        raise UserError(msg)
    values: dict[str, Any] = {"kind": kind, "commune": parts[0]}
    for (name, kind_of), text in zip(fields, parts[1:], strict=False):
        try:
            values[name] = kind_of(text)
        except ValueError as exc:
            msg = f"--change {spec!r}: {name}={text!r}; expected a {kind_of.__name__} number."
            raise UserError(msg) from exc
    return change_from_dict(values)


def _read_changes(path: Path) -> list[Change]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"Cannot read --changes-file {path} ({exc}); expected a JSON list of changes."
        raise UserError(msg) from exc
    items = data.get("changes") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        msg = f"--changes-file {path} holds {type(items).__name__}; expected a list of objects."
        raise UserError(msg)
    return [change_from_dict(item) for item in items]


_SHORT_CLASS = {"under_dense": "sous-dense", "vigilance": "vigilance", "adequate": "correcte"}


def _people(population: float) -> str:
    return format_count(round(population))


def _outcome_lines(outcome: ScenarioOutcome) -> list[str]:
    before, after = outcome.under_dense(after=False), outcome.under_dense(after=True)
    into, out = outcome.into_under_dense, outcome.out_of_under_dense
    mean_before, mean_after = outcome.mean_apl(after=False), outcome.mean_apl(after=True)
    mean = (
        ""
        if mean_before is None or mean_after is None
        else (f" APL moyenne {decimal(mean_before)} → {decimal(mean_after)}.")
    )
    return [
        f"Méthode : {METHOD_LABELS_FR[outcome.method]}.",
        f"{len(outcome.changed)} communes voient leur APL changer.{mean}",
        f"Communes sous-denses : {before.communes} → {after.communes} "
        f"({_people(before.population)} → {_people(after.population)} hab.).",
        f"Entrent en sous-densité : {into.communes} communes, {_people(into.population)} hab. ; "
        f"en sortent : {out.communes} communes, {_people(out.population)} hab.",
    ]


def _print_outcome(outcome: ScenarioOutcome, output_format: Format, header: list[str]) -> None:
    if output_format == "csv":
        print_document(scenario_csv(outcome))
        for line in (*header, *_outcome_lines(outcome)):
            print_note(line)
        return
    for line in (*header, *_outcome_lines(outcome)):
        print_line(line)
    moved = sorted(outcome.changed, key=lambda c: -abs(c.delta))[:20]
    print_table(
        "Communes dont l'APL change le plus",
        ("Code", "Commune", "APL avant", "APL après", "Écart", "Classe après"),
        [
            (
                c.code,
                c.name,
                decimal(c.apl_before),
                decimal(c.apl_after),
                decimal(c.delta, sign=True),
                CLASS_LABELS_FR[c.class_after],
            )
            for c in moved
        ],
        wrap=("Commune",),
    )


@app.command("create")
def create(
    ctx: typer.Context,
    territory: TerritoryOption,
    name: Annotated[str, typer.Option(help="Nom du scénario.")],
    change: Annotated[list[str] | None, typer.Option("--change", help=_SPEC_HELP)] = None,
    changes_file: Annotated[
        Path | None,
        typer.Option(help="Fichier JSON : la liste de changements de l'API (kind, commune…)."),
    ] = None,
    year: YearOption = 2023,
    supply: SupplyOption = "counts",
    provider: ProviderOption = "straight-line",
    osm: OsmOption = None,
    matrix: MatrixOption = None,
    include_teleconsultation: Annotated[
        bool, typer.Option(help="Compter les points de téléconsultation comme offre (variante).")
    ] = False,
    save: Annotated[
        bool, typer.Option("--save/--dry-run", help="Enregistrer, ou seulement calculer.")
    ] = True,
    output_format: Annotated[
        Format, typer.Option("--format", help="table, json ou csv.")
    ] = "table",
) -> None:
    """Calculer un scénario sur l'APL d'un territoire, et l'enregistrer."""
    changes = [parse_change(spec) for spec in change or []]
    if changes_file is not None:
        changes += _read_changes(changes_file)
    if not changes:
        msg = "A scenario needs changes; expected --change KIND:COMMUNE[:…] or --changes-file."
        raise UserError(msg)
    if not name.strip() or len(name) > 200:
        msg = f"--name {name!r}; expected a name of 1 to 200 characters."
        raise UserError(msg)
    with ExitStack() as stack:
        progress = stack.enter_context(progress_bars())
        travel = provider_from_options(provider, osm, matrix)
        engine = stack.enter_context(open_database(ctx))
        with engine.begin() as conn:
            setup, outcome = apl_service.preview_scenario(
                conn,
                territory=territory,
                year=year,
                provider=travel,
                changes=changes,
                supply=supply,
                include_teleconsultation=include_teleconsultation,
                progress=progress,
            )
            saved = None
            if save:
                saved = scenario_store.save_scenario(
                    conn,
                    scenario_store.SavedScenario(
                        name=name,
                        territory=territory,
                        year=year,
                        provider=travel.name,
                        supply=supply,
                        include_teleconsultation=include_teleconsultation,
                        changes=tuple(changes),
                        setup=setup,
                        summary=scenario_store.summarise(outcome),
                        outcome=outcome,
                        data_version=setup.data_version,
                        created_via="cli",
                    ),
                )
    print_warnings(list(setup.warnings))
    if output_format == "json":
        print_json(_scenario_json(saved) if saved else outcome_to_dict(outcome))
        return
    title = (
        f"Scénario n° {saved.id} « {name} » enregistré."
        if saved
        else f"Scénario « {name} » (non enregistré)."
    )
    _print_outcome(outcome, output_format, [title, *setup_lines(setup)])


def _scenario_json(s: scenario_store.SavedScenario) -> dict[str, Any]:
    data = dataclasses.asdict(s)
    data["changes"] = [change_to_dict(c) for c in s.changes]
    data["created_at"] = s.created_at.isoformat() if s.created_at else None
    return data


@app.command("list")
def list_command(
    ctx: typer.Context,
    territory: Annotated[
        str | None, typer.Option(help="Seulement ce territoire (level/code).")
    ] = None,
) -> None:
    """Lister les scénarios enregistrés, les plus récents d'abord."""
    with open_database(ctx) as engine, engine.connect() as conn:
        found = scenario_store.list_scenarios(
            conn, territories=None if territory is None else [territory]
        )
    print_table(
        "Scénarios APL",
        ("N°", "Nom", "Territoire", "Sous-denses avant → après", "Créé le"),
        [
            (
                s.id,
                f"{s.name} ({len(s.changes)} changement(s), APL {s.year}, {s.supply})",
                s.territory,
                f"{s.summary.under_dense_before} → {s.summary.under_dense_after}",
                s.created_at.astimezone().strftime("%Y-%m-%d %H:%M") if s.created_at else None,
            )
            for s in found
        ],
        wrap=("Nom", "Territoire", "Créé le"),
    )


@app.command("show")
def show(
    ctx: typer.Context,
    scenario_id: Annotated[int, typer.Argument(help="Numéro du scénario.")],
    output_format: Annotated[
        Format, typer.Option("--format", help="table, json ou csv.")
    ] = "table",
) -> None:
    """Afficher un scénario enregistré : ses changements et leur effet commune par commune."""
    with open_database(ctx) as engine, engine.connect() as conn:
        s = scenario_store.get_scenario(conn, scenario_id)
    assert s.outcome is not None  # get_scenario reads it  # noqa: S101
    if output_format == "json":
        print_json(_scenario_json(s))
        return
    changes = "; ".join(
        ":".join(str(v) for v in change_to_dict(c).values() if v is not None) for c in s.changes
    )
    header = [
        f"Scénario n° {s.id} « {s.name} » — {s.territory}, APL {s.year}, {s.provider}, "
        f"offre {s.supply}.",
        f"Changements : {changes}.",
    ]
    _print_outcome(s.outcome, output_format, header)


@app.command("compare")
def compare(
    ctx: typer.Context,
    first_id: Annotated[int, typer.Argument(help="Premier scénario.")],
    second_id: Annotated[int, typer.Argument(help="Second scénario.")],
    output_format: Annotated[
        Format, typer.Option("--format", help="table, json ou csv.")
    ] = "table",
) -> None:
    """Comparer deux scénarios d'un même territoire, commune par commune."""
    with open_database(ctx) as engine, engine.connect() as conn:
        first = scenario_store.get_scenario(conn, first_id)
        second = scenario_store.get_scenario(conn, second_id)
    if first.territory != second.territory:
        msg = (
            f"Scenario {first_id} is on {first.territory} and {second_id} on "
            f"{second.territory}; expected two scenarios of the same territory."
        )
        raise UserError(msg)
    assert first.outcome is not None and second.outcome is not None  # noqa: PT018, S101
    rows = compare_outcomes(first.outcome, second.outcome)
    if output_format == "csv":
        print_document(comparison_csv(rows))
        return
    if output_format == "json":
        print_json(
            {
                "first": _scenario_json(first),
                "second": _scenario_json(second),
                "communes": comparison_rows(rows),
            }
        )
        return
    differences = scenario_store.base_differences(first, second)
    if differences:
        print_line(f"Attention, calculés différemment : {', '.join(differences)}.")
    for s in (first, second):
        print_line(
            f"n° {s.id} « {s.name} » : sous-denses {s.summary.under_dense_before} → "
            f"{s.summary.under_dense_after}, APL moyenne → "
            f"{decimal(s.summary.mean_apl_after or 0)}"
        )
    differ = [
        r
        for r in rows
        if r.first and r.second and abs(r.first.apl_after - r.second.apl_after) > 1e-9
    ]
    print_table(
        "Communes où les deux scénarios diffèrent",
        (
            "Code",
            "Commune",
            f"APL n° {first_id}",
            f"APL n° {second_id}",
            f"Classe n° {first_id}",
            f"Classe n° {second_id}",
        ),
        [
            (
                r.code,
                r.name,
                decimal(r.first.apl_after),
                decimal(r.second.apl_after),
                _SHORT_CLASS[r.first.class_after],
                _SHORT_CLASS[r.second.class_after],
            )
            for r in differ
            if r.first and r.second
        ],
        wrap=("Commune",),
    )

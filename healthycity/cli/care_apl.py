"""``healthycity care apl`` and ``healthycity care scenario``: the APL engine from the shell."""

import dataclasses
import json
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from healthycity.care_access import apl_service
from healthycity.care_access.apl_export import (
    aggregates_csv,
    apl_csv,
    apl_feature_collection,
    setup_metadata,
)
from healthycity.care_access.apl_model import (
    CLASS_LABELS_FR,
    AplResult,
    AplSetup,
    count_classes,
)
from healthycity.care_access.providers import make_provider
from healthycity.care_access.travel_matrix import MatrixProvider
from healthycity.cli._context import open_database
from healthycity.cli.output import (
    format_count,
    print_document,
    print_note,
    print_table,
    print_warnings,
    progress_bars,
)
from healthycity.errors import UserError
from healthycity.territory.store import get_children, get_geometries, get_territory

ProviderName = Literal["straight-line", "road", "matrix"]
Supply = Literal["counts", "activity"]
Level = Literal["commune", "epci", "departement", "bassin_de_vie"]
Format = Literal["csv", "geojson", "json", "table"]


TerritoryOption = Annotated[
    str, typer.Option("--territory", help="Territoire level/code, ex. departement/58.")
]
YearOption = Annotated[
    int, typer.Option(help="Millésime de l'APL (paramètres DREES 2022 ou 2023).")
]
SupplyOption = Annotated[
    Supply,
    typer.Option(
        help="counts : médecins BPE × activité standard ; activity : médecins du registre "
        "avec leur activité, plafonnée comme la DREES."
    ),
]
ProviderOption = Annotated[
    ProviderName,
    typer.Option(
        help="Temps de trajet : straight-line (vol d'oiseau), road (--osm) ou matrix (--matrix)."
    ),
]
OsmOption = Annotated[
    Path | None, typer.Option("--osm", help="Extrait OpenStreetMap (.osm.pbf, .osm) pour road.")
]
MatrixOption = Annotated[
    Path | None,
    typer.Option("--matrix", help="CSV origin,destination,minutes (codes INSEE) pour matrix."),
]


def provider_from_options(
    name: ProviderName, osm: Path | None, matrix: Path | None
) -> apl_service.Provider:
    """The travel-time provider chosen on the command line, built from its file."""
    if osm is not None and name != "road":
        msg = f"--osm is read by --provider road only; got --provider {name}."
        raise UserError(msg)
    if matrix is not None and name != "matrix":
        msg = f"--matrix is read by --provider matrix only; got --provider {name}."
        raise UserError(msg)
    if name == "matrix":
        if matrix is None:
            msg = "--provider matrix needs --matrix FILE (CSV origin,destination,minutes)."
            raise UserError(msg)
        return MatrixProvider.from_csv(matrix)
    return make_provider(name, osm)


def decimal(value: float, *, sign: bool = False) -> str:
    """A number with 2 decimals and a decimal comma, as French typography writes it.

    >>> decimal(2.456), decimal(0.5, sign=True)
    ('2,46', '+0,50')
    """
    return f"{value:{'+' if sign else ''}.2f}".replace(".", ",")


def setup_lines(setup: AplSetup) -> list[str]:
    """Where an APL's figures come from, in French, one line per input."""
    if setup.supply == "counts":
        offer = (
            f"médecins généralistes de la BPE {setup.bpe_year} × "
            f"{format_count(round(setup.activity_per_gp or 0))} consultations chacun"
        )
    else:
        offer = (
            f"{format_count(setup.practitioners)} médecins du registre, activité plafonnée "
            f"(dont {setup.practitioners_imputed} sans activité connue)"
        )
    ages = "estimée depuis le département" if setup.age_structure_is_estimated else "communale"
    return [
        f"Offre : {offer}.",
        f"Temps de trajet : {setup.provider} (jusqu'à {setup.cutoff_min:g} min) ; communes "
        f"voisines : départements {', '.join(setup.buffer_departements) or 'aucun'}.",
        f"Demande : population standardisée par âge (poids DREES {setup.year}), structure par "
        f"âge {setup.age_structure_year} {ages}.",
    ]


_CLASS_COUNTED = {
    "under_dense": "sous-denses",
    "vigilance": "en vigilance",
    "adequate": "correctes",
}


def _apl_summary(result: AplResult) -> None:
    setup = result.setup
    classes = ", ".join(
        f"{c.communes} {_CLASS_COUNTED[c.apl_class]} ({format_count(round(c.population))} hab.)"
        for c in count_classes(result.communes)
    )
    seconds = f"{result.computation_ms / 1000:.2f}".replace(".", ",")
    print_note(
        f"APL {setup.year} de {setup.territory_name} ({setup.territory}) : "
        f"{len(result.communes)} communes — {classes}. Calcul : {seconds} s."
    )
    for line in setup_lines(setup):
        print_note(line)
    print_warnings(list(setup.warnings))


def _write(text: str, output: Path | None) -> None:
    if output is None:
        print_document(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        msg = f"Cannot write --output {output} ({exc.strerror}); expected a writable file path."
        raise UserError(msg) from exc
    print_note(f"Écrit : {output}")


def _commune_geometries(ctx_engine: Any, result: AplResult) -> dict[str, Any]:
    level, _, code = result.setup.territory.partition("/")
    with ctx_engine.connect() as conn:
        communes = (
            [get_territory(conn, level, code)]
            if level == "commune"
            else get_children(conn, level, code, child_level="commune")
        )
        return {ref.split("/")[1]: g for ref, g in get_geometries(conn, communes).items()}


def apl(
    ctx: typer.Context,
    territory: TerritoryOption,
    year: YearOption = 2023,
    output_format: Annotated[
        Format, typer.Option("--format", help="csv, geojson, json ou table.")
    ] = "csv",
    level: Annotated[Level, typer.Option(help="Résultats par commune, ou agrégés.")] = "commune",
    bassins: Annotated[
        Path | None,
        typer.Option(
            help="CSV commune → bassin de vie (INSEE CODGEO, BV2022) pour "
            "--level bassin_de_vie ; aucun n'est fourni avec healthycity."
        ),
    ] = None,
    supply: SupplyOption = "counts",
    provider: ProviderOption = "straight-line",
    osm: OsmOption = None,
    matrix: MatrixOption = None,
    output: Annotated[
        Path | None, typer.Option(help="Fichier de sortie (défaut : stdout).")
    ] = None,
) -> None:
    """Calculer l'APL aux médecins généralistes (méthode DREES) des communes d'un territoire.

    Les communes des départements voisins entrent dans les bassins de recours. Le résumé,
    les sources et les avertissements vont sur stderr ; le tableau ou le GeoJSON sur stdout
    (ou --output).
    """
    if level != "commune" and output_format == "geojson":
        msg = f"--format geojson gives communes; for --level {level} use csv, json or table."
        raise UserError(msg)
    with ExitStack() as stack:
        progress = stack.enter_context(progress_bars())
        travel = provider_from_options(provider, osm, matrix)
        engine = stack.enter_context(open_database(ctx))
        with engine.connect() as conn:
            result = apl_service.compute_territory_apl(
                conn,
                territory=territory,
                year=year,
                provider=travel,
                supply=supply,
                progress=progress,
            )
            table = None
            if level != "commune":
                mapping = apl_service.read_bassins_csv(bassins) if bassins else None
                table = apl_service.aggregate_apl(conn, result, level, bassins=mapping)
        geometries = _commune_geometries(engine, result) if output_format == "geojson" else {}
    _apl_summary(result)
    if table is not None:
        if table.unmapped:
            print_warnings([f"{len(table.unmapped)} communes have no {level}; left out."])
        _print_aggregates(table, output_format, output)
        return
    if output_format == "geojson":
        _write(json.dumps(apl_feature_collection(result, geometries), ensure_ascii=False), output)
    elif output_format == "json":
        data = {
            "setup": setup_metadata(result.setup),
            "communes": [dataclasses.asdict(c) for c in result.communes],
        }
        _write(json.dumps(data, ensure_ascii=False, indent=2), output)
    elif output_format == "table":
        print_table(
            f"APL {year} — {result.setup.territory_name}",
            ("Code", "Commune", "Population", "Médecins", "APL", "Classe"),
            [
                (
                    c.code,
                    c.name,
                    format_count(round(c.population)),
                    c.gp_count,
                    decimal(c.apl),
                    CLASS_LABELS_FR[c.apl_class],
                )
                for c in result.communes
            ],
            wrap=("Commune",),
        )
    else:
        _write(apl_csv(result), output)


def _print_aggregates(
    table: apl_service.AggregateTable, output_format: Format, output: Path | None
) -> None:
    if output_format == "table":
        print_table(
            f"APL par {table.level}",
            ("Code", "Nom", "APL", "Communes", "Sous-denses", "Partiel"),
            [
                (
                    r.code,
                    r.name,
                    "—" if r.apl is None else decimal(r.apl),
                    r.communes,
                    r.communes_under_dense,
                    "oui" if r.is_partial else "non",
                )
                for r in table.rows
            ],
            wrap=("Nom",),
        )
    elif output_format == "json":
        _write(
            json.dumps([dataclasses.asdict(r) for r in table.rows], ensure_ascii=False, indent=2),
            output,
        )
    else:
        _write(aggregates_csv(table), output)

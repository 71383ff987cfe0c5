"""``healthycity territory``: import a territory from user files, show one, search by name."""

from pathlib import Path
from typing import Annotated

import typer

from healthycity.cli._context import open_database
from healthycity.cli.output import (
    print_json,
    print_line,
    print_report,
    print_territory,
    print_territory_counts,
    print_territory_table,
    print_warnings,
    progress_bars,
)
from healthycity.errors import UserError
from healthycity.territory.cog import CogFiles
from healthycity.territory.importer import import_age_estimates, import_boundaries, import_cog
from healthycity.territory.models import ImportReport, Level
from healthycity.territory.names import normalise_name
from healthycity.territory.store import (
    CHILD_LEVELS,
    check_level,
    count_territories,
    get_ancestors,
    get_children,
    get_territory,
    search_territories,
)

app = typer.Typer(
    help="Territoires : importer des fichiers officiels, afficher, chercher.",
    no_args_is_help=True,
)

LEVEL_HELP = "Niveau : region, departement, epci ou commune (accents et majuscules acceptés)."


def _level(value: str) -> Level:
    # "Département" and "EPCI" are how people write them; the store wants "departement", "epci".
    return check_level(normalise_name(value))


@app.command("import")
def import_files(
    ctx: typer.Context,
    cog_dir: Annotated[
        Path | None,
        typer.Option(
            metavar="DOSSIER",
            help="Dossier du Code officiel géographique, organisé comme data/territory : "
            "regions_<année>.csv, departements_<année>.csv, epci_france_<année>.csv, "
            "communes_france_cog<année>.csv.",
        ),
    ] = None,
    year: Annotated[
        int, typer.Option(metavar="ANNEE", help="Millésime du COG (suffixe des noms de fichiers).")
    ] = (2026),
    boundaries: Annotated[
        list[Path] | None,
        typer.Option(
            metavar="FICHIER",
            help="Fichier GeoJSON de contours (propriété 'code' : code officiel) ; "
            "répéter l'option pour plusieurs fichiers.",
        ),
    ] = None,
    boundaries_level: Annotated[
        str,
        typer.Option(
            metavar="NIVEAU", help="Niveau des contours : commune, departement ou region."
        ),
    ] = "commune",
    ages: Annotated[
        Path | None,
        typer.Option(
            metavar="FICHIER",
            help="Estimations INSEE de population par département, sexe et âge quinquennal "
            "(CSV long, comme data/territory/insee_estim_pop_*.csv).",
        ),
    ] = None,
) -> None:
    """Importer un territoire français depuis vos fichiers (COG, contours, âges).

    Tout se fait en une transaction : un fichier erroné ne change rien à la base.
    L'erreur nomme le fichier, la ligne ou l'objet, le champ, la valeur et l'attendu.
    Les contours d'anciennes communes sont réunis dans leur commune actuelle.
    """
    level = _level(boundaries_level)
    if cog_dir is None and not boundaries and ages is None:
        msg = "Nothing to import; expected at least one of --cog-dir, --boundaries, --ages."
        raise UserError(msg)
    reports: list[ImportReport] = []
    with open_database(ctx) as engine, engine.begin() as conn:
        with progress_bars() as progress:
            if cog_dir is not None:
                files = CogFiles.in_folder(cog_dir, year=year)
                reports.append(import_cog(conn, files, progress=progress))
            if boundaries:
                reports.append(import_boundaries(conn, boundaries, level=level, progress=progress))
            if ages is not None:
                reports.append(import_age_estimates(conn, ages))
        counts = count_territories(conn)
    for report in reports:
        print_report(report)
    print_territory_counts("La base compte", counts)
    print_warnings([w for report in reports for w in report.warnings])


@app.command()
def show(
    ctx: typer.Context,
    level: Annotated[str, typer.Argument(metavar="NIVEAU", help=LEVEL_HELP, show_default=False)],
    code: Annotated[
        str,
        typer.Argument(
            metavar="CODE",
            help="Code officiel : INSEE (58, 58194, région 27) ou SIREN pour un EPCI.",
            show_default=False,
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Écrire du JSON (pour les scripts).")
    ] = False,
) -> None:
    """Afficher un territoire : nom, population, territoires parents et nombre d'enfants."""
    level = _level(level)
    with open_database(ctx) as engine, engine.connect() as conn:
        territory = get_territory(conn, level, code)
        parents = get_ancestors(conn, territory.level, code)
        children = {
            child: len(get_children(conn, territory.level, code, child_level=child))
            for child in CHILD_LEVELS[territory.level]
        }
    if not as_json:
        print_territory(territory, parents, children)
        return
    print_json(
        {
            "level": territory.level,
            "code": territory.code,
            "name": territory.name,
            "population": territory.population,
            "kind": territory.kind,
            "area_km2": territory.area_km2,
            "has_geometry": territory.has_geometry,
            "parents": [{"level": p.level, "code": p.code, "name": p.name} for p in parents],
            "children": children,
        }
    )


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[
        list[str],
        typer.Argument(
            metavar="TEXTE...",
            help="Nom ou partie du nom, sans souci des accents ni des tirets (« chateau chinon »).",
            show_default=False,
        ),
    ],
    level: Annotated[str | None, typer.Option(metavar="NIVEAU", help=LEVEL_HELP)] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=1000, metavar="N", help="Nombre maximal de résultats.")
    ] = 20,
) -> None:
    """Chercher des territoires par leur nom (les noms exacts d'abord, puis par population)."""
    text = " ".join(query)
    with open_database(ctx) as engine, engine.connect() as conn:
        found = search_territories(conn, text, level=_level(level) if level else None, limit=limit)
    if not found:
        print_line(f"Aucun territoire ne correspond à « {text} ».")
        return
    print_territory_table(f"Territoires correspondant à « {text} »", found)

"""``healthycity care``: import the care offer (INSEE BPE counts, FINESS hospitals)."""

from pathlib import Path
from typing import Annotated

import typer

from healthycity.care_access.importer import CareImportReport, import_bpe, import_finess_hospitals
from healthycity.cli import care_apl, care_scenarios
from healthycity.cli._context import open_database
from healthycity.cli.output import format_count, print_line, print_warnings, progress_bars
from healthycity.errors import UserError

app = typer.Typer(
    help="Offre de soins : importer les équipements de santé (BPE) et les hôpitaux (FINESS).",
    no_args_is_help=True,
)
app.command("apl")(care_apl.apl)
app.add_typer(care_scenarios.app, name="scenario")


def _summary(report: CareImportReport) -> str:
    rows = report.rows
    if "facilities" in rows:
        return (
            f"{report.source} : {format_count(rows['facilities'])} établissements, dont "
            f"{format_count(rows['untrusted_locations'])} aux coordonnées écartées (hors de "
            f"leur département) et {format_count(rows['unresolved_communes'])} sans commune "
            "reconnue."
        )
    return (
        f"{report.source} : {format_count(rows['counts'])} comptages non nuls dans "
        f"{format_count(rows['communes'])} communes ; "
        f"{format_count(rows['unmapped_communes'])} codes de commune non rattachés au COG."
    )


@app.command("import")
def import_files(
    ctx: typer.Context,
    bpe: Annotated[
        list[Path] | None,
        typer.Option(
            help="Fichier BPE de l'INSEE par commune, long (typequ, nb_equip) ou large "
            "(nb_<quoi>_<TYPEQU>), comme data/care/bpe_*.csv ; répéter l'option pour plusieurs "
            "fichiers.",
        ),
    ] = None,
    hospitals: Annotated[
        Path | None,
        typer.Option(
            help="Fichier des hôpitaux FINESS (Eurostat GISCO), comme "
            "data/care/hospitals_fr_eurostat_gisco_finess_2020.csv.",
        ),
    ] = None,
    year: Annotated[
        list[int] | None,
        typer.Option(help="Millésime BPE à importer (tous par défaut) ; répétable."),
    ] = None,
    departement: Annotated[
        list[str] | None,
        typer.Option(help="N'importer que les hôpitaux de ce département (58…) ; répétable."),
    ] = None,
) -> None:
    """Importer l'offre de soins depuis vos fichiers (BPE, FINESS).

    Tout se fait en une transaction : un fichier erroné ne change rien à la base, et le
    message nomme le fichier, la ligne, le champ, la valeur et ce qui était attendu. Les
    hôpitaux géocodés loin de leur département sont signalés et placés au point de leur
    commune ; les codes de commune BPE qui ne sont plus des communes sont rattachés à leur
    commune actuelle, ou signalés.
    """
    if not bpe and hospitals is None:
        msg = "Nothing to import; expected at least one of --bpe, --hospitals."
        raise UserError(msg)
    reports: list[CareImportReport] = []
    with open_database(ctx) as engine, engine.begin() as conn, progress_bars() as progress:
        if bpe:
            reports.append(import_bpe(conn, bpe, years=year or None, progress=progress))
        if hospitals is not None:
            reports.append(
                import_finess_hospitals(
                    conn, hospitals, departements=departement or None, progress=progress
                )
            )
    for report in reports:
        print_line(_summary(report))
    print_warnings([w for report in reports for w in report.warnings])

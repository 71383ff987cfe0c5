"""``healthycity environment import-pollen-index``: relay the Atmo France pollen index."""

from pathlib import Path
from typing import Annotated, Literal

import typer

from healthycity.cli._context import input_file, open_database
from healthycity.cli.output import format_count, print_line, print_note, progress_bars
from healthycity.environment.published_pollen import ATMO_POLLEN_SOURCE, FeedFormat, parse_feed
from healthycity.environment.published_pollen_store import import_published_pollen
from healthycity.errors import UserError

app = typer.Typer()


def _format_of(path: Path, chosen: Literal["auto", "geojson", "csv"]) -> FeedFormat:
    if chosen != "auto":
        return chosen
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix == ".csv":
        return "csv"
    msg = f"File {path.name!r}: unknown format; expected .geojson, .json or .csv, or --format."
    raise UserError(msg)


@app.command("import-pollen-index")
def import_pollen_index(
    ctx: typer.Context,
    path: Annotated[Path, input_file("Fichier Atmo Data « indice pollen » (GeoJSON ou CSV).")],
    file_format: Annotated[
        Literal["auto", "geojson", "csv"],
        typer.Option("--format", help="Format du fichier (défaut : d'après son extension)."),
    ] = "auto",
) -> None:
    """Importer l'indice pollen publié par Atmo France (Atmo Data), par commune et par jour.

    Les niveaux publiés (global et par taxon : ambroisie, armoise, aulne, bouleau, graminées,
    olivier) sont relayés tels quels par l'API et les pages, avec leur source (licence ODbL).
    Tout ou rien : une erreur nomme l'entité ou la ligne, le champ, la valeur et l'attendu,
    et rien n'est écrit. Réimporter une commune et un jour remplace la ligne précédente.
    """
    feed_format = _format_of(path, file_format)
    print_note(f"Lecture de {path.name} ({feed_format})…")
    feed = parse_feed(path.read_bytes(), feed_format, source=path.name)
    with open_database(ctx) as engine, engine.begin() as conn, progress_bars() as progress:
        done = import_published_pollen(conn, feed, imported_from=path.name, progress=progress)
    days = ", ".join(day.isoformat() for day in done.days)
    print_line(
        f"Indice pollen importé : {format_count(done.rows)} communes-jours "
        f"({format_count(done.communes)} communes ; jours {days}), "
        f"dont {format_count(done.replaced)} remplacés."
    )
    print_line(f"Source : {ATMO_POLLEN_SOURCE}.")

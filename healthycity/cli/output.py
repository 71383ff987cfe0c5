"""Everything the command line shows: progress bars, tables, JSON, summaries and errors.

This is the only module of healthycity that prints. Results go to stdout, so that they can
be piped; progress bars, warnings and errors go to stderr.
"""

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from healthycity.auth.models import TokenSummary
from healthycity.errors import UserError
from healthycity.territory.models import LEVELS, ImportReport, Level, Territory

# French labels of the territory levels, singular and plural.
LEVEL_LABELS: dict[str, tuple[str, str]] = {
    "region": ("région", "régions"),
    "departement": ("département", "départements"),
    "epci": ("EPCI", "EPCI"),
    "commune": ("commune", "communes"),
}


def _stdout() -> Console:
    # Built per call: the console must write to the sys.stdout of the moment (CliRunner
    # swaps it), and results are printed as they are, without rich's syntax highlighting.
    return Console(highlight=False, soft_wrap=True)


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


class ProgressBars:
    """The importers' ``progress(step, done, total)`` callback, drawn as rich progress bars.

    A new bar starts whenever the step changes, or when its count goes back down (the same
    step run again on the next file), so successive imports each get their own bar.
    """

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._step: str | None = None
        self._done = 0
        self._task: TaskID | None = None

    def __call__(self, step: str, done: int, total: int) -> None:
        """Move the bar of ``step`` to ``done`` out of ``total``."""
        if self._task is None or step != self._step or done < self._done:
            self._task = self._progress.add_task(step, total=total)
            self._step = step
        self._done = done
        self._progress.update(self._task, completed=done, total=total)


@contextmanager
def progress_bars() -> Iterator[ProgressBars]:
    """Show progress bars on stderr while the block runs."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_stderr(),
    )
    with progress:
        yield ProgressBars(progress)


def format_count(n: int) -> str:
    """Group thousands with a space, as French typography does.

    >>> format_count(34969)
    '34 969'
    """
    return f"{n:,}".replace(",", " ")


def plural(n: int, level: str) -> str:
    """``n`` territories of ``level``, in French.

    >>> plural(1, "region"), plural(101, "departement")
    ('1 région', '101 départements')
    """
    singular, several = LEVEL_LABELS.get(level, (level, level))
    return f"{format_count(n)} {singular if n == 1 else several}"


def print_line(text: str) -> None:
    """One line of result on stdout, printed as is (no markup)."""
    _stdout().print(text, markup=False)


def print_warnings(warnings: Sequence[str]) -> None:
    """Warnings of an import, one per line on stderr."""
    console = _stderr()
    for warning in warnings:
        console.print(f"Avertissement : {warning}", markup=False)


def print_territory_counts(prefix: str, counts: Mapping[Level, tuple[int, int]]) -> None:
    """One summary line: territories per level, and how many have a polygon."""
    parts = [
        f"{plural(counts[level][0], level)} ({format_count(counts[level][1])} avec contour)"
        for level in LEVELS
        if level in counts
    ]
    print_line(f"{prefix} : {', '.join(parts) if parts else 'aucun territoire'}.")


# Labels of the other counts an import report gives.
REPORT_LABELS = {
    "merged_communes": "anciennes communes rattachées",
    "unions": "contours d'EPCI et de départements reconstitués",
    "age_bands": "effectifs par tranche d'âge",
}


def print_report(report: ImportReport) -> None:
    """What one import did, on one line: ``source : counts``."""
    parts = [
        plural(n, key)
        if key in LEVEL_LABELS
        else f"{format_count(n)} {REPORT_LABELS.get(key, key)}"
        for key, n in report.rows.items()
    ]
    print_line(f"{report.source} : {', '.join(parts) or 'rien'}.")


def _population(territory: Territory) -> str | None:
    return None if territory.population is None else format_count(territory.population)


def print_territory(
    territory: Territory, parents: Sequence[Territory], children: Mapping[Level, int]
) -> None:
    """A territory as a few labelled lines."""
    singular = LEVEL_LABELS[territory.level][0]
    lines = [
        f"{territory.name} ({singular} {territory.code})",
        f"Population : {_population(territory) or 'inconnue'}",
    ]
    if territory.area_km2 is not None:
        area = f"{territory.area_km2:,.1f}".replace(",", " ").replace(".", ",")
        lines.append(f"Superficie : {area} km²")
    lines.append(f"Contour : {'oui' if territory.has_geometry else 'non'}")
    if parents:
        names = ", ".join(f"{LEVEL_LABELS[p.level][0]} {p.code} {p.name}" for p in parents)
        lines.append(f"Parents : {names}")
    if children:
        lines.append(f"Enfants : {', '.join(plural(n, lv) for lv, n in children.items())}")
    for line in lines:
        print_line(line)


def print_territory_table(title: str, territories: Sequence[Territory]) -> None:
    """Territories as a table: level, code, name, population, polygon."""
    print_table(
        title,
        ("Niveau", "Code", "Nom", "Population", "Contour"),
        [
            (
                LEVEL_LABELS[x.level][0],
                x.code,
                x.name,
                _population(x),
                "oui" if x.has_geometry else "non",
            )
            for x in territories
        ],
        wrap=("Nom",),
    )


def _local_time(moment: datetime | None) -> str | None:
    # Stored in UTC; shown in the machine's local time.
    return None if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def print_token_table(found: Sequence[TokenSummary]) -> None:
    """API tokens as a table; there is no secret to show, only its first characters."""
    print_table(
        "Jetons d'API",
        ("N°", "Préfixe", "Rôle", "Périmètre", "Libellé", "Créé le", "Révoqué le"),
        [
            (
                x.id,
                f"{x.prefix}…",
                x.role,
                x.scope or "toute la plateforme",
                x.label,
                _local_time(x.created_at),
                _local_time(x.revoked_at),
            )
            for x in found
        ],
        wrap=("Périmètre", "Libellé", "Créé le", "Révoqué le"),
    )


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    wrap: Collection[str] = (),
) -> None:
    """A table on stdout; only the ``wrap`` columns may wrap; ``None`` cells show a dash."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, no_wrap=column not in wrap, overflow="fold")
    for row in rows:
        table.add_row(*("—" if cell is None else str(cell) for cell in row))
    _stdout().print(table)


def print_json(data: object) -> None:
    """``data`` as indented JSON on stdout, nothing else (for scripts)."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def print_document(text: str) -> None:
    """A whole document (CSV, GeoJSON) on stdout, as is, for pipes and redirections."""
    typer.echo(text, nl=not text.endswith("\n"))


def print_note(text: str) -> None:
    """A line of context on stderr (what a result was computed from), kept out of pipes."""
    _stderr().print(text, markup=False)


def print_error(error: UserError) -> None:
    """The one stderr line shown for a user error: ``Erreur : <message>``."""
    message = " ".join(str(error).split())  # one line, whatever the message holds
    typer.echo(f"Erreur : {message}", err=True)

"""Reading the CSV files users import: every fault names its file, line and field."""

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from healthycity.errors import RecordError


def read_csv_records(
    path: Path, required: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each record of a comma-separated UTF-8 file (a BOM tolerated) with the line it ends on.

    Parameters
    ----------
    path
        The file.
    required
        Columns the header must name: without this check a renamed column would silently
        skip or blank every row.

    Raises
    ------
    RecordError
        The file cannot be opened, lacks a required column, or is not UTF-8 CSV at some line.
    """
    source = str(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise RecordError(
            source=source,
            location="file",
            field="path",
            value=source,
            expected=f"a readable CSV file ({exc.strerror})",
        ) from exc
    with handle:
        reader = csv.DictReader(handle)
        try:
            columns = reader.fieldnames or []
            if any(c not in columns for c in required):
                raise RecordError(
                    source=source,
                    location="line 1 (header)",
                    field="columns",
                    value=columns,
                    expected=f"the columns {', '.join(required)}",
                )
            yield from ((reader.line_num, record) for record in reader)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise RecordError(
                source=source,
                location=f"line {max(reader.line_num, 1)}",
                field="content",
                value=type(exc).__name__,
                expected="UTF-8 CSV",
            ) from exc

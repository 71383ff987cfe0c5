"""Parse HTTP observation bodies (JSON or CSV) into the raw readings the pipeline takes.

A body that cannot be read as a whole (bad JSON or CSV syntax, wrong header, wrong shape)
raises ``RecordError`` naming the line, field, value and what was expected: nothing of it is
stored. A well-formed body whose items are wrong (unknown sensor, missing field, bad unit…)
goes to the pipeline, which stores the valid items and quarantines the others.
"""

import csv
import io
import json
from dataclasses import dataclass

import orjson

from healthycity.errors import RecordError

CSV_HEADER = ("sensor_id", "quantity", "observed_at", "value", "unit")
# What ``GET /observations?format=csv`` writes: the readings with their QC flags. Posted back
# (to move readings between instances), the flags are ignored: quality control runs again.
EXPORT_HEADER = (*CSV_HEADER, "flags", "flag_names")
JSON_SHAPE = 'a JSON array of observations, or {"observations": [...]}'
_SOURCE = "request body"


@dataclass(frozen=True)
class Payload:
    """Raw readings and, for CSV, the line of each (to name it in errors)."""

    readings: list[object]
    lines: list[int] | None = None


def _error(location: str, field: str, value: object, expected: str) -> RecordError:
    return RecordError(
        source=_SOURCE, location=location, field=field, value=value, expected=expected
    )


def _excerpt(text: str, position: int, width: int = 40) -> str:
    start = max(position - width // 2, 0)
    return text[start : start + width]


def _loads(text: str) -> object:
    """orjson, about three times faster; the standard library where it refuses the text.

    orjson refuses numbers that overflow a double (``1e999``) and ``NaN``, which ``json``
    reads as infinities and NaN for the pipeline to quarantine as ``not_finite``; ``json``
    also gives the error messages and positions of bodies that are not JSON at all. Where
    ``json`` fails without saying where (a nesting deeper than its recursion limit, an integer
    past its 4,300 digits), orjson's error is raised: it gives the reason and position.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as refused:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError):
            raise refused from None


def parse_json_body(body: bytes) -> Payload:
    """Readings from a JSON array, or from an object's ``observations`` array."""
    try:
        text = body.decode("utf-8-sig")
        document = _loads(text)
    except UnicodeDecodeError as exc:
        raise RecordError(source=_SOURCE, location=f"byte {exc.start}", field="body",
                          value=repr(body[exc.start : exc.start + 8]),
                          expected="UTF-8 text") from exc  # fmt: skip
    except json.JSONDecodeError as exc:
        raise RecordError(source=_SOURCE, location=f"line {exc.lineno}, column {exc.colno}",
                          field="body", value=_excerpt(exc.doc, exc.pos),
                          expected=f"valid JSON ({exc.msg}): {JSON_SHAPE}") from exc  # fmt: skip
    if isinstance(document, dict) and isinstance(document.get("observations"), list):
        document = document["observations"]
    if not isinstance(document, list):
        raise RecordError(source=_SOURCE, location="line 1", field="body",
                          value=_excerpt(text, 0), expected=JSON_SHAPE)  # fmt: skip
    return Payload(document)


def parse_csv_body(body: bytes) -> Payload:
    """Readings from CSV with the header :data:`CSV_HEADER` or :data:`EXPORT_HEADER`.

    ``unit`` may be empty (the sensor's registered unit).
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(source=_SOURCE, location=f"byte {exc.start}", field="body",
                          value=repr(body[exc.start : exc.start + 8]),
                          expected="UTF-8 text") from exc  # fmt: skip
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
        if tuple(header) not in (CSV_HEADER, EXPORT_HEADER):
            raise RecordError(source=_SOURCE, location="line 1", field="header",
                              value=",".join(header), expected=",".join(CSV_HEADER))  # fmt: skip
        readings: list[object] = []
        lines: list[int] = []
        for row in reader:
            if not row:
                continue  # blank line
            if len(row) != len(header):
                expected = f"{len(header)} fields: {','.join(header)}"
                line = f"line {reader.line_num}"
                raise _error(line, "row", ",".join(row)[:200], expected)
            sensor_id, quantity, observed_at, value, unit = row[: len(CSV_HEADER)]
            reading = {"sensor_id": sensor_id, "quantity": quantity, "observed_at": observed_at}
            readings.append(reading | {"value": value, "unit": unit or None})
            lines.append(reader.line_num)
    except csv.Error as exc:
        line = f"line {reader.line_num}"
        raise _error(line, "row", str(exc), "well-formed CSV (RFC 4180)") from exc
    return Payload(readings, lines)

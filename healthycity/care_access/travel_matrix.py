"""Travel times read from a commune-to-commune matrix CSV that the user brings (``matrix``).

DREES computes the APL on road times from the INSEE *distancier Metric*, which does not ship
with healthycity. A user who has it, or any other commune-to-commune matrix (an OSRM run, a
regional observatory's table), passes it as a CSV of ``origin, destination, minutes``:
INSEE codes and travel times in minutes. Unlike the point providers of
:mod:`~healthycity.care_access.providers`, this one is keyed by commune codes, so it follows
the :class:`CommuneTravelTimeProvider` protocol rather than ``TravelTimeProvider``.

A pair absent from the file is unreachable. A commune's trip to itself, when the file omits
it, takes 0 minutes: a distancier measures trips between communes, and a commune's own
practices are within its first band.
"""

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from healthycity.care_access.models import Catchment
from healthycity.care_access.offer import COMMUNE_CODE
from healthycity.care_access.travel_times import DEFAULT_CUTOFF_MIN
from healthycity.errors import RecordError, ValidationError

MATRIX_COLUMNS = ("origin", "destination", "minutes")
SELF_TRIP_MIN = 0.0  # a commune to itself, when the file leaves it out (module docstring)
# Longest travel time read as a time rather than a unit error: a day's drive. Accessibility
# cut-offs are 20–60 minutes, so anything longer is dropped anyway, but a value beyond this
# is more likely seconds or metres than minutes.
MAX_MINUTES = 24 * 60.0


@runtime_checkable
class CommuneTravelTimeProvider(Protocol):
    """Anything that gives the commune-to-commune pairs within a cut-off, by INSEE code."""

    @property
    def name(self) -> str:
        """Registry name of the provider."""
        ...

    def build_commune_catchment(
        self,
        origin_codes: Sequence[str],
        site_codes: Sequence[str],
        *,
        cutoff_min: float = DEFAULT_CUTOFF_MIN,
    ) -> Catchment:
        """Pairs of ``origin_codes`` × ``site_codes`` within ``cutoff_min`` (inclusive)."""
        ...


def _error(path: Path, line: int | str, field: str, value: object, expected: str) -> RecordError:
    location = f"line {line}" if isinstance(line, int) else line
    return RecordError(
        source=str(path), location=location, field=field, value=value, expected=expected
    )


def _parse_minutes(path: Path, line: int, text: str) -> float:
    try:
        minutes = float(text.replace(",", "."))  # French decimal comma
    except ValueError:
        minutes = math.nan
    if not (math.isfinite(minutes) and 0 <= minutes <= MAX_MINUTES):
        raise _error(path, line, "minutes", text, f"a travel time from 0 to {MAX_MINUTES:g}")
    return minutes


def _header(path: Path, header: list[str] | None) -> list[int]:
    names = [h.strip().lower() for h in header or []]
    missing = [c for c in MATRIX_COLUMNS if c not in names]
    if missing:
        expected = f"the columns {', '.join(MATRIX_COLUMNS)}"
        raise _error(path, "line 1 (header)", "columns", header, expected)
    return [names.index(c) for c in MATRIX_COLUMNS]


def read_travel_matrix(path: Path) -> dict[tuple[str, str], float]:
    """Read a matrix CSV (comma or semicolon separated) into ``{(origin, destination): min}``.

    Raises
    ------
    RecordError
        The file cannot be read, a column is missing, a code is not an INSEE commune code, a
        time is not a number of minutes, or a pair is given twice; names the line.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(path, "file", "path", str(path), f"a readable UTF-8 CSV ({exc})") from exc
    first = text.split("\n", 1)[0]
    rows = csv.reader(text.splitlines(), delimiter=";" if ";" in first else ",")
    columns = _header(path, next(rows, None))
    pairs: dict[tuple[str, str], float] = {}
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) <= max(columns):
            raise _error(path, line, "columns", row, f"{len(MATRIX_COLUMNS)} values")
        origin, destination, minutes = (row[i].strip() for i in columns)
        for name, code in (("origin", origin), ("destination", destination)):
            if not COMMUNE_CODE.match(code):
                raise _error(path, line, name, code, "a 5-character INSEE commune code")
        if (origin, destination) in pairs:
            raise _error(path, line, "origin, destination", (origin, destination), "each pair once")
        pairs[(origin, destination)] = _parse_minutes(path, line, minutes)
    if not pairs:
        raise _error(path, "file", "rows", 0, "at least one origin, destination, minutes row")
    return pairs


@dataclass(frozen=True, eq=False)
class MatrixProvider:
    """Commune-to-commune travel times from a matrix the user brings (see module docstring)."""

    minutes: dict[tuple[str, str], float] = field(repr=False)
    source: str = "matrix"
    name: ClassVar[str] = "matrix"

    @classmethod
    def from_csv(cls, path: Path | str) -> "MatrixProvider":
        """Read ``path`` (:func:`read_travel_matrix`)."""
        path = Path(path)
        return cls(read_travel_matrix(path), source=str(path))

    def covered_codes(self) -> set[str]:
        """Every commune that appears in some pair of the matrix."""
        return {code for pair in self.minutes for code in pair}

    def build_commune_catchment(
        self,
        origin_codes: Sequence[str],
        site_codes: Sequence[str],
        *,
        cutoff_min: float = DEFAULT_CUTOFF_MIN,
    ) -> Catchment:
        """Pairs of the matrix between the codes given, within ``cutoff_min`` (inclusive).

        >>> m = MatrixProvider({("58001", "58002"): 12.0, ("58002", "58001"): 40.0})
        >>> c = m.build_commune_catchment(["58001", "58002"], ["58001", "58002"])
        >>> c.origin.tolist(), c.site.tolist(), c.travel_time_min.tolist()
        ([0, 0, 1], [0, 1, 1], [0.0, 12.0, 0.0])
        """
        if not (math.isfinite(cutoff_min) and cutoff_min >= 0):
            msg = f"cutoff_min={cutoff_min}; expected a finite number of minutes ≥ 0."
            raise ValidationError(msg)
        origin_index = {code: i for i, code in enumerate(origin_codes)}
        site_index = {code: j for j, code in enumerate(site_codes)}
        # walk the matrix once: millions of pairs, but far fewer than origins × sites
        found = {
            (origin_index[a], site_index[b]): minutes
            for (a, b), minutes in self.minutes.items()
            if minutes <= cutoff_min and a in origin_index and b in site_index
        }
        for code, i in origin_index.items():
            j = site_index.get(code)
            if j is not None and (code, code) not in self.minutes:  # cutoff_min ≥ 0 = SELF_TRIP_MIN
                found[(i, j)] = SELF_TRIP_MIN
        keys = sorted(found)
        return Catchment(
            origin=np.asarray([k[0] for k in keys], dtype=np.intp),
            site=np.asarray([k[1] for k in keys], dtype=np.intp),
            travel_time_min=np.asarray([found[k] for k in keys], dtype=np.float64),
            n_origins=len(origin_codes),
            n_sites=len(site_codes),
        )

"""Heat waves by the method of Météo-France and Santé publique France (alerte canicule).

For each département, Météo-France compares the 3-day means of daily minimum and maximum
temperatures, the *indicateurs biométéorologiques* IBMn and IBMx, with two thresholds set per
département. A heat wave ("canicule", vigilance orange) is a period of at least three days for
which both means "atteignent ou dépassent les seuils départementaux" (Santé publique France
definition): the comparisons are inclusive (>=).

- IBMn(J) = mean of Tn over J-2, J-1, J; IBMx(J) likewise with Tx. Météo-France applies the
  same 3-day mean to forecasts (J, J+1, J+2): pass the forecast days in the series and read the
  value at the last one.
- The thresholds per département are a configurable table with the source of every row,
  ``data/heat_thresholds_departements.csv``; ``data/README.md`` says what could and could not
  be sourced. The Nièvre (58) and four of its neighbours (21, 45, 71, 89) come from a
  secondary source only (a public third-party table attributed to Météo-France, flagged as
  ``github_climate_vs_meteo`` in the ``source`` column), no official text having been found.
- A missing day (NaN) makes every 3-day window that contains it unknown: no mean is computed
  from two days.
"""

import csv
import io
import math
from dataclasses import dataclass
from enum import IntEnum
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

from healthycity.errors import NotFoundError, ValidationError

WINDOW_DAYS = 3  # SACS: moyennes sur trois jours glissants
DEFAULT_TABLE_FILE = "heat_thresholds_departements.csv"


@dataclass(frozen=True)
class HeatThreshold:
    """The IBMn and IBMx thresholds of one département, with where they were read."""

    departement: str
    ibmn_c: float
    ibmx_c: float
    source: str
    source_date: str | None


class HeatStatus(IntEnum):
    """Heat-wave status of a day."""

    INDISPONIBLE = 0
    PAS_DE_CANICULE = 1
    CANICULE = 2


HEAT_LABELS: dict[HeatStatus, tuple[str, str]] = {
    HeatStatus.INDISPONIBLE: ("Indisponible", "Unavailable"),
    HeatStatus.PAS_DE_CANICULE: ("Pas de canicule", "No heat wave"),
    HeatStatus.CANICULE: ("Canicule", "Heat wave"),
}


def load_heat_thresholds(path: Path | None = None) -> dict[str, HeatThreshold]:
    """Read a thresholds table (CSV); by default the one shipped with healthycity.

    Raises
    ------
    ValidationError
        For a row without a département, a source, or with thresholds that are not numbers.
    """
    if path is None:
        data_dir = resources.files(__package__).joinpath("data")
        text = data_dir.joinpath(DEFAULT_TABLE_FILE).read_text(encoding="utf-8")
    elif not path.is_file():
        msg = f"Heat thresholds file {path} does not exist; expected a CSV table (README)."
        raise ValidationError(msg)
    else:
        text = path.read_text(encoding="utf-8")
    table: dict[str, HeatThreshold] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        threshold = _parse_row(row, f"{path or DEFAULT_TABLE_FILE}, line {line}")
        table[threshold.departement] = threshold
    return table


def _parse_row(row: dict[str, str], where: str) -> HeatThreshold:
    departement = (row.get("departement") or "").strip()
    source = (row.get("source") or "").strip()
    if not departement or not source:
        msg = f"{where}: {row!r}; expected a département code and a source."
        raise ValidationError(msg)
    try:
        ibmn, ibmx = float(row["ibmn_c"]), float(row["ibmx_c"])
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"{where}: thresholds {row.get('ibmn_c')!r}, {row.get('ibmx_c')!r}; expected °C."
        raise ValidationError(msg) from exc
    if not ibmn < ibmx:
        msg = f"{where}: IBMn {ibmn} °C >= IBMx {ibmx} °C; expected IBMn < IBMx."
        raise ValidationError(msg)
    date = (row.get("source_date") or "").strip() or None
    return HeatThreshold(departement, ibmn, ibmx, source, date)


def threshold_for(departement: str, table: dict[str, HeatThreshold]) -> HeatThreshold:
    """The thresholds of a département, or NotFoundError naming those that are known."""
    try:
        return table[departement]
    except KeyError:
        known = ", ".join(sorted(table))
        msg = (
            f"No heat-wave thresholds for département {departement!r}; "
            f"sourced thresholds exist for {known}."
        )
        raise NotFoundError(msg) from None


def three_day_means(daily_c: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Mean of each day and the two before it; NaN for the first two days and around gaps.

    >>> three_day_means(np.array([18.0, 20.0, 22.0, np.nan, 25.0])).tolist()
    [nan, nan, 20.0, nan, nan]
    """
    means = np.full(daily_c.shape, np.nan)
    if daily_c.size >= WINDOW_DAYS:
        windows = np.lib.stride_tricks.sliding_window_view(daily_c, WINDOW_DAYS)
        means[WINDOW_DAYS - 1 :] = windows.mean(axis=1)  # NaN propagates: no 2-day means
    return means


@dataclass(frozen=True)
class HeatAssessment:
    """IBMn, IBMx, whether each 3-day window meets both thresholds, and the status per day."""

    ibmn_c: npt.NDArray[np.float64]
    ibmx_c: npt.NDArray[np.float64]
    window_met: npt.NDArray[np.float64]  # 1.0 met, 0.0 not met, NaN unknown; at the last day
    status: npt.NDArray[np.int8]  # HeatStatus per day
    threshold: HeatThreshold


def assess_heat_wave(
    tmin_c: npt.NDArray[np.float64], tmax_c: npt.NDArray[np.float64], threshold: HeatThreshold
) -> HeatAssessment:
    """Heat-wave status of consecutive days from their daily minimum and maximum temperatures.

    Parameters
    ----------
    tmin_c, tmax_c
        Daily minimum and maximum temperatures of consecutive days (NaN when missing).
    threshold
        The département's IBMn and IBMx thresholds.

    Returns
    -------
    HeatAssessment
        A day is ``CANICULE`` when it belongs to a 3-day window whose two means reach or exceed
        the thresholds; ``PAS_DE_CANICULE`` when every window of the series containing it is
        known and below; ``INDISPONIBLE`` otherwise (a gap, or a series shorter than 3 days).

    >>> t = HeatThreshold("03", 18.0, 34.0, "test", None)
    >>> r = assess_heat_wave(np.array([17.0, 18, 19, 18, 12]), np.array([33.0, 35, 34, 33, 25]), t)
    >>> [HeatStatus(s).name for s in r.status]
    ['CANICULE', 'CANICULE', 'CANICULE', 'CANICULE', 'PAS_DE_CANICULE']
    """
    if tmin_c.shape != tmax_c.shape or tmin_c.ndim != 1:
        msg = f"Tn {tmin_c.shape} and Tx {tmax_c.shape}; expected two 1-D arrays of one length."
        raise ValidationError(msg)
    ibmn, ibmx = three_day_means(tmin_c), three_day_means(tmax_c)
    known = ~np.isnan(ibmn) & ~np.isnan(ibmx)
    met = known & (ibmn >= threshold.ibmn_c) & (ibmx >= threshold.ibmx_c)
    window_met = np.where(known, met.astype(np.float64), math.nan)
    status = np.full(tmin_c.shape, HeatStatus.INDISPONIBLE, dtype=np.int8)
    for day in range(tmin_c.size):
        ends = range(max(day, WINDOW_DAYS - 1), min(day + WINDOW_DAYS, tmin_c.size))
        if any(met[end] for end in ends):
            status[day] = HeatStatus.CANICULE
        elif len(ends) > 0 and all(known[end] for end in ends):
            status[day] = HeatStatus.PAS_DE_CANICULE
    return HeatAssessment(ibmn, ibmx, window_met, status, threshold)

"""Quality control of sensor series: range, spike, flat-line, stale-sensor and duplicate checks.

Each check is a pure function over numpy arrays that returns a ``QcFlag`` bit set per value
(``uint16``), so the flags can be stored next to the values and OR-ed together. A flag marks a
value as suspicious; it does not delete it. Values flagged ``OUT_OF_RANGE`` or
``DUPLICATE_CONFLICT`` must not feed the indices; the others are shown with their flag.

The thresholds (``QcThresholds``) are per quantity. No European or French text publishes
numeric spike or flat-line limits for hourly air-quality data (the EEA e-reporting data flows
carry a validity flag set by each network, not a rule), so the defaults below are healthycity's
choices, each explained next to its value, and can be replaced per deployment.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntFlag

import numpy as np
import numpy.typing as npt

from healthycity.environment.quantities import POLLEN_QUANTITIES, Quantity, spec_of
from healthycity.errors import ValidationError

FlagArray = npt.NDArray[np.uint16]


class QcFlag(IntFlag):
    """Quality-control bits stored with each value; ``0`` means every check passed."""

    OUT_OF_RANGE = 1  # outside the physical range of the quantity (quantities.py)
    SPIKE = 2  # an isolated jump away from both neighbours
    FLAT_LINE = 4  # part of a run of identical values: a stuck sensor
    STALE = 8  # first value after the sensor was silent longer than its stale limit
    DUPLICATE_CONFLICT = 16  # another value exists for the same sensor, quantity and time


@dataclass(frozen=True)
class QcThresholds:
    """Per-quantity limits of the spike, flat-line and stale checks (canonical units)."""

    spike: float | None  # None: no spike test (the quantity is spiky by nature)
    flat_line_count: int  # runs of at least this many identical values are flagged
    max_silence: timedelta  # longer without a reading and the sensor is stale
    flat_line_exempt_below: float = -math.inf  # runs at or below: a real floor (detection limit)
    flat_line_exempt_above: float = math.inf  # runs at or above: a real ceiling (saturation)


_HOUR = timedelta(hours=1)
# Reference analysers and most micro-sensors report hourly (the EEA up-to-date data flow E2a is
# hourly); three missed reports in a row are more than a transmission hiccup.
_HOURLY_SILENCE = 3 * _HOUR

# Spike limits: the spike statistic (below) discounts a steady ramp, so it only measures how far
# one value stands out from *both* neighbours. The limit of each pollutant is the combined width
# of the "poor" and "very poor" bands of the revised EAQI (ETC HE Report 2024/17, see
# indices/eaqi.py): PM2.5 50-140 -> 90, PM10 120-270 -> 150, NO2 60-150 -> 90, O3 120-180 -> 60,
# SO2 125-275 -> 150 µg/m³. A one-hour excursion across two whole bands that vanishes the next
# hour is rare in background air and typical of a low-cost sensor glitch. This is healthycity's
# choice, not a published rule. Fireworks or a nearby fire can produce a genuine one-hour
# spike: the flag marks it for review, it does not delete it.
# Flat-line: six identical hourly values (to the reported resolution) rarely happen in ambient
# air except at very low concentrations, where analysers sit at their detection limit; runs at
# or below the exemption floor (a few µg/m³, the order of the detection limits of EN 14211/EN
# 14212/EN 14625 analysers and of PM monitors at hourly resolution) are therefore not flagged.
DEFAULT_THRESHOLDS: dict[Quantity, QcThresholds] = {
    Quantity.PM25: QcThresholds(spike=90.0, flat_line_count=6, max_silence=_HOURLY_SILENCE,
                                flat_line_exempt_below=5.0),
    Quantity.PM10: QcThresholds(spike=150.0, flat_line_count=6, max_silence=_HOURLY_SILENCE,
                                flat_line_exempt_below=5.0),
    Quantity.NO2: QcThresholds(spike=90.0, flat_line_count=6, max_silence=_HOURLY_SILENCE,
                               flat_line_exempt_below=5.0),
    Quantity.O3: QcThresholds(spike=60.0, flat_line_count=6, max_silence=_HOURLY_SILENCE,
                              flat_line_exempt_below=5.0),
    # SO2 sits at its detection limit almost everywhere away from industry: larger floor.
    Quantity.SO2: QcThresholds(spike=150.0, flat_line_count=6, max_silence=_HOURLY_SILENCE,
                               flat_line_exempt_below=10.0),
    # CO has no EAQI band; 5 mg/m³ is half its EU limit value (10 mg/m³, 8-hour mean).
    Quantity.CO: QcThresholds(spike=5.0, flat_line_count=6, max_silence=_HOURLY_SILENCE,
                              flat_line_exempt_below=0.3),
    # WMO AWS quality-control guidelines (Zahumenský 2004, WMO/CIMO, reproduced in WMO-No. 8)
    # allow a 3 °C step between consecutive 1-minute temperatures and 10 % for humidity, and
    # require at least 0.1 °C / 1 % of variation within 60 minutes. Hourly values legitimately
    # move more (fronts, sunrise), so healthycity uses 5 °C and 25 % for the spike statistic
    # and six identical hourly values for the flat line.
    Quantity.TEMPERATURE: QcThresholds(spike=5.0, flat_line_count=6,
                                       max_silence=_HOURLY_SILENCE),
    # In fog the air is saturated for hours and hygrometers read 98-100 %: a real plateau.
    Quantity.RELATIVE_HUMIDITY: QcThresholds(spike=25.0, flat_line_count=6,
                                             max_silence=_HOURLY_SILENCE,
                                             flat_line_exempt_above=98.0),
} | {
    # Pollen is released in bursts, so one-day peaks are real (no spike test). Zero counts out
    # of season are a real floor. Hirst-type traps are often read once a week, so a sensor is
    # stale only after eight days.
    taxon: QcThresholds(spike=None, flat_line_count=5, max_silence=timedelta(days=8),
                        flat_line_exempt_below=0.0)
    for taxon in POLLEN_QUANTITIES
}  # fmt: skip


@dataclass(frozen=True)
class Series:
    """The readings of one sensor for one quantity, in time order, canonical unit.

    ``observed_at`` is ``datetime64[ns]`` in UTC, strictly increasing (resolve duplicates with
    ``check_duplicates`` first).
    """

    quantity: Quantity
    observed_at: npt.NDArray[np.datetime64]
    values: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        if self.observed_at.shape != self.values.shape or self.values.ndim != 1:
            msg = (
                f"Series of {self.quantity.value}: {self.observed_at.shape} times and "
                f"{self.values.shape} values; expected two 1-D arrays of the same length."
            )
            raise ValidationError(msg)
        if self.values.size > 1 and not bool(np.all(np.diff(self.observed_at) > np.timedelta64(0))):
            msg = f"Series of {self.quantity.value}: times are not strictly increasing."
            raise ValidationError(msg)

    @classmethod
    def from_datetimes(
        cls, quantity: Quantity, observed_at: Sequence[datetime], values: Sequence[float]
    ) -> "Series":
        """Build a series from timezone-aware datetimes (converted to UTC)."""
        for moment in observed_at:
            if moment.tzinfo is None or moment.utcoffset() is None:
                msg = (
                    f"Observation time {moment.isoformat()} has no time zone; "
                    "expected an aware time."
                )
                raise ValidationError(msg)
        times = np.array(
            [np.datetime64(m.astimezone(UTC).replace(tzinfo=None), "ns") for m in observed_at],
            dtype="datetime64[ns]",
        )
        return cls(quantity, times, np.asarray(values, dtype=np.float64))


def check_range(quantity: Quantity, values: npt.NDArray[np.float64]) -> FlagArray:
    """``OUT_OF_RANGE`` where a value lies outside the quantity's physical range (or is NaN).

    >>> check_range(Quantity.RELATIVE_HUMIDITY, np.array([50.0, 101.0])).tolist()
    [0, 1]
    """
    spec = spec_of(quantity)
    inside = (values >= spec.min_plausible) & (values <= spec.max_plausible)
    return np.where(inside, 0, int(QcFlag.OUT_OF_RANGE)).astype(np.uint16)


def spike_statistic(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """How far each value stands out from both neighbours; NaN at the ends.

    ``|v[i] - (v[i-1] + v[i+1]) / 2| - |v[i+1] - v[i-1]| / 2``: the spike test of the Argo
    quality-control manual (test 9) and IOOS QARTOD. It is zero on any monotone ramp and equals
    the excess height of an isolated peak over its higher neighbour.

    >>> spike_statistic(np.array([1.0, 10.0, 2.0])).tolist()[1]
    8.0
    """
    stat = np.full(values.shape, np.nan)
    if values.size >= 3:
        before, here, after = values[:-2], values[1:-1], values[2:]
        stat[1:-1] = np.abs(here - (before + after) / 2.0) - np.abs(after - before) / 2.0
    return stat


def check_spikes(series: Series, thresholds: QcThresholds) -> FlagArray:
    """``SPIKE`` where the spike statistic exceeds the limit and both neighbours are close.

    Neighbours further away in time than the stale limit are not neighbours: a value after a
    gap is never called a spike. NaN values (e.g. rejected by the range check) never are either.
    """
    flags = np.zeros(series.values.shape, dtype=np.uint16)
    if thresholds.spike is None or series.values.size < 3:
        return flags
    stat = spike_statistic(series.values)
    close = _gaps_within(series.observed_at, thresholds.max_silence)  # close[i]: i-1 -> i
    has_neighbours = np.zeros(series.values.shape, dtype=bool)
    has_neighbours[1:-1] = close[1:-1] & close[2:]
    is_spike = has_neighbours & (np.nan_to_num(stat, nan=-np.inf) > thresholds.spike)
    flags[is_spike] = QcFlag.SPIKE
    return flags


def check_flat_line(series: Series, thresholds: QcThresholds) -> FlagArray:
    """``FLAT_LINE`` on every value of a run of at least N identical values.

    A run is broken by a change of value or by a silence longer than the stale limit. Runs at
    an exempt floor or ceiling (detection limit, saturated humidity) are real and not flagged.

    >>> s = Series(Quantity.TEMPERATURE,
    ...            np.arange(8).astype("datetime64[h]").astype("datetime64[ns]"),
    ...            np.array([1.0, 2, 2, 2, 2, 2, 2, 3]))
    >>> check_flat_line(s, DEFAULT_THRESHOLDS[Quantity.TEMPERATURE]).tolist()
    [0, 4, 4, 4, 4, 4, 4, 0]
    """
    values = series.values
    flags = np.zeros(values.shape, dtype=np.uint16)
    if values.size == 0:
        return flags
    starts = np.ones(values.shape, dtype=bool)
    starts[1:] = (values[1:] != values[:-1]) | ~_gaps_within(
        series.observed_at, thresholds.max_silence
    )[1:]
    run_id = np.cumsum(starts) - 1
    run_length = np.bincount(run_id)[run_id]
    exempt = (values <= thresholds.flat_line_exempt_below) | (
        values >= thresholds.flat_line_exempt_above
    )
    flat = (run_length >= thresholds.flat_line_count) & ~exempt & ~np.isnan(values)
    flags[flat] = QcFlag.FLAT_LINE
    return flags


def check_stale(series: Series, thresholds: QcThresholds) -> FlagArray:
    """``STALE`` on each value that follows a silence longer than the stale limit."""
    flags = np.zeros(series.values.shape, dtype=np.uint16)
    flags[~_gaps_within(series.observed_at, thresholds.max_silence)] = QcFlag.STALE
    return flags


def stale_cutoff(
    quantity: Quantity, now: datetime, *, thresholds: QcThresholds | None = None
) -> datetime:
    """The time (UTC) a series of ``quantity`` needs a reading at or after not to be stale.

    ``now`` minus the quantity's ``max_silence`` (:data:`DEFAULT_THRESHOLDS` unless given).
    SQL filters compare stored times with it, so that they agree with :func:`is_stale`.
    """
    limits = thresholds or DEFAULT_THRESHOLDS[quantity]
    return now.astimezone(UTC) - limits.max_silence


def is_stale(
    quantity: Quantity,
    last_observed_at: datetime | None,
    now: datetime,
    *,
    thresholds: QcThresholds | None = None,
) -> bool:
    """Whether a series of ``quantity`` last read at ``last_observed_at`` is silent at ``now``.

    Silent (stale): no reading for longer than the quantity's ``max_silence``, whose values and
    sources are given with :data:`DEFAULT_THRESHOLDS`. A series that never reported is stale.
    Both times must be timezone-aware.

    >>> last, now = datetime(2026, 7, 1, 8, tzinfo=UTC), datetime(2026, 7, 1, 12, tzinfo=UTC)
    >>> is_stale(Quantity.NO2, last, now), is_stale(Quantity.POLLEN_BIRCH, last, now)
    (True, False)
    """
    cutoff = stale_cutoff(quantity, now, thresholds=thresholds)
    return last_observed_at is None or last_observed_at < cutoff


def check_duplicates(
    sensor_ids: Sequence[str],
    quantities: Sequence[Quantity],
    observed_at: npt.NDArray[np.datetime64],
    values: npt.NDArray[np.float64],
) -> FlagArray:
    """``DUPLICATE_CONFLICT`` on readings that share sensor, quantity and time but not value.

    Exact repeats (same value) are the normal result of an idempotent retry and are not flagged;
    the caller keeps one of them.

    >>> t = np.array(["2026-07-01T10", "2026-07-01T10", "2026-07-01T11"], dtype="datetime64[ns]")
    >>> check_duplicates(["s1"] * 3, [Quantity.NO2] * 3, t, np.array([10.0, 12.0, 10.0])).tolist()
    [16, 16, 0]
    """
    if not len(sensor_ids) == len(quantities) == observed_at.size == values.size:
        msg = (
            f"Duplicate check: {len(sensor_ids)} sensors, {len(quantities)} quantities, "
            f"{observed_at.size} times, {values.size} values; expected equal lengths."
        )
        raise ValidationError(msg)
    groups: dict[tuple[str, Quantity, np.datetime64], list[int]] = {}
    for index, key in enumerate(zip(sensor_ids, quantities, observed_at, strict=True)):
        groups.setdefault(key, []).append(index)
    flags = np.zeros(values.shape, dtype=np.uint16)
    for members in groups.values():
        if len(members) > 1 and len({_value_key(values[i]) for i in members}) > 1:
            flags[members] = QcFlag.DUPLICATE_CONFLICT
    return flags


def _value_key(value: np.float64) -> float | str:
    return "nan" if math.isnan(value) else float(value)


def run_qc(series: Series, thresholds: QcThresholds | None = None) -> FlagArray:
    """All per-series checks (range, spike, flat line, stale) OR-ed into one flag per value.

    Out-of-range values are blanked before the spike and flat-line checks so that one absurd
    value does not make its neighbours look like spikes.
    """
    limits = thresholds or DEFAULT_THRESHOLDS[series.quantity]
    flags = check_range(series.quantity, series.values)
    cleaned = Series(
        series.quantity,
        series.observed_at,
        np.where(flags == 0, series.values, np.nan),
    )
    return (
        flags
        | check_spikes(cleaned, limits)
        | check_flat_line(cleaned, limits)
        | check_stale(series, limits)
    )


def _gaps_within(
    observed_at: npt.NDArray[np.datetime64], max_silence: timedelta
) -> npt.NDArray[np.bool_]:
    """``close[i]``: whether value i follows value i-1 within ``max_silence`` (True at i=0)."""
    close = np.ones(observed_at.shape, dtype=bool)
    if observed_at.size > 1:
        limit = np.timedelta64(int(max_silence.total_seconds() * 1e9), "ns")
        close[1:] = np.diff(observed_at) <= limit
    return close

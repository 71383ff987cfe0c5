"""Duplicate resolution and quality control of a whole batch at once (pure numpy, no I/O).

``quality.run_qc`` checks one series. A batch holds thousands of series (sensor, quantity),
and calling it once per series would cost more than storing the readings. The checks only
look at the order of the values and at whether consecutive values are closer in time than
the quantity's stale limit, so the series of one quantity are laid end to end on a
compressed clock: each gap keeps its length up to the stale limit and longer gaps (and the
joins between series) become one tick longer than the limit. ``run_qc`` then sees every
series separated by a silence, which breaks spikes and flat lines exactly where the end of a
real series would, and one call per quantity checks the whole batch.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from healthycity.environment.quality import DEFAULT_THRESHOLDS, QcFlag, Series, run_qc
from healthycity.environment.quantities import Quantity

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

# Values that must not feed aggregates and indices (quality.py).
EXCLUDED = int(QcFlag.OUT_OF_RANGE | QcFlag.DUPLICATE_CONFLICT)
# Flags a stored value may gain when later values arrive around it.
RETROACTIVE = int(QcFlag.SPIKE | QcFlag.FLAT_LINE)
# How many stored values of a series the checks need before a new one: a flat line of N
# values needs the N-1 before it, a spike needs the 2 before it (the last stored value is
# re-checked now that it has a right-hand neighbour).
CONTEXT_SIZE = max(max(t.flat_line_count for t in DEFAULT_THRESHOLDS.values()) - 1, 2)
_NS_LIMIT = 2**62  # stay well inside datetime64[ns]
NO_TIME = int(np.iinfo(np.int64).min)


@dataclass(frozen=True)
class BatchQc:
    """The outcome for each new reading and the flags of the stored values around them."""

    is_kept: Bools  # per new reading: store it
    is_duplicate: Bools  # per new reading: same key and value as a kept one (idempotent retry)
    is_conflict: Bools  # per new reading: same key, another value; the first value is kept
    kept_value: Floats  # per new reading: the value kept for its key
    flags: Ints  # per new reading: QcFlag bits (meaningful where kept)
    history_flags: Ints  # per stored value: its flags after this batch
    latest: Ints  # new readings that become the latest value of their series
    context_from: Ints  # per ``latest``: µs time of the oldest value of the next QC context
    prev_epoch_us: Ints  # per ``latest``: time of the value before it (NO_TIME if none)
    prev_value: Floats  # per ``latest``: the value before it (NaN if none)


def _chunks(starts: Bools, max_points: int) -> list[tuple[int, int]]:
    """Split positions into runs of whole series of at most ``max_points`` (or one series)."""
    n = starts.size
    series_starts = np.flatnonzero(starts)
    bounds: list[tuple[int, int]] = []
    lo = 0
    while lo < n:
        cut = int(np.searchsorted(series_starts, lo + max_points, side="right")) - 1
        hi = int(series_starts[cut]) if lo + max_points < n else n
        if hi <= lo:  # one series longer than max_points: its own chunk
            nxt = int(np.searchsorted(series_starts, lo, side="right"))
            hi = int(series_starts[nxt]) if nxt < series_starts.size else n
        bounds.append((lo, hi))
        lo = hi
    return bounds


def qc_series_group(quantity: Quantity, series: Ints, epoch_us: Ints, values: Floats) -> Ints:
    """``run_qc`` flags of many series of one quantity, sorted by (series, time), times unique.

    NaN values are blanked (never a spike, never part of a flat line).
    """
    n = series.size
    flags = np.zeros(n, dtype=np.int64)
    if n == 0:
        return flags
    thresholds = DEFAULT_THRESHOLDS[quantity]
    tick = int(thresholds.max_silence.total_seconds() * 1_000_000) + 1
    starts = np.ones(n, dtype=bool)
    starts[1:] = series[1:] != series[:-1]
    step = np.zeros(n, dtype=np.int64)
    step[1:] = np.minimum(np.diff(epoch_us), tick)
    step[starts] = tick  # a join between two series is a silence
    for lo, hi in _chunks(starts, max(_NS_LIMIT // (tick * 1000), 1)):
        clock = np.cumsum(step[lo:hi]) - step[lo]
        times = (clock * 1000).astype("datetime64[ns]")
        flags[lo:hi] = run_qc(Series(quantity, times, values[lo:hi]), thresholds)
    flags[starts] &= ~int(QcFlag.STALE)  # the first value of a series follows no silence
    return flags


def check_batch(
    new: tuple[Ints, Ints, Floats],
    history: tuple[Ints, Ints, Floats, Ints],
    *,
    quantities: Sequence[Quantity],
) -> BatchQc:
    """Resolve duplicates and run quality control on new readings and their stored history.

    Parameters
    ----------
    new
        (series, epoch_us, value) of the new readings, in arrival order. A series code is
        ``sensor_number * len(quantities) + quantity_index``.
    history
        (series, epoch_us, value, flags) of stored values of the same series around the new
        ones (the same stored value may appear twice).
    quantities
        The quantity of each quantity index.

    Returns
    -------
    BatchQc
        Readings repeating a key are duplicates (same value) or conflicts (another value: the
        first one, stored or earlier in the batch, is kept and gets ``DUPLICATE_CONFLICT``).
    """
    n_h, n_n = history[0].size, new[0].size
    series = np.concatenate([history[0], new[0]])
    times = np.concatenate([history[1], new[1]])
    values = np.concatenate([history[2], new[2]])
    old_flags = np.concatenate([history[3], np.zeros(n_n, dtype=np.int64)])
    is_new = np.arange(n_h + n_n) >= n_h
    order = np.lexsort((is_new, times, series))  # stable: stored first, then arrival order
    s, t, v, nw = series[order], times[order], values[order], is_new[order]
    repeat = np.zeros(s.size, dtype=bool)
    repeat[1:] = (s[1:] == s[:-1]) & (t[1:] == t[:-1])
    run = np.cumsum(~repeat) - 1
    first = np.flatnonzero(~repeat)
    kept_value = v[first][run]
    conflict = repeat & nw & (v != kept_value)
    has_conflict = np.bincount(run[conflict], minlength=first.size) > 0

    qs, qt = s[first], t[first]
    qv = np.where(old_flags[order][first] & EXCLUDED, np.nan, v[first])
    qc = np.zeros(first.size, dtype=np.int64)
    for q in np.unique(qs % len(quantities)).tolist():
        rows = qs % len(quantities) == q
        qc[rows] = qc_series_group(quantities[q], qs[rows], qt[rows], qv[rows])
    qc |= np.where(has_conflict, int(QcFlag.DUPLICATE_CONFLICT), 0)

    position = np.empty(s.size, dtype=np.int64)
    position[order] = np.arange(s.size)
    new_pos = position[n_h:]
    kept_flags = np.zeros(s.size, dtype=np.int64)
    kept_flags[first] = qc
    gained = kept_flags[position[:n_h]] & (RETROACTIVE | int(QcFlag.DUPLICATE_CONFLICT))
    history_flags = old_flags[:n_h] | gained

    ends = np.append(np.flatnonzero(qs[1:] != qs[:-1]), qs.size - 1) if qs.size else first[:0]
    series_start = np.zeros(qs.size, dtype=np.int64)
    series_start[1:] = np.where(qs[1:] != qs[:-1], np.arange(1, qs.size), 0)
    series_start = np.maximum.accumulate(series_start)
    last_is_new = nw[first[ends]]
    context = np.maximum(series_start[ends], ends - CONTEXT_SIZE + 1)
    has_prev = ends > series_start[ends]
    before = np.maximum(ends - 1, 0)
    prev_time = np.where(has_prev, qt[before], NO_TIME)
    prev_value = np.where(has_prev, v[first][before], np.nan)
    return BatchQc(
        is_kept=~repeat[new_pos],
        is_duplicate=(repeat & ~conflict)[new_pos],
        is_conflict=conflict[new_pos],
        kept_value=kept_value[new_pos],
        flags=kept_flags[new_pos],
        history_flags=history_flags,
        latest=order[first[ends[last_is_new]]] - n_h,
        context_from=qt[context[last_is_new]],
        prev_epoch_us=prev_time[last_is_new],
        prev_value=prev_value[last_is_new],
    )

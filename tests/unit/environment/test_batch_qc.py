"""Batch QC (many series on one compressed clock) against ``run_qc`` called series by series."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from healthycity.environment._batch_qc import check_batch, qc_series_group
from healthycity.environment.quality import QcFlag, Series, run_qc
from healthycity.environment.quantities import Quantity

HOUR_US = 3_600_000_000
QUANTITIES = (Quantity.PM25, Quantity.TEMPERATURE)


def _naive(quantity: Quantity, series: np.ndarray, times: np.ndarray, values: np.ndarray):
    """Reference: one run_qc call per series (the definition the batch version must match)."""
    flags = np.zeros(series.size, dtype=np.int64)
    for code in np.unique(series):
        rows = np.flatnonzero(series == code)
        moments = (times[rows] * 1000).astype("datetime64[ns]")
        flags[rows] = run_qc(Series(quantity, moments, values[rows]))
    return flags


series_st = st.lists(
    st.tuples(
        st.integers(0, 4),  # series
        st.integers(0, 40),  # hour step
        st.sampled_from([3.0, 10.0, 10.0, 10.0, 25.0, 150.0]),  # repeats, spikes
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(series_st, st.sampled_from(QUANTITIES))
def test_qc_series_group_matches_run_qc_per_series(rows, quantity) -> None:
    unique = sorted({(s, h): v for s, h, v in rows}.items())
    series = np.array([k[0] for k, _ in unique], dtype=np.int64)
    times = np.array([k[1] * HOUR_US for k, _ in unique], dtype=np.int64)
    values = np.array([v for _, v in unique])

    batch = qc_series_group(quantity, series, times, values)

    assert batch.tolist() == _naive(quantity, series, times, values).tolist()


def test_check_batch_spike_of_the_last_stored_value_is_found_when_its_neighbour_arrives() -> None:
    # stored: 10 at 0 h, 150 at 1 h (PM2.5 spike limit 90: 150 - 10 = 140 > 90); new: 10 at 2 h
    history = (np.array([0, 0]), np.array([0, HOUR_US]), np.array([10.0, 150.0]), np.array([0, 0]))
    new = (np.array([0]), np.array([2 * HOUR_US]), np.array([10.0]))

    qc = check_batch(new, history, quantities=QUANTITIES)

    assert qc.history_flags.tolist() == [0, int(QcFlag.SPIKE)]
    assert qc.flags.tolist() == [0]
    assert qc.latest.tolist() == [0]
    assert qc.prev_value.tolist() == [150.0]


def test_check_batch_resolves_repeats_first_value_kept() -> None:
    history = (np.array([0]), np.array([0]), np.array([10.0]), np.array([0]))
    # same key as stored: same value (duplicate), other value (conflict); then twice a new key
    new = (np.array([0, 0, 0, 0]), np.array([0, 0, HOUR_US, HOUR_US]),
           np.array([10.0, 12.0, 20.0, 21.0]))  # fmt: skip

    qc = check_batch(new, history, quantities=QUANTITIES)

    assert qc.is_kept.tolist() == [False, False, True, False]
    assert qc.is_duplicate.tolist() == [True, False, False, False]
    assert qc.is_conflict.tolist() == [False, True, False, True]
    assert qc.kept_value.tolist() == [10.0, 10.0, 20.0, 20.0]
    conflict = int(QcFlag.DUPLICATE_CONFLICT)
    assert qc.history_flags.tolist() == [conflict]
    assert qc.flags[2] & conflict

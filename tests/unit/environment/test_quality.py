"""Quality control: range, spike, flat-line, stale and duplicate checks on sensor series."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.environment.quality import (
    DEFAULT_THRESHOLDS,
    QcFlag,
    QcThresholds,
    Series,
    check_duplicates,
    check_flat_line,
    check_range,
    check_spikes,
    check_stale,
    is_stale,
    run_qc,
    spike_statistic,
    stale_cutoff,
)
from healthycity.environment.quantities import Quantity
from healthycity.errors import ValidationError

START = np.datetime64("2026-07-01T00:00", "ns")


def hourly(quantity: Quantity, values: list[float], *, hours: list[int] | None = None) -> Series:
    offsets = hours if hours is not None else list(range(len(values)))
    times = START + np.array(offsets, dtype="timedelta64[h]").astype("timedelta64[ns]")
    return Series(quantity, times, np.array(values, dtype=float))


def test_check_range_bounds_are_inclusive_and_nan_is_out() -> None:
    values = np.array([0.0, 800.0, 800.01, -0.01, np.nan])
    flags = check_range(Quantity.PM25, values)
    assert flags.tolist() == [0, 0, 1, 1, 1]


def test_spike_statistic_hand_computed() -> None:
    # i=1: |200 - (10 + 10)/2| - |10 - 10|/2 = 190
    # i=2: |10 - (200 + 20)/2| - |20 - 200|/2 = 100 - 90 = 10
    # i=3: |20 - (10 + 30)/2| - |30 - 10|/2 = 0 - 10 = -10 (a ramp)
    stat = spike_statistic(np.array([10.0, 200.0, 10.0, 20.0, 30.0]))
    assert np.isnan(stat[0])
    assert stat[1:4].tolist() == [190.0, 10.0, -10.0]
    assert np.isnan(stat[4])


def test_spike_statistic_needs_two_neighbours() -> None:
    assert np.isnan(spike_statistic(np.array([1.0, 50.0]))).all()


def test_check_spikes_flags_only_the_isolated_peak() -> None:
    flags = check_spikes(
        hourly(Quantity.PM25, [10, 10, 200, 10, 10]), DEFAULT_THRESHOLDS[Quantity.PM25]
    )
    assert flags.tolist() == [0, 0, QcFlag.SPIKE, 0, 0]


@pytest.mark.parametrize(("peak", "flagged"), [(90.0, False), (90.5, True)])
def test_check_spikes_threshold_is_exclusive(peak: float, flagged: bool) -> None:
    flags = check_spikes(hourly(Quantity.PM25, [0, peak, 0]), DEFAULT_THRESHOLDS[Quantity.PM25])
    assert bool(flags[1] & QcFlag.SPIKE) is flagged


def test_check_spikes_ignores_ramps_and_neighbours_across_gaps() -> None:
    limits = DEFAULT_THRESHOLDS[Quantity.NO2]
    ramp = hourly(Quantity.NO2, [0, 100, 200, 300, 400])
    assert not check_spikes(ramp, limits).any()
    gap = hourly(Quantity.NO2, [10, 300, 10], hours=[0, 5, 6])  # 5 h silence before the peak
    assert not check_spikes(gap, limits).any()


def test_check_spikes_is_off_for_pollen() -> None:
    series = hourly(Quantity.POLLEN_BIRCH, [0, 5000, 0])
    assert not check_spikes(series, DEFAULT_THRESHOLDS[Quantity.POLLEN_BIRCH]).any()


def test_check_flat_line_needs_n_identical_values() -> None:
    limits = DEFAULT_THRESHOLDS[Quantity.NO2]  # 6 values, exempt at or below 5 µg/m³
    assert not check_flat_line(hourly(Quantity.NO2, [20.0] * 5), limits).any()
    six = check_flat_line(hourly(Quantity.NO2, [19.0, *[20.0] * 6, 21.0]), limits)
    assert six.tolist() == [0, 4, 4, 4, 4, 4, 4, 0]


def test_check_flat_line_exempts_detection_limit_and_saturation() -> None:
    at_floor = hourly(Quantity.NO2, [5.0] * 8)
    assert not check_flat_line(at_floor, DEFAULT_THRESHOLDS[Quantity.NO2]).any()
    fog = hourly(Quantity.RELATIVE_HUMIDITY, [100.0] * 8)
    assert not check_flat_line(fog, DEFAULT_THRESHOLDS[Quantity.RELATIVE_HUMIDITY]).any()


def test_check_flat_line_run_is_broken_by_a_gap() -> None:
    series = hourly(Quantity.TEMPERATURE, [12.3] * 6, hours=[0, 1, 2, 10, 11, 12])
    assert not check_flat_line(series, DEFAULT_THRESHOLDS[Quantity.TEMPERATURE]).any()


def test_check_stale_flags_the_value_after_a_long_silence() -> None:
    series = hourly(Quantity.O3, [50, 51, 52, 53], hours=[0, 3, 7, 8])  # 3 h ok, 4 h stale
    flags = check_stale(series, DEFAULT_THRESHOLDS[Quantity.O3])
    assert flags.tolist() == [0, 0, QcFlag.STALE, 0]


def test_is_stale_of_a_series() -> None:
    last = datetime(2026, 7, 1, 8, tzinfo=UTC)
    hours_3, days_8 = timedelta(hours=3), timedelta(days=8)  # DEFAULT_THRESHOLDS
    assert not is_stale(Quantity.NO2, last, last + hours_3)
    assert is_stale(Quantity.NO2, last, last + hours_3 + timedelta(microseconds=1))
    assert not is_stale(Quantity.POLLEN_BIRCH, last, last + days_8)
    assert is_stale(Quantity.POLLEN_BIRCH, last, last + days_8 + timedelta(seconds=1))
    assert is_stale(Quantity.NO2, None, last)
    paris = last.astimezone(ZoneInfo("Europe/Paris"))  # 10:00 local: the same instant
    assert not is_stale(Quantity.NO2, paris, last + hours_3)


def test_is_stale_takes_other_thresholds() -> None:
    last = datetime(2026, 7, 1, 8, tzinfo=UTC)
    hourly_limit = QcThresholds(spike=None, flat_line_count=6, max_silence=timedelta(hours=1))
    assert is_stale(Quantity.NO2, last, last + timedelta(hours=2), thresholds=hourly_limit)
    assert stale_cutoff(Quantity.NO2, last, thresholds=hourly_limit) == last - timedelta(hours=1)


_moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@given(
    quantity=st.sampled_from(list(Quantity)),
    last=st.none() | _moments,
    now=_moments,
    later_by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_is_stale_once_silent_stays_silent(
    quantity: Quantity, last: datetime | None, now: datetime, later_by: timedelta
) -> None:
    if is_stale(quantity, last, now):
        assert is_stale(quantity, last, now + later_by)
    # and a newer reading never makes a fresh series stale
    if last is not None and not is_stale(quantity, last, now):
        assert not is_stale(quantity, last + later_by, now)


@given(quantity=st.sampled_from(list(Quantity)), last=_moments, now=_moments)
def test_is_stale_is_silence_longer_than_the_limit(
    quantity: Quantity, last: datetime, now: datetime
) -> None:
    limit = DEFAULT_THRESHOLDS[quantity].max_silence
    assert is_stale(quantity, last, now) == (now - last > limit)


def test_check_duplicates_flags_conflicts_not_repeats() -> None:
    times = np.array(["2026-07-01T10"] * 5 + ["2026-07-01T11"], dtype="datetime64[ns]")
    sensors = ["a", "a", "b", "b", "c", "c"]
    quantities = [Quantity.NO2, Quantity.NO2, Quantity.NO2, Quantity.NO2, Quantity.O3, Quantity.O3]
    values = np.array([10.0, 12.0, 10.0, 10.0, np.nan, np.nan])
    flags = check_duplicates(sensors, quantities, times, values)
    assert flags.tolist() == [16, 16, 0, 0, 0, 0]


def test_check_duplicates_requires_equal_lengths() -> None:
    times = np.array(["2026-07-01T10"], dtype="datetime64[ns]")
    with pytest.raises(ValidationError, match="expected equal lengths"):
        check_duplicates(["a", "b"], [Quantity.NO2], times, np.array([1.0]))


def test_run_qc_blanks_out_of_range_values_before_the_spike_test() -> None:
    series = hourly(Quantity.PM10, [20, 20, -50, 20, 20, 1500, 20])
    flags = run_qc(series)
    assert flags.tolist() == [0, 0, QcFlag.OUT_OF_RANGE, 0, 0, QcFlag.OUT_OF_RANGE, 0]


def test_run_qc_combines_flags() -> None:
    values = [20, 20, 400, 20, 20, 20, 20, 20, 20, 20]
    series = hourly(Quantity.NO2, values, hours=[0, 1, 2, 3, 4, 5, 6, 7, 8, 13])
    flags = run_qc(series)
    assert flags[2] == QcFlag.SPIKE
    assert [int(f) for f in flags[3:9]] == [int(QcFlag.FLAT_LINE)] * 6
    assert flags[9] == QcFlag.STALE


def test_series_rejects_unsorted_or_mismatched_arrays() -> None:
    with pytest.raises(ValidationError, match="not strictly increasing"):
        hourly(Quantity.NO2, [1.0, 2.0], hours=[1, 0])
    with pytest.raises(ValidationError, match="expected two 1-D arrays"):
        Series(Quantity.NO2, np.array([START]), np.array([1.0, 2.0]))


def test_series_from_datetimes_converts_to_utc_and_rejects_naive_times() -> None:
    paris = ZoneInfo("Europe/Paris")
    series = Series.from_datetimes(
        Quantity.O3,
        [datetime(2026, 7, 1, 2, tzinfo=paris), datetime(2026, 7, 1, 3, tzinfo=paris)],
        [1.0, 2.0],
    )
    assert series.observed_at[0] == np.datetime64("2026-07-01T00:00", "ns")  # CEST = UTC+2
    with pytest.raises(ValidationError, match="has no time zone"):
        Series.from_datetimes(Quantity.O3, [datetime(2026, 7, 1, 2)], [1.0])


_ALL_BITS = int(
    QcFlag.OUT_OF_RANGE | QcFlag.SPIKE | QcFlag.FLAT_LINE | QcFlag.STALE | QcFlag.DUPLICATE_CONFLICT
)


@given(
    quantity=st.sampled_from(list(Quantity)),
    values=st.lists(st.floats(min_value=-100, max_value=2000) | st.just(float("nan")), max_size=40),
)
def test_run_qc_returns_known_bits_only(quantity: Quantity, values: list[float]) -> None:
    flags = run_qc(hourly(quantity, values))
    assert flags.shape == (len(values),)
    assert not (flags & ~np.uint16(_ALL_BITS)).any()


@given(st.lists(st.floats(min_value=0, max_value=500), min_size=3, max_size=40))
def test_monotone_series_never_has_spikes(values: list[float]) -> None:
    ordered = sorted(values)
    stat = spike_statistic(np.array(ordered))
    assert np.nanmax(stat) <= 1e-9


@given(
    st.lists(st.integers(min_value=6, max_value=9), max_size=40),
    st.integers(min_value=2, max_value=8),
)
def test_flat_line_flags_exactly_the_long_runs(values: list[int], count: int) -> None:
    limits = QcThresholds(spike=None, flat_line_count=count, max_silence=timedelta(hours=3))
    flags = check_flat_line(hourly(Quantity.NO2, [float(v) for v in values]), limits)
    # naive reference: length of the run each value belongs to
    expected = []
    i = 0
    while i < len(values):
        j = i
        while j < len(values) and values[j] == values[i]:
            j += 1
        expected += [int(QcFlag.FLAT_LINE) if j - i >= count else 0] * (j - i)
        i = j
    assert flags.tolist() == expected

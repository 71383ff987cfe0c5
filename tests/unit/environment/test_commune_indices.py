"""Per-commune index inputs (pure): hand-computed cases, invariants, naive oracles."""

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthycity.environment.commune_indices import (
    DEFAULT_MAX_DISTANCE_M,
    CommunePoint,
    CommuneValue,
    StationPoint,
    estimate_communes,
    farthest_input_m,
    hourly_stats,
    overall_method,
)
from healthycity.environment.official_indices import (
    COMBINE_ATMO,
    HEAT_WINDOW_HOURS,
    atmo_variables,
    commune_indices,
    heat_variables,
    station_indices,
)
from healthycity.environment.quality import QcFlag
from healthycity.environment.quantities import Quantity
from healthycity.errors import ValidationError

S1 = StationPoint("s1", "reference", "A", 0.0, 0.0)
S2 = StationPoint("s2", "reference", "B", 5000.0, 0.0)
LOW_COST = StationPoint("lc", "low_cost", "C", 1800.0, 2400.0)
T0 = datetime(2026, 1, 14, 23, tzinfo=UTC)


def test_estimate_communes_measures_interpolates_or_gives_up() -> None:
    communes = [
        CommunePoint("A", 0.0, 500.0),
        CommunePoint("B", None, None),  # no polygon, but a station: still measured
        CommunePoint("C", 1800.0, 2400.0),  # 3000 m from s1, 4000 m from s2
        CommunePoint("D", 35000.0, 0.0),  # 30 km from s2
        CommunePoint("E", None, None),  # no polygon, no station
    ]
    values = {"s1": 10.0, "s2": 20.0, "lc": 500.0}

    out = estimate_communes(values, [S1, S2, LOW_COST], communes)

    assert out["A"] == CommuneValue(10.0, "measured", 500.0, ("s1",))
    assert out["B"] == CommuneValue(20.0, "measured", None, ("s2",))
    assert out["C"].method == "interpolated"
    assert out["C"].value == pytest.approx((16 * 10 + 9 * 20) / 25)  # the low-cost is ignored
    assert (out["C"].nearest_station_m, out["C"].station_ids) == (3000.0, ("s1", "s2"))
    assert (out["D"].method, out["D"].nearest_station_m, out["D"].station_ids) == (
        "unavailable",
        30000.0,
        (),
    )
    assert math.isnan(out["D"].value)
    assert out["E"].method == "unavailable"
    assert out["E"].nearest_station_m is None


def test_estimate_communes_averages_stations_of_a_commune_and_skips_invalid_ones() -> None:
    twin = StationPoint("s1b", "reference", "A", 0.0, 1000.0)
    commune = [CommunePoint("A", 0.0, 800.0)]

    both = estimate_communes({"s1": 10.0, "s1b": 30.0}, [S1, twin], commune)["A"]
    one_invalid = estimate_communes({"s1": math.nan, "s1b": 30.0}, [S1, twin], commune)["A"]
    none_valid = estimate_communes({"s1": math.nan, "s2": 20.0}, [S1, S2], commune)["A"]

    assert (both.value, both.nearest_station_m, both.station_ids) == (20.0, 200.0, ("s1", "s1b"))
    assert (one_invalid.value, one_invalid.station_ids) == (30.0, ("s1b",))
    # no valid station in A: interpolated from s2 alone
    assert (none_valid.method, none_valid.value) == ("interpolated", 20.0)
    assert none_valid.nearest_station_m == pytest.approx(math.hypot(5000, 800))


def test_overall_method_and_farthest_input() -> None:
    measured = CommuneValue(1.0, "measured", 300.0, ("a",))
    far = CommuneValue(2.0, "interpolated", 4000.0, ("b",))
    missing = CommuneValue(math.nan, "unavailable", 50000.0, ())

    assert overall_method(["unavailable"]) == "unavailable"
    assert overall_method(["interpolated", "unavailable"]) == "interpolated"
    assert farthest_input_m([measured, far, missing]) == 4000.0
    assert farthest_input_m([missing]) is None


coordinates = st.floats(-40_000, 40_000, allow_nan=False)
station_st = st.builds(
    lambda i, kind, commune, x, y: StationPoint(f"s{i}", kind, commune, x, y),
    st.integers(0, 10**6),
    st.sampled_from(["reference", "low_cost"]),
    st.sampled_from(["A", "B", "C", "D"]),
    coordinates,
    coordinates,
)
layouts = st.tuples(
    st.lists(station_st, min_size=0, max_size=8, unique_by=lambda s: s.id),
    st.lists(st.tuples(coordinates, coordinates), min_size=4, max_size=4),
    st.lists(st.one_of(st.floats(0, 500), st.just(math.nan)), min_size=8, max_size=8),
)


def _naive_idw(
    stations: list[StationPoint], values: dict[str, float], x: float, y: float, max_m: float
) -> tuple[float, list[str]]:
    """Shepard's weights one station at a time."""
    num = den = 0.0
    used = []
    for s in stations:
        value = values.get(s.id, math.nan)
        if s.kind != "reference" or math.isnan(value):
            continue
        d = math.hypot(s.x_m - x, s.y_m - y)
        if d > max_m:
            continue
        used.append(s.id)
        if d == 0:
            return value, used
        num, den = num + value / d**2, den + 1 / d**2
    return (num / den if den else math.nan), used


@settings(max_examples=200, deadline=None)
@given(layouts)
def test_estimate_communes_matches_a_naive_oracle_and_keeps_its_invariants(layout) -> None:
    stations, points, raw_values = layout
    values = {s.id: v for s, v in zip(stations, raw_values, strict=False)}
    communes = [CommunePoint(code, x, y) for code, (x, y) in zip("ABCD", points, strict=True)]
    max_m = DEFAULT_MAX_DISTANCE_M

    out = estimate_communes(values, stations, communes)
    with_more_low_cost = estimate_communes(
        values | {"extra": 1e6}, [*stations, StationPoint("extra", "low_cost", "A", 0, 0)],
        communes,
    )  # fmt: skip

    assert with_more_low_cost == out  # low-cost sensors never weigh in
    for commune in communes:
        got = out[commune.code]
        own = [s for s in stations if s.commune_code == commune.code and s.kind == "reference"
               and not math.isnan(values.get(s.id, math.nan))]  # fmt: skip
        if own:
            assert got.method == "measured"
            assert got.value == pytest.approx(np.mean([values[s.id] for s in own]))
            continue
        expected, used = _naive_idw(stations, values, commune.x_m, commune.y_m, max_m)
        if math.isnan(expected):
            assert got.method == "unavailable"
            continue
        assert got.method == "interpolated"
        assert got.value == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert set(got.station_ids) == set(used)
        used_values = [values[i] for i in used]
        assert min(used_values) - 1e-9 <= got.value <= max(used_values) + 1e-9
        assert got.nearest_station_m is not None
        assert got.nearest_station_m <= max_m


def _epoch_us(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


readings_st = st.lists(
    st.tuples(st.integers(-3600, 4 * 3600), st.floats(0, 1000), st.sampled_from([0, 2, 4, 8, 1])),
    max_size=40,
)


@given(readings_st)
def test_hourly_stats_match_a_loop_over_readings(readings) -> None:
    seconds = np.array([r[0] for r in readings], dtype=np.int64)
    values = np.array([r[1] for r in readings], dtype=np.float64)
    flags = np.array([r[2] for r in readings], dtype=np.int64)

    stats = hourly_stats(_epoch_us(T0) + seconds * 10**6, values, flags, start=T0, hours=3)

    for hour in range(3):
        clean = (0, int(QcFlag.STALE))
        kept = [v for s, v, f in readings if hour * 3600 <= s < (hour + 1) * 3600 and f in clean]
        assert stats.count[hour] == len(kept)
        if kept:
            assert stats.mean[hour] == pytest.approx(sum(kept) / len(kept))
            assert (stats.minimum[hour], stats.maximum[hour]) == (min(kept), max(kept))
        else:
            assert math.isnan(stats.mean[hour])


def test_hourly_stats_refuse_a_window_not_on_the_hour() -> None:
    with pytest.raises(ValidationError, match="whole hour"):
        hourly_stats(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64),
                     start=T0 + timedelta(minutes=30), hours=1)  # fmt: skip


def _hourly(values_by_hour: list[float], flags: list[int] | None = None):
    hours = len(values_by_hour)
    us = _epoch_us(T0) + np.arange(hours, dtype=np.int64) * 3_600_000_000
    return hourly_stats(us, np.array(values_by_hour), np.array(flags or [0] * hours), start=T0,
                        hours=hours)  # fmt: skip


def test_station_and_commune_atmo_from_hourly_values() -> None:
    s1 = {Quantity.PM25: [12.0] * 24, Quantity.PM10: [16.0] * 24, Quantity.O3: [80.0] * 24,
          Quantity.SO2: [4.0] * 24, Quantity.NO2: [45.0] * 23 + [300.0]}  # fmt: skip
    hourly = {("s1", q): _hourly(v, [0] * 23 + [int(QcFlag.SPIKE)] if q == Quantity.NO2 else None)
              for q, v in s1.items()}  # fmt: skip

    variables = atmo_variables(hourly, ["s1"], date(2026, 1, 15))
    (station,) = station_indices(variables, [S1], COMBINE_ATMO)
    (commune,) = commune_indices(variables, [S1], [CommunePoint("X", 3000.0, 0.0)], COMBINE_ATMO,
                                 max_distance_m=DEFAULT_MAX_DISTANCE_M)  # fmt: skip

    no2 = next(i for i in station.inputs if i.quantity == Quantity.NO2)
    assert (no2.estimate.value, no2.hours) == (45.0, 23)  # the spike does not count
    assert (station.level.name, station.method, station.nearest_station_m) == (
        "MOYEN",
        "measured",
        0.0,
    )
    assert (commune.level.name, commune.method, commune.nearest_station_m) == (
        "MOYEN",
        "interpolated",
        3000.0,
    )


def test_heat_variables_follow_meteo_france_windows() -> None:
    start = datetime(2026, 7, 17, 18, tzinfo=UTC)
    temperatures = []
    for h in range(HEAT_WINDOW_HOURS):
        moment = start + timedelta(hours=h)
        # 10 °C at 17 UTC on J-2 only: inside Tn(J-2) (18 UTC J-3 → 18 UTC J-2), nowhere else
        temperatures.append(
            10.0 if moment == datetime(2026, 7, 18, 17, tzinfo=UTC) else 20.0 + h % 2
        )
    us = _epoch_us(start) + np.arange(HEAT_WINDOW_HOURS, dtype=np.int64) * 3_600_000_000
    stats = hourly_stats(us, np.array(temperatures), np.zeros(HEAT_WINDOW_HOURS, dtype=np.int64),
                         start=start, hours=HEAT_WINDOW_HOURS)  # fmt: skip

    variables = heat_variables({"t": stats}, date(2026, 7, 20))

    assert [(v.aggregation[:3], v.day.isoformat(), v.station_values["t"]) for v in variables] == [
        ("min", "2026-07-18", 10.0),
        ("max", "2026-07-18", 21.0),
        ("min", "2026-07-19", 20.0),
        ("max", "2026-07-19", 21.0),
        ("min", "2026-07-20", 20.0),
        ("max", "2026-07-20", 21.0),
    ]

"""Inverse-distance weighting (Shepard 1968): hand case, naive oracle, invariants, projection."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.environment.interpolation import interpolate_idw, project_to_lambert93
from healthycity.errors import ValidationError

SAMPLE = Path(__file__).parent / "data" / "atmo_nouvelle_aquitaine_poitiers_sample_2019.csv"


def naive_idw(
    stations: list[tuple[float, float]],
    values: list[float],
    point: tuple[float, float],
    power: float = 2.0,
    max_distance: float = math.inf,
) -> float:
    """Shepard's formula, one point at a time, straight from the paper."""
    numerator = denominator = 0.0
    for (x, y), value in zip(stations, values, strict=True):
        if math.isnan(value):
            continue
        d = math.dist((x, y), point)
        if d == 0:
            return value
        if d <= max_distance:
            numerator += value / d**power
            denominator += 1 / d**power
    return numerator / denominator if denominator else math.nan


def test_idw_hand_computed() -> None:
    stations = np.array([[0.0, 0.0], [10_000.0, 0.0], [0.0, 10_000.0]])
    values = np.array([10.0, 40.0, 70.0])
    # at (0, 5000): d = 5000, 11180.3, 5000 -> weights 4e-8, 8e-9, 4e-8
    # (10·4 + 40·0.8 + 70·4) / (4 + 0.8 + 4) = 352 / 8.8 = 40
    result = interpolate_idw(stations, values, np.array([[0.0, 5000.0]]))
    assert result.values[0] == pytest.approx(40.0)
    assert result.nearest_station_m[0] == pytest.approx(5000.0)
    assert result.stations_used[0] == 3
    assert not result.is_at_station[0]


def test_idw_is_exact_at_a_station_and_reports_distance_zero() -> None:
    stations = np.array([[100.0, 200.0], [5000.0, 0.0]])
    result = interpolate_idw(stations, np.array([12.5, 80.0]), np.array([[100.0, 200.0]]))
    assert result.values[0] == 12.5
    assert result.is_at_station[0]


def test_idw_max_distance_gives_unavailable_and_drops_far_stations() -> None:
    stations = np.array([[0.0, 0.0], [30_000.0, 0.0]])
    values = np.array([10.0, 50.0])
    points = np.array([[1_000.0, 0.0], [15_000.0, 40_000.0]])
    result = interpolate_idw(stations, values, points, max_distance_m=20_000.0)
    assert result.values[0] == 10.0  # the far station does not contribute
    assert result.stations_used.tolist() == [1, 0]
    assert math.isnan(result.values[1])  # "indisponible"
    assert result.nearest_station_m[1] == pytest.approx(math.hypot(15_000, 40_000))


def test_idw_ignores_stations_without_a_value() -> None:
    stations = np.array([[0.0, 0.0], [10.0, 0.0]])
    result = interpolate_idw(stations, np.array([np.nan, 7.0]), np.array([[0.0, 0.0]]))
    assert result.values[0] == pytest.approx(7.0)
    assert result.nearest_station_m[0] == 10.0
    empty = interpolate_idw(stations, np.array([np.nan, np.nan]), np.array([[0.0, 0.0]]))
    assert math.isnan(empty.values[0])
    assert empty.nearest_station_m[0] == math.inf


def test_idw_survives_tiny_distances() -> None:
    # 1/d**2 would overflow to infinity here; the weights are computed relative to the nearest
    stations = np.array([[0.0, 1e-200], [0.0, 3e-200], [1000.0, 0.0]])
    result = interpolate_idw(stations, np.array([10.0, 20.0, 500.0]), np.array([[0.0, 0.0]]))
    assert result.values[0] == pytest.approx(11.0)  # weights 1 and 1/9


@pytest.mark.parametrize(
    ("stations", "values", "points", "power", "pattern"),
    [
        (np.zeros((2, 3)), np.zeros(2), np.zeros((1, 2)), 2.0, r"expected \(n, 2\)"),
        (np.zeros((2, 2)), np.zeros(3), np.zeros((1, 2)), 2.0, "one value per station"),
        (np.zeros((2, 2)), np.zeros(2), np.zeros(2), 2.0, r"expected \(m, 2\)"),
        (np.zeros((2, 2)), np.zeros(2), np.zeros((1, 2)), 0.0, "expected a number > 0"),
    ],
)
def test_idw_rejects_malformed_inputs(
    stations: np.ndarray, values: np.ndarray, points: np.ndarray, power: float, pattern: str
) -> None:
    with pytest.raises(ValidationError, match=pattern):
        interpolate_idw(stations, values, points, power=power)


def test_idw_matches_the_naive_reference_across_chunks() -> None:
    rng = np.random.default_rng(58)
    stations = rng.uniform(0, 100_000, size=(25, 2))
    values = rng.uniform(0, 120, size=25)
    values[3] = np.nan
    points = rng.uniform(0, 100_000, size=(5000, 2))  # more than one chunk of 2048
    result = interpolate_idw(stations, values, points, power=2.0, max_distance_m=30_000.0)
    for i in range(0, 5000, 97):
        expected = naive_idw(
            [tuple(s) for s in stations], list(values), tuple(points[i]), 2.0, 30_000.0
        )
        assert result.values[i] == pytest.approx(expected, nan_ok=True)


coordinate = st.integers(min_value=0, max_value=50_000).map(float)  # metre grid
station_strategy = st.lists(
    st.tuples(coordinate, coordinate, st.floats(min_value=0, max_value=500)),
    min_size=1,
    max_size=12,
    unique_by=lambda s: (s[0], s[1]),
)


@given(stations=station_strategy, point=st.tuples(coordinate, coordinate), power=st.floats(0.5, 4))
def test_idw_agrees_with_the_naive_reference_and_stays_within_the_station_range(
    stations: list[tuple[float, float, float]], point: tuple[float, float], power: float
) -> None:
    xy = np.array([[x, y] for x, y, _ in stations])
    values = np.array([v for _, _, v in stations])
    result = interpolate_idw(xy, values, np.array([point]), power=power)
    estimate = result.values[0]
    assert values.min() - 1e-9 <= estimate <= values.max() + 1e-9
    expected = naive_idw([(x, y) for x, y, _ in stations], list(values), point, power)
    assert estimate == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert result.nearest_station_m[0] == pytest.approx(
        min(math.dist((x, y), point) for x, y, _ in stations)
    )


@given(stations=station_strategy)
def test_idw_is_exact_at_every_station(stations: list[tuple[float, float, float]]) -> None:
    xy = np.array([[x, y] for x, y, _ in stations])
    values = np.array([v for _, _, v in stations])
    result = interpolate_idw(xy, values, xy)
    assert result.values.tolist() == values.tolist()
    assert result.is_at_station.all()


def test_project_to_lambert93_matches_the_atmo_station_coordinates() -> None:
    with SAMPLE.open(encoding="utf-8") as handle:
        rows = {r["cd_sttn"]: r for r in csv.DictReader(handle)}
    lon = np.array([float(r["lon"]) for r in rows.values()])
    lat = np.array([float(r["lat"]) for r in rows.values()])
    expected = np.array([[float(r["x_l93"]), float(r["y_l93"])] for r in rows.values()])
    assert np.abs(project_to_lambert93(lon, lat) - expected).max() < 1.0  # metres

"""Catchment and DistanceDecay: validation, storage order, step weights."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.care_access.models import ActivityCaps, Catchment, DistanceDecay
from healthycity.errors import ValidationError
from tests.unit.care_access.naive import naive_step_weight


def make_catchment(**overrides: object) -> Catchment:
    fields: dict[str, object] = {
        "origin": [0, 1],
        "site": [0, 0],
        "travel_time_min": [5.0, 7.0],
        "n_origins": 2,
        "n_sites": 1,
    }
    fields.update(overrides)
    return Catchment(**fields)  # type: ignore[arg-type]


def test_catchment_sorts_pairs_by_origin_keeping_their_order() -> None:
    c = make_catchment(
        origin=[2, 0, 2, 0], site=[1, 1, 0, 0], travel_time_min=[1.0, 2.0, 3.0, 4.0], n_origins=4,
        n_sites=2,
    )  # fmt: skip
    assert c.origin.tolist() == [0, 0, 2, 2]
    assert c.site.tolist() == [1, 0, 1, 0]
    assert c.travel_time_min.tolist() == [2.0, 4.0, 1.0, 3.0]
    assert c.origin_start.tolist() == [0, 2, 2, 4, 4]
    assert c.n_pairs == 4


def test_catchment_arrays_are_read_only() -> None:
    c = make_catchment()
    with pytest.raises(ValueError, match="read-only"):
        c.travel_time_min[0] = 99.0


def test_catchment_accepts_no_pairs() -> None:
    c = make_catchment(origin=[], site=[], travel_time_min=[], n_origins=3)
    assert c.n_pairs == 0
    assert c.origin_start.tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"origin": [0, 2]}, r"origin index 2 is out of range; expected 0 ≤ index < 2"),
        ({"site": [0, -1]}, r"site index -1 is out of range; expected 0 ≤ index < 1"),
        ({"origin": [0.0, 1.0]}, r"origin has dtype float64.*expected 1-D integers"),
        ({"travel_time_min": [5.0]}, r"shapes origin \(2,\), site \(2,\), travel_time_min \(1,\)"),
        (
            {"travel_time_min": [5.0, np.nan]},
            r"pair 1 \(origin 1, site 0\).*=nan; expected a finite",
        ),
        (
            {"travel_time_min": [-1.0, 5.0]},
            r"pair 0 .*travel_time_min=-1.0; expected a finite time",
        ),
        ({"n_origins": -1}, r"n_origins=-1; expected a non-negative integer"),
        (
            {"origin": [1, 0, 1], "site": [0, 0, 0], "travel_time_min": [1.0, 2.0, 3.0]},
            r"pair \(origin, site\)=\(1, 0\) appears twice; expected each pair once",
        ),
        ({"n_sites": True}, r"n_sites=True; expected a non-negative integer"),
    ],
)
def test_catchment_rejects_bad_input_naming_the_value(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        make_catchment(**overrides)


def test_distance_decay_bands_are_closed_below_and_open_above() -> None:
    decay = DistanceDecay((10, 15, 20), (1, 2 / 3, 1 / 3))
    times = np.array([0.0, 9.999, 10.0, 14.999, 15.0, 19.999, 20.0, 1e6])
    assert decay.weigh(times).tolist() == [1, 1, 2 / 3, 2 / 3, 1 / 3, 1 / 3, 0, 0]


@given(
    st.lists(st.floats(0.5, 60.0), min_size=1, max_size=5, unique=True),
    st.lists(st.floats(0.0, 3.0), min_size=5, max_size=5),
    st.lists(st.floats(0.0, 100.0), max_size=30),
)
def test_distance_decay_matches_the_naive_step_function(
    bounds: list[float], raw_weights: list[float], times: list[float]
) -> None:
    bounds = sorted(bounds)
    weights = sorted(raw_weights[: len(bounds)], reverse=True)
    expected = [naive_step_weight(bounds, weights)(t) for t in times]
    assert DistanceDecay(tuple(bounds), tuple(weights)).weigh(np.array(times)).tolist() == expected


@pytest.mark.parametrize(
    ("bounds", "weights", "message"),
    [
        ((), (), "0 bounds and 0 weights"),
        ((10.0, 20.0), (1.0,), "2 bounds and 1 weights"),
        ((10.0, 10.0), (1.0, 0.5), r"upper_bounds_min=\(10.0, 10.0\); expected .*increasing"),
        ((0.0,), (1.0,), "expected finite, positive"),
        ((10.0, 20.0), (0.5, 1.0), r"weights=\(0.5, 1.0\); .*never increase"),
        ((10.0,), (-1.0,), r"weights=\(-1.0,\); expected finite weights ≥ 0"),
    ],
)
def test_distance_decay_rejects_bad_bands(
    bounds: tuple[float, ...], weights: tuple[float, ...], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        DistanceDecay(bounds, weights)


def test_activity_caps_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match=r"floor=200.*expected 0 ≤ uncounted_max < floor"):
        ActivityCaps(uncounted_max=250, floor=200, ceiling=6000)


def test_catchment_keeps_the_pair_weights_of_recent_decays() -> None:
    c = make_catchment(travel_time_min=[5.0, 12.0])
    decay = DistanceDecay((10.0, 15.0), (1.0, 0.5))
    weights = c.pair_weights(decay)
    assert weights.tolist() == [1.0, 0.5]
    assert c.pair_weights(DistanceDecay((10.0, 15.0), (1.0, 0.5))) is weights  # equal decay
    with pytest.raises(ValueError, match="read-only"):
        weights[0] = 2.0
    for bound in (20.0, 30.0, 40.0, 50.0):  # the fifth decay kept clears the others
        c.pair_weights(DistanceDecay((bound,), (1.0,)))
    again = c.pair_weights(decay)
    assert again is not weights
    assert again.tolist() == [1.0, 0.5]

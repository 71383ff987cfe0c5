"""Density classes and palette of the map, and the age pyramid's bars (pure)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.dashboard.choropleth import (
    DENSITY_BREAKS_PER_KM2,
    DENSITY_PALETTE,
    NO_DATA_COLOUR,
    class_limits,
    classify_density,
)
from healthycity.dashboard.pages import age_bars
from healthycity.territory.models import AGE_BANDS

densities = st.floats(min_value=0, max_value=1e5, allow_nan=False)


def _naive_class(density: float) -> int:
    """Walk the limits from the bottom until one is above the density."""
    for index, limit in enumerate(DENSITY_BREAKS_PER_KM2):
        if density < limit:
            return index
    return len(DENSITY_BREAKS_PER_KM2)


@pytest.mark.parametrize(
    ("density", "expected"),
    [(0.0, 0), (9.9, 0), (10.0, 1), (19.9, 1), (20.0, 2), (499.9, 5), (500.0, 6), (4281.0, 6)],
)
def test_classify_density_hand_cases(density: float, expected: int) -> None:
    assert classify_density(density) == expected


def test_classify_density_of_unknown_is_none() -> None:
    assert classify_density(None) is None


@given(densities)
def test_classify_density_matches_a_naive_walk(density: float) -> None:
    assert classify_density(density) == _naive_class(density)


@given(densities, densities)
def test_classify_density_never_falls_when_density_rises(low: float, high: float) -> None:
    low, high = sorted((low, high))

    assert classify_density(low) <= classify_density(high)  # type: ignore[operator]


@given(densities)
def test_class_limits_hold_the_density_of_their_class(density: float) -> None:
    low, high = class_limits()[classify_density(density)]  # type: ignore[index]

    assert low is None or low <= density
    assert high is None or density < high


def _relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_palette_is_sequential_with_one_colour_per_class() -> None:
    luminances = [_relative_luminance(c) for c in DENSITY_PALETTE]

    assert len(DENSITY_PALETTE) == len(class_limits())
    assert luminances == sorted(luminances, reverse=True)  # darker means denser
    assert len(set(DENSITY_PALETTE)) == len(DENSITY_PALETTE)
    assert NO_DATA_COLOUR not in DENSITY_PALETTE


def test_age_bars_put_the_oldest_on_top_and_scale_on_the_largest() -> None:
    bars = age_bars({"00-04": 200.0, "05-09": 400.0, "90-94": 100.0, "95+": 0.0})

    assert [b.label for b in bars] == ["95+", "90–94", "5–9", "0–4"]
    assert [b.width_pct for b in bars] == [0.0, 25.0, 100.0, 50.0]


@given(st.lists(st.floats(min_value=0, max_value=1e7), min_size=20, max_size=20))
def test_age_bars_widths_stay_on_their_scale(values: list[float]) -> None:
    bars = age_bars(dict(zip(AGE_BANDS, values, strict=True)))

    assert len(bars) == len(AGE_BANDS)
    assert all(0 <= b.width_pct <= 100 for b in bars)
    if max(values) > 0:
        assert max(b.width_pct for b in bars) == 100
    assert [b.population for b in reversed(bars)] == values

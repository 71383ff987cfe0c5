"""Classes and colours of the population-density map (pure)."""

from bisect import bisect_right
from collections.abc import Sequence
from itertools import pairwise

# Fixed class limits in inhabitants/km², a 1-2-5 geometric progression. Densities of rural
# communes are strongly right-skewed (1 to 4,000 hab./km² in the demo territory, median 22),
# and rounded limits growing geometrically suit such distributions while staying comparable
# between territories and years, which quantiles are not (Slocum et al., *Thematic
# Cartography and Geovisualization*, 3rd ed., 2009, §5.3 "Data classification").
DENSITY_BREAKS_PER_KM2: tuple[float, ...] = (10, 20, 50, 100, 200, 500)

# ColorBrewer sequential "YlGnBu", 7 classes: rated colour-blind safe, print friendly and
# photocopy safe (Harrower & Brewer, "ColorBrewer.org", The Cartographic Journal 40(1), 2003).
DENSITY_PALETTE: tuple[str, ...] = (
    "#ffffcc",
    "#c7e9b4",
    "#7fcdbb",
    "#41b6c4",
    "#1d91c0",
    "#225ea8",
    "#0c2c84",
)
NO_DATA_COLOUR = "#d9d9d9"  # neutral grey, outside the palette's hue range


def classify_density(
    density_per_km2: float | None, breaks: Sequence[float] = DENSITY_BREAKS_PER_KM2
) -> int | None:
    """Index of the class holding ``density_per_km2``; a limit belongs to the class above.

    Class ``0`` is below ``breaks[0]``, class ``len(breaks)`` at or above ``breaks[-1]``;
    ``None`` when the density is unknown.

    >>> classify_density(9.99), classify_density(10), classify_density(4281.0)
    (0, 1, 6)
    >>> classify_density(None) is None
    True
    """
    if density_per_km2 is None:
        return None
    return bisect_right(breaks, density_per_km2)


def class_limits(
    breaks: Sequence[float] = DENSITY_BREAKS_PER_KM2,
) -> list[tuple[float | None, float | None]]:
    """The ``(low, high)`` limits of each class, ``None`` for the open ends.

    >>> class_limits((10, 20))
    [(None, 10), (10, 20), (20, None)]
    """
    edges: list[float | None] = [None, *breaks, None]
    return list(pairwise(edges))

"""Classification of a value into bands given by their inclusive upper bounds."""

import math
from bisect import bisect_left
from collections.abc import Sequence
from itertools import pairwise

from healthycity.errors import ValidationError


def band_of(value: float, upper_bounds: Sequence[float]) -> int | None:
    """1-based band of ``value``: the first band whose upper bound is >= value.

    Bands are right-closed, as in the tables of the arrêté du 10 juillet 2020
    ("40 < concentration ≤ 90"): a value equal to a bound belongs to the lower band, and a value
    above every bound to the open last band (``len(upper_bounds) + 1``). ``None`` for NaN.

    Raises
    ------
    ValidationError
        For a negative or infinite value: concentrations and counts are finite and >= 0.

    >>> band_of(40.0, (40, 90, 120, 230, 340)), band_of(40.5, (40, 90, 120, 230, 340))
    (1, 2)
    """
    if math.isnan(value):
        return None
    if value < 0 or math.isinf(value):
        msg = f"Cannot classify {value!r}; expected a finite value >= 0."
        raise ValidationError(msg)
    return bisect_left(upper_bounds, value) + 1


def check_upper_bounds(name: str, upper_bounds: Sequence[float], count: int) -> None:
    """Raise ValidationError unless ``upper_bounds`` holds ``count`` increasing values >= 0."""
    ordered = all(a < b for a, b in pairwise(upper_bounds))
    if len(upper_bounds) != count or not ordered or min(upper_bounds, default=0) < 0:
        msg = (
            f"Thresholds of {name}: {list(upper_bounds)!r}; "
            f"expected {count} strictly increasing values >= 0."
        )
        raise ValidationError(msg)

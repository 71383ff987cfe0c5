"""Value objects of access to care: sparse catchments, distance decay, APL parameters."""

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from healthycity.errors import ValidationError

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


_Array = TypeVar("_Array", bound=npt.NDArray[np.generic])
_MAX_KEPT_WEIGHTS = 4  # decays whose pair weights a catchment keeps
# Pairs per chunk of work on per-pair arrays: 2^17 float64 (1 MiB) per temporary array stays
# in cache; on 5 million pairs, chunked passes are 1.5–2.5× faster than whole-array numpy.
CHUNK_PAIRS = 1 << 17


def _read_only(array: _Array) -> _Array:
    """A read-only view, so that a frozen dataclass cannot be changed through its arrays."""
    view = array.view()
    view.flags.writeable = False
    return view


def _index_array(values: npt.ArrayLike, *, name: str, size: int) -> IndexArray:
    array = np.asarray(values)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        msg = (
            f"Catchment {name} has dtype {array.dtype} and shape {array.shape}; "
            "expected 1-D integers."
        )
        raise ValidationError(msg)
    array = array.astype(np.intp, copy=False)
    if array.size and (array.min() < 0 or array.max() >= size):
        bad = int(array[(array < 0) | (array >= size)][0])
        msg = f"Catchment {name} index {bad} is out of range; expected 0 ≤ index < {size}."
        raise ValidationError(msg)
    return array


def _check_unique_pairs(origin: IndexArray, site: IndexArray, *, n_sites: int) -> None:
    """Reject a pair given twice: it would count its demand and supply twice."""
    key = origin * n_sites + site  # n_origins × n_sites stays far below 2^63
    if key.size < 2 or (np.diff(key) > 0).all():  # sorted by origin, then site: one pass
        return
    ordered = np.sort(key)
    repeated = np.flatnonzero(ordered[1:] == ordered[:-1])
    if repeated.size:
        pair = divmod(int(ordered[repeated[0]]), n_sites)
        msg = f"Catchment pair (origin, site)={pair} appears twice; expected each pair once."
        raise ValidationError(msg)


@dataclass(frozen=True)
class DistanceDecay:
    """Step weights of travel time that never increase, and fall to 0 beyond the last band.

    The weight of band ``k`` applies to times in ``[upper_bounds_min[k-1], upper_bounds_min[k])``
    (from 0 for the first band); times at or beyond the last bound weigh 0.

    Bands are closed below and open above because the DREES sheet reads "moins de 10 minutes",
    "entre 10 et 15 minutes"… (PySAL ``access.weights.step_fn`` closes them above instead;
    the two agree except at times exactly on a bound). Weights must not increase with time:
    a decay that rewarded distance would break every accessibility invariant.

    >>> DistanceDecay((10.0, 20.0), (1.0, 0.5)).weigh(np.array([0.0, 9.9, 10.0, 19.0, 20.0]))
    array([1. , 1. , 0.5, 0.5, 0. ])
    """

    upper_bounds_min: tuple[float, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        bounds = np.asarray(self.upper_bounds_min, dtype=np.float64)
        weights = np.asarray(self.weights, dtype=np.float64)
        if bounds.ndim != 1 or bounds.size == 0 or bounds.shape != weights.shape:
            msg = (
                f"DistanceDecay has {bounds.size} bounds and {weights.size} weights; "
                "expected one weight per band and at least one band."
            )
            raise ValidationError(msg)
        if not np.isfinite(bounds).all() or bounds[0] <= 0 or (np.diff(bounds) <= 0).any():
            msg = (
                f"DistanceDecay upper_bounds_min={self.upper_bounds_min}; "
                "expected finite, positive, strictly increasing minutes."
            )
            raise ValidationError(msg)
        if not np.isfinite(weights).all() or (weights < 0).any() or (np.diff(weights) > 0).any():
            msg = (
                f"DistanceDecay weights={self.weights}; "
                "expected finite weights ≥ 0 that never increase with time."
            )
            raise ValidationError(msg)
        object.__setattr__(self, "upper_bounds_min", tuple(float(b) for b in bounds))
        object.__setattr__(self, "weights", tuple(float(w) for w in weights))

    def weigh(self, travel_time_min: FloatArray) -> FloatArray:
        """Weight of each travel time (vectorised)."""
        # band index by one comparison per bound, then a table look-up, chunk by chunk so
        # that temporaries stay in cache: 3× faster than searchsorted on millions of pairs
        table = np.array((*self.weights, 0.0))
        weight = np.empty(travel_time_min.shape)
        first, *others = self.upper_bounds_min
        for start in range(0, travel_time_min.size, CHUNK_PAIRS):
            time = travel_time_min[start : start + CHUNK_PAIRS]
            band = (time >= first).astype(np.intp)
            for bound in others:
                band += time >= bound
            np.take(table, band, out=weight[start : start + CHUNK_PAIRS])
        return weight


@dataclass(frozen=True, eq=False)
class Catchment:
    """Reachable (origin, site) pairs with their travel time: a sparse origin × site matrix.

    Pair ``k`` links origin ``origin[k]`` (a row of the demand vector) to site ``site[k]``
    (a row of the supply vector) in ``travel_time_min[k]`` minutes. Pairs that are absent are
    unreachable (beyond the cut-off). The pairs are stored sorted by origin (a stable sort, so
    the pairs of one origin keep their order), as in a CSR matrix: those of origin ``i`` are
    ``origin_start[i]:origin_start[i + 1]``. Per-pair arrays such as weights must follow that
    stored order. Arrays are kept as read-only views, without a copy when they already have
    the right type and order (millions of pairs): do not change the arrays you passed in.

    >>> c = Catchment(origin=[1, 0, 0], site=[1, 0, 1], travel_time_min=[3.0, 5.0, 12.0],
    ...               n_origins=2, n_sites=2)
    >>> c.origin, c.site, c.origin_start
    (array([0, 0, 1]), array([0, 1, 1]), array([0, 2, 3]))
    """

    origin: IndexArray
    site: IndexArray
    travel_time_min: FloatArray
    n_origins: int
    n_sites: int
    origin_start: IndexArray = field(init=False, repr=False)
    _weights: dict[DistanceDecay, FloatArray] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("n_origins", "n_sites"):
            count = getattr(self, name)
            if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
                msg = f"Catchment {name}={count!r}; expected a non-negative integer."
                raise ValidationError(msg)
        origin = _index_array(self.origin, name="origin", size=int(self.n_origins))
        site = _index_array(self.site, name="site", size=int(self.n_sites))
        time = np.asarray(self.travel_time_min, dtype=np.float64)
        if not origin.shape == site.shape == time.shape:
            msg = (
                f"Catchment arrays have shapes origin {origin.shape}, site {site.shape}, "
                f"travel_time_min {time.shape}; expected three 1-D arrays of the same length."
            )
            raise ValidationError(msg)
        is_bad = ~np.isfinite(time) | (time < 0)
        if is_bad.any():
            k = int(np.flatnonzero(is_bad)[0])
            msg = (
                f"Catchment pair {k} (origin {origin[k]}, site {site[k]}) has "
                f"travel_time_min={time[k]}; expected a finite time ≥ 0."
            )
            raise ValidationError(msg)
        _check_unique_pairs(origin, site, n_sites=int(self.n_sites))
        if (np.diff(origin) < 0).any():
            order = np.argsort(origin, kind="stable")
            origin, site, time = origin[order], site[order], time[order]
        start = np.searchsorted(origin, np.arange(int(self.n_origins) + 1)).astype(np.intp)
        for name, value in (
            ("origin", origin), ("site", site), ("travel_time_min", time), ("origin_start", start),
        ):  # fmt: skip
            object.__setattr__(self, name, _read_only(value))
        object.__setattr__(self, "n_origins", int(self.n_origins))
        object.__setattr__(self, "n_sites", int(self.n_sites))

    @property
    def n_pairs(self) -> int:
        """Number of reachable (origin, site) pairs."""
        return int(self.origin.size)

    def pair_weights(self, decay: DistanceDecay) -> FloatArray:
        """Weight of every pair under ``decay``, computed on first use and kept (read-only).

        Weighing millions of pairs costs about as much as the rest of an E2SFCA, and APL
        runs and scenarios reuse the same catchment and decay over and over.
        """
        weight = self._weights.get(decay)
        if weight is None:
            if len(self._weights) >= _MAX_KEPT_WEIGHTS:
                self._weights.clear()  # a bound on memory, not a cache policy worth more
            weight = _read_only(decay.weigh(self.travel_time_min))
            self._weights[decay] = weight
        return weight


@dataclass(frozen=True)
class ActivityCaps:
    """DREES bounds on the yearly consultations and visits counted for one GP.

    Activity ``≤ uncounted_max`` counts 0, up to ``floor`` counts ``floor``, between ``floor``
    and ``ceiling`` counts as is, above ``ceiling`` counts ``ceiling``.
    """

    uncounted_max: float
    floor: float
    ceiling: float

    def __post_init__(self) -> None:
        if not 0 <= self.uncounted_max < self.floor <= self.ceiling:
            msg = (
                f"ActivityCaps uncounted_max={self.uncounted_max}, floor={self.floor}, "
                f"ceiling={self.ceiling}; expected 0 ≤ uncounted_max < floor ≤ ceiling."
            )
            raise ValidationError(msg)


@dataclass(frozen=True)
class AplParameters:
    """Parameters of one APL millésime, as published by DREES (sheet "Paramètres")."""

    year: int
    activity_caps: ActivityCaps
    decay: DistanceDecay
    age_weights: tuple[float, ...]
    new_gp_activity: float
    source: str


class AplClass(IntEnum):
    """APL class of a commune; the codes are those returned by ``classify_apl``."""

    UNDER_DENSE = 0
    VIGILANCE = 1
    ADEQUATE = 2

"""Floating-catchment accessibility indicators: 2SFCA, E2SFCA and the DREES APL.

Every indicator is two sparse passes over the reachable (origin, site) pairs of a
:class:`~healthycity.care_access.models.Catchment`, each one ``np.bincount``:

1. each site's ratio of supply to the (weighted) demand that can reach it,
   ``R_j = S_j / Σ_i w(t_ij) D_i``;
2. each origin's access, the (weighted) sum of the ratios it can reach,
   ``A_i = Σ_j w(t_ij) R_j``.

With a demand in inhabitants, access is supply per inhabitant. A site that no demand reaches
with a positive weight serves nobody: its ratio is 0 rather than undefined, so its supply
does not count anywhere. Then ``Σ_i D_i A_i = Σ_j S_j`` over the sites that are reached,
which the tests check.
"""

import numpy as np
import numpy.typing as npt

from healthycity.care_access.models import (
    CHUNK_PAIRS,
    ActivityCaps,
    AplParameters,
    Catchment,
    DistanceDecay,
    FloatArray,
    IndexArray,
)
from healthycity.errors import ValidationError

# DREES APL zonage thresholds, in consultations per standardised inhabitant per year: below
# 2.5 a commune is under-dense (eligible as a zone d'intervention prioritaire), from 2.5 to 4
# it is in the vigilance band (zone d'action complémentaire). Sources: arrêté du 13 novembre
# 2017 relatif à la méthodologie applicable à la profession de médecin pour la détermination
# des zones prévues au 1° de l'article L. 1434-4 du code de la santé publique; Vergier N.,
# Chaput H., "Déserts médicaux : comment les définir ? Comment les mesurer ?", Les Dossiers
# de la DREES n°17 (2017).
APL_UNDER_DENSE_BELOW = 2.5
APL_ADEQUATE_FROM = 4.0

# Yearly consultations and visits credited to one GP when only a head count is known (INSEE
# BPE). It is the activity DREES itself imputes to a GP whose activity it does not know (a
# liberal GP without liberal activity the year before; APL sheet "Paramètres", exceptions).
# Part-time and near-retirement GPs do less, so a count-based APL is biased upwards: pass
# ``activity_per_gp`` to calibrate it when a local mean activity is known.
STANDARD_GP_ACTIVITY = 5400.0


def _checked(values: npt.ArrayLike, *, name: str, size: int) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (size,):
        msg = f"{name} has shape {array.shape}; expected ({size},), one value per row."
        raise ValidationError(msg)
    is_bad = ~np.isfinite(array) | (array < 0)
    if is_bad.any():
        k = int(np.flatnonzero(is_bad)[0])
        msg = f"{name}[{k}]={array[k]}; expected a finite value ≥ 0."
        raise ValidationError(msg)
    return array


def _origin_chunks(catchment: Catchment) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Split the pairs into runs of about ``CHUNK_PAIRS`` that start and end with an origin.

    Each chunk is its pair range and the range of origins whose pairs fill it exactly.
    """
    start = catchment.origin_start
    if catchment.n_pairs == 0:
        return []
    targets = np.arange(0, catchment.n_pairs, CHUNK_PAIRS)
    cuts = np.unique(np.append(start[np.searchsorted(start, targets)], catchment.n_pairs))
    first_origin = catchment.origin[cuts[:-1]]
    last_origin = catchment.origin[cuts[1:] - 1]
    return [
        ((int(a), int(b)), (int(low), int(high) + 1))
        for a, b, low, high in zip(cuts[:-1], cuts[1:], first_origin, last_origin, strict=True)
    ]


def compute_fca(
    catchment: Catchment,
    supply: npt.ArrayLike,
    demand: npt.ArrayLike,
    *,
    pair_weight: FloatArray,
) -> FloatArray:
    """Two-step floating catchment with one precomputed weight per pair (the common core).

    :func:`compute_2sfca`, :func:`compute_e2sfca` and :func:`compute_apl` build the pair
    weights and call this (E2SFCA and APL reuse those kept by
    :meth:`~healthycity.care_access.models.Catchment.pair_weights`).

    Parameters
    ----------
    catchment
        Reachable pairs.
    supply
        Supply per site (``catchment.n_sites`` values ≥ 0).
    demand
        Demand per origin (``catchment.n_origins`` values ≥ 0).
    pair_weight
        Weight of each pair, the same in both steps (Luo & Qi 2009).

    Returns
    -------
    numpy.ndarray
        Access per origin, in supply units per demand unit; 0 where no supply is reachable.
    """
    weight = np.asarray(pair_weight, dtype=np.float64)
    if weight.shape != (catchment.n_pairs,):
        msg = f"pair_weight has shape {weight.shape}; expected ({catchment.n_pairs},)."
        raise ValidationError(msg)
    # min and max, two quick passes, also catch NaN (min propagates it) and infinity
    if weight.size and not (weight.min() >= 0 and np.isfinite(weight.max())):
        msg = f"pair_weight spans {weight.min()}–{weight.max()}; expected finite weights ≥ 0."
        raise ValidationError(msg)
    return _floating_catchment(catchment, supply, demand, weight)


def _floating_catchment(
    catchment: Catchment, supply: npt.ArrayLike, demand: npt.ArrayLike, weight: FloatArray
) -> FloatArray:
    """The two passes, with pair weights that are known to be good."""
    supply_j = _checked(supply, name="supply", size=catchment.n_sites)
    demand_i = _checked(demand, name="demand", size=catchment.n_origins)
    pairs_per_origin = np.diff(catchment.origin_start)
    chunks = _origin_chunks(catchment)
    weighted_demand = np.zeros_like(supply_j)
    for (first, stop), (low, high) in chunks:
        # pairs are sorted by origin: repeating each demand beats a gather
        work = np.repeat(demand_i[low:high], pairs_per_origin[low:high])
        work *= weight[first:stop]
        weighted_demand += np.bincount(
            catchment.site[first:stop], weights=work, minlength=supply_j.size
        )
    ratio = np.zeros_like(supply_j)
    np.divide(supply_j, weighted_demand, out=ratio, where=weighted_demand > 0)
    access = np.zeros_like(demand_i)
    has_pairs = pairs_per_origin > 0
    for (first, stop), (low, high) in chunks:
        work = np.take(ratio, catchment.site[first:stop])
        work *= weight[first:stop]
        # and summing each origin's contiguous run beats bincount (reduceat, about 5×)
        is_used = has_pairs[low:high]
        starts = catchment.origin_start[low:high][is_used] - first
        access[low:high][is_used] = np.add.reduceat(work, starts)
    return access


def compute_2sfca(
    catchment: Catchment,
    supply: npt.ArrayLike,
    demand: npt.ArrayLike,
    *,
    max_time_min: float,
) -> FloatArray:
    """Two-step floating catchment area (2SFCA): every pair within ``max_time_min`` weighs 1.

    Luo W., Wang F. (2003), "Measures of spatial accessibility to health care in a GIS
    environment: synthesis and a case study in the Chicago region", *Environment and
    Planning B* 30(6): 865–884. As there, the catchment is ``t_ij ≤ max_time_min``.

    >>> c = Catchment(origin=[0, 1, 1], site=[0, 0, 1], travel_time_min=[5.0, 8.0, 40.0],
    ...               n_origins=2, n_sites=2)
    >>> compute_2sfca(c, [2.0, 9.0], [100.0, 300.0], max_time_min=30.0)
    array([0.005, 0.005])
    """
    weight = (catchment.travel_time_min <= max_time_min).astype(np.float64)
    return _floating_catchment(catchment, supply, demand, weight)


def compute_e2sfca(
    catchment: Catchment,
    supply: npt.ArrayLike,
    demand: npt.ArrayLike,
    *,
    decay: DistanceDecay,
) -> FloatArray:
    """Enhanced 2SFCA: the travel-time step weights apply in both steps.

    Luo W., Qi Y. (2009), "An enhanced two-step floating catchment area (E2SFCA) method for
    measuring spatial accessibility to primary care physicians", *Health & Place* 15(4):
    1100–1107, equations (1) and (2).
    """
    return _floating_catchment(catchment, supply, demand, catchment.pair_weights(decay))


def compute_apl(
    catchment: Catchment,
    supply_consultations: npt.ArrayLike,
    standardised_population: npt.ArrayLike,
    *,
    parameters: AplParameters,
) -> FloatArray:
    """DREES APL to GPs: E2SFCA with the DREES decay on capped activity and standardised demand.

    Barlet M., Coldefy M., Collin C., Lucas-Gabrielli V. (2012), "L'accessibilité
    potentielle localisée (APL) : une nouvelle mesure de l'accessibilité aux médecins
    généralistes libéraux", DREES *Études et Résultats* n°795; parameters from the DREES
    APL sheet (:func:`~healthycity.care_access.apl_parameters.load_apl_parameters`).

    Parameters
    ----------
    catchment
        Road travel times from each commune to each practice location.
    supply_consultations
        Consultations and visits per year offered at each site, already capped per GP
        (:func:`cap_gp_activity`) or estimated from counts (:func:`supply_from_gp_counts`).
    standardised_population
        Demand per origin (:func:`standardise_population`).
    parameters
        The millésime's parameters; only its distance decay is used here.

    Returns
    -------
    numpy.ndarray
        Consultations per standardised inhabitant per year, per origin.
    """
    return compute_e2sfca(
        catchment, supply_consultations, standardised_population, decay=parameters.decay
    )


def cap_gp_activity(
    consultations: npt.ArrayLike,
    caps: ActivityCaps,
    *,
    is_health_centre: npt.ArrayLike | None = None,
) -> FloatArray:
    """Consultations counted for each GP under the DREES activity caps.

    Activity up to 250 counts 0, 251–3,600 counts 3,600, 3,601–6,000 counts as is, and over
    6,000 counts 6,000 (APL sheet "Paramètres", 2022–2023). Salaried GPs of centres de santé
    are not capped (same sheet, exceptions).

    >>> from healthycity.care_access.models import ActivityCaps
    >>> caps = ActivityCaps(uncounted_max=250, floor=3600, ceiling=6000)
    >>> cap_gp_activity([100, 250, 251, 4000, 9000, 9000], caps,
    ...                 is_health_centre=[False] * 5 + [True])
    array([   0.,    0., 3600., 4000., 6000., 9000.])
    """
    activity = np.asarray(consultations, dtype=np.float64)
    _checked(activity, name="consultations", size=activity.size)
    counted = np.where(
        activity <= caps.uncounted_max, 0.0, np.clip(activity, caps.floor, caps.ceiling)
    )
    if is_health_centre is None:
        return counted
    is_centre = np.asarray(is_health_centre, dtype=bool)
    if is_centre.shape != activity.shape:
        msg = f"is_health_centre has shape {is_centre.shape}; expected {activity.shape}."
        raise ValidationError(msg)
    return np.where(is_centre, activity, counted)


def supply_from_gp_counts(
    gp_count: npt.ArrayLike, *, activity_per_gp: float = STANDARD_GP_ACTIVITY
) -> FloatArray:
    """Yearly consultations offered at each site when only the number of GPs is known.

    >>> supply_from_gp_counts([0, 2])
    array([    0., 10800.])
    """
    counts = np.asarray(gp_count, dtype=np.float64)
    _checked(counts, name="gp_count", size=counts.size)
    if not (np.isfinite(activity_per_gp) and activity_per_gp > 0):
        msg = f"activity_per_gp={activity_per_gp}; expected a positive number of consultations."
        raise ValidationError(msg)
    return counts * activity_per_gp


def standardise_population(bands_by_origin: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """Population weighted by each age band's relative consumption of GP care (DREES).

    ``bands_by_origin`` has one row per origin and either the 19 DREES bands or the 20 INSEE
    bands of ``territory.models.AGE_BANDS`` (``00-04`` … ``90-94``, ``95+``), whose last two
    are merged into the 19th DREES band "90 and over". ``weights`` are the 19 DREES age
    weights (APL sheet "Paramètres", ``poids_age``).

    >>> standardise_population([[10.0] * 20], [1.0] * 18 + [2.0])
    array([220.])
    """
    bands = np.asarray(bands_by_origin, dtype=np.float64)
    age_weights = np.asarray(weights, dtype=np.float64)
    if age_weights.shape != (19,):
        msg = f"weights has shape {age_weights.shape}; expected the 19 DREES age weights."
        raise ValidationError(msg)
    if bands.ndim != 2 or bands.shape[1] not in (19, 20):
        msg = f"bands_by_origin has shape {bands.shape}; expected (n, 19) or (n, 20) age bands."
        raise ValidationError(msg)
    _checked(bands.ravel(), name="bands_by_origin", size=bands.size)
    if bands.shape[1] == 20:
        bands = np.column_stack([bands[:, :18], bands[:, 18:].sum(axis=1)])
    return bands @ age_weights


def classify_apl(apl: npt.ArrayLike) -> npt.NDArray[np.int8]:
    """APL class codes (:class:`~healthycity.care_access.models.AplClass`) of each value.

    Under-dense below 2.5, vigilance from 2.5 to below 4, adequate from 4 (DREES zonage
    thresholds, see ``APL_UNDER_DENSE_BELOW``).

    >>> classify_apl([0.0, 2.49, 2.5, 3.99, 4.0])
    array([0, 0, 1, 1, 2], dtype=int8)
    """
    values = np.asarray(apl, dtype=np.float64)
    _checked(values.ravel(), name="apl", size=values.size)
    return np.digitize(values, [APL_UNDER_DENSE_BELOW, APL_ADEQUATE_FROM]).astype(np.int8)


def aggregate_weighted(
    values: npt.ArrayLike,
    weights: npt.ArrayLike,
    group_index: npt.ArrayLike,
    *,
    n_groups: int | None = None,
) -> FloatArray:
    """Weighted mean of ``values`` per group (for the APL: weights are standardised population).

    Groups without weight get NaN: their mean is undefined, not 0.

    >>> aggregate_weighted([2.0, 5.0, 3.0], [1.0, 2.0, 0.0], [0, 0, 2])
    array([ 4., nan, nan])
    """
    value = np.asarray(values, dtype=np.float64)
    weight = _checked(weights, name="weights", size=value.size)
    raw_group = np.asarray(group_index)
    if raw_group.size and not np.issubdtype(raw_group.dtype, np.integer):
        msg = f"group_index has dtype {raw_group.dtype}; expected integer group numbers."
        raise ValidationError(msg)
    group: IndexArray = raw_group.astype(np.intp, copy=False)
    if value.ndim != 1 or group.shape != value.shape or not np.isfinite(value).all():
        msg = (
            f"values {value.shape} and group_index {group.shape}; "
            "expected finite values and one group per value."
        )
        raise ValidationError(msg)
    size = int(group.max()) + 1 if n_groups is None and group.size else int(n_groups or 0)
    if group.size and (group.min() < 0 or group.max() >= size):
        msg = f"group_index spans {group.min()}–{group.max()}; expected 0 ≤ index < {size}."
        raise ValidationError(msg)
    total = np.bincount(group, weights=weight * value, minlength=size)
    mass = np.bincount(group, weights=weight, minlength=size)
    mean = np.full(size, np.nan)
    np.divide(total, mass, out=mean, where=mass > 0)
    return mean

"""2SFCA and E2SFCA: a case worked on paper, invariants, and a naive oracle.

Invariants, and why they hold (``w`` the pair weights, the same in both steps):

* Unbounded catchment, every weight 1: each site sees the whole demand, ``R_j = S_j / ΣD``,
  so every origin gets ``Σ_j R_j = ΣS / ΣD``.
* Conservation: ``Σ_i D_i A_i = Σ_i D_i Σ_j w_ij R_j = Σ_j R_j Σ_i w_ij D_i = Σ_j S_j`` over
  the sites some demand reaches with a positive weight (the others have ``R_j = 0``).
* "A longer travel time never raises access" is **false** as stated for every origin: if
  origin ``a`` moves away from site ``b``, ``b``'s weighted demand falls and every *other*
  origin using ``b`` gains (``test_e2sfca_longer_time_can_raise_another_origins_access``).
  What holds, for weights that never increase with time, is:

  - the access of ``a`` itself never rises. Only its term for ``b`` changes, and that term is
    ``w S_b / (w D_a + C)`` with ``C = Σ_{i≠a} w_ib D_i ≥ 0``, non-decreasing in ``w``
    (derivative ``S_b C / (w D_a + C)² ≥ 0``; it is 0 when the denominator is 0). A longer
    time gives ``w' ≤ w``.
  - the population-weighted total ``Σ_i D_i A_i`` never rises: by conservation it is the
    supply of the reached sites, and a smaller weight can only un-reach a site.
* Homogeneity: ``A(kS, D) = k A(S, D)`` and ``A(S, kD) = A(S, D) / k``.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from healthycity.care_access.indicators import compute_2sfca, compute_e2sfca, compute_fca
from healthycity.care_access.models import Catchment, DistanceDecay
from healthycity.errors import ValidationError
from tests.unit.care_access.naive import naive_2sfca, naive_fca, naive_step_weight

DREES_DECAY = DistanceDecay((10.0, 15.0, 20.0), (1.0, 2 / 3, 1 / 3))

# Hand-computed case: origins A, B, C (demand 1000, 2000, 500), sites X, Y (supply 4000,
# 6000), times in minutes and DREES weights (1 below 10, 2/3 to 15, 1/3 to 20, then 0):
#          X            Y
#   A   5 → 1       12 → 2/3
#   B  14 → 2/3      8 → 1
#   C  25 → 0       18 → 1/3
# Step 1: X sees 1·1000 + 2/3·2000 + 0·500 = 7000/3, so R_X = 4000 / (7000/3) = 12/7;
#         Y sees 2/3·1000 + 1·2000 + 1/3·500 = 8500/3, so R_Y = 6000 / (8500/3) = 36/17.
# Step 2: A = 12/7 + 2/3·36/17 = 12/7 + 24/17 = 372/119
#         B = 2/3·12/7 + 36/17 = 8/7 + 36/17 = 388/119
#         C = 0·12/7 + 1/3·36/17 = 12/17
# Check: 1000·372/119 + 2000·388/119 + 500·12/17 = 1 190 000/119 = 10 000 = 4000 + 6000.
# 2SFCA within 15 minutes keeps A-X, A-Y, B-X, B-Y: R_X = 4000/3000 = 4/3, R_Y = 6000/3000 = 2,
# so A = B = 10/3 and C, which reaches nothing within 15 minutes, gets 0.
HAND = Catchment(
    origin=[0, 0, 1, 1, 2, 2],
    site=[0, 1, 0, 1, 0, 1],
    travel_time_min=[5.0, 12.0, 14.0, 8.0, 25.0, 18.0],
    n_origins=3,
    n_sites=2,
)
HAND_SUPPLY = [4000.0, 6000.0]
HAND_DEMAND = [1000.0, 2000.0, 500.0]


def test_e2sfca_matches_the_case_worked_by_hand() -> None:
    access = compute_e2sfca(HAND, HAND_SUPPLY, HAND_DEMAND, decay=DREES_DECAY)
    expected = [float(Fraction(372, 119)), float(Fraction(388, 119)), float(Fraction(12, 17))]
    np.testing.assert_allclose(access, expected, rtol=1e-14)


def test_2sfca_matches_the_case_worked_by_hand() -> None:
    access = compute_2sfca(HAND, HAND_SUPPLY, HAND_DEMAND, max_time_min=15.0)
    np.testing.assert_allclose(access, [10 / 3, 10 / 3, 0.0], rtol=1e-14)


def test_2sfca_catchment_includes_its_bound() -> None:
    access = compute_2sfca(HAND, HAND_SUPPLY, HAND_DEMAND, max_time_min=14.0)
    # B-X at exactly 14 minutes counts (Luo & Wang: t ≤ d0); B-Y at 8 too
    assert access[1] > 2.0


def test_e2sfca_site_without_reachable_demand_serves_nobody() -> None:
    c = Catchment(origin=[0, 1], site=[0, 1], travel_time_min=[5.0, 5.0], n_origins=2, n_sites=2)
    access = compute_e2sfca(c, [10.0, 10.0], [5.0, 0.0], decay=DREES_DECAY)
    assert access.tolist() == [2.0, 0.0]


@pytest.mark.parametrize(
    ("supply", "demand", "message"),
    [
        ([1.0], [1.0, 1.0, 1.0], r"supply has shape \(1,\); expected \(2,\)"),
        ([1.0, -2.0], [1.0, 1.0, 1.0], r"supply\[1\]=-2.0; expected a finite value ≥ 0"),
        ([1.0, 2.0], [1.0, np.inf, 1.0], r"demand\[1\]=inf; expected a finite value ≥ 0"),
    ],
)
def test_e2sfca_rejects_bad_supply_or_demand(
    supply: list[float], demand: list[float], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        compute_e2sfca(HAND, supply, demand, decay=DREES_DECAY)


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (np.ones(2), r"pair_weight has shape \(2,\); expected \(6,\)"),
        (np.array([1, 1, 1, -1, 1, 1.0]), r"pair_weight spans -1.0–1.0; expected finite weights"),
        (np.array([1, 1, 1, np.nan, 1, 1.0]), r"pair_weight spans nan–nan"),
        (np.array([1, 1, 1, np.inf, 1, 1.0]), r"pair_weight spans 1.0–inf"),
    ],
)
def test_fca_rejects_bad_pair_weights(weight: np.ndarray, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        compute_fca(HAND, HAND_SUPPLY, HAND_DEMAND, pair_weight=weight)


# inhabitants or GPs: none, or a real amount (subnormal demands would overflow any ratio)
AMOUNTS = st.one_of(st.just(0.0), st.floats(0.01, 1e4))


@st.composite
def fca_inputs(
    draw: st.DrawFn, *, max_time: float = 40.0
) -> tuple[Catchment, list[float], list[float]]:
    """A random catchment over a small grid, in random pair order, with supply and demand."""
    n_origins, n_sites = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    grid = [(i, j) for i in range(n_origins) for j in range(n_sites)]
    pairs = draw(st.lists(st.sampled_from(grid), unique=True, max_size=len(grid)))
    times = draw(st.lists(st.floats(0.0, max_time), min_size=len(pairs), max_size=len(pairs)))
    supply = draw(st.lists(AMOUNTS, min_size=n_sites, max_size=n_sites))
    demand = draw(st.lists(AMOUNTS, min_size=n_origins, max_size=n_origins))
    catchment = Catchment(
        origin=np.array([i for i, _ in pairs], dtype=np.intp),
        site=np.array([j for _, j in pairs], dtype=np.intp),
        travel_time_min=np.array(times),
        n_origins=n_origins,
        n_sites=n_sites,
    )
    return catchment, supply, demand


def _pairs(c: Catchment) -> list[tuple[int, int, float]]:
    return list(zip(c.origin.tolist(), c.site.tolist(), c.travel_time_min.tolist(), strict=True))


@given(fca_inputs())
def test_e2sfca_equals_the_naive_implementation(
    inputs: tuple[Catchment, list[float], list[float]],
) -> None:
    c, supply, demand = inputs
    weight = naive_step_weight(DREES_DECAY.upper_bounds_min, DREES_DECAY.weights)
    expected = naive_fca(_pairs(c), supply, demand, weight)
    access = compute_e2sfca(c, supply, demand, decay=DREES_DECAY)
    np.testing.assert_allclose(access, expected, rtol=1e-12, atol=1e-300)


def test_e2sfca_equals_the_naive_implementation_across_chunks() -> None:
    # More pairs than one chunk of work: origin 0 alone fills more than a chunk, origins
    # 10-19 have no pair, the others 5,000 pairs each, given in shuffled order.
    rng = np.random.default_rng(7)
    n_origins, n_sites = 50, 140_000
    origin = [np.zeros(n_sites, dtype=np.intp)]
    site = [np.arange(n_sites)]
    for i in [*range(1, 10), *range(20, n_origins)]:
        origin.append(np.full(5000, i))
        site.append(rng.choice(n_sites, 5000, replace=False))
    order = rng.permutation(sum(len(o) for o in origin))
    c = Catchment(
        origin=np.concatenate(origin)[order], site=np.concatenate(site)[order],
        travel_time_min=rng.uniform(0, 25, order.size), n_origins=n_origins, n_sites=n_sites,
    )  # fmt: skip
    supply = rng.integers(0, 3, n_sites).astype(float)
    demand = rng.uniform(10, 1000, n_origins)
    weight = naive_step_weight(DREES_DECAY.upper_bounds_min, DREES_DECAY.weights)
    expected = naive_fca(_pairs(c), supply.tolist(), demand.tolist(), weight)
    access = compute_e2sfca(c, supply, demand, decay=DREES_DECAY)
    np.testing.assert_allclose(access, expected, rtol=1e-12, atol=1e-300)
    assert (access[10:20] == 0).all()


@given(fca_inputs(), st.floats(0.0, 45.0))
def test_2sfca_equals_the_naive_implementation(
    inputs: tuple[Catchment, list[float], list[float]], max_time: float
) -> None:
    c, supply, demand = inputs
    expected = naive_2sfca(_pairs(c), supply, demand, max_time)
    access = compute_2sfca(c, supply, demand, max_time_min=max_time)
    np.testing.assert_allclose(access, expected, rtol=1e-12, atol=1e-300)


@given(
    st.lists(st.floats(0.0, 1e4), min_size=1, max_size=5),
    st.lists(st.floats(1.0, 1e4), min_size=1, max_size=6),
    st.floats(0.0, 9.99),
)
def test_e2sfca_unbounded_catchment_gives_total_supply_over_total_demand(
    supply: list[float], demand: list[float], time: float
) -> None:
    n_origins, n_sites = len(demand), len(supply)
    c = Catchment(
        origin=np.repeat(np.arange(n_origins), n_sites),
        site=np.tile(np.arange(n_sites), n_origins),
        travel_time_min=np.full(n_origins * n_sites, time),  # all in the weight-1 band
        n_origins=n_origins,
        n_sites=n_sites,
    )
    access = compute_e2sfca(c, supply, demand, decay=DREES_DECAY)
    np.testing.assert_allclose(access, sum(supply) / sum(demand), rtol=1e-12)


def _reached_supply(c: Catchment, supply: list[float], demand: list[float]) -> float:
    weight = DREES_DECAY.weigh(c.travel_time_min)
    reached = {j for i, j, w in zip(c.origin, c.site, weight, strict=True) if w * demand[i] > 0}
    return sum(supply[j] for j in reached)


@given(fca_inputs())
def test_e2sfca_conserves_the_supply_of_reached_sites(
    inputs: tuple[Catchment, list[float], list[float]],
) -> None:
    c, supply, demand = inputs
    access = compute_e2sfca(c, supply, demand, decay=DREES_DECAY)
    assert (access >= 0).all()
    total = float(np.dot(demand, access))
    assert total == pytest.approx(_reached_supply(c, supply, demand), rel=1e-12, abs=1e-9)


@given(fca_inputs(), st.data(), st.floats(0.0, 30.0))
def test_e2sfca_longer_time_never_raises_that_origins_access_nor_the_total(
    inputs: tuple[Catchment, list[float], list[float]], data: st.DataObject, delay: float
) -> None:
    c, supply, demand = inputs
    assume(c.n_pairs > 0)
    k = data.draw(st.integers(0, c.n_pairs - 1))
    longer = c.travel_time_min.copy()
    longer[k] += delay
    slower = Catchment(
        origin=c.origin, site=c.site, travel_time_min=longer, n_origins=c.n_origins,
        n_sites=c.n_sites,
    )  # fmt: skip
    before = compute_e2sfca(c, supply, demand, decay=DREES_DECAY)
    after = compute_e2sfca(slower, supply, demand, decay=DREES_DECAY)
    a = c.origin[k]
    assert after[a] <= before[a] * (1 + 1e-12)
    assert np.dot(demand, after) <= np.dot(demand, before) * (1 + 1e-12) + 1e-9


def test_e2sfca_longer_time_can_raise_another_origins_access() -> None:
    # Origins 0 and 1 (100 inhabitants each) share site 0 (10 GPs) at 5 minutes: 0.05 each.
    # Moving origin 1 to 25 minutes (weight 0) leaves the 10 GPs to origin 0 alone: 0.1.
    near = Catchment(origin=[0, 1], site=[0, 0], travel_time_min=[5.0, 5.0], n_origins=2, n_sites=1)
    far = Catchment(origin=[0, 1], site=[0, 0], travel_time_min=[5.0, 25.0], n_origins=2, n_sites=1)
    before = compute_e2sfca(near, [10.0], [100.0, 100.0], decay=DREES_DECAY)
    after = compute_e2sfca(far, [10.0], [100.0, 100.0], decay=DREES_DECAY)
    assert before.tolist() == [0.05, 0.05]
    assert after.tolist() == [0.1, 0.0]


@settings(max_examples=50)
@given(fca_inputs(), st.floats(0.01, 100.0))
def test_e2sfca_scales_with_supply_and_inversely_with_demand(
    inputs: tuple[Catchment, list[float], list[float]], k: float
) -> None:
    c, supply, demand = inputs
    base = compute_e2sfca(c, supply, demand, decay=DREES_DECAY)
    more_supply = compute_e2sfca(c, np.multiply(supply, k), demand, decay=DREES_DECAY)
    more_demand = compute_e2sfca(c, supply, np.multiply(demand, k), decay=DREES_DECAY)
    np.testing.assert_allclose(more_supply, base * k, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(more_demand, base / k, rtol=1e-12, atol=1e-300)

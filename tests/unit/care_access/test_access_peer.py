"""2SFCA and E2SFCA agree with PySAL ``access``, a trusted independent implementation.

How ``access`` 1.1 reads (source of ``access/fca.py`` and ``access/weights.py``):

* ``cost_df`` rows are (demand origin, supply destination, cost); ``max_cost`` keeps
  ``cost ≤ max_cost``;
* ``two_stage_fca`` applies ``weight_fn`` in both steps, so with a step function it *is*
  Luo & Qi's E2SFCA, and ``enhanced_two_stage_fca`` only adds a default step function;
* ``weights.step_fn({10: 1, 15: 2/3, 20: 1/3})`` gives the weight of the first key ``k``
  with ``t ≤ k`` (bands closed above, ours are closed below), and 0 past the last key;
* with ``normalize=False`` (the default) it returns raw supply per unit of demand, like us;
* an origin with no pair in the catchment gets NaN (we give 0), and a site whose weighted
  demand is 0 gets an infinite ratio that later turns into NaN and is skipped by ``sum``
  (we give it ratio 0), so demand is kept positive here.
"""

import numpy as np
import pandas as pd
from access import Access, weights
from hypothesis import given, settings
from hypothesis import strategies as st

from healthycity.care_access.indicators import compute_2sfca, compute_e2sfca
from healthycity.care_access.models import Catchment, DistanceDecay

DREES_DECAY = DistanceDecay((10.0, 15.0, 20.0), (1.0, 2 / 3, 1 / 3))
DREES_STEP = weights.step_fn({10.0: 1.0, 15.0: 2 / 3, 20.0: 1 / 3})


def access_fca(
    c: Catchment, supply: list[float], demand: list[float], method: str, **kwargs: object
) -> np.ndarray:
    """Run ``Access.<method>`` on our catchment; missing origins (no pair) read as 0."""
    demand_df = pd.DataFrame({"geoid": range(c.n_origins), "pop": demand}).set_index("geoid")
    supply_df = pd.DataFrame({"geoid": range(c.n_sites), "gp": supply}).set_index("geoid")
    cost_df = pd.DataFrame({"origin": c.origin, "dest": c.site, "cost": c.travel_time_min})
    model = Access(
        demand_df=demand_df, demand_index=True, demand_value="pop",
        supply_df=supply_df, supply_index=True, supply_value="gp",
        cost_df=cost_df, cost_origin="origin", cost_dest="dest", cost_name="cost",
    )  # fmt: skip
    result = getattr(model, method)(name="fca", **kwargs)
    return result["fca_gp"].reindex(range(c.n_origins)).fillna(0.0).to_numpy()


@st.composite
def peer_inputs(draw: st.DrawFn) -> tuple[Catchment, list[float], list[float]]:
    """Random catchments with times off the band bounds, where the two conventions agree."""
    n_origins, n_sites = draw(st.integers(1, 8)), draw(st.integers(1, 6))
    grid = [(i, j) for i in range(n_origins) for j in range(n_sites)]
    pairs = draw(st.lists(st.sampled_from(grid), unique=True, min_size=1, max_size=len(grid)))
    times = draw(
        st.lists(
            st.floats(0.0, 35.0).filter(lambda t: t not in (10.0, 15.0, 20.0)),
            min_size=len(pairs),
            max_size=len(pairs),
        )
    )
    supply = draw(st.lists(st.floats(0.0, 50.0), min_size=n_sites, max_size=n_sites))
    demand = draw(st.lists(st.floats(1.0, 1e5), min_size=n_origins, max_size=n_origins))
    c = Catchment(
        origin=np.array([i for i, _ in pairs], dtype=np.intp),
        site=np.array([j for _, j in pairs], dtype=np.intp),
        travel_time_min=np.array(times),
        n_origins=n_origins,
        n_sites=n_sites,
    )
    return c, supply, demand


@settings(max_examples=40, deadline=None)
@given(peer_inputs())
def test_e2sfca_equals_pysal_access_enhanced_two_stage_fca(
    inputs: tuple[Catchment, list[float], list[float]],
) -> None:
    c, supply, demand = inputs
    ours = compute_e2sfca(c, supply, demand, decay=DREES_DECAY)
    theirs = access_fca(c, supply, demand, "enhanced_two_stage_fca", weight_fn=DREES_STEP)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(peer_inputs(), st.floats(1.0, 35.0))
def test_2sfca_equals_pysal_access_two_stage_fca(
    inputs: tuple[Catchment, list[float], list[float]], max_time: float
) -> None:
    c, supply, demand = inputs
    ours = compute_2sfca(c, supply, demand, max_time_min=max_time)
    theirs = access_fca(c, supply, demand, "two_stage_fca", max_cost=max_time)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_e2sfca_equals_pysal_access_on_a_larger_random_problem() -> None:
    rng = np.random.default_rng(20260101)
    n_origins, n_sites, n_pairs = 400, 120, 6000
    flat = rng.choice(n_origins * n_sites, size=n_pairs, replace=False)
    c = Catchment(
        origin=flat // n_sites, site=flat % n_sites, travel_time_min=rng.uniform(0, 30, n_pairs),
        n_origins=n_origins, n_sites=n_sites,
    )  # fmt: skip
    supply = rng.integers(0, 12, n_sites).astype(float).tolist()
    demand = rng.uniform(50, 20000, n_origins).tolist()
    ours = compute_e2sfca(c, supply, demand, decay=DREES_DECAY)
    theirs = access_fca(c, supply, demand, "enhanced_two_stage_fca", weight_fn=DREES_STEP)
    assert np.abs(ours - theirs).max() <= 1e-9 * np.abs(theirs).max()

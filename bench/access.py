"""Benchmark of the care_access core: E2SFCA and APL at France scale, against PySAL access.

Run: ``.venv/bin/python bench/access.py`` (20–40 s, most of it in PySAL ``access``).
Prints figures as it goes; the last line is one JSON object.

* France scale, synthetic and seeded: 35,000 origins and 10,000 sites drawn uniformly over a
  France-sized box (lon -1.5..6.5, lat 43.5..51, about 510,000 km²), 61,000 GPs with random
  yearly activity spread over the sites, and a straight-line catchment cut at 30 minutes.
  Points drawn uniformly are sparser than real settlements around towns, so the speed is
  raised until the catchment has about 5 million pairs, the size the issue asks for.
* Demo scale: the ~2,900 commune centroids of the demo territory (Nièvre and its six
  neighbours, polygons in ``data/geo``) with the default straight-line model; populations
  and GPs are random (only the timing matters here). A scenario adds one GP at one commune
  and recomputes the APL of every commune from pair weights computed once.
* Demo scenario on the real demo data (:func:`time_demo_scenario`): Nièvre's APL from the
  shipped BPE GP counts and populations through ``care_access.apl_service``, on the database
  of ``HC_BENCH_DATABASE_URL`` when set, else on a temporary SQLite demo database built first
  (about 20 s). ``scenario_ms`` is then one change previewed end to end (cache check, supply
  change, both APL passes, classes); the synthetic figure stays as ``scenario_synthetic_ms``.
"""

import importlib
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import numpy as np
import pandas as pd
from shapely.geometry import shape
from sqlalchemy import Connection, Engine

from healthycity.care_access.apl_parameters import load_apl_parameters
from healthycity.care_access.apl_service import prepare_problem, preview_scenario
from healthycity.care_access.importer import import_demo_care_offer
from healthycity.care_access.indicators import (
    cap_gp_activity,
    compute_apl,
    compute_e2sfca,
    compute_fca,
    standardise_population,
    supply_from_gp_counts,
)
from healthycity.care_access.models import Catchment
from healthycity.care_access.providers import StraightLineProvider
from healthycity.care_access.scenarios import AddGps, run_scenario
from healthycity.care_access.travel_times import StraightLineModel, build_straight_line_catchment
from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.storage.engine import make_engine
from healthycity.storage.migrate import upgrade_database
from healthycity.territory.demo import import_demo

REPO = Path(__file__).resolve().parents[1]
DEMO_GEOJSON = [
    f"communes-{name}.geojson"
    for name in (
        "58-nievre", "03-allier", "18-cher", "21-cote-d-or", "45-loiret", "71-saone-et-loire",
        "89-yonne",
    )
]  # fmt: skip
N_ORIGINS, N_SITES, N_GPS = 35_000, 10_000, 61_000
# tuned for ~5M pairs on uniform points (see the module docstring)
FRANCE_MODEL = StraightLineModel(detour_factor=1.3, speed_kmh=140.0, intra_commune_min=3.0)
REPEAT = 15  # best of: the machine is shared, the minimum is the least disturbed run
T = TypeVar("T")


def best_of(repeat: int, function: Callable[[], T]) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]  # repeat ≥ 1 sets it


def best_cold(catchment: Catchment, run: Callable[[Catchment], object], repeat: int = 3) -> float:
    """Best time of ``run`` on copies of ``catchment`` that have no pair weights kept yet."""
    best = float("inf")
    for _ in range(repeat):
        fresh = Catchment(
            origin=catchment.origin, site=catchment.site,
            travel_time_min=catchment.travel_time_min, n_origins=catchment.n_origins,
            n_sites=catchment.n_sites,
        )  # fmt: skip
        start = time.perf_counter()
        run(fresh)
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def france_problem(seed: int = 2026) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def points(n: int) -> np.ndarray:
        return np.column_stack([rng.uniform(-1.5, 6.5, n), rng.uniform(43.5, 51.0, n)])

    population = rng.lognormal(mean=6.5, sigma=1.2, size=N_ORIGINS)
    age_shares = rng.dirichlet(np.full(20, 4.0), size=N_ORIGINS)  # 20 INSEE bands
    return {
        "origins": points(N_ORIGINS),
        "sites": points(N_SITES),
        "bands": population[:, None] * age_shares,
        "gp_site": rng.integers(0, N_SITES, N_GPS),
        "gp_activity": rng.lognormal(mean=np.log(4500), sigma=0.5, size=N_GPS),
    }


def apl_from_gps(
    catchment: Catchment, problem: dict[str, np.ndarray], year: int = 2023
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The whole APL: standardise demand, cap each GP's activity, sum per site, E2SFCA."""
    parameters = load_apl_parameters(year)
    demand = standardise_population(problem["bands"], parameters.age_weights)
    counted = cap_gp_activity(problem["gp_activity"], parameters.activity_caps)
    supply = np.bincount(problem["gp_site"], weights=counted, minlength=catchment.n_sites)
    return compute_apl(catchment, supply, demand, parameters=parameters), supply, demand


def import_pysal_access() -> ModuleType:
    """PySAL's ``access``: this script's own folder would shadow it, being named access.py."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    return importlib.import_module("access")


def pysal_e2sfca(catchment: Catchment, supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
    pysal_access = import_pysal_access()
    demand_df = pd.DataFrame({"demand": demand}).rename_axis("geoid")
    supply_df = pd.DataFrame({"supply": supply}).rename_axis("geoid")
    cost_df = pd.DataFrame(
        {"origin": catchment.origin, "dest": catchment.site, "cost": catchment.travel_time_min}
    )
    model = pysal_access.Access(
        demand_df=demand_df, demand_index=True, demand_value="demand",
        supply_df=supply_df, supply_index=True, supply_value="supply",
        cost_df=cost_df, cost_origin="origin", cost_dest="dest", cost_name="cost",
    )  # fmt: skip
    # DREES steps; access closes bands above (t ≤ 10) where we close them below (t < 10):
    # with continuous random times no pair sits exactly on a bound
    step = pysal_access.weights.step_fn({10.0: 1.0, 15.0: 2 / 3, 20.0: 1 / 3})
    result = model.enhanced_two_stage_fca(name="e2sfca", weight_fn=step)
    return result["e2sfca_supply"].reindex(range(catchment.n_origins)).fillna(0.0).to_numpy()


def demo_centroids() -> np.ndarray:
    centroids = []
    for name in DEMO_GEOJSON:
        features = json.loads((REPO / "data/geo" / name).read_text(encoding="utf-8"))["features"]
        for feature in features:
            point = shape(feature["geometry"]).centroid
            centroids.append((point.x, point.y))
    return np.array(centroids)


def demo_scenario(figures: dict[str, float]) -> None:
    centroids = demo_centroids()
    travel_s, catchment = best_of(
        5, lambda: build_straight_line_catchment(centroids, centroids, cutoff_min=30.0)
    )
    print(
        f"demo travel-time matrix: {len(centroids)} communes, {catchment.n_pairs:,} pairs "
        f"≤ 30 min, {travel_s * 1000:.0f} ms (target ≤ 2 s)"
    )
    rng = np.random.default_rng(58)
    population = rng.lognormal(mean=5.5, sigma=1.3, size=len(centroids))
    demand = population * 1.05  # an older-than-average territory, as Nièvre is
    gp_count = rng.poisson(population / 1100.0)
    parameters = load_apl_parameters(2023)
    pair_weight = parameters.decay.weigh(catchment.travel_time_min)  # once per scenario session
    supply = supply_from_gp_counts(gp_count)
    before = compute_fca(catchment, supply, demand, pair_weight=pair_weight)
    commune = int(np.argmax(population))

    def one_more_gp() -> np.ndarray:
        changed = supply.copy()
        changed[commune] += supply_from_gp_counts([1])[0]
        return compute_fca(catchment, changed, demand, pair_weight=pair_weight)

    scenario_s, after = best_of(50, one_more_gp)
    full_s, _ = best_of(20, lambda: compute_apl(catchment, supply, demand, parameters=parameters))
    moved = int(np.count_nonzero(after != before))
    print(
        f"demo scenario (one more GP at one commune, APL recomputed for all): "
        f"{scenario_s * 1000:.2f} ms (target ≤ 20 ms), {moved} communes changed; "
        f"compute_apl on the same catchment {full_s * 1000:.2f} ms"
    )
    figures.update(
        scenario_ms=scenario_s * 1000,
        travel_matrix_s=travel_s,
        demo_communes=len(centroids),
        demo_pairs=catchment.n_pairs,
    )


def time_demo_scenario(conn: Connection, repeat: int = 50) -> dict[str, float]:
    """Time one scenario change on the real demo territory (Nièvre, straight-line, BPE counts).

    The first call prepares (and caches) the territory's problem; the timings are then the
    best of ``repeat``: ``scenario_ms`` end to end through ``preview_scenario`` (data-version
    check included), ``scenario_core_ms`` the pure recomputation alone.
    """
    provider = StraightLineProvider()
    start = time.perf_counter()
    problem, _ = prepare_problem(conn, territory="departement/58", year=2023, provider=provider)
    prepare_s = time.perf_counter() - start
    rows = problem.territory_rows
    commune = problem.codes[int(rows[np.argmax(problem.population[rows])])]
    change = [AddGps(commune)]
    core_s, _ = best_of(repeat, lambda: run_scenario(problem, change))
    preview_s, _ = best_of(
        repeat,
        lambda: preview_scenario(
            conn, territory="departement/58", year=2023, provider=provider, changes=change
        ),
    )
    return {
        "scenario_ms": preview_s * 1000,
        "scenario_core_ms": core_s * 1000,
        "scenario_prepare_s": prepare_s,
        "scenario_communes": float(rows.size),
        "scenario_study_area_communes": float(len(problem.codes)),
        "scenario_pairs": float(problem.catchment.n_pairs),
    }


@contextmanager
def demo_database() -> Iterator[Engine]:
    """The database of ``HC_BENCH_DATABASE_URL``, else a temporary SQLite demo database."""
    url = os.environ.get("HC_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(url or f"sqlite:///{folder}/demo.db")
        try:
            if url is None:
                upgrade_database(engine)
                with engine.begin() as conn:
                    import_demo(conn, DEFAULT_DEMO_DATA_DIR, progress=lambda *_: None)
                    import_demo_care_offer(conn, DEFAULT_DEMO_DATA_DIR)
            yield engine
        finally:
            engine.dispose()


def real_demo_scenario(figures: dict[str, float]) -> None:
    figures["scenario_synthetic_ms"] = figures["scenario_ms"]
    start = time.perf_counter()
    with demo_database() as engine, engine.connect() as conn:
        print(f"demo database ready in {time.perf_counter() - start:.1f} s")
        timings = time_demo_scenario(conn)
    print(
        f"demo scenario on the real demo data (Nièvre, {timings['scenario_communes']:.0f} "
        f"communes, {timings['scenario_study_area_communes']:.0f} with the neighbours, "
        f"{timings['scenario_pairs']:,.0f} pairs ≤ 20 min): one more GP previewed in "
        f"{timings['scenario_ms']:.2f} ms end to end (target ≤ 20 ms), "
        f"{timings['scenario_core_ms']:.2f} ms for the recomputation alone; first preparation "
        f"{timings['scenario_prepare_s']:.2f} s"
    )
    figures.update(timings)


def main() -> None:
    figures: dict[str, float] = {}
    problem = france_problem()
    start = time.perf_counter()
    catchment = build_straight_line_catchment(
        problem["origins"], problem["sites"], model=FRANCE_MODEL, cutoff_min=30.0
    )
    build_s = time.perf_counter() - start
    print(
        f"France-scale catchment: {N_ORIGINS:,} origins × {N_SITES:,} sites, "
        f"{catchment.n_pairs:,} pairs ≤ 30 min, built in {build_s:.2f} s"
    )
    decay = load_apl_parameters(2023).decay
    apl_cold_s = best_cold(catchment, lambda c: apl_from_gps(c, problem))
    apl_s, (apl, supply, demand) = best_of(REPEAT, lambda: apl_from_gps(catchment, problem))
    e2sfca_cold_s = best_cold(catchment, lambda c: compute_e2sfca(c, supply, demand, decay=decay))
    e2sfca_s, ours = best_of(REPEAT, lambda: compute_e2sfca(catchment, supply, demand, decay=decay))
    print(
        f"E2SFCA: {e2sfca_s * 1000:.1f} ms with the pair weights kept by the catchment, "
        f"{e2sfca_cold_s * 1000:.1f} ms weighing them first (best of {REPEAT} and of 3; "
        "target ≤ 100 ms)"
    )
    print(
        f"APL from GP activity and age bands: {apl_s * 1000:.1f} ms, "
        f"{apl_cold_s * 1000:.1f} ms weighing the pairs first"
    )
    rss_core = peak_rss_mib()
    print(f"peak RSS before PySAL access: {rss_core:.0f} MiB")

    start = time.perf_counter()
    theirs = pysal_e2sfca(catchment, supply, demand)
    access_s = time.perf_counter() - start
    max_abs_diff = float(np.max(np.abs(ours - theirs)))
    print(
        f"PySAL access enhanced_two_stage_fca: {access_s:.1f} s, "
        f"speed-up {access_s / e2sfca_s:.0f}× ({access_s / e2sfca_cold_s:.0f}× weighing "
        "the pairs first; target ≥ 50×), "
        f"max |difference| {max_abs_diff:.2e} on values up to {np.max(ours):.2f} "
        f"(APL equal to our E2SFCA: {np.array_equal(apl, ours)})"
    )
    demo_scenario(figures)
    real_demo_scenario(figures)
    figures.update(
        e2sfca_s=e2sfca_s,
        e2sfca_cold_s=e2sfca_cold_s,
        apl_s=apl_s,
        apl_cold_s=apl_cold_s,
        access_e2sfca_s=access_s,
        speedup_vs_access=access_s / e2sfca_s,
        speedup_vs_access_cold=access_s / e2sfca_cold_s,
        max_abs_diff=max_abs_diff,
        pairs=catchment.n_pairs,
        catchment_build_s=build_s,
        peak_rss_mib_before_access=rss_core,
        peak_rss_mib=peak_rss_mib(),
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())

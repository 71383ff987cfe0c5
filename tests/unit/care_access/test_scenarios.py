"""APL scenarios on hand-built problems: each change, its checks, invariants, an oracle."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthycity.care_access.apl_model import AplProblem, AplSetup, count_classes, solve_territory
from healthycity.care_access.apl_parameters import load_apl_parameters
from healthycity.care_access.models import Catchment
from healthycity.care_access.scenarios import (
    AddGps,
    AddTeleconsultationPoint,
    OpenMsp,
    RemoveGps,
    RetireGp,
    ScenarioError,
    change_from_dict,
    change_to_dict,
    compare_outcomes,
    outcome_from_dict,
    outcome_to_dict,
    run_scenario,
)
from tests.unit.care_access.naive import naive_fca, naive_step_weight

PARAMETERS = load_apl_parameters(2023)
CODES = ("58001", "58002", "89001")


def setup(**overrides: object) -> AplSetup:
    values: dict[str, object] = {
        "territory": "departement/58", "territory_name": "Nièvre", "year": 2023,
        "provider": "matrix", "supply": "counts", "cutoff_min": 20.0, "bpe_year": 2019,
        "activity_per_gp": 5400.0, "practitioners": 0, "practitioners_imputed": 0,
        "age_structure_year": 2021, "age_structure_is_estimated": True,
        "age_structure_source": "tests", "population_source": "tests",
        "teleconsultation_points": 0, "teleconsultation_consultations_per_point": 600.0,
        "buffer_departements": ("89",), "data_version": "v1",
    }  # fmt: skip
    return AplSetup(**(values | overrides))  # type: ignore[arg-type]


def problem(
    *,
    gp_count: tuple[int, ...] = (2, 0, 1),
    pairs: tuple[tuple[int, int, float], ...] = (
        (0, 0, 0.0),
        (0, 1, 12.0),
        (0, 2, 8.0),
        (1, 0, 12.0),
        (1, 1, 0.0),
        (2, 0, 8.0),
        (2, 2, 0.0),
    ),
    population: tuple[float, ...] = (1000.0, 500.0, 200.0),
    **overrides: object,
) -> AplProblem:
    """The tiny case of tests.apl_seed, with one inhabitant = one standardised inhabitant."""
    origin, site, time = zip(*pairs, strict=True)
    values: dict[str, object] = {
        "setup": setup(),
        "parameters": PARAMETERS,
        "catchment": Catchment(
            origin=list(origin),
            site=list(site),
            travel_time_min=list(time),
            n_origins=len(population),
            n_sites=len(population),
        ),
        "codes": CODES,
        "names": ("A", "B", "C"),
        "departements": ("58", "58", "89"),
        "epcis": ("1", "2", "1"),
        "in_territory": np.array([True, True, False]),
        "population": np.array(population),
        "standardised_population": np.array(population),
        "gp_count": np.array(gp_count, dtype=np.int64),
        "supply_consultations": np.array(gp_count, dtype=float) * 5400.0,
        "teleconsultation": np.zeros(len(population)),
    }
    return AplProblem(**(values | overrides))  # type: ignore[arg-type]


def test_hand_computed_problem_gives_the_hand_computed_apl() -> None:
    result = solve_territory(problem())
    assert [c.apl for c in result.communes] == pytest.approx([531 / 46, 108 / 23])
    under, vigilance, adequate = count_classes(result.communes)
    assert (under.communes, vigilance.communes, adequate.communes) == (0, 0, 2)
    assert result.communes[0].apl_with_teleconsultation is None


def test_adding_two_gps_at_an_empty_commune_gives_the_hand_computed_apl() -> None:
    outcome = run_scenario(problem(), [AddGps("58002", count=2)])
    # R(58002) = 10,800 / (500 + 2/3 · 1000); R(58001) unchanged = 162/23
    r2 = 10_800 / (500 + 2 / 3 * 1000)
    assert [c.apl_after for c in outcome.communes] == pytest.approx(
        [531 / 46 + 2 / 3 * r2, 108 / 23 + r2]
    )
    assert [c.apl_before for c in outcome.communes] == pytest.approx([531 / 46, 108 / 23])
    assert outcome.method == "drees_apl"
    assert len(outcome.changed) == 2


def test_removing_gps_takes_the_communes_mean_activity_unless_told() -> None:
    base = problem(supply_consultations=np.array([9000.0, 0.0, 5400.0]))
    mean = run_scenario(base, [RemoveGps("58001")])
    told = run_scenario(base, [RemoveGps("58001", consultations_per_gp=7000)])  # counts 6,000
    # R(58001) = S / (1000 + 2/3 · 500 + 200)
    assert mean.communes[1].apl_after == pytest.approx(2 / 3 * 4500 / (4600 / 3))
    assert told.communes[1].apl_after == pytest.approx(2 / 3 * 3000 / (4600 / 3))


def test_removing_more_gps_than_practise_names_commune_and_numbers() -> None:
    with pytest.raises(
        ScenarioError,
        match=r"change 2 \(remove_gps\) removes 4 GP\(s\) at commune 58001 \(A\); 3 practise "
        r"there. Expected at most 3.",
    ):
        run_scenario(problem(), [AddGps("58001"), RemoveGps("58001", count=4)])


def test_removing_more_consultations_than_counted_is_refused() -> None:
    with pytest.raises(ScenarioError, match="removes 12,000 consultations at commune 58001"):
        run_scenario(problem(), [RemoveGps("58001", count=2, consultations_per_gp=6000)])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: AddGps("58001", count=0), "add_gps count=0; expected a whole number from 1"),
        (lambda: RemoveGps("58001", count=-2), "remove_gps count=-2"),
        (lambda: AddGps("58001", count=True), "count=True"),
        (lambda: AddGps("5800", count=1), "add_gps commune='5800'; expected a 5-character"),
        (lambda: AddGps("58001", consultations_per_gp=-5.0), "consultations_per_gp=-5.0"),
        (lambda: AddGps("58001", consultations_per_gp=30000), "at most 20,000"),
        (lambda: OpenMsp("58001", gps=2, gps_already_there=3), "gps_already_there=3 is more"),
        (lambda: AddTeleconsultationPoint("58001", consultations_per_year=float("nan")), "nan"),
    ],
)
def test_changes_check_their_fields(build: object, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        build()  # type: ignore[operator]


def test_unknown_commune_is_named() -> None:
    with pytest.raises(ScenarioError, match="commune '45001' is not in the study area"):
        run_scenario(problem(), [AddGps("45001")])


def test_open_msp_adds_only_the_gps_new_to_the_commune() -> None:
    msp = run_scenario(problem(), [OpenMsp("58001", gps=5, gps_already_there=2)])
    added = run_scenario(problem(), [AddGps("58001", count=3)])
    assert [c.apl_after for c in msp.communes] == [c.apl_after for c in added.communes]
    with pytest.raises(ScenarioError, match="gps_already_there=1; 0 practise there"):
        run_scenario(problem(), [OpenMsp("58002", gps=3, gps_already_there=1)])


def test_retire_gp_by_id_removes_that_gps_activity() -> None:
    activity = problem(
        setup=setup(supply="activity", activity_per_gp=None, bpe_year=None, practitioners=3),
        supply_consultations=np.array([9600.0, 0.0, 5400.0]),
        gp_ids=np.array([11, 12, 13]),
        gp_site=np.array([0, 0, 2]),
        gp_consultations=np.array([6000.0, 3600.0, 5400.0]),
    )
    outcome = run_scenario(activity, [RetireGp("58001", practitioner_id=11)])
    assert outcome.communes[1].apl_after == pytest.approx(2 / 3 * 3600 / (4600 / 3))
    with pytest.raises(ScenarioError, match="practitioner 13 does not practise at commune 58001"):
        run_scenario(activity, [RetireGp("58001", practitioner_id=13)])
    with pytest.raises(ScenarioError, match="or already retired"):
        run_scenario(activity, [RetireGp("58001", 11), RetireGp("58001", 11)])
    # a new GP with activity counts DREES's 5,400 for a GP without activity history
    added = run_scenario(activity, [AddGps("58002")])
    assert added.communes[1].apl_after > outcome.communes[1].apl_before


def test_teleconsultation_switches_both_sides_to_the_labelled_variant() -> None:
    existing = problem(teleconsultation=np.array([0.0, 600.0, 0.0]))
    outcome = run_scenario(existing, [AddTeleconsultationPoint("58002", 900)])
    assert outcome.method == "drees_apl_with_teleconsultation"
    official = solve_territory(existing)
    # before = the variant with the existing point, not the official APL
    assert outcome.communes[1].apl_before == pytest.approx(
        official.communes[1].apl_with_teleconsultation
    )
    assert outcome.communes[1].apl_before > official.communes[1].apl
    r2 = 1500 / (500 + 2 / 3 * 1000)
    assert outcome.communes[1].apl_after == pytest.approx(108 / 23 + r2)


def test_shifts_count_inhabitants_moving_into_and_out_of_under_dense() -> None:
    scarce = problem(gp_count=(0, 0, 1), supply_consultations=np.array([0.0, 0.0, 2000.0]))
    outcome = run_scenario(scarce, [AddGps("58002", count=2)])
    assert [c.class_before for c in outcome.communes] == ["under_dense", "under_dense"]
    assert outcome.out_of_under_dense.population == 1500
    assert outcome.into_under_dense.communes == 0
    back = run_scenario(problem(), [RemoveGps("58001", count=2), RemoveGps("89001")])
    assert back.into_under_dense.population == 1500
    assert back.mean_apl(after=True) == 0


def test_changes_and_outcomes_round_trip_through_json_data() -> None:
    changes = [AddGps("58001", 2, 4000.0), RemoveGps("58001"), RetireGp("58001", 3),
               OpenMsp("58002", 4, 1), AddTeleconsultationPoint("58002")]  # fmt: skip
    assert [change_from_dict(change_to_dict(c)) for c in changes] == changes
    outcome = run_scenario(problem(), changes[:2])
    assert outcome_from_dict(outcome_to_dict(outcome)) == outcome
    with pytest.raises(ScenarioError, match="kind='hire'; expected one of add_gps"):
        change_from_dict({"kind": "hire", "commune": "58001"})
    with pytest.raises(ScenarioError, match="add_gps has fields"):
        change_from_dict({"kind": "add_gps", "commune": "58001", "gps": 2})


def test_compare_outcomes_pairs_communes_by_code() -> None:
    first = run_scenario(problem(), [AddGps("58001")])
    second = dataclasses.replace(first, communes=first.communes[1:])
    rows = compare_outcomes(first, second)
    assert [(r.code, r.first is not None, r.second is not None) for r in rows] == [
        ("58001", True, False),
        ("58002", True, True),
    ]


@st.composite
def problems(draw: st.DrawFn) -> AplProblem:
    n = draw(st.integers(2, 6))
    times = draw(st.lists(st.floats(0.0, 25.0), min_size=n * n, max_size=n * n))
    kept = draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n))
    pairs = tuple((k // n, k % n, t) for k, (t, keep) in enumerate(zip(times, kept, strict=True))
                  if keep or k // n == k % n)  # fmt: skip
    gps = tuple(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)))
    population = tuple(
        float(p) for p in draw(st.lists(st.integers(0, 5000), min_size=n, max_size=n))
    )
    codes = tuple(f"580{k:02d}" for k in range(n))
    return problem(
        gp_count=gps, pairs=pairs, population=population,
        codes=codes, names=codes, departements=("58",) * n, epcis=(None,) * n,
        in_territory=np.ones(n, dtype=bool),
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(problems(), st.data())
def test_adding_a_gp_never_lowers_any_apl_and_matches_the_naive_oracle(
    base: AplProblem, data: st.DataObject
) -> None:
    commune = data.draw(st.sampled_from(base.codes))
    count = data.draw(st.integers(1, 3))
    outcome = run_scenario(base, [AddGps(commune, count=count)])
    assert all(c.apl_after >= c.apl_before - 1e-9 * max(1.0, c.apl_before)
               for c in outcome.communes)  # fmt: skip
    supply = base.supply_consultations.copy()
    supply[base.index[commune]] += count * 5400.0
    pairs = list(zip(base.catchment.origin, base.catchment.site, base.catchment.travel_time_min,
                     strict=True))  # fmt: skip
    weight = naive_step_weight(PARAMETERS.decay.upper_bounds_min, PARAMETERS.decay.weights)
    oracle = naive_fca(pairs, list(supply), list(base.standardised_population), weight)
    assert [c.apl_after for c in outcome.communes] == pytest.approx(oracle, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(problems())
def test_removing_every_gp_leaves_every_apl_at_zero(base: AplProblem) -> None:
    changes = [RemoveGps(code, count=int(n)) for code, n in zip(base.codes, base.gp_count,
                                                                  strict=True) if n]  # fmt: skip
    outcome = run_scenario(base, changes)
    assert all(c.apl_after == 0 for c in outcome.communes)

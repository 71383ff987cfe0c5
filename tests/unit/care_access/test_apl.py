"""DREES APL: parameter sheet, activity caps, standardised demand, classes, aggregation."""

import copy
import csv
import json
from fractions import Fraction
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.care_access.apl_parameters import load_apl_parameters, parse_apl_parameters
from healthycity.care_access.indicators import (
    STANDARD_GP_ACTIVITY,
    aggregate_weighted,
    cap_gp_activity,
    classify_apl,
    compute_apl,
    standardise_population,
    supply_from_gp_counts,
)
from healthycity.care_access.models import AplClass, Catchment
from healthycity.errors import NotFoundError, RecordError, ValidationError
from healthycity.territory.models import AGE_BANDS

REPO = Path(__file__).resolve().parents[3]
SHEET = json.loads(
    resources.files("healthycity.care_access")
    .joinpath("data", "apl_parametres_drees_2022_2023.json")
    .read_text(encoding="utf-8")
)


def test_apl_parameters_read_the_drees_sheet() -> None:
    p = load_apl_parameters(2023)
    assert (p.activity_caps.uncounted_max, p.activity_caps.floor, p.activity_caps.ceiling) == (
        250,
        3600,
        6000,
    )
    assert p.decay.upper_bounds_min == (10, 15, 20)
    assert p.decay.weights == (1, 2 / 3, 1 / 3)
    assert (p.age_weights[0], p.age_weights[-1], len(p.age_weights)) == (1.12, 2.26, 19)
    assert p.new_gp_activity == 5400
    assert load_apl_parameters(2022).age_weights[0] == 0.93


def test_apl_parameters_of_an_unpublished_year_are_not_found() -> None:
    with pytest.raises(NotFoundError, match="year=2019; expected one of 2022, 2023"):
        load_apl_parameters(2019)


def _broken(path: tuple[object, ...], value: object) -> dict[str, object]:
    document = copy.deepcopy(SHEET)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("activite", 1, "consultations_annuelles_sniiram"), "Entre 300 et 3 600", "activite"),
        (("activite", 0, "consultations_annuelles_sniiram"), "Moins de", "activite"),
        (("activite", 1, "consultations_comptabilisees"), 3000, "consultations_comptabilisees"),
        (("activite",), [], "activite"),
        (("decroissance_distance", 3, "poids"), 0.1, "decroissance_distance"),
        (("decroissance_distance",), {"10": 1}, "decroissance_distance"),
        (("decroissance_distance", 2), "15-20", "decroissance_distance"),
        (("decroissance_distance", 1, "poids"), "deux tiers", "poids"),
        (("poids_age", 4, "poids_2023"), -0.75, "poids_2023"),
        (("activite_exceptions",), "aucune", "activite_exceptions"),
    ],
)
def test_apl_parameters_reject_a_sheet_that_does_not_read_as_expected(
    path: tuple[object, ...], value: object, field: str
) -> None:
    with pytest.raises(RecordError) as caught:
        parse_apl_parameters(_broken(path, value), 2023)
    assert caught.value.field == field
    assert "apl_parametres_drees_2022_2023.json" in str(caught.value)


@pytest.mark.parametrize(
    ("activity", "counted"),
    [
        (0, 0), (249, 0), (250, 0), (250.5, 3600), (251, 3600), (3600, 3600), (3601, 3601),
        (5999.5, 5999.5), (6000, 6000), (6001, 6000), (20000, 6000),
    ],
)  # fmt: skip
def test_cap_gp_activity_follows_the_drees_bands(activity: float, counted: float) -> None:
    caps = load_apl_parameters(2023).activity_caps
    assert cap_gp_activity([activity], caps).tolist() == [counted]


def test_cap_gp_activity_leaves_health_centres_uncapped() -> None:
    caps = load_apl_parameters(2023).activity_caps
    counted = cap_gp_activity([100.0, 9000.0], caps, is_health_centre=[True, True])
    assert counted.tolist() == [100.0, 9000.0]


@pytest.mark.parametrize(
    ("activity", "centres", "message"),
    [
        ([-5.0], None, r"consultations\[0\]=-5.0; expected a finite value ≥ 0"),
        ([np.nan], None, r"consultations\[0\]=nan"),
        ([1.0, 2.0], [True], r"is_health_centre has shape \(1,\); expected \(2,\)"),
    ],
)
def test_cap_gp_activity_rejects_bad_activity(
    activity: list[float], centres: list[bool] | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        cap_gp_activity(activity, load_apl_parameters(2023).activity_caps, is_health_centre=centres)


def test_supply_from_gp_counts_uses_the_standard_or_given_activity() -> None:
    assert load_apl_parameters(2023).new_gp_activity == STANDARD_GP_ACTIVITY
    assert supply_from_gp_counts([3]).tolist() == [3 * 5400]
    assert supply_from_gp_counts([3], activity_per_gp=4000).tolist() == [12000]
    with pytest.raises(ValidationError, match=r"gp_count\[1\]=-1.0"):
        supply_from_gp_counts([1, -1])
    with pytest.raises(ValidationError, match="activity_per_gp=0; expected a positive"):
        supply_from_gp_counts([1], activity_per_gp=0)


def test_standardise_population_merges_the_two_oldest_insee_bands() -> None:
    weights = load_apl_parameters(2023).age_weights
    bands = np.zeros((2, len(AGE_BANDS)))
    bands[0, 0] = 100  # 00-04, weight 1.12
    bands[0, -2:] = (30, 20)  # 90-94 and 95+, both in "90 and over", weight 2.26
    bands[1, 5] = 10  # 25-29, weight 0.79
    np.testing.assert_allclose(standardise_population(bands, weights), [225.0, 7.9])
    drees_bands = np.column_stack([bands[:, :18], bands[:, 18:].sum(axis=1)])
    np.testing.assert_allclose(standardise_population(drees_bands, weights), [225.0, 7.9])


def test_standardise_population_keeps_the_national_population_within_one_percent() -> None:
    # DREES weights are each band's consumption over the national mean, so France as a whole
    # keeps its headcount once standardised (population 2021 is the APL 2023 input).
    path = REPO / "data/territory/insee_estim_pop_departements_sexe_age_quinquennal_2015_2021.csv"
    with path.open(encoding="utf-8") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if (r["code_departement"], r["annee"], r["sexe"])
            == ("FRANCE_METRO_DOM", "2021", "ensemble")
        ]
    by_band = {r["tranche_age"]: float(r["population"]) for r in rows}
    bands = np.array([[by_band[b] for b in AGE_BANDS]])
    standardised = standardise_population(bands, load_apl_parameters(2023).age_weights)[0]
    assert standardised == pytest.approx(by_band["total"], rel=0.01)


@pytest.mark.parametrize(
    ("bands", "weights", "message"),
    [
        (np.ones((2, 18)), [1.0] * 19, r"shape \(2, 18\); expected \(n, 19\) or \(n, 20\)"),
        (np.ones((2, 19)), [1.0] * 20, r"weights has shape \(20,\); expected the 19"),
        (-np.ones((1, 19)), [1.0] * 19, r"bands_by_origin\[0\]=-1.0"),
    ],
)
def test_standardise_population_rejects_bad_shapes(
    bands: np.ndarray, weights: list[float], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        standardise_population(bands, weights)


def test_compute_apl_on_the_case_worked_by_hand() -> None:
    # Site X has one GP with 4,000 consultations (counted as is) and one with 200 (counted 0):
    # 4,000; site Y has a GP with 2,000 (counted 3,600) and one with 8,000 (counted 6,000):
    # 9,600. Standardised demand 1000, 2000, 500; times and weights as in test_indicators:
    # X sees 7000/3, R_X = 4000·3/7000 = 12/7; Y sees 8500/3, R_Y = 9600·3/8500 = 288/85.
    # A = 12/7 + 2/3·288/85 = 12/7 + 192/85 ≈ 3.97 (vigilance); B = 8/7 + 288/85 ≈ 4.53
    # (adequate); C = 1/3·288/85 = 96/85 ≈ 1.13 (under-dense).
    p = load_apl_parameters(2023)
    c = Catchment(
        origin=[0, 0, 1, 1, 2, 2], site=[0, 1, 0, 1, 0, 1],
        travel_time_min=[5.0, 12.0, 14.0, 8.0, 25.0, 18.0], n_origins=3, n_sites=2,
    )  # fmt: skip
    counted = cap_gp_activity([4000.0, 200.0, 2000.0, 8000.0], p.activity_caps)
    supply = np.bincount([0, 0, 1, 1], weights=counted)
    apl = compute_apl(c, supply, [1000.0, 2000.0, 500.0], parameters=p)
    expected = [
        Fraction(12, 7) + Fraction(192, 85),
        Fraction(8, 7) + Fraction(288, 85),
        Fraction(96, 85),
    ]
    np.testing.assert_allclose(apl, [float(f) for f in expected], rtol=1e-14)
    classes = [AplClass(code) for code in classify_apl(apl)]
    assert classes == [AplClass.VIGILANCE, AplClass.ADEQUATE, AplClass.UNDER_DENSE]


def test_classify_apl_uses_the_drees_thresholds() -> None:
    codes = classify_apl([0.0, 2.4999, 2.5, 3.9999, 4.0, 12.0])
    assert codes.tolist() == [0, 0, 1, 1, 2, 2]
    with pytest.raises(ValidationError, match=r"apl\[1\]=nan"):
        classify_apl([1.0, np.nan])


def test_aggregate_weighted_by_standardised_population() -> None:
    # EPCI 0 = communes 0, 1 (APL 2 and 5, standardised population 100 and 300): 4.25;
    # EPCI 1 has no commune; EPCI 2 = commune 2 with no population: undefined.
    mean = aggregate_weighted([2.0, 5.0, 3.0], [100.0, 300.0, 0.0], [0, 0, 2], n_groups=4)
    np.testing.assert_array_equal(mean, [4.25, np.nan, np.nan, np.nan])


@given(
    st.lists(
        st.tuples(st.floats(0, 20), st.floats(0.5, 1e5), st.integers(0, 3)), min_size=1, max_size=30
    )
)
def test_aggregate_weighted_lies_between_the_group_extremes(
    rows: list[tuple[float, float, int]],
) -> None:
    values, weights, groups = (list(column) for column in zip(*rows, strict=True))
    mean = aggregate_weighted(values, weights, groups, n_groups=4)
    for g in range(4):
        members = [v for v, group in zip(values, groups, strict=True) if group == g]
        if members:
            assert min(members) - 1e-9 <= mean[g] <= max(members) + 1e-9
        else:
            assert np.isnan(mean[g])


@pytest.mark.parametrize(
    ("values", "weights", "groups", "n_groups", "message"),
    [
        ([1.0], [1.0, 2.0], [0], None, r"weights has shape \(2,\); expected \(1,\)"),
        ([1.0, 2.0], [1.0, 2.0], [0], None, r"group_index \(1,\); expected finite values"),
        ([1.0, 2.0], [1.0, 2.0], [0, 5], 3, r"group_index spans 0–5; expected 0 ≤ index < 3"),
        ([1.0, 2.0], [1.0, 2.0], [0.5, 1.0], None, r"group_index has dtype float64"),
    ],
)
def test_aggregate_weighted_rejects_bad_input(
    values: list[float],
    weights: list[float],
    groups: list[float],
    n_groups: int | None,
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        aggregate_weighted(values, weights, groups, n_groups=n_groups)

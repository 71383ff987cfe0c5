"""ATMO index (arrêté du 10 juillet 2020): thresholds, aggregation, overall index, real data."""

import csv
import math
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.environment.indices.atmo import (
    ATMO_POLLUTANTS,
    ATMO_STYLES,
    AtmoLevel,
    aggregate_day,
    atmo_sub_index,
    compute_atmo_from_hourly,
    compute_atmo_index,
)
from healthycity.environment.quantities import Quantity
from healthycity.environment.units import normalise
from healthycity.errors import ValidationError

SAMPLE = Path(__file__).parent / "data" / "atmo_nouvelle_aquitaine_poitiers_sample_2019.csv"

# The tables of Annexe I, written out again by hand: upper bound of each class, inclusive.
TABLE = {
    Quantity.SO2: [100, 200, 350, 500, 750],
    Quantity.NO2: [40, 90, 120, 230, 340],
    Quantity.O3: [50, 100, 130, 240, 380],
    Quantity.PM10: [20, 40, 50, 100, 150],
    Quantity.PM25: [10, 20, 25, 50, 75],
}
BOUNDARY_CASES = [
    case
    for pollutant, bounds in TABLE.items()
    for level, bound in enumerate(bounds, start=1)
    for case in ((pollutant, bound, bound, level), (pollutant, bound, bound + 0.01, level + 1))
]


@pytest.mark.parametrize(("pollutant", "bound", "value", "level"), BOUNDARY_CASES)
def test_atmo_sub_index_on_each_side_of_each_threshold(
    pollutant: Quantity, bound: float, value: float, level: int
) -> None:
    # "b < concentration ≤ c": the bound belongs to the lower class
    assert atmo_sub_index(pollutant, value) == AtmoLevel(level), (pollutant, bound)


@pytest.mark.parametrize("pollutant", ATMO_POLLUTANTS)
def test_atmo_sub_index_ends_of_the_scale(pollutant: Quantity) -> None:
    assert atmo_sub_index(pollutant, 0.0) == AtmoLevel.BON
    assert atmo_sub_index(pollutant, 5000.0) == AtmoLevel.EXTREMEMENT_MAUVAIS
    assert atmo_sub_index(pollutant, math.nan) == AtmoLevel.INDISPONIBLE


def test_atmo_sub_index_rejects_negative_values_and_other_pollutants() -> None:
    with pytest.raises(ValidationError, match=r"Cannot classify -1\.0; expected a finite value"):
        atmo_sub_index(Quantity.NO2, -1.0)
    with pytest.raises(ValidationError, match="co is not an ATMO pollutant"):
        atmo_sub_index(Quantity.CO, 1.0)


def test_aggregate_day_uses_the_mean_for_particles_and_the_max_for_gases() -> None:
    day = np.array([10.0] * 12 + [40.0] * 12)
    assert aggregate_day(Quantity.PM10, day) == 25.0
    assert aggregate_day(Quantity.NO2, day) == 40.0
    assert aggregate_day(Quantity.O3, day) == 40.0
    assert aggregate_day(Quantity.SO2, day) == 40.0
    assert aggregate_day(Quantity.PM25, day) == 25.0


def test_aggregate_day_needs_18_valid_hours() -> None:
    day = np.array([30.0] * 18 + [np.nan] * 6)
    assert aggregate_day(Quantity.NO2, day) == 30.0
    day[0] = np.nan
    assert math.isnan(aggregate_day(Quantity.NO2, day))


def test_compute_atmo_index_is_the_worst_sub_index() -> None:
    index = compute_atmo_index(
        {Quantity.PM25: 26.0, Quantity.PM10: 41.0, Quantity.NO2: 20.0, Quantity.O3: 131.0,
         Quantity.SO2: 5.0}
    )  # fmt: skip
    assert index.level == AtmoLevel.MAUVAIS
    assert index.responsible == (Quantity.PM25, Quantity.O3)
    assert index.sub_indices[Quantity.PM10] == AtmoLevel.DEGRADE
    assert index.style.label_fr == "Mauvais"
    assert index.style.colour == "#FF5050"


def test_compute_atmo_index_is_unavailable_when_a_pollutant_is_missing() -> None:
    partial = {Quantity.PM25: 5.0, Quantity.PM10: 5.0, Quantity.NO2: 5.0, Quantity.O3: 5.0}
    index = compute_atmo_index(partial)
    assert index.level == AtmoLevel.INDISPONIBLE
    assert index.responsible == ()
    assert index.sub_indices[Quantity.SO2] == AtmoLevel.INDISPONIBLE
    # ... unless nothing could be worse than what is already known
    assert compute_atmo_index({Quantity.PM25: 80.0}).level == AtmoLevel.EXTREMEMENT_MAUVAIS


def test_compute_atmo_index_rejects_other_quantities() -> None:
    with pytest.raises(ValidationError, match="temperature is not an ATMO pollutant"):
        compute_atmo_index({Quantity.TEMPERATURE: 20.0})


def test_compute_atmo_from_hourly() -> None:
    hours = {p: np.full(24, 5.0) for p in ATMO_POLLUTANTS}
    hours[Quantity.NO2][13] = 95.0
    index = compute_atmo_from_hourly(hours)
    assert index.level == AtmoLevel.DEGRADE
    assert index.concentrations_ugm3[Quantity.NO2] == 95.0


def test_atmo_styles_have_labels_and_charter_colours() -> None:
    assert [ATMO_STYLES[level].colour for level in AtmoLevel] == [
        "#DDDDDD", "#50F0E6", "#50CCAA", "#F0E641", "#FF5050", "#960032", "#872181",
    ]  # fmt: skip
    for style in ATMO_STYLES.values():
        assert re.fullmatch(r"#[0-9A-F]{6}", style.colour)
        assert style.label_fr
        assert style.label_en


concentrations = st.floats(min_value=0, max_value=2000, allow_nan=False)


@given(pollutant=st.sampled_from(ATMO_POLLUTANTS), a=concentrations, b=concentrations)
def test_atmo_sub_index_is_on_scale_and_monotone(pollutant: Quantity, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert AtmoLevel.BON <= atmo_sub_index(pollutant, low) <= AtmoLevel.EXTREMEMENT_MAUVAIS
    assert atmo_sub_index(pollutant, low) <= atmo_sub_index(pollutant, high)


@given(st.fixed_dictionaries(dict.fromkeys(ATMO_POLLUTANTS, concentrations)))
def test_atmo_index_is_the_max_of_its_sub_indices(daily: dict[Quantity, float]) -> None:
    index = compute_atmo_index(daily)
    assert index.level == max(atmo_sub_index(p, c) for p, c in daily.items())
    assert index.responsible
    assert all(index.sub_indices[p] == index.level for p in index.responsible)


def _sample_hourly() -> dict[str, dict[Quantity, list[float]]]:
    """Hourly NO2/O3 of the Poitiers sample per station, normalised from 'ug.m-3'."""
    pollutant_codes = {"8": Quantity.NO2, "7": Quantity.O3}
    by_station: dict[str, dict[Quantity, list[float]]] = defaultdict(lambda: defaultdict(list))
    with SAMPLE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["metriqu"] != "moyenne horaire" or row["sttt_vl"] != "1":
                continue  # annual PM means are not daily values
            quantity = pollutant_codes[row["id_pll"]]
            value = normalise(quantity, float(row["valeur"]), row["unite"]).value
            by_station[row["cd_sttn"]][quantity].append(value)
    return by_station


def test_atmo_on_the_atmo_nouvelle_aquitaine_sample() -> None:
    stations = _sample_hourly()
    assert {s: {q: len(v) for q, v in p.items()} for s, p in stations.items()} == {
        "FR09015": {Quantity.NO2: 8, Quantity.O3: 8},
        "FR09403": {Quantity.NO2: 8},
        "FR09404": {Quantity.NO2: 8, Quantity.O3: 8},
    }
    # Eight hours (00:00-08:00) are not a day: every daily sub-index is unavailable.
    for hourly in stations.values():
        for quantity, values in hourly.items():
            assert math.isnan(aggregate_day(quantity, np.array(values)))
    # Over the eight hours that exist, the maxima are read off the file by hand:
    # FR09015 NO2 max 30 (bon), O3 max 66 (moyen); FR09403 NO2 max 66 (moyen);
    # FR09404 NO2 max 38 (bon), O3 max 60 (moyen).
    expected = {
        ("FR09015", Quantity.NO2): (30.0, AtmoLevel.BON),
        ("FR09015", Quantity.O3): (66.0, AtmoLevel.MOYEN),
        ("FR09403", Quantity.NO2): (66.0, AtmoLevel.MOYEN),
        ("FR09404", Quantity.NO2): (38.0, AtmoLevel.BON),
        ("FR09404", Quantity.O3): (60.0, AtmoLevel.MOYEN),
    }
    for (station, quantity), (maximum, level) in expected.items():
        partial = aggregate_day(quantity, np.array(stations[station][quantity]), min_hours=8)
        assert partial == maximum
        assert atmo_sub_index(quantity, partial) == level
    # Two pollutants of five, none extreme: no ATMO index for these stations.
    index = compute_atmo_from_hourly(
        {q: np.array(v) for q, v in stations["FR09404"].items()}, min_hours=8
    )
    assert index.level == AtmoLevel.INDISPONIBLE
    assert index.sub_indices[Quantity.O3] == AtmoLevel.MOYEN

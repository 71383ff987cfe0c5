"""Age structures: INSEE département estimates (with their known error) and commune estimates."""

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.errors import RecordError, ValidationError
from healthycity.territory.ages import derive_commune_bands, read_departement_estimates
from healthycity.territory.models import AGE_BANDS
from tests.factories import AGE_COLUMNS, age_rows, write_age_estimates, write_csv

AGE_FILE = (
    DEFAULT_DEMO_DATA_DIR
    / "territory"
    / "insee_estim_pop_departements_sexe_age_quinquennal_2015_2021.csv"
)
MEN = [100 + i for i in range(len(AGE_BANDS))]
WOMEN = [200 + i for i in range(len(AGE_BANDS))]


def test_age_bands_are_the_twenty_insee_bands() -> None:
    assert len(AGE_BANDS) == 20
    assert (AGE_BANDS[0], AGE_BANDS[-2], AGE_BANDS[-1]) == ("00-04", "90-94", "95+")


def test_read_departement_estimates_of_nievre_2021_add_up_to_insee_total() -> None:
    structures, warnings = read_departement_estimates(AGE_FILE, {"58"})
    assert warnings == []
    assert [s.year for s in structures] == list(range(2015, 2022))
    nievre_2021 = structures[-1]
    assert (nievre_2021.level, nievre_2021.code, nievre_2021.is_estimated) == (
        "departement",
        "58",
        False,
    )
    assert list(nievre_2021.population_by_band) == list(AGE_BANDS)
    assert sum(nievre_2021.population_by_band.values()) == 199_518
    assert nievre_2021.population_by_band["00-04"] == 7913
    assert nievre_2021.source.endswith("(2021)")


def test_read_departement_estimates_corrects_correze_2021_and_warns() -> None:
    structures, warnings = read_departement_estimates(AGE_FILE, {"19"})
    assert warnings == [
        f"{AGE_FILE}, département 19, 2021: ensemble 65-69=1 is not hommes + femmes = 17901; "
        "using 17901."
    ]
    correze_2021 = next(s for s in structures if s.year == 2021)
    assert correze_2021.population_by_band["65-69"] == 8535 + 9366


def test_read_departement_estimates_skips_aggregates_and_other_departements() -> None:
    structures, _ = read_departement_estimates(AGE_FILE, {"58", "FRANCE_METRO_X"})
    assert {s.code for s in structures} == {"58"}


def test_read_departement_estimates_of_a_hand_made_file(tmp_path: Path) -> None:
    path = write_age_estimates(tmp_path / "ages.csv", age_rows("58", 2020, men=MEN, women=WOMEN))
    [structure], warnings = read_departement_estimates(path, {"58"})
    assert warnings == []
    assert structure.year == 2020
    assert structure.population_by_band["05-09"] == 101 + 201
    assert sum(structure.population_by_band.values()) == sum(MEN) + sum(WOMEN)


def bad_rows(**change: object) -> list[tuple[object, ...]]:
    """Rows of 58 in 2021 where the line of ensemble 05-09 (line 3) has ``change``."""
    rows = [tuple(r) for r in age_rows("58", 2021, men=MEN, women=WOMEN)]
    record = dict(zip(AGE_COLUMNS, rows[1], strict=True)) | change
    rows[1] = tuple(record[c] for c in AGE_COLUMNS)
    return rows


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"sexe": "tous"}, "sexe", "one of ensemble, hommes, femmes"),
        ({"tranche_age": "05-10"}, "tranche_age", "a five-year band"),
        ({"population": "beaucoup"}, "annee/population", "whole numbers"),
        ({"annee": ""}, "annee/population", "whole numbers"),
        ({"population": -302}, "population", "a non-negative number"),
    ],
)
def test_read_departement_estimates_bad_line_names_line_and_field(
    tmp_path: Path, change: dict[str, object], field: str, expected: str
) -> None:
    path = write_age_estimates(tmp_path / "ages.csv", bad_rows(**change))
    with pytest.raises(RecordError) as caught:
        read_departement_estimates(path, {"58"})
    assert (caught.value.source, caught.value.location, caught.value.field) == (
        str(path),
        "line 3",
        field,
    )
    assert expected in caught.value.expected


def test_read_departement_estimates_missing_band_is_refused(tmp_path: Path) -> None:
    rows = [r for r in age_rows("58", 2021, men=MEN, women=WOMEN) if r[4] != "95+"]
    path = write_age_estimates(tmp_path / "ages.csv", rows)
    with pytest.raises(RecordError, match=r"département 58, 2021: tranche_age=\['95\+'\]"):
        read_departement_estimates(path, {"58"})


def test_read_departement_estimates_bands_not_adding_up_to_the_total_are_refused(
    tmp_path: Path,
) -> None:
    rows = [
        (*r[:5], 1) if r[3] == "ensemble" and r[4] == "total" else r
        for r in age_rows("58", 2021, men=MEN, women=WOMEN)
    ]
    path = write_age_estimates(tmp_path / "ages.csv", rows)
    with pytest.raises(RecordError, match="expected bands that add up to the published total 1"):
        read_departement_estimates(path, {"58"})


def test_read_departement_estimates_missing_column_is_refused(tmp_path: Path) -> None:
    columns = tuple(c if c != "code_departement" else "dep" for c in AGE_COLUMNS)
    path = write_csv(tmp_path / "ages.csv", columns, age_rows("58", 2021, men=MEN, women=WOMEN))
    with pytest.raises(RecordError, match=r"line 1 \(header\): columns=.*code_departement"):
        read_departement_estimates(path, {"58"})


def test_read_departement_estimates_missing_file_is_a_record_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"ages\.csv, file: path="):
        read_departement_estimates(tmp_path / "ages.csv", {"58"})


def test_derive_commune_bands_by_hand() -> None:
    # Nevers-sized commune over a three-band structure: 33,085 × (1/4, 1/4, 1/2)
    bands = derive_commune_bands(33_085, {"00-04": 50.0, "05-09": 50.0, "10-14": 100.0})
    assert bands == {"00-04": 8271.25, "05-09": 8271.25, "10-14": 16542.5}


def test_derive_commune_bands_of_an_empty_commune_are_zero() -> None:
    assert derive_commune_bands(0, dict.fromkeys(AGE_BANDS, 0.0)) == dict.fromkeys(AGE_BANDS, 0.0)


@pytest.mark.parametrize(
    ("population", "bands", "message"),
    [
        (10, dict.fromkeys(AGE_BANDS, 0.0), "an age structure of total 0"),
        (10, {"00-04": 5.0, "05-09": -1.0}, "negative values are {'05-09': -1.0}"),
        (-1, {"00-04": 5.0}, "population=-1"),
    ],
)
def test_derive_commune_bands_refuses_what_cannot_be_spread(
    population: int, bands: dict[str, float], message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        derive_commune_bands(population, bands)


@given(
    population=st.integers(0, 3_000_000),
    values=st.lists(
        st.floats(0, 1e6, allow_nan=False), min_size=len(AGE_BANDS), max_size=len(AGE_BANDS)
    ).filter(lambda v: sum(v) > 0),
)
def test_derive_commune_bands_are_non_negative_and_add_up(
    population: int, values: list[float]
) -> None:
    bands = derive_commune_bands(population, dict(zip(AGE_BANDS, values, strict=True)))
    assert list(bands) == list(AGE_BANDS)
    assert all(v >= 0 for v in bands.values())
    assert sum(bands.values()) == pytest.approx(population, rel=1e-9, abs=1e-6)


@given(
    population=st.integers(0, 100_000),
    values=st.lists(st.integers(0, 50_000), min_size=2).filter(lambda v: sum(v) > 0),
    scale=st.integers(2, 1000),
)
def test_derive_commune_bands_depend_on_proportions_only(
    population: int, values: list[int], scale: int
) -> None:
    structure = {f"b{i}": float(v) for i, v in enumerate(values)}
    bands = derive_commune_bands(population, structure)
    scaled = derive_commune_bands(population, {b: v * scale for b, v in structure.items()})
    for band in structure:
        assert scaled[band] == pytest.approx(bands[band])
    for a in structure:
        for b in structure:
            if structure[a] >= structure[b]:
                assert bands[a] >= bands[b]

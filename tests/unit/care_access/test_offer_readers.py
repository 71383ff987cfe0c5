"""Readers of the BPE and FINESS files: what they accept, and each error naming file and line."""

from pathlib import Path

import pytest

from healthycity.care_access._bpe import read_bpe_file
from healthycity.care_access._finess import read_hospital_file
from healthycity.care_access._hospital_places import city_key
from healthycity.care_access.importer import ARRONDISSEMENTS
from healthycity.errors import RecordError
from tests.factories import write_csv

LONG = (
    "annee_bpe",
    "code_region",
    "code_departement",
    "code_insee",
    "typequ",
    "libelle_typequ",
    "nb_equip",
)
WIDE = (
    "annee_bpe",
    "code_region",
    "code_departement",
    "code_insee",
    "nb_medecins_generalistes_D201",
    "nb_pharmacies_D301",
)
HOSPITAL = (
    "id",
    "hospital_name",
    "site_name",
    "lat",
    "lon",
    "geo_qual",
    "street",
    "house_number",
    "postcode",
    "city",
    "cap_beds",
    "cap_prac",
    "cap_rooms",
    "facility_type",
    "public_private",
)
NEVERS_CH = (
    "580972693",
    "HOPITAL PIERRE BEREGOVOY",
    "",
    "46.980196",
    "3.122486",
    "1",
    "BD DE L'HOPITAL",
    "1",
    "58033",
    "NEVERS",
    "",
    "",
    "",
    "Centre Hospitalier (C.H.)",
    "public",
)
BOURG_CH = (
    "10000024",
    "CH DE BOURG-EN-BRESSE",
    "",
    "46.2222",
    "5.20879",
    "1",
    "ROUTE DE PARIS",
    "900",
    "01440",
    "VIRIAT",
    "",
    "",
    "",
    "Centre Hospitalier (C.H.)",
    "public",
)


def test_read_bpe_long_layout(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "long.csv",
        LONG,
        [
            (2018, 27, "58", "58194", "D201", "Médecin généraliste", 33),
            (2018, 27, "58", "58194", "D301", "Pharmacie", 18),
            (2019, 27, "58", "58194", "D201", "Médecin généraliste", 32),
        ],
    )
    bpe = read_bpe_file(path)
    assert [(c.year, c.commune_code, c.typequ, c.count, c.line) for c in bpe.counts] == [
        (2018, "58194", "D201", 33, 2),
        (2018, "58194", "D301", 18, 3),
        (2019, "58194", "D201", 32, 4),
    ]
    assert bpe.years == {2018, 2019}
    assert bpe.typequs == {"D201", "D301"}
    assert bpe.departements == {"58"}
    assert [c.count for c in read_bpe_file(path, years={2019}).counts] == [32]


def test_read_bpe_wide_layout_keeps_zeros_and_the_leading_zero(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "wide.csv", WIDE, [(2018, 84, "01", "01004", 27, 0)])
    bpe = read_bpe_file(path)
    assert [(c.commune_code, c.typequ, c.count) for c in bpe.counts] == [
        ("01004", "D201", 27),
        ("01004", "D301", 0),
    ]


@pytest.mark.parametrize(
    ("row", "field", "value"),
    [
        ((2018, 27, "58", "58194", "D201", "x", -1), "nb_equip", "-1"),
        ((2018, 27, "58", "58194", "D201", "x", "2.5"), "nb_equip", "2.5"),
        ((2018, 27, "58", "58194", "D201", "x", ""), "nb_equip", ""),
        ((1899, 27, "58", "58194", "D201", "x", 1), "annee_bpe", "1899"),
        ((2018, 27, "58", "5819", "D201", "x", 1), "code_insee", "5819"),
        ((2018, 27, "58", "89024", "D201", "x", 1), "code_insee", "89024"),
        ((2018, 27, "5", "58194", "D201", "x", 1), "code_departement", "5"),
        ((2018, 27, "58", "58194", "A101", "x", 1), "typequ", "A101"),
    ],
)
def test_read_bpe_names_file_line_field_and_value(
    tmp_path: Path, row: tuple[object, ...], field: str, value: str
) -> None:
    good = (2018, 27, "58", "58086", "D201", "x", 9)
    path = write_csv(tmp_path / "bad.csv", LONG, [good, row])
    with pytest.raises(RecordError) as caught:
        read_bpe_file(path)
    error = caught.value
    assert (error.source, error.location, error.field, error.value) == (
        str(path),
        "line 3",
        field,
        value,
    )


def test_read_bpe_refuses_a_count_given_twice(tmp_path: Path) -> None:
    row = (2018, 27, "58", "58194", "D201", "x", 33)
    path = write_csv(tmp_path / "twice.csv", LONG, [row, row])
    with pytest.raises(RecordError, match="already on line 2") as caught:
        read_bpe_file(path)
    assert caught.value.location == "line 3"


def test_read_bpe_refuses_an_unknown_header_and_a_missing_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "other.csv", ("year", "commune", "gps"), [(2018, "58194", 3)])
    with pytest.raises(RecordError, match="line 1 \\(header\\)"):
        read_bpe_file(path)
    with pytest.raises(RecordError, match="a readable CSV file"):
        read_bpe_file(tmp_path / "missing.csv")


def test_read_hospitals_restores_the_leading_zero_of_departements_01_to_09(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", HOSPITAL, [BOURG_CH, NEVERS_CH])
    bourg, nevers = read_hospital_file(path)
    assert (bourg.finess, bourg.departement_code) == ("010000024", "01")
    assert (nevers.finess, nevers.departement_code) == ("580972693", "58")
    assert bourg.address == "900 ROUTE DE PARIS, 01440 VIRIAT"
    assert [r.finess for r in read_hospital_file(path, departements={"58"})] == ["580972693"]


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({0: "10000024", 8: "75001"}, "id", "is not of it"),  # 8 digits but not of 01
        ({0: "580972694"}, "id", "Luhn key"),
        ({0: "9709000011"}, "id", "leading zero kept"),
        ({0: "970900007"}, "id", "an overseas number starting"),
        ({3: "51.5", 4: "-0.12"}, "lon, lat", "in France"),
        ({3: "forty-seven"}, "lat", "a decimal number"),
        ({8: "5803"}, "postcode", "5-digit"),
        ({10: "-5"}, "cap_beds", "a whole number"),
        ({14: "associative"}, "public_private", "public, private"),
        ({1: " "}, "hospital_name", "non-empty"),
    ],
)
def test_read_hospitals_names_file_line_field_and_expectation(
    tmp_path: Path, changes: dict[int, str], field: str, expected: str
) -> None:
    bad = tuple(changes.get(i, v) for i, v in enumerate(NEVERS_CH))
    path = write_csv(tmp_path / "h.csv", HOSPITAL, [BOURG_CH, bad])
    with pytest.raises(RecordError) as caught:
        read_hospital_file(path)
    assert (caught.value.location, caught.value.field) == ("line 3", field)
    assert expected in caught.value.expected


def test_read_hospitals_refuses_a_finess_number_twice_even_out_of_the_filter(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "h.csv", HOSPITAL, [NEVERS_CH, BOURG_CH, NEVERS_CH])
    with pytest.raises(RecordError, match="not already on line 2"):
        read_hospital_file(path, departements={"01"})


@pytest.mark.parametrize(
    ("city", "key"),
    [
        ("LA CHARITE SUR LOIRE", "la charite sur loire"),
        ("COSNE COURS SUR LOIRE CEDE", "cosne cours sur loire"),
        ("ST GENIEZ D OLT CEDEX 3", "saint geniez d olt"),
        ("STE MARIE", "sainte marie"),
        ("PARIS  04", "paris"),
        ("MARSEILLE 05", "marseille"),
    ],
)
def test_city_key_folds_postal_names_like_cog_names(city: str, key: str) -> None:
    assert city_key(city) == key


def test_arrondissement_ranges_are_those_of_the_cog() -> None:
    assert [len(r) for r in ARRONDISSEMENTS.values()] == [20, 9, 16]

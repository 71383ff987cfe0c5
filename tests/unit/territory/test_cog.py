"""Readers of the COG CSV files: shapes, parents, merges, and errors that say what is wrong."""

from pathlib import Path

import pytest

from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.errors import RecordError
from healthycity.territory.cog import (
    CogFiles,
    CommuneMerge,
    read_communes,
    read_departements,
    read_epcis,
    read_regions,
)
from healthycity.territory.models import TerritoryRow
from tests.factories import (
    COMMUNE_COLUMNS,
    COMMUNES,
    DEPARTEMENT_COLUMNS,
    EPCI_COLUMNS,
    REGION_COLUMNS,
    replace_row,
    write_cog,
    write_csv,
)

DEPARTEMENT_CODES = {"58", "89", "18"}
EPCI_CODES = {"200000001", "200000002"}


def read_tiny_communes(files: CogFiles) -> tuple[list[TerritoryRow], list[CommuneMerge]]:
    return read_communes(files.communes, departement_codes=DEPARTEMENT_CODES, epci_codes=EPCI_CODES)


def test_cog_files_in_folder_names_the_vintage(tmp_path: Path) -> None:
    files = CogFiles.in_folder(tmp_path, year=2025)
    assert files.regions == tmp_path / "regions_2025.csv"
    assert files.departements == tmp_path / "departements_2025.csv"
    assert files.epci == tmp_path / "epci_france_2025.csv"
    assert files.communes == tmp_path / "communes_france_cog2025.csv"


def test_read_regions_departements_epcis_of_tiny_territory(tmp_path: Path) -> None:
    files = write_cog(tmp_path)
    assert read_regions(files.regions) == [
        TerritoryRow("region", "27", "Bourgogne-Franche-Comté"),
        TerritoryRow("region", "24", "Centre-Val de Loire"),
    ]
    departements = read_departements(files.departements, {"27", "24"})
    assert [(d.code, d.parents) for d in departements] == [
        ("58", (("region", "27"),)),
        ("89", (("region", "27"),)),
        ("18", (("region", "24"),)),
    ]
    assert read_epcis(files.epci) == [
        TerritoryRow("epci", "200000001", "CC des Deux Rives", kind="CC"),
        TerritoryRow("epci", "200000002", "CA du Val", kind="CA"),
    ]


def test_read_communes_keeps_actuelles_with_parents_and_merges(tmp_path: Path) -> None:
    communes, merges = read_tiny_communes(write_cog(tmp_path))
    assert communes == [
        TerritoryRow(
            "commune",
            "58001",
            "Château-Lès-Bois",
            population=1000,
            kind="metro",
            parents=(("epci", "200000001"), ("departement", "58")),
        ),
        TerritoryRow(
            "commune",
            "58002",
            "Saint-Éloi",
            population=500,
            kind="metro",
            parents=(("epci", "200000002"), ("departement", "58")),
        ),
        TerritoryRow(
            "commune",
            "89001",
            "Œuilly-sur-Yonne",
            population=200,
            kind="metro",
            parents=(("epci", "200000001"), ("departement", "89")),
        ),
        # no EPCI (island communes such as Île-de-Bréhat have none)
        TerritoryRow(
            "commune",
            "18001",
            "Bourg-l'Île",
            population=300,
            kind="metro",
            parents=(("departement", "18"),),
        ),
    ]
    # the chef-lieu déléguée (same code as its parent) is not a merge; 75101 is skipped
    assert merges == [CommuneMerge("58004", "58001")]


def test_read_communes_empty_population_is_unknown(tmp_path: Path) -> None:
    files = write_cog(tmp_path, communes=replace_row(COMMUNES, "58002", population=""))
    communes, _ = read_tiny_communes(files)
    assert next(c for c in communes if c.code == "58002").population is None


def test_read_communes_accepts_corsica_codes(tmp_path: Path) -> None:
    rows = [("2A004", "Ajaccio", "commune-actuelle", "2A", "", "73000", "", "metro")]
    files = write_cog(tmp_path, communes=rows)
    communes, _ = read_communes(files.communes, departement_codes={"2A"}, epci_codes=set())
    assert [(c.code, c.parents) for c in communes] == [("2A004", (("departement", "2A"),))]


@pytest.mark.parametrize(
    ("changes", "field", "value", "expected"),
    [
        ({"code_insee": "5800A"}, "code_insee", "5800A", "a code matching"),
        ({"code_insee": "581"}, "code_insee", "581", "a code matching"),
        ({"population": "-12"}, "population", "-12", "a non-negative whole number"),
        ({"population": "douze"}, "population", "douze", "a non-negative whole number"),
        ({"population": "1.5"}, "population", "1.5", "a non-negative whole number"),
        ({"population": "²"}, "population", "²", "a non-negative whole number"),
        ({"code_departement": "99"}, "code_departement", "99", "a département of the file"),
        ({"code_departement": ""}, "code_departement", "", "a code matching"),
        ({"epci_siren": "200000099"}, "epci_siren", "200000099", "an EPCI of the EPCI file"),
        ({"nom": " "}, "nom", "", "a non-empty name"),
        ({"type": "commune-fantome"}, "type", "commune-fantome", "one of commune-actuelle"),
    ],
)
def test_read_communes_bad_field_names_file_line_field_value(
    tmp_path: Path, changes: dict[str, str], field: str, value: str, expected: str
) -> None:
    files = write_cog(tmp_path, communes=replace_row(COMMUNES, "58002", **changes))
    with pytest.raises(RecordError) as caught:
        read_tiny_communes(files)
    error = caught.value
    assert (error.source, error.location, error.field, error.value) == (
        str(files.communes),
        "line 5",  # header, 58001, its chef-lieu déléguée, 58004, then 58002
        field,
        value,
    )
    assert expected in error.expected
    message = str(error)
    for part in (str(files.communes), "line 5", field, repr(value), expected):
        assert part in message


def test_read_communes_missing_column_names_the_header(tmp_path: Path) -> None:
    columns = tuple(c for c in COMMUNE_COLUMNS if c != "population")
    rows = [
        tuple(v for c, v in zip(COMMUNE_COLUMNS, r, strict=True) if c != "population")
        for r in COMMUNES
    ]
    files = write_cog(tmp_path, communes=rows, commune_columns=columns)
    with pytest.raises(RecordError, match=r"line 1 \(header\): columns=.*population") as caught:
        read_tiny_communes(files)
    assert caught.value.field == "columns"


def test_read_communes_duplicate_code_names_the_first_line(tmp_path: Path) -> None:
    files = write_cog(tmp_path, communes=[*COMMUNES, COMMUNES[3]])
    with pytest.raises(RecordError, match=r"line 9: code_insee='58002'.*already used on line 5"):
        read_tiny_communes(files)


def test_read_communes_merge_into_unknown_commune_is_refused(tmp_path: Path) -> None:
    rows = [*COMMUNES, ("58005", "Perdu", "commune-associee", "58", "", "", "58999", "metro")]
    files = write_cog(tmp_path, communes=rows)
    with pytest.raises(RecordError) as caught:
        read_tiny_communes(files)
    assert (caught.value.location, caught.value.field, caught.value.value) == (
        "commune 58005",
        "chef_lieu_ou_commune_parente",
        "58999",
    )


def test_read_departements_unknown_region_is_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "departements_2026.csv",
        DEPARTEMENT_COLUMNS,
        [("58", "Nièvre", "99", "Nulle part", "58194", "metro")],
    )
    with pytest.raises(RecordError, match="line 2: code_region='99'; expected a région"):
        read_departements(path, {"27"})


@pytest.mark.parametrize(
    ("reader", "columns", "rows", "message"),
    [
        (read_regions, REGION_COLUMNS, [("27", "A", "", ""), ("27", "B", "", "")], "line 3"),
        (read_epcis, EPCI_COLUMNS, [("20000000", "CC Courte", "CC", "", "")], "epci_siren"),
        (read_epcis, EPCI_COLUMNS, [("200000001", "", "CC", "", "")], "nom=''"),
    ],
)
def test_read_regions_and_epcis_refuse_bad_lines(
    tmp_path: Path,
    reader: object,
    columns: tuple[str, ...],
    rows: list[tuple[str, ...]],
    message: str,
) -> None:
    path = write_csv(tmp_path / "file.csv", columns, rows)
    with pytest.raises(RecordError, match=message):
        reader(path)  # type: ignore[operator]  # a reader of one COG file


def test_read_regions_missing_file_is_a_record_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"regions_2026\.csv, file: path=.*readable CSV file"):
        read_regions(tmp_path / "regions_2026.csv")


def test_read_communes_of_cog_2026_nievre_has_309_communes_of_201417_inhabitants() -> None:
    files = CogFiles.in_folder(DEFAULT_DEMO_DATA_DIR / "territory")
    regions = read_regions(files.regions)
    departements = read_departements(files.departements, {r.code for r in regions})
    epcis = read_epcis(files.epci)
    communes, merges = read_communes(
        files.communes,
        departement_codes={d.code for d in departements},
        epci_codes={e.code for e in epcis},
    )
    assert (len(regions), len(departements), len(epcis)) == (26, 109, 1255)
    assert (len(communes), len(merges)) == (34969, 1992)
    nievre = [c for c in communes if ("departement", "58") in c.parents]
    assert len(nievre) == 309
    assert sum(c.population or 0 for c in nievre) == 201417
    assert sum(1 for c in communes if ("departement", "23") in c.parents) == 255

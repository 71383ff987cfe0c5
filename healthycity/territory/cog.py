"""Readers of the Code officiel géographique (COG) CSV files: régions, départements, EPCI, communes.

The layout is the one of ``data/territory/`` (flattened ``@etalab/decoupage-administratif``);
every field is checked and a bad line raises :class:`RecordError` naming file, line and field.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from healthycity.csv_files import read_csv_records
from healthycity.errors import RecordError
from healthycity.territory.models import TerritoryRow

COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
DEPARTEMENT_CODE = re.compile(r"^(?:\d{2}|2[AB]|9[78]\d)$")
REGION_CODE = re.compile(r"^(?:\d{2}|9[78]\d)$")  # COM have 3-digit codes
EPCI_SIREN = re.compile(r"^\d{9}$")
COMMUNE_TYPES = (
    "commune-actuelle",
    "commune-deleguee",
    "commune-associee",
    "arrondissement-municipal",
)


ABSORPTIONS_FILE = "commune_absorptions.csv"


@dataclass(frozen=True)
class CogFiles:
    """The four COG files of one vintage, in a folder laid out like ``data/territory``.

    ``absorptions`` optionally lists communes absorbed without becoming communes déléguées
    (``code_insee, code_parent``), which the COG of the year no longer mentions.
    """

    regions: Path
    departements: Path
    epci: Path
    communes: Path
    absorptions: Path | None = None

    @classmethod
    def in_folder(cls, folder: Path, *, year: int = 2026) -> "CogFiles":
        """The files named ``regions_<year>.csv`` … ``communes_france_cog<year>.csv``."""
        return cls(
            regions=folder / f"regions_{year}.csv",
            departements=folder / f"departements_{year}.csv",
            epci=folder / f"epci_france_{year}.csv",
            communes=folder / f"communes_france_cog{year}.csv",
            absorptions=absorptions
            if (absorptions := folder / ABSORPTIONS_FILE).exists()
            else None,
        )


@dataclass(frozen=True)
class CommuneMerge:
    """A former commune (déléguée or associée) and the current commune it now belongs to."""

    code: str
    parent_code: str


class _Reader:
    """Iterate a CSV file's records with their line numbers and check their fields."""

    def __init__(self, path: Path, required: tuple[str, ...]) -> None:
        self.path = path
        self.required = required
        self._first_line: dict[str, int] = {}

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return read_csv_records(self.path, self.required)

    def fail(self, line: int, field: str, value: object, expected: str) -> RecordError:
        """Build the error for one bad field."""
        return RecordError(
            source=str(self.path),
            location=f"line {line}",
            field=field,
            value=value,
            expected=expected,
        )

    def code(self, line: int, record: dict[str, str], field: str, pattern: re.Pattern[str]) -> str:
        """A code field matching ``pattern`` (codes are strings: leading zeros kept)."""
        value = (record.get(field) or "").strip()
        if not pattern.match(value):
            raise self.fail(line, field, value, f"a code matching {pattern.pattern}")
        return value

    def unique(self, line: int, field: str, code: str) -> str:
        """``code``, unless an earlier line of the file already had it."""
        first = self._first_line.setdefault(code, line)
        if first != line:
            raise self.fail(line, field, code, f"a code not already used on line {first}")
        return code

    def text(self, line: int, record: dict[str, str], field: str) -> str:
        """A non-empty text field."""
        value = (record.get(field) or "").strip()
        if not value:
            raise self.fail(line, field, value, "a non-empty name")
        return value

    def count(self, line: int, record: dict[str, str], field: str) -> int | None:
        """A non-negative integer field; empty means unknown."""
        value = (record.get(field) or "").strip()
        if not value:
            return None
        # isascii(): str.isdigit() accepts "²", which int() then rejects with a bare ValueError
        if not (value.isascii() and value.isdigit()):
            raise self.fail(line, field, value, "a non-negative whole number of inhabitants")
        return int(value)


def read_regions(path: Path) -> list[TerritoryRow]:
    """Régions: ``code_region, nom``."""
    reader = _Reader(path, ("code_region", "nom"))
    return [
        TerritoryRow(
            "region",
            reader.unique(n, "code_region", reader.code(n, r, "code_region", REGION_CODE)),
            reader.text(n, r, "nom"),
        )
        for n, r in reader
    ]


def read_departements(path: Path, region_codes: set[str]) -> list[TerritoryRow]:
    """Départements: ``code_departement, nom, code_region``, each in a known région."""
    reader = _Reader(path, ("code_departement", "nom", "code_region"))
    rows = []
    for n, r in reader:
        region = reader.code(n, r, "code_region", REGION_CODE)
        if region not in region_codes:
            raise reader.fail(n, "code_region", region, "a région of the régions file")
        code = reader.code(n, r, "code_departement", DEPARTEMENT_CODE)
        reader.unique(n, "code_departement", code)
        rows.append(
            TerritoryRow(
                "departement", code, reader.text(n, r, "nom"), parents=(("region", region),)
            )
        )
    return rows


def read_epcis(path: Path) -> list[TerritoryRow]:
    """EPCI à fiscalité propre: ``epci_siren, nom, type``."""
    reader = _Reader(path, ("epci_siren", "nom", "type"))
    return [
        TerritoryRow(
            "epci",
            reader.unique(n, "epci_siren", reader.code(n, r, "epci_siren", EPCI_SIREN)),
            reader.text(n, r, "nom"),
            kind=(r.get("type") or "").strip() or None,
        )
        for n, r in reader
    ]


def read_communes(
    path: Path, *, departement_codes: set[str], epci_codes: set[str]
) -> tuple[list[TerritoryRow], list[CommuneMerge]]:
    """Communes actuelles with their parents, and the merges of former communes.

    Arrondissements municipaux (Paris, Lyon, Marseille) are not communes and are skipped;
    déléguées and associées become :class:`CommuneMerge` so that older polygons can be
    dissolved into their current commune.
    """
    columns = (
        "code_insee",
        "nom",
        "type",
        "code_departement",
        "epci_siren",
        "population",
        "chef_lieu_ou_commune_parente",
    )
    reader = _Reader(path, columns)
    communes: list[TerritoryRow] = []
    merges: list[CommuneMerge] = []
    for n, r in reader:
        code = reader.code(n, r, "code_insee", COMMUNE_CODE)
        kind = (r.get("type") or "").strip()
        if kind not in COMMUNE_TYPES:
            raise reader.fail(n, "type", kind, f"one of {', '.join(COMMUNE_TYPES)}")
        if kind in ("commune-deleguee", "commune-associee"):
            parent = reader.code(n, r, "chef_lieu_ou_commune_parente", COMMUNE_CODE)
            if parent != code:  # a chef-lieu déléguée carries its own code
                merges.append(CommuneMerge(code, parent))
            continue
        if kind != "commune-actuelle":
            continue
        reader.unique(n, "code_insee", code)
        departement = reader.code(n, r, "code_departement", DEPARTEMENT_CODE)
        if departement not in departement_codes:
            raise reader.fail(n, "code_departement", departement, "a département of the file")
        parents: list[tuple[str, str]] = [("departement", departement)]
        epci = (r.get("epci_siren") or "").strip()
        if epci:
            if epci not in epci_codes:
                raise reader.fail(n, "epci_siren", epci, "an EPCI of the EPCI file")
            parents.insert(0, ("epci", epci))
        communes.append(
            TerritoryRow(
                "commune",
                code,
                reader.text(n, r, "nom"),
                population=reader.count(n, r, "population"),
                kind=(r.get("zone") or "").strip() or None,
                parents=tuple(parents),  # type: ignore[arg-type]  # levels checked above
            )
        )
    _check_merges(reader, merges, {c.code for c in communes})
    return communes, merges


def _check_merges(reader: _Reader, merges: list[CommuneMerge], commune_codes: set[str]) -> None:
    for merge in merges:
        if merge.parent_code not in commune_codes:
            raise RecordError(
                source=str(reader.path),
                location=f"commune {merge.code}",
                field="chef_lieu_ou_commune_parente",
                value=merge.parent_code,
                expected="a commune actuelle of the same file",
            )


def read_absorptions(path: Path, commune_codes: set[str]) -> list[CommuneMerge]:
    """Former communes absorbed without a déléguée row, each into a current commune."""
    reader = _Reader(path, ("code_insee", "code_parent"))
    merges = []
    for n, r in reader:
        code = reader.code(n, r, "code_insee", COMMUNE_CODE)
        parent = reader.code(n, r, "code_parent", COMMUNE_CODE)
        if parent not in commune_codes:
            raise reader.fail(n, "code_parent", parent, "a commune actuelle of the COG")
        merges.append(CommuneMerge(code, parent))
    return merges

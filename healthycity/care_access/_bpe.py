"""Reader of INSEE BPE counts per commune, in the long or the wide layout (pure, no database).

Long layout (one row per commune, year and equipment type)::

    annee_bpe,code_region,code_departement,code_insee,typequ,libelle_typequ,nb_equip

Wide layout (one row per commune and year, one column per type, named ``nb_<what>_<TYPEQU>``)::

    annee_bpe,code_region,code_departement,code_insee,nb_medecins_generalistes_D201,...

Every field is checked; a bad line raises :class:`RecordError` naming file, line and field.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from healthycity.care_access.offer import COMMUNE_CODE, DEPARTEMENT_CODE
from healthycity.csv_files import read_csv_records
from healthycity.errors import RecordError

TYPEQU = re.compile(r"^D\d{3}$")  # domain D of the BPE: "santé et action sociale"
WIDE_COLUMN = re.compile(r"^nb_\w+_(D\d{3})$")
KEY_COLUMNS = ("annee_bpe", "code_departement", "code_insee")
LONG_COLUMNS = (*KEY_COLUMNS, "typequ", "nb_equip")
# The BPE exists since 2007 (INSEE); a year outside this range is a shifted column.
FIRST_YEAR, LAST_YEAR = 2007, 2100


@dataclass(frozen=True)
class BpeCount:
    """One count of one equipment type in one commune (as coded in the file) and year."""

    year: int
    commune_code: str
    departement_code: str
    typequ: str
    count: int
    line: int


@dataclass(frozen=True)
class BpeFile:
    """The counts of one file, and what it covers: its years, types and départements."""

    source: str
    counts: list[BpeCount]
    years: frozenset[int]
    typequs: frozenset[str]
    departements: frozenset[str]


def _fail(source: str, line: int, field: str, value: object, expected: str) -> RecordError:
    return RecordError(
        source=source, location=f"line {line}", field=field, value=value, expected=expected
    )


def _count(source: str, line: int, field: str, text: str | None) -> int:
    value = (text or "").strip()
    # isascii(): str.isdigit() accepts "²", which int() then rejects with a bare ValueError
    if not (value.isascii() and value.isdigit()):
        raise _fail(source, line, field, value, "a whole number ≥ 0 of equipments or professionals")
    return int(value)


def _key(source: str, line: int, record: dict[str, str]) -> tuple[int, str, str]:
    year_text = (record.get("annee_bpe") or "").strip()
    if not (year_text.isascii() and year_text.isdigit()) or not (
        FIRST_YEAR <= int(year_text) <= LAST_YEAR
    ):
        raise _fail(source, line, "annee_bpe", year_text, f"a year from {FIRST_YEAR} on")
    departement = (record.get("code_departement") or "").strip()
    if not DEPARTEMENT_CODE.match(departement):
        raise _fail(
            source, line, "code_departement", departement, "a département code (58, 2A, 971)"
        )
    commune = (record.get("code_insee") or "").strip()
    if not COMMUNE_CODE.match(commune):
        raise _fail(source, line, "code_insee", commune, "a 5-character INSEE commune code")
    if not commune.startswith(departement):
        raise _fail(source, line, "code_insee", commune, f"a commune of département {departement}")
    return int(year_text), commune, departement


def _layout(source: str, columns: list[str]) -> dict[str, str]:
    """Column → equipment type of the counts, for either layout."""
    missing = [c for c in KEY_COLUMNS if c not in columns]
    if not missing and all(c in columns for c in LONG_COLUMNS):
        return {"nb_equip": ""}
    wide = {c: m.group(1) for c in columns if (m := WIDE_COLUMN.match(c))}
    if missing or not wide:
        raise RecordError(
            source=source,
            location="line 1 (header)",
            field="columns",
            value=columns,
            expected=f"the columns {', '.join(KEY_COLUMNS)} with either typequ and nb_equip, "
            "or count columns named nb_<what>_<TYPEQU> (e.g. nb_medecins_generalistes_D201)",
        )
    return wide


def read_bpe_file(path: Path, *, years: Collection[int] | None = None) -> BpeFile:
    """Read a BPE file of either layout; only the ``years`` asked (all by default) are kept.

    Raises
    ------
    RecordError
        On an unreadable file, a bad header, a bad field, or a (year, commune, type) given
        twice.
    """
    source = str(path)
    counts: list[BpeCount] = []
    first_line: dict[tuple[int, str, str], int] = {}
    layout: dict[str, str] | None = None
    for line, record in read_csv_records(path):
        layout = layout or _layout(source, [c for c in record if c is not None])
        year, commune, departement = _key(source, line, record)
        for column, wide_type in layout.items():
            typequ = wide_type or (record.get("typequ") or "").strip()
            if not TYPEQU.match(typequ):
                raise _fail(source, line, "typequ", typequ, "a BPE type of domain D (e.g. D201)")
            count = _count(source, line, column, record.get(column))
            first = first_line.setdefault((year, commune, typequ), line)
            if first != line:
                raise _fail(
                    source,
                    line,
                    "code_insee, typequ",
                    f"{commune} {typequ} {year}",
                    f"one count per commune, type and year (already on line {first})",
                )
            if years is None or year in years:
                counts.append(BpeCount(year, commune, departement, typequ, count, line))
    if layout is None:
        raise RecordError(
            source=source, location="file", field="rows", value=0, expected="at least one count"
        )
    return BpeFile(
        source=source,
        counts=counts,
        years=frozenset(c.year for c in counts),
        typequs=frozenset(c.typequ for c in counts),
        departements=frozenset(c.departement_code for c in counts),
    )

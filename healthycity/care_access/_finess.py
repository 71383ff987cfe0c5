"""Reader of the FINESS-based hospital file of Eurostat GISCO (pure, no database).

The file (``hospitals_fr_eurostat_gisco_finess_2020.csv``) has one row per FINESS
établissement: ``id`` (the FINESS number, read as a number upstream, so the leading zero of
départements 01–09 is lost), ``hospital_name``, ``site_name``, ``lat``, ``lon``, the address
(``street``, ``house_number``, ``postcode``, ``city``), capacities (``cap_beds``,
``cap_prac``, ``cap_rooms``), ``facility_type`` (the FINESS category label) and
``public_private``. Every field is checked; a bad line raises :class:`RecordError`.
"""

import math
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from healthycity.care_access.offer import (
    MAX_CAPACITY,
    OfferFieldError,
    PublicPrivate,
    check_coordinates,
    check_finess,
)
from healthycity.csv_files import read_csv_records
from healthycity.errors import RecordError

REQUIRED_COLUMNS = ("id", "hospital_name", "lat", "lon", "postcode", "city", "facility_type")
PUBLIC_PRIVATE: dict[str, PublicPrivate | None] = {
    "public": "public",
    "private": "private",
    "": None,
}
# Overseas FINESS numbers start with 97 or 98 and a two-digit index, not with the INSEE
# code; the index of each, as the country codes of the 2020 extract confirm (GP, MQ, GF, RE,
# PM, YT). Their postcodes cannot tell: CEDEX postcodes of La Réunion start with 978.
OVERSEAS_FINESS_PREFIXES = {
    "9701": "971",
    "9702": "972",
    "9703": "973",
    "9704": "974",
    "9705": "975",
    "9805": "976",
}


@dataclass(frozen=True)
class HospitalRow:
    """One validated row; coordinates are in France but not yet checked against the département."""

    line: int
    finess: str
    departement_code: str
    name: str
    lon: float
    lat: float
    postcode: str
    city: str
    address: str | None
    finess_category: str | None
    public_private: PublicPrivate | None
    capacity_beds: int | None
    capacity_rooms: int | None
    capacity_practitioners: int | None


class _Row:
    """Field access with errors that name the file, the line and the field."""

    def __init__(self, source: str, line: int, record: dict[str, str]) -> None:
        self.source, self.line, self.record = source, line, record

    def fail(self, *, field: str, value: object, expected: str) -> RecordError:
        return RecordError(
            source=self.source,
            location=f"line {self.line}",
            field=field,
            value=value,
            expected=expected,
        )

    def text(self, field: str) -> str:
        return " ".join((self.record.get(field) or "").split())

    def number(self, field: str) -> float:
        text = self.text(field)
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise self.fail(field=field, value=text, expected="a decimal number of WGS84 degrees")
        return value

    def capacity(self, field: str) -> int | None:
        text = self.text(field)
        if not text:
            return None
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_CAPACITY:
            expected = f"a whole number from 0 to {MAX_CAPACITY:,}, or nothing"
            raise self.fail(field=field, value=text, expected=expected)
        return int(text)


def _finess_and_departement(row: _Row, postcode: str) -> tuple[str, str]:
    """The 9-character FINESS number and the département it belongs to.

    Upstream read the number as an integer: numbers of départements 01–09 lost their leading
    zero. Such an 8-digit number gets it back when the postcode confirms the département.
    Overseas numbers start with a prefix of :data:`OVERSEAS_FINESS_PREFIXES`.
    """
    raw = row.text("id")
    number = raw
    if len(raw) == 8 and raw.isdigit():
        if postcode[:2] != f"0{raw[0]}":
            raise row.fail(
                field="id",
                value=raw,
                expected=f"9 characters; an 8-digit number is read as département 0{raw[0]} "
                f"having lost its leading zero, but the postcode {postcode} is not of it",
            )
        number = f"0{raw}"
    try:
        check_finess(number)
    except OfferFieldError as exc:
        raise row.fail(field="id", value=raw, expected=exc.expected) from exc
    if number[:2] in ("97", "98"):
        if number[:4] not in OVERSEAS_FINESS_PREFIXES:
            raise row.fail(
                field="id",
                value=raw,
                expected=f"an overseas number starting {', '.join(OVERSEAS_FINESS_PREFIXES)}",
            )
        return number, OVERSEAS_FINESS_PREFIXES[number[:4]]
    return number, number[:2]


def _read_row(row: _Row) -> HospitalRow:
    postcode = row.text("postcode")
    if not (len(postcode) == 5 and postcode.isascii() and postcode.isdigit()):
        raise row.fail(
            field="postcode", value=postcode, expected="a 5-digit postcode (leading zero kept)"
        )
    finess, departement = _finess_and_departement(row, postcode)
    name = row.text("hospital_name")
    if not name or len(name) > 250:
        raise row.fail(
            field="hospital_name", value=name, expected="a non-empty name of at most 250 characters"
        )
    site = row.text("site_name")
    lon, lat = row.number("lon"), row.number("lat")
    try:
        check_coordinates(lon, lat)
    except OfferFieldError as exc:
        raise row.fail(field="lon, lat", value=(lon, lat), expected=exc.expected) from exc
    status = row.text("public_private").lower()
    if status not in PUBLIC_PRIVATE:
        raise row.fail(field="public_private", value=status, expected="public, private or nothing")
    street = " ".join(p for p in (row.text("house_number"), row.text("street")) if p)
    city = row.text("city")
    if not city:
        raise row.fail(
            field="city", value=city, expected="the name of the commune (libellé d'acheminement)"
        )
    return HospitalRow(
        line=row.line,
        finess=finess,
        departement_code=departement,
        name=f"{name} ({site})" if site else name,
        lon=lon,
        lat=lat,
        postcode=postcode,
        city=city,
        address=f"{street}, {postcode} {city}" if street else f"{postcode} {city}",
        finess_category=row.text("facility_type")[:120] or None,
        public_private=PUBLIC_PRIVATE[status],
        capacity_beds=row.capacity("cap_beds"),
        capacity_rooms=row.capacity("cap_rooms"),
        capacity_practitioners=row.capacity("cap_prac"),
    )


def read_hospital_file(
    path: Path, *, departements: Collection[str] | None = None
) -> list[HospitalRow]:
    """Read and check every row; keep those of ``departements`` (all by default).

    Every row is checked, kept or not, so that a file is accepted or refused as a whole.
    """
    source = str(path)
    rows: list[HospitalRow] = []
    first_line: dict[str, int] = {}
    for line, record in read_csv_records(path, REQUIRED_COLUMNS):
        row = _read_row(_Row(source, line, record))
        first = first_line.setdefault(row.finess, line)
        if first != line:
            raise RecordError(
                source=source,
                location=f"line {line}",
                field="id",
                value=row.finess,
                expected=f"a FINESS number not already on line {first}",
            )
        if departements is None or row.departement_code in departements:
            rows.append(row)
    return rows

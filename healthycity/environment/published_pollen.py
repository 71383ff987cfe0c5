"""The Atmo France pollen index as published per commune and day: read, check, relay.

Atmo France and the AASQA compute their pollen index with a machine-learning forecast and
publish the **level** of each taxon per commune and day (J, J+1, J+2), not the concentration
classes behind it (see ``indices/pollen.py``). healthycity therefore relays the published
levels as they are, without recomputing or interpolating them: a commune has a published
level only if the file names it.

Format
------
The Atmo Data API "indice pollen" (``/api/v2/data/indices/pollens``), as a GeoJSON
FeatureCollection (geometry ignored, may be null) or the same columns as CSV (comma or
semicolon separated, UTF-8). Reference: Atmo France, "Notice technique et d'information des
données open data sur la qualité de l'air disponibles sur Atmo Data", version 1er avril 2025,
https://www.atmo-france.org/sites/federation/files/medias/documents/2025-04/notice_Atmo_Data_1eravril2025.pdf
. Its text could not be read here; the field names and types below were confirmed in public
code consuming that API (a zod schema of the feed's properties, SQL tables and parsers of
third-party clients, and a sample feature of 21 April 2025 with ``"pollen_resp": "BETULA
GRAMINEE"`` and ``code_qual`` equal to the highest taxon level). Licence of the data: ODbL
(Atmo France / AASQA); keep the attribution :data:`ATMO_POLLEN_SOURCE` with every answer.

Fields read (others, such as extra taxa or coordinates, are ignored):

- ``code_zone`` (required): INSEE code of the commune, 5 characters (an integer, or a code
  whose leading zero a spreadsheet dropped, is padded back); it must be a commune of the
  territory (checked by the store).
- ``type_zone`` (required): ``commune``. ``lib_zone`` (required): the commune's name.
- ``date_ech`` (required): the day the levels are for, ``YYYY-MM-DD`` or an ISO datetime
  whose date part is taken as written. ``date_dif`` (optional): the day of diffusion.
  ``date_maj`` (required): the update time, ISO datetime with an offset.
- ``code_qual`` (required): overall level 0-6; it cannot be below a taxon's level (the
  overall is the worst taxon). ``lib_qual`` (optional): its label as published.
- ``code_ambr``, ``code_arm``, ``code_aul``, ``code_boul``, ``code_gram``, ``code_oliv``
  (required): level 0-6 of ragweed, mugwort, alder, birch, grasses, olive (0: unavailable).
- ``conc_*`` (optional): the concentrations published with the levels, numbers >= 0, stored
  as published (their unit is the notice's; they are not shown as measurements).
- ``pollen_resp`` (optional): the responsible taxa as published (space-separated names).
- ``alerte`` (optional): boolean (``true``/``false``, or 0/1). ``source`` and ``aasqa``
  (optional): the publishing AASQA's name and code.

Every error names the feature (``features[i]``, 0-based) or CSV line, the field, the value
and what was expected; one wrong feature refuses the whole file.
"""

import csv
import io
import json
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from healthycity.environment.commune_indices import CommuneValue
from healthycity.environment.indices.pollen import POLLEN_STYLES, PollenLevel
from healthycity.environment.official_indices import (
    InputView,
    LevelView,
    PlaceIndex,
    PublishedDetails,
)
from healthycity.environment.quantities import Quantity
from healthycity.errors import RecordError

ATMO_POLLEN_SOURCE = "Atmo France / AASQA, indice pollen, licence ODbL"
PUBLISHED_AGGREGATION = "published_level"
# Atmo Data field of each taxon's level, and of its concentration (``conc_`` + suffix).
TAXON_FIELDS: dict[str, Quantity] = {
    "code_ambr": Quantity.POLLEN_RAGWEED,
    "code_arm": Quantity.POLLEN_MUGWORT,
    "code_aul": Quantity.POLLEN_ALDER,
    "code_boul": Quantity.POLLEN_BIRCH,
    "code_gram": Quantity.POLLEN_GRASSES,
    "code_oliv": Quantity.POLLEN_OLIVE,
}
REQUIRED_FIELDS = ("code_zone", "type_zone", "lib_zone", "date_ech", "date_maj", "code_qual",
                   *TAXON_FIELDS)  # fmt: skip
FeedFormat = Literal["geojson", "csv"]
_COMMUNE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_LEVELS = "an integer level from 0 (indisponible) to 6 (extrêmement élevé)"
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


@dataclass(frozen=True)
class PublishedPollen:
    """One commune's published pollen index for one day (``date_ech``)."""

    commune_code: str
    day: date
    level: PollenLevel  # code_qual
    taxa: dict[Quantity, PollenLevel]  # code_ambr … code_oliv
    concentrations: dict[Quantity, float | None]  # conc_ambr … conc_oliv, as published
    updated_at: datetime  # date_maj
    zone_name: str  # lib_zone
    level_label: str | None = None  # lib_qual
    responsible: str | None = None  # pollen_resp
    alert: bool | None = None  # alerte
    diffused_on: date | None = None  # date_dif
    publisher: str | None = None  # source
    aasqa: str | None = None


@dataclass(frozen=True)
class PollenFeed:
    """The records of a file and where each came from (``features[3]``, ``line 5``)."""

    source: str
    records: list[PublishedPollen]
    locations: list[str]


class _Fields:
    """The properties of one feature or CSV row, read with errors naming where and what."""

    def __init__(self, source: str, location: str, values: Mapping[str, object]) -> None:
        self.source, self.location, self.values = source, location, values

    def error(self, field: str, expected: str) -> RecordError:
        return RecordError(source=self.source, location=self.location, field=field,
                           value=self.values.get(field), expected=expected)  # fmt: skip

    def get(self, field: str) -> object:
        value = self.values.get(field)
        return None if value == "" else value

    def text(self, field: str, *, max_length: int, required: bool = False) -> str | None:
        value = self.get(field)
        if value is None and not required:
            return None
        if field == "aasqa" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a code, sent as a number by some clients
        if not isinstance(value, str) or not value.strip() or len(value) > max_length:
            raise self.error(field, f"a text of 1 to {max_length} characters")
        return value.strip()

    def level(self, field: str) -> PollenLevel:
        value = self.get(field)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
            raise self.error(field, _LEVELS)
        return PollenLevel(value)

    def concentration(self, field: str) -> float | None:
        value = self.get(field)
        if value is None:
            return None
        try:
            number = float(value) if isinstance(value, str | int | float) else math.nan
        except ValueError:
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number) or number < 0:
            raise self.error(field, "a number of at least 0, or nothing")
        return number

    def day(self, field: str, *, required: bool) -> date | None:
        value = self.get(field)
        if value is None and not required:
            return None
        if isinstance(value, str) and _DAY.match(value.strip()):
            text = value.strip()
            try:
                if len(text) > 10:
                    datetime.fromisoformat(text)  # the rest must be a valid time
                return date.fromisoformat(text[:10])
            except ValueError:
                pass
        raise self.error(field, "a date YYYY-MM-DD (or an ISO datetime: its date is taken)")

    def moment(self, field: str) -> datetime:
        value = self.get(field)
        try:
            moment = datetime.fromisoformat(value.strip()) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise self.error(field, "an ISO 8601 datetime with its UTC offset or Z")
        return moment

    def boolean(self, field: str) -> bool | None:
        value = self.get(field)
        if value is None or isinstance(value, bool):
            return value
        word = str(value).strip().lower() if isinstance(value, str | int) else ""
        if word in _TRUE | _FALSE:
            return word in _TRUE
        raise self.error(field, "true or false (or 1 or 0), or nothing")

    def commune_code(self, field: str) -> str:
        value = self.get(field)
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(text, str):
            text = text.strip()
            if text.isdigit() and len(text) == 4:  # a leading zero lost by a spreadsheet
                text = "0" + text
            if _COMMUNE_CODE.fullmatch(text):
                return text
        raise self.error(field, "the INSEE code of a commune (5 characters, e.g. 58194)")


def read_record(source: str, location: str, values: Mapping[str, object]) -> PublishedPollen:
    """Check the properties of one feature (or CSV row) and build its record."""
    fields = _Fields(source, location, values)
    code = fields.commune_code("code_zone")
    zone_type = fields.text("type_zone", max_length=40, required=True)
    if (zone_type or "").lower() != "commune":
        raise fields.error(field="type_zone", expected="commune (the index relayed per commune)")
    taxa = {taxon: fields.level(name) for name, taxon in TAXON_FIELDS.items()}
    level = fields.level("code_qual")
    worst = max(taxa.values())
    if level < worst:
        name = next(n for n, t in TAXON_FIELDS.items() if taxa[t] == worst)
        expected = f"at least {int(worst)}, the level of {name} (the overall is the worst taxon)"
        raise fields.error(field="code_qual", expected=expected)
    day = fields.day("date_ech", required=True)
    assert day is not None  # noqa: S101  (required)
    return PublishedPollen(
        commune_code=code, day=day, level=level, taxa=taxa,
        concentrations={t: fields.concentration("conc_" + n.removeprefix("code_"))
                        for n, t in TAXON_FIELDS.items()},
        updated_at=fields.moment("date_maj"),
        zone_name=fields.text("lib_zone", max_length=200, required=True) or "",
        level_label=fields.text("lib_qual", max_length=40),
        responsible=fields.text("pollen_resp", max_length=200),
        alert=fields.boolean("alerte"), diffused_on=fields.day("date_dif", required=False),
        publisher=fields.text("source", max_length=200),
        aasqa=fields.text("aasqa", max_length=16),
    )  # fmt: skip


def _feed(source: str, rows: Sequence[tuple[str, Mapping[str, object]]]) -> PollenFeed:
    if not rows:
        raise RecordError(source=source, location="document", field="features", value=[],
                          expected="at least one commune and day")  # fmt: skip
    records, locations = [], []
    seen: dict[tuple[str, date], str] = {}
    for location, values in rows:
        record = read_record(source, location, values)
        key = (record.commune_code, record.day)
        if key in seen:
            raise RecordError(source=source, location=location, field="code_zone",
                              value=record.commune_code,
                              expected=f"one feature per commune and date_ech {record.day} "
                              f"(already in {seen[key]})")  # fmt: skip
        seen[key] = location
        records.append(record)
        locations.append(location)
    return PollenFeed(source, records, locations)


def _decode(body: bytes, source: str) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(source=source, location=f"byte {exc.start}", field="body",
                          value=repr(body[exc.start : exc.start + 8]),
                          expected="UTF-8 text") from exc  # fmt: skip


def parse_geojson(body: bytes, *, source: str) -> PollenFeed:
    """Records of an Atmo Data "indice pollen" GeoJSON FeatureCollection."""
    text = _decode(body, source)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(source=source, location=f"line {exc.lineno}, column {exc.colno}",
                          field="body", value=text[max(exc.pos - 20, 0) : exc.pos + 20],
                          expected=f"valid JSON ({exc.msg})") from exc  # fmt: skip
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or (
        not isinstance(document.get("features"), list)
    ):  # fmt: skip
        shown = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise RecordError(
            source=source,
            location="document",
            field="type",
            value=shown,
            expected='a GeoJSON FeatureCollection with a "features" array',
        )
    rows = []
    for i, feature in enumerate(document["features"]):
        location = f"features[{i}]"
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            raise RecordError(
                source=source,
                location=location,
                field="properties",
                value=None if not isinstance(feature, dict) else feature.get("properties"),
                expected="a GeoJSON Feature with a properties object",
            )
        rows.append((location, feature["properties"]))
    return _feed(source, rows)


def parse_csv(body: bytes, *, source: str) -> PollenFeed:
    """Records of the same columns as CSV, comma or semicolon separated, with a header."""
    text = _decode(body, source)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[str, Mapping[str, object]]] = []
    try:
        header = [name.strip() for name in next(reader, [])]
        missing = [f for f in REQUIRED_FIELDS if f not in header]
        if missing:
            raise RecordError(
                source=source,
                location="line 1",
                field="header",
                value=delimiter.join(header)[:300],
                expected=f"the Atmo Data columns, with {', '.join(missing)}",
            )
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise RecordError(
                    source=source,
                    location=f"line {reader.line_num}",
                    field="row",
                    value=delimiter.join(row)[:300],
                    expected=f"{len(header)} fields, as in the header",
                )
            rows.append((f"line {reader.line_num}", dict(zip(header, row, strict=True))))
    except csv.Error as exc:
        raise RecordError(
            source=source,
            location=f"line {reader.line_num}",
            field="row",
            value=str(exc),
            expected="well-formed CSV (RFC 4180)",
        ) from exc
    return _feed(source, rows)


def parse_feed(body: bytes, feed_format: FeedFormat, *, source: str) -> PollenFeed:
    """Records of a GeoJSON or CSV file of the Atmo Data pollen index."""
    return parse_geojson(body, source=source) if feed_format == "geojson" else (
        parse_csv(body, source=source)
    )  # fmt: skip


def check_communes(feed: PollenFeed, known: Collection[str]) -> None:
    """Refuse the feed if a commune code is not a commune of the territory."""
    for record, location in zip(feed.records, feed.locations, strict=True):
        if record.commune_code not in known:
            raise RecordError(source=feed.source, location=location, field="code_zone",
                              value=record.commune_code,
                              expected="the INSEE code of a commune of the territory "
                              "(import its territory first)")  # fmt: skip


def _view(level: PollenLevel) -> LevelView:
    style = POLLEN_STYLES[level]
    return LevelView(int(level), level.name, style.label_fr, style.label_en, style.colour)


def published_place(
    record: PublishedPollen, *, imported_at: datetime, imported_from: str
) -> PlaceIndex:
    """A commune's index as published: its levels, relayed; ``method`` is ``published``.

    The responsible taxa are those of the six at the overall level (none when the overall
    comes from a taxon healthycity does not relay); ``pollen_resp`` is kept as published.
    """
    inputs = tuple(
        InputView(taxon, PUBLISHED_AGGREGATION, record.day,
                  CommuneValue(math.nan, "published", None, ()), None, _view(level))
        for taxon, level in record.taxa.items()
    )  # fmt: skip
    responsible = tuple(t for t, lv in record.taxa.items() if record.level and lv == record.level)
    details = PublishedDetails(
        source=ATMO_POLLEN_SOURCE, publisher=record.publisher, aasqa=record.aasqa,
        level_label=record.level_label, responsible=record.responsible, alert=record.alert,
        updated_at=record.updated_at, imported_at=imported_at, imported_from=imported_from,
    )  # fmt: skip
    return PlaceIndex(record.commune_code, _view(record.level), "published", None, responsible,
                      inputs, published=details)  # fmt: skip

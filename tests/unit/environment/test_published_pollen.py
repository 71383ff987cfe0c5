"""Reading the Atmo Data pollen index: every field checked, errors that say where and what."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.environment.indices.pollen import PollenLevel
from healthycity.environment.published_pollen import (
    ATMO_POLLEN_SOURCE,
    TAXON_FIELDS,
    check_communes,
    parse_csv,
    parse_geojson,
    published_place,
    read_record,
)
from healthycity.environment.quantities import Quantity
from healthycity.errors import RecordError
from tests.pollen_feed_samples import DAY, csv_bytes, feature, geojson_bytes

IMPORTED_AT = datetime(2026, 4, 15, 12, tzinfo=UTC)


def test_geojson_feed_is_read_field_by_field() -> None:
    feed = parse_geojson(geojson_bytes(), source="pollen.geojson")

    nevers, marzy = feed.records
    assert feed.locations == ["features[0]", "features[1]"]
    assert (nevers.commune_code, nevers.day, nevers.level) == ("58194", DAY, PollenLevel.ELEVE)
    assert nevers.taxa[Quantity.POLLEN_BIRCH] == PollenLevel.ELEVE
    assert nevers.taxa[Quantity.POLLEN_ALDER] == PollenLevel.FAIBLE
    assert nevers.concentrations[Quantity.POLLEN_GRASSES] == 40.0
    assert nevers.updated_at == datetime(2026, 4, 15, 10, 1, 2, 983000, tzinfo=UTC)
    assert (nevers.responsible, nevers.alert, nevers.level_label) == (
        "BETULA GRAMINEE", True, "Élevé",
    )  # fmt: skip
    assert (nevers.publisher, nevers.aasqa, nevers.diffused_on) == (
        "Atmo Bourgogne-Franche-Comté", "27", date(2026, 4, 15),
    )  # fmt: skip
    assert (marzy.commune_code, marzy.level, marzy.alert) == ("58160", PollenLevel.MODERE, False)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_feed_reads_the_same_as_geojson(delimiter: str) -> None:
    from_csv = parse_csv(csv_bytes(delimiter=delimiter), source="pollen.csv")
    from_geojson = parse_geojson(geojson_bytes(), source="pollen.geojson")

    assert from_csv.records == from_geojson.records
    assert from_csv.locations == ["line 2", "line 3"]


def test_optional_fields_may_be_absent_and_codes_get_their_leading_zero() -> None:
    bare = feature("58194")
    for name in (
        "lib_qual",
        "pollen_resp",
        "alerte",
        "date_dif",
        "source",
        "aasqa",
        *(f"conc_{t}" for t in ("ambr", "arm", "aul", "boul", "gram", "oliv")),
    ):
        del bare["properties"][name]
    ain = feature("1001", lib_zone="Abergement-Clémenciat", aasqa=84,
                  date_ech="2026-04-15T00:00:00+02:00")  # fmt: skip

    first, second = parse_geojson(geojson_bytes(bare, ain), source="f").records

    assert (first.level_label, first.responsible, first.alert, first.publisher) == (None,) * 4
    assert set(first.concentrations.values()) == {None}
    assert (second.commune_code, second.aasqa, second.day) == ("01001", "84", DAY)


BAD_FIELDS = [
    ("code_zone", "ABCDE", "INSEE code"),
    ("code_zone", "581940", "INSEE code"),
    ("code_zone", None, "INSEE code"),
    ("type_zone", "epci", "commune"),
    ("lib_zone", "", "text of 1 to 200"),
    ("date_ech", "15/04/2026", "date YYYY-MM-DD"),
    ("date_ech", "2026-02-30", "date YYYY-MM-DD"),
    ("date_ech", "2026-04-15T25:00", "date YYYY-MM-DD"),
    ("date_maj", "2026-04-15T10:00:00", "UTC offset"),
    ("date_maj", "hier", "UTC offset"),
    ("date_dif", "bientôt", "date YYYY-MM-DD"),
    ("code_qual", 7, "level from 0"),
    ("code_qual", -1, "level from 0"),
    ("code_qual", 4.5, "level from 0"),
    ("code_qual", True, "level from 0"),
    ("code_qual", "élevé", "level from 0"),
    ("code_boul", 9, "level from 0"),
    ("code_gram", None, "level from 0"),
    ("conc_gram", -1, "at least 0"),
    ("conc_gram", "beaucoup", "at least 0"),
    ("conc_gram", float("inf"), "at least 0"),
    ("alerte", "peut-être", "true or false"),
    ("lib_qual", "x" * 41, "text of 1 to 40"),
    ("pollen_resp", 3, "text of 1 to 200"),
]


@pytest.mark.parametrize(("field", "value", "expected"), BAD_FIELDS)
def test_a_bad_field_is_refused_with_where_what_and_why(
    field: str, value: object, expected: str
) -> None:
    body = geojson_bytes(feature("58160"), feature("58194", **{field: value}))

    with pytest.raises(RecordError) as caught:
        parse_geojson(body, source="pollen.geojson")

    error = caught.value
    assert (error.source, error.location, error.field) == ("pollen.geojson", "features[1]", field)
    assert error.value == value
    assert expected in error.expected
    assert str(error).startswith(f"pollen.geojson, features[1]: {field}=")


def test_a_missing_taxon_is_refused() -> None:
    incomplete = feature("58194")
    del incomplete["properties"]["code_oliv"]

    with pytest.raises(RecordError, match=r"features\[0\]: code_oliv=None; expected an integer"):
        parse_geojson(geojson_bytes(incomplete), source="f")


def test_an_overall_level_below_a_taxon_is_refused() -> None:
    # Nevers' birch and grasses are at 4 (élevé): an overall 2 contradicts "worst taxon"
    with pytest.raises(RecordError) as caught:
        parse_geojson(geojson_bytes(feature("58194", code_qual=2)), source="f")

    assert (caught.value.field, caught.value.value) == ("code_qual", 2)
    assert "at least 4, the level of code_boul" in caught.value.expected


def test_a_commune_and_day_twice_is_refused() -> None:
    body = geojson_bytes(feature("58194"), feature("58160"), feature("58194"))

    with pytest.raises(RecordError, match=r"features\[2\].*already in features\[0\]"):
        parse_geojson(body, source="f")


@pytest.mark.parametrize(
    ("body", "location", "field"),
    [
        (b'{"type": "FeatureCollection", "features": [', "line 1, column 44", "body"),
        (b'{"type": "Feature", "properties": {}}', "document", "type"),
        (b"[1, 2]", "document", "type"),
        (b'{"type": "FeatureCollection", "features": []}', "document", "features"),
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature"}]}', "features[0]",
         "properties"),
        (b'{"type": "FeatureCollection", "features": [3]}', "features[0]", "properties"),
        (b"\xff\xfe", "byte 0", "body"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_feature_collection_is_refused(
    body: bytes, location: str, field: str
) -> None:
    with pytest.raises(RecordError) as caught:
        parse_geojson(body, source="f")

    assert (caught.value.location, caught.value.field) == (location, field)


def test_csv_without_a_required_column_or_with_a_short_row_is_refused() -> None:
    good = csv_bytes().decode()
    without_date = good.replace("date_ech", "date_echeance", 1).encode()
    short_row = (good + "58121,2026-04-15\n").encode()

    with pytest.raises(RecordError, match=r"line 1: header=.*expected the Atmo Data columns, with "
                       r"date_ech"):  # fmt: skip
        parse_csv(without_date, source="f")
    with pytest.raises(RecordError, match=r"line 4: row="):
        parse_csv(short_row, source="f")


def test_communes_outside_the_territory_are_refused() -> None:
    feed = parse_geojson(geojson_bytes(), source="pollen.geojson")

    check_communes(feed, {"58194", "58160"})
    with pytest.raises(RecordError) as caught:
        check_communes(feed, {"58194"})

    error = caught.value
    assert (error.location, error.field, error.value) == ("features[1]", "code_zone", "58160")
    assert "commune of the territory" in error.expected


def test_published_place_relays_the_levels_with_their_source() -> None:
    (nevers, _) = parse_geojson(geojson_bytes(), source="f").records

    place = published_place(nevers, imported_at=IMPORTED_AT, imported_from="pollen.geojson")

    # Hand-computed: birch 4 and grasses 4 are the worst of (1, 1, 2, 4, 4, 1): élevé
    assert (place.code, place.method, place.nearest_station_m) == ("58194", "published", None)
    assert (place.level.value, place.level.name, place.level.colour) == (4, "ELEVE", "#FF5050")
    assert set(place.responsible) == {Quantity.POLLEN_BIRCH, Quantity.POLLEN_GRASSES}
    assert [(i.quantity, i.level.value if i.level else None) for i in place.inputs] == [
        (Quantity.POLLEN_RAGWEED, 1), (Quantity.POLLEN_MUGWORT, 1), (Quantity.POLLEN_ALDER, 2),
        (Quantity.POLLEN_BIRCH, 4), (Quantity.POLLEN_GRASSES, 4), (Quantity.POLLEN_OLIVE, 1),
    ]  # fmt: skip
    assert {i.estimate.method for i in place.inputs} == {"published"}
    assert place.published is not None
    assert (place.published.source, place.published.responsible) == (
        ATMO_POLLEN_SOURCE, "BETULA GRAMINEE",
    )  # fmt: skip


LEVELS = st.integers(min_value=0, max_value=6)


@given(st.lists(LEVELS, min_size=6, max_size=6), st.integers(min_value=0, max_value=6))
def test_published_overall_is_never_below_a_taxon_and_names_the_worst(
    levels: list[int], extra: int
) -> None:
    overall = max([*levels, extra])  # an extra taxon (cyprès…) may make the overall higher
    properties = feature("58194", code_qual=overall,
                         **dict(zip(TAXON_FIELDS, levels, strict=True)))["properties"]  # fmt: skip

    place = published_place(read_record("f", "features[0]", properties),
                            imported_at=IMPORTED_AT, imported_from="f")  # fmt: skip

    assert place.level.value == overall >= max(levels)
    assert all(level.value <= overall for i in place.inputs if (level := i.level) is not None)
    worst = {t for t, lv in zip(TAXON_FIELDS.values(), levels, strict=True) if lv == overall}
    assert set(place.responsible) == (worst if overall else set())

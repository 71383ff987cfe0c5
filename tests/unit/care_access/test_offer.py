"""Care offer records: each rule of a practitioner or a facility, and the FINESS number."""

import pytest

from healthycity.care_access.offer import (
    BPE_TYPES,
    CARE_KINDS,
    KIND_LABELS,
    MAX_YEARLY_CONSULTATIONS,
    Facility,
    OfferFieldError,
    Practitioner,
    check_finess,
    check_kind,
    extent_of,
    is_luhn_valid,
    typequ_codes,
)
from healthycity.errors import ValidationError


def test_practitioner_keeps_a_valid_record_and_canonical_hours() -> None:
    gp = Practitioner(
        profession="general_practitioner",
        commune_code="58194",
        lon=3.16,
        lat=46.99,
        location_precision="address",
        yearly_consultations=5400,
        activity_year=2023,
        fte=0.8,
        age_band="60_64",
        cpts="CPTS du Nivernais",
        opening_hours="Tu,Mo 08:00-12:00; We 08:00-12:00",
    )
    assert gp.kind == "general_practitioner"
    assert gp.opening_hours == "Mo-We 08:00-12:00"


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        (
            {"yearly_consultations": -1, "activity_year": 2023},
            "yearly_consultations",
            "0 to 20,000",
        ),
        ({"yearly_consultations": 20_001, "activity_year": 2023}, "yearly_consultations", "20,000"),
        ({"yearly_consultations": 5000}, "activity_year", "a year exactly when"),
        ({"fte": 1.5}, "fte", "(0, 1]"),
        ({"fte": 0.0}, "fte", "(0, 1]"),
        ({"lon": -0.13, "lat": 51.51, "location_precision": "address"}, "lon, lat", "in France"),
        ({"lon": 3.16}, "lat", "both lon and lat"),
        ({"lon": 3.16, "lat": 46.99}, "location_precision", "'unknown' exactly when"),
        ({"commune_code": "5819"}, "commune_code", "INSEE code"),
        ({"specialty": "cardiology"}, "specialty", "a specialty for a specialist"),
        ({"profession": "shaman"}, "profession", "one of general_practitioner"),
        ({"age_band": "70_plus"}, "age_band", "one of under_40"),
        ({"opening_hours": "Mo 18:00-08:00"}, "opening_hours", "split a night at 24:00"),
        ({"cpts": "  "}, "cpts", "non-empty"),
    ],
)
def test_practitioner_rejects_a_broken_rule_naming_the_field(
    overrides: dict[str, object], field: str, expected: str
) -> None:
    values: dict[str, object] = {"profession": "general_practitioner", "commune_code": "58194"}
    with pytest.raises(OfferFieldError) as caught:
        Practitioner(**(values | overrides))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert expected in caught.value.expected


def test_practitioner_activity_limit_is_the_documented_one() -> None:
    ok = Practitioner(
        profession="general_practitioner",
        commune_code="58194",
        yearly_consultations=MAX_YEARLY_CONSULTATIONS,
        activity_year=2023,
    )
    assert ok.yearly_consultations == 20_000


def test_specialist_needs_a_specialty() -> None:
    with pytest.raises(OfferFieldError, match="specialty=None"):
        Practitioner(profession="specialist", commune_code="58194")
    assert Practitioner(profession="specialist", commune_code="58194", specialty="psychiatry")


def test_facility_teleconsultation_point_needs_its_host() -> None:
    cabin = Facility(
        kind="teleconsultation",
        name="Cabine de la mairie",
        departement_code="58",
        commune_code="58194",
        teleconsultation_host="town_hall",
        opening_hours="Mo-Fr 09:00-17:00",
    )
    assert cabin.teleconsultation_host == "town_hall"
    assert not cabin.coordinates_trusted  # no point at all yet
    with pytest.raises(OfferFieldError, match="teleconsultation_host=None"):
        Facility(kind="teleconsultation", name="Cabine", departement_code="58")
    with pytest.raises(OfferFieldError, match="teleconsultation_host='pharmacy'"):
        Facility(kind="msp", name="MSP", departement_code="58", teleconsultation_host="pharmacy")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"finess": "58097264"}, "finess"),  # leading zero lost: 8 characters
        ({"finess": "580972645"}, "finess"),  # wrong key
        ({"capacity_beds": -3}, "capacity_beds"),
        ({"capacity_beds": 50_000}, "capacity_beds"),
        ({"postcode": "5840"}, "postcode"),
        ({"departement_code": "5"}, "departement_code"),
        ({"name": ""}, "name"),
        ({"public_private": "associative"}, "public_private"),
        ({"reported_lon": 200.0, "reported_lat": 47.0}, "lon, lat"),
    ],
)
def test_facility_rejects_a_broken_rule_naming_the_field(
    overrides: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {"kind": "hospital", "name": "CH", "departement_code": "58"}
    with pytest.raises(OfferFieldError) as caught:
        Facility(**(values | overrides))  # type: ignore[arg-type]
    assert caught.value.field == field


def test_facility_is_trusted_only_at_its_own_address() -> None:
    at_address = Facility(
        kind="hospital",
        name="CH",
        departement_code="58",
        lon=3.0,
        lat=47.2,
        location_precision="address",
    )
    stand_in = Facility(
        kind="hospital", name="CH", departement_code="58", lon=3.0, lat=47.2,
        location_precision="commune", reported_lon=0.03, reported_lat=47.89,
    )  # fmt: skip
    assert at_address.coordinates_trusted
    assert not stand_in.coordinates_trusted


def test_finess_key_is_checked_and_corsican_numbers_pass_on_form() -> None:
    assert check_finess("580972644") == "580972644"
    assert check_finess("2A0000022") == "2A0000022"
    with pytest.raises(OfferFieldError, match="Luhn key"):
        check_finess("580972643")
    with pytest.raises(OfferFieldError, match="leading zero kept"):
        check_finess("2C0000022")


def test_luhn_detects_every_single_digit_error() -> None:
    number = "010000024"
    for position in range(len(number)):
        for digit in "0123456789":
            changed = number[:position] + digit + number[position + 1 :]
            assert is_luhn_valid(changed) == (changed == number)


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (3.16, 46.99, "metropole"),
        (9.45, 42.70, "metropole"),  # Bastia
        (-61.53, 16.24, "971"),
        (-52.33, 4.94, "973"),
        (45.23, -12.78, "976"),
        (2.35, 0.0, None),
        (13.40, 52.52, None),  # Berlin
    ],
)
def test_extent_of_tells_which_part_of_france(lon: float, lat: float, expected: str | None) -> None:
    assert extent_of(lon, lat) == expected


def test_every_kind_has_a_french_label_and_bpe_types_point_to_kinds() -> None:
    assert set(KIND_LABELS) == set(CARE_KINDS)
    assert {kind for kind, _ in BPE_TYPES.values()} <= set(CARE_KINDS)
    assert typequ_codes("teleconsultation") == ()
    assert typequ_codes("pharmacy") == ("D301",)


def test_check_kind_names_the_known_kinds() -> None:
    assert check_kind("ehpad") == "ehpad"
    with pytest.raises(ValidationError, match="Unknown care kind 'vet'; expected one of"):
        check_kind("vet")

"""The care offer: practitioners and facilities as frozen records, with their closed vocabularies.

Everything here is plain data and its validation (no I/O). A record that breaks a rule
raises :class:`OfferFieldError`, naming the field, the value and what was expected; the
importers turn it into a :class:`~healthycity.errors.RecordError` with the file and line,
the API into a 422 problem.
"""

import math
import re
from dataclasses import dataclass
from typing import Literal, get_args

from healthycity.care_access.opening_hours import parse_opening_hours
from healthycity.errors import ValidationError

Profession = Literal[
    "general_practitioner",
    "specialist",
    "dentist",
    "midwife",
    "nurse",
    "physiotherapist",
    "speech_therapist",
    "orthoptist",
    "podiatrist",
    "psychologist",
    "pharmacist",
]
Specialty = Literal[
    "cardiology",
    "dermatology",
    "gastroenterology",
    "psychiatry",
    "ophthalmology",
    "otorhinolaryngology",
    "paediatrics",
    "pneumology",
    "radiology",
    "stomatology",
    "gynaecology",
    "other",
]
FacilityKind = Literal[
    "hospital", "emergency", "ehpad", "pharmacy", "msp", "health_centre", "teleconsultation"
]
CareKind = Literal[Profession, FacilityKind]
TeleconsultationHost = Literal["pharmacy", "msp", "health_centre", "town_hall", "other"]
AgeBand = Literal["under_40", "40_49", "50_59", "60_64", "65_plus"]
# Where a record's lon/lat come from: its own geocoded address, or a stand-in point (the
# point-on-surface of its commune or département) when its address was not geocoded or its
# geocode could not be trusted; "unknown" when no point is known at all.
LocationPrecision = Literal["address", "commune", "departement", "unknown"]
PublicPrivate = Literal["public", "private"]

PROFESSIONS: tuple[Profession, ...] = get_args(Profession)
SPECIALTIES: tuple[Specialty, ...] = get_args(Specialty)
FACILITY_KINDS: tuple[FacilityKind, ...] = get_args(FacilityKind)
CARE_KINDS: tuple[CareKind, ...] = (*PROFESSIONS, *FACILITY_KINDS)
TELECONSULTATION_HOSTS: tuple[TeleconsultationHost, ...] = get_args(TeleconsultationHost)
AGE_BANDS: tuple[AgeBand, ...] = get_args(AgeBand)
LOCATION_PRECISIONS: tuple[LocationPrecision, ...] = get_args(LocationPrecision)

KIND_LABELS: dict[CareKind, str] = {
    "general_practitioner": "Médecin généraliste",
    "specialist": "Médecin spécialiste",
    "dentist": "Chirurgien-dentiste",
    "midwife": "Sage-femme",
    "nurse": "Infirmier",
    "physiotherapist": "Masseur-kinésithérapeute",
    "speech_therapist": "Orthophoniste",
    "orthoptist": "Orthoptiste",
    "podiatrist": "Pédicure-podologue",
    "psychologist": "Psychologue",
    "pharmacist": "Pharmacien",
    "hospital": "Établissement de santé (CH, CHU, clinique)",
    "emergency": "Service d'urgences",
    "ehpad": "Ehpad et hébergement de personnes âgées",
    "pharmacy": "Pharmacie",
    "msp": "Maison de santé pluriprofessionnelle",
    "health_centre": "Centre de santé",
    "teleconsultation": "Point de téléconsultation",
}
SPECIALTY_LABELS: dict[Specialty, str] = {
    "cardiology": "Cardiologie",
    "dermatology": "Dermatologie et vénéréologie",
    "gastroenterology": "Gastro-entérologie et hépatologie",
    "psychiatry": "Psychiatrie",
    "ophthalmology": "Ophtalmologie",
    "otorhinolaryngology": "Oto-rhino-laryngologie",
    "paediatrics": "Pédiatrie",
    "pneumology": "Pneumologie",
    "radiology": "Radiodiagnostic et imagerie médicale",
    "stomatology": "Stomatologie",
    "gynaecology": "Gynécologie",
    "other": "Autre spécialité",
}
HOST_LABELS: dict[TeleconsultationHost, str] = {
    "pharmacy": "Pharmacie",
    "msp": "Maison de santé",
    "health_centre": "Centre de santé",
    "town_hall": "Mairie",
    "other": "Autre lieu",
}
AGE_BAND_LABELS: dict[AgeBand, str] = {
    "under_40": "moins de 40 ans",
    "40_49": "40 à 49 ans",
    "50_59": "50 à 59 ans",
    "60_64": "60 à 64 ans",
    "65_plus": "65 ans ou plus",
}

# INSEE BPE equipment types (domain D, "santé et action sociale") that count one kind of
# care offer. D2xx count professionals (one per practice address); D1xx, D3xx and D4xx
# count establishments. Hospitals (D101–D104) are left out: one site has several of these
# types, so their counts are not a number of hospitals; hospitals come from FINESS.
BPE_TYPES: dict[str, tuple[CareKind, Specialty | None]] = {
    "D106": ("emergency", None),
    "D108": ("health_centre", None),
    "D113": ("msp", None),
    "D201": ("general_practitioner", None),
    "D202": ("specialist", "cardiology"),
    "D203": ("specialist", "dermatology"),
    "D206": ("specialist", "gastroenterology"),
    "D207": ("specialist", "psychiatry"),
    "D208": ("specialist", "ophthalmology"),
    "D209": ("specialist", "otorhinolaryngology"),
    "D210": ("specialist", "paediatrics"),
    "D211": ("specialist", "pneumology"),
    "D212": ("specialist", "radiology"),
    "D213": ("specialist", "stomatology"),
    "D214": ("specialist", "gynaecology"),
    "D221": ("dentist", None),
    "D231": ("midwife", None),
    "D232": ("nurse", None),
    "D233": ("physiotherapist", None),
    "D235": ("speech_therapist", None),
    "D236": ("orthoptist", None),
    "D237": ("podiatrist", None),
    "D243": ("psychologist", None),
    "D301": ("pharmacy", None),
    "D401": ("ehpad", None),
}

# The most consultations and visits one practitioner can be credited with in a year. 20,000
# is 80 a day on 250 working days, one every 7.5 minutes for 10 hours without a pause, and
# more than 3 times the 6,000 above which DREES stops counting a GP's activity as supply
# (APL sheet "Paramètres", see data/apl_parametres_drees_2022_2023.json): beyond it, the
# value is a unit or entry error (a practice's total given for one person), not an activity.
MAX_YEARLY_CONSULTATIONS = 20_000
# A capacity above this is a unit error: the largest French hospital sites have about 2,000
# beds (DREES, "Les établissements de santé", édition 2023, fiche 2).
MAX_CAPACITY = 10_000

COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
DEPARTEMENT_CODE = re.compile(r"^(?:\d{2}|2[AB]|9[78]\d)$")
FINESS_NUMBER = re.compile(r"^(?:\d{9}|2[AB]\d{7})$")

# Where France is: mainland and Corsica, then each overseas département or collectivité
# (min_lon, min_lat, max_lon, max_lat, WGS84, with a margin of about 0.1° over the coast and
# islands of the IGN ADMIN EXPRESS extents). A point elsewhere is not in France.
FRANCE_EXTENTS: dict[str, tuple[float, float, float, float]] = {
    "metropole": (-5.3, 41.2, 9.7, 51.2),
    "971": (-61.9, 15.8, -60.9, 16.6),  # Guadeloupe
    "972": (-61.3, 14.3, -60.7, 14.9),  # Martinique
    "973": (-54.7, 2.0, -51.5, 5.9),  # Guyane
    "974": (55.1, -21.5, 56.0, -20.8),  # La Réunion
    "975": (-56.5, 46.7, -56.1, 47.2),  # Saint-Pierre-et-Miquelon
    "976": (44.9, -13.1, 45.4, -12.5),  # Mayotte
    "977": (-63.0, 17.8, -62.7, 18.0),  # Saint-Barthélemy
    "978": (-63.2, 18.0, -62.9, 18.2),  # Saint-Martin
}


class OfferFieldError(ValidationError):
    """One field of a care offer record is wrong: names the field, the value and the rule."""

    def __init__(self, *, field: str, value: object, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(f"{field}={value!r}; expected {expected}.")


def extent_of(lon: float, lat: float) -> str | None:
    """The key of :data:`FRANCE_EXTENTS` containing a point, or ``None`` outside France.

    >>> extent_of(3.16, 46.99), extent_of(55.45, -20.9), extent_of(-0.13, 51.5)
    ('metropole', '974', None)
    """
    for key, (min_lon, min_lat, max_lon, max_lat) in FRANCE_EXTENTS.items():
        if min_lon <= lon <= max_lon and min_lat <= lat <= max_lat:
            return key
    return None


def departement_extent(departement_code: str) -> str:
    """The key of :data:`FRANCE_EXTENTS` where a département lies."""
    return departement_code if departement_code in FRANCE_EXTENTS else "metropole"


def check_coordinates(lon: float | None, lat: float | None) -> None:
    """Raise unless both or neither coordinate is given, and a given point lies in France."""
    if (lon is None) != (lat is None):
        raise OfferFieldError(
            field="lon" if lon is None else "lat",
            value=None,
            expected="both lon and lat, or neither",
        )
    if lon is None or lat is None:
        return
    for name, value in (("lon", lon), ("lat", lat)):
        if not math.isfinite(value):
            raise OfferFieldError(
                field=name, value=value, expected="a finite number of WGS84 degrees"
            )
    if extent_of(lon, lat) is None:
        raise OfferFieldError(
            field="lon, lat",
            value=(lon, lat),
            expected="a WGS84 point in France (mainland, Corsica or overseas; longitude first)",
        )


def is_luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn (mod 10) test.

    >>> is_luhn_valid("580972644"), is_luhn_valid("580972645")
    (True, False)
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def check_finess(number: str) -> str:
    """Return a FINESS établissement number after checking its form and key.

    Nine characters: the département (``01``…``95``, ``2A``, ``2B``, ``97``/``98`` followed by
    the overseas digit) then a serial and a check key. The key follows the Luhn rule: every
    numeric number of the 2020 FINESS extract (5,335 of them) passes it. Corsican numbers
    carry letters and are only checked for form.

    >>> check_finess("010000024")
    '010000024'
    """
    if not FINESS_NUMBER.match(number):
        raise OfferFieldError(
            field="finess",
            value=number,
            expected="9 characters: digits, or 2A/2B then 7 digits (leading zero kept)",
        )
    if number.isdigit() and not is_luhn_valid(number):
        raise OfferFieldError(
            field="finess",
            value=number,
            expected="a FINESS number whose last digit is its Luhn key",
        )
    return number


def _check_choice(field: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise OfferFieldError(field=field, value=value, expected=f"one of {', '.join(choices)}")


def _check_count(field: str, value: int | None, maximum: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise OfferFieldError(
            field=field, value=value, expected=f"a whole number from 0 to {maximum:,}"
        )


def _check_text(field: str, value: str | None, *, max_length: int) -> None:
    if value is not None and (not value.strip() or len(value) > max_length):
        raise OfferFieldError(
            field=field,
            value=value,
            expected=f"a non-empty text of at most {max_length} characters",
        )


def _check_location(lon: float | None, lat: float | None, precision: LocationPrecision) -> None:
    check_coordinates(lon, lat)
    _check_choice("location_precision", precision, LOCATION_PRECISIONS)
    if (lon is None) != (precision == "unknown"):
        raise OfferFieldError(
            field="location_precision",
            value=precision,
            expected="'unknown' exactly when no coordinates are given",
        )


def _canonical_hours(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return parse_opening_hours(text).to_text()
    except ValidationError as exc:
        raise OfferFieldError(field="opening_hours", value=text, expected=str(exc)) from exc


@dataclass(frozen=True)
class Practitioner:
    """One health professional at one practice address.

    ``yearly_consultations`` counts consultations and visits of ``activity_year`` (the
    activity DREES caps for the APL); ``fte`` is the share of a full-time post (0–1].
    ``structure_id`` is the facility (MSP or centre de santé) the practitioner works in.
    Without coordinates, ``lon``/``lat`` hold a stand-in point named by ``location_precision``.
    """

    profession: Profession
    commune_code: str
    specialty: Specialty | None = None
    lon: float | None = None
    lat: float | None = None
    location_precision: LocationPrecision = "unknown"
    yearly_consultations: int | None = None
    activity_year: int | None = None
    fte: float | None = None
    age_band: AgeBand | None = None
    structure_id: int | None = None
    cpts: str | None = None
    opening_hours: str | None = None
    source: str = "api"
    id: int | None = None

    def __post_init__(self) -> None:
        _check_choice("profession", self.profession, PROFESSIONS)
        if (self.profession == "specialist") != (self.specialty is not None):
            raise OfferFieldError(
                field="specialty",
                value=self.specialty,
                expected="a specialty for a specialist, and none otherwise",
            )
        if self.specialty is not None:
            _check_choice("specialty", self.specialty, SPECIALTIES)
        if not isinstance(self.commune_code, str) or not COMMUNE_CODE.match(self.commune_code):
            raise OfferFieldError(
                field="commune_code", value=self.commune_code, expected="a 5-character INSEE code"
            )
        _check_location(self.lon, self.lat, self.location_precision)
        _check_count("yearly_consultations", self.yearly_consultations, MAX_YEARLY_CONSULTATIONS)
        if (self.yearly_consultations is None) != (self.activity_year is None):
            raise OfferFieldError(
                field="activity_year",
                value=self.activity_year,
                expected="a year exactly when an activity is given",
            )
        if self.activity_year is not None:
            _check_count("activity_year", self.activity_year, 2100)
        if self.fte is not None and not (math.isfinite(self.fte) and 0 < self.fte <= 1):
            raise OfferFieldError(
                field="fte", value=self.fte, expected="a share of one full-time post, in (0, 1]"
            )
        if self.age_band is not None:
            _check_choice("age_band", self.age_band, AGE_BANDS)
        _check_text("cpts", self.cpts, max_length=200)
        object.__setattr__(self, "opening_hours", _canonical_hours(self.opening_hours))

    @property
    def kind(self) -> CareKind:
        """The care kind this practitioner offers (their profession)."""
        return self.profession


@dataclass(frozen=True)
class Facility:
    """One establishment or place of care: hospital, Ehpad, pharmacy, MSP, teleconsultation point.

    ``lon``/``lat`` is where the facility is shown and measured from: its geocoded address
    when ``location_precision`` is ``"address"``, else a stand-in point. A geocode that
    fell far outside the facility's département is kept aside in ``reported_lon``/
    ``reported_lat`` for audit, never used.
    """

    kind: FacilityKind
    name: str
    departement_code: str
    commune_code: str | None = None
    finess: str | None = None
    finess_category: str | None = None
    lon: float | None = None
    lat: float | None = None
    location_precision: LocationPrecision = "unknown"
    reported_lon: float | None = None
    reported_lat: float | None = None
    address: str | None = None
    postcode: str | None = None
    public_private: PublicPrivate | None = None
    capacity_beds: int | None = None
    capacity_rooms: int | None = None
    capacity_practitioners: int | None = None
    teleconsultation_host: TeleconsultationHost | None = None
    opening_hours: str | None = None
    source: str = "api"
    id: int | None = None

    def __post_init__(self) -> None:
        _check_choice("kind", self.kind, FACILITY_KINDS)
        if not isinstance(self.name, str):
            raise OfferFieldError(field="name", value=self.name, expected="a name")
        _check_text("name", self.name, max_length=300)
        if not DEPARTEMENT_CODE.match(self.departement_code):
            raise OfferFieldError(
                field="departement_code", value=self.departement_code, expected="an INSEE code"
            )
        if self.commune_code is not None and not COMMUNE_CODE.match(self.commune_code):
            raise OfferFieldError(
                field="commune_code", value=self.commune_code, expected="a 5-character INSEE code"
            )
        if self.finess is not None:
            check_finess(self.finess)
        _check_location(self.lon, self.lat, self.location_precision)
        check_coordinates(self.reported_lon, self.reported_lat)
        if self.postcode is not None and not re.fullmatch(r"\d{5}", self.postcode):
            raise OfferFieldError(
                field="postcode", value=self.postcode, expected="a 5-digit postcode"
            )
        if self.public_private is not None:
            _check_choice("public_private", self.public_private, get_args(PublicPrivate))
        for field in ("capacity_beds", "capacity_rooms", "capacity_practitioners"):
            _check_count(field, getattr(self, field), MAX_CAPACITY)
        _check_text("address", self.address, max_length=300)
        _check_text("finess_category", self.finess_category, max_length=120)
        if (self.kind == "teleconsultation") != (self.teleconsultation_host is not None):
            raise OfferFieldError(
                field="teleconsultation_host",
                value=self.teleconsultation_host,
                expected="where a teleconsultation point is hosted, and nothing for other kinds",
            )
        if self.teleconsultation_host is not None:
            _check_choice(
                "teleconsultation_host", self.teleconsultation_host, TELECONSULTATION_HOSTS
            )
        object.__setattr__(self, "opening_hours", _canonical_hours(self.opening_hours))

    @property
    def coordinates_trusted(self) -> bool:
        """Whether ``lon``/``lat`` are the facility's own geocoded, validated place."""
        return self.location_precision == "address"


def typequ_codes(kind: CareKind) -> tuple[str, ...]:
    """The BPE equipment types counting ``kind`` (none for hospitals, pharmacists…).

    >>> typequ_codes("general_practitioner"), len(typequ_codes("specialist"))
    (('D201',), 11)
    """
    return tuple(code for code, (k, _) in BPE_TYPES.items() if k == kind)


def check_kind(kind: str) -> CareKind:
    """Return ``kind`` as a :data:`CareKind`, or raise naming the known kinds."""
    for known in CARE_KINDS:
        if kind == known:
            return known
    msg = f"Unknown care kind {kind!r}; expected one of {', '.join(CARE_KINDS)}."
    raise ValidationError(msg)


@dataclass(frozen=True)
class KindCount:
    """BPE counts of one kind of care per commune of a territory for one year.

    ``by_commune`` lists only the communes that have some; every other commune of the
    territory has none (the BPE lists a commune only when it has the equipment).
    """

    kind: CareKind
    year: int
    total: int
    by_commune: dict[str, int]


@dataclass(frozen=True)
class NearbyOffer:
    """One place offering a kind of care, at some distance from where the search started.

    ``source`` tells what it is: a registered ``facility`` or ``practitioner`` (``record_id``
    is its id), or a commune holding ``count`` BPE equipments or professionals of ``year``,
    shown at the commune's point (``location_precision`` is then ``"commune"``).
    """

    kind: CareKind
    source: Literal["facility", "practitioner", "bpe"]
    record_id: int | None
    name: str
    commune_code: str | None
    lon: float
    lat: float
    location_precision: LocationPrecision
    distance_km: float
    count: int = 1
    year: int | None = None
    opening_hours: str | None = None

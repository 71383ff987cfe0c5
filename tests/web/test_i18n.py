"""Interface languages: message catalogue, language negotiation, number formats (pure)."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.dashboard.i18n import (
    LANGUAGES,
    MESSAGES,
    Language,
    Translator,
    format_number,
    negotiate_language,
    parse_accept_language,
)


def _placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_messages_have_every_language_with_the_same_placeholders(key: str) -> None:
    translations = MESSAGES[key]

    assert set(translations) == set(LANGUAGES)
    assert all(translations.values())
    assert _placeholders(translations["fr"]) == _placeholders(translations["en"])


def test_translator_fills_in_values() -> None:
    assert Translator("fr")("inhabitants", value="12") == "12 hab."
    assert Translator("en")("inhabitants", value="12") == "12 inhabitants"


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "fr"),
        ("en", None, None, "en"),
        ("en", "fr", "fr", "en"),
        (None, "en", "fr-FR", "en"),
        (None, None, "en-GB,en;q=0.9", "en"),
        (None, None, "de-DE,de;q=0.9,en;q=0.5", "en"),
        (None, None, "de-DE,de;q=0.9", "fr"),
        ("xx", "yy", "it", "fr"),
        (None, None, "en;q=0, fr;q=0.1", "fr"),
    ],
)
def test_negotiate_language_prefers_query_then_cookie_then_header(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert negotiate_language(query=query, cookie=cookie, accept_language=header) == expected


@given(st.text(), st.text(), st.text())
def test_negotiate_language_always_answers_a_supported_language(
    query: str, cookie: str, header: str
) -> None:
    assert negotiate_language(query=query, cookie=cookie, accept_language=header) in LANGUAGES


def test_parse_accept_language_orders_by_weight_then_position() -> None:
    assert parse_accept_language("fr;q=0.5, en-US, de;q=0.5, it;q=abc") == ["en", "fr", "de"]


def _naive_format(value: float, thousands: str, decimal: str, digits: int) -> str:
    """Group the digits by hand, three at a time from the right."""
    sign = "-" if f"{value:.{digits}f}".startswith("-") else ""
    whole, _, fraction = f"{abs(value):.{digits}f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sign + thousands.join(groups) + (decimal + fraction if fraction else "")


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(LANGUAGES),
)
def test_format_number_matches_a_naive_grouping(
    value: float, digits: int, language: Language
) -> None:
    thousands, decimal = Translator(language).separators

    expected = _naive_format(value, thousands, decimal, digits)

    assert format_number(value, language, digits=digits) == expected


def test_format_number_hand_cases() -> None:
    assert format_number(1234567.891, "fr", digits=2) == "1\u202f234\u202f567,89"
    assert format_number(1234567.891, "en", digits=2) == "1,234,567.89"
    assert format_number(999, "fr") == "999"

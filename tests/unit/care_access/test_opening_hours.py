"""Opening hours: the OSM-like subset, its canonical text, and what it refuses."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.care_access.opening_hours import (
    MINUTES_PER_DAY,
    WeeklySchedule,
    parse_opening_hours,
)
from healthycity.errors import ValidationError

PHARMACY = "Mo-Fr 08:30-12:30,14:00-19:30; Sa 09:00-12:30"


def test_parse_a_pharmacy_week_by_hand() -> None:
    week = parse_opening_hours(PHARMACY).days
    assert week[0] == week[4] == ((510, 750), (840, 1170))
    assert week[5] == ((540, 750),)
    assert week[6] == ()


def test_a_later_rule_replaces_earlier_ones_on_its_days() -> None:
    schedule = parse_opening_hours("Mo-Sa 08:00-20:00; We 08:00-12:00; Sa off")
    assert schedule.to_text() == "Mo-Tu 08:00-20:00; We 08:00-12:00; Th-Fr 08:00-20:00"


def test_rule_without_days_applies_to_every_day_and_days_may_wrap() -> None:
    assert parse_opening_hours("08:00-20:00").to_text() == "Mo-Su 08:00-20:00"
    assert parse_opening_hours("Sa-Mo 10:00-12:00").to_text() == (
        "Mo 10:00-12:00; Sa-Su 10:00-12:00"
    )
    assert parse_opening_hours("24/7").to_text() == "24/7"


def test_is_open_at_reads_the_local_time_of_paris() -> None:
    schedule = parse_opening_hours(PHARMACY)
    # Monday 5 January 2026, 07:45 UTC is 08:45 in Paris (CET, UTC+1): open
    assert schedule.is_open_at(datetime(2026, 1, 5, 7, 45, tzinfo=UTC))
    # 12:45 in Paris: lunch break
    assert not schedule.is_open_at(datetime(2026, 1, 5, 11, 45, tzinfo=UTC))
    # Sunday
    assert not schedule.is_open_at(datetime(2026, 1, 4, 10, 0, tzinfo=UTC))
    # the same moment seen from Guadeloupe (UTC-4) is 03:45: closed there
    assert not schedule.is_open_at(
        datetime(2026, 1, 5, 7, 45, tzinfo=UTC), timezone="America/Guadeloupe"
    )
    offset = datetime(2026, 1, 5, 8, 45, tzinfo=timezone(timedelta(hours=1)))
    assert schedule.is_open_at(offset)


def test_is_open_at_refuses_a_naive_moment() -> None:
    with pytest.raises(ValidationError, match="has no time zone"):
        parse_opening_hours(PHARMACY).is_open_at(datetime(2026, 1, 5, 9, 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "a non-empty text"),
        ("Mo-Fr 08:00-12:00;; Sa 09:00-12:00", "rules separated by single semicolons"),
        ("PH off", "days among Mo"),
        ("Lu-Ve 08:00-12:00", "days among Mo"),
        ("Mo-Fr", "time spans or 'off' after the days"),
        ("Mo 8h-12h", "times as HH:MM"),
        ("Mo 08:00-24:30", "times as HH:MM"),
        ("Mo 08:00", "a time span such as 08:00-12:00"),
        ("Mo 12:00-08:00", "split a night at 24:00"),
        ("Mo 08:00-12:00,11:00-13:00", "do not overlap"),
        ("Jan Mo 08:00-12:00", "days among Mo"),
    ],
)
def test_parse_refuses_what_the_subset_does_not_cover(text: str, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected) as caught:
        parse_opening_hours(text)
    assert repr(text) in str(caught.value)


@st.composite
def schedules(draw: st.DrawFn) -> WeeklySchedule:
    """Any week of 0–3 disjoint spans a day, on a 5-minute grid."""
    days = []
    for _ in range(7):
        cuts = sorted(draw(st.sets(st.integers(0, MINUTES_PER_DAY // 5), max_size=6)))
        cuts = cuts[: len(cuts) // 2 * 2]
        days.append(tuple((a * 5, b * 5) for a, b in zip(cuts[::2], cuts[1::2], strict=True)))
    return WeeklySchedule(tuple(days))


@given(schedules())
def test_canonical_text_parses_back_to_the_same_week(schedule: WeeklySchedule) -> None:
    text = schedule.to_text()
    assert parse_opening_hours(text) == schedule
    assert parse_opening_hours(text).to_text() == text


@given(schedules(), st.integers(0, 6), st.integers(0, MINUTES_PER_DAY - 1))
def test_is_open_agrees_with_a_minute_by_minute_reading(
    schedule: WeeklySchedule, weekday: int, minute: int
) -> None:
    naive = any(start <= minute < end for start, end in schedule.days[weekday])
    assert schedule.is_open(weekday, minute) == naive

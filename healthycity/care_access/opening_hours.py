"""Weekly opening hours in a small subset of the OpenStreetMap ``opening_hours`` syntax.

The subset covers what a practice or a pharmacy publishes: rules separated by ``;``, each
made of optional days (``Mo``…``Su``, ranges ``Mo-Fr``, lists ``Mo,We``) and either time
spans (``08:00-12:00,14:00-19:00``) or ``off``; ``24/7`` alone means always open. As in OSM
(wiki "Key:opening_hours/specification"), a later rule replaces the earlier ones on the
days it names, and a rule without days applies to every day. Public holidays, months,
weeks and spans past midnight are outside the subset and are refused with a message.
"""

import itertools
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from healthycity.errors import ValidationError

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MINUTES_PER_DAY = 24 * 60
Span = tuple[int, int]  # [start, end) in minutes since midnight, local time

_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_DAY_PART = re.compile(r"^[A-Z][a-z](?:-[A-Z][a-z])?(?:,[A-Z][a-z](?:-[A-Z][a-z])?)*$")


def _fail(text: str, expected: str) -> ValidationError:
    return ValidationError(f"Opening hours {text!r}: expected {expected}.")


def _minutes(text: str, whole: str) -> int:
    match = _TIME.match(text)
    if match is None:
        raise _fail(whole, f"times as HH:MM from 00:00 to 24:00, not {text!r}")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > MINUTES_PER_DAY:
        raise _fail(whole, f"times as HH:MM from 00:00 to 24:00, not {text!r}")
    return minutes


def _spans(text: str, whole: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    for part in text.split(","):
        start_text, dash, end_text = part.partition("-")
        if not dash:
            raise _fail(whole, f"a time span such as 08:00-12:00, not {part!r}")
        start, end = _minutes(start_text, whole), _minutes(end_text, whole)
        if start >= end:
            raise _fail(
                whole, f"each span to end after it starts ({part!r}); split a night at 24:00"
            )
        spans.append((start, end))
    spans.sort()
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise _fail(whole, f"time spans of one rule that do not overlap ({text!r})")
    return tuple(spans)


def _days(text: str, whole: str) -> list[int]:
    if not _DAY_PART.match(text):
        raise _fail(whole, f"days among {', '.join(DAYS)} (e.g. Mo-Fr or Mo,We), not {text!r}")
    days: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        for day in (first, last or first):
            if day not in DAYS:
                raise _fail(whole, f"days among {', '.join(DAYS)}, not {day!r}")
        start, end = DAYS.index(first), DAYS.index(last or first)
        days.extend((start + k) % 7 for k in range((end - start) % 7 + 1))  # Sa-Mo wraps
    return days


@dataclass(frozen=True)
class WeeklySchedule:
    """Opening spans of each weekday, Monday first, in local time.

    >>> schedule = parse_opening_hours("Mo-Fr 08:00-12:00,14:00-19:00; Sa 09:00-12:00")
    >>> schedule.days[0], schedule.days[6]
    (((480, 720), (840, 1140)), ())
    >>> schedule.to_text()
    'Mo-Fr 08:00-12:00,14:00-19:00; Sa 09:00-12:00'
    """

    days: tuple[tuple[Span, ...], ...]

    def is_open(self, weekday: int, minute: int) -> bool:
        """Whether open on ``weekday`` (0 = Monday) at ``minute`` past local midnight."""
        return any(start <= minute < end for start, end in self.days[weekday])

    def is_open_at(self, moment: datetime, *, timezone: str = "Europe/Paris") -> bool:
        """Whether open at an aware ``moment``, read in the facility's ``timezone``.

        >>> from datetime import UTC
        >>> parse_opening_hours("Mo 08:00-12:00").is_open_at(datetime(2026, 1, 5, 10, tzinfo=UTC))
        True
        """
        if moment.tzinfo is None:
            msg = f"Moment {moment.isoformat()} has no time zone; expected an aware datetime."
            raise ValidationError(msg)
        local = moment.astimezone(ZoneInfo(timezone))
        return self.is_open(local.weekday(), local.hour * 60 + local.minute)

    def to_text(self) -> str:
        """The canonical text: consecutive days with the same spans grouped, closed days left out.

        >>> parse_opening_hours("Sa 09:00-12:00; Mo,Tu,We 08:00-18:00").to_text()
        'Mo-We 08:00-18:00; Sa 09:00-12:00'
        >>> parse_opening_hours("00:00-24:00").to_text(), parse_opening_hours("off").to_text()
        ('24/7', 'off')
        """
        if all(spans == ((0, MINUTES_PER_DAY),) for spans in self.days):
            return "24/7"
        rules: list[str] = []
        day = 0
        while day < 7:
            last = day
            while last + 1 < 7 and self.days[last + 1] == self.days[day]:
                last += 1
            if self.days[day]:
                days = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
                rules.append(f"{days} {','.join(_span_text(s) for s in self.days[day])}")
            day = last + 1
        return "; ".join(rules) or "off"


def _span_text(span: Span) -> str:
    (h1, m1), (h2, m2) = divmod(span[0], 60), divmod(span[1], 60)
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


def parse_opening_hours(text: str) -> WeeklySchedule:
    """Parse opening hours of the supported subset (see the module docstring).

    >>> parse_opening_hours("Mo-Su 08:00-20:00; Su off").days[6]
    ()
    >>> parse_opening_hours("PH off")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    healthycity.errors.ValidationError: Opening hours 'PH off': expected days among Mo, ...
    """
    whole = text
    if not text.strip() or len(text) > 500:
        raise _fail(whole, "a non-empty text of at most 500 characters")
    week: list[tuple[Span, ...]] = [()] * 7
    for rule in (r.strip() for r in text.split(";")):
        if not rule:
            raise _fail(whole, "rules separated by single semicolons")
        if rule in ("24/7", "off"):
            week = [((0, MINUTES_PER_DAY),) if rule == "24/7" else ()] * 7
            continue
        head, _, tail = rule.partition(" ")
        if head[:1].isdigit():
            days, times = list(range(7)), rule
        else:
            days, times = _days(head, whole), tail.strip()
            if not times:
                raise _fail(whole, f"time spans or 'off' after the days {head!r}")
        spans = () if times == "off" else _spans(times, whole)
        for day in days:
            week[day] = spans
    return WeeklySchedule(tuple(week))

"""``runner.group_events``: one message per episode and period over the territories it covers."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from healthycity.alerts.levels import AtmoLevel, scale_of
from healthycity.alerts.models import MsgType
from healthycity.alerts.rules import IndexObservation, Rule, evaluate_rules
from healthycity.alerts.runner import group_events

RULE = Rule(
    id="atmo-mauvais-2h", index="atmo", min_level=AtmoLevel.MAUVAIS, for_periods=2,
    clear_below=AtmoLevel.MAUVAIS, clear_for_periods=2,
)  # fmt: skip
START = datetime(2026, 7, 1, tzinfo=UTC)
PLACES = ("commune/58194", "commune/58160", "commune/58121")
SCALE = scale_of(RULE.hazard)
series_strategy = st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=1, max_size=30)


def observations(series: dict[str, list[int | None]]) -> list[IndexObservation]:
    return [
        IndexObservation(place, START + timedelta(hours=hour), "atmo", SCALE[rank].value)
        for place, ranks in series.items()
        for hour, rank in enumerate(ranks)
        if rank is not None
    ]


def test_group_events_hand_computed() -> None:
    # Nevers and Marzy hold mauvais 2 hours (hours 0-1): one Alert over both at hour 1. At
    # hour 3 Marzy has been below for 2 hours (its all clear) while Nevers has held très
    # mauvais for 2 hours: one Update, over Nevers alone, at très mauvais. Nevers clears at
    # hour 5: the Cancel.
    found = evaluate_rules([RULE], observations({
        PLACES[0]: [3, 3, 4, 4, 2, 2],
        PLACES[1]: [3, 3, 2, 2],
    }), {})[0]  # fmt: skip
    grouped = [(e.msg_type, e.level, places) for e, places in group_events(found, {})]
    assert grouped == [
        (MsgType.ALERT, AtmoLevel.MAUVAIS, (PLACES[1], PLACES[0])),
        (MsgType.UPDATE, AtmoLevel.TRES_MAUVAIS, (PLACES[0],)),
        (MsgType.CANCEL, AtmoLevel.TRES_MAUVAIS, None),
    ]


@given(st.lists(series_strategy, min_size=1, max_size=3), st.integers(0, 30))
def test_group_events_covers_exactly_the_running_territories_in_any_split(
    serieses: list[list[int | None]], split: int
) -> None:
    series = dict(zip(PLACES, serieses, strict=False))
    events, _ = evaluate_rules([RULE], observations(series), {})
    whole = group_events(events, {})

    # The same observations in two runs, the state carried over, give the same messages.
    early = {p: s[:split] for p, s in series.items()}
    late = {p: [None] * min(split, len(s)) + s[split:] for p, s in series.items()}
    first, state = evaluate_rules([RULE], observations(early), {})
    second, _ = evaluate_rules([RULE], observations(late), state)
    assert group_events(first, {}) + group_events(second, state) == whole

    running: dict[str, set[str]] = {}  # the oracle: episodes per territory, from the events
    by_time: dict[tuple[datetime, str], set[str]] = {}
    for event in sorted(events, key=lambda e: e.time):
        places = running.setdefault(event.episode, set())
        if event.msg_type is MsgType.CANCEL:
            places.discard(event.territory)
        else:
            places.add(event.territory)
        by_time[event.time, event.episode] = set(places)
    for event, places in whole:
        expected = by_time[event.time, event.episode]
        if event.msg_type is MsgType.CANCEL:
            assert places is None
            assert not expected
        else:
            assert set(places or ()) == expected
    kinds: dict[str, list[MsgType]] = {}
    for event, _ in whole:
        kinds.setdefault(event.episode, []).append(event.msg_type)
    for sequence in kinds.values():  # Alert first, Updates, at most one Cancel, last
        assert sequence[0] is MsgType.ALERT
        assert MsgType.ALERT not in sequence[1:]
        assert MsgType.CANCEL not in sequence[:-1]

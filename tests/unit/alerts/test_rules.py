"""Rules on index levels: persistence, hysteresis, all-clear; no flapping, one Cancel per Alert."""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthycity.alerts.levels import AtmoLevel, HeatVigilance, PollenRisk
from healthycity.alerts.models import MsgType
from healthycity.alerts.rules import (
    EpisodeState,
    IndexObservation,
    Rule,
    RuleEvent,
    StateKey,
    evaluate_rules,
    parse_rule,
    period_number,
)
from healthycity.errors import ValidationError

START = datetime(2026, 10, 6, 0, 0, tzinfo=UTC)
NEVERS = "commune/58194"
ATMO = list(AtmoLevel)  # bon … extrêmement mauvais
# The rule of the issue: ATMO ≥ mauvais for 3 h; all-clear after 2 h below dégradé.
AIR_RULE = parse_rule(
    {
        "hazard": "air",
        "index": "atmo",
        "min_level": "mauvais",
        "for_hours": 3,
        "clear_below": "dégradé",
        "clear_for_hours": 2,
    }
)


def hourly(
    levels: Sequence[str], *, territory: str = NEVERS, start: datetime = START
) -> list[IndexObservation]:
    return [
        IndexObservation(territory, start + timedelta(hours=i), "atmo", level)
        for i, level in enumerate(levels)
    ]


def kinds(events: Sequence[RuleEvent]) -> list[tuple[str, int, str]]:
    """(msg type, hour of the triggering period, episode level) of each event."""
    return [
        (e.msg_type.value, int((e.time - START) / timedelta(hours=1)), str(e.level)) for e in events
    ]


def test_evaluate_rules_hand_computed_episode() -> None:
    levels = [
        "moyen",  # 0
        "mauvais",  # 1  high run 1
        "mauvais",  # 2  high run 2
        "mauvais",  # 3  high run 3 → Alert at mauvais
        "tres_mauvais",  # 4
        "tres_mauvais",  # 5
        "tres_mauvais",  # 6  last 3 all très mauvais → Update
        "degrade",  # 7  in the hysteresis band: neither high nor clearing
        "moyen",  # 8  low run 1
        "mauvais",  # 9  low run broken
        "bon",  # 10 low run 1
        "bon",  # 11 low run 2 → Cancel (all-clear)
        "mauvais",  # 12
    ]
    events, state = evaluate_rules([AIR_RULE], hourly(levels), {})

    assert kinds(events) == [
        ("Alert", 3, "mauvais"),
        ("Update", 6, "tres_mauvais"),
        ("Cancel", 11, "tres_mauvais"),
    ]
    alert_time = (START + timedelta(hours=3)).isoformat()
    assert {e.episode for e in events} == {f"atmo>=mauvais-3h|{alert_time}"}
    assert state[(AIR_RULE.id, NEVERS)].episode is None


def test_evaluate_rules_a_gap_breaks_persistence() -> None:
    observations = hourly(["mauvais", "mauvais"]) + hourly(
        ["mauvais", "mauvais"], start=START + timedelta(hours=3)
    )
    events, _ = evaluate_rules([AIR_RULE], observations, {})
    assert events == []


def test_evaluate_rules_missing_data_never_ends_an_episode() -> None:
    observations = hourly(["mauvais"] * 3 + ["bon"]) + hourly(
        ["bon"], start=START + timedelta(hours=5)
    )
    events, _ = evaluate_rules([AIR_RULE], observations, {})
    assert kinds(events) == [("Alert", 2, "mauvais")]


def test_evaluate_rules_takes_the_worst_level_of_a_period() -> None:
    rule = parse_rule({"index": "atmo", "min_level": "mauvais", "for_hours": 1})
    observations = [
        IndexObservation(NEVERS, START + timedelta(minutes=10), "atmo", "bon"),
        IndexObservation(NEVERS, START + timedelta(minutes=40), "atmo", "Très mauvais"),
    ]
    events, _ = evaluate_rules([rule], observations, {})
    assert [(e.msg_type, e.level, e.time) for e in events] == [
        (MsgType.ALERT, AtmoLevel.TRES_MAUVAIS, START + timedelta(minutes=10))
    ]


def test_evaluate_rules_revises_the_last_hour_when_later_readings_make_it_worse() -> None:
    """An hour is evaluated on its first readings; the rest of the hour may raise its level."""
    rule = parse_rule({"index": "atmo", "min_level": "mauvais", "for_hours": 1})
    first = IndexObservation(NEVERS, START + timedelta(minutes=10), "atmo", "moyen")
    later = IndexObservation(NEVERS, START + timedelta(minutes=50), "atmo", "mauvais")
    events, state = evaluate_rules([rule], [first], {})
    assert events == []
    events, state = evaluate_rules([rule], [later], state)
    assert [(e.msg_type, e.level) for e in events] == [(MsgType.ALERT, AtmoLevel.MAUVAIS)]
    better = IndexObservation(NEVERS, START + timedelta(minutes=55), "atmo", "bon")
    events, _ = evaluate_rules([rule], [later, better], state)
    assert events == []  # the worst of the hour counts: a better reading changes nothing


def test_evaluate_rules_revision_of_a_running_episode_counts_towards_its_level() -> None:
    # AIR_RULE: 3 h at mauvais open the episode. Hour 2 then turns out très mauvais: the level
    # held over the last 3 h is still mauvais, no event; but hour 2 now counts as très mauvais,
    # so hours 3 and 4 très mauvais make 3 h at très mauvais → Update at hour 4 (not 5).
    events, state = evaluate_rules([AIR_RULE], hourly(["mauvais"] * 3), {})
    assert kinds(events) == [("Alert", 2, "mauvais")]
    revised = hourly(["tres_mauvais"], start=START + timedelta(hours=2))
    events, state = evaluate_rules([AIR_RULE], revised, state)
    assert events == []
    events, state = evaluate_rules(
        [AIR_RULE], hourly(["tres_mauvais"] * 2, start=START + timedelta(hours=3)), state
    )
    assert kinds(events) == [("Update", 4, "tres_mauvais")]


def test_evaluate_rules_daily_pollen_and_heat_rules() -> None:
    pollen = parse_rule({"index": "pollen", "min_level": "élevé", "for_days": 1})
    heat = parse_rule(
        {"index": "heat", "min_level": "orange", "for_days": 2, "clear_below": "orange"}
    )
    day = timedelta(days=1)
    observations = [
        IndexObservation("departement/58", START + i * day, "pollen", level)
        for i, level in enumerate(["3", "4", "5", "2"])
    ] + [
        IndexObservation("departement/58", START + i * day, "heat", level)
        for i, level in enumerate(["jaune", "orange", "rouge", "rouge", "jaune"])
    ]
    events, _ = evaluate_rules([pollen, heat], observations, {})
    assert [(e.rule.index, e.msg_type.value, e.level) for e in events] == [
        ("pollen", "Alert", PollenRisk.ELEVE),
        ("heat", "Alert", HeatVigilance.ORANGE),
        ("pollen", "Update", PollenRisk.TRES_ELEVE),
        ("heat", "Update", HeatVigilance.ROUGE),
        ("pollen", "Cancel", PollenRisk.TRES_ELEVE),
        ("heat", "Cancel", HeatVigilance.ROUGE),
    ]


def test_evaluate_rules_only_watches_the_rule_territories() -> None:
    rule = parse_rule(
        {"index": "atmo", "min_level": "mauvais", "for_hours": 1, "territories": [NEVERS]}
    )
    observations = hourly(["mauvais"]) + hourly(["mauvais"], territory="commune/18033")
    events, _ = evaluate_rules([rule], observations, {})
    assert [e.territory for e in events] == [NEVERS]


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"index": "noise", "min_level": "x", "for_hours": 1}, "expected one of"),
        ({"index": "atmo", "min_level": "horrible", "for_hours": 1}, "level 'horrible'"),
        ({"index": "atmo", "min_level": "mauvais"}, "expected for_hours or for_days"),
        ({"index": "atmo", "min_level": "mauvais", "for_hours": 1, "for_days": 1}, "for_hours"),
        (
            {"index": "atmo", "min_level": "mauvais", "for_hours": 1, "clear_for_days": 1},
            "expected clear_for_hours",
        ),
        (
            {"index": "atmo", "min_level": "mauvais", "for_days": 1, "clear_for_hours": 1},
            "same unit",
        ),
        ({"index": "atmo", "min_level": "mauvais", "for_hours": 0}, "expected at least 1"),
        ({"index": "atmo", "min_level": "mauvais", "for_hours": "3"}, "whole number"),
        (
            {
                "index": "atmo",
                "min_level": "mauvais",
                "for_hours": 1,
                "clear_below": "tres_mauvais",
            },
            "at or below min_level",
        ),
        ({"hazard": "heat", "index": "atmo", "min_level": "mauvais", "for_hours": 1}, "heat"),
        ({"index": "atmo", "min_level": "mauvais", "for_hours": 1, "colour": "red"}, "colour"),
        (
            {"index": "atmo", "min_level": "mauvais", "for_hours": 1, "territories": ["58"]},
            "level/code",
        ),
        (
            {"index": "atmo", "min_level": "mauvais", "for_hours": 1, "territories": "58"},
            "list of refs",
        ),
        ({"id": "a b", "index": "atmo", "min_level": "mauvais", "for_hours": 1}, "rule id"),
    ],
)
def test_parse_rule_refuses_malformed_rules(spec: dict[str, object], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        parse_rule(spec)


def test_evaluate_rules_refuses_bad_observations_naming_them() -> None:
    with pytest.raises(ValidationError, match=r"atmo in commune/58194: .*level 'violet'"):
        evaluate_rules([AIR_RULE], hourly(["violet"]), {})
    naive = IndexObservation(NEVERS, datetime(2026, 1, 1), "atmo", "bon")
    with pytest.raises(ValidationError, match="no timezone"):
        evaluate_rules([AIR_RULE], [naive], {})
    with pytest.raises(ValidationError, match="each id once"):
        evaluate_rules([AIR_RULE, AIR_RULE], [], {})


def test_period_number_counts_paris_days() -> None:
    # 23:30 UTC on 30 June is 01:30 on 1 July in Paris (CEST).
    late = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert period_number(late, "day") == datetime(2026, 7, 1).toordinal()
    assert period_number(late, "hour") + 1 == period_number(late + timedelta(hours=1), "hour")


# --- Invariants ------------------------------------------------------------------------------

rule_strategy = st.builds(
    lambda min_rank, band, for_periods, clear_for: Rule(
        id="r",
        index="atmo",
        min_level=ATMO[min_rank],
        clear_below=ATMO[max(0, min_rank - band)],
        for_periods=for_periods,
        clear_for_periods=clear_for,
    ),
    st.integers(1, 5),
    st.integers(0, 2),
    st.integers(1, 4),
    st.integers(1, 4),
)
# Hourly ranks with gaps (None: no observation that hour).
series_strategy = st.lists(st.one_of(st.none(), st.integers(0, 5)), max_size=80)


def observations_of(series: Sequence[int | None]) -> list[IndexObservation]:
    return [
        IndexObservation(NEVERS, START + timedelta(hours=i), "atmo", ATMO[rank].value)
        for i, rank in enumerate(series)
        if rank is not None
    ]


def hour_of(event: RuleEvent) -> int:
    return int((event.time - START) / timedelta(hours=1))


@given(rule_strategy, series_strategy)
def test_evaluate_rules_episodes_alternate_alert_updates_cancel(
    rule: Rule, series: list[int | None]
) -> None:
    events, _ = evaluate_rules([rule], observations_of(series), {})
    running: str | None = None
    for event in events:
        if event.msg_type is MsgType.ALERT:
            assert running is None  # a new Alert only once the previous episode was cancelled
            running = event.episode
        else:
            assert event.episode == running  # Updates and the Cancel reference the Alert
            if event.msg_type is MsgType.CANCEL:
                running = None
    cancels = [e.episode for e in events if e.msg_type is MsgType.CANCEL]
    assert len(cancels) == len(set(cancels))  # at most one Cancel per Alert


@given(rule_strategy, series_strategy)
def test_evaluate_rules_never_flaps(rule: Rule, series: list[int | None]) -> None:
    events, _ = evaluate_rules([rule], observations_of(series), {})
    starts = [hour_of(e) for e in events if e.msg_type is MsgType.ALERT]
    for earlier, later in pairwise(starts):
        # the episode must clear, then a new one persist, before a second Alert
        assert later - earlier >= rule.clear_for_periods + rule.for_periods


@given(st.integers(2, 4), st.integers(1, 40))
def test_evaluate_rules_oscillation_around_the_threshold_alerts_once(
    clear_for: int, half_periods: int
) -> None:
    rule = Rule("r", "atmo", AtmoLevel.MAUVAIS, for_periods=1, clear_for_periods=clear_for)
    series = [3, 2] * half_periods  # mauvais, dégradé, mauvais, dégradé…
    events, _ = evaluate_rules([rule], observations_of(series), {})
    assert [e.msg_type for e in events] == [MsgType.ALERT]


@settings(max_examples=200)
@given(rule_strategy, series_strategy, st.integers(0, 80))
def test_evaluate_rules_in_two_runs_equals_one_run(
    rule: Rule, series: list[int | None], cut: int
) -> None:
    observations = observations_of(series)
    whole, whole_state = evaluate_rules([rule], observations, {})
    first, state = evaluate_rules([rule], observations[:cut], {})
    second, final_state = evaluate_rules([rule], observations[cut:], state)
    assert first + second == whole
    assert final_state == whole_state
    again, _ = evaluate_rules([rule], observations, final_state)
    assert again == []  # the same observations raise nothing twice


def holds(series: Sequence[int | None], end: int, length: int, test: Callable[[int], bool]) -> bool:
    """Whether the ``length`` hours up to ``end`` are all observed and pass ``test``."""
    start = end - length + 1
    return start >= 0 and all(r is not None and test(r) for r in series[start : end + 1])


@given(rule_strategy, series_strategy)
def test_evaluate_rules_reference_oracle(rule: Rule, series: list[int | None]) -> None:
    """A naive re-reading of the rule, hour by hour over the whole series, gives the same Alerts."""
    events, _ = evaluate_rules([rule], observations_of(series), {})
    min_rank, clear_rank = rule.rank(rule.min_level), rule.rank(rule.clear_level)
    expected: list[int] = []
    is_running = False
    for hour in range(len(series)):
        if not is_running and holds(series, hour, rule.for_periods, lambda r: r >= min_rank):
            expected.append(hour)
            is_running = True
        elif is_running and holds(series, hour, rule.clear_for_periods, lambda r: r < clear_rank):
            is_running = False
    assert [hour_of(e) for e in events if e.msg_type is MsgType.ALERT] == expected


def test_evaluate_rules_state_survives_between_runs() -> None:
    state: dict[StateKey, EpisodeState] = {}
    events, state = evaluate_rules([AIR_RULE], hourly(["mauvais"] * 2), state)
    assert events == []
    events, state = evaluate_rules(
        [AIR_RULE], hourly(["mauvais"], start=START + timedelta(hours=2)), state
    )
    assert kinds(events) == [("Alert", 2, "mauvais")]

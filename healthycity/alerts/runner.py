"""Evaluate the rules on observations from any source and publish what they raise.

A source of observations is any callable returning ``IndexObservation`` values: the CSV
reader below, or ``healthycity.alerts_feed``, which reads the environment domain's indices
(the alerts domain imports no other domain; that adapter sits above both).

Evaluations are serialised: ``run_rules`` first takes the rule-state lock
(``lock_rule_states``), so that several evaluators (watchers side by side, a command run
by hand) never read the same states, and no episode is published twice.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import groupby
from pathlib import Path

from sqlalchemy import Connection, select

from healthycity.alerts import store
from healthycity.alerts.levels import scale_of
from healthycity.alerts.models import MsgType, Status
from healthycity.alerts.rules import (
    EpisodeState,
    IndexObservation,
    Rule,
    RuleEvent,
    StateKey,
    check_territory_ref,
    evaluate_rules,
)
from healthycity.alerts.service import Publisher, publish_rule_event
from healthycity.alerts.tables import feed_cursors, rule_states
from healthycity.csv_files import read_csv_records
from healthycity.errors import RecordError, ValidationError
from healthycity.storage import bulk
from healthycity.storage.upsert import upsert
from healthycity.territory import store as territory_store

ObservationSource = Callable[[], Iterable[IndexObservation]]
CSV_COLUMNS = ("territory", "time", "index", "level")


def run_rules(
    conn: Connection,
    rules: Iterable[Rule],
    source: ObservationSource,
    *,
    publisher: Publisher,
    now: datetime,
    status: Status = Status.ACTUAL,
) -> list[store.StoredAlert]:
    """Evaluate ``rules`` on the observations of ``source`` from the stored rule states.

    The messages and the new states are written on ``conn``: run it in one transaction, so
    that a failure leaves neither half-published episodes nor states ahead of the alerts.
    It takes the rule-state lock first (``lock_rule_states``): a concurrent evaluation
    waits until this transaction ends, then reads the states it wrote.

    Returns
    -------
    list
        The messages published (Alerts, Updates, Cancels), in order.
    """
    lock_rule_states(conn)
    state = store.load_rule_states(conn)
    events, new_state = evaluate_rules(rules, source(), state)
    published = []
    for event, territories in group_events(events, state):
        message = publish_rule_event(
            conn, event, publisher=publisher, now=now, status=status, territories=territories
        )
        if message is not None:
            published.append(message)
    changed = {key: value for key, value in new_state.items() if state.get(key) != value}
    store.save_rule_states(conn, changed, now=now)
    return published


def group_events(
    events: Sequence[RuleEvent], state: Mapping[StateKey, EpisodeState]
) -> list[tuple[RuleEvent, tuple[str, ...] | None]]:
    """One message per episode and period, over the territories the episode then covers.

    Territories whose episodes start in the same period share the episode id
    (``rules.py``), so one CAP message covers them, at the worst of their levels. When some
    of them end or change level and others go on, the chain gets an Update over the
    territories still in the episode; it gets its Cancel when the last one ends. Returns
    each message's event (type, level) and its territories (None for a Cancel: the areas
    of the chain's latest message).
    """
    members: dict[str, dict[str, int]] = {}  # episode -> territory -> level rank
    for (_, territory), known in state.items():
        if known.episode is not None and known.level_rank is not None:
            members.setdefault(known.episode, {})[territory] = known.level_rank
    out: list[tuple[RuleEvent, tuple[str, ...] | None]] = []
    ordered = sorted(events, key=lambda e: (e.time, e.episode, e.territory))
    for _, batch in groupby(ordered, key=lambda e: (e.time, e.episode)):
        group = list(batch)
        first = group[0]
        scale = scale_of(first.rule.hazard)
        running = members.setdefault(first.episode, {})
        before = (sorted(running), max(running.values(), default=None))
        for event in group:
            if event.msg_type is MsgType.CANCEL:
                running.pop(event.territory, None)
            else:
                running[event.territory] = scale.index(event.level)
        after = (sorted(running), max(running.values(), default=None))
        if after == before:
            continue
        if not running:
            out.append((replace(first, msg_type=MsgType.CANCEL), None))
            continue
        msg_type = MsgType.ALERT if not before[0] else MsgType.UPDATE
        level = scale[max(running.values())]
        out.append((replace(first, msg_type=msg_type, level=level), tuple(sorted(running))))
    return out


def lock_rule_states(conn: Connection) -> None:
    """Hold the evaluation lock until the transaction ends; taking it twice is harmless.

    PostgreSQL: a transaction-scoped advisory lock; SQLite: the single writer lock.
    """
    bulk.lock_for_writing(conn, rule_states, column="updated_at")


def get_cursor(conn: Connection, name: str) -> datetime | None:
    """The position saved under ``name`` (see ``tables.feed_cursors``), None if none was."""
    found = conn.execute(
        select(feed_cursors.c.position).where(feed_cursors.c.name == name)
    ).scalar_one_or_none()
    return None if found is None else store.to_utc(found)


def save_cursor(conn: Connection, name: str, position: datetime, *, now: datetime) -> None:
    """Save the position of ``name``; call it in the transaction that published its events."""
    row = {"name": name, "position": store.to_utc(position), "updated_at": store.to_utc(now)}
    upsert(conn, feed_cursors, [row], key=("name",))


def _observation(path: Path, line: int, row: Mapping[str, str | None]) -> IndexObservation:
    def field(name: str) -> str:
        value = (row.get(name) or "").strip()
        if not value:
            raise RecordError(
                source=str(path),
                location=f"line {line}",
                field=name,
                value=value,
                expected="a value",
            )
        return value

    territory, index, level = field("territory"), field("index"), field("level")
    try:
        check_territory_ref(territory)
    except ValidationError as exc:
        raise RecordError(
            source=str(path),
            location=f"line {line}",
            field="territory",
            value=territory,
            expected="level/code such as commune/58194",
        ) from exc
    text = field("time")
    try:
        time = datetime.fromisoformat(text)
    except ValueError:
        time = None
    if time is None or time.tzinfo is None:
        raise RecordError(
            source=str(path),
            location=f"line {line}",
            field="time",
            value=text,
            expected="an ISO 8601 time with its offset, e.g. 2026-07-01T14:00:00+02:00",
        )
    return IndexObservation(territory, time, index, level)


def read_observation_csv(path: Path) -> Iterator[IndexObservation]:
    """Observations from a UTF-8 CSV file with columns territory, time, index, level.

    Raises
    ------
    RecordError
        Naming the line and field of a row that cannot be read.
    """
    for line, row in read_csv_records(path, CSV_COLUMNS):
        yield _observation(path, line, row)


def expand_rule_territories(conn: Connection, rules: Iterable[Rule]) -> list[Rule]:
    """Rules whose territories also list the communes inside them.

    A rule written for ``departement/58`` then watches observations made for the
    département itself and for each of its communes.
    """
    expanded = []
    for rule in rules:
        refs = set(rule.territories)
        for ref in rule.territories:
            level, _, code = ref.partition("/")
            if level != "commune":
                children = territory_store.get_children(conn, level, code, child_level="commune")
                refs.update(child.ref for child in children)
        expanded.append(replace(rule, territories=frozenset(refs)))
    return expanded

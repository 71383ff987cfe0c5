"""Evaluate the rules on observations from any source and publish what they raise.

A source of observations is any callable returning ``IndexObservation`` values: the CSV
reader below, or an adapter the command line builds on another domain's storage (the
alerts domain imports no other domain; ``healthycity.cli`` may).
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from healthycity.alerts import store
from healthycity.alerts.models import Status
from healthycity.alerts.rules import IndexObservation, Rule, check_territory_ref, evaluate_rules
from healthycity.alerts.service import Publisher, publish_rule_event
from healthycity.errors import RecordError, ValidationError
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

    Returns
    -------
    list
        The messages published (Alerts, Updates, Cancels), in order.
    """
    state = store.load_rule_states(conn)
    events, new_state = evaluate_rules(rules, source(), state)
    published = [
        publish_rule_event(conn, event, publisher=publisher, now=now, status=status)
        for event in events
    ]
    changed = {key: value for key, value in new_state.items() if state.get(key) != value}
    store.save_rule_states(conn, changed, now=now)
    return [message for message in published if message is not None]


def _observation(path: Path, line: int, row: dict[str, str | None]) -> IndexObservation:
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
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            msg = f"{path} has columns {reader.fieldnames}; expected {list(CSV_COLUMNS)}."
            raise ValidationError(msg)
        for line, row in enumerate(reader, start=2):
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

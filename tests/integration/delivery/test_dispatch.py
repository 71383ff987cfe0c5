"""Targeting, fan-out, dispatch to a real SMTP server, retries, quiet hours, rate limits."""

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from healthycity.alerts.delivery import ratelimit, tables
from healthycity.alerts.delivery.channels.email import EmailChannel
from healthycity.alerts.delivery.dispatcher import Dispatcher, DispatchPolicy
from healthycity.alerts.delivery.models import notification_id
from healthycity.alerts.delivery.outbox import count_recipients, enqueue_alert
from healthycity.alerts.delivery.store import delete_subscription, purge_expired
from healthycity.alerts.levels import AtmoLevel, Hazard, PollenRisk
from healthycity.alerts.models import Severity, Urgency
from healthycity.alerts.service import cancel_alert, draft_of, update_alert
from tests.integration.delivery.conftest import (
    OPERATOR,
    PUBLISHER,
    SECRET,
    Mailbox,
    publish,
    subscribe,
)

outbox = tables.outbox
SUMMER_NIGHT = datetime(2026, 7, 1, 21, 30, tzinfo=UTC)  # 23:30 in Paris


_OPEN: list[EmailChannel] = []


@pytest.fixture(autouse=True)
def _close_channels() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def dispatcher(engine: Engine, port: int, *, clock: Any = None, **policy: Any) -> Dispatcher:
    channel = EmailChannel(host="127.0.0.1", port=port, sender="alertes@example.fr", connections=2)
    _OPEN.append(channel)
    return Dispatcher(
        engine,
        {"email": channel},
        secret_key=SECRET,
        public_url="https://alertes.example.fr",
        worker_id="test-worker",
        policy=DispatchPolicy(**policy),
        clock=clock,
        rng=random.Random(1),  # noqa: S311  (jitter)
    )


def drain(worker: Dispatcher) -> None:
    while worker.run_once().claimed:
        pass


def statuses(engine: Engine, alert_id: int) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.subscription_id, outbox.c.status).where(outbox.c.alert_id == alert_id)
        )
        return {row[0]: row[1] for row in rows}


def test_targeting_reaches_subscribers_of_the_departement_and_hazard(territory: Engine) -> None:
    nevers = subscribe(territory, "nevers@example.fr")
    bourges = subscribe(territory, "bourges@example.fr", ("commune/18033",))
    pollen_only = subscribe(territory, "pollen@example.fr", hazards=("pollen",))
    epci = subscribe(territory, "epci@example.fr", ("epci/245804406",), hazards=("air",))
    pending = subscribe(territory, "pending@example.fr", confirm=False)
    both = subscribe(territory, "both@example.fr", ("commune/58194", "departement/58"))

    alert_id = publish(territory, ("departement/58",))

    assert set(statuses(territory, alert_id)) == {nevers, epci, both}
    assert {bourges, pollen_only, pending}.isdisjoint(statuses(territory, alert_id))
    with territory.connect() as conn:
        assert count_recipients(conn, alert_id) == 3


def test_enqueue_again_adds_nothing(territory: Engine) -> None:
    subscribe(territory, "a@example.fr")
    alert_id = publish(territory)
    with territory.begin() as conn:
        assert enqueue_alert(conn, alert_id, now=datetime.now(UTC)) == 0
    assert len(statuses(territory, alert_id)) == 1


def test_enqueue_again_adds_only_subscribers_confirmed_since(territory: Engine) -> None:
    first = subscribe(territory, "a@example.fr")
    alert_id = publish(territory)
    late = subscribe(territory, "b@example.fr")
    with territory.begin() as conn:
        assert enqueue_alert(conn, alert_id, now=datetime.now(UTC)) == 1
    assert set(statuses(territory, alert_id)) == {first, late}


def test_outbox_id_is_the_pair_of_message_and_recipient(territory: Engine) -> None:
    ids = [
        subscribe(territory, f"r{i}@example.fr", ("commune/58194", "commune/58001"))
        for i in range(3)
    ]
    alert_id = publish(territory, ("departement/58",))  # two communes each: one row each
    with territory.begin() as conn:
        updated = update_alert(
            conn,
            alert_id,
            draft_of(conn, alert_id),
            identity=OPERATOR,
            publisher=PUBLISHER,
            now=datetime.now(UTC),
        )
        rows = conn.execute(select(outbox.c.id, outbox.c.alert_id, outbox.c.subscription_id))
        found = {(row.alert_id, row.subscription_id): row.id for row in rows}
    assert found == {(a, s): notification_id(a, s) for a in (alert_id, updated.id) for s in ids} | {
        (None, s): s for s in ids
    }  # the confirmation requests


def test_subscription_deleted_before_sending_is_skipped(
    territory: Engine, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    staying = subscribe(territory, "stay@example.fr")
    leaving = subscribe(territory, "leave@example.fr")
    alert_id = publish(territory)
    with territory.begin() as conn:
        delete_subscription(conn, leaving)

    drain(dispatcher(territory, port))

    assert statuses(territory, alert_id) == {staying: "sent", leaving: "skipped"}
    assert [m["To"] for m in mailbox.messages] == ["stay@example.fr"]


def test_subscription_ids_are_never_reused(territory: Engine) -> None:
    gone = subscribe(territory, "a@example.fr")
    with territory.begin() as conn:
        delete_subscription(conn, gone)
    assert subscribe(territory, "b@example.fr") > gone  # outbox rows of ``gone`` stay


def test_email_reaches_smtp_in_language_with_advice_and_unsubscribe_link(
    territory: Engine, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    subscribe(territory, "asthme@example.fr", audiences=("respiratory",))
    subscribe(territory, "en@example.fr", language="en")
    alert_id = publish(territory)

    drain(dispatcher(territory, port))

    [french] = mailbox.to("asthme@example.fr")
    [english] = mailbox.to("en@example.fr")
    assert french["Subject"] == "[Alerte] Qualité de l'air très mauvaise"
    assert english["Subject"] == "[Alert] Very poor air quality"
    french_text = french.get_content()
    assert "Personnes vulnérables" in french_text  # the respiratory audience's advice
    assert "https://alertes.example.fr/api/v1/subscriptions/unsubscribe?token=" in french_text
    assert french["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert french["Message-ID"].startswith("<hc.")
    assert set(statuses(territory, alert_id).values()) == {"sent"}


def test_update_and_cancel_reach_the_recipients_of_the_alert(
    territory: Engine, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    first = subscribe(territory, "first@example.fr")
    leaving = subscribe(territory, "leaving@example.fr")
    alert_id = publish(territory, ("commune/58194",))
    late = subscribe(territory, "late@example.fr")
    with territory.begin() as conn:
        delete_subscription(conn, leaving)
        draft = draft_of(conn, alert_id)
        updated = update_alert(
            conn, alert_id, draft, identity=OPERATOR, publisher=PUBLISHER, now=datetime.now(UTC)
        )
        cancelled = cancel_alert(
            conn, alert_id, note=None, identity=OPERATOR, publisher=PUBLISHER, now=datetime.now(UTC)
        )
    drain(dispatcher(territory, port))

    assert set(statuses(territory, updated.id)) == {first}
    assert set(statuses(territory, cancelled.id)) == {first}
    assert late not in statuses(territory, alert_id)
    subjects = sorted(m["Subject"].split("]")[0] for m in mailbox.to("first@example.fr"))
    assert subjects == ["[Alerte", "[Fin d'alerte", "[Mise à jour"]
    assert mailbox.to("late@example.fr") == []


@pytest.mark.parametrize(
    ("severity", "urgency", "expected"),
    [
        (Severity.MODERATE, Urgency.IMMEDIATE, "pending"),
        (Severity.SEVERE, Urgency.EXPECTED, "pending"),
        (Severity.SEVERE, Urgency.IMMEDIATE, "sent"),
        (Severity.EXTREME, Urgency.FUTURE, "sent"),
    ],
)
def test_quiet_hours_hold_back_all_but_urgent_alerts(
    territory: Engine,
    smtp: tuple[Mailbox, int],
    severity: Severity,
    urgency: Urgency,
    expected: str,
) -> None:
    _, port = smtp
    sleeper = subscribe(territory, "nuit@example.fr", quiet=("22:00", "07:00"))
    alert_id = publish(territory, severity=severity, urgency=urgency, now=SUMMER_NIGHT)

    drain(dispatcher(territory, port, clock=lambda: SUMMER_NIGHT))

    assert statuses(territory, alert_id) == {sleeper: expected}
    if expected == "pending":
        with territory.connect() as conn:
            row = conn.execute(select(outbox).where(outbox.c.alert_id == alert_id)).one()
        assert row.attempts == 0
        morning = row.available_at.replace(tzinfo=UTC)
        assert morning == datetime(2026, 7, 2, 5, 0, tzinfo=UTC)  # 07:00 in Paris


def test_temporary_refusal_retries_with_backoff_then_dead_letter(
    territory: Engine, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    mailbox.reply = "451 4.3.0 try again later"
    subscribe(territory, "a@example.fr")
    alert_id = publish(territory)
    now = datetime.now(UTC)
    clock = [now]
    worker = dispatcher(territory, port, clock=lambda: clock[0], max_attempts=3)

    delays = []
    for _ in range(3):
        worker.run_once()
        with territory.connect() as conn:
            row = conn.execute(select(outbox).where(outbox.c.alert_id == alert_id)).one()
        delays.append((row.available_at.replace(tzinfo=UTC) - clock[0]).total_seconds())
        clock[0] = row.available_at.replace(tzinfo=UTC) + timedelta(seconds=1)

    assert row.status == "failed"
    assert row.attempts == 3
    assert "451" in row.last_error
    assert 15 <= delays[0] <= 30
    assert 30 <= delays[1] <= 60


def test_permanent_refusal_is_a_dead_letter_at_once(
    territory: Engine, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    mailbox.reply = "550 5.1.1 no such user"
    subscribe(territory, "gone@example.fr")
    alert_id = publish(territory)
    drain(dispatcher(territory, port))
    assert set(statuses(territory, alert_id).values()) == {"failed"}


def test_channel_rate_limit_is_shared_through_the_database(
    territory: Engine, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    for i in range(12):
        subscribe(territory, f"r{i}@example.fr")
    with territory.begin() as conn:
        ratelimit.set_channel_limit(conn, "email", 5)
    alert_id = publish(territory)
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)  # one window
    first = dispatcher(territory, port, clock=lambda: moment, batch_size=20)
    second = dispatcher(territory, port, clock=lambda: moment, batch_size=20)
    second.worker_id = "other-worker"

    for worker in (first, second, first, second):  # the second finds the window used up
        worker.run_once()

    assert list(statuses(territory, alert_id).values()).count("sent") == 5
    assert len(mailbox.messages) == 5


def test_unconfirmed_subscription_gets_nothing_and_expires(territory: Engine) -> None:
    created = datetime.now(UTC) - timedelta(hours=49)
    pending = subscribe(territory, "late@example.fr", confirm=False, now=created)
    alert_id = publish(territory)
    assert pending not in statuses(territory, alert_id)
    with territory.begin() as conn:
        assert purge_expired(conn, now=datetime.now(UTC)) == 1
        remaining = conn.execute(select(func.count()).select_from(tables.subscriptions)).scalar()
        requests = conn.execute(select(func.count()).select_from(outbox)).scalar()
    assert remaining == 0
    assert requests == 0  # its confirmation request went with it


def test_pollen_level_gives_pollen_advice(territory: Engine, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    subscribe(territory, "pollen@example.fr", hazards=("pollen",), audiences=("respiratory",))
    publish(territory, hazard=Hazard.POLLEN, level=PollenRisk.ELEVE, severity=Severity.MODERATE)
    drain(dispatcher(territory, port))
    [message] = mailbox.to("pollen@example.fr")
    assert "Conseils pour vous" in message.get_content()


def test_lease_expiry_lets_another_worker_take_over(
    territory: Engine, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    subscribe(territory, "a@example.fr")
    alert_id = publish(territory, level=AtmoLevel.MAUVAIS, severity=Severity.MODERATE)
    with territory.begin() as conn:  # a worker claimed the row, then died
        conn.execute(
            update(outbox)
            .where(outbox.c.alert_id == alert_id)
            .values(
                status="sending",
                claimed_by="dead",
                available_at=datetime.now(UTC) - timedelta(seconds=1),
            )
        )
    drain(dispatcher(territory, port))
    assert set(statuses(territory, alert_id).values()) == {"sent"}
    assert len(mailbox.to("a@example.fr")) == 1

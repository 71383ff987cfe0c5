"""E-mail delivery at speed: templates, pipelined SMTP, refusals and dropped connections.

The fast paths are checked against the plain ones: a rendered template against the
message built whole, a pipelining server against one that does not announce it.
"""

import base64
import random
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from healthycity.alerts.delivery import tables
from healthycity.alerts.delivery.channels.base import Notification
from healthycity.alerts.delivery.channels.email import EmailChannel, EmailTemplate
from healthycity.alerts.delivery.compose import ComposedMessage, unsubscribe_footer
from healthycity.alerts.delivery.dispatcher import Dispatcher, DispatchPolicy
from healthycity.alerts.delivery.models import Language
from tests.integration.delivery.conftest import SECRET, Mailbox, free_port, publish, subscribe

outbox = tables.outbox
TEXTS = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=400)


def naive_body(text: str, language: Language, url: str) -> bytes:
    """The body encoded whole, as the template's output must be."""
    whole = f"{text}\n\n-- \n{unsubscribe_footer(language, url)}\n".encode()
    return base64.encodebytes(whole).replace(b"\n", b"\r\n")


def notification(message: ComposedMessage, language: Language, *, outbox_id: int) -> Notification:
    return Notification(
        outbox_id=outbox_id,
        subscription_id=7,
        address="marie@example.fr",
        language=language,
        message=message,
        unsubscribe_url=f"https://alertes.example.fr/api/v1/subscriptions/unsubscribe?token={outbox_id}.x",
        content=None,
    )


@given(text=TEXTS, subject=TEXTS, language=st.sampled_from(["fr", "en"]))
def test_email_template_renders_the_message_built_whole(
    text: str, subject: str, language: Language
) -> None:
    message = ComposedMessage(subject=subject, text=text, short_text="")
    wanted = notification(message, language, outbox_id=12884901905)
    raw = EmailTemplate.of(message, language, sender="alertes@example.fr").render(
        wanted, date="Wed, 01 Jul 2026 10:00:00 GMT", domain="example.fr"
    )

    header, _, body = raw.partition(b"\r\n\r\n")
    assert body == naive_body(text, language, wanted.unsubscribe_url)
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only: sent without rewriting
    assert b"\r" not in raw.replace(b"\r\n", b"")  # nor can a headline add a header
    assert not any(line.startswith(b".") for line in raw.split(b"\r\n"))  # no dot-stuffing
    assert b"Message-ID: <hc.12884901905@example.fr>" in header


def test_email_template_long_french_subject_folds_and_reads_back() -> None:
    subject = "Épisode de pollution à l'ozone : qualité de l'air très mauvaise " * 3
    message = ComposedMessage(subject=subject, text="Évitez l'effort.", short_text="")
    wanted = notification(message, "fr", outbox_id=1)
    raw = EmailTemplate.of(message, "fr", sender="alertes@example.fr").render(
        wanted, date="Wed, 01 Jul 2026 10:00:00 GMT", domain="example.fr"
    )
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed.get_content().startswith("Évitez l'effort.\n\n-- \nSe désabonner : https://")
    assert parsed["List-Unsubscribe"] == f"<{wanted.unsubscribe_url}>"


@pytest.fixture(params=[True, False], ids=["pipelining", "one-command-at-a-time"])
def mailbox_server(request: pytest.FixtureRequest) -> Iterator[tuple[Mailbox, int]]:
    """The test SMTP server, announcing PIPELINING or not."""
    mailbox = Mailbox(pipelining=request.param)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def drain(engine: Engine, port: int, *, connections: int = 1) -> None:
    channel = EmailChannel(
        host="127.0.0.1", port=port, sender="alertes@example.fr", connections=connections
    )
    worker = Dispatcher(
        engine,
        {"email": channel},
        secret_key=SECRET,
        public_url="https://alertes.example.fr",
        worker_id="email-test",
        policy=DispatchPolicy(batch_size=50),
        rng=random.Random(1),  # noqa: S311  (jitter)
    )
    try:
        while worker.run_once().claimed:
            pass
    finally:
        channel.close()


def outcomes(engine: Engine, alert_id: int) -> dict[int, tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.subscription_id, outbox.c.status, outbox.c.last_error).where(
                outbox.c.alert_id == alert_id
            )
        )
        return {row[0]: (row[1], row[2]) for row in rows}


def test_email_refused_recipients_leave_the_others_of_the_batch_delivered(
    territory: Engine, mailbox_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = mailbox_server
    mailbox.refused = {"gone@example.fr", "last@example.fr"}
    ids = {a: subscribe(territory, a) for a in ("a@example.fr", "gone@example.fr")}
    ids |= {a: subscribe(territory, a) for a in ("b@example.fr", "c@example.fr")}
    ids["last@example.fr"] = subscribe(territory, "last@example.fr")  # refused, in last place
    alert_id = publish(territory)

    drain(territory, port)  # one connection: the refusals sit inside one pipeline

    found = outcomes(territory, alert_id)
    assert {a for a, i in ids.items() if found[i][0] == "sent"} == {
        "a@example.fr",
        "b@example.fr",
        "c@example.fr",
    }
    assert found[ids["gone@example.fr"]][0] == "failed"
    assert "550" in (found[ids["gone@example.fr"]][1] or "")
    assert sorted(m["To"] for m in mailbox.messages) == [
        "a@example.fr",
        "b@example.fr",
        "c@example.fr",
    ]


def test_email_temporary_refusal_of_content_is_retried(
    territory: Engine, mailbox_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = mailbox_server
    mailbox.reply = "451 4.3.0 try again later"
    first, second = subscribe(territory, "a@example.fr"), subscribe(territory, "b@example.fr")
    alert_id = publish(territory)
    drain(territory, port)
    found = outcomes(territory, alert_id)
    assert {found[first][0], found[second][0]} == {"pending"}
    assert "451" in (found[first][1] or "")


@dataclass
class DroppingMailbox(Mailbox):
    """A server that drops the connection when the ``drop_at``-th message arrives."""

    drop_at: int = 3
    arrived: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.arrived += 1
        if self.arrived == self.drop_at:
            server.transport.close()  # no reply: the client cannot know it was lost
            return "421 4.4.2 closing"
        return await super().handle_DATA(server, session, envelope)


def test_email_connection_dropped_mid_batch_resumes_on_a_new_connection(territory: Engine) -> None:
    mailbox, port = DroppingMailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    addresses = [f"r{i}@example.fr" for i in range(6)]
    for address in addresses:
        subscribe(territory, address)
    alert_id = publish(territory)
    try:
        drain(territory, port)
    finally:
        controller.stop()
    assert {status for status, _ in outcomes(territory, alert_id).values()} == {"sent"}
    assert sorted(m["To"] for m in mailbox.messages) == addresses


def test_email_address_not_ascii_fails_without_stopping_the_batch(
    territory: Engine, mailbox_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = mailbox_server
    accented = subscribe(territory, "chloé@example.fr")
    plain = subscribe(territory, "chloe@example.fr")
    alert_id = publish(territory)
    drain(territory, port)
    found = outcomes(territory, alert_id)
    assert found[accented][0] == "failed"
    assert "SMTPUTF8" in (found[accented][1] or "")
    assert found[plain][0] == "sent"
    assert [m["To"] for m in mailbox.messages] == ["chloe@example.fr"]

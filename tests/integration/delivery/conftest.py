"""Delivery fixtures: a small territory, a real SMTP server (aiosmtpd), alerts, subscribers.

The territory (table literal)::

    département 58 ── communes 58194 (Nevers), 58001, 58002;  EPCI 245804406: 58194, 58001
    département 18 ── commune 18033 (Bourges)
"""

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, insert

from healthycity.alerts.compose import AlertDraft, Text
from healthycity.alerts.delivery import store
from healthycity.alerts.delivery.signing import address_key
from healthycity.alerts.delivery.subscriptions import build_request
from healthycity.alerts.levels import AtmoLevel, Hazard, HazardLevel
from healthycity.alerts.models import Certainty, Severity, Urgency
from healthycity.alerts.service import Publisher, issue_alert
from healthycity.auth.models import Identity
from healthycity.config import Settings
from healthycity.territory import tables as territory_tables
from healthycity.territory.names import normalise_name

SECRET = "test-secret-key-of-at-least-32-characters"
OPERATOR = Identity(role="operator")
PUBLISHER = Publisher(sender="alertes@sante.nievre.example", sender_name="ARS BFC")
TERRITORIES = (  # level, code, name, parents
    ("departement", "58", "Nièvre", ()),
    ("departement", "18", "Cher", ()),
    ("epci", "245804406", "CA de Nevers", ()),
    ("commune", "58194", "Nevers", (("departement", "58"), ("epci", "245804406"))),
    ("commune", "58001", "Alligny-Cosne", (("departement", "58"), ("epci", "245804406"))),
    ("commune", "58002", "Alluy", (("departement", "58"),)),
    ("commune", "18033", "Bourges", (("departement", "18"),)),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server received; ``reply`` lets a test make it refuse messages.

    It announces PIPELINING (RFC 2920) as Postfix and Exim do: aiosmtpd reads commands
    one after the other from its stream, so it serves pipelined clients as it is.
    """

    messages: list[EmailMessage] = field(default_factory=list)
    reply: str = "250 OK"
    refused: set[str] = field(default_factory=set)  # recipients refused at RCPT
    pipelining: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(  # noqa: N802
        self, _server: Any, session: Any, _envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if not self.pipelining:
            return responses
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(  # noqa: N802
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        if not self.reply.startswith("250"):
            return self.reply
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return self.reply

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) in this process: its mailbox and port."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def territory(engine: Engine) -> Engine:
    """The engine, with :data:`TERRITORIES` stored."""
    with engine.begin() as conn:
        conn.execute(
            insert(territory_tables.territories),
            [
                {"level": lv, "code": c, "name": n, "search_name": normalise_name(n)}
                for lv, c, n, _ in TERRITORIES
            ],
        )
        conn.execute(
            insert(territory_tables.territory_links),
            [
                {"child_level": lv, "child_code": c, "parent_level": pl, "parent_code": pc}
                for lv, c, _, parents in TERRITORIES
                for pl, pc in parents
            ],
        )
    return engine


def delivery_settings(engine: Engine, tmp_path: Any, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": engine.url.render_as_string(hide_password=False),
        "data_dir": tmp_path,
        "secret_key": SECRET,
        "public_url": "https://alertes.example.fr",
        "smtp_connections": 2,
        **overrides,
    }
    return Settings(**values)


def subscribe(
    engine: Engine,
    address: str,
    places: tuple[str, ...] = ("commune/58194",),
    *,
    channel: str = "email",
    hazards: tuple[str, ...] = ("all",),
    audiences: tuple[str, ...] = (),
    language: str = "fr",
    quiet: tuple[str, str] | None = None,
    confirm: bool = True,
    now: datetime | None = None,
) -> int:
    """A subscription, confirmed unless told otherwise; its id."""
    now = now or datetime.now(UTC)
    request = build_request(
        kind="citizen",
        channel=channel,
        address=address,
        language=language,
        places=places,
        hazards=hazards,
        audiences=audiences,
        quiet_start=quiet[0] if quiet else None,
        quiet_end=quiet[1] if quiet else None,
    )
    with engine.begin() as conn:
        key = address_key(SECRET, f"{channel}:{address}")
        subscription_id = store.create_subscription(conn, request, address_key=key, now=now)
        if confirm:
            store.confirm_subscription(conn, subscription_id, now=now)
    return subscription_id


def publish(
    engine: Engine,
    areas: tuple[str, ...] = ("departement/58",),
    *,
    hazard: Hazard = Hazard.AIR_QUALITY,
    level: HazardLevel | None = AtmoLevel.TRES_MAUVAIS,
    severity: Severity = Severity.SEVERE,
    urgency: Urgency = Urgency.IMMEDIATE,
    now: datetime | None = None,
) -> int:
    """Issue an alert through the alerts service (which runs the publish hook); its id."""
    draft = AlertDraft(
        event=Text("Pollution de l'air", "Air pollution"),
        headline=Text("Qualité de l'air très mauvaise", "Very poor air quality"),
        description=Text("Indice ATMO très mauvais.", "ATMO index very poor."),
        areas=areas,
        urgency=urgency,
        severity=severity,
        certainty=Certainty.OBSERVED,
        hazard=hazard,
        level=level,
    )
    with engine.begin() as conn:
        stored = issue_alert(
            conn, draft, identity=OPERATOR, publisher=PUBLISHER, now=now or datetime.now(UTC)
        )
    return stored.id

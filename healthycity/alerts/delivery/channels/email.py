"""E-mail over SMTP: connections kept open and pipelined, messages rendered from templates.

Sending keeps up with a million-recipient fan-out (issue "Health alerts": at least 2,000
e-mails a second to a local relay), so the work per message is small:

- the recipients of one text (alert, language, profile) get the same message but for
  ``To``, ``Message-ID`` and their unsubscribe link. The rest is rendered once into an
  :class:`EmailTemplate`, with the base64 of the text up to its last whole 57-byte
  group: a base64 line of 76 characters encodes 57 bytes (RFC 2045 §6.8), so encoding
  the rest and the recipient's footer continues it exactly;
- with a server that announces PIPELINING, ``_smtp.send_pipelined`` needs one round
  trip per message instead of four, over ``connections`` connections in parallel.

The Message-ID is derived from the outbox id, so a message sent again after a crash
carries the same Message-ID and mail clients show it once (RFC 5322 §3.6.4). Every
message has the unsubscribe link in its text and in ``List-Unsubscribe`` with
``List-Unsubscribe-Post`` (RFC 2369, RFC 8058 one-click).
"""

import base64
import logging
import re
import smtplib
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate
from functools import partial

from healthycity.alerts.delivery.channels._smtp import Reply, is_positive, send_pipelined
from healthycity.alerts.delivery.channels.base import (
    Notification,
    Outcome,
    SendResult,
    register_channel,
)
from healthycity.alerts.delivery.compose import ComposedMessage, unsubscribe_footer
from healthycity.alerts.delivery.models import Language
from healthycity.alerts.delivery.subscriptions import normalise_email
from healthycity.config import Settings

logger = logging.getLogger(__name__)
SMTP_TIMEOUT_S = 30.0
_PERMANENT = 500  # SMTP reply codes 5yz are permanent failures (RFC 5321 §4.2.1)
_BASE64_GROUP_BYTES = 57  # bytes per 76-character base64 line (RFC 2045 §6.8)
_MAX_TEMPLATES = 512
_LINE_BREAKS = re.compile(r"[\r\n]+")


def _header_text(value: str) -> str:
    """A header value on one logical line: an operator's headline may hold line breaks."""
    value = _LINE_BREAKS.sub(" ", value)
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")  # folded lines end in CRLF too


def _base64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


@dataclass(frozen=True)
class EmailTemplate:
    """What every recipient of one text shares: headers, and most of the encoded body.

    A rendered message has CRLF line ends and no line that starts with a dot (header
    lines start with a name or a space, base64 has no dot), so it goes to the server as
    it is.
    """

    language: Language
    headers: bytes  # from ``From`` to the blank line ending the header section
    body_start: bytes  # base64 lines of ``text[:cut]``
    text_rest: bytes  # ``text[cut:]``, encoded with each recipient's footer

    @classmethod
    def of(cls, message: ComposedMessage, language: Language, *, sender: str) -> "EmailTemplate":
        """The template of ``message`` sent by ``sender``."""
        text = f"{message.text}\n\n-- \n".encode()
        cut = len(text) // _BASE64_GROUP_BYTES * _BASE64_GROUP_BYTES
        headers = (
            f"From: {sender}\r\n"
            f"Subject: {_header_text(message.subject)}\r\n"
            f"Content-Language: {language}\r\n"
            "Auto-Submitted: auto-generated\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
        )
        return cls(language, headers.encode(), _base64_lines(text[:cut]), text[cut:])

    def render(self, notification: Notification, *, date: str, domain: str) -> bytes:
        """The message to one recipient, ready to send."""
        footer = unsubscribe_footer(self.language, notification.unsubscribe_url)
        own = (
            f"Date: {date}\r\n"
            f"To: {notification.address}\r\n"
            f"Message-ID: <hc.{notification.outbox_id}@{domain}>\r\n"
            f"List-Unsubscribe: <{notification.unsubscribe_url}>\r\n"
        )
        body_end = _base64_lines(self.text_rest + f"{footer}\n".encode())
        return b"".join((own.encode(), self.headers, self.body_start, body_end))


class EmailChannel:
    """Sends through one SMTP relay over ``connections`` connections kept open."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        connections: int = 4,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls
        self.domain = sender.rpartition("@")[2] or "healthycity.localhost"
        self._local = threading.local()
        self._clients: list[smtplib.SMTP] = []
        self._clients_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=connections, thread_name_prefix="smtp")
        self.connections = connections
        self._templates: dict[tuple[ComposedMessage, Language], EmailTemplate] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> "EmailChannel":
        """The channel configured by the ``HC_SMTP_*`` settings."""
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            connections=settings.smtp_connections,
        )

    def check_address(self, address: str) -> str:
        """A normalised e-mail address."""
        return normalise_email(address)

    def _client(self) -> smtplib.SMTP:
        client: smtplib.SMTP | None = getattr(self._local, "client", None)
        if client is None:
            client = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_S)
            if self.starttls:
                client.starttls()
            if self.username and self.password:
                client.login(self.username, self.password)
            client.ehlo_or_helo_if_needed()  # learn the extensions (PIPELINING) now
            self._local.client = client
            with self._clients_lock:
                self._clients.append(client)
        return client

    def _drop_client(self) -> None:
        client = getattr(self._local, "client", None)
        self._local.client = None
        if client is not None:
            with self._clients_lock:
                if client in self._clients:
                    self._clients.remove(client)
            try:
                client.close()
            except OSError:
                logger.debug("smtp close failed", exc_info=True)

    def _template(self, notification: Notification) -> EmailTemplate:
        message, language = notification.message, notification.language
        if notification.content is None:  # a confirmation request: its own text
            return EmailTemplate.of(message, language, sender=self.sender)
        template = self._templates.get((message, language))
        if template is None:
            if len(self._templates) >= _MAX_TEMPLATES:
                self._templates.clear()
            template = EmailTemplate.of(message, language, sender=self.sender)
            self._templates[message, language] = template
        return template

    def _send_one(self, notification: Notification, raw: bytes) -> SendResult:
        for attempt in (1, 2):  # a kept-open connection may have been closed by the server
            try:
                self._client().sendmail(self.sender, [notification.address], raw)
                return SendResult(notification.outbox_id, "sent")
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = next(iter(exc.recipients.values()))
                return self._refused(notification, code, reply)
            except smtplib.SMTPResponseException as exc:
                self._reset()
                return self._refused(notification, exc.smtp_code, exc.smtp_error)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                self._drop_client()
                if attempt == 2:
                    return SendResult(notification.outbox_id, "retry", f"SMTP unreachable: {exc}")
        return SendResult(notification.outbox_id, "retry", "SMTP unreachable")  # pragma: no cover

    def _send_all(self, items: list[tuple[Notification, bytes]]) -> list[SendResult]:
        """Send over this thread's connection, pipelined when the server allows it."""
        results: list[SendResult] = []
        if not items:
            return results
        error = "SMTP unreachable"
        for _attempt in (1, 2):  # a kept-open connection may have been closed by the server
            try:
                client = self._client()
                if not client.has_extn("pipelining"):
                    return results + [self._send_one(n, raw) for n, raw in items[len(results) :]]
                rest = [(n.address, raw) for n, raw in items[len(results) :]]
                for reply in send_pipelined(client, self.sender, rest):
                    results.append(self._result(items[len(results)][0], reply))
                return results
            except (smtplib.SMTPException, OSError) as exc:
                # Messages without a reply are sent again: same Message-ID, shown once.
                self._drop_client()
                error = f"SMTP unreachable: {exc}"
        return results + [SendResult(n.outbox_id, "retry", error) for n, _ in items[len(results) :]]

    def _result(self, notification: Notification, reply: Reply) -> SendResult:
        code, text = reply
        if is_positive(code):
            return SendResult(notification.outbox_id, "sent")
        return self._refused(notification, code, text)

    def _reset(self) -> None:
        try:
            self._client().rset()
        except (smtplib.SMTPException, OSError):
            self._drop_client()

    @staticmethod
    def _refused(notification: Notification, code: int, reply: bytes | str) -> SendResult:
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
        outcome: Outcome = "failed" if code >= _PERMANENT else "retry"
        return SendResult(notification.outbox_id, outcome, f"SMTP {code} {text}")

    def _send_chunk(self, chunk: Sequence[Notification], *, date: str) -> list[SendResult]:
        results: list[SendResult] = []
        items: list[tuple[Notification, bytes]] = []
        for notification in chunk:
            if not notification.address.isascii():  # would need SMTPUTF8 (RFC 6531)
                error = "address is not ASCII; expected a server with SMTPUTF8"
                results.append(SendResult(notification.outbox_id, "failed", error))
                continue
            raw = self._template(notification).render(notification, date=date, domain=self.domain)
            items.append((notification, raw))
        return results + self._send_all(items)

    def send(self, notifications: Sequence[Notification]) -> list[SendResult]:
        """Send over up to ``connections`` connections at once."""
        chunks = [notifications[i :: self.connections] for i in range(self.connections)]
        send_chunk = partial(self._send_chunk, date=formatdate(usegmt=True))
        results: list[SendResult] = []
        for part in self._pool.map(send_chunk, [c for c in chunks if c]):
            results.extend(part)
        return results

    def close(self) -> None:
        """Say QUIT on every connection and stop the threads."""
        self._pool.shutdown(wait=True)
        with self._clients_lock:
            clients, self._clients = self._clients, []
        for client in clients:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()


register_channel("email", EmailChannel.from_settings)

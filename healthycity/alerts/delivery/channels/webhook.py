"""Webhooks: a JSON or CAP XML POST signed with HMAC-SHA256, to a public address only.

Each POST carries ``X-HealthyCity-Signature: t=<unix time>,v1=<hex>``, the HMAC-SHA256 of
``"<t>." + body`` under the subscription's webhook secret (sent once, in the
confirmation request), an ``Idempotency-Key`` (the outbox id) and
``X-HealthyCity-Event``. Receivers check it with ``signing.verify_webhook_signature``.

A webhook URL is a request the platform makes on a stranger's behalf, so it must not
reach the platform's own network (server-side request forgery, OWASP SSRF Prevention
Cheat Sheet): every address the host resolves to must be global — not loopback,
private (RFC 1918, RFC 4193), link-local (cloud metadata at 169.254.169.254), shared
(RFC 6598), reserved or multicast — and not the platform's own. This is checked at
subscription time and again before every send, and the POST then connects to the
address just checked (DNS rebinding). Redirects are not followed.
"""

import ipaddress
import json
import socket
import time
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from healthycity.alerts.delivery.channels import _http
from healthycity.alerts.delivery.channels.base import (
    Notification,
    Outcome,
    SendResult,
    register_channel,
)
from healthycity.alerts.delivery.compose import unsubscribe_footer
from healthycity.alerts.delivery.signing import sign_webhook_body, webhook_secret
from healthycity.config import Settings
from healthycity.errors import ValidationError

TIMEOUT_S = 10.0
MAX_URL_CHARS = 2048
SIGNATURE_HEADER = "X-HealthyCity-Signature"
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _resolve(host: str, port: int) -> list[IpAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        msg = (
            f"webhook host {host!r} does not resolve ({exc.strerror}); expected a public host name."
        )
        raise ValidationError(msg) from exc
    found: list[IpAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        found.append(address)
    return found


def own_addresses(hosts: Iterable[str]) -> frozenset[IpAddress]:
    """The addresses the platform itself answers on (its listening host and public host)."""
    found: set[IpAddress] = set()
    for host in hosts:
        try:
            found.update(_resolve(host, 443))
        except ValidationError:
            continue  # an unresolvable own name protects nothing more
    return frozenset(found)


def check_public_url(
    url: str, *, allow_loopback: bool = False, own: frozenset[IpAddress] = frozenset()
) -> IpAddress:
    """Check a webhook URL and return the address to connect to.

    Parameters
    ----------
    url
        An absolute http(s) URL without credentials.
    allow_loopback
        Tests only (``HC_WEBHOOK_ALLOW_LOOPBACK``): also accept 127.0.0.0/8 and ::1.
    own
        The platform's own addresses, refused even when global.

    Raises
    ------
    ValidationError
        Naming the URL and the address that is not allowed.
    """
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or len(url) > MAX_URL_CHARS
    ):
        msg = f"webhook url {url!r}; expected an absolute http(s) URL without credentials."
        raise ValidationError(msg)
    addresses = _resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    for address in addresses:
        is_allowed = address.is_global and not address.is_multicast
        if allow_loopback and address.is_loopback:
            is_allowed = True
        elif address in own:
            is_allowed = False
        if not is_allowed:
            msg = (
                f"webhook url {url!r} resolves to {address}, a loopback, private, link-local, "
                "reserved or the platform's own address; expected a public address."
            )
            raise ValidationError(msg)
    return addresses[0]


def webhook_body(notification: Notification) -> tuple[bytes, str, str]:
    """Body, media type and event name of a notification."""
    content = notification.content
    if content is None:  # the confirmation request
        return (
            json.dumps(
                {"event": "subscription.confirmation", "text": notification.message.text},
                ensure_ascii=False,
            ).encode(),
            "application/json",
            "subscription.confirmation",
        )
    if notification.webhook_format == "cap" and content.cap_xml:
        return content.cap_xml.encode(), "application/cap+xml", f"alert.{content.msg_type.lower()}"
    event = f"alert.{content.msg_type.lower()}"
    payload = {
        "event": event,
        "alert_id": content.alert_id,
        "identifier": content.identifier,
        "msg_type": content.msg_type.value,
        "hazard": content.hazard.value,
        "level": content.level,
        "severity": content.severity.value,
        "urgency": content.urgency.value,
        "subject": notification.message.subject,
        "text": notification.message.text,
        "expires": content.expires.isoformat() if content.expires else None,
        "unsubscribe": unsubscribe_footer(notification.language, notification.unsubscribe_url),
        "unsubscribe_url": notification.unsubscribe_url,
    }
    return json.dumps(payload, ensure_ascii=False).encode(), "application/json", event


class WebhookChannel:
    """POSTs each notification to its subscriber's URL."""

    name = "webhook"

    def __init__(self, *, secret_key: str, allow_loopback: bool, own: frozenset[IpAddress]) -> None:
        self.secret_key, self.allow_loopback, self.own = secret_key, allow_loopback, own

    @classmethod
    def from_settings(cls, settings: Settings) -> "WebhookChannel":
        """The channel with the platform's secret and own addresses."""
        public_host = urlsplit(settings.public_url).hostname or ""
        return cls(
            secret_key=settings.secret_key,
            allow_loopback=settings.webhook_allow_loopback,
            own=own_addresses([settings.host, public_host]),
        )

    def check_address(self, address: str) -> str:
        """The URL, once every address of its host is checked."""
        url = address.strip()
        check_public_url(url, allow_loopback=self.allow_loopback, own=self.own)
        return url

    def _send_one(self, notification: Notification) -> SendResult:
        try:
            address = check_public_url(
                notification.address, allow_loopback=self.allow_loopback, own=self.own
            )
        except ValidationError as exc:
            return SendResult(notification.outbox_id, "failed", str(exc))
        body, media_type, event = webhook_body(notification)
        secret = webhook_secret(self.secret_key, notification.subscription_id)
        headers = {
            "Content-Type": f"{media_type}; charset=utf-8",
            SIGNATURE_HEADER: sign_webhook_body(secret, int(time.time()), body),
            "Idempotency-Key": str(notification.outbox_id),
            "X-HealthyCity-Event": event,
        }
        if notification.content is None:  # the receiver learns its secret with the opt-in
            headers["X-HealthyCity-Webhook-Secret"] = secret
        try:
            response = _http.post(
                notification.address, body, headers, timeout_s=TIMEOUT_S, address=str(address)
            )
        except OSError as exc:
            return SendResult(notification.outbox_id, "retry", f"webhook unreachable: {exc}")
        if 200 <= response.status < 300:
            return SendResult(notification.outbox_id, "sent")
        outcome: Outcome = (
            "retry" if response.status >= 500 or response.status in (408, 429) else "failed"
        )
        return SendResult(notification.outbox_id, outcome, f"webhook HTTP {response.status}")

    def send(self, notifications: Sequence[Notification]) -> list[SendResult]:
        """POST one by one."""
        return [self._send_one(n) for n in notifications]

    def close(self) -> None:
        """Nothing is kept open."""


register_channel("webhook", WebhookChannel.from_settings)

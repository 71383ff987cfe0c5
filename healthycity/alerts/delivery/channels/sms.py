"""SMS through an HTTP SMS gateway (the provider is configured, not built in).

The adapter POSTs JSON ``{"to", "text", "sender", "reference"}`` to ``HC_SMS_GATEWAY_URL``
with ``Authorization: Bearer HC_SMS_GATEWAY_TOKEN`` and an ``Idempotency-Key`` header
holding the outbox id: a gateway that honours it (most commercial ones accept a client
reference for this purpose) sends a message retried after a crash only once. A 2xx
answer means accepted; 408, 429 and 5xx are retried; other 4xx fail for good.
"""

import json
import logging
from collections.abc import Sequence

from healthycity.alerts.delivery.channels import _http
from healthycity.alerts.delivery.channels.base import (
    Notification,
    Outcome,
    SendResult,
    register_channel,
)
from healthycity.alerts.delivery.compose import sms_text
from healthycity.alerts.delivery.subscriptions import normalise_phone
from healthycity.config import Settings

logger = logging.getLogger(__name__)
TIMEOUT_S = 10.0
_RETRIED = {408, 425, 429}


class SmsChannel:
    """Sends each SMS with one POST to the gateway."""

    name = "sms"

    def __init__(self, *, gateway_url: str | None, token: str | None, sender: str) -> None:
        self.gateway_url, self.token, self.sender = gateway_url, token, sender

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmsChannel":
        """The channel configured by the ``HC_SMS_*`` settings."""
        return cls(
            gateway_url=settings.sms_gateway_url,
            token=settings.sms_gateway_token,
            sender=settings.sms_sender,
        )

    def check_address(self, address: str) -> str:
        """A phone number in E.164 form."""
        return normalise_phone(address)

    def _send_one(self, notification: Notification) -> SendResult:
        if not self.gateway_url:
            return SendResult(notification.outbox_id, "retry", "HC_SMS_GATEWAY_URL is not set")
        payload = {
            "to": notification.address,
            "text": sms_text(
                notification.message, notification.language, notification.unsubscribe_url
            ),
            "sender": self.sender,
            "reference": str(notification.outbox_id),
        }
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": str(notification.outbox_id),
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = _http.post(
                self.gateway_url, json.dumps(payload).encode(), headers, timeout_s=TIMEOUT_S
            )
        except OSError as exc:
            return SendResult(notification.outbox_id, "retry", f"SMS gateway unreachable: {exc}")
        if 200 <= response.status < 300:
            return SendResult(notification.outbox_id, "sent")
        outcome: Outcome = (
            "retry" if response.status >= 500 or response.status in _RETRIED else "failed"
        )
        return SendResult(notification.outbox_id, outcome, f"SMS gateway HTTP {response.status}")

    def send(self, notifications: Sequence[Notification]) -> list[SendResult]:
        """Send one by one (gateways limit the rate far below one connection's speed)."""
        return [self._send_one(n) for n in notifications]

    def close(self) -> None:
        """Nothing is kept open."""


register_channel("sms", SmsChannel.from_settings)

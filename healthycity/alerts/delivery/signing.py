"""Signed tokens in links (confirm, unsubscribe, manage) and webhook signatures.

A token is ``<subscription id>.<expiry epoch s or 0>.<signature>`` where the signature is
HMAC-SHA256 (RFC 2104) of the purpose, id and expiry under ``HC_SECRET_KEY``, truncated to
128 bits (NIST SP 800-107 §5.3.4 allows truncation to ≥ 64 bits for authentication;
128 keeps a forgery out of reach). Stateless: nothing to store, and rotating the key
invalidates every outstanding link at once. The purpose is part of what is signed, so an
unsubscribe token cannot confirm or manage a subscription.
"""

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Literal

from healthycity.errors import AuthenticationError

Purpose = Literal["confirm", "unsubscribe", "manage", "webhook", "address"]
_SIGNATURE_BYTES = 16


def _mac(secret_key: str, message: str) -> bytes:
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()


def _signature(secret_key: str, purpose: Purpose, subscription_id: int, expires_s: int) -> str:
    digest = _mac(secret_key, f"{purpose}:{subscription_id}:{expires_s}")[:_SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_token(
    secret_key: str, purpose: Purpose, subscription_id: int, *, expires: datetime | None = None
) -> str:
    """A token for ``purpose`` on one subscription, valid until ``expires`` (or forever).

    >>> sign_token("k" * 32, "unsubscribe", 7)
    '7.0.JtQls0M2bjZ-M_7t__J8jQ'
    """
    expires_s = int(expires.timestamp()) if expires is not None else 0
    signature = _signature(secret_key, purpose, subscription_id, expires_s)
    return f"{subscription_id}.{expires_s}.{signature}"


def verify_token(secret_key: str, purpose: Purpose, token: str, *, now: datetime) -> int:
    """The subscription id a valid, unexpired token of ``purpose`` names.

    Raises
    ------
    AuthenticationError
        If the token is malformed, forged, for another purpose, or expired.
    """
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        msg = f"The {purpose} token is malformed; expected the token from the link as sent."
        raise AuthenticationError(msg)
    subscription_id, expires_s = int(parts[0]), int(parts[1])
    expected = _signature(secret_key, purpose, subscription_id, expires_s)
    if not hmac.compare_digest(expected, parts[2]):
        msg = f"The {purpose} token is not valid; expected the token from the link as sent."
        raise AuthenticationError(msg)
    if expires_s and now.timestamp() > expires_s:
        msg = f"The {purpose} token expired; subscribe again to get a new link."
        raise AuthenticationError(msg)
    return subscription_id


def address_key(secret_key: str, address: str) -> str:
    """A keyed digest of a normalised address, for rate limits and look-ups.

    Keyed (HMAC rather than a bare hash), so that a leaked table does not let anyone test
    whether a given e-mail or phone number subscribed.
    """
    return _mac(secret_key, f"address:{address}").hex()


def webhook_secret(secret_key: str, subscription_id: int) -> str:
    """The secret a webhook receiver checks signatures with, derived from the platform key."""
    return _mac(secret_key, f"webhook-secret:{subscription_id}").hex()


def sign_webhook_body(secret: str, timestamp_s: int, body: bytes) -> str:
    """The signature header value of a webhook POST: ``t=<ts>,v1=<hex HMAC-SHA256>``.

    The timestamp is signed with the body (``f"{t}.{body}"``), so a receiver that rejects
    old timestamps cannot be fed a replayed request.

    >>> sign_webhook_body("s", 1700000000, b"{}")[:16]
    't=1700000000,v1='
    """
    mac = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256)
    return f"t={timestamp_s},v1={mac.hexdigest()}"


def verify_webhook_signature(
    secret: str, header: str, body: bytes, *, now_s: int, tolerance_s: int = 300
) -> bool:
    """Check a webhook signature header, as a receiver would (documentation and tests)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if "t" not in fields or "v1" not in fields or not fields["t"].isdigit():
        return False
    timestamp_s = int(fields["t"])
    if abs(now_s - timestamp_s) > tolerance_s:
        return False
    expected = sign_webhook_body(secret, timestamp_s, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields["v1"])

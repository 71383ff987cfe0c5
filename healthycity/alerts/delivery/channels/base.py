"""The channel plug-in interface and its registry.

A channel turns notifications into messages on one medium (e-mail, SMS, webhook…). It
is a :class:`Channel` made by a factory registered under the channel's name with
:func:`register_channel`. The built-in channels are modules listed in
``BUILTIN_CHANNEL_MODULES`` that register themselves when imported, exactly as a
third-party package would (datasette's ``DEFAULT_PLUGINS``)::

    from healthycity.alerts.delivery.channels.base import register_channel

    register_channel("push", PushChannel.from_settings)

Channels must be idempotent on ``Notification.outbox_id``: after a crash the dispatcher
sends a notification again when it cannot know whether the first try got through, and
the id is the key the far end deduplicates on.
"""

import importlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from healthycity.alerts.delivery.compose import AlertContent, ComposedMessage
from healthycity.alerts.delivery.models import Language
from healthycity.config import Settings
from healthycity.errors import ValidationError

BUILTIN_CHANNEL_MODULES = (
    "healthycity.alerts.delivery.channels.email",
    "healthycity.alerts.delivery.channels.sms",
    "healthycity.alerts.delivery.channels.webhook",
)
Outcome = Literal["sent", "retry", "failed"]


@dataclass(frozen=True)
class Notification:
    """One message to one recipient, as a channel receives it."""

    outbox_id: int  # the idempotency key
    subscription_id: int
    address: str
    language: Language
    message: ComposedMessage
    unsubscribe_url: str
    content: AlertContent | None  # None for a confirmation request
    webhook_format: str | None = None


@dataclass(frozen=True)
class SendResult:
    """What became of one notification: sent, to retry later, or failed for good."""

    outbox_id: int
    outcome: Outcome
    error: str | None = None


class Channel(Protocol):
    """A delivery medium."""

    name: str

    def check_address(self, address: str) -> str:
        """The normalised address, or raise ``ValidationError`` saying what is wrong."""

    def send(self, notifications: Sequence[Notification]) -> list[SendResult]:
        """Hand notifications over; one result per notification, in any order."""

    def close(self) -> None:
        """Release connections."""


ChannelFactory = Callable[[Settings], Channel]

_factories: dict[str, ChannelFactory] = {}
_lock = threading.Lock()
_builtins_loaded = False


def register_channel(name: str, factory: ChannelFactory) -> None:
    """Make channel ``name`` available; registering a name again replaces its factory."""
    with _lock:
        _factories[name] = factory


def _load_builtins() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    for module in BUILTIN_CHANNEL_MODULES:
        importlib.import_module(module)
    _builtins_loaded = True


def channel_names() -> tuple[str, ...]:
    """The registered channel names, sorted."""
    _load_builtins()
    with _lock:
        return tuple(sorted(_factories))


def create_channel(name: str, settings: Settings) -> Channel:
    """A new channel ``name`` configured from ``settings``."""
    _load_builtins()
    with _lock:
        factory = _factories.get(name)
    if factory is None:
        msg = f"channel={name!r}; expected one of {', '.join(channel_names())}."
        raise ValidationError(msg)
    return factory(settings)


def create_channels(settings: Settings) -> Mapping[str, Channel]:
    """One instance of every registered channel."""
    return {name: create_channel(name, settings) for name in channel_names()}

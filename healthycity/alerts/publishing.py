"""Publish hooks: what else happens, in the same transaction, when an alert is stored.

Whoever must learn about new alerts (the delivery outbox writes one notification per
recipient) registers a hook; every alert, update and cancel stored by
``healthycity.alerts.service`` then calls ``on_alert_published(conn, alert_id)`` on the
connection that stored it, before the transaction commits. So the alert and what the
hooks write (outbox rows) are committed together or not at all: a hook that raises rolls
the alert back. Hooks must therefore be quick and only write to the database; they send
nothing themselves.

Built-in hook providers are listed in ``BUILTIN_HOOK_MODULES`` and imported on the first
publication, the way datasette loads its ``DEFAULT_PLUGINS``: a module registers its hook
when it is imported, as a third-party one would.
"""

import importlib
import threading
from collections.abc import Callable

from sqlalchemy import Connection

PublishHook = Callable[[Connection, int], None]

# Modules that register a hook when imported; a missing one is skipped (not installed).
BUILTIN_HOOK_MODULES = ("healthycity.alerts.delivery",)

_hooks: list[PublishHook] = []
_lock = threading.Lock()
_builtins_loaded = False


def register_publish_hook(hook: PublishHook) -> PublishHook:
    """Call ``hook(conn, alert_id)`` after each stored alert; registering twice is harmless.

    Returns the hook, so that it can be used as a decorator.
    """
    with _lock:
        if hook not in _hooks:
            _hooks.append(hook)
    return hook


def unregister_publish_hook(hook: PublishHook) -> None:
    """Stop calling ``hook``; unknown hooks are ignored."""
    with _lock:
        if hook in _hooks:
            _hooks.remove(hook)


def _load_builtin_hooks() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    for name in BUILTIN_HOOK_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the module exists but one of its imports is missing: a bug
                raise
    _builtins_loaded = True


def on_alert_published(conn: Connection, alert_id: int) -> None:
    """Run every hook, in registration order, on the transaction that stored ``alert_id``."""
    _load_builtin_hooks()
    with _lock:
        hooks = tuple(_hooks)
    for hook in hooks:
        hook(conn, alert_id)

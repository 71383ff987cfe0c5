"""Alert delivery: subscriptions, the durable outbox, its dispatcher and the channels.

Importing the package registers the outbox's publish hook with the alerts domain (it is
listed in ``alerts.publishing.BUILTIN_HOOK_MODULES``), as a third-party plug-in would.
"""

from healthycity.alerts.delivery.outbox import on_alert_published
from healthycity.alerts.publishing import register_publish_hook

register_publish_hook(on_alert_published)

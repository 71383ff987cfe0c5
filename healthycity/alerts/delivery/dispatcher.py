"""The dispatcher: claim notifications from the outbox, send them, record what happened.

State lives in the database only, so any number of dispatcher processes (and threads)
can run side by side: each claims a batch with ``storage.queue.claim_rows`` under a
lease, sends it through the channels, then marks each row sent, to retry, or failed.
A worker killed mid-batch leaves its rows ``sending``; they become claimable again when
the lease ends, and are sent again with the same idempotency key (the outbox id) so
that the far end can drop the duplicate.

Retries use exponential backoff with "equal jitter" (half the delay fixed, half random;
M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015), so that
recipients failing together do not retry together; after ``max_attempts`` a row is a
dead letter (``failed``) for an operator to look at.
"""

import logging
import random
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, select, text, update

from healthycity.alerts import tables as alert_tables
from healthycity.alerts.delivery import ratelimit, tables
from healthycity.alerts.delivery.channels.base import Channel, Notification, SendResult
from healthycity.alerts.delivery.compose import (
    AlertContent,
    ComposedMessage,
    compose_alert,
    compose_confirmation,
)
from healthycity.alerts.delivery.models import (
    Language,
    OutboxStatus,
    SubscriptionStatus,
    audiences_of,
    bypasses_quiet_hours,
)
from healthycity.alerts.delivery.signing import sign_token
from healthycity.alerts.delivery.store import PENDING_TTL, purge_expired, quiet_hours_of
from healthycity.alerts.levels import Hazard
from healthycity.alerts.models import MsgType, Severity, Urgency
from healthycity.storage.queue import claim_rows

logger = logging.getLogger(__name__)

outbox = tables.outbox
subscriptions = tables.subscriptions
alerts = alert_tables.alerts
Clock = Callable[[], datetime]
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class DispatchPolicy:
    """How the dispatcher claims and retries."""

    batch_size: int = 200
    lease_s: float = 60.0
    max_attempts: int = 8
    backoff_base_s: float = 30.0
    backoff_cap_s: float = 6 * 3600.0
    idle_sleep_s: float = 0.05
    housekeeping_every_s: float = 300.0


def backoff_delay_s(attempts: int, policy: DispatchPolicy, rng: random.Random) -> float:
    """Seconds before retry number ``attempts`` (≥ 1): equal-jitter exponential backoff.

    >>> policy = DispatchPolicy(backoff_base_s=30, backoff_cap_s=3600)
    >>> 15 <= backoff_delay_s(1, policy, random.Random(0)) <= 30
    True
    >>> 1800 <= backoff_delay_s(20, policy, random.Random(0)) <= 3600
    True
    """
    ceiling = min(policy.backoff_cap_s, policy.backoff_base_s * 2 ** min(attempts - 1, 30))
    return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


@dataclass
class DispatchReport:
    """Counts of one claim-and-send round."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    postponed: int = 0


@dataclass
class _Outcomes:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    retry: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    postponed: list[dict[str, Any]] = field(default_factory=list)


def _content(row: Any) -> AlertContent:
    return AlertContent(
        alert_id=row.id,
        identifier=row.identifier,
        msg_type=MsgType(row.msg_type),
        hazard=Hazard(row.hazard) if row.hazard in Hazard.__members__.values() else Hazard.OTHER,
        level=row.level,
        severity=Severity(row.severity),
        urgency=Urgency(row.urgency),
        headline={"fr": row.headline_fr or "", "en": row.headline_en or ""},
        description={"fr": row.description_fr or "", "en": row.description_en or ""},
        instruction={"fr": row.instruction_fr or "", "en": row.instruction_en or ""},
        expires=row.expires,
        cap_xml=row.cap_xml,
    )


class Dispatcher:
    """One worker: claims batches from the outbox and hands them to the channels."""

    def __init__(
        self,
        engine: Engine,
        channels: Mapping[str, Channel],
        *,
        secret_key: str,
        public_url: str,
        worker_id: str,
        policy: DispatchPolicy | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.secret_key = secret_key
        self.public_url = public_url.rstrip("/")
        self.worker_id = worker_id
        self.policy = policy or DispatchPolicy()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = rng or random.Random()  # noqa: S311  (jitter, not cryptography)
        self._alerts: dict[int, AlertContent] = {}
        self._texts: dict[tuple[int, str, int], ComposedMessage] = {}

    def link(self, purpose: str, token: str) -> str:
        """The public URL of a subscription link (confirm, unsubscribe)."""
        return f"{self.public_url}/api/v1/subscriptions/{purpose}?token={token}"

    def run_once(self) -> DispatchReport:
        """Claim one batch, send it, record the outcomes."""
        now = self.clock()
        lease_end = now + timedelta(seconds=self.policy.lease_s)
        # One connection for the round: each checkout from the pool costs a ping.
        with self.engine.connect() as conn:
            return self._run_once(conn, now, lease_end)

    def _run_once(self, conn: Connection, now: datetime, lease_end: datetime) -> DispatchReport:
        with conn.begin():
            claimed = claim_rows(
                conn,
                outbox,
                ready=and_(text(tables.CLAIMABLE), outbox.c.available_at <= now),
                order_by=(outbox.c.available_at,),  # the partial index's order
                limit=self.policy.batch_size,
                values={
                    "status": OutboxStatus.SENDING.value,
                    "claimed_by": self.worker_id,
                    "available_at": lease_end,
                    "attempts": outbox.c.attempts + 1,
                },
                returning=("id", "alert_id", "subscription_id", "channel", "attempts"),
            )
            details = self._load(conn, claimed) if claimed else {}
        report = DispatchReport(claimed=len(claimed))
        if not claimed:
            return report
        outcomes = _Outcomes()
        by_channel: dict[str, list[Any]] = defaultdict(list)
        for row in claimed:
            by_channel[row.channel].append(row)
        for channel_name, rows in by_channel.items():
            self._send_channel(
                conn, channel_name, rows, details=details, outcomes=outcomes, now=now
            )
        self._record(conn, outcomes, now)
        report.sent, report.skipped = len(outcomes.sent), len(outcomes.skipped)
        report.retried, report.failed = len(outcomes.retry), len(outcomes.failed)
        report.postponed = len(outcomes.postponed)
        return report

    def _load(self, conn: Connection, claimed: Sequence[Any]) -> dict[int, Any]:
        """The subscriptions of the claimed rows, and their alerts into the cache."""
        subscription_ids = {row.subscription_id for row in claimed}
        alert_ids = {row.alert_id for row in claimed if row.alert_id is not None} - set(
            self._alerts
        )
        found = {
            row.id: row
            for row in conn.execute(
                select(subscriptions).where(subscriptions.c.id.in_(subscription_ids))
            )
        }
        if alert_ids:
            columns = [c for c in alerts.c if c.name != "cap_xml"]
            for row in conn.execute(
                select(*columns, alerts.c.cap_xml).where(alerts.c.id.in_(alert_ids))
            ):
                self._alerts[row.id] = _content(row)
        if len(self._alerts) > 256:
            self._alerts = {k: self._alerts[k] for k in list(self._alerts)[-64:]}
            self._texts.clear()
        return found

    def _notification(self, row: Any, subscription: Any) -> Notification:
        language: Language = "fr" if subscription.language == "fr" else "en"
        unsubscribe = self.link(
            "unsubscribe", sign_token(self.secret_key, "unsubscribe", subscription.id)
        )
        if row.alert_id is None:
            expires = subscription.created_at + PENDING_TTL
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=UTC)
            confirm = self.link(
                "confirm", sign_token(self.secret_key, "confirm", subscription.id, expires=expires)
            )
            manage = (
                f"{self.public_url}/api/v1/subscriptions/{subscription.id}?token="
                + sign_token(self.secret_key, "manage", subscription.id)
            )
            message = compose_confirmation(language, confirm, manage)
            content = None
        else:
            content = self._alerts[row.alert_id]
            key = (row.alert_id, language, subscription.audiences)
            message = self._texts.get(key) or self._texts.setdefault(
                key, compose_alert(content, language, audiences_of(subscription.audiences))
            )
        return Notification(
            outbox_id=row.id,
            subscription_id=subscription.id,
            address=subscription.address,
            language=language,
            message=message,
            unsubscribe_url=unsubscribe,
            content=content,
            webhook_format=subscription.webhook_format,
        )

    def _is_deliverable(self, row: Any, subscription: Any | None) -> bool:
        if subscription is None:
            return False
        wanted = SubscriptionStatus.PENDING if row.alert_id is None else SubscriptionStatus.ACTIVE
        return bool(subscription.status == wanted.value)

    def _quiet_until(self, row: Any, subscription: Any, now: datetime) -> datetime | None:
        quiet = quiet_hours_of(subscription.quiet_start_min, subscription.quiet_end_min)
        if row.alert_id is None or quiet is None or not quiet.contains(now):
            return None
        content = self._alerts[row.alert_id]
        if bypasses_quiet_hours(content.severity, content.urgency):
            return None
        return quiet.ends_after(now).astimezone(UTC)

    def _send_channel(
        self,
        conn: Connection,
        name: str,
        rows: list[Any],
        *,
        details: dict[int, Any],
        outcomes: _Outcomes,
        now: datetime,
    ) -> None:
        channel = self.channels.get(name)
        ready: list[Notification] = []
        for row in rows:
            subscription = details.get(row.subscription_id)
            if not self._is_deliverable(row, subscription):
                outcomes.skipped.append(row.id)
                continue
            until = self._quiet_until(row, subscription, now)
            if until is not None:
                outcomes.postponed.append({"b_id": row.id, "b_at": until})
            elif channel is None:
                outcomes.retry.append(self._retry(row, f"channel {name!r} is not configured", now))
            else:
                ready.append(self._notification(row, subscription))
        if not ready or channel is None:
            return
        ready = self._within_rate(conn, name, ready, outcomes=outcomes, now=now)
        attempts = {row.id: row.attempts for row in rows}
        for result in channel.send(ready):
            self._sort_result(result, attempts[result.outbox_id], outcomes, now)

    def _within_rate(
        self,
        conn: Connection,
        name: str,
        ready: list[Notification],
        *,
        outcomes: _Outcomes,
        now: datetime,
    ) -> list[Notification]:
        with conn.begin():
            limit = ratelimit.channel_limit(conn, name)
            if limit is None:
                return ready
            decision = ratelimit.take(conn, f"channel:{name}", limit, now=now, amount=len(ready))
        later = now + timedelta(seconds=decision.retry_after_s)
        for notification in ready[decision.allowed :]:
            outcomes.postponed.append({"b_id": notification.outbox_id, "b_at": later})
        return ready[: decision.allowed]

    def _retry(self, row: Any, error: str, now: datetime) -> dict[str, Any]:
        delay = backoff_delay_s(row.attempts, self.policy, self.rng)
        return {
            "b_id": row.id,
            "b_at": now + timedelta(seconds=delay),
            "b_error": error[:MAX_ERROR_CHARS],
        }

    def _sort_result(
        self, result: SendResult, attempts: int, outcomes: _Outcomes, now: datetime
    ) -> None:
        if result.outcome == "sent":
            outcomes.sent.append(result.outbox_id)
            return
        error = (result.error or result.outcome)[:MAX_ERROR_CHARS]
        if result.outcome == "failed" or attempts >= self.policy.max_attempts:
            outcomes.failed.append({"b_id": result.outbox_id, "b_error": error})
            logger.warning(
                "delivery dead letter outbox_id=%d attempts=%d", result.outbox_id, attempts
            )
            return
        delay = backoff_delay_s(attempts, self.policy, self.rng)
        outcomes.retry.append(
            {"b_id": result.outbox_id, "b_at": now + timedelta(seconds=delay), "b_error": error}
        )

    def _record(self, conn: Connection, outcomes: _Outcomes, now: datetime) -> None:
        """Write every outcome in one transaction, only on rows this worker still holds."""
        mine = (outbox.c.claimed_by == self.worker_id) & (
            outbox.c.status == OutboxStatus.SENDING.value
        )
        by_id = outbox.c.id == bindparam("b_id")
        pending = OutboxStatus.PENDING.value
        with conn.begin():
            if outcomes.sent:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(outcomes.sent), mine)
                    .values(
                        status=OutboxStatus.SENT.value,
                        sent_at=now,
                        claimed_by=None,
                        last_error=None,
                    )
                )
            if outcomes.skipped:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(outcomes.skipped), mine)
                    .values(status=OutboxStatus.SKIPPED.value, claimed_by=None)
                )
            if outcomes.retry:
                statement = (
                    update(outbox)
                    .where(by_id, mine)
                    .values(
                        status=pending,
                        available_at=bindparam("b_at"),
                        last_error=bindparam("b_error"),
                        claimed_by=None,
                    )
                )
                conn.execute(statement, outcomes.retry)
            if outcomes.failed:
                statement = (
                    update(outbox)
                    .where(by_id, mine)
                    .values(
                        status=OutboxStatus.FAILED.value,
                        last_error=bindparam("b_error"),
                        claimed_by=None,
                    )
                )
                conn.execute(statement, outcomes.failed)
            if outcomes.postponed:  # not an attempt: give back the one the claim counted
                statement = (
                    update(outbox)
                    .where(by_id, mine)
                    .values(
                        status=pending,
                        available_at=bindparam("b_at"),
                        attempts=outbox.c.attempts - 1,
                        claimed_by=None,
                    )
                )
                conn.execute(statement, outcomes.postponed)

    def housekeeping(self) -> None:
        """Erase unconfirmed subscriptions past their window and old rate counters."""
        now = self.clock()
        with self.engine.begin() as conn:
            expired = purge_expired(conn, now=now)
            ratelimit.prune_counters(conn, now=now)
        if expired:
            logger.info("delivery purged expired subscriptions count=%d", expired)

    def run(self, stop: threading.Event, *, once: bool = False) -> DispatchReport:
        """Loop until ``stop`` is set (or, with ``once``, until the outbox has nothing ready)."""
        total = DispatchReport()
        next_housekeeping = 0.0
        clock_s = 0.0
        while not stop.is_set():
            clock_s = self.clock().timestamp()
            if clock_s >= next_housekeeping:
                self.housekeeping()
                next_housekeeping = clock_s + self.policy.housekeeping_every_s
            report = self.run_once()
            for name in ("claimed", "sent", "retried", "failed", "skipped", "postponed"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            if report.claimed == 0:
                if once:
                    break
                stop.wait(self.policy.idle_sleep_s)
        return total

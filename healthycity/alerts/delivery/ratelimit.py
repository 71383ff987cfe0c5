"""Fixed-window rate limits whose counters live in the database, shared by every process.

Several API instances and dispatchers run side by side, so a limit counted in one
process's memory would be multiplied by their number. Each limited thing (a channel,
a client IP, an address) has a key; each window of ``window_s`` seconds has a counter
row, incremented and read back in one upsert. A fixed window lets through at most twice
the limit across a window boundary, which is acceptable for abuse control and for
gateway quotas stated per second.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select

from healthycity.alerts.delivery import tables
from healthycity.storage.queue import add_to_counter

counters = tables.rate_counters
limits = tables.channel_limits
COUNTER_RETENTION_S = 2 * 86_400  # longer than any window in use


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events per ``window_s`` seconds."""

    count: int
    window_s: int


@dataclass(frozen=True)
class Decision:
    """How many of the events asked for are allowed now, and when to try the rest."""

    allowed: int
    retry_after_s: int


def take(conn: Connection, key: str, limit: Limit, *, now: datetime, amount: int = 1) -> Decision:
    """Count ``amount`` events of ``key`` in the current window; allow what fits.

    The caller should run this in its own short transaction, so that a request that
    fails afterwards still counts (an attacker could otherwise send failing requests
    without limit).

    Examples
    --------
    Ten events asked against a limit of 8 per second: 8 are allowed, the other 2 wait for
    the next window (``retry_after_s``).
    """
    now_s = int(now.timestamp())
    window = now_s - now_s % limit.window_s
    total = add_to_counter(
        conn, counters, {"key": key, "window": window}, column="count", amount=amount
    )
    before = total - amount
    allowed = max(0, min(amount, limit.count - before))
    return Decision(allowed=allowed, retry_after_s=window + limit.window_s - now_s)


def channel_limit(conn: Connection, channel: str) -> Limit | None:
    """The channel's sending rate stored in ``delivery_channel_limits``; None if unlimited."""
    per_second = conn.execute(
        select(limits.c.per_second).where(limits.c.channel == channel)
    ).scalar()
    if per_second is None:
        return None
    if per_second >= 1:
        return Limit(count=int(per_second), window_s=1)
    return Limit(count=1, window_s=max(1, round(1 / per_second)))  # slower than 1/s


def set_channel_limit(conn: Connection, channel: str, per_second: float | None) -> None:
    """Store a channel's sending rate (messages per second); None removes the limit."""
    conn.execute(delete(limits).where(limits.c.channel == channel))
    if per_second is not None:
        conn.execute(limits.insert().values(channel=channel, per_second=per_second))


def prune_counters(conn: Connection, *, now: datetime) -> int:
    """Delete counters of windows that ended long ago; return how many."""
    cutoff = int(now.timestamp()) - COUNTER_RETENTION_S
    return conn.execute(delete(counters).where(counters.c.window < cutoff)).rowcount

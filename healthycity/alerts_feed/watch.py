"""The alert watcher: evaluates the rules on what the environment stored since it last looked.

Each tick (``AlertWatcher.run_once``):

1. **Finds new readings.** ``environment.store.get_received_since`` lists the readings
   received after the watcher's cursor (``alert_feed_cursors``, saved with what it
   published): ``env_latest`` says which series received something, then those series'
   recent readings are read by primary-key range. The window reaches ``OVERLAP`` before the
   cursor, because a batch is stamped when it arrives and may commit after a later one;
   readings already handled are skipped by their reception time.
2. **Recomputes only what they change.** For each hour holding a new reading, the hourly
   index of the communes that the changed stations can reach (the station's own commune and
   those within the interpolation distance); for a reading in the last hour of a day, or
   the first of the next, that day's daily indices, for the same communes.
3. **Evaluates and publishes** in one transaction under the rule-state lock
   (``alerts.runner.run_rules``), then moves the cursor. Several watchers may run side by
   side: they serialise on that lock, and the rule states they share make the second one's
   evaluation of the same periods a no-op, so no episode is published twice.

An hour is evaluated as soon as it holds a reading near a commune (that is what keeps the
alert latency under a second); readings arriving later in that hour make the watcher compute
it again, and the rules take the worse level if it got worse (``rules._revise``): a period's
level is the worst seen in it, whatever the order the readings came in.
"""

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine

from healthycity.alerts.models import Status
from healthycity.alerts.rules import IndexObservation, Rule
from healthycity.alerts.runner import get_cursor, run_rules, save_cursor
from healthycity.alerts.service import Publisher
from healthycity.alerts.store import StoredAlert
from healthycity.alerts_feed.observations import (
    Feed,
    FeedConfig,
    feeds_of,
    heat_day_end,
    hour_floor,
    index_observations,
)
from healthycity.alerts_feed.places import area_near
from healthycity.environment import indices_service as service
from healthycity.environment import sensors
from healthycity.environment import store as env_store
from healthycity.environment.commune_indices import StationPoint
from healthycity.environment.indices.atmo import ATMO_HOURLY_POLLUTANTS, ATMO_POLLUTANTS
from healthycity.environment.quantities import POLLEN_QUANTITIES, Quantity
from healthycity.errors import NotFoundError

logger = logging.getLogger(__name__)

OVERLAP = timedelta(seconds=30)  # longer than a batch waits for the ingestion write lock
LOOKBACK = timedelta(hours=48)  # readings observed earlier than this before the cursor: ignored
HOUR = timedelta(hours=1)
FEED_QUANTITIES: dict[Feed, frozenset[Quantity]] = {
    "atmo_hour": frozenset(ATMO_HOURLY_POLLUTANTS),
    "atmo_day": frozenset(ATMO_POLLUTANTS),
    "pollen_day": frozenset(POLLEN_QUANTITIES),
    "heat_day": frozenset({Quantity.TEMPERATURE}),
}


def cursor_name(rules: Sequence[Rule]) -> str:
    """The cursor of a set of rules: watchers of the same rules share it.

    >>> from healthycity.alerts.levels import AtmoLevel
    >>> cursor_name([Rule(id="a", index="atmo", min_level=AtmoLevel.MAUVAIS)])
    'environment:ca978112ca1b'
    """
    ids = "\n".join(sorted(rule.id for rule in rules))
    return f"environment:{hashlib.sha256(ids.encode()).hexdigest()[:12]}"


def completed_days(feed: Feed, hour: datetime) -> list[date]:
    """The days a reading of ``hour`` completes: those ending at its end or its start.

    >>> completed_days("atmo_day", datetime(2026, 7, 1, 21, tzinfo=UTC))  # 23:00 in Paris
    [datetime.date(2026, 7, 1)]
    >>> completed_days("heat_day", datetime(2026, 7, 2, 6, tzinfo=UTC))
    [datetime.date(2026, 7, 1)]
    """
    days = []
    for end in (hour, hour + HOUR):
        if feed == "heat_day":
            day = (end - timedelta(days=1)).date()
            if heat_day_end(day) == end:
                days.append(day)
        else:
            day = (end - timedelta(microseconds=1)).astimezone(service.TERRITORY_TZ).date()
            if service.local_day_window(day)[1] == end:
                days.append(day)
    return days


@dataclass(frozen=True)
class WatchReport:
    """What one tick did."""

    readings: int
    observations: int
    published: list[StoredAlert]


@dataclass
class _Memory:
    """What this watcher has handled, so that the overlap and repeated readings cost nothing.

    ``done``: the days computed for a station (a day is computed once, when it is complete);
    hours are computed again whenever a new reading of theirs arrives.
    """

    seen: dict[tuple[str, str, datetime], datetime] = field(default_factory=dict)
    done: set[tuple[Feed, datetime | date, str]] = field(default_factory=set)
    stations: dict[str, StationPoint | None] = field(default_factory=dict)

    def forget_before(self, moment: datetime) -> None:
        self.seen = {k: v for k, v in self.seen.items() if v > moment - OVERLAP}
        oldest = moment - LOOKBACK - timedelta(days=2)
        self.done = {d for d in self.done if _as_time(d[1]) >= oldest}


def _as_time(period: datetime | date) -> datetime:
    if isinstance(period, datetime):
        return period
    return datetime(period.year, period.month, period.day, tzinfo=UTC)


class AlertWatcher:
    """Evaluates ``rules`` on the environmental readings as they are stored; see the module."""

    def __init__(
        self,
        engine: Engine,
        rules: Sequence[Rule],
        area: service.Area,
        *,
        publisher: Publisher,
        config: FeedConfig | None = None,
        status: Status = Status.ACTUAL,
        since: datetime | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine, self.rules, self.area = engine, list(rules), area
        self.feeds = feeds_of(self.rules)
        self.publisher, self.status, self.clock = publisher, status, clock
        self.config = config or FeedConfig()
        self.since = since
        self.name = cursor_name(self.rules)
        self._memory = _Memory()

    def run_once(self) -> WatchReport:
        """Evaluate what was stored since the last tick; publish what the rules raise."""
        now = self.clock()
        with self.engine.connect() as conn:
            cursor = get_cursor(conn, self.name) or self.since or now - HOUR
            received = env_store.get_received_since(
                conn, cursor - OVERLAP, observed_from=cursor - LOOKBACK
            )
            new = [r for r in received if self._memory.seen.get(_key(r)) != r.received_at]
            observations, done = self._observations(conn, new)
        position = max([cursor, *(r.received_at for r in new)])
        with self.engine.begin() as conn:
            published = run_rules(
                conn,
                self.rules,
                lambda: observations,
                publisher=self.publisher,
                now=now,
                status=self.status,
            )
            stored = get_cursor(conn, self.name)
            if stored is None or stored < position:
                save_cursor(conn, self.name, position, now=now)
        for reading in new:  # handled for good only once committed
            self._memory.seen[_key(reading)] = reading.received_at
        self._memory.done.update(done)
        self._memory.forget_before(position)
        logger.info(
            "alert watch tick readings=%d observations=%d published=%d",
            len(new),
            len(observations),
            len(published),
        )
        return WatchReport(len(new), len(observations), published)

    def run(self, stop: threading.Event, *, interval_s: float = 1.0) -> None:
        """Tick every ``interval_s`` seconds until ``stop`` is set."""
        while not stop.is_set():
            self.run_once()
            stop.wait(interval_s)

    def _station(self, conn: Connection, sensor_id: str) -> StationPoint | None:
        if sensor_id not in self._memory.stations:
            try:
                point = service.station_points([sensors.get_sensor(conn, sensor_id)])[0]
            except NotFoundError:  # deleted since: nothing to recompute for it
                point = None
            official = point is not None and point.is_official
            self._memory.stations[sensor_id] = point if official else None
        return self._memory.stations[sensor_id]

    def _changes(
        self, conn: Connection, feed: Feed, new: Sequence[env_store.Received]
    ) -> dict[datetime | date, set[str]]:
        """The periods of ``feed`` to recompute, each with the stations that changed it."""
        periods: dict[datetime | date, set[str]] = {}
        for reading in new:
            if reading.quantity not in FEED_QUANTITIES[feed]:
                continue
            if self._station(conn, reading.sensor_id) is None:
                continue
            hour = hour_floor(reading.observed_at)
            found: list[datetime | date] = (
                [hour] if feed == "atmo_hour" else list(completed_days(feed, hour))
            )
            for period in found:
                if (feed, period, reading.sensor_id) not in self._memory.done:
                    periods.setdefault(period, set()).add(reading.sensor_id)
        return periods

    def _observations(
        self, conn: Connection, new: Sequence[env_store.Received]
    ) -> tuple[list[IndexObservation], set[tuple[Feed, datetime | date, str]]]:
        out: list[IndexObservation] = []
        done: set[tuple[Feed, datetime | date, str]] = set()
        for feed in sorted(self.feeds):
            for period, station_ids in sorted(self._changes(conn, feed, new).items()):
                points = [self._station(conn, s) for s in sorted(station_ids)]
                area = area_near(
                    self.area,
                    [p for p in points if p is not None],
                    max_distance_m=self.config.max_distance_m,
                )
                out.extend(index_observations(conn, feed, area, [period], self.config))
                if feed != "atmo_hour":  # an hour is computed again as its readings come in
                    done.update((feed, period, s) for s in station_ids)
        return out, done


def _key(reading: env_store.Received) -> tuple[str, str, datetime]:
    return (reading.sensor_id, reading.quantity.value, reading.observed_at)

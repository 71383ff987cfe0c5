"""Group commit: concurrent ingestion requests share one transaction and one commit.

A durable commit is a flush of the log to disk (SQLite ``synchronous=FULL``, PostgreSQL's WAL
flush): 40-60 ms on the reference machine, longer than storing a batch of 5,000 readings.
Requests that arrive while another is being written wait for the pipeline's write lock anyway;
here the next writer takes every waiting request, runs each one's work in one transaction,
commits once, and only then does each request answer, so an acknowledged batch is still a
committed one (PostgreSQL's ``commit_delay`` does the same inside the server). If the work of
one request raises, the shared transaction is rolled back and each request runs again alone:
a failure stays the failing request's.
"""

import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine

T = TypeVar("T")
MAX_GROUP = 8  # requests per transaction: bounds how long the first of them waits


class _Work(Generic[T]):
    """One request's work and, once its group has committed, its outcome."""

    def __init__(self, work: Callable[[Connection], T]) -> None:
        self.work = work
        self.is_done = False
        self.value: T | None = None
        self.error: Exception | None = None


class GroupCommitter:
    """Run ``work(conn)`` callables in shared transactions, one writer at a time per process."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = threading.Lock()
        self._guard = threading.Lock()
        self._pending: list[_Work[Any]] = []

    def run(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in a transaction that is committed when this returns."""
        item: _Work[T] = _Work(work)
        with self._guard:
            self._pending.append(item)
        while not item.is_done:
            with self._writer:
                if item.is_done:
                    break
                with self._guard:
                    group, self._pending = self._pending[:MAX_GROUP], self._pending[MAX_GROUP:]
                self._run(group)
        if item.error is not None:
            raise item.error
        return item.value  # type: ignore[return-value]  # set with is_done when no error

    def _run(self, group: list[_Work[Any]]) -> None:
        try:
            with self._engine.begin() as conn:
                values = [item.work(conn) for item in group]
        except Exception as exc:  # rolled back: each runs alone, its error goes to its request
            if len(group) == 1:
                group[0].error, group[0].is_done = exc, True
                return
            for item in group:
                self._run([item])
            return
        for item, value in zip(group, values, strict=True):
            item.value, item.is_done = value, True


_COMMITTERS: "weakref.WeakKeyDictionary[Engine, GroupCommitter]" = weakref.WeakKeyDictionary()
_COMMITTERS_GUARD = threading.Lock()


def committer_for(engine: Engine) -> GroupCommitter:
    """The group committer of ``engine`` (one per engine and process)."""
    with _COMMITTERS_GUARD:
        committer = _COMMITTERS.get(engine)
        if committer is None:
            committer = _COMMITTERS[engine] = GroupCommitter(engine)
        return committer

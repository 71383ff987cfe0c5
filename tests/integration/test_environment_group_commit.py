"""Group commit on real SQLite and PostgreSQL: shared commits, failures kept to their request."""

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, event, insert, select

from healthycity.environment import tables
from healthycity.environment._group_commit import GroupCommitter, committer_for
from healthycity.storage.engine import make_engine

NOW = datetime(2026, 7, 1, tzinfo=UTC)


def add_sensor(sensor_id: str, *, fail: bool = False):
    def work(conn: Connection) -> str:
        conn.execute(insert(tables.sensors).values(
            id=sensor_id, name=sensor_id, kind="low_cost", lon=3.15, lat=46.99,
            commune_code="58194", operator=None, status="active", created_at=NOW,
            updated_at=NOW))  # fmt: skip
        time.sleep(0.05)  # long enough for the other requests to queue behind the writer
        if fail:
            msg = f"work of {sensor_id} failed"
            raise ValueError(msg)
        return sensor_id

    return work


def run_concurrently(committer: GroupCommitter, works) -> list[object]:
    outcomes: list[object] = [None] * len(works)

    def run(i: int) -> None:
        try:
            outcomes[i] = committer.run(works[i])
        except ValueError as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def stored_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(tables.sensors.c.id)).scalars())


def test_group_commit_shares_commits_between_concurrent_requests(engine: Engine) -> None:
    commits = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))

    outcomes = run_concurrently(GroupCommitter(engine), [add_sensor(f"g{i}") for i in range(8)])

    assert outcomes == [f"g{i}" for i in range(8)]
    assert stored_ids(engine) == [f"g{i}" for i in range(8)]
    assert len(commits) < 8  # at least two requests shared a commit


def test_group_commit_keeps_a_failure_to_its_own_request(engine: Engine) -> None:
    works = [add_sensor(f"f{i}", fail=i == 3) for i in range(6)]

    outcomes = run_concurrently(GroupCommitter(engine), works)

    assert isinstance(outcomes[3], ValueError)
    assert str(outcomes[3]) == "work of f3 failed"
    assert [o for i, o in enumerate(outcomes) if i != 3] == ["f0", "f1", "f2", "f4", "f5"]
    assert stored_ids(engine) == ["f0", "f1", "f2", "f4", "f5"]


def test_committer_for_is_one_per_engine(engine: Engine, database_url: str) -> None:
    other = make_engine(database_url)
    try:
        assert committer_for(engine) is committer_for(engine)
        assert committer_for(other) is not committer_for(engine)
    finally:
        other.dispose()

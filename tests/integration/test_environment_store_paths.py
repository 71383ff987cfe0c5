"""The pipeline's fast writes store exactly what its conflict-checked writes store.

New readings are appended (PostgreSQL: a binary COPY) because QC, under the write lock, read
the stored values they could repeat. Here the same batches (new, retried, late, conflicting,
invalid) go through the pipeline twice, once appending and once with every row inserted by
``INSERT … ON CONFLICT DO NOTHING`` (the path before COPY), and every table must match.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, Table, delete, insert, select

from healthycity.environment import tables
from healthycity.environment.pipeline import ingest_readings
from healthycity.storage import bulk

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
T0 = datetime(2026, 7, 1, 0, tzinfo=UTC)
WRITTEN = (tables.observations, tables.latest, tables.hourly)


def _reading(sensor: str, quantity: str, minutes: int, value: object) -> dict[str, object]:
    moment = (T0 + timedelta(minutes=minutes)).isoformat()
    return {"sensor_id": sensor, "quantity": quantity, "observed_at": moment, "value": value}


BATCHES = [
    # new readings of three series, one PM2.5 spike
    [_reading(s, q, 10 * k, 10.0 + k + (80 if (s, k) == ("s2", 3) else 0))
     for k in range(12) for s in ("s1", "s2") for q in ("pm25", "no2")
     if (s, q) != ("s2", "no2")],
    # a retry of the first six readings, then newer ones
    [_reading("s1", "pm25", 10 * k, 10.0 + k) for k in range(6)]
    + [_reading("s1", "pm25", 10 * k, 5.0) for k in range(12, 20)],  # a flat line
    # late readings between stored ones, a conflict, invalid items
    [_reading("s1", "no2", 10 * k + 5, 30.0) for k in range(3)]
    + [_reading("s2", "pm25", 20, 99.0), _reading("s9", "pm25", 0, 1.0),
       _reading("s1", "pm25", 300, "n/a"), {"sensor_id": "s1"}],
]  # fmt: skip


def _add_sensor(conn: Connection, sensor_id: str, units: dict[str, str]) -> None:
    conn.execute(insert(tables.sensors).values(
        id=sensor_id, name=sensor_id, kind="low_cost", lon=3.15, lat=46.99, commune_code="58194",
        operator=None, status="active", created_at=NOW, updated_at=NOW))  # fmt: skip
    rows = [{"sensor_id": sensor_id, "quantity": q, "unit": u} for q, u in units.items()]
    conn.execute(insert(tables.sensor_quantities), rows)


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        found = {
            table.name: [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))]
            for table in WRITTEN
        }
        q = tables.quarantine
        columns = [c for c in q.c if c.name != "id"]
        found[q.name] = [tuple(r) for r in conn.execute(select(*columns).order_by(q.c.id))]
        return found


def _ingest_all(engine: Engine) -> list[object]:
    results = []
    for batch in BATCHES:
        with engine.begin() as conn:
            results.append(ingest_readings(conn, batch, door="http", now=NOW))
    return results


def _clear(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (*WRITTEN, tables.quarantine):
            conn.execute(delete(table))


def test_appending_new_readings_stores_what_insert_on_conflict_stores(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.begin() as conn:
        _add_sensor(conn, "s1", {"pm25": "µg/m³", "no2": "ppb"})
        _add_sensor(conn, "s2", {"pm25": "µg/m³"})
    appended = _ingest_all(engine)
    fast = _snapshot(engine)
    _clear(engine)

    def insert_on_conflict(
        conn: Connection, table: Table, columns: object, *, constants: object, key: object
    ) -> None:
        bulk.insert_columns(conn, table, columns, constants=constants, ignore_conflicts_on=key)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk, "append_columns", insert_on_conflict)
    checked = _ingest_all(engine)

    assert _snapshot(engine) == fast
    assert checked == appended
    assert len(fast["env_observations"]) > 40
    assert any(flags for *_, flags, _, _ in fast["env_observations"])  # QC flags stored
    assert len(fast["env_quarantine"]) >= 4  # conflict, unknown sensor, bad value, missing field

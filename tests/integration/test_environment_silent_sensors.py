"""Silent sensors (the stale-sensor check) from ``env_latest``, on SQLite and PostgreSQL."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from healthycity.environment import sensors
from healthycity.environment.pipeline import ingest_readings
from healthycity.environment.quality import DEFAULT_THRESHOLDS
from healthycity.environment.quantities import Quantity

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
UGM3 = "µg/m³"
POLLEN = "grains/m³"


def draft(sensor_id: str, units: dict[Quantity, str]) -> sensors.SensorDraft:
    return sensors.SensorDraft(sensor_id, sensor_id, "low_cost", 3.15, 46.99, units)


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


# sensor id -> {quantity: its one reading}, age at NOW; max silence: 3 h (pm25, no2), 8 days
# (pollen), quality.DEFAULT_THRESHOLDS.
READINGS = {
    "fresh": {Quantity.PM25: utc(7, 1, 9), Quantity.POLLEN_BIRCH: utc(6, 24, 0)},  # 3 h, 7.5 d
    "late": {Quantity.PM25: utc(7, 1, 8), Quantity.NO2: utc(7, 1, 11)},  # 4 h (silent), 1 h
    "old-pollen": {Quantity.POLLEN_BIRCH: utc(6, 22, 12)},  # 9 days (silent)
    "off": {Quantity.PM25: utc(7, 1, 1)},  # 11 h, but set inactive after its reading
}


@pytest.fixture
def silence_engine(engine: Engine) -> Engine:
    """The sensors of :data:`READINGS` with their readings, plus two that never reported."""

    def locate(_lon: float, _lat: float) -> str:
        return "58194"

    units = {Quantity.PM25: UGM3, Quantity.NO2: UGM3, Quantity.POLLEN_BIRCH: POLLEN}
    with engine.begin() as conn:
        for sensor_id, latest in READINGS.items():
            sensors.save_sensor(conn, draft(sensor_id, {q: units[q] for q in latest}),
                                locate=locate, now=NOW)  # fmt: skip
        # Never reported: registered 4 h before NOW (silent), and 1 h before (not yet).
        for sensor_id, age in (("never", 4), ("new", 1)):
            sensors.save_sensor(conn, draft(sensor_id, {Quantity.PM25: UGM3}), locate=locate,
                                now=NOW - timedelta(hours=age))  # fmt: skip
        result = ingest_readings(
            conn,
            [{"sensor_id": sensor_id, "quantity": q.value, "observed_at": moment.isoformat(),
              "value": 10.0}
             for sensor_id, latest in READINGS.items() for q, moment in latest.items()],
            door="http",
            now=NOW,
        )  # fmt: skip
        assert result.accepted == 6, result.errors
        off = replace(draft("off", {Quantity.PM25: UGM3}), status="inactive")
        sensors.save_sensor(conn, off, locate=locate, now=NOW)
    return engine


def test_silent_quantities_from_env_latest(silence_engine: Engine) -> None:
    with silence_engine.connect() as conn:
        found = {s.id: s for s in sensors.list_sensors(conn)}

    silent = {sensor_id: s.silent_quantities(NOW) for sensor_id, s in found.items()}
    assert silent == {
        "fresh": [],  # pm25 exactly 3 h old: not past the limit
        "late": [Quantity.PM25],
        "never": [Quantity.PM25],  # nothing in the 4 h since its registration
        "new": [],  # registered 1 h ago: still within the 3 h of pm25
        "off": [],  # inactive: expected to be quiet
        "old-pollen": [Quantity.POLLEN_BIRCH],
    }
    assert found["late"].latest_observed_at == READINGS["late"]
    assert found["never"].latest_observed_at == {}


def test_list_sensors_filters_on_silence_in_sql(silence_engine: Engine) -> None:
    with silence_engine.connect() as conn:
        silent = sensors.list_sensors(conn, silent=True, now=NOW)
        quiet_ok = sensors.list_sensors(conn, silent=False, now=NOW)
        paged = sensors.list_sensors(conn, silent=True, now=NOW, limit=1, offset=1)
        later = sensors.list_sensors(conn, silent=True, now=utc(7, 9, 0))

    assert [s.id for s in silent] == ["late", "never", "old-pollen"]
    assert [s.id for s in quiet_ok] == ["fresh", "new", "off"]
    assert [s.id for s in paged] == ["never"]
    # A week later nothing new came: every active sensor is silent, pollen traps included.
    assert [s.id for s in later] == ["fresh", "late", "never", "new", "old-pollen"]


def test_get_sensor_carries_its_latest_times(silence_engine: Engine) -> None:
    with silence_engine.connect() as conn:
        fresh = sensors.get_sensor(conn, "fresh")

    assert fresh.latest_observed_at == READINGS["fresh"]


def test_sql_filter_agrees_with_silent_quantities_at_every_limit(silence_engine: Engine) -> None:
    # The instants where a series turns silent, and a microsecond either side of each.
    starts = [
        *((q, t) for latest in READINGS.values() for q, t in latest.items()),
        (Quantity.PM25, NOW - timedelta(hours=4)),
        (Quantity.PM25, NOW - timedelta(hours=1)),
    ]
    limits = [t + DEFAULT_THRESHOLDS[q].max_silence for q, t in starts]  # fmt: skip
    tick = timedelta(microseconds=1)
    with silence_engine.connect() as conn:
        everyone = sensors.list_sensors(conn)
        for now in sorted({m + d for m in limits for d in (-tick, timedelta(0), tick)}):
            expected = [s.id for s in everyone if s.silent_quantities(now)]
            found = [s.id for s in sensors.list_sensors(conn, silent=True, now=now)]
            others = [s.id for s in sensors.list_sensors(conn, silent=False, now=now)]
            assert found == expected, now
            assert others == [s.id for s in everyone if s.id not in expected], now

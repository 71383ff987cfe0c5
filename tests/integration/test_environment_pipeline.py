"""The ingestion pipeline on real SQLite and PostgreSQL: storage, units, QC, quarantine."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, Executable, delete, func, insert, select, text, update

from healthycity.environment import store, tables
from healthycity.environment.pipeline import ingest_readings, prepare_readings, store_prepared
from healthycity.environment.quality import QcFlag
from healthycity.environment.quantities import Quantity

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
T0 = datetime(2026, 7, 1, 0, tzinfo=UTC)


def add_sensor(conn: Connection, sensor_id: str, units: dict[str, str], *, status="active"):
    conn.execute(insert(tables.sensors).values(
        id=sensor_id, name=sensor_id, kind="low_cost", lon=3.15, lat=46.99, commune_code="58194",
        operator=None, status=status, created_at=NOW, updated_at=NOW))  # fmt: skip
    rows = [{"sensor_id": sensor_id, "quantity": q, "unit": u} for q, u in units.items()]
    conn.execute(insert(tables.sensor_quantities), rows)


@pytest.fixture
def sensors_engine(engine: Engine) -> Engine:
    with engine.begin() as conn:
        add_sensor(conn, "s1", {"pm25": "µg/m³", "no2": "ppb", "temperature": "°C"})
        add_sensor(conn, "s2", {"pm25": "µg/m³"})
        add_sensor(conn, "old", {"pm25": "µg/m³"}, status="retired")
    return engine


def reading(sensor="s1", quantity="pm25", hours=0.0, value=10.0, unit=None, **extra):
    item = {"sensor_id": sensor, "quantity": quantity,
            "observed_at": (T0 + timedelta(hours=hours)).isoformat(), "value": value}  # fmt: skip
    if unit is not None:
        item["unit"] = unit
    return item | extra


def ingest(engine: Engine, readings):
    with engine.begin() as conn:
        return ingest_readings(conn, readings, door="http", now=NOW)


def count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def series(engine: Engine, sensor="s1", quantity="pm25"):
    with engine.connect() as conn:
        return store.get_observations(
            conn, store.SeriesFilter(sensor_id=sensor, quantity=Quantity(quantity)), limit=1000
        )


def test_ingest_readings_stores_a_batch_and_a_retry_is_a_no_op(sensors_engine: Engine) -> None:
    batch = [reading(hours=h, value=10.0 + h) for h in range(3)] + [reading("s2", value=7.0)]

    first = ingest(sensors_engine, batch)
    retry = ingest(sensors_engine, batch)

    assert (first.received, first.accepted, first.duplicates, first.quarantined) == (4, 4, 0, 0)
    assert (retry.accepted, retry.duplicates, retry.quarantined) == (0, 4, 0)
    assert count(sensors_engine, tables.observations) == 4
    assert [o.value for o in series(sensors_engine)] == [10.0, 11.0, 12.0]
    assert series(sensors_engine)[0].observed_at == T0


def test_ingest_readings_converts_units_to_canonical(sensors_engine: Engine) -> None:
    # NO2 molar mass 46.0055 g/mol; molar volume at 293 K, 101.3 kPa = 24.0489 L/mol:
    # 10 ppb -> 10 * 46.0055 / 24.0489 = 19.130 µg/m³.  68 °F -> 20 °C.  300 K -> 26.85 °C.
    result = ingest(sensors_engine, [
        reading(quantity="no2", value=10.0),  # the sensor's registered unit: ppb
        reading(quantity="temperature", value=68.0, unit="°F"),
        reading(quantity="temperature", hours=1, value=300.0, unit="K"),
        reading(quantity="pm25", value=0.012, unit="mg/m3"),
    ])  # fmt: skip

    assert result.accepted == 4
    assert series(sensors_engine, quantity="no2")[0].value == pytest.approx(19.130, abs=1e-3)
    assert [o.value for o in series(sensors_engine, quantity="temperature")] == pytest.approx(
        [20.0, 26.85]
    )
    assert series(sensors_engine)[0].value == pytest.approx(12.0)


BAD_READINGS = [
    (reading(sensor="nope"), "unknown_sensor", "sensor_id"),
    (reading(sensor="old"), "inactive_sensor", "sensor_id"),
    (reading(quantity="benzene"), "unknown_quantity", "quantity"),
    (reading(sensor="s2", quantity="no2"), "quantity_not_measured", "quantity"),
    (reading(unit="ppb"), "bad_unit", "unit"),
    (reading(unit="furlongs"), "bad_unit", "unit"),
    (reading() | {"observed_at": "2026-07-01T00:00:00"}, "naive_timestamp", "observed_at"),
    (reading() | {"observed_at": "yesterday"}, "bad_timestamp", "observed_at"),
    (reading(hours=12.1), "future_timestamp", "observed_at"),  # NOW + 6 min
    (reading() | {"observed_at": "1970-01-01T00:00:00Z"}, "too_old", "observed_at"),
    # beyond the years 1-9999 once in UTC: were an OverflowError (500)
    (reading() | {"observed_at": "9999-12-31T23:59:59-14:00"}, "future_timestamp", "observed_at"),
    (reading() | {"observed_at": "0001-01-01T00:00:00+14:00"}, "too_old", "observed_at"),
    (reading(value=-1.0), "out_of_range", "value"),
    (reading(value=801.0), "out_of_range", "value"),
    (reading(quantity="temperature", value=140.0, unit="°F"), "out_of_range", "value"),
    (reading(value="NaN"), "not_finite", "value"),
    (reading(value=int("9" * 400)), "not_finite", "value"),  # past a double: was a 500
    (reading(value="ten"), "bad_type", "value"),
    (reading(value=True), "bad_type", "value"),
    (reading(sensor=12), "bad_type", "sensor_id"),
    (reading(sensor=["s1"]), "bad_type", "sensor_id"),  # unhashable: was a 500
    ({"sensor_id": "s1", "quantity": "pm25", "value": 1.0}, "missing_field", "observed_at"),
    ([1, 2], "not_an_object", "item"),
]


@pytest.mark.parametrize(("item", "reason", "field"), BAD_READINGS)
def test_ingest_readings_quarantines_an_invalid_reading(
    sensors_engine: Engine, item: object, reason: str, field: str
) -> None:
    result = ingest(sensors_engine, [reading(sensor="s2"), item])

    assert (result.accepted, result.quarantined) == (1, 1)
    error = result.errors[0]
    assert (error.index, error.reason, error.field) == (1, reason, field)
    assert error.expected
    with sensors_engine.connect() as conn:
        (entry,) = store.get_quarantine(conn)
        stored = store.get_observations(conn, store.SeriesFilter(), limit=10)
    assert (entry.reason, entry.field, entry.door) == (reason, field, "http")
    assert entry.payload
    assert [o.sensor_id for o in stored] == ["s2"]  # nothing invalid stored


def test_ingest_readings_names_times_beyond_year_9999_in_utc(sensors_engine: Engine) -> None:
    # 9999-12-31T23:59:59 at UTC-14 is 10000-01-01T13:59:59 UTC; 0001-01-01T00:00 at UTC+14
    # is 0000-12-31T10:00 UTC: neither fits a datetime, the error still names them in UTC.
    stamps = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]

    result = ingest(sensors_engine, [reading() | {"observed_at": stamp} for stamp in stamps])

    assert [(e.reason, e.value) for e in result.errors] == [
        ("future_timestamp", "10000-01-01T13:59:59.000000Z"),
        ("too_old", "0000-12-31T10:00:00.000000Z"),
    ]
    assert result.errors[1].expected == "a time after 1990-01-01T00:00:00+00:00"


def test_ingest_readings_quarantines_text_holding_nul(sensors_engine: Engine) -> None:
    # PostgreSQL text cannot hold NUL: the quarantine writes it as its escape (was a 500).
    items = [reading(sensor="s1\x00"), reading(value="1\x00"), reading(quantity="pm25\x00")]

    result = ingest(sensors_engine, items)

    assert [e.reason for e in result.errors] == ["unknown_sensor", "bad_type", "unknown_quantity"]
    with sensors_engine.connect() as conn:
        entries = sorted(store.get_quarantine(conn), key=lambda e: e.id)
    assert [(e.sensor_id, e.quantity, e.value) for e in entries] == [
        ("s1\\x00", "pm25", "s1\\x00"),
        ("s1", "pm25", "1\\x00"),
        ("s1", "pm25\\x00", "pm25\\x00"),
    ]
    assert all("\x00" not in (e.payload or "") for e in entries)


def test_ingest_readings_keeps_the_first_value_of_a_conflict_and_flags_it(
    sensors_engine: Engine,
) -> None:
    ingest(sensors_engine, [reading(value=10.0), reading(hours=1, value=20.0)])

    result = ingest(sensors_engine, [reading(value=99.0)])

    assert (result.accepted, result.conflicts, result.quarantined) == (0, 1, 1)
    assert result.errors[0].reason == "duplicate_conflict"
    first = series(sensors_engine)[0]
    assert first.value == 10.0
    assert first.flags & QcFlag.DUPLICATE_CONFLICT
    with sensors_engine.connect() as conn:
        where = store.SeriesFilter(sensor_id="s1")
        hours = store.get_aggregates(conn, where, resolution="hourly", limit=10)
    assert [(a.period_start, a.count) for a in hours] == [(T0 + timedelta(hours=1), 1)]


def test_ingest_readings_flags_spikes_and_flat_lines_across_batches(sensors_engine: Engine) -> None:
    # PM2.5: spike limit 90 µg/m³, flat line = 6 equal values, exempt at or below 5 µg/m³.
    ingest(sensors_engine, [reading(hours=0, value=10.0), reading(hours=1, value=150.0)])
    ingest(sensors_engine, [reading(hours=2, value=12.0)])  # the 150 becomes a spike
    ingest(sensors_engine, [reading(hours=h, value=30.0) for h in (3, 4, 5)])
    ingest(sensors_engine, [reading(hours=h, value=30.0) for h in (6, 7, 8)])  # 6 equal values

    flags = [o.flags for o in series(sensors_engine)]

    assert flags[1] == QcFlag.SPIKE
    assert flags[0] == flags[2] == 0
    assert flags[3:] == [QcFlag.FLAT_LINE] * 6


def test_ingest_readings_flags_a_value_after_a_silence_as_stale(sensors_engine: Engine) -> None:
    ingest(sensors_engine, [reading(hours=0, value=10.0)])

    ingest(sensors_engine, [reading(hours=3.5, value=11.0)])  # PM2.5 stale limit: 3 h

    assert [o.flags for o in series(sensors_engine)] == [0, QcFlag.STALE]


def test_ingest_readings_maintains_hourly_and_daily_aggregates(sensors_engine: Engine) -> None:
    # 00:00-00:59: 10, 20, 60 -> mean 30, min 10, max 60; 01:00-01:59: 40 -> the day: 4 values,
    # mean (10 + 20 + 60 + 40) / 4 = 32.5.  A late reading (00:30) arrives in a later batch.
    ingest(sensors_engine, [reading(hours=0, value=10.0), reading(hours=0.25, value=20.0),
                            reading(hours=1, value=40.0)])  # fmt: skip
    ingest(sensors_engine, [reading(hours=0.5, value=60.0)])

    with sensors_engine.connect() as conn:
        where = store.SeriesFilter(sensor_id="s1", quantity=None)
        hours = store.get_aggregates(conn, where, resolution="hourly", limit=10)
        (day,) = store.get_aggregates(conn, where, resolution="daily", limit=10)

    assert [(a.period_start.hour, a.count, a.mean, a.minimum, a.maximum) for a in hours] == [
        (0, 3, 30.0, 10.0, 60.0),
        (1, 1, 40.0, 40.0, 40.0),
    ]
    assert (day.period_start, day.count, day.mean) == (T0.replace(hour=0), 4, 32.5)


def test_ingest_readings_keeps_the_latest_value_of_each_series(sensors_engine: Engine) -> None:
    ingest(sensors_engine, [reading(hours=1, value=11.0), reading(quantity="no2", value=5.0)])
    ingest(sensors_engine, [reading(hours=0.5, value=99.0)])  # late: not the latest

    with sensors_engine.connect() as conn:
        latest = store.get_latest(conn, "s1")

    assert [(o.quantity.value, o.observed_at, o.value) for o in latest] == [
        ("no2", T0, pytest.approx(9.565, abs=1e-3)),
        ("pm25", T0 + timedelta(hours=1), 11.0),
    ]


# --- A registry change between validation and the write lock -----------------------------------


def registry_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(tables.registry_version.c.version)).scalar_one()


def test_registry_version_is_raised_by_any_change_to_the_sensors(sensors_engine: Engine) -> None:
    seen = [registry_version(sensors_engine)]
    s, sq = tables.sensors, tables.sensor_quantities
    changes = [
        lambda conn: add_sensor(conn, "s3", {"pm10": "µg/m³"}),
        lambda conn: conn.execute(update(s).where(s.c.id == "s3").values(status="retired")),
        lambda conn: conn.execute(update(sq).where(sq.c.sensor_id == "s3").values(unit="mg/m³")),
        lambda conn: conn.execute(text("DELETE FROM env_sensor_quantities WHERE sensor_id='s3'")),
        lambda conn: conn.execute(text("DELETE FROM env_sensors WHERE id = 's3'")),
    ]
    for change in changes:
        with sensors_engine.begin() as conn:
            change(conn)
        seen.append(registry_version(sensors_engine))
    ingest(sensors_engine, [reading()])  # readings are not the registry
    seen.append(registry_version(sensors_engine))

    assert all(a < b for a, b in itertools.pairwise(seen[:-1])), seen
    assert seen[-1] == seen[-2]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (update(tables.sensors).where(tables.sensors.c.id == "s1").values(status="retired"),
         "inactive_sensor"),
        (delete(tables.sensor_quantities).where(tables.sensor_quantities.c.sensor_id == "s1",
                                                tables.sensor_quantities.c.quantity == "pm25"),
         "quantity_not_measured"),
    ],
)  # fmt: skip
def test_store_prepared_validates_again_when_the_registry_changed_since(
    sensors_engine: Engine, change: Executable, reason: str
) -> None:
    with sensors_engine.connect() as conn:
        prepared = prepare_readings(conn, [reading(), reading("s2")], now=NOW)
    assert prepared.errors == []
    with sensors_engine.begin() as conn:
        conn.execute(change)

    with sensors_engine.begin() as conn:
        result = store_prepared(conn, prepared, door="http")

    assert (result.accepted, result.quarantined) == (1, 1)
    assert [(e.sensor_id, e.reason) for e in result.errors] == [("s1", reason)]
    assert [o.value for o in series(sensors_engine, "s2")] == [10.0]
    assert series(sensors_engine, "s1") == []

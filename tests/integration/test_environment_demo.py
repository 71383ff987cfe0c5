"""Demo history on real SQLite and PostgreSQL: real stations, labelled replay, idempotence."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert

from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.environment import sensors, store
from healthycity.environment.demo import REPLAYS, import_demo_environment
from healthycity.environment.quantities import Quantity
from healthycity.errors import ValidationError
from healthycity.territory import tables
from healthycity.territory.store import build_commune_locator

NOW = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
# The communes the demo sensors stand in (the full COG is not needed here).
COMMUNES = {"75056": "Paris", "86194": "Poitiers", "58194": "Nevers",
            "58086": "Cosne-Cours-sur-Loire", "58095": "Decize"}  # fmt: skip


@pytest.fixture
def communes_engine(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(
            insert(tables.territories),
            [{"level": "commune", "code": code, "name": name, "search_name": name.lower()}
             for code, name in COMMUNES.items()],
        )  # fmt: skip
    return engine


def test_import_demo_environment_stores_real_stations_and_the_replay(
    communes_engine: Engine,
) -> None:
    with communes_engine.begin() as conn:
        report = import_demo_environment(conn, DEFAULT_DEMO_DATA_DIR, now=NOW)

    # 1 676 hours of FR04014 and 40 Poitiers hours; 3 sensors × (1 676 NO2 + 1 648 PM2.5).
    assert (report.real.received, report.real.accepted, report.real.quarantined) == (1716, 1716, 0)
    assert (report.replayed.received, report.replayed.accepted) == (9972, 9972)
    assert report.sensors == (
        "FR04014", "FR09015", "FR09403", "FR09404",
        "demo-replay-nevers", "demo-replay-cosne", "demo-replay-decize",
    )  # fmt: skip
    assert {s.split(" ")[0] for s in report.skipped} == {"FR09402", "BETR801", "London"}
    with communes_engine.connect() as conn:
        paris = store.get_observations(conn, store.SeriesFilter(sensor_id="FR04014"), limit=1)[0]
        nevers = store.get_observations(
            conn,
            store.SeriesFilter(sensor_id="demo-replay-nevers", quantity=Quantity.NO2,
                               start=datetime(2026, 6, 9, tzinfo=UTC)),
            limit=1,
        )[0]  # fmt: skip
        decize = sensors.get_sensor(conn, "demo-replay-decize")
        latest = {o.quantity: o.observed_at for o in store.get_latest(conn, "demo-replay-nevers")}
    # FR04014's first hour, stored at its start; replayed 2 618 days (34 × 77) later in Nevers.
    assert (paris.observed_at, paris.value) == (datetime(2019, 4, 9, tzinfo=UTC), 24.4)
    assert (nevers.observed_at, nevers.value) == (datetime(2026, 6, 9, tzinfo=UTC), 24.4)
    assert decize.commune_code == "58095"
    assert "pas une mesure" in decize.name
    assert all(NOW - timedelta(hours=1) < moment <= NOW for moment in latest.values())


def test_import_demo_environment_again_adds_only_the_hours_since(communes_engine: Engine) -> None:
    with communes_engine.begin() as conn:
        import_demo_environment(conn, DEFAULT_DEMO_DATA_DIR, now=NOW)
    with communes_engine.begin() as conn:
        same = import_demo_environment(conn, DEFAULT_DEMO_DATA_DIR, now=NOW)
    with communes_engine.begin() as conn:
        day_later = import_demo_environment(
            conn, DEFAULT_DEMO_DATA_DIR, now=NOW + timedelta(days=1)
        )

    assert (same.real.duplicates, same.replayed.duplicates) == (1716, 9972)
    assert same.replayed.accepted == 0
    assert day_later.replayed.conflicts == 0  # a replayed hour always gets the same value
    assert 0 < day_later.replayed.accepted <= 3 * 2 * 24


def test_import_demo_environment_needs_the_demo_territory(engine: Engine) -> None:
    with (
        pytest.raises(ValidationError, match=r"commune 75056.*healthycity init --demo"),
        engine.begin() as conn,
    ):
        import_demo_environment(conn, DEFAULT_DEMO_DATA_DIR, now=NOW)


def test_replay_sensors_stand_inside_their_communes(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        locator = build_commune_locator(conn)

    assert {r.sensor_id: locator.locate(r.lon, r.lat) for r in REPLAYS} == {
        r.sensor_id: r.commune_code for r in REPLAYS
    }

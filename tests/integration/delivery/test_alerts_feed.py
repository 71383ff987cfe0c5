"""End to end on the demo territory: readings → ATMO classes per commune → rules → CAP → e-mail.

A reference station in Nevers reports hourly NO2 through the ingestion pipeline (the function
the HTTP and MQTT doors call); the alert watcher turns each new hour into ATMO classes for the
communes the station reaches (Nevers, measured; 42 communes within 20 km, interpolated), the
rule "ATMO ≥ mauvais for 3 hours, all clear after 2 hours below" raises one CAP Alert over them,
the outbox holds one notification for a subscriber of Nevers, and a real SMTP server receives
it; the clean hours that follow bring one Cancel to the same recipient.

NO2 hourly values (µg/m³) and their class (arrêté du 10 juillet 2020, Annexe I 1.2: moyen
40-90, dégradé 90-120, mauvais 120-230)::

    hour   0      1        2        3        4        5        6
    NO2    85     125      150      160      150      110      80
    class  moyen  mauvais  mauvais  mauvais  mauvais  dégradé  moyen
    rule                            Alert                      Cancel (2 hours below mauvais)
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from healthycity.alerts import store as alerts_store
from healthycity.alerts.cap import validate_cap
from healthycity.alerts.delivery import tables as delivery_tables
from healthycity.alerts.delivery.channels.email import EmailChannel
from healthycity.alerts.delivery.dispatcher import Dispatcher
from healthycity.alerts.models import MsgType
from healthycity.alerts.rules import parse_rules
from healthycity.alerts.runner import expand_rule_territories, run_rules
from healthycity.alerts_feed.observations import (
    FeedConfig,
    observations_between,
    periods_between,
)
from healthycity.alerts_feed.places import rules_area
from healthycity.alerts_feed.watch import AlertWatcher
from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.environment import sensors
from healthycity.environment.pipeline import ingest_readings
from healthycity.environment.quantities import Quantity
from healthycity.territory import store as territory_store
from healthycity.territory.demo import import_demo
from tests.integration.delivery.conftest import PUBLISHER, SECRET, Mailbox, subscribe

RULES = parse_rules(
    [
        {
            "hazard": "air",
            "index": "atmo",
            "min_level": "mauvais",
            "for_hours": 3,
            "clear_below": "mauvais",
            "clear_for_hours": 2,
            "territories": ["departement/58"],
        }
    ]
)
NO2 = (85.0, 125.0, 150.0, 160.0, 150.0, 110.0, 80.0)
NEVERS = "commune/58194"
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
T0 = NOW - timedelta(hours=10)  # readings of the past, received now
ADDRESS = "marie@example.fr"


@pytest.fixture
def demo(engine: Engine) -> Engine:
    """The demo territory, a reference NO2 station in Nevers, a subscriber of Nevers."""
    with engine.begin() as conn:
        import_demo(conn, DEFAULT_DEMO_DATA_DIR, progress=lambda *_: None)
        nevers = territory_store.get_territory(conn, "commune", "58194")
        assert nevers.centroid_lon is not None
        assert nevers.centroid_lat is not None
        draft = sensors.SensorDraft(
            "fr-nevers-no2", "Nevers", "reference", nevers.centroid_lon, nevers.centroid_lat,
            {Quantity.NO2: "µg/m³"}, commune_code="58194", operator="Atmo BFC",
        )  # fmt: skip
        sensors.save_sensor(conn, draft, locate=lambda _lon, _lat: None)
    subscribe(engine, ADDRESS, (NEVERS,), hazards=("air",))
    return engine


def ingest_hour(engine: Engine, hour: int) -> None:
    reading = {"sensor_id": "fr-nevers-no2", "quantity": "no2", "value": NO2[hour],
               "observed_at": (T0 + timedelta(hours=hour)).isoformat()}  # fmt: skip
    with engine.begin() as conn:
        result = ingest_readings(conn, [reading], door="http")
    assert result.accepted == 1, result.errors


def watcher(engine: Engine) -> AlertWatcher:
    with engine.connect() as conn:
        rules = expand_rule_territories(conn, RULES)
        area = rules_area(conn, rules)
    return AlertWatcher(engine, rules, area, publisher=PUBLISHER, since=NOW - timedelta(days=1))


def dispatch(engine: Engine, port: int) -> None:
    channel = EmailChannel(host="127.0.0.1", port=port, sender="alertes@sante.nievre.example")
    worker = Dispatcher(
        engine, {"email": channel}, secret_key=SECRET,
        public_url="https://alertes.example.fr", worker_id="test",
    )  # fmt: skip
    worker.run(threading.Event(), once=True)
    channel.close()


def messages(engine: Engine) -> list[alerts_store.StoredAlert]:
    with engine.connect() as conn:
        return alerts_store.list_alerts(conn, limit=100)[1]


def test_readings_raise_one_cap_alert_then_one_cancel_by_e_mail(
    demo: Engine, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    first, second = watcher(demo), watcher(demo)
    for hour in range(3):
        ingest_hour(demo, hour)
        assert first.run_once().published == []  # a run of 2 hours is not an episode

    ingest_hour(demo, 3)  # the third hour at mauvais: both watchers see it at once
    reports = []
    threads = [threading.Thread(target=lambda w=w: reports.append(w.run_once()))
               for w in (first, second)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    published = [m for r in reports for m in r.published]
    assert [m.msg_type for m in published] == [MsgType.ALERT]  # once, not once per watcher
    alert = published[0]
    with demo.connect() as conn:
        covered = alerts_store.covered_communes(conn, [alert.id])[alert.id]
        validate_cap(alerts_store.get_cap_xml(conn, alert.id))  # the OASIS CAP 1.2 schema
        outbox = conn.execute(
            select(func.count()).where(delivery_tables.outbox.c.alert_id == alert.id)
        ).scalar_one()
    assert "58194" in covered
    assert len(covered) == 43
    assert alert.level == "mauvais"
    assert alert.severity == "Moderate"
    assert outbox == 1  # the one subscriber, of Nevers
    dispatch(demo, port)
    assert len(mailbox.to(ADDRESS)) == 1

    for hour in range(4, 7):
        ingest_hour(demo, hour)
        first.run_once()
    cancels = [m for m in messages(demo) if m.msg_type is MsgType.CANCEL]
    assert len(cancels) == 1
    assert cancels[0].chain_id == alert.id
    dispatch(demo, port)
    received = mailbox.to(ADDRESS)
    assert len(received) == 2  # the Cancel reached the same recipient

    # Re-running over the same data, by a fresh watcher or by hand, publishes nothing again.
    assert watcher(demo).run_once().published == []
    with demo.begin() as conn:
        rules = expand_rule_territories(conn, RULES)
        area = rules_area(conn, rules)
        levels = observations_between(
            conn, rules, area, periods_between(T0, T0 + timedelta(hours=7)), FeedConfig()
        )
        assert run_rules(conn, rules, lambda: levels, publisher=PUBLISHER, now=NOW) == []
    assert len(messages(demo)) == 2


def test_a_later_reading_that_makes_an_hour_worse_raises_the_alert(demo: Engine) -> None:
    """The hour is evaluated on its first reading (moyen), then again when the second arrives.

    NO2 at :10 is 60 µg/m³ (moyen); at :40, 300: the hour's mean is 180, mauvais (120-230).
    """
    rules = parse_rules([{"index": "atmo", "min_level": "mauvais", "for_hours": 1,
                          "territories": [NEVERS]}])  # fmt: skip
    with demo.connect() as conn:
        area = rules_area(conn, expand_rule_territories(conn, rules))
    watch = AlertWatcher(demo, rules, area, publisher=PUBLISHER, since=NOW - timedelta(days=1))
    for minute, value, expected in ((10, 60.0, []), (40, 300.0, [MsgType.ALERT])):
        reading = {"sensor_id": "fr-nevers-no2", "quantity": "no2", "value": value,
                   "observed_at": (T0 + timedelta(minutes=minute)).isoformat()}  # fmt: skip
        with demo.begin() as conn:
            assert ingest_readings(conn, [reading], door="http").accepted == 1
        assert [m.msg_type for m in watch.run_once().published] == expected

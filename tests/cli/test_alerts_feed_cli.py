"""``alerts evaluate --from-indices`` and ``alerts watch``: rules fed by the stored indices.

On the seeded territory of ``tests/environment_indices_seed.py`` (readings of 2026-01-15),
hand-computed ATMO classes of hour ``h`` (arrêté du 10 juillet 2020, Annexe I; O3 bounds
50/100/130/240, NO2 40/90/120/230):

- Marzy (58160, station ref-marzy, measured): O3 = 130 + 10·(h mod 3), so *dégradé* when
  h mod 3 = 0 and *mauvais* otherwise; NO2 50-80 *moyen*.
- Nevers (58194, ref-nevers, measured): O3 60-80 and NO2 30-45, *moyen* (the NO2 spike of
  hour 12, 300 µg/m³, is flagged by QC and left out).
- Garchizy (58121, interpolated, 3 km from ref-nevers and 4 km from ref-marzy, weights 16/25
  and 9/25): at h = 1, O3 (16·70 + 9·140)/25 = 95.2 and NO2 (16·35 + 9·60)/25 = 44, *moyen*.
- Urzy (58300, only a low-cost sensor: interpolated, 2.5 km from both): at h = 1, O3
  (70 + 140)/2 = 105, *dégradé*.
- Cosne (58086, 30 km from any station): unavailable, no observation.

The rule "ATMO ≥ mauvais for 2 hours, all clear after 1 hour below" therefore sees Marzy at
mauvais in hours (1, 2), (4, 5) … (22, 23): 8 Alerts (at hours 2, 5, … 23) and 7 Cancels
(at hours 3, 6, … 21), each over Marzy alone.
"""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from healthycity.alerts import store
from healthycity.alerts.models import MsgType
from healthycity.alerts.rules import parse_rules
from healthycity.alerts_feed.observations import (
    FeedConfig,
    observations_between,
    periods_between,
)
from healthycity.alerts_feed.places import rules_area
from healthycity.config import Settings
from healthycity.storage.engine import make_engine
from tests.cli.conftest import Run
from tests.environment_indices_seed import DAY_START, seed_all, seed_birch_pollen

RULES = [
    {
        "hazard": "air",
        "index": "atmo",
        "min_level": "mauvais",
        "for_hours": 2,
        "clear_below": "mauvais",
        "clear_for_hours": 1,
        "territories": ["departement/58"],
    }
]


@pytest.fixture
def seeded(cli_engine: Engine, tmp_path: Path) -> Path:
    with cli_engine.begin() as conn:
        seed_all(conn)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    return rules


def _messages(settings: Settings) -> list[store.StoredAlert]:
    engine = make_engine(settings.database)
    with engine.connect() as conn:
        _, messages = store.list_alerts(conn, limit=1000)
    engine.dispose()
    return list(reversed(messages))


def test_observations_between_hand_computed_hour(seeded: Path, settings: Settings) -> None:
    del seeded
    engine: Engine = make_engine(settings.database)
    hour = DAY_START + timedelta(hours=1)
    with engine.connect() as conn:
        rules = parse_rules(RULES)
        area = rules_area(conn, rules)
        found = observations_between(
            conn, rules, area, periods_between(hour, hour + timedelta(hours=1)), FeedConfig()
        )
    engine.dispose()
    assert {(o.territory, o.level) for o in found} == {
        ("commune/58160", "mauvais"),
        ("commune/58194", "moyen"),
        ("commune/58121", "moyen"),
        ("commune/58300", "degrade"),
    }  # and no observation for Cosne, beyond 20 km
    assert {(o.time, o.index) for o in found} == {(hour, "atmo")}


def test_alerts_evaluate_from_indices_publishes_once(
    run: Run, seeded: Path, settings: Settings
) -> None:
    args = ("alerts", "evaluate", "--rules", str(seeded), "--from-indices",
            "--since", DAY_START.isoformat(),
            "--until", (DAY_START + timedelta(days=1)).isoformat())  # fmt: skip

    first = run(*args)
    second = run(*args, "--departement", "58")

    assert first.exit_code == 0, first.output
    assert "15 message(s) publié(s) sur 1 règle(s)." in first.output
    assert second.exit_code == 0, second.output
    assert "0 message(s) publié(s)" in second.output
    messages = _messages(settings)
    assert [m.msg_type for m in messages] == [MsgType.ALERT, MsgType.CANCEL] * 7 + [MsgType.ALERT]
    assert {m.areas for m in messages} == {("commune/58160",)}
    assert messages[0].effective == DAY_START + timedelta(hours=2)


def test_alerts_watch_once_evaluates_what_was_stored(
    run: Run, seeded: Path, settings: Settings
) -> None:
    since = ("--since", (DAY_START - timedelta(days=400)).isoformat())
    first = run("alerts", "watch", "--rules", str(seeded), "--once", *since)
    second = run("alerts", "watch", "--rules", str(seeded), "--once", *since)

    assert first.exit_code == 0, first.output
    assert "15 message(s) publié(s)" in first.output
    assert second.exit_code == 0, second.output
    assert "0 message(s) publié(s)" in second.output
    assert len(_messages(settings)) == 15


def test_alerts_evaluate_takes_the_pollen_classes_of_the_settings(
    run: Run, cli_engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """Birch at Nevers averages 32 grains/m³ on the day: "modéré" with classes 10/20/40/80/160
    (HC_POLLEN_THRESHOLDS_FILE), so a rule from "modéré" publishes; with the shipped table,
    which has no classes, the level is "indisponible" and nothing is published.
    """
    with cli_engine.begin() as conn:
        seed_all(conn)
        seed_birch_pollen(conn)
    rules = tmp_path / "pollen-rules.json"
    rule = {"hazard": "pollen", "index": "pollen", "min_level": "modéré", "for_days": 1,
            "clear_below": "modéré", "clear_for_days": 1,
            "territories": ["commune/58194"]}  # fmt: skip
    rules.write_text(json.dumps([rule]), encoding="utf-8")
    classes = tmp_path / "pollen.json"
    classes.write_text(
        json.dumps({"source": "test", "taxa": {"pollen_birch": [10, 20, 40, 80, 160]}})
    )
    args = ("alerts", "evaluate", "--rules", str(rules), "--from-indices",
            "--since", DAY_START.isoformat(),
            "--until", (DAY_START + timedelta(days=1)).isoformat())  # fmt: skip

    without = run(*args)
    found = run(*args, env={"HC_POLLEN_THRESHOLDS_FILE": str(classes)})

    assert without.exit_code == 0, without.output
    assert "0 message(s) publié(s)" in without.output
    assert found.exit_code == 0, found.output
    assert "1 message(s) publié(s) sur 1 règle(s)." in found.output
    (alert,) = _messages(settings)
    assert (alert.msg_type, alert.areas) == (MsgType.ALERT, ("commune/58194",))
    assert alert.effective == DAY_START  # the civil day starts at 23:00 UTC in January


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ((), "Expected exactly one source of levels"),
        (("--from-indices", "--since", "2026-01-15T00:00"), "expected an ISO 8601 time with"),
    ],
)
def test_alerts_evaluate_refuses_bad_options(
    run: Run, seeded: Path, extra: tuple[str, ...], reason: str
) -> None:
    result = run("alerts", "evaluate", "--rules", str(seeded), *extra)
    assert result.exit_code != 0
    assert reason in result.output

"""Issuing, updating, cancelling, importing and rule-publishing alerts, on both backends."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from sqlalchemy import Connection, Engine, func, select

from healthycity.alerts import service, store
from healthycity.alerts.cap import build_cap_xml, validate_cap
from healthycity.alerts.cap_import import parse_cap
from healthycity.alerts.compose import AlertDraft, Text
from healthycity.alerts.levels import AtmoLevel, Hazard
from healthycity.alerts.models import (
    CAP_NAMESPACE,
    Alert,
    Certainty,
    MsgType,
    Reference,
    Severity,
    Status,
    Urgency,
)
from healthycity.alerts.publishing import register_publish_hook, unregister_publish_hook
from healthycity.alerts.rules import IndexObservation, parse_rule
from healthycity.alerts.runner import expand_rule_territories, run_rules
from healthycity.alerts.tables import alert_areas, alerts
from healthycity.auth.models import Identity
from healthycity.errors import PermissionDeniedError, ValidationError
from tests.api.conftest import seed_territory
from tests.unit.alerts.conftest import air_info

NS = {"cap": CAP_NAMESPACE}
PUBLISHER = service.Publisher("alertes@sante.nievre.example", "ARS BFC")
NOW = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
OPERATOR = Identity(role="operator", token_id=None)
NIEVRE_OPERATOR = Identity(role="operator", scope_level="departement", scope_code="58")
WATER = AlertDraft(
    event=Text("Contamination de l'eau du robinet"),
    headline=Text("Eau à faire bouillir à Nevers", "Boil water in Nevers"),
    description=Text("Une contamination bactérienne a été détectée."),
    areas=("commune/58194",),
    urgency=Urgency.IMMEDIATE,
    severity=Severity.SEVERE,
    certainty=Certainty.OBSERVED,
    status=Status.EXERCISE,
    hazard=Hazard.DRINKING_WATER,
)


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction on a database holding the seed territory."""
    with engine.begin() as connection:
        seed_territory(connection)
        yield connection


def _issue(conn: Connection, draft: AlertDraft = WATER, **kwargs: object) -> store.StoredAlert:
    options = {"identity": OPERATOR, "publisher": PUBLISHER, "now": NOW} | kwargs
    return service.issue_alert(conn, draft, **options)  # type: ignore[arg-type]


def _root(conn: Connection, alert_id: int) -> etree._Element:
    return etree.fromstring(store.get_cap_xml(conn, alert_id))


def test_issue_alert_stores_a_schema_valid_cap_message(conn: Connection) -> None:
    stored = _issue(conn)

    xml = store.get_cap_xml(conn, stored.id)
    validate_cap(xml)
    root = etree.fromstring(xml)
    assert root.findtext("cap:sender", namespaces=NS) == "alertes@sante.nievre.example"
    assert root.findtext("cap:status", namespaces=NS) == "Exercise"
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    infos = root.findall("cap:info", namespaces=NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["fr-FR", "en-GB"]
    assert infos[1].findtext("cap:headline", namespaces=NS) == "Boil water in Nevers"
    # no English description given: the English block says so and carries the French
    assert (
        infos[1]
        .findtext("cap:description", namespaces=NS)
        .startswith("No English translation was provided")
    )
    area = infos[0].find("cap:area", namespaces=NS)
    assert area.findtext("cap:areaDesc", namespaces=NS) == "Nevers"
    assert area.findtext("cap:geocode/cap:value", namespaces=NS) == "58194"
    assert area.findtext("cap:polygon", namespaces=NS).startswith("46.95,3.1 ")
    assert (stored.msg_type, stored.status, stored.source) == (
        MsgType.ALERT,
        Status.EXERCISE,
        "manual",
    )
    assert stored.is_active_at(NOW)


def test_issue_alert_on_a_departement_covers_its_communes(conn: Connection) -> None:
    stored = _issue(conn, replace(WATER, areas=("departement/58",)))

    assert store.covered_communes(conn, [stored.id]) == {stored.id: ["58194"]}
    area = _root(conn, stored.id).find("cap:info/cap:area", namespaces=NS)
    assert area.findtext("cap:areaDesc", namespaces=NS) == "Nièvre (58)"
    assert area.find("cap:polygon", namespaces=NS) is None  # the seed has no outline for 58
    given = conn.execute(
        select(alert_areas.c.level, alert_areas.c.code, alert_areas.c.is_given).where(
            alert_areas.c.alert_id == stored.id
        )
    ).all()
    assert sorted(given) == [("commune", "58194", False), ("departement", "58", True)]


def test_issue_alert_adds_the_advice_of_the_level(conn: Connection) -> None:
    draft = replace(
        WATER,
        hazard=Hazard.AIR_QUALITY,
        level=AtmoLevel.MAUVAIS,
        instruction=Text("Suivez les consignes de la préfecture."),
    )
    stored = _issue(conn, draft)

    assert stored.instruction_fr is not None
    assert stored.instruction_fr.startswith("Suivez les consignes de la préfecture.\n\n")
    assert "Limitez les activités physiques et sportives intenses" in stored.instruction_fr
    assert stored.instruction_fr.endswith(
        "Sources : Ministère chargé de la santé (Journal officiel)"
    )
    assert stored.instruction_en is not None
    assert stored.instruction_en.startswith("No English translation was provided")
    assert "Sources: " in stored.instruction_en
    assert (stored.hazard, stored.level, stored.categories) == (
        Hazard.AIR_QUALITY,
        "mauvais",
        ("Health", "Env"),
    )


def test_update_and_cancel_reference_the_whole_chain(conn: Connection) -> None:
    first = _issue(conn)
    draft = replace(service.draft_of(conn, first.id), severity=Severity.EXTREME)
    updated = service.update_alert(
        conn, first.id, draft, identity=OPERATOR, publisher=PUBLISHER, now=NOW + timedelta(hours=1)
    )
    cancelled = service.cancel_alert(
        conn,
        updated.id,
        note=Text("Eau de nouveau potable.", "Water safe again."),
        identity=OPERATOR,
        publisher=PUBLISHER,
        now=NOW + timedelta(hours=2),
    )

    chain = store.get_chain(conn, first.id)
    assert [m.msg_type for m in chain] == [MsgType.ALERT, MsgType.UPDATE, MsgType.CANCEL]
    assert [m.original_id for m in chain] == [None, first.id, first.id]
    assert [m.superseded_by for m in chain] == [updated.id, cancelled.id, None]
    assert updated.status is cancelled.status is Status.EXERCISE  # the chain's status
    update_message = parse_cap(store.get_cap_xml(conn, updated.id))
    cancel_message = parse_cap(store.get_cap_xml(conn, cancelled.id))
    first_ref = Reference(first.sender, first.identifier, first.sent)
    assert update_message.references == (first_ref,)
    assert cancel_message.references == (
        first_ref,
        Reference(updated.sender, updated.identifier, updated.sent),
    )
    fr = cancel_message.infos[0]
    assert fr.response_types[0].value == "AllClear"
    assert fr.urgency is Urgency.PAST
    assert fr.description == "Eau de nouveau potable."
    assert cancel_message.infos[1].description == "Water safe again."
    # in force: the Alert until the Update, the Update until the Cancel, then nothing
    assert first.is_active_at(NOW)
    assert not store.get_alert(conn, first.id).is_active_at(NOW + timedelta(minutes=90))
    assert store.get_alert(conn, updated.id).is_active_at(NOW + timedelta(minutes=90))
    assert store.list_alerts(conn, active_at=NOW + timedelta(hours=3))[0] == 0


def test_cancel_twice_or_update_a_cancelled_alert_is_refused(conn: Connection) -> None:
    first = _issue(conn)
    service.cancel_alert(conn, first.id, note=None, identity=OPERATOR, publisher=PUBLISHER, now=NOW)
    with pytest.raises(ValidationError, match=rf"Alert {first.id} was cancelled by alert"):
        service.cancel_alert(
            conn, first.id, note=None, identity=OPERATOR, publisher=PUBLISHER, now=NOW
        )
    with pytest.raises(ValidationError, match="was cancelled"):
        service.update_alert(conn, first.id, WATER, identity=OPERATOR, publisher=PUBLISHER, now=NOW)


@pytest.mark.parametrize(
    ("identity", "areas", "error", "reason"),
    [
        (NIEVRE_OPERATOR, ("commune/18033",), PermissionDeniedError, "lies outside that scope"),
        (NIEVRE_OPERATOR, ("commune/58194", "commune/18033"), PermissionDeniedError, "18033"),
        (NIEVRE_OPERATOR, ("region/27",), PermissionDeniedError, "region/27 lies outside"),
        (
            Identity(role="territory_admin", token_id=1),
            ("commune/58194",),
            PermissionDeniedError,
            "'operator' is needed",
        ),
        (OPERATOR, ("commune/99999",), ValidationError, "'commune/99999' names no known"),
        (OPERATOR, ("nevers",), ValidationError, "expected level/code"),
        (OPERATOR, (), ValidationError, "at least one territory"),
    ],
)
def test_issue_alert_checks_role_scope_and_areas(
    conn: Connection, identity: Identity, areas: tuple[str, ...], error: type, reason: str
) -> None:
    with pytest.raises(error, match=reason):
        _issue(conn, replace(WATER, areas=areas), identity=identity)
    assert conn.execute(select(func.count()).select_from(alerts)).scalar_one() == 0


def test_issue_alert_within_scope(conn: Connection) -> None:
    stored = _issue(
        conn, replace(WATER, areas=("commune/58194", "epci/245804406")), identity=NIEVRE_OPERATOR
    )
    assert stored.areas == ("commune/58194", "epci/245804406")


def test_issue_alert_refuses_an_expiry_before_it_takes_effect(conn: Connection) -> None:
    with pytest.raises(ValidationError, match="expected an expiry after the alert takes effect"):
        _issue(conn, replace(WATER, expires=NOW - timedelta(hours=1)))


def test_publish_hooks_run_in_the_alert_transaction(engine: Engine) -> None:
    with engine.begin() as connection:
        seed_territory(connection)
    seen: list[tuple[int, str]] = []

    def record(connection: Connection, alert_id: int) -> None:
        # the hook reads the alert on the same, uncommitted transaction
        seen.append((alert_id, store.get_alert(connection, alert_id).identifier))

    def refuse(_connection: Connection, alert_id: int) -> None:
        msg = f"outbox full for alert {alert_id}"
        raise RuntimeError(msg)

    register_publish_hook(record)
    register_publish_hook(record)  # registering twice is harmless: called once
    try:
        with engine.begin() as connection:
            stored = _issue(connection)
        assert seen == [(stored.id, stored.identifier)]
        register_publish_hook(refuse)
        with pytest.raises(RuntimeError, match="outbox full"), engine.begin() as connection:
            _issue(connection)
    finally:
        unregister_publish_hook(record)
        unregister_publish_hook(refuse)
    with engine.connect() as connection:
        total, _ = store.list_alerts(connection)
    assert total == 1  # the alert whose hook failed was rolled back with it


def test_list_alerts_filters_by_territory_containment_and_fields(conn: Connection) -> None:
    nevers = _issue(conn)
    cher = _issue(
        conn, replace(WATER, areas=("departement/18",), status=Status.ACTUAL, hazard=Hazard.HEAT)
    )

    def ids(**filters: object) -> list[int]:
        return [a.id for a in store.list_alerts(conn, **filters)[1]]  # type: ignore[arg-type]

    assert ids(communes=["58194"]) == [nevers.id]
    assert ids(communes=["18033"]) == [cher.id]
    assert ids(communes=[]) == []
    assert ids(hazard=Hazard.HEAT) == [cher.id]
    assert ids(status=Status.EXERCISE) == [nevers.id]
    assert ids(msg_type=MsgType.ALERT) == [cher.id, nevers.id]
    assert ids(active_at=NOW - timedelta(seconds=1)) == []
    assert store.list_alerts(conn, limit=1)[0] == 2


def test_import_cap_stores_once_and_chains_updates(conn: Connection) -> None:
    message = Alert(
        identifier="mf-2026-07-01-canicule",
        sender="vigilance@meteo.example",
        sent=NOW,
        status=Status.ACTUAL,
        msg_type=MsgType.ALERT,
        infos=(replace(air_info("fr-FR"), event="Vigilance canicule"),),
    )
    stored, is_new = service.import_cap(conn, build_cap_xml(message), identity=OPERATOR, now=NOW)
    again, is_new_again = service.import_cap(
        conn, build_cap_xml(message), identity=OPERATOR, now=NOW
    )
    with pytest.raises(ValidationError, match=r"imported from 'vigilance@meteo\.example'"):
        service.update_alert(
            conn, stored.id, WATER, identity=OPERATOR, publisher=PUBLISHER, now=NOW
        )
    cancel = Alert(
        identifier="mf-2026-07-02-fin",
        sender=message.sender,
        sent=NOW + timedelta(days=1),
        status=Status.ACTUAL,
        msg_type=MsgType.CANCEL,
        references=(message.reference,),
    )
    ended, _ = service.import_cap(conn, build_cap_xml(cancel), identity=OPERATOR, now=NOW)

    assert (is_new, is_new_again, again.id) == (True, False, stored.id)
    assert (stored.source, stored.hazard, stored.sender) == (
        "imported",
        Hazard.HEAT,
        "vigilance@meteo.example",
    )
    assert store.covered_communes(conn, [stored.id]) == {stored.id: ["58194"]}
    assert ended.original_id == stored.id
    assert store.get_alert(conn, stored.id).superseded_by == ended.id
    validate_cap(store.get_cap_xml(conn, stored.id))


def test_import_cap_by_a_scoped_operator_stays_in_scope(conn: Connection) -> None:
    inside = Alert(
        "mf-1",
        "vigilance@meteo.example",
        NOW,
        Status.ACTUAL,
        MsgType.ALERT,
        infos=(air_info("fr-FR"),),
    )
    stored, _ = service.import_cap(conn, build_cap_xml(inside), identity=NIEVRE_OPERATOR, now=NOW)
    assert stored.id > 0
    no_geocode = Alert("mf-2", "vigilance@meteo.example", NOW, Status.ACTUAL, MsgType.ALERT)
    with pytest.raises(PermissionDeniedError, match="areas without INSEE geocodes"):
        service.import_cap(conn, build_cap_xml(no_geocode), identity=NIEVRE_OPERATOR, now=NOW)


def test_import_cap_refuses_hostile_xml(conn: Connection) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><alert>&lol2;</alert>'
    )
    with pytest.raises(ValidationError, match="declares a DOCTYPE"):
        service.import_cap(conn, bomb, identity=OPERATOR, now=NOW)


# --- Rules --------------------------------------------------------------------------------

AIR_RULE = parse_rule(
    {
        "hazard": "air",
        "index": "atmo",
        "min_level": "mauvais",
        "for_hours": 2,
        "clear_below": "degrade",
        "clear_for_hours": 1,
        "territories": ["departement/58"],
    }
)


def _hours(
    levels: list[str], *, start: int = 0, territory: str = "commune/58194"
) -> list[IndexObservation]:
    return [
        IndexObservation(territory, NOW + timedelta(hours=start + i), "atmo", level)
        for i, level in enumerate(levels)
    ]


def test_run_rules_publishes_an_episode_and_remembers_it(conn: Connection) -> None:
    rules = expand_rule_territories(conn, [AIR_RULE])
    assert rules[0].territories == {"departement/58", "commune/58194"}

    first = run_rules(
        conn, rules, lambda: _hours(["mauvais", "tres_mauvais"]), publisher=PUBLISHER, now=NOW
    )
    again = run_rules(
        conn, rules, lambda: _hours(["mauvais", "tres_mauvais"]), publisher=PUBLISHER, now=NOW
    )
    later = run_rules(
        conn,
        rules,
        lambda: _hours(["tres_mauvais", "bon"] + ["mauvais"] * 2, start=2),
        publisher=PUBLISHER,
        now=NOW + timedelta(hours=6),
    )
    ignored_outside = run_rules(
        conn,
        rules,
        lambda: _hours(["mauvais"] * 3, territory="commune/18033"),
        publisher=PUBLISHER,
        now=NOW,
    )

    assert [m.msg_type for m in first] == [MsgType.ALERT]
    assert again == []
    assert ignored_outside == []
    assert [m.msg_type for m in later] == [MsgType.UPDATE, MsgType.CANCEL, MsgType.ALERT]
    alert, update, cancel, new_alert = first + later
    assert (alert.source, alert.rule_id, alert.level) == ("rule", AIR_RULE.id, "mauvais")
    assert alert.headline_fr == "Pollution de l'air : niveau « mauvais » – Nevers"
    assert alert.severity == "Moderate"
    assert (update.level, update.severity, update.original_id) == (
        "tres_mauvais",
        "Severe",
        alert.id,
    )
    assert cancel.original_id == alert.id
    assert (cancel.headline_fr or "").startswith("Fin de l'épisode")
    assert new_alert.original_id is None
    assert new_alert.episode != alert.episode
    for message in first + later:
        validate_cap(store.get_cap_xml(conn, message.id))


def test_run_rules_skips_an_episode_an_operator_cancelled(conn: Connection) -> None:
    rules = expand_rule_territories(conn, [AIR_RULE])
    (alert,) = run_rules(conn, rules, lambda: _hours(["mauvais"] * 2), publisher=PUBLISHER, now=NOW)
    service.cancel_alert(conn, alert.id, note=None, identity=OPERATOR, publisher=PUBLISHER, now=NOW)
    later = run_rules(
        conn,
        rules,
        lambda: _hours(["tres_mauvais"] * 2 + ["bon"], start=2),
        publisher=PUBLISHER,
        now=NOW + timedelta(hours=5),
    )
    assert later == []


def test_run_rules_leaves_nothing_behind_when_a_territory_is_unknown(engine: Engine) -> None:
    with engine.begin() as connection:
        seed_territory(connection)
    rule = parse_rule({"index": "atmo", "min_level": "mauvais", "for_hours": 1})
    with pytest.raises(ValidationError, match="99999"), engine.begin() as connection:
        run_rules(
            connection,
            [rule],
            lambda: _hours(["mauvais"]) + _hours(["mauvais"], territory="commune/99999"),
            publisher=PUBLISHER,
            now=NOW,
        )
    with engine.connect() as connection:
        assert store.list_alerts(connection)[0] == 0
        assert store.load_rule_states(connection) == {}

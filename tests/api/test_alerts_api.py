"""The alerts API on both backends: every endpoint, roles and scopes, CAP, Atom, import."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from healthycity.alerts._xml import MAX_CAP_BYTES
from healthycity.alerts.cap import build_cap_xml, validate_cap
from healthycity.alerts.cap_import import parse_cap
from healthycity.alerts.feed import ATOM_NAMESPACE
from healthycity.alerts.models import Alert, MsgType, Reference, Status
from tests.api.conftest import MintToken
from tests.unit.alerts.conftest import air_info, check_atom_feed

API = "/api/v1"
PROBLEM = "application/problem+json"
ATOM = {"atom": ATOM_NAMESPACE}
BODY: dict[str, Any] = {
    "event": "Contamination de l'eau du robinet",
    "status": "Exercise",
    "urgency": "Immediate",
    "severity": "Severe",
    "certainty": "Observed",
    "headline": "Eau à faire bouillir",
    "description": "Contamination bactérienne du réseau.",
    "areas": ["commune/58194"],
    "hazard": "water",
    "level": "boil_before_use",
}
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b']>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&lol9;</alert>'
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>'
)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["detail"]
    return problem


@pytest.fixture
def operator(mint_token: MintToken) -> dict[str, str]:
    return _auth(mint_token("operator"))


def _issue(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post(f"{API}/alerts", json=BODY | changes, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def test_post_alert_issues_and_serves_json_and_cap(
    writable_client: TestClient, operator: dict[str, str]
) -> None:
    created = _issue(writable_client, operator)

    assert created["msg_type"] == "Alert"
    assert created["status"] == "Exercise"
    assert created["hazard"] == "drinking_water"
    assert created["communes"] == ["58194"]
    assert created["is_active"] is True
    # no English given: the English block keeps the French headline and says so in the text
    assert created["headline"] == {"fr": "Eau à faire bouillir", "en": "Eau à faire bouillir"}
    assert created["description"]["en"].startswith("No English translation was provided")
    assert created["instruction"]["fr"].startswith("Tout le monde")  # advice for the level
    assert created["links"]["cap"].endswith(f"/api/v1/alerts/{created['id']}/cap")
    shown = writable_client.get(f"{API}/alerts/{created['id']}")
    assert shown.json() == created
    cap = writable_client.get(f"{API}/alerts/{created['id']}/cap")
    assert cap.headers["content-type"] == "application/cap+xml"
    validate_cap(cap.content)  # the OASIS CAP 1.2 schema
    message = parse_cap(cap.content)
    assert (message.identifier, message.status, message.msg_type) == (
        created["identifier"],
        Status.EXERCISE,
        MsgType.ALERT,
    )
    assert [i.language for i in message.infos] == ["fr-FR", "en-GB"]


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        (None, None, 401),
        ("citizen", None, 403),
        ("territory_admin", None, 403),
        ("operator", "departement/18", 403),
        ("operator", "commune/58194", 201),
        ("operator", "departement/58", 201),
    ],
)
def test_post_alert_needs_an_operator_whose_scope_holds_the_areas(
    writable_client: TestClient,
    mint_token: MintToken,
    role: str | None,
    scope: str | None,
    status: int,
) -> None:
    headers = _auth(mint_token(role, scope=scope)) if role else {}
    response = writable_client.post(f"{API}/alerts", json=BODY, headers=headers)
    if status == 201:
        assert response.status_code == 201
    else:
        _problem(response, status)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"headline": ""}, "headline"),
        ({"status": "Draft"}, "status"),
        ({"areas": []}, "areas"),
        ({"areas": ["Nevers"]}, "areas.0"),
        ({"areas": ["commune/99999"]}, "'commune/99999' names no known territory"),
        ({"hazard": "volcano"}, "hazard 'volcano'"),
        ({"level": "rouge"}, "level 'rouge'"),
        ({"expires": "2020-01-01T00:00:00+01:00"}, "expected an expiry after"),
        ({"expires": "2030-01-01T00:00:00"}, "timezone"),
        ({"severity": "Bad"}, "severity"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_post_alert_refuses_bad_bodies_with_a_reason(
    writable_client: TestClient, operator: dict[str, str], changes: dict[str, Any], reason: str
) -> None:
    response = writable_client.post(f"{API}/alerts", json=BODY | changes, headers=operator)
    assert reason in _problem(response, 422)["detail"]


def test_update_and_cancel_continue_the_chain(
    writable_client: TestClient, operator: dict[str, str]
) -> None:
    first = _issue(writable_client, operator)
    update = writable_client.post(
        f"{API}/alerts/{first['id']}/update",
        json={
            "severity": "Extreme",
            "headline": "Ne buvez pas l'eau",
            "headline_en": "Do not drink",
        },
        headers=operator,
    )
    assert update.status_code == 201, update.text
    updated = update.json()
    cancel = writable_client.post(f"{API}/alerts/{updated['id']}/cancel", headers=operator)
    assert cancel.status_code == 201, cancel.text
    cancelled = cancel.json()

    assert (updated["msg_type"], updated["severity"], updated["status"]) == (
        "Update",
        "Extreme",
        "Exercise",
    )
    assert updated["headline"] == {"fr": "Ne buvez pas l'eau", "en": "Do not drink"}
    assert updated["description"] == first["description"]  # kept
    first_ref = f"{first['sender']},{first['identifier']},"
    assert updated["references"].startswith(first_ref)
    assert updated["original_id"] == cancelled["original_id"] == first["id"]
    assert cancelled["msg_type"] == "Cancel"
    assert len(cancelled["references"].split()) == 2
    assert (
        writable_client.get(f"{API}/alerts/{first['id']}").json()["superseded_by"] == updated["id"]
    )
    for message in (updated, cancelled):
        cap = writable_client.get(f"{API}/alerts/{message['id']}/cap").content
        validate_cap(cap)
        references = parse_cap(cap).references
        assert references[0] == Reference(
            first["sender"],
            first["identifier"],
            parse_cap(writable_client.get(f"{API}/alerts/{first['id']}/cap").content).sent,
        )
    again = writable_client.post(
        f"{API}/alerts/{first['id']}/cancel", json={"note": "Fin"}, headers=operator
    )
    assert "was cancelled by alert" in _problem(again, 422)["detail"]
    _problem(writable_client.post(f"{API}/alerts/999/update", json={}, headers=operator), 404)
    _problem(writable_client.post(f"{API}/alerts/{first['id']}/cancel"), 401)


def test_update_needs_a_scope_holding_old_and_new_areas(
    writable_client: TestClient, operator: dict[str, str], mint_token: MintToken
) -> None:
    first = _issue(writable_client, operator, areas=["commune/58194", "commune/18033"])
    nievre = _auth(mint_token("operator", scope="departement/58"))
    response = writable_client.post(
        f"{API}/alerts/{first['id']}/update", json={"areas": ["commune/58194"]}, headers=nievre
    )
    assert "18033" in _problem(response, 403)["detail"]


def _ids(client: TestClient, **params: str) -> list[int]:
    response = client.get(f"{API}/alerts", params=params)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["alerts"]]


def test_get_alerts_filters_by_territory_containment(
    writable_client: TestClient, operator: dict[str, str]
) -> None:
    nevers = _issue(writable_client, operator)["id"]
    nievre = _issue(
        writable_client,
        operator,
        areas=["departement/58"],
        hazard="air",
        level="mauvais",
        status="Actual",
    )["id"]
    bourges = _issue(
        writable_client, operator, areas=["commune/18033"], hazard="heat", level="orange"
    )["id"]

    assert _ids(writable_client) == [bourges, nievre, nevers]
    assert _ids(writable_client, territory="departement/58") == [nievre, nevers]
    assert _ids(writable_client, territory="region/27") == [nievre, nevers]
    assert _ids(writable_client, territory="epci/245804406") == [nievre, nevers]
    assert _ids(writable_client, territory="commune/58194") == [nievre, nevers]
    assert _ids(writable_client, territory="departement/18") == [bourges]
    assert _ids(writable_client, hazard="air") == [nievre]
    assert _ids(writable_client, hazard="heat") == [bourges]
    assert _ids(writable_client, status="Actual") == [nievre]
    assert _ids(writable_client, msg_type="Cancel") == []
    assert _ids(writable_client, active="true") == [bourges, nievre, nevers]
    assert _ids(writable_client, active_at="2020-01-01T00:00:00Z") == []
    assert _ids(writable_client, limit="1", offset="1") == [nievre]
    assert writable_client.get(f"{API}/alerts", params={"limit": 1}).json()["count"] == 3


@pytest.mark.parametrize(
    ("params", "status", "reason"),
    [
        ({"territory": "58"}, 422, "territory"),
        ({"territory": "commune/99999"}, 404, "No commune with code '99999'"),
        ({"hazard": "volcano"}, 422, "hazard 'volcano'"),
        ({"status": "Maybe"}, 422, "status"),
        ({"active_at": "2026-07-01T12:00:00"}, 422, "has no offset"),
        ({"limit": "0"}, 422, "limit"),
    ],
)
def test_get_alerts_refuses_bad_filters(
    writable_client: TestClient, params: dict[str, str], status: int, reason: str
) -> None:
    response = writable_client.get(f"{API}/alerts", params=params)
    assert reason in _problem(response, status)["detail"]


def test_get_alert_and_cap_of_unknown_ids_are_404(writable_client: TestClient) -> None:
    _problem(writable_client.get(f"{API}/alerts/42"), 404)
    _problem(writable_client.get(f"{API}/alerts/42/cap"), 404)


def test_atom_feed_lists_current_alerts_only(
    writable_client: TestClient, operator: dict[str, str]
) -> None:
    first = _issue(writable_client, operator, status="Actual")
    kept = writable_client.post(
        f"{API}/alerts/{first['id']}/update", json={"headline": "Mise à jour"}, headers=operator
    ).json()
    ended = _issue(writable_client, operator, status="Actual", headline="Fin prochaine")
    drill = _issue(writable_client, operator, status="Exercise", headline="Exercice")
    writable_client.post(f"{API}/alerts/{ended['id']}/cancel", headers=operator)

    response = writable_client.get("/alerts.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml"
    feed = etree.fromstring(response.content)
    entries = feed.findall("atom:entry", namespaces=ATOM)
    assert [e.findtext("atom:title", namespaces=ATOM) for e in entries] == [kept["headline"]["fr"]]
    link = entries[0].find("atom:link", namespaces=ATOM)
    assert link.get("type") == "application/cap+xml"
    assert link.get("href") == kept["links"]["cap"]
    assert writable_client.get(link.get("href")).status_code == 200
    drills = etree.fromstring(writable_client.get("/alerts.atom?status=Exercise").content)
    assert [
        e.findtext("atom:title", namespaces=ATOM)
        for e in drills.findall("atom:entry", namespaces=ATOM)
    ] == [drill["headline"]["fr"]]


def _feed_titles(client: TestClient, **params: str) -> list[str]:
    response = client.get("/alerts.atom", params=params)
    assert response.status_code == 200, response.text
    feed = check_atom_feed(response.content)
    return [e.findtext("atom:title", namespaces=ATOM) for e in feed.findall("atom:entry", ATOM)]


def test_territory_atom_feed_lists_the_alerts_sharing_a_commune_with_it(
    writable_client: TestClient, operator: dict[str, str]
) -> None:
    for headline, area in (
        ("Nevers", "commune/58194"),
        ("Nièvre", "departement/58"),
        ("Bourges", "commune/18033"),
    ):
        _issue(writable_client, operator, status="Actual", headline=headline, areas=[area])

    assert _feed_titles(writable_client, commune="58194") == ["Nièvre", "Nevers"]
    assert _feed_titles(writable_client, epci="245804406") == ["Nièvre", "Nevers"]
    assert _feed_titles(writable_client, departement="58") == ["Nièvre", "Nevers"]
    assert _feed_titles(writable_client, commune="18033") == ["Bourges"]
    assert _feed_titles(writable_client, departement="18") == ["Bourges"]
    assert _feed_titles(writable_client) == ["Bourges", "Nièvre", "Nevers"]
    assert _feed_titles(writable_client, commune="58194", status="Exercise") == []


def test_territory_atom_feed_names_itself_with_its_query(writable_client: TestClient) -> None:
    response = writable_client.get("/alerts.atom?status=Exercise&commune=58194&utm=x")
    feed = check_atom_feed(response.content)
    url = "http://testserver/alerts.atom?commune=58194&status=Exercise"  # canonical order
    assert feed.findtext("atom:id", namespaces=ATOM) == url
    (self_link,) = feed.findall("atom:link", ATOM)
    assert (self_link.get("rel"), self_link.get("href")) == ("self", url)
    assert "Nevers (58194)" in feed.findtext("atom:title", namespaces=ATOM)
    every = check_atom_feed(writable_client.get("/alerts.atom").content)
    assert every.findtext("atom:id", namespaces=ATOM) == "http://testserver/alerts.atom"


@pytest.mark.parametrize(
    ("params", "status", "reason"),
    [
        ({"commune": "99999"}, 404, "No commune with code '99999'"),
        ({"departement": "75"}, 404, "No departement with code '75'"),
        ({"epci": "200054781"}, 404, "No epci with code '200054781'"),
        (
            {"commune": "5819"},
            422,
            "commune='5819' is malformed; expected an INSEE commune code of 5 characters",
        ),
        ({"epci": "CA Nevers"}, 422, "epci='CA Nevers' is malformed; expected the 9-digit"),
        (
            {"departement": "580"},
            422,
            "departement='580' is malformed; expected a département code",
        ),
        (
            {"commune": "58194", "departement": "58"},
            422,
            "commune='58194', departement='58': expected at most one of commune, epci, departement",
        ),
    ],
)
def test_territory_atom_feed_refuses_unknown_and_malformed_territories(
    writable_client: TestClient, params: dict[str, str], status: int, reason: str
) -> None:
    problem = _problem(writable_client.get("/alerts.atom", params=params), status)
    assert reason in problem["detail"]
    assert problem["instance"] == "/alerts.atom"


def test_atom_feed_answers_304_until_its_alerts_change(
    writable_client: TestClient, operator: dict[str, str]
) -> None:
    url = "/alerts.atom?commune=58194"
    quiet = writable_client.get(url)
    assert quiet.headers["cache-control"] == "no-cache"
    assert "last-modified" not in quiet.headers  # no alert ever: no date to give
    unchanged = writable_client.get(url, headers={"If-None-Match": quiet.headers["etag"]})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["etag"] == quiet.headers["etag"]

    nevers = _issue(writable_client, operator, status="Actual")
    alerted = writable_client.get(url, headers={"If-None-Match": quiet.headers["etag"]})
    assert alerted.status_code == 200
    assert alerted.headers["etag"] != quiet.headers["etag"]
    since = {"If-Modified-Since": alerted.headers["last-modified"]}
    assert writable_client.get(url, headers=since).status_code == 304
    same = {"If-None-Match": f'"x", {alerted.headers["etag"]}'}
    _issue(writable_client, operator, status="Actual", areas=["commune/18033"])  # elsewhere
    assert writable_client.get(url, headers=same).status_code == 304

    writable_client.post(f"{API}/alerts/{nevers['id']}/cancel", headers=operator)
    ended = writable_client.get(url, headers=same)
    assert ended.status_code == 200
    assert check_atom_feed(ended.content).findall("atom:entry", ATOM) == []
    assert writable_client.get(url, headers={"If-Modified-Since": "yesterday"}).status_code == 200


def _external(identifier: str = "mf-canicule-1", **changes: Any) -> bytes:
    fields: dict[str, Any] = {
        "identifier": identifier,
        "sender": "vigilance@meteo.example",
        "sent": datetime.now(UTC),
        "status": Status.ACTUAL,
        "msg_type": MsgType.ALERT,
        "infos": (air_info("fr-FR"),),
    } | changes
    return build_cap_xml(Alert(**fields))


def test_import_cap_relays_once(writable_client: TestClient, operator: dict[str, str]) -> None:
    headers = operator | {"Content-Type": "application/cap+xml"}
    first = writable_client.post(f"{API}/cap/import", content=_external(), headers=headers)
    again = writable_client.post(
        f"{API}/cap/import", content=_external(), headers=operator | {"Content-Type": "text/xml"}
    )

    assert first.status_code == 201, first.text
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    relayed = first.json()
    assert (relayed["source"], relayed["sender"], relayed["communes"]) == (
        "imported",
        "vigilance@meteo.example",
        ["58194"],
    )
    assert _ids(writable_client, territory="departement/58") == [relayed["id"]]
    validate_cap(writable_client.get(relayed["links"]["cap"]).content)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (BILLION_LAUGHS, "declares a DOCTYPE"),
        (XXE, "declares a DOCTYPE"),
        (b"<alert>", "not well-formed XML"),
        (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>', "CAP 1.2 schema"),
        (b"", "empty"),
    ],
)
def test_import_cap_refuses_hostile_or_malformed_xml_with_422(
    writable_client: TestClient, operator: dict[str, str], document: bytes, reason: str
) -> None:
    response = writable_client.post(
        f"{API}/cap/import",
        content=document,
        headers=operator | {"Content-Type": "application/xml"},
    )
    assert reason in _problem(response, 422)["detail"]
    assert writable_client.get(f"{API}/alerts").json()["count"] == 0


def test_import_cap_limits_size_media_type_and_role(
    writable_client: TestClient, operator: dict[str, str], mint_token: MintToken
) -> None:
    cap = {"Content-Type": "application/cap+xml"}
    huge = b"<alert>" + b" " * MAX_CAP_BYTES + b"</alert>"
    assert (
        "1 MiB"
        in _problem(
            writable_client.post(f"{API}/cap/import", content=huge, headers=operator | cap), 413
        )["detail"]
    )
    _problem(
        writable_client.post(
            f"{API}/cap/import",
            content=_external(),
            headers=operator | {"Content-Type": "text/plain"},
        ),
        415,
    )
    _problem(writable_client.post(f"{API}/cap/import", content=_external(), headers=cap), 401)
    citizen = _auth(mint_token("citizen"))
    _problem(
        writable_client.post(f"{API}/cap/import", content=_external(), headers=citizen | cap), 403
    )

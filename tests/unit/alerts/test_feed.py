"""The Atom feed of current alerts: RFC 4287 elements, CAP links, newest first."""

from dataclasses import replace
from datetime import UTC, datetime

from lxml import etree

from healthycity.alerts.cap import build_cap_xml, validate_cap
from healthycity.alerts.feed import ATOM_NAMESPACE, build_atom_feed
from healthycity.alerts.models import Alert
from tests.unit.alerts.conftest import check_atom_feed

NS = {"atom": ATOM_NAMESPACE}
BASE = "https://sante.nievre.example"
NOW = datetime(2026, 10, 7, 9, 0, tzinfo=UTC)


def _cap_url(alert: Alert) -> str:
    return f"{BASE}/api/v1/alerts/{alert.identifier}/cap"


def _feed(alerts: list[Alert]) -> etree._Element:
    xml = build_atom_feed(
        alerts,
        feed_id=f"{BASE}/alerts.atom",
        title="Alertes sanitaires — Nièvre",
        self_url=f"{BASE}/alerts.atom",
        author_name="Plateforme healthycity de la Nièvre",
        updated=NOW,
        cap_url=_cap_url,
    )
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return check_atom_feed(xml)


def _dates(element: etree._Element) -> list[datetime]:
    return [datetime.fromisoformat(e.text or "") for e in element.iterfind("atom:updated", NS)]


def test_build_atom_feed_has_the_rfc_4287_feed_elements(alert: Alert) -> None:
    feed = _feed([alert])
    assert feed.tag == f"{{{ATOM_NAMESPACE}}}feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr-FR"
    assert feed.findtext("atom:id", namespaces=NS) == f"{BASE}/alerts.atom"
    assert feed.findtext("atom:title", namespaces=NS) == "Alertes sanitaires — Nièvre"
    assert _dates(feed) == [NOW]
    assert feed.findtext("atom:author/atom:name", namespaces=NS) == (
        "Plateforme healthycity de la Nièvre"
    )
    (self_link,) = feed.findall("atom:link", NS)
    assert dict(self_link.attrib) == {
        "rel": "self",
        "type": "application/atom+xml",
        "href": f"{BASE}/alerts.atom",
    }


def test_build_atom_feed_entry_links_to_the_cap_message(alert: Alert) -> None:
    (entry,) = _feed([alert]).findall("atom:entry", NS)
    cap_url = f"{BASE}/api/v1/alerts/hc-58-2026-0042/cap"
    assert entry.findtext("atom:id", namespaces=NS) == cap_url
    assert entry.findtext("atom:title", namespaces=NS) == "Qualité de l'air très mauvaise à Nevers"
    assert _dates(entry) == [alert.sent]
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == (
        "ARS Bourgogne-Franche-Comté & Ville de Nevers"
    )
    (link,) = entry.findall("atom:link", NS)
    assert dict(link.attrib) == {"rel": "alternate", "type": "application/cap+xml", "href": cap_url}
    assert [c.get("term") for c in entry.findall("atom:category", NS)] == ["Health", "Env"]
    assert entry.findtext("atom:summary", namespaces=NS) == (
        "Indice ATMO « très mauvais » (PM10 > 100 µg/m³) < 24 h & plus."
    )
    validate_cap(build_cap_xml(alert))  # what the link serves


def test_build_atom_feed_lists_newest_first_and_titles_messages_without_info(
    alert: Alert, update: Alert, cancel: Alert
) -> None:
    entries = _feed([alert, cancel, update]).findall("atom:entry", NS)
    ids = [e.findtext("atom:id", namespaces=NS) for e in entries]
    assert ids == [_cap_url(cancel), _cap_url(update), _cap_url(alert)]
    assert entries[0].findtext("atom:title", namespaces=NS) == "Cancel hc-58-2026-0044"
    assert entries[0].findtext("atom:author/atom:name", namespaces=NS) == cancel.sender
    assert entries[0].find("atom:summary", NS) is None


def test_build_atom_feed_without_alerts_is_still_a_valid_feed() -> None:
    feed = _feed([])
    assert feed.findall("atom:entry", NS) == []
    for required in ("atom:id", "atom:title", "atom:updated", "atom:author/atom:name"):
        assert feed.findtext(required, namespaces=NS)


def test_build_atom_feed_entry_without_description_has_no_summary(alert: Alert) -> None:
    infos = tuple(replace(info, description=None) for info in alert.infos)
    (entry,) = _feed([replace(alert, infos=infos)]).findall("atom:entry", NS)
    assert entry.find("atom:summary", NS) is None
    assert entry.findtext("atom:title", namespaces=NS) == "Qualité de l'air très mauvaise à Nevers"

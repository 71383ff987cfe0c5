"""Example alerts (an ATMO 'très mauvais' episode over Nevers, its update and its cancel),
and the check that an Atom feed has what RFC 4287 requires."""

from datetime import UTC, datetime

import pytest
from lxml import etree

from healthycity.alerts.feed import ATOM_NAMESPACE
from healthycity.alerts.models import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    ResponseType,
    Severity,
    Status,
    Urgency,
    insee_geocode,
)

SENDER = "alertes@sante.nievre.example"
# A small closed ring around Nevers town centre, (lat, lon).
NEVERS_RING = ((46.99, 3.15), (46.99, 3.17), (47.0, 3.17), (47.0, 3.15), (46.99, 3.15))


def nevers_area(description: str) -> Area:
    return Area(description, polygons=(NEVERS_RING,), geocodes=(insee_geocode("58194"),))


def air_info(language: str, *, severity: Severity = Severity.SEVERE) -> Info:
    is_french = language == "fr-FR"
    return Info(
        language=language,
        categories=(Category.HEALTH, Category.ENV),
        event="Pollution de l'air" if is_french else "Air pollution",
        response_types=(ResponseType.AVOID,),
        urgency=Urgency.IMMEDIATE,
        severity=severity,
        certainty=Certainty.OBSERVED,
        onset=datetime(2026, 10, 6, 12, 0, tzinfo=UTC),
        expires=datetime(2026, 10, 7, 22, 0, tzinfo=UTC),
        sender_name="ARS Bourgogne-Franche-Comté & Ville de Nevers",
        headline=(
            "Qualité de l'air très mauvaise à Nevers" if is_french else "Very poor air in Nevers"
        ),
        description="Indice ATMO « très mauvais » (PM10 > 100 µg/m³) < 24 h & plus.",
        instruction="Évitez les activités physiques intenses.",
        web="https://alertes.nievre.example/alertes/2026-0042",
        parameters=(NamedValue("ATMO", "tres_mauvais"),),
        areas=(nevers_area("Nevers" if is_french else "Nevers (Nièvre)"),),
    )


@pytest.fixture
def alert() -> Alert:
    return Alert(
        identifier="hc-58-2026-0042",
        sender=SENDER,
        sent=datetime(2026, 10, 6, 12, 0, tzinfo=UTC),
        status=Status.ACTUAL,
        msg_type=MsgType.ALERT,
        infos=(air_info("fr-FR"), air_info("en-GB")),
    )


@pytest.fixture
def update(alert: Alert) -> Alert:
    return Alert(
        identifier="hc-58-2026-0043",
        sender=SENDER,
        sent=datetime(2026, 10, 6, 16, 30, tzinfo=UTC),
        status=Status.ACTUAL,
        msg_type=MsgType.UPDATE,
        references=(alert.reference,),
        infos=(
            air_info("fr-FR", severity=Severity.EXTREME),
            air_info("en-GB", severity=Severity.EXTREME),
        ),
    )


@pytest.fixture
def cancel(alert: Alert, update: Alert) -> Alert:
    return Alert(
        identifier="hc-58-2026-0044",
        sender=SENDER,
        sent=datetime(2026, 10, 7, 8, 0, tzinfo=UTC),
        status=Status.ACTUAL,
        msg_type=MsgType.CANCEL,
        references=(alert.reference, update.reference),
        note="Fin de l'épisode de pollution / end of the pollution episode",
    )


def check_atom_feed(xml: bytes) -> etree._Element:
    """Parse an Atom feed and check what RFC 4287 §4.1 requires of it and its entries.

    The feed and each entry have exactly one ``id``, ``title`` and ``updated`` (an RFC 3339
    date-time, with its offset); the feed has an ``author`` (so entries may omit theirs) and
    links of distinct ``rel``/``type``; ids are absolute IRIs.
    """
    ns = {"atom": ATOM_NAMESPACE}
    feed = etree.fromstring(xml)
    assert feed.tag == f"{{{ATOM_NAMESPACE}}}feed"
    assert feed.findtext("atom:author/atom:name", namespaces=ns)
    for element in (feed, *feed.iterfind("atom:entry", ns)):
        for name in ("id", "title", "updated"):
            (child,) = element.findall(f"atom:{name}", ns)
            assert (child.text or "").strip(), name
        assert element.findtext("atom:id", namespaces=ns).split(":")[0] in ("https", "http")
        updated = datetime.fromisoformat(element.findtext("atom:updated", namespaces=ns))
        assert updated.tzinfo is not None
        kinds = [
            (x.get("rel", "alternate"), x.get("type")) for x in element.iterfind("atom:link", ns)
        ]
        assert len(kinds) == len(set(kinds))
    return feed

"""Atom 1.0 feed (RFC 4287) of current alerts, each entry linking to its CAP message.

Relays to social networks, MeteoAlarm-style aggregators and Google Public Alerts discover
CAP messages through such a feed ("CAP index" feeds: an Atom entry per alert with an
``alternate`` link of type ``application/cap+xml``).
"""

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Literal
from urllib.parse import urlencode

from lxml import etree

from healthycity.alerts.cap import PARIS, format_cap_time
from healthycity.alerts.models import PUBLISHED_LANGUAGES, Alert

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_PATH = "/alerts.atom"
# The territories a feed can be asked for, by query parameter (``/alerts.atom?commune=58194``).
FeedLevel = Literal["commune", "epci", "departement"]
FEED_LEVELS: tuple[FeedLevel, ...] = ("commune", "epci", "departement")


def territory_feed_path(level: FeedLevel, code: str) -> str:
    """The path of the feed of the alerts over one territory.

    >>> territory_feed_path("commune", "58194")
    '/alerts.atom?commune=58194'
    """
    return f"{FEED_PATH}?{urlencode([(level, code)])}"


def _child(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM_NAMESPACE}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _author(parent: etree._Element, name: str) -> None:
    _child(_child(parent, "author"), "name", name)


def _add_entry(
    feed: etree._Element, alert: Alert, *, cap_url: str, language: str, zone: tzinfo
) -> None:
    info = alert.info_for(language)
    entry = _child(feed, "entry")
    _child(entry, "id", cap_url)  # permanent and unique: one CAP document per alert
    title = (info.headline or info.event) if info else f"{alert.msg_type} {alert.identifier}"
    _child(entry, "title", title)
    # RFC 4287 §3.3 dates are RFC 3339 date-times; CAP times are a subset of them.
    _child(entry, "updated", format_cap_time(alert.sent, zone))
    _author(entry, (info.sender_name if info else None) or alert.sender)
    link = _child(entry, "link")
    link.set("rel", "alternate")
    link.set("type", CAP_MEDIA_TYPE)
    link.set("href", cap_url)
    if info is not None:
        for category in info.categories:
            _child(entry, "category").set("term", category.value)
        if info.description:
            _child(entry, "summary", info.description)


def build_atom_feed(
    alerts: Sequence[Alert],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    author_name: str,
    updated: datetime,
    cap_url: Callable[[Alert], str],
    zone: tzinfo = PARIS,
) -> bytes:
    """Write an Atom feed of ``alerts``, most recently sent first.

    Parameters
    ----------
    alerts
        The alerts to list (typically those in force).
    feed_id
        A permanent IRI identifying the feed (RFC 4287 §4.2.6).
    title, author_name
        Feed title and author, shown by feed readers.
    self_url
        Where the feed is served (the ``self`` link).
    updated
        When the feed content last changed (RFC 4287 requires it even when empty).
    cap_url
        The URL of an alert's CAP XML; also used as the entry's id.
    zone
        Time zone in which dates are written.

    Returns
    -------
    bytes
        The feed as UTF-8 XML, ``xml:lang`` French (entries use each alert's fr-FR info).
    """
    language = PUBLISHED_LANGUAGES[0]
    feed = etree.Element(f"{{{ATOM_NAMESPACE}}}feed", nsmap={None: ATOM_NAMESPACE})
    feed.set(_XML_LANG, language)
    _child(feed, "id", feed_id)
    _child(feed, "title", title)
    _child(feed, "updated", format_cap_time(updated, zone))
    _author(feed, author_name)
    link = _child(feed, "link")
    link.set("rel", "self")
    link.set("type", ATOM_MEDIA_TYPE)
    link.set("href", self_url)
    for alert in sorted(alerts, key=lambda a: a.sent, reverse=True):
        _add_entry(feed, alert, cap_url=cap_url(alert), language=language, zone=zone)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)

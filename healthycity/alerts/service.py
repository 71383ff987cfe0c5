"""Issue, update, cancel and import alerts: compose the CAP message, store it, run the hooks.

Every message this module stores goes through ``_store_and_publish``: the CAP XML is
built with ``cap.build_cap_xml``, checked against the OASIS schema, stored with its
covered communes, then ``publishing.on_alert_published`` runs on the same connection,
so that what the hooks write (the delivery outbox) commits with the alert or not at all.

Updates and Cancels reference, with CAP ``references``, every earlier message of their
chain (the Alert and its Updates), as CAP 1.2 §3.2.1 describes for "the earlier
message(s)" and as the example Cancel of the unit tests does.
"""

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection

from healthycity.alerts import store
from healthycity.alerts.areas import ResolvedArea, resolve_areas
from healthycity.alerts.cap import build_cap_xml, validate_cap
from healthycity.alerts.cap_import import parse_cap
from healthycity.alerts.compose import (
    AlertDraft,
    Text,
    all_clear_draft,
    build_infos,
    draft_from_json,
    draft_to_json,
    rule_event_draft,
)
from healthycity.alerts.levels import Hazard
from healthycity.alerts.models import Alert, MsgType, Reference, Status
from healthycity.alerts.publishing import on_alert_published
from healthycity.alerts.rules import RuleEvent
from healthycity.api.deps import require_scope
from healthycity.auth.models import Identity, Role
from healthycity.errors import PermissionDeniedError, ValidationError
from healthycity.territory import store as territory_store

logger = logging.getLogger(__name__)

OPERATOR: Role = "operator"
# Words of an imported message's event that tell its hazard (French and English), so that
# relayed alerts reach the subscribers of that hazard; anything else is "other".
_HAZARD_WORDS: tuple[tuple[Hazard, tuple[str, ...]], ...] = (
    (Hazard.HEAT, ("canicule", "chaleur", "heat")),
    (Hazard.POLLEN, ("pollen",)),
    (Hazard.AIR_QUALITY, ("pollution", "qualité de l'air", "air quality", "ozone")),
    (Hazard.DRINKING_WATER, ("eau potable", "eau du robinet", "drinking water", "tap water")),
    (Hazard.EPIDEMIC, ("épidémie", "epidemi", "grippe", "influenza")),
)


@dataclass(frozen=True)
class Publisher:
    """Whom the platform's messages come from: the CAP ``sender`` and ``senderName``."""

    sender: str
    sender_name: str | None = None


def new_identifier(now: datetime) -> str:
    """A fresh CAP identifier: the UTC time of sending and 32 random bits.

    >>> from datetime import UTC
    >>> new_identifier(datetime(2026, 10, 6, 12, tzinfo=UTC))[:20]
    'hc-20261006T120000Z-'
    """
    return f"hc-{store.to_utc(now):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def _check_operator(identity: Identity) -> None:
    if not identity.has_role(OPERATOR):
        msg = f"Role {identity.role!r} may not issue alerts; role {OPERATOR!r} is needed."
        raise PermissionDeniedError(msg)


def _check_scope(conn: Connection, identity: Identity, areas: list[ResolvedArea]) -> None:
    for resolved in areas:
        level, code = resolved.territory.level, resolved.territory.code
        ancestors = territory_store.get_ancestors(conn, level, code)
        require_scope(identity, level, code, ancestors=ancestors)


def _check_times(draft: AlertDraft, now: datetime) -> None:
    start = draft.effective or now
    if draft.expires is not None and draft.expires <= start:
        msg = (
            f"expires={draft.expires.isoformat()} is not after {start.isoformat()}; expected "
            "an expiry after the alert takes effect."
        )
        raise ValidationError(msg)


@dataclass(frozen=True)
class _Chain:
    """What an Update or Cancel continues: the chain's messages and its draft."""

    messages: list[store.StoredAlert]
    draft: AlertDraft

    @property
    def references(self) -> tuple[Reference, ...]:
        return tuple(Reference(m.sender, m.identifier, m.sent) for m in self.messages)

    @property
    def first(self) -> store.StoredAlert:
        return self.messages[0]


def _open_chain(conn: Connection, alert_id: int) -> _Chain:
    """The chain of ``alert_id``, which must still be in force and be ours."""
    chain_id = store.get_alert(conn, alert_id).chain_id
    messages = store.get_chain(conn, chain_id)
    latest = messages[-1]
    if latest.msg_type is MsgType.CANCEL:
        msg = (
            f"Alert {alert_id} was cancelled by alert {latest.id} at {latest.sent.isoformat()}; "
            "expected an alert that is not cancelled."
        )
        raise ValidationError(msg)
    draft = store.get_draft(conn, latest.id)
    if draft is None:
        msg = (
            f"Alert {alert_id} was imported from {latest.sender!r}; expected one of ours "
            "(a relayed alert is updated or cancelled by importing its sender's message)."
        )
        raise ValidationError(msg)
    return _Chain(messages, draft_from_json(draft))


@dataclass(frozen=True)
class _Origin:
    """Where a message comes from, as stored beside it."""

    source: store.Source
    created_by: int | None = None
    rule_id: str | None = None
    episode: str | None = None


def _store_and_publish(
    conn: Connection,
    draft: AlertDraft,
    areas: list[ResolvedArea],
    *,
    msg_type: MsgType,
    chain: _Chain | None,
    origin: _Origin,
    publisher: Publisher,
    now: datetime,
) -> store.StoredAlert:
    """Build, check, store and publish one message of ours (an Update or Cancel of ``chain``)."""
    message = Alert(
        identifier=new_identifier(now),
        sender=publisher.sender,
        sent=now,
        status=draft.status,
        msg_type=msg_type,
        references=chain.references if chain else (),
        infos=build_infos(draft, tuple(r.area for r in areas), sender_name=publisher.sender_name),
    )
    xml = build_cap_xml(message)
    validate_cap(xml)  # a message too large or invalid for receivers is refused here
    alert_id = store.insert_alert(
        conn,
        store.AlertRecord(
            message=message,
            cap_xml=xml,
            hazard=draft.hazard,
            level=None if draft.level is None else str(draft.level.value),
            areas=draft.areas,
            given=tuple((r.territory.level, r.territory.code) for r in areas),
            communes=tuple(code for r in areas for code in r.commune_codes),
            source=origin.source,
            created_at=now,
            rule_id=origin.rule_id,
            episode=origin.episode,
            created_by=origin.created_by,
            draft=draft_to_json(draft),
            original_id=chain.first.id if chain else None,
        ),
    )
    on_alert_published(conn, alert_id)
    logger.info("alert published id=%d msg_type=%s source=%s", alert_id, msg_type, origin.source)
    return store.get_alert(conn, alert_id)


def issue_alert(
    conn: Connection, draft: AlertDraft, *, identity: Identity, publisher: Publisher, now: datetime
) -> store.StoredAlert:
    """Publish a manual alert (CAP msgType Alert).

    Raises
    ------
    PermissionDeniedError
        If ``identity`` is not an operator, or its scope does not contain every area.
    NotFoundError
        If an area names no known territory.
    ValidationError
        If the draft is inconsistent (expiry before effect) or its message too large.
    """
    _check_operator(identity)
    _check_times(draft, now)
    areas = resolve_areas(conn, draft.areas)
    _check_scope(conn, identity, areas)
    origin = _Origin("manual", created_by=identity.token_id)
    return _store_and_publish(
        conn,
        draft,
        areas,
        msg_type=MsgType.ALERT,
        chain=None,
        origin=origin,
        publisher=publisher,
        now=now,
    )


def draft_of(conn: Connection, alert_id: int) -> AlertDraft:
    """The draft of the latest message of ``alert_id``'s chain: what an update starts from."""
    return _open_chain(conn, alert_id).draft


def update_alert(
    conn: Connection,
    alert_id: int,
    draft: AlertDraft,
    *,
    identity: Identity,
    publisher: Publisher,
    now: datetime,
) -> store.StoredAlert:
    """Publish an Update of ``alert_id``'s chain; its status stays the chain's.

    The scope of ``identity`` must contain both the areas the alert had and the new ones.
    """
    _check_operator(identity)
    chain = _open_chain(conn, alert_id)
    draft = replace(draft, status=chain.first.status)
    _check_times(draft, now)
    areas = resolve_areas(conn, draft.areas)
    _check_scope(conn, identity, resolve_areas(conn, chain.draft.areas) + areas)
    origin = _Origin("manual", created_by=identity.token_id)
    return _store_and_publish(
        conn,
        draft,
        areas,
        msg_type=MsgType.UPDATE,
        chain=chain,
        origin=origin,
        publisher=publisher,
        now=now,
    )


def cancel_alert(
    conn: Connection,
    alert_id: int,
    *,
    note: Text | None,
    identity: Identity,
    publisher: Publisher,
    now: datetime,
) -> store.StoredAlert:
    """Publish the Cancel (all-clear) of ``alert_id``'s chain, over the areas it last had."""
    _check_operator(identity)
    chain = _open_chain(conn, alert_id)
    areas = resolve_areas(conn, chain.draft.areas)
    _check_scope(conn, identity, areas)
    draft = all_clear_draft(chain.draft, note=note, effective=now)
    origin = _Origin("manual", created_by=identity.token_id)
    return _store_and_publish(
        conn,
        draft,
        areas,
        msg_type=MsgType.CANCEL,
        chain=chain,
        origin=origin,
        publisher=publisher,
        now=now,
    )


MAX_PLACE_NAMES = 3  # named in a headline; the CAP areas list every territory


def _place_of(areas: list[ResolvedArea]) -> str:
    """What a headline calls the areas: up to three names, then how many more."""
    names = [a.area.description for a in areas]
    if len(names) <= MAX_PLACE_NAMES:
        return ", ".join(names)
    return f"{', '.join(names[:MAX_PLACE_NAMES])} (+{len(names) - MAX_PLACE_NAMES})"


def publish_rule_event(
    conn: Connection,
    event: RuleEvent,
    *,
    publisher: Publisher,
    now: datetime,
    status: Status = Status.ACTUAL,
    territories: tuple[str, ...] | None = None,
) -> store.StoredAlert | None:
    """Publish the message of a rule event; None when an operator already cancelled its chain.

    An episode's Alert starts a chain; its Updates and Cancel continue it, whatever
    operators published in between (their Updates are part of the chain). The message
    covers ``territories`` (default: the event's territory); a Cancel without them covers
    the areas of the chain's latest message.
    """
    chain = None
    messages: list[store.StoredAlert] = []
    if event.msg_type is not MsgType.ALERT:
        first = store.latest_of_episode(conn, event.episode)
        messages = [] if first is None else store.get_chain(conn, first.chain_id)
        if not messages or messages[-1].msg_type is MsgType.CANCEL:
            logger.info("rule event skipped episode_closed=1 msg_type=%s", event.msg_type)
            return None
    if territories is None and event.msg_type is MsgType.CANCEL:
        last = store.get_draft(conn, messages[-1].id)
        territories = draft_from_json(last).areas if last else None
    areas = resolve_areas(conn, list(territories or (event.territory,)))
    draft = rule_event_draft(event, place=_place_of(areas), status=status)
    draft = replace(draft, areas=tuple(a.territory.ref for a in areas))
    if messages:
        chain = _Chain(messages, draft)
        draft = replace(draft, status=chain.first.status)
    return _store_and_publish(
        conn,
        draft,
        areas,
        msg_type=event.msg_type,
        chain=chain,
        origin=_Origin("rule", rule_id=event.rule.id, episode=event.episode),
        publisher=publisher,
        now=now,
    )


def _imported_hazard(message: Alert) -> Hazard:
    text = " ".join(f"{i.event} {i.headline or ''}" for i in message.infos).lower()
    for hazard, words in _HAZARD_WORDS:
        if any(word in text for word in words):
            return hazard
    return Hazard.OTHER


def _check_import_scope(conn: Connection, identity: Identity, communes: tuple[str, ...]) -> None:
    if identity.scope_level is None or identity.scope_code is None:
        return
    if identity.scope_level == "commune":
        inside = {identity.scope_code}
    else:
        children = territory_store.get_children(
            conn, identity.scope_level, identity.scope_code, child_level="commune"
        )
        inside = {c.code for c in children}
    outside = [code for code in communes if code not in inside]
    if not communes or outside:
        where = f"communes {outside[:5]}" if outside else "areas without INSEE geocodes"
        msg = (
            f"This token is scoped to {identity.scope}; the message covers {where} "
            "outside it. Expected a message inside the scope, or an unscoped operator."
        )
        raise PermissionDeniedError(msg)


def import_cap(
    conn: Connection, data: bytes, *, identity: Identity, now: datetime
) -> tuple[store.StoredAlert, bool]:
    """Store and publish an external CAP message; a message already stored is returned as is.

    Returns the stored message and whether it was new. An Update or Cancel joins the
    chain of the first message it references that is stored. Its hazard is read from
    the words of its event and headline; it covers the communes of its INSEE geocodes.
    The XML kept and served is the message re-written by ``build_cap_xml``: the same
    identifier, sender and content, without the elements the platform does not relay.

    Raises
    ------
    ValidationError
        With the reason given by ``cap_import.parse_cap`` (size, DOCTYPE, entities,
        schema, geometry) for malformed or hostile documents.
    """
    _check_operator(identity)
    message = parse_cap(data)
    existing = store.find_by_identifier(conn, message.sender, message.identifier)
    if existing is not None:
        return existing, False
    areas = message.infos[0].areas if message.infos else ()
    communes = tuple(dict.fromkeys(code for area in areas for code in area.insee_codes))
    _check_import_scope(conn, identity, communes)
    referenced = (
        store.find_by_identifier(conn, r.sender, r.identifier) for r in message.references
    )
    original = next((m for m in referenced if m is not None), None)
    alert_id = store.insert_alert(
        conn,
        store.AlertRecord(
            message=message,
            cap_xml=build_cap_xml(message),
            hazard=_imported_hazard(message),
            level=None,
            areas=tuple(area.description for area in areas),
            given=(),
            communes=communes,
            source="imported",
            created_at=now,
            created_by=identity.token_id,
            original_id=None if original is None else original.chain_id,
        ),
    )
    on_alert_published(conn, alert_id)
    logger.info("alert imported id=%d msg_type=%s", alert_id, message.msg_type)
    return store.get_alert(conn, alert_id), True

"""Queries of the alerts domain: stored CAP messages, their chains and the rule states.

Times are written and compared in UTC: SQLite keeps ``DateTime`` as text without an offset,
so every time crossing this module is put in UTC on the way in and made aware on the way out.
"""

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from healthycity.alerts.cap import format_references
from healthycity.alerts.levels import Hazard
from healthycity.alerts.models import PUBLISHED_LANGUAGES, Alert, Info, MsgType, Status
from healthycity.alerts.rules import EpisodeState, StateKey
from healthycity.alerts.tables import alert_areas, alerts, rule_states
from healthycity.errors import NotFoundError
from healthycity.storage.upsert import upsert

Source = Literal["rule", "manual", "imported"]
a = alerts


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one (as SQLite returns them) is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_utc(moment)


@dataclass(frozen=True)
class AlertRecord:
    """A CAP message to store, with what indexes it."""

    message: Alert
    cap_xml: bytes
    hazard: Hazard
    level: str | None
    areas: tuple[str, ...]  # territory refs named (area descriptions for imported messages)
    given: tuple[tuple[str, str], ...]  # (level, code) of the territories named
    communes: tuple[str, ...]  # INSEE codes of every commune covered
    source: Source
    created_at: datetime
    rule_id: str | None = None
    episode: str | None = None
    created_by: int | None = None
    draft: str | None = None
    original_id: int | None = None  # the chain's first message, for an Update or Cancel


@dataclass(frozen=True)
class StoredAlert:
    """One stored message, as listed and shown (its XML is read with ``get_cap_xml``)."""

    id: int
    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    references: str | None
    event: str
    hazard: Hazard
    level: str | None
    categories: tuple[str, ...]
    urgency: str
    severity: str
    certainty: str
    headline_fr: str | None
    headline_en: str | None
    description_fr: str | None
    description_en: str | None
    instruction_fr: str | None
    instruction_en: str | None
    areas: tuple[str, ...]
    effective: datetime
    expires: datetime | None
    source: Source
    rule_id: str | None
    episode: str | None
    created_at: datetime
    original_id: int | None
    superseded_by: int | None
    superseded_at: datetime | None

    @property
    def chain_id(self) -> int:
        """The id of the first message of this message's chain."""
        return self.original_id or self.id

    def is_active_at(self, moment: datetime) -> bool:
        """Whether the message is in force at ``moment`` (as ``list_alerts(active_at=)``)."""
        moment = to_utc(moment)
        return (
            self.msg_type is not MsgType.CANCEL
            and self.sent <= moment
            and (self.superseded_at is None or self.superseded_at > moment)
            and (self.expires is None or self.expires > moment)
        )


_COLUMNS = [c for c in a.c if c.name not in ("cap_xml", "draft", "created_by")]


def _stored(row: Any) -> StoredAlert:  # a Row of _COLUMNS
    return StoredAlert(
        id=row.id,
        identifier=row.identifier,
        sender=row.sender,
        sent=to_utc(row.sent),
        status=Status(row.status),
        msg_type=MsgType(row.msg_type),
        references=row.cap_references,
        event=row.event,
        hazard=Hazard(row.hazard),
        level=row.level,
        categories=tuple(row.category.split()),
        urgency=row.urgency,
        severity=row.severity,
        certainty=row.certainty,
        headline_fr=row.headline_fr,
        headline_en=row.headline_en,
        description_fr=row.description_fr,
        description_en=row.description_en,
        instruction_fr=row.instruction_fr,
        instruction_en=row.instruction_en,
        areas=tuple(json.loads(row.areas)),
        effective=to_utc(row.effective),
        expires=_maybe_utc(row.expires),
        source=row.source,
        rule_id=row.rule_id,
        episode=row.episode,
        created_at=to_utc(row.created_at),
        original_id=row.original_id,
        superseded_by=row.superseded_by,
        superseded_at=_maybe_utc(row.superseded_at),
    )


def _english(message: Alert) -> Info | None:
    return next((i for i in message.infos if i.language.lower().startswith("en")), None)


def _info_columns(message: Alert) -> dict[str, Any]:
    """The indexed columns read from the French (else first) and English info blocks."""
    info = message.info_for(PUBLISHED_LANGUAGES[0])
    english = _english(message)
    return {
        "event": (info.event if info else message.note or message.msg_type.value)[:200],
        "category": " ".join(c.value for c in info.categories) if info else "",
        "urgency": info.urgency.value if info else "Unknown",
        "severity": info.severity.value if info else "Unknown",
        "certainty": info.certainty.value if info else "Unknown",
        "headline_fr": info.headline if info else None,
        "headline_en": english.headline if english else None,
        "description_fr": info.description if info else message.note,
        "description_en": english.description if english else None,
        "instruction_fr": info.instruction if info else None,
        "instruction_en": english.instruction if english else None,
        "effective": to_utc(info.effective if info and info.effective else message.sent),
        "expires": _maybe_utc(info.expires) if info else None,
    }


def insert_alert(conn: Connection, record: AlertRecord) -> int:
    """Store a message and the communes it covers; an Update or Cancel supersedes its chain."""
    message = record.message
    alert_id = conn.execute(
        insert(a)
        .values(
            identifier=message.identifier,
            sender=message.sender,
            sent=to_utc(message.sent),
            status=message.status.value,
            msg_type=message.msg_type.value,
            cap_references=format_references(message.references) or None,
            hazard=record.hazard.value,
            level=record.level,
            areas=json.dumps(list(record.areas), ensure_ascii=False),
            source=record.source,
            rule_id=record.rule_id,
            episode=record.episode,
            created_by=record.created_by,
            created_at=to_utc(record.created_at),
            original_id=record.original_id,
            draft=record.draft,
            cap_xml=record.cap_xml.decode("utf-8"),
            **_info_columns(message),
        )
        .returning(a.c.id)
    ).scalar_one()
    given = set(record.given)
    rows = dict.fromkeys(given, True)
    rows.update({("commune", c): ("commune", c) in given for c in record.communes})
    if rows:
        conn.execute(
            insert(alert_areas),
            [
                {"alert_id": alert_id, "level": level, "code": code, "is_given": is_given}
                for (level, code), is_given in rows.items()
            ],
        )
    if record.original_id is not None:
        conn.execute(
            update(a)
            .where(
                or_(a.c.id == record.original_id, a.c.original_id == record.original_id),
                a.c.id != alert_id,
                a.c.superseded_by.is_(None),
            )
            .values(superseded_by=alert_id, superseded_at=to_utc(message.sent))
        )
    return int(alert_id)


def get_alert(conn: Connection, alert_id: int) -> StoredAlert:
    """One stored message by id."""
    row = conn.execute(select(*_COLUMNS).where(a.c.id == alert_id)).first()
    if row is None:
        msg = f"No alert with id {alert_id}."
        raise NotFoundError(msg)
    return _stored(row)


def get_cap_xml(conn: Connection, alert_id: int) -> bytes:
    """The CAP XML of a stored message, exactly as it was published or imported."""
    text = conn.execute(select(a.c.cap_xml).where(a.c.id == alert_id)).scalar()
    if text is None:
        msg = f"No alert with id {alert_id}."
        raise NotFoundError(msg)
    return str(text).encode("utf-8")


def get_draft(conn: Connection, alert_id: int) -> str | None:
    """The stored draft (JSON) a message was composed from; None for an imported one."""
    draft = conn.execute(select(a.c.draft).where(a.c.id == alert_id)).scalar()
    return None if draft is None else str(draft)


def find_by_identifier(conn: Connection, sender: str, identifier: str) -> StoredAlert | None:
    """The message with this CAP sender and identifier, if stored."""
    row = conn.execute(
        select(*_COLUMNS).where(a.c.sender == sender, a.c.identifier == identifier)
    ).first()
    return None if row is None else _stored(row)


def get_chain(conn: Connection, chain_id: int) -> list[StoredAlert]:
    """Every message of a chain (its first message and the Updates and Cancel), oldest first."""
    rows = conn.execute(
        select(*_COLUMNS)
        .where(or_(a.c.id == chain_id, a.c.original_id == chain_id))
        .order_by(a.c.sent, a.c.id)
    )
    return [_stored(r) for r in rows]


def latest_of_episode(conn: Connection, episode: str) -> StoredAlert | None:
    """The last message published for a rule episode, if any."""
    row = conn.execute(
        select(*_COLUMNS).where(a.c.episode == episode).order_by(a.c.sent.desc(), a.c.id.desc())
    ).first()
    return None if row is None else _stored(row)


def _covers_any(communes: Collection[str]) -> ColumnElement[bool]:
    return exists().where(
        alert_areas.c.alert_id == a.c.id,
        alert_areas.c.level == "commune",
        alert_areas.c.code.in_(sorted(communes)),
    )


def list_alerts(
    conn: Connection,
    *,
    communes: Collection[str] | None = None,
    hazard: Hazard | None = None,
    status: Status | None = None,
    msg_type: MsgType | None = None,
    active_at: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[StoredAlert]]:
    """Stored messages, most recently sent first, and how many match in all.

    Parameters
    ----------
    communes
        Keep messages covering at least one of these INSEE codes (None: no filter).
    hazard, status, msg_type
        Keep messages with these values.
    active_at
        Keep messages in force then: sent, neither superseded nor expired, not a Cancel.
    limit, offset
        The page of results.
    """
    conditions: list[ColumnElement[bool]] = []
    if communes is not None:
        conditions.append(_covers_any(communes))
    for column, value in ((a.c.hazard, hazard), (a.c.status, status), (a.c.msg_type, msg_type)):
        if value is not None:
            conditions.append(column == value.value)
    if active_at is not None:
        moment = to_utc(active_at)
        conditions.extend(
            [
                a.c.msg_type != MsgType.CANCEL.value,
                a.c.sent <= moment,
                or_(a.c.superseded_at.is_(None), a.c.superseded_at > moment),
                or_(a.c.expires.is_(None), a.c.expires > moment),
            ]
        )
    where = and_(true(), *conditions)
    total = conn.execute(select(func.count()).select_from(a).where(where)).scalar_one()
    rows = conn.execute(
        select(*_COLUMNS)
        .where(where)
        .order_by(a.c.sent.desc(), a.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return int(total), [_stored(r) for r in rows]


def last_change(
    conn: Connection, *, communes: Collection[str] | None, status: Status, now: datetime
) -> datetime | None:
    """When the set of messages in force (``list_alerts(active_at=)``) last changed.

    A message enters that set when sent and leaves it when superseded (Update, Cancel) or
    when it expires, so the last change up to ``now`` is the latest of those instants among
    the messages kept by ``communes`` and ``status``; None if no message ever matched.
    """
    moment = to_utc(now)
    where = and_(a.c.status == status.value, true() if communes is None else _covers_any(communes))
    row = conn.execute(
        select(
            func.max(case((a.c.sent <= moment, a.c.sent))),
            func.max(case((a.c.superseded_at <= moment, a.c.superseded_at))),
            func.max(case((a.c.expires <= moment, a.c.expires))),
        ).where(where)
    ).one()
    changes = [to_utc(instant) for instant in row if instant is not None]
    return max(changes, default=None)


def covered_communes(conn: Connection, alert_ids: Iterable[int]) -> dict[int, list[str]]:
    """The INSEE codes of the communes each message covers."""
    ids = sorted(set(alert_ids))
    found: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = conn.execute(
        select(alert_areas.c.alert_id, alert_areas.c.code)
        .where(alert_areas.c.alert_id.in_(ids), alert_areas.c.level == "commune")
        .order_by(alert_areas.c.alert_id, alert_areas.c.code)
    )
    for alert_id, code in rows:
        found[alert_id].append(code)
    return found


def load_rule_states(conn: Connection) -> dict[StateKey, EpisodeState]:
    """What the rules remembered after their last evaluation."""
    states = {}
    for rule_id, territory, state in conn.execute(
        select(rule_states.c.rule_id, rule_states.c.territory, rule_states.c.state)
    ):
        data = json.loads(state)
        data["recent"] = tuple(data["recent"])
        states[(rule_id, territory)] = EpisodeState(**data)
    return states


def save_rule_states(
    conn: Connection, states: Mapping[StateKey, EpisodeState], *, now: datetime
) -> None:
    """Store the states of the given (rule, territory) pairs, replacing earlier ones."""
    rows = [
        {
            "rule_id": rule_id,
            "territory": territory,
            "state": json.dumps(asdict(state)),
            "updated_at": to_utc(now),
        }
        for (rule_id, territory), state in states.items()
    ]
    upsert(conn, rule_states, rows, key=("rule_id", "territory"))

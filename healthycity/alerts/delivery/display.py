"""What a street display or kiosk shows for one commune: the alerts in force there now."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select

from healthycity.alerts import tables as alert_tables
from healthycity.alerts.models import MsgType, Status

alerts = alert_tables.alerts
areas = alert_tables.alert_areas


def alerts_in_force(conn: Connection, commune_code: str, *, now: datetime) -> list[dict[str, Any]]:
    """The latest message of each chain in force over the commune, most severe first.

    In force: Actual, not superseded by an Update or Cancel, not a Cancel, not expired.
    """
    rows = conn.execute(
        select(
            alerts.c.id,
            alerts.c.severity,
            alerts.c.urgency,
            alerts.c.hazard,
            alerts.c.level,
            alerts.c.headline_fr,
            alerts.c.headline_en,
            alerts.c.description_fr,
            alerts.c.description_en,
            alerts.c.instruction_fr,
            alerts.c.instruction_en,
            alerts.c.sent,
            alerts.c.expires,
        )
        .join(areas, areas.c.alert_id == alerts.c.id)
        .where(
            areas.c.level == "commune",
            areas.c.code == commune_code,
            alerts.c.status == Status.ACTUAL.value,
            alerts.c.msg_type != MsgType.CANCEL.value,
            alerts.c.superseded_at.is_(None),
            alerts.c.effective <= now,
            or_(alerts.c.expires.is_(None), alerts.c.expires > now),
        )
        .order_by(alerts.c.sent.desc())
    ).all()
    rank = {"Extreme": 0, "Severe": 1, "Moderate": 2, "Minor": 3}
    found = [
        {
            "id": r.id,
            "severity": r.severity,
            "hazard": r.hazard,
            "level": r.level,
            "headline": {"fr": r.headline_fr, "en": r.headline_en},
            "description": {"fr": r.description_fr, "en": r.description_en},
            "instruction": {"fr": r.instruction_fr, "en": r.instruction_en},
            "expires": r.expires.isoformat() if r.expires else None,
        }
        for r in rows
    ]
    return sorted(found, key=lambda a: rank.get(a["severity"], 4))

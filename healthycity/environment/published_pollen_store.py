"""Store and read the published Atmo France pollen index (``published_pollen.py``).

An import is all or nothing: every commune code is checked against the territory before
anything is written, and the caller's transaction holds every row. It is idempotent on
(commune, day): importing a commune and day again replaces its row, so the latest forecast
of a day (Atmo France publishes J, J+1 and J+2 every day) is the one relayed.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select

from healthycity.environment.indices.pollen import PollenLevel
from healthycity.environment.published_pollen import (
    TAXON_FIELDS,
    PollenFeed,
    PublishedPollen,
    check_communes,
)
from healthycity.environment.tables import published_pollen as pp
from healthycity.storage.bulk import in_values
from healthycity.storage.upsert import upsert
from healthycity.territory import tables as territory_tables

logger = logging.getLogger(__name__)
CHUNK_ROWS = 2000  # rows per statement; progress is reported after each
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PollenImport:
    """What an import did: rows written, of which replaced rows of earlier imports."""

    rows: int
    replaced: int
    communes: int
    days: tuple[date, ...]
    imported_at: datetime


@dataclass(frozen=True)
class StoredPollen:
    """A published record and where and when healthycity got it."""

    record: PublishedPollen
    imported_from: str
    imported_at: datetime


def _known_communes(conn: Connection, codes: Sequence[str]) -> set[str]:
    t = territory_tables.territories
    found: set[str] = set()
    for first in range(0, len(codes), CHUNK_ROWS):
        chunk = codes[first : first + CHUNK_ROWS]
        query = select(t.c.code).where(t.c.level == "commune", in_values(conn, t.c.code, chunk))
        found.update(conn.execute(query).scalars())
    return found


def _existing(conn: Connection, days: Sequence[date]) -> set[tuple[date, str]]:
    query = select(pp.c.day, pp.c.commune_code).where(pp.c.day.in_(days))
    return {(day, code) for day, code in conn.execute(query)}


def _row(record: PublishedPollen, imported_from: str, now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {
        "day": record.day, "commune_code": record.commune_code, "code_qual": int(record.level),
        "lib_qual": record.level_label, "pollen_resp": record.responsible,
        "alerte": record.alert, "lib_zone": record.zone_name,
        "date_maj": record.updated_at.astimezone(UTC), "date_dif": record.diffused_on,
        "source": record.publisher, "aasqa": record.aasqa, "imported_from": imported_from,
        "imported_at": now,
    }  # fmt: skip
    for name, taxon in TAXON_FIELDS.items():
        row[name] = int(record.taxa[taxon])
        row["conc_" + name.removeprefix("code_")] = record.concentrations[taxon]
    return row


def import_published_pollen(
    conn: Connection,
    feed: PollenFeed,
    *,
    imported_from: str,
    progress: Progress | None = None,
) -> PollenImport:
    """Check the feed's communes, then store every record (replacing the same commune-day).

    Raises ``RecordError`` naming the first feature whose commune is not in the territory;
    nothing is written then.
    """
    codes = sorted({r.commune_code for r in feed.records})
    check_communes(feed, _known_communes(conn, codes))
    days = sorted({r.day for r in feed.records})
    existing = _existing(conn, days)
    replaced = sum((r.day, r.commune_code) in existing for r in feed.records)
    now = datetime.now(UTC)
    rows = [_row(r, imported_from, now) for r in feed.records]
    for first in range(0, len(rows), CHUNK_ROWS):
        upsert(conn, pp, rows[first : first + CHUNK_ROWS], key=("day", "commune_code"))
        if progress is not None:
            progress("Indice pollen", min(first + CHUNK_ROWS, len(rows)), len(rows))
    logger.info("published pollen imported rows=%d replaced=%d days=%d", len(rows), replaced,
                len(days))  # fmt: skip
    return PollenImport(len(rows), replaced, len(codes), tuple(days), now)


def _utc(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back: they were stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _record(row: Any) -> StoredPollen:
    record = PublishedPollen(
        commune_code=row.commune_code, day=row.day, level=PollenLevel(row.code_qual),
        taxa={t: PollenLevel(row._mapping[n]) for n, t in TAXON_FIELDS.items()},
        concentrations={t: row._mapping["conc_" + n.removeprefix("code_")]
                        for n, t in TAXON_FIELDS.items()},
        updated_at=_utc(row.date_maj), zone_name=row.lib_zone, level_label=row.lib_qual,
        responsible=row.pollen_resp, alert=row.alerte, diffused_on=row.date_dif,
        publisher=row.source, aasqa=row.aasqa,
    )  # fmt: skip
    return StoredPollen(record, row.imported_from, _utc(row.imported_at))


def get_published_pollen(
    conn: Connection, commune_codes: Sequence[str], day: date
) -> dict[str, StoredPollen]:
    """The published index of ``day`` of those of the communes that have one, by code."""
    out: dict[str, StoredPollen] = {}
    for first in range(0, len(commune_codes), CHUNK_ROWS):
        chunk = commune_codes[first : first + CHUNK_ROWS]
        query = select(pp).where(pp.c.day == day, in_values(conn, pp.c.commune_code, chunk))
        out.update((row.commune_code, _record(row)) for row in conn.execute(query))
    return out

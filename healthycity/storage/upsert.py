"""Insert-or-update of many rows, with each dialect's native ``ON CONFLICT``."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert ``rows``; on a conflict on ``key`` update the ``update`` columns (all by default).

    An empty ``update`` list means "insert if absent" (``DO NOTHING``).
    """
    if not rows:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table)
    columns = [c for c in rows[0] if c not in key] if update is None else list(update)
    if columns:
        statement = statement.on_conflict_do_update(
            index_elements=list(key), set_={c: statement.excluded[c] for c in columns}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    conn.execute(statement, list(rows))

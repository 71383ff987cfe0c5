"""Engine creation for the embedded SQLite default and for PostgreSQL."""

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from healthycity.errors import UserError

SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def _set_sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # WAL lets readers run beside the writer; synchronous=FULL makes a commit durable
    # across power loss, which acknowledged health and sensor data require.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A 64 MiB page cache (default 2 MiB): bulk inserts into the large time-series indexes
    # then rarely re-read pages (bench/ingest.py: 56 -> 27 ms per 5,000 readings).
    cursor.execute("PRAGMA cache_size=-65536")
    # Checkpoint the WAL into the database every 40,000 pages (160 MiB; default 1,000): a
    # batch of readings rewrites the last leaf page of each series it touches, so most WAL
    # frames are newer copies of the same pages, and a checkpoint copies each page once
    # (bench/ingest.py, 30 s on SQLite: 45,700 -> 54,800 readings/s).
    cursor.execute("PRAGMA wal_autocheckpoint=40000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; the SQLite file's folder is created if needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        msg = (
            f"HC_DATABASE_URL uses backend {parsed.get_backend_name()!r}; "
            f"expected one of {', '.join(SUPPORTED_BACKENDS)}."
        )
        raise UserError(msg)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def is_postgresql(engine: Engine) -> bool:
    """Tell whether ``engine`` talks to PostgreSQL (for dialect-specific fast paths)."""
    return engine.dialect.name == "postgresql"

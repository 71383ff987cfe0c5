"""What the environment's HTTP doors (batch API and NGSI-LD) share.

Reading a bounded body, the communes a sender may report for, and a transaction committed
before the answer is written.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from sqlalchemy import Connection, Engine
from starlette.exceptions import HTTPException

from healthycity.auth.models import Identity
from healthycity.territory import store as territory_store

MAX_BODY_BYTES = 10 * 1024 * 1024  # ~100,000 readings of JSON; larger batches: split them


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """Commit before the answer is written (a ``DbConn`` commits after it is sent)."""
    with engine.begin() as conn:
        yield conn


async def read_body(
    request: Request,
    *,
    limit: int = MAX_BODY_BYTES,
    expected: str = "expected smaller batches",
) -> bytes:
    """The body, refused with 413 as soon as it exceeds ``limit`` bytes."""
    too_large = HTTPException(413, f"The body exceeds {limit} bytes; {expected}.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def scope_communes(conn: Connection, identity: Identity) -> set[str] | None:
    if identity.scope_level is None or identity.scope_code is None:
        return None
    if identity.scope_level == "commune":
        return {identity.scope_code}
    children = territory_store.get_children(
        conn, identity.scope_level, identity.scope_code, child_level="commune"
    )
    return {c.code for c in children}

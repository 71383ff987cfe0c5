"""API tokens: random secrets shown once, stored as SHA-256 digests."""

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from healthycity.auth.models import ROLES, Identity, Role, TokenSummary
from healthycity.auth.tables import api_tokens
from healthycity.errors import AuthenticationError, NotFoundError, ValidationError

TOKEN_PREFIX = "hc_"  # noqa: S105  (a public marker, not a secret)


def _digest(token: str) -> str:
    # A 256-bit random token needs no slow KDF: SHA-256 cannot be brute-forced back.
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scope(scope: str | None) -> tuple[str | None, str | None]:
    """Split ``departement/58`` into its level and code; ``None`` is the whole platform.

    >>> parse_scope("departement/58")
    ('departement', '58')
    """
    if not scope:
        return None, None
    level, _, code = scope.partition("/")
    if not level or not code:
        msg = f"Scope {scope!r} is not of the form level/code; expected e.g. departement/58."
        raise ValidationError(msg)
    return level, code


def create_token(
    conn: Connection, *, role: str, scope: str | None = None, label: str | None = None
) -> tuple[int, str]:
    """Create a token and return its id and the secret (the only time it is visible)."""
    if role not in ROLES:
        msg = f"Unknown role {role!r}; expected one of {', '.join(ROLES)}."
        raise ValidationError(msg)
    scope_level, scope_code = parse_scope(scope)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = conn.execute(
        insert(api_tokens)
        .values(
            token_hash=_digest(token),
            prefix=token[:10],
            role=role,
            scope_level=scope_level,
            scope_code=scope_code,
            label=label,
            created_at=datetime.now(UTC),
        )
        .returning(api_tokens.c.id)
    ).scalar_one()
    return int(token_id), token


def revoke_token(conn: Connection, token_id: int) -> None:
    """Revoke a token by id; revoking twice is harmless, an unknown id is an error."""
    result = conn.execute(
        update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=datetime.now(UTC))
    )
    if result.rowcount == 0:
        msg = f"No API token with id {token_id}."
        raise NotFoundError(msg)


def authenticate(conn: Connection, token: str) -> Identity:
    """The identity of a presented token, or an :class:`AuthenticationError`."""
    row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None:
        msg = "The API token is unknown or revoked."
        raise AuthenticationError(msg)
    role: Role = row.role
    return Identity(
        role=role, scope_level=row.scope_level, scope_code=row.scope_code, token_id=row.id
    )


def get_token_identity(conn: Connection, token_id: int) -> Identity:
    """The role and scope a token carries (revoked or not), by id; an unknown id is an error."""
    row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
    if row is None:
        msg = f"No API token with id {token_id}."
        raise NotFoundError(msg)
    role: Role = row.role
    return Identity(
        role=role, scope_level=row.scope_level, scope_code=row.scope_code, token_id=row.id
    )


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; every stored datetime is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def list_tokens(conn: Connection) -> list[TokenSummary]:
    """Every token, revoked ones included, oldest first; secrets are never stored."""
    rows = conn.execute(select(api_tokens).order_by(api_tokens.c.id)).all()
    return [
        TokenSummary(
            id=row.id,
            prefix=row.prefix,
            role=row.role,
            scope=f"{row.scope_level}/{row.scope_code}" if row.scope_level else None,
            label=row.label,
            created_at=_aware(row.created_at),
            revoked_at=None if row.revoked_at is None else _aware(row.revoked_at),
        )
        for row in rows
    ]

"""Who a token is, and API token management by operators (a secret is shown only once)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from healthycity.api.deps import CurrentUser, DbConn, require_role, require_scope
from healthycity.auth import tokens
from healthycity.auth.models import Identity, Role
from healthycity.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from healthycity.territory import store

router = APIRouter(tags=["auth"])


def _any_token(identity: CurrentUser) -> Identity:
    if identity.token_id is None:
        msg = "This resource needs an API token (header Authorization: Bearer hc_…); none was sent."
        raise AuthenticationError(msg)
    return identity


AnyToken = Annotated[Identity, Depends(_any_token)]
Operator = Annotated[Identity, Depends(require_role("operator"))]

_SCOPE_FIELD = Field(
    default=None,
    pattern=r"^[a-z]+/[0-9A-Za-z]+$",
    max_length=40,
    description="A territory as level/code; none for the whole platform.",
    examples=["departement/58"],
)


class IdentityPublic(BaseModel):
    """The role and territory scope a token carries."""

    model_config = ConfigDict(frozen=True)

    token_id: int
    role: Role
    scope: str | None = _SCOPE_FIELD


class TokenCreate(BaseModel):
    """A token to create."""

    role: Role
    scope: str | None = _SCOPE_FIELD
    label: str | None = Field(default=None, max_length=200, description="Who or what uses it.")


class TokenCreated(IdentityPublic):
    """A new token; ``token`` is the secret, shown this once and stored only as a digest."""

    token: str
    label: str | None


@router.get("/auth/whoami")
def whoami(identity: AnyToken) -> IdentityPublic:
    """The role and scope of the token presented."""
    assert identity.token_id is not None  # _any_token lets no anonymous through  # noqa: S101
    return IdentityPublic(token_id=identity.token_id, role=identity.role, scope=identity.scope)


@router.post("/tokens", status_code=201)
def create_token(body: TokenCreate, conn: DbConn, operator: Operator) -> TokenCreated:
    """Create a token of any role, within the operator's own scope."""
    _check_scope_exists(conn, body.scope)
    _require_within(conn, operator, body.scope)
    token_id, secret = tokens.create_token(conn, role=body.role, scope=body.scope, label=body.label)
    return TokenCreated(
        token_id=token_id, role=body.role, scope=body.scope, label=body.label, token=secret
    )


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(token_id: int, conn: DbConn, operator: Operator) -> None:
    """Revoke a token within the operator's scope; revoking twice is harmless."""
    _require_within(conn, operator, tokens.get_token_identity(conn, token_id).scope)
    tokens.revoke_token(conn, token_id)


def _check_scope_exists(conn: Connection, scope: str | None) -> None:
    level, code = tokens.parse_scope(scope)
    if level is None or code is None:
        return
    try:
        store.get_territory(conn, level, code)
    except NotFoundError as exc:
        msg = f"Scope {scope!r} names no known territory; expected e.g. departement/58."
        raise ValidationError(msg) from exc


def _require_within(conn: Connection, identity: Identity, scope: str | None) -> None:
    """Raise unless a token of ``scope`` lies inside ``identity``'s scope."""
    if identity.scope is None:
        return
    level, code = tokens.parse_scope(scope)
    if level is None or code is None:
        msg = f"This token is scoped to {identity.scope}; a platform-wide token lies outside it."
        raise PermissionDeniedError(msg)
    require_scope(identity, level, code, ancestors=store.get_ancestors(conn, level, code))

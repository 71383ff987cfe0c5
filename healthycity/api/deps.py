"""Request dependencies shared by every router (``DbConn``, ``CurrentUser``, role checks)."""

from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine

from healthycity.auth.models import ANONYMOUS, Identity, Role
from healthycity.auth.tokens import authenticate
from healthycity.config import Settings
from healthycity.errors import AuthenticationError, PermissionDeniedError

_bearer = HTTPBearer(auto_error=False, description="An API token from `healthycity tokens create`.")


def get_engine(request: Request) -> Engine:
    """The engine created by ``create_app``."""
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    """The settings ``create_app`` was given."""
    settings: Settings = request.app.state.settings
    return settings


def get_connection(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """A connection in a transaction, committed when the request succeeds."""
    with engine.begin() as conn:
        yield conn


# scope="function": commit before the response is sent, so an acknowledgement means durable.
DbConn = Annotated[Connection, Depends(get_connection, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]


def get_identity(
    engine: Annotated[Engine, Depends(get_engine)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Identity:
    """The caller's identity: anonymous without a token, else the token's role and scope."""
    if credentials is None:
        return ANONYMOUS
    with engine.connect() as conn:
        return authenticate(conn, credentials.credentials)


CurrentUser = Annotated[Identity, Depends(get_identity)]


def require_role(minimum: Role) -> Callable[[Identity], Identity]:
    """A dependency that lets through identities of at least ``minimum`` role."""

    def _check(identity: CurrentUser) -> Identity:
        if identity.token_id is None:
            msg = f"This resource needs an API token with role {minimum!r} or above."
            raise AuthenticationError(msg)
        if not identity.has_role(minimum):
            msg = f"Role {identity.role!r} may not do this; role {minimum!r} or above is needed."
            raise PermissionDeniedError(msg)
        return identity

    return _check


class TerritoryKey(Protocol):
    """Anything naming a territory by level and code (a ``territory.models.Territory``)."""

    @property
    def level(self) -> str:
        """``region``, ``departement``, ``epci`` or ``commune``."""

    @property
    def code(self) -> str:
        """The official code (INSEE, or SIREN for an EPCI)."""


def require_scope(
    identity: Identity, level: str, code: str, *, ancestors: Iterable[TerritoryKey]
) -> None:
    """Raise unless ``identity`` may act on the territory ``level/code``.

    An unscoped identity acts everywhere. One scoped to ``departement/58`` acts on 58 and on
    what lies inside it: territories whose ``ancestors`` hold 58 and no other département.
    So an EPCI straddling two départements is inside neither, and neither département's
    administrator may act on it alone.

    Parameters
    ----------
    identity
        Who acts.
    level, code
        The territory acted on.
    ancestors
        The territories containing it (``territory.store.get_ancestors``). The caller looks
        them up because ``api.deps`` sits below the territory domain in the import layers.

    Raises
    ------
    PermissionDeniedError
        When the territory lies outside the identity's scope.
    """
    if identity.scope_level is None or (level, code) == (identity.scope_level, identity.scope_code):
        return
    containing = {a.code for a in ancestors if a.level == identity.scope_level}
    if containing == {identity.scope_code}:
        return
    msg = f"This token is scoped to {identity.scope}; {level}/{code} lies outside that scope."
    raise PermissionDeniedError(msg)

"""Roles, scopes and the identity a request acts as."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

Role = Literal["public", "citizen", "professional", "territory_admin", "operator"]
ROLES: tuple[Role, ...] = get_args(Role)
# Each role may do what the roles before it may do.
ROLE_RANK: dict[Role, int] = {role: rank for rank, role in enumerate(ROLES)}


@dataclass(frozen=True)
class Identity:
    """Who a request acts as: a role and an optional territory scope (``departement/58``)."""

    role: Role
    scope_level: str | None = None
    scope_code: str | None = None
    token_id: int | None = None

    def has_role(self, minimum: Role) -> bool:
        """Whether this identity's role is at least ``minimum``."""
        return ROLE_RANK[self.role] >= ROLE_RANK[minimum]

    @property
    def scope(self) -> str | None:
        """The scope as ``level/code``, or ``None`` for the whole platform."""
        return f"{self.scope_level}/{self.scope_code}" if self.scope_level else None


ANONYMOUS = Identity(role="public")


@dataclass(frozen=True)
class TokenSummary:
    """What may be shown of a stored token: never its secret nor its digest."""

    id: int
    prefix: str
    role: Role
    scope: str | None
    label: str | None
    created_at: datetime
    revoked_at: datetime | None

"""require_scope: a scoped identity acts on its territory and what lies inside it, on real data."""

import pytest
from sqlalchemy import Connection, Engine

from healthycity.api.deps import require_scope
from healthycity.auth.models import Identity
from healthycity.errors import PermissionDeniedError
from healthycity.territory import store

NIEVRE_ADMIN = Identity(role="territory_admin", scope_level="departement", scope_code="58")


def _may_act(conn: Connection, identity: Identity, level: str, code: str) -> bool:
    try:
        require_scope(identity, level, code, ancestors=store.get_ancestors(conn, level, code))
    except PermissionDeniedError:
        return False
    return True


@pytest.mark.parametrize(
    ("level", "code", "expected"),
    [
        ("departement", "58", True),
        ("commune", "58194", True),  # Nevers
        ("epci", "245804406", True),  # CA de Nevers, all in 58
        ("epci", "200068088", False),  # CC Les Bertranges straddles 58 and 18
        ("epci", "200071140", False),  # CA Moulins Communauté straddles 03 and 58
        ("departement", "18", False),
        ("commune", "18033", False),  # Bourges
        ("region", "27", False),  # contains 58, is not inside it
    ],
)
def test_require_scope_departement_admin(
    demo_engine: Engine, level: str, code: str, expected: bool
) -> None:
    with demo_engine.connect() as conn:
        assert _may_act(conn, NIEVRE_ADMIN, level, code) is expected


def test_require_scope_departement_admin_acts_on_its_communes_only(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        nievre = store.get_children(conn, "departement", "58", child_level="commune")
        cher = store.get_children(conn, "departement", "18", child_level="commune")

        assert all(_may_act(conn, NIEVRE_ADMIN, "commune", c.code) for c in nievre)
        assert not any(_may_act(conn, NIEVRE_ADMIN, "commune", c.code) for c in cher)


def test_require_scope_epci_admin_acts_on_member_communes(demo_engine: Engine) -> None:
    nevers_agglo = Identity(role="territory_admin", scope_level="epci", scope_code="245804406")
    with demo_engine.connect() as conn:
        members = store.get_children(conn, "epci", "245804406")

        assert all(_may_act(conn, nevers_agglo, "commune", c.code) for c in members)
        assert not _may_act(conn, nevers_agglo, "commune", "58062")  # Château-Chinon (Ville)
        assert not _may_act(conn, nevers_agglo, "departement", "58")


@pytest.mark.parametrize(
    ("level", "code"), [("region", "84"), ("commune", "75056"), ("epci", "200068088")]
)
def test_require_scope_unscoped_acts_everywhere(demo_engine: Engine, level: str, code: str) -> None:
    with demo_engine.connect() as conn:
        assert _may_act(conn, Identity(role="operator", token_id=1), level, code)


def test_require_scope_without_ancestors_denies_scoped_identities() -> None:
    # failing closed: a caller that forgets the ancestors denies rather than allows
    with pytest.raises(PermissionDeniedError, match=r"departement/58; commune/58194 lies outside"):
        require_scope(NIEVRE_ADMIN, "commune", "58194", ancestors=[])

"""Engines and the dialect-aware upsert, on real SQLite and PostgreSQL."""

from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)

from healthycity.errors import UserError
from healthycity.storage.engine import is_postgresql, make_engine
from healthycity.storage.upsert import upsert
from healthycity.territory import tables


@pytest.fixture
def scratch(engine: Engine) -> Table:
    """A small table of its own (each test has a fresh database or schema)."""
    table = Table(
        "scratch",
        MetaData(),
        Column("code", String(8), primary_key=True),
        Column("name", String(40)),
        Column("population", Integer),
    )
    table.create(engine)
    return table


def rows_of(engine: Engine, table: Table) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(table.c.code))]


def test_make_engine_refuses_an_unsupported_backend() -> None:
    with pytest.raises(UserError, match="backend 'mysql'; expected one of sqlite, postgresql"):
        make_engine("mysql://user@localhost/healthycity")


def test_make_engine_creates_the_sqlite_folder_and_sets_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'deep' / 'hc.db'}")
    try:
        with engine.connect() as conn:
            pragmas = [
                conn.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys")
            ]
        assert pragmas == ["wal", 2, 1]  # WAL, FULL, foreign keys enforced
        assert (tmp_path / "var" / "deep" / "hc.db").exists()
        assert not is_postgresql(engine)
    finally:
        engine.dispose()


def test_is_postgresql_tells_the_backend(engine: Engine) -> None:
    assert is_postgresql(engine) == (engine.dialect.name == "postgresql")


def test_upsert_inserts_then_updates_every_column(engine: Engine, scratch: Table) -> None:
    with engine.begin() as conn:
        upsert(conn, scratch, [{"code": "58194", "name": "Nevers", "population": 1}], key=["code"])
        upsert(
            conn,
            scratch,
            [
                {"code": "58194", "name": "Nevers", "population": 33085},
                {"code": "58062", "name": "Château-Chinon (Ville)", "population": 2000},
            ],
            key=["code"],
        )
    assert rows_of(engine, scratch) == [
        ("58062", "Château-Chinon (Ville)", 2000),
        ("58194", "Nevers", 33085),
    ]


def test_upsert_updates_only_the_named_columns(engine: Engine, scratch: Table) -> None:
    with engine.begin() as conn:
        upsert(conn, scratch, [{"code": "58194", "name": "Nevers", "population": 1}], key=["code"])
        upsert(
            conn,
            scratch,
            [{"code": "58194", "name": "NEVERS", "population": 33085}],
            key=["code"],
            update=["population"],
        )
    assert rows_of(engine, scratch) == [("58194", "Nevers", 33085)]


def test_upsert_with_no_update_column_keeps_existing_rows(engine: Engine, scratch: Table) -> None:
    with engine.begin() as conn:
        upsert(conn, scratch, [{"code": "58194", "name": "Nevers", "population": 1}], key=["code"])
        upsert(
            conn,
            scratch,
            [
                {"code": "58194", "name": "Autre", "population": 2},
                {"code": "58001", "name": "Alligny-Cosne", "population": 3},
            ],
            key=["code"],
            update=[],
        )
        upsert(conn, scratch, [], key=["code"])
    assert rows_of(engine, scratch) == [("58001", "Alligny-Cosne", 3), ("58194", "Nevers", 1)]


def test_deleting_a_territory_cascades_to_its_links(engine: Engine) -> None:
    t, links = tables.territories, tables.territory_links
    with engine.begin() as conn:
        conn.execute(
            insert(t),
            [
                {"level": "departement", "code": "58", "name": "Nièvre", "search_name": "nievre"},
                {"level": "commune", "code": "58194", "name": "Nevers", "search_name": "nevers"},
            ],
        )
        conn.execute(
            insert(links).values(
                child_level="commune",
                child_code="58194",
                parent_level="departement",
                parent_code="58",
            )
        )
        conn.execute(delete(t).where(t.c.level == "departement"))
        assert conn.execute(select(func.count()).select_from(links)).scalar_one() == 0

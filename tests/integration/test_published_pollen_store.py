"""The published pollen index in the database, on both backends: import, replace, answer."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from healthycity.environment import indices_service as service
from healthycity.environment.indices.pollen import PollenLevel, PollenThresholds
from healthycity.environment.published_pollen import ATMO_POLLEN_SOURCE, parse_geojson
from healthycity.environment.published_pollen_store import (
    get_published_pollen,
    import_published_pollen,
)
from healthycity.environment.quantities import Quantity
from healthycity.environment.tables import published_pollen
from healthycity.errors import RecordError
from tests.environment_indices_seed import seed_territory
from tests.pollen_feed_samples import DAY, feature, geojson_bytes

NO_THRESHOLDS = PollenThresholds("No sourced table (tests)")


@pytest.fixture
def territory(engine: Engine) -> Engine:
    """Nevers, Marzy, Garchizy, Urzy, Cosne (58) and Bourges (18), without any reading."""
    with engine.begin() as conn:
        seed_territory(conn)
    return engine


def _import(engine: Engine, *features: dict, name: str = "pollen.geojson") -> object:
    feed = parse_geojson(geojson_bytes(*features), source=name)
    with engine.begin() as conn:
        return import_published_pollen(conn, feed, imported_from=name)


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(published_pollen)).scalar_one()


def test_import_stores_every_field_and_reads_back(territory: Engine) -> None:
    done = _import(territory)

    with territory.connect() as conn:
        found = get_published_pollen(conn, ["58194", "58160", "58121"], DAY)
    assert (done.rows, done.replaced, done.communes, done.days) == (2, 0, 2, (DAY,))
    assert set(found) == {"58194", "58160"}  # Garchizy: nothing published, nothing made up
    nevers = found["58194"]
    expected = parse_geojson(geojson_bytes(), source="pollen.geojson").records[0]
    assert nevers.record == expected
    assert nevers.record.updated_at.tzinfo is not None
    assert (nevers.imported_from, nevers.imported_at) == ("pollen.geojson", done.imported_at)


def test_import_again_replaces_the_same_commune_and_day(territory: Engine) -> None:
    _import(territory)
    again = _import(territory, feature("58194", code_gram=5, code_qual=5, pollen_resp="GRAMINEE"),
                    name="pollen-updated.geojson")  # fmt: skip

    with territory.connect() as conn:
        nevers = get_published_pollen(conn, ["58194"], DAY)["58194"]
    assert (again.rows, again.replaced) == (1, 1)
    assert _count(territory) == 2
    assert nevers.record.level == PollenLevel.TRES_ELEVE
    assert nevers.record.taxa[Quantity.POLLEN_GRASSES] == PollenLevel.TRES_ELEVE
    assert nevers.imported_from == "pollen-updated.geojson"


def test_import_twice_is_idempotent(territory: Engine) -> None:
    first = _import(territory)
    second = _import(territory)

    with territory.connect() as conn:
        found = get_published_pollen(conn, ["58194", "58160"], DAY)
    assert (second.rows, second.replaced) == (2, 2)
    assert _count(territory) == first.rows == 2
    assert found["58160"].record.level == PollenLevel.MODERE


def test_an_unknown_commune_changes_nothing(territory: Engine) -> None:
    _import(territory)
    # 58999 is no commune (Nièvre's codes end before it): the whole file is refused
    with pytest.raises(RecordError) as caught:
        _import(territory, feature("58194", code_qual=6, code_boul=6), feature("58999"))

    assert (caught.value.location, caught.value.field, caught.value.value) == (
        "features[1]", "code_zone", "58999",
    )  # fmt: skip
    with territory.connect() as conn:
        nevers = get_published_pollen(conn, ["58194"], DAY)["58194"]
    assert nevers.record.level == PollenLevel.ELEVE  # the first import's, untouched
    assert _count(territory) == 2


def test_a_departement_is_not_a_commune(territory: Engine) -> None:
    with pytest.raises(RecordError, match=r"features\[0\]: code_zone='58000'"):
        _import(territory, feature("58000"))
    assert _count(territory) == 0


def test_pollen_answer_relays_published_levels_and_computes_the_others(
    territory: Engine,
) -> None:
    _import(territory)

    with territory.connect() as conn:
        area = service.resolve_area(conn, "departement", "58")
        answer = service.pollen_answer(conn, area, DAY, NO_THRESHOLDS)

    places = {p.code: p for p in answer.communes}
    nevers, marzy, garchizy = places["58194"], places["58160"], places["58121"]
    # Hand-computed from the sample levels: Nevers (1, 1, 2, 4, 4, 1) -> 4, birch and grasses;
    # Marzy (1, 1, 1, 2, 3, 1) -> 3, grasses, as their pollen_resp says
    assert (nevers.method, nevers.level.name, nevers.level.colour) == ("published", "ELEVE",
                                                                       "#FF5050")  # fmt: skip
    assert sorted(nevers.responsible) == [Quantity.POLLEN_BIRCH, Quantity.POLLEN_GRASSES]
    assert nevers.published is not None
    assert nevers.published.responsible == "BETULA GRAMINEE"
    assert (marzy.level.name, marzy.responsible) == ("MODERE", (Quantity.POLLEN_GRASSES,))
    assert marzy.published is not None
    assert marzy.published.responsible == "GRAMINEE"
    # Garchizy lies between them but has nothing published: no interpolation of levels
    assert (garchizy.method, garchizy.level.name, garchizy.published) == (
        "unavailable", "INDISPONIBLE", None,
    )  # fmt: skip
    assert answer.notes[0] == "Pollen thresholds: No sourced table (tests)"
    assert answer.notes[1] == (
        f"Published levels (2 of 5 communes): {ATMO_POLLEN_SOURCE}, relayed as published."
    )


def test_pollen_answer_of_another_day_is_unchanged(territory: Engine) -> None:
    _import(territory)

    with territory.connect() as conn:
        area = service.resolve_area(conn, "commune", "58194")
        answer = service.pollen_answer(conn, area, datetime(2026, 4, 16, tzinfo=UTC).date(),
                                       NO_THRESHOLDS)  # fmt: skip

    assert [(p.method, p.level.name) for p in answer.communes] == [("unavailable", "INDISPONIBLE")]
    assert len(answer.notes) == 1

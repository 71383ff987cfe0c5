"""Queries of the territory domain on the demo database (read-only), on both backends."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, func, select

from healthycity.errors import NotFoundError, ValidationError
from healthycity.territory import store, tables

NIEVRE_POPULATION = 201_417  # sum of the legal populations of its 309 communes (COG 2026)
# EPCI with members in Nièvre whose seat is elsewhere: Moulins (Allier), Puisaye-Forterre (Yonne)
MOSTLY_OUTSIDE = {"200071140": 2, "200067130": 6}


@pytest.fixture(scope="module")
def conn(demo_engine: Engine) -> Iterator[Connection]:
    with demo_engine.connect() as connection:
        yield connection


def test_get_territory_of_nievre_has_the_population_of_its_communes(conn: Connection) -> None:
    nievre = store.get_territory(conn, "departement", "58")
    communes = store.get_children(conn, "departement", "58")
    assert (nievre.name, nievre.ref) == ("Nièvre", "departement/58")
    assert len(communes) == 309
    assert {c.level for c in communes} == {"commune"}
    assert sum(c.population or 0 for c in communes) == NIEVRE_POPULATION
    assert nievre.population == NIEVRE_POPULATION


def test_get_territory_unknown_code_or_level(conn: Connection) -> None:
    with pytest.raises(NotFoundError, match="No commune with code '99999'"):
        store.get_territory(conn, "commune", "99999")
    with pytest.raises(ValidationError, match="Unknown territory level 'canton'; expected one of"):
        store.get_territory(conn, "canton", "5801")


def test_get_children_epci_of_nievre_include_those_mostly_outside(conn: Connection) -> None:
    epcis = store.get_children(conn, "departement", "58", child_level="epci")
    assert len(epcis) == 13
    assert {e.kind for e in epcis} <= {"CC", "CA", "CU", "METRO"}
    assert set(MOSTLY_OUTSIDE) <= {e.code for e in epcis}
    nievre = {c.code for c in store.get_children(conn, "departement", "58")}
    for code, inside in MOSTLY_OUTSIDE.items():
        members = {c.code for c in store.get_children(conn, "epci", code)}
        assert len(members & nievre) == inside
        assert len(members - nievre) > inside


def test_get_children_of_a_region(conn: Connection) -> None:
    departements = store.get_children(conn, "region", "27")
    assert [d.code for d in departements] == ["21", "25", "39", "58", "70", "71", "89", "90"]
    communes = store.get_children(conn, "region", "27", child_level="commune")
    assert (
        sum(c.population or 0 for c in communes)
        == store.get_territory(conn, "region", "27").population
    )


def test_get_children_refuses_impossible_levels(conn: Connection) -> None:
    with pytest.raises(ValidationError, match="A commune has no children"):
        store.get_children(conn, "commune", "58194")
    with pytest.raises(ValidationError, match="Children of a epci can be commune; got level="):
        store.get_children(conn, "epci", "245804406", child_level="departement")


def test_get_ancestors_of_nevers(conn: Connection) -> None:
    ancestors = store.get_ancestors(conn, "commune", "58194")
    assert [(a.level, a.code, a.name) for a in ancestors] == [
        ("epci", "245804406", "CA de Nevers"),
        ("departement", "58", "Nièvre"),
        ("region", "27", "Bourgogne-Franche-Comté"),
    ]


def test_get_ancestors_of_an_epci_across_two_regions(conn: Connection) -> None:
    ancestors = store.get_ancestors(conn, "epci", "200071140")  # CA Moulins Communauté
    assert [a.ref for a in ancestors] == [
        "departement/03",
        "departement/58",
        "region/27",
        "region/84",
    ]
    assert store.get_ancestors(conn, "region", "27") == []


@pytest.mark.parametrize(
    "query", ["chateau chinon", "CHÂTEAU-CHINON", "Château Chinon", "chinon chateau"]
)
def test_search_territories_ignores_accents_case_and_word_order(
    conn: Connection, query: str
) -> None:
    found = [t.code for t in store.search_territories(conn, query, level="commune")]
    assert found[:2] == ["58062", "58063"]  # (Ville) is more populous than (Campagne)


def test_search_territories_puts_the_exact_name_first(conn: Connection) -> None:
    found = store.search_territories(conn, "nevers")
    assert found[0].ref == "commune/58194"
    assert "epci/245804406" in [t.ref for t in found]


def test_search_territories_by_level_and_limit(conn: Connection) -> None:
    found = store.search_territories(conn, "saint", level="commune", limit=5)
    assert len(found) == 5
    assert {t.level for t in found} == {"commune"}
    assert all(t.name.startswith("Saint") for t in found)  # prefix matches first…
    populations = [t.population or 0 for t in found]
    assert populations == sorted(populations, reverse=True)  # …then the most populous
    assert store.search_territories(conn, "xyzzy plugh") == []


@pytest.mark.parametrize("query", ["", "   ", "--", "%", "_", "' ( ) ?"])
def test_search_territories_without_letters_is_refused(conn: Connection, query: str) -> None:
    with pytest.raises(ValidationError, match="has no letters or digits"):
        store.search_territories(conn, query)


@pytest.mark.parametrize("limit", [0, -3])
def test_search_territories_refuses_a_limit_below_one(conn: Connection, limit: int) -> None:
    with pytest.raises(ValidationError, match=f"Search limit {limit}; expected"):
        store.search_territories(conn, "nevers", limit=limit)


def test_search_territories_refuses_an_unknown_level(conn: Connection) -> None:
    with pytest.raises(ValidationError, match="Unknown territory level"):
        store.search_territories(conn, "nevers", level="ville")


def test_get_age_structure_of_nievre_2021_adds_up_to_insee_total(conn: Connection) -> None:
    structure = store.get_age_structure(conn, "departement", "58")
    assert (structure.year, structure.is_estimated) == (2021, False)
    assert sum(structure.population_by_band.values()) == 199_518
    older = store.get_age_structure(conn, "departement", "58", year=2015)
    assert older.year == 2015


def test_get_age_structure_of_a_commune_is_derived_and_adds_up(conn: Connection) -> None:
    nevers = store.get_territory(conn, "commune", "58194")
    structure = store.get_age_structure(conn, "commune", "58194")
    assert structure.is_estimated
    assert structure.year == 2021
    assert structure.source.startswith("estimated: ")
    assert sum(structure.population_by_band.values()) == pytest.approx(nevers.population)
    assert all(v >= 0 for v in structure.population_by_band.values())


def test_get_age_structure_of_forty_nievre_communes_adds_up(conn: Connection) -> None:
    for commune in store.get_children(conn, "departement", "58")[:40]:
        structure = store.get_age_structure(conn, "commune", commune.code)
        assert sum(structure.population_by_band.values()) == pytest.approx(commune.population)


def test_get_age_structure_missing_year_or_level(conn: Connection) -> None:
    with pytest.raises(NotFoundError, match="No age structure for departement/58 in 1990"):
        store.get_age_structure(conn, "departement", "58", year=1990)
    with pytest.raises(NotFoundError, match="nor its departement/58"):
        store.get_age_structure(conn, "commune", "58194", year=1990)
    with pytest.raises(NotFoundError, match="No age structure for region/27"):
        store.get_age_structure(conn, "region", "27")


def test_feature_collection_of_nievre_communes(conn: Connection) -> None:
    communes = store.get_children(conn, "departement", "58")
    collection = store.feature_collection(conn, communes)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 309
    first = collection["features"][0]
    assert first["id"] == f"commune/{communes[0].code}"
    assert first["geometry"]["type"] in ("Polygon", "MultiPolygon")
    population, area = communes[0].population, communes[0].area_km2
    assert population is not None
    assert area
    assert first["properties"]["density_per_km2"] == pytest.approx(population / area)


def test_feature_collection_without_polygon_has_null_geometry(conn: Connection) -> None:
    paris = store.get_territory(conn, "commune", "75056")
    assert not paris.has_geometry
    [feature] = store.feature_collection(conn, [paris])["features"]
    assert feature["geometry"] is None


def test_import_version_counts_the_demo_imports(conn: Connection) -> None:
    assert (
        store.import_version(conn)
        == conn.execute(select(func.max(tables.imports.c.id))).scalar_one()
    )
    assert store.import_version(conn) >= 5  # COG, régions, départements, communes, ages

"""The shipped care offer on the demo territory (read-only), on SQLite and PostgreSQL.

Figures come from INSEE BPE 2018–2019 and the FINESS 2020 hospital extract (data/care).
"""

import numpy as np
import pytest
from sqlalchemy import Engine, func, select

from healthycity.care_access import store, tables
from healthycity.care_access.offer import CareKind
from healthycity.care_access.proximity import great_circle_km
from healthycity.errors import NotFoundError

NEVERS, COSNE, LA_CHARITE = "58194", "58086", "58059"
NEVERS_POINT = (3.1590, 46.9908)


@pytest.mark.parametrize(
    ("year", "total", "communes", "nevers", "cosne"),
    [(2018, 163, 50, 33, 9), (2019, 162, 50, 32, 8)],
)
def test_nievre_general_practitioners_per_commune(
    care_demo_engine: Engine, year: int, total: int, communes: int, nevers: int, cosne: int
) -> None:
    with care_demo_engine.connect() as conn:
        nievre, _ = store.territory_communes(conn, "departement", "58")
        counts = store.count_offer(conn, year=year, kind="general_practitioner", communes=nievre)
    assert (counts.total, len(counts.by_commune)) == (total, communes)
    assert (counts.by_commune[NEVERS], counts.by_commune[COSNE]) == (nevers, cosne)


@pytest.mark.parametrize(
    ("kind", "totals"),
    [("pharmacy", (89, 89)), ("ehpad", (44, 44)), ("msp", (12, 14)), ("health_centre", (14, 13))],
)
def test_nievre_establishments_per_year(
    care_demo_engine: Engine, kind: CareKind, totals: tuple[int, int]
) -> None:
    with care_demo_engine.connect() as conn:
        nievre, _ = store.territory_communes(conn, "departement", "58")
        found = tuple(
            store.count_offer(conn, year=year, kind=kind, communes=nievre).total
            for year in (2018, 2019)
        )
    assert found == totals


def test_a_commune_the_bpe_does_not_list_has_none(care_demo_engine: Engine) -> None:
    with care_demo_engine.connect() as conn:
        counts = store.count_offer_by_commune(
            conn, year=2019, kind="general_practitioner", communes=["58001", NEVERS]
        )
    assert counts == {"58001": 0, NEVERS: 32}


def test_counts_outside_the_imported_scope_are_unknown_not_zero(care_demo_engine: Engine) -> None:
    with care_demo_engine.connect() as conn:
        # nurses were imported for the demo départements only, and no year 2020 at all
        assert store.count_offer(conn, year=2019, kind="nurse", communes=[NEVERS]).total > 0
        with pytest.raises(NotFoundError, match=r"No BPE count of nurse \(D232\) for 2019 .* 75"):
            store.count_offer(conn, year=2019, kind="nurse", communes=["75056"])
        with pytest.raises(NotFoundError, match="imported years of this kind: 2018, 2019"):
            store.count_offer(conn, year=2020, kind="general_practitioner", communes=[NEVERS])
        with pytest.raises(NotFoundError, match="does not count 'teleconsultation'"):
            store.count_offer(conn, year=2019, kind="teleconsultation", communes=[NEVERS])


def test_la_charite_hospital_geocoded_in_sarthe_is_flagged(care_demo_engine: Engine) -> None:
    with care_demo_engine.connect() as conn:
        hospitals = store.list_facilities(conn, kind="hospital", communes=[LA_CHARITE])
    dunant = next(f for f in hospitals if f.finess == "580972644")
    assert not dunant.coordinates_trusted
    assert dunant.location_precision == "commune"
    assert (dunant.reported_lon, dunant.reported_lat) == pytest.approx(
        (0.02653, 47.88573), abs=1e-5
    )
    # shown at La Charité-sur-Loire instead, near the real site (47.18 N, 3.02 E)
    assert dunant.lat == pytest.approx(47.18, abs=0.03)
    assert dunant.lon == pytest.approx(3.02, abs=0.04)
    others = [f for f in hospitals if f.finess != "580972644"]
    assert others
    assert all(f.coordinates_trusted for f in others)


def test_demo_hospitals_are_those_of_the_demo_departements(care_demo_engine: Engine) -> None:
    f = tables.facilities
    with care_demo_engine.connect() as conn:
        by_departement = dict(
            conn.execute(
                select(f.c.departement_code, func.count()).group_by(f.c.departement_code)
            ).all()
        )
        untrusted = conn.execute(
            select(f.c.finess).where(f.c.coordinates_trusted.is_(False)).order_by(f.c.finess)
        ).scalars()
        assert list(untrusted) == ["580972644", "710009689"]  # La Charité, Montchanin (in Lille)
    assert by_departement["58"] == 32
    assert set(by_departement) == {"03", "18", "21", "45", "58", "71", "89"}


def test_finess_numbers_of_departements_01_to_09_get_their_leading_zero(
    care_demo_engine: Engine,
) -> None:
    f = tables.facilities
    with care_demo_engine.connect() as conn:
        allier = conn.execute(select(f.c.finess).where(f.c.departement_code == "03")).scalars()
        finess = list(allier)
        lengths = set(conn.execute(select(func.length(f.c.finess)).distinct()).scalars())
        neris = conn.execute(select(f.c.commune_code).where(f.c.finess == "030000012")).scalar()
    assert finess
    assert all(n.startswith("03") for n in finess)
    assert lengths == {9}
    assert neris == "03195"  # Néris-les-Bains, located by its trusted geocode


def test_nearest_pharmacy_from_nevers_centre(care_demo_engine: Engine) -> None:
    with care_demo_engine.connect() as conn:
        found = store.find_nearest(conn, *NEVERS_POINT, kind="pharmacy", limit=3)
    assert found[0].commune_code == NEVERS
    assert found[0].source == "bpe"
    assert (found[0].count, found[0].year) == (18, 2019)
    assert found[0].distance_km < 2.0
    assert [p.distance_km for p in found] == sorted(p.distance_km for p in found)


@pytest.mark.parametrize("kind", ["pharmacy", "hospital", "general_practitioner", "ehpad"])
def test_nearest_equals_a_brute_force_search(care_demo_engine: Engine, kind: CareKind) -> None:
    rng = np.random.default_rng(58)
    with care_demo_engine.connect() as conn:
        year = store.count_years(conn, kind)[-1] if store.count_years(conn, kind) else None
        everything = store._candidates(conn, kind, None, year)
        for _ in range(15):
            lon, lat = float(rng.uniform(2.0, 5.5)), float(rng.uniform(45.8, 48.5))
            found = store.find_nearest(conn, lon, lat, kind=kind, limit=4)
            distances = great_circle_km(
                lon, lat, [c.lon for c in everything], [c.lat for c in everything]
            )
            assert [round(p.distance_km, 9) for p in found] == [
                round(float(d), 9) for d in sorted(distances)[:4]
            ]

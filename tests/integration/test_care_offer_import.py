"""Care offer imports on a writable database: mapping, reporting, replacing, all or nothing.

The tiny territory of ``tests.factories``: communes 58001 (with former commune 58004) and
58002 in Nièvre, 89001 in Yonne, 18001 in Cher, drawn as 0.1° squares near 3.1° E, 47.1° N.
"""

from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select

from healthycity.care_access import store, tables
from healthycity.care_access.importer import DEMO_BPE_FILES, import_bpe, import_finess_hospitals
from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.errors import RecordError
from healthycity.territory import tables as territory_tables
from healthycity.territory.cog import CogFiles
from healthycity.territory.importer import import_boundaries, import_cog
from tests.factories import write_cog, write_csv, write_geojson

LONG = (
    *("annee_bpe", "code_region", "code_departement", "code_insee"),
    *("typequ", "libelle_typequ", "nb_equip"),
)
HOSPITAL = (
    *("id", "hospital_name", "site_name", "lat", "lon", "street", "house_number", "postcode"),
    *("city", "cap_beds", "cap_prac", "cap_rooms", "facility_type", "public_private"),
)
GOOD_BPE = [
    (2018, 27, "58", "58001", "D201", "Médecin généraliste", 2),
    (2018, 27, "58", "58004", "D201", "Médecin généraliste", 1),  # former commune of 58001
    (2018, 27, "58", "58002", "D201", "Médecin généraliste", 3),
    (2018, 27, "58", "58002", "D301", "Pharmacie", 1),
    (2018, 27, "58", "58999", "D201", "Médecin généraliste", 4),  # in no COG: reported
]


@pytest.fixture
def tiny(engine: Engine, tmp_path: Path) -> Engine:
    """The tiny territory with its polygons, on each backend."""
    with engine.begin() as conn:
        import_cog(conn, write_cog(tmp_path / "cog"))
        import_boundaries(conn, [write_geojson(tmp_path / "communes.geojson")])
    return engine


def _counts(conn: Connection, year: int = 2018, kind: str = "general_practitioner") -> dict:
    return store.count_offer_by_commune(
        conn,
        year=year,
        kind=kind,
        communes=["58001", "58002"],  # type: ignore[arg-type]
    )


def _stored_rows(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (tables.offer_counts, tables.count_coverage, tables.facilities)
        )


def test_bpe_former_communes_are_summed_into_their_commune_and_unknown_ones_reported(
    tiny: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "bpe.csv", LONG, GOOD_BPE)
    with tiny.begin() as conn:
        report = import_bpe(conn, [path])
        assert _counts(conn) == {"58001": 3, "58002": 3}
        assert _counts(conn, kind="pharmacy") == {"58001": 0, "58002": 1}
    assert report.rows == {"counts": 3, "communes": 2, "unmapped_communes": 1}
    [unmapped] = report.unmapped
    assert (unmapped.code, unmapped.year, unmapped.line, unmapped.counts) == (
        "58999",
        2018,
        6,
        {"D201": 4},
    )
    assert "58999 in 2018 (line 6: D201=4)" in report.warnings[0]


def test_bpe_reimport_replaces_its_own_scope_only(tiny: Engine, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "first.csv", LONG, GOOD_BPE[:4])
    again = write_csv(
        tmp_path / "again.csv", LONG, [(2018, 27, "58", "58002", "D201", "Médecin généraliste", 5)]
    )
    with tiny.begin() as conn:
        import_bpe(conn, [first])
        import_bpe(conn, [again])
        # D201 of 58 in 2018 is the second file's; 58001 is no longer listed: none
        assert _counts(conn) == {"58001": 0, "58002": 5}
        # D301 was not in the second file: the first file's count stands
        assert _counts(conn, kind="pharmacy") == {"58001": 0, "58002": 1}


def test_bpe_files_that_disagree_are_refused(tiny: Engine, tmp_path: Path) -> None:
    one = write_csv(tmp_path / "one.csv", LONG, GOOD_BPE[:3])
    other = write_csv(
        tmp_path / "other.csv", LONG, [(2018, 27, "58", "58002", "D201", "Médecin généraliste", 4)]
    )
    with pytest.raises(RecordError) as caught, tiny.begin() as conn:
        import_bpe(conn, [one, other])
    assert caught.value.source == str(other)
    assert caught.value.location == "line 2"
    assert caught.value.expected == f"3, as {one} line 4 says"
    assert _stored_rows(tiny) == (0, 0, 0)


def test_bpe_of_an_unknown_departement_is_refused(tiny: Engine, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "bpe.csv", LONG, [*GOOD_BPE, (2018, 84, "03", "03001", "D201", "x", 1)]
    )
    with (
        pytest.raises(RecordError, match="line 7: code_departement='03'; expected a départ"),
        tiny.begin() as conn,
    ):
        import_bpe(conn, [path])
    assert _stored_rows(tiny) == (0, 0, 0)


def test_bad_file_in_the_same_transaction_changes_nothing(tiny: Engine, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "bpe.csv", LONG, GOOD_BPE)
    with tiny.begin() as conn:
        import_bpe(conn, [good])
    before = _stored_rows(tiny)
    changed = write_csv(
        tmp_path / "changed.csv", LONG, [(2018, 27, "58", "58002", "D201", "Médecin", 9)]
    )
    bad_hospitals = write_csv(
        tmp_path / "h.csv",
        HOSPITAL,
        [
            (
                "580972693",
                "CH",
                "",
                "46.98",
                "3.12",
                "",
                "",
                "58033",
                "NEVERS",
                "-1",
                "",
                "",
                "CH",
                "",
            )
        ],
    )
    # as `healthycity care import --bpe ... --hospitals ...` does: one transaction
    with pytest.raises(RecordError, match="line 2: cap_beds='-1'"), tiny.begin() as conn:
        _import_both(conn, changed, bad_hospitals)
    assert _stored_rows(tiny) == before
    with tiny.connect() as conn:
        assert _counts(conn) == {"58001": 3, "58002": 3}


def _import_both(conn: Connection, bpe: Path, hospitals: Path) -> None:
    import_bpe(conn, [bpe])
    import_finess_hospitals(conn, hospitals)


def _hospital(finess: str, lon: float, lat: float, city: str) -> tuple[str, ...]:
    address = ("RUE", "1", "58000", city)
    return (finess, f"CH {city}", "", str(lat), str(lon), *address, "120", "", "", "CH", "public")


def test_hospitals_far_outside_their_departement_are_not_trusted(
    tiny: Engine, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "h.csv",
        HOSPITAL,
        [
            _hospital("580972693", 3.05, 47.05, "NEVERS"),  # inside 58001's square
            _hospital("580972644", 0.0265, 47.8857, "SAINT ELOI"),  # in Sarthe: 58002 by name
            _hospital("580780138", 0.0265, 47.8857, "NOWHERE"),  # in Sarthe, city unknown
            _hospital("580972636", 3.2302, 47.05, "ST ELOI"),  # 2 km out of its border: kept
        ],
    )
    with tiny.begin() as conn:
        report = import_finess_hospitals(conn, path)
        by_finess = {f.finess: f for f in store.list_facilities(conn)}
        square_58002 = store.stand_in_point(conn, "58002", "58")
        departement = store.stand_in_point(conn, None, "58")
    assert report.rows == {"facilities": 4, "untrusted_locations": 2, "unresolved_communes": 1}
    inside, by_name, lost, near = (
        by_finess[n] for n in ("580972693", "580972644", "580780138", "580972636")
    )
    assert (inside.commune_code, inside.coordinates_trusted, inside.lon) == ("58001", True, 3.05)
    assert (by_name.commune_code, by_name.coordinates_trusted) == ("58002", False)
    assert (by_name.lon, by_name.lat, by_name.location_precision) == square_58002
    assert (by_name.reported_lon, by_name.reported_lat) == (0.0265, 47.8857)
    assert (lost.commune_code, lost.location_precision) == (None, "departement")
    assert (lost.lon, lost.lat) == departement[:2]
    assert (near.commune_code, near.coordinates_trusted) == ("58002", True)
    assert [u.finess for u in report.untrusted] == ["580972644", "580780138"]
    assert report.untrusted[0].distance_km == pytest.approx(234, abs=2)  # to the 58 square
    assert "line 3: FINESS 580972644 CH SAINT ELOI is geocoded at lon 0.026" in report.warnings[0]
    assert "could not be told from their postcode and city (e.g. line 4" in report.warnings[-1]


def test_hospital_reimport_updates_in_place(tiny: Engine, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", HOSPITAL, [_hospital("580972693", 3.05, 47.05, "X")])
    second = write_csv(tmp_path / "b.csv", HOSPITAL, [_hospital("580972693", 3.06, 47.06, "X")])
    with tiny.begin() as conn:
        import_finess_hospitals(conn, first)
        [before] = store.list_facilities(conn)
        import_finess_hospitals(conn, second)
        [after] = store.list_facilities(conn)
    assert after.id == before.id
    assert (after.lon, after.lat) == (3.06, 47.06)


def test_bpe_france_nothing_is_dropped_silently(engine: Engine) -> None:
    """All France, COG 2026 without polygons: stored + reported = the file's national total."""
    wide = DEFAULT_DEMO_DATA_DIR / "care" / DEMO_BPE_FILES[1]
    with engine.begin() as conn:
        import_cog(conn, CogFiles.in_folder(DEFAULT_DEMO_DATA_DIR / "territory"))
        report = import_bpe(conn, [wide])
        oc = tables.offer_counts
        stored = dict(
            conn.execute(
                select(oc.c.year, func.sum(oc.c.count))
                .where(oc.c.typequ == "D201")
                .group_by(oc.c.year)
            ).all()
        )
    lost = {
        year: sum(u.counts.get("D201", 0) for u in report.unmapped if u.year == year)
        for year in (2018, 2019)
    }
    assert {year: stored[year] + lost[year] for year in lost} == {2018: 61594, 2019: 61429}
    with engine.connect() as conn:
        communes = set(store.commune_departements(conn, {u.code for u in report.unmapped}))
        m = territory_tables.commune_merges
        merged = set(conn.execute(select(m.c.code)).scalars())
    assert report.unmapped  # the 2018 file has communes merged since, e.g. 25282
    assert not {u.code for u in report.unmapped} & (communes | merged)

"""The APL engine on stored data: the hand-computed tiny case, the demo territory, invariants.

Hand-computed tiny case (``tests.apl_seed``, matrix provider, buffer = Yonne), with
``f = 1.175`` standardised inhabitants per inhabitant and DREES weights 1 (< 10 min),
2/3 (10–15 min)::

    step 1  R(58001) = 10,800 / f(1000 + 2/3 · 500 + 200) = 162 / 23f
            R(58002) = 0 (no GP)
            R(89001) = 5,400 / f(200 + 1000) = 9 / 2f      (58002 is 25 min away: out)
    step 2  APL(58001) = R(58001) + R(89001) = 531 / 46f
            APL(58002) = 2/3 · R(58001)       = 108 / 23f
"""

from pathlib import Path

import pytest
from sqlalchemy import Engine

from healthycity.care_access import apl_service, scenario_store, store
from healthycity.care_access.apl_model import count_classes
from healthycity.care_access.offer import Facility, Practitioner
from healthycity.care_access.providers import StraightLineProvider
from healthycity.care_access.scenarios import (
    AddGps,
    AddTeleconsultationPoint,
    RemoveGps,
    RetireGp,
    ScenarioError,
)
from healthycity.care_access.travel_matrix import MatrixProvider
from healthycity.errors import NotFoundError, RecordError, ValidationError
from healthycity.territory.importer import import_cog
from tests.apl_seed import STANDARDISED_PER_INHABITANT, seed_tiny_apl, write_matrix
from tests.factories import write_cog

F = STANDARDISED_PER_INHABITANT
APL_58001 = 531 / 46 / F
APL_58002 = 108 / 23 / F
NIEVRE = "departement/58"


@pytest.fixture
def tiny(engine: Engine, tmp_path: Path) -> Engine:
    """The tiny APL territory on each backend (writable)."""
    with engine.begin() as conn:
        seed_tiny_apl(conn, tmp_path)
    return engine


@pytest.fixture
def matrix(tmp_path: Path) -> MatrixProvider:
    return MatrixProvider.from_csv(write_matrix(tmp_path / "matrix.csv"))


def _tiny_apl(engine: Engine, provider: object, **options: object) -> apl_service.AplResult:
    with engine.connect() as conn:
        return apl_service.compute_territory_apl(
            conn, territory=NIEVRE, provider=provider, **({"year": 2023} | options)
        )


def test_compute_territory_apl_matches_the_hand_computed_tiny_case(
    tiny: Engine, matrix: MatrixProvider
) -> None:
    result = _tiny_apl(tiny, matrix, buffer_departements=["89"])

    by_code = {c.code: c for c in result.communes}
    assert sorted(by_code) == ["58001", "58002"]  # 89001 is a buffer commune: no result
    assert by_code["58001"].apl == pytest.approx(APL_58001, rel=1e-12)
    assert by_code["58002"].apl == pytest.approx(APL_58002, rel=1e-12)
    assert by_code["58001"].standardised_population == pytest.approx(1000 * F)
    assert by_code["58001"].gp_count == 2
    assert by_code["58001"].accessible_consultations == pytest.approx(10_800 + 5_400)
    assert by_code["58002"].accessible_consultations == pytest.approx(2 / 3 * 10_800)
    # 9.82 and 3.996: adequate, and vigilance by a hair
    assert (by_code["58001"].apl_class, by_code["58002"].apl_class) == ("adequate", "vigilance")
    setup = result.setup
    assert (setup.bpe_year, setup.age_structure_year, setup.provider) == (2019, 2021, "matrix")
    assert setup.age_structure_is_estimated
    assert setup.buffer_departements == ("89",)
    assert result.study_area_communes == 3


def test_aggregates_weigh_communes_by_standardised_population(
    tiny: Engine, matrix: MatrixProvider, tmp_path: Path
) -> None:
    result = _tiny_apl(tiny, matrix, buffer_departements=["89"])
    with tiny.connect() as conn:
        [departement] = apl_service.aggregate_apl(conn, result, "departement").rows
        epcis = {a.code: a for a in apl_service.aggregate_apl(conn, result, "epci").rows}

    assert departement.apl == pytest.approx((1000 * APL_58001 + 500 * APL_58002) / 1500)
    assert (departement.communes, departement.is_partial) == (2, False)
    assert epcis["200000001"].apl == pytest.approx(APL_58001)  # 89001 is outside Nièvre
    assert epcis["200000001"].is_partial
    assert epcis["200000001"].communes_in_group == 2
    assert epcis["200000002"].apl == pytest.approx(APL_58002)


def test_bassins_de_vie_come_from_the_users_table(
    tiny: Engine, matrix: MatrixProvider, tmp_path: Path
) -> None:
    path = tmp_path / "bv.csv"
    path.write_text("CODGEO;LIBGEO;BV2022;LIBBV2022\n58001;A;58001;BV de A\n", encoding="utf-8")
    result = _tiny_apl(tiny, matrix, buffer_departements=["89"])
    mapping = apl_service.read_bassins_csv(path)
    with tiny.connect() as conn:
        table = apl_service.aggregate_apl(conn, result, "bassin_de_vie", bassins=mapping)
        with pytest.raises(ValidationError, match="none ships with healthycity"):
            apl_service.aggregate_apl(conn, result, "bassin_de_vie")

    [bassin] = table.rows
    assert (bassin.code, bassin.name, bassin.apl) == ("58001", "BV de A", pytest.approx(APL_58001))
    assert table.unmapped == ("58002",)


def test_read_bassins_csv_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bv.csv"
    path.write_text("code_commune,code_bassin_de_vie\n58001,58194\n58001,58086\n", "utf-8")
    with pytest.raises(RecordError, match="line 3: code_commune='58001'"):
        apl_service.read_bassins_csv(path)
    path.write_text("commune_code,bv\n58001,58194\n", "utf-8")
    with pytest.raises(RecordError, match=r"line 1 \(header\)"):
        apl_service.read_bassins_csv(path)


def test_a_buffer_departement_without_bpe_counts_is_left_out_with_a_warning(
    tiny: Engine,
) -> None:
    result = _tiny_apl(tiny, StraightLineProvider())  # neighbours: Yonne and Cher

    assert result.setup.buffer_departements == ("89",)
    assert any("18 left out: no BPE GP count of 2019" in w for w in result.setup.warnings)
    assert {c.code for c in result.communes} == {"58001", "58002"}


def test_removing_every_gp_leaves_an_apl_of_zero(tiny: Engine, matrix: MatrixProvider) -> None:
    with tiny.connect() as conn:
        _, outcome = apl_service.preview_scenario(
            conn, territory=NIEVRE, year=2023, provider=matrix,
            changes=[RemoveGps("58001", count=2), RetireGp("89001")],
        )  # fmt: skip

    assert [c.apl_after for c in outcome.communes] == [0.0, 0.0]
    assert outcome.under_dense(after=True).communes == 2
    assert outcome.into_under_dense.population == 1500


def test_scenario_errors_name_the_commune_and_the_numbers(
    tiny: Engine, matrix: MatrixProvider
) -> None:
    with tiny.connect() as conn:

        def preview(*changes: object) -> None:
            apl_service.preview_scenario(
                conn, territory=NIEVRE, year=2023, provider=matrix, changes=list(changes)
            )

        with pytest.raises(ScenarioError, match=r"removes 3 GP\(s\) at commune 58001 .*; 2 prac"):
            preview(RemoveGps("58001", count=3))
        with pytest.raises(ScenarioError, match=r"change 2 .*removes 1 GP\(s\) at commune 58002"):
            preview(AddGps("58001"), RemoveGps("58002"))
        with pytest.raises(ScenarioError, match="'45001' is not in the study area"):
            preview(AddGps("45001"))
        with pytest.raises(ScenarioError, match="count=-1; expected a whole number from 1"):
            preview(AddGps("58001", count=-1))
        with pytest.raises(ScenarioError, match="practitioner_id=7 is not a GP counted"):
            preview(RetireGp("58001", practitioner_id=7))


def test_unknown_territory_year_or_missing_counts_are_clear_errors(
    tiny: Engine, matrix: MatrixProvider
) -> None:
    with tiny.connect() as conn:
        with pytest.raises(NotFoundError, match="No departement with code '99'"):
            apl_service.compute_territory_apl(
                conn, territory="departement/99", year=2023, provider=matrix
            )
        with pytest.raises(NotFoundError, match="year=2019; expected one of 2022, 2023"):
            apl_service.compute_territory_apl(conn, territory=NIEVRE, year=2019, provider=matrix)
        with pytest.raises(ValidationError, match="expected level/code"):
            apl_service.compute_territory_apl(conn, territory="58", year=2023, provider=matrix)
        with pytest.raises(NotFoundError, match="none with an activity"):
            apl_service.compute_territory_apl(
                conn, territory=NIEVRE, year=2023, provider=matrix, supply="activity"
            )


def test_activity_supply_caps_registered_gps_and_retires_one_by_id(
    tiny: Engine, matrix: MatrixProvider
) -> None:
    with tiny.begin() as conn:
        busy = store.save_practitioner(
            conn, Practitioner("general_practitioner", "58001", yearly_consultations=9000,
                               activity_year=2022),  # counts 6,000 (DREES ceiling)
        )  # fmt: skip
        store.save_practitioner(
            conn, Practitioner("general_practitioner", "58001", yearly_consultations=1000,
                               activity_year=2022),  # counts 3,600 (DREES floor)
        )  # fmt: skip
        store.save_practitioner(conn, Practitioner("general_practitioner", "89001"))  # 5,400
    result = _tiny_apl(tiny, matrix, buffer_departements=["89"], supply="activity")
    by_code = {c.code: c for c in result.communes}

    assert by_code["58001"].supply_consultations == 9600
    assert (result.setup.practitioners, result.setup.practitioners_imputed) == (3, 1)
    # R(58001) = 9,600 / (1533⅓ f), R(89001) = 5,400 / (1200 f)
    assert by_code["58001"].apl == pytest.approx((9600 / (4600 / 3) + 4.5) / F)
    with tiny.connect() as conn:
        _, outcome = apl_service.preview_scenario(
            conn, territory=NIEVRE, year=2023, provider=matrix, supply="activity",
            changes=[RetireGp("58001", practitioner_id=busy.id)],
        )  # fmt: skip
    assert outcome.communes[0].apl_after == pytest.approx((3600 / (4600 / 3) + 4.5) / F)


def test_teleconsultation_points_stay_out_of_the_official_apl(
    tiny: Engine, matrix: MatrixProvider
) -> None:
    before = _tiny_apl(tiny, matrix, buffer_departements=["89"])
    with tiny.begin() as conn:
        store.save_facility(
            conn,
            Facility("teleconsultation", "Cabine", "58", commune_code="58002",
                     teleconsultation_host="town_hall"),
        )  # fmt: skip
    after = _tiny_apl(tiny, matrix, buffer_departements=["89"])

    assert not after.cache_hit  # the care offer changed: the cache was not used
    assert [c.apl for c in after.communes] == [c.apl for c in before.communes]
    by_code = {c.code: c for c in after.communes}
    # the point (600 a year) at 58002 serves 58002 (weight 1) and 58001 (12 min: 2/3)
    tele_ratio = 600 / (F * (500 + 2 / 3 * 1000))
    assert by_code["58002"].apl_with_teleconsultation == pytest.approx(APL_58002 + tele_ratio)
    assert by_code["58001"].apl_with_teleconsultation == pytest.approx(
        APL_58001 + 2 / 3 * tele_ratio
    )
    assert after.setup.teleconsultation_points == 1


def test_the_prepared_problem_is_reused_until_the_data_change(
    tiny: Engine, matrix: MatrixProvider
) -> None:
    first = _tiny_apl(tiny, matrix, buffer_departements=["89"])
    second = _tiny_apl(tiny, matrix, buffer_departements=["89"])
    assert (first.cache_hit, second.cache_hit) == (False, True)
    assert second.communes == first.communes


def test_saved_scenarios_round_trip(tiny: Engine, matrix: MatrixProvider) -> None:
    changes = (AddGps("58002", count=2), AddTeleconsultationPoint("58001"))
    with tiny.begin() as conn:
        setup, outcome = apl_service.preview_scenario(
            conn, territory=NIEVRE, year=2023, provider=matrix, changes=changes
        )
        saved = scenario_store.save_scenario(
            conn,
            scenario_store.SavedScenario(
                name="Deux MG à Saint-Éloi", territory=NIEVRE, year=2023, provider="matrix",
                supply="counts", include_teleconsultation=False, changes=changes, setup=setup,
                summary=scenario_store.summarise(outcome), outcome=outcome,
                data_version=setup.data_version, author_token_id=4, created_via="api",
            ),
        )  # fmt: skip
    with tiny.connect() as conn:
        again = scenario_store.get_scenario(conn, saved.id or 0)
        [listed] = scenario_store.list_scenarios(conn, territories=[NIEVRE])
        assert scenario_store.list_scenarios(conn, territories=["departement/89"]) == []
        with pytest.raises(NotFoundError, match="No saved APL scenario with id 999"):
            scenario_store.get_scenario(conn, 999)

    assert again.changes == changes
    assert again.outcome == outcome
    assert again.setup == setup
    assert again.created_at is not None
    assert again.created_at.tzinfo is not None
    assert (listed.outcome, listed.summary) == (None, scenario_store.summarise(outcome))
    assert outcome.method == "drees_apl_with_teleconsultation"


# --- The demo territory (read-only) ------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_result(care_demo_engine: Engine) -> apl_service.AplResult:
    with care_demo_engine.connect() as conn:
        return apl_service.compute_territory_apl(
            conn, territory=NIEVRE, year=2023, provider=StraightLineProvider()
        )


def test_every_nievre_commune_gets_an_apl_and_a_class(
    demo_result: apl_service.AplResult,
) -> None:
    under, vigilance, adequate = count_classes(demo_result.communes)

    assert len(demo_result.communes) == 309
    assert demo_result.setup.bpe_year == 2019  # nearest imported BPE to APL 2023
    assert demo_result.setup.buffer_departements == ("03", "18", "21", "45", "71", "89")
    assert sum(c.gp_count for c in demo_result.communes) == 162
    # counts × 5,400 and straight-line times; DREES published 179 of 309 under 2.5 for 2023
    assert (under.communes, vigilance.communes, adequate.communes) == (71, 98, 140)


def test_one_more_gp_never_lowers_any_apl_on_the_demo(care_demo_engine: Engine) -> None:
    with care_demo_engine.connect() as conn:
        for commune in ("58194", "58003", "58086", "03001"):  # Nevers, a village, a town, Allier
            _, outcome = apl_service.preview_scenario(
                conn, territory=NIEVRE, year=2023, provider=StraightLineProvider(),
                changes=[AddGps(commune)],
            )  # fmt: skip
            assert all(c.apl_after >= c.apl_before - 1e-12 for c in outcome.communes)
            assert outcome.out_of_under_dense.communes >= 0 == outcome.into_under_dense.communes


def test_buffer_options_and_their_warnings(tiny: Engine, matrix: MatrixProvider) -> None:
    closed = _tiny_apl(tiny, matrix, buffer_departements="none")
    assert closed.setup.buffer_departements == ()
    assert any("catchments stop at the territory's border" in w for w in closed.setup.warnings)
    # without Yonne, 58001 loses the GP of 89001 and the demand of 89001
    assert closed.communes[0].apl == pytest.approx((10_800 / (1000 + 2 / 3 * 500)) / F)
    with pytest.raises(ValidationError, match="buffer_departements='all'; expected"):
        _tiny_apl(tiny, matrix, buffer_departements="all")
    with pytest.raises(ValidationError, match="supply='beds'; expected 'counts' or 'activity'"):
        _tiny_apl(tiny, matrix, supply="beds")


def test_an_older_millesime_says_which_age_structure_it_used(
    tiny: Engine, matrix: MatrixProvider
) -> None:
    result = _tiny_apl(tiny, matrix, buffer_departements=["89"], year=2022)
    assert result.setup.age_structure_year == 2021
    assert any("APL 2022 uses populations of 2020" in w for w in result.setup.warnings)


def test_communes_without_points_cannot_use_a_point_provider(
    engine: Engine, tmp_path: Path, matrix: MatrixProvider
) -> None:
    with engine.begin() as conn:
        import_cog(conn, write_cog(tmp_path / "cog"))
    with engine.connect() as conn, pytest.raises(ValidationError, match="no point-on-surface"):
        apl_service.compute_territory_apl(
            conn, territory=NIEVRE, year=2023, provider=StraightLineProvider()
        )
    with engine.connect() as conn, pytest.raises(NotFoundError, match="No BPE count of general"):
        apl_service.compute_territory_apl(conn, territory=NIEVRE, year=2023, provider=matrix)


def test_a_matrix_missing_territory_communes_is_reported(tiny: Engine, tmp_path: Path) -> None:
    partial = MatrixProvider.from_csv(
        write_matrix(tmp_path / "partial.csv", [("58001", "89001", 8.0)])
    )
    result = _tiny_apl(tiny, partial, buffer_departements=["89"])
    assert any(
        "1 commune(s) of the territory appear in no pair" in w for w in result.setup.warnings
    )

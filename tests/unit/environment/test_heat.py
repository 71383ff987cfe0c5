"""Heat waves: 3-day means of Tn and Tx against per-département thresholds."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.environment.indices.heat import (
    HEAT_LABELS,
    HeatStatus,
    HeatThreshold,
    assess_heat_wave,
    load_heat_thresholds,
    three_day_means,
    threshold_for,
)
from healthycity.errors import NotFoundError, ValidationError

ALLIER = HeatThreshold("03", 18.0, 34.0, "test", None)


def statuses(tmin: list[float], tmax: list[float]) -> list[str]:
    result = assess_heat_wave(np.array(tmin), np.array(tmax), ALLIER)
    return [HeatStatus(s).name for s in result.status]


def test_shipped_table_has_the_sourced_neighbours_of_the_nievre() -> None:
    table = load_heat_thresholds()
    allier = threshold_for("03", table)
    assert (allier.ibmn_c, allier.ibmx_c) == (18.0, 34.0)
    assert "meteocity_2025" in allier.source
    cher = threshold_for("18", table)
    assert (cher.ibmn_c, cher.ibmx_c) == (19.0, 35.0)
    assert threshold_for("75", table).ibmx_c == 31.0
    assert all(t.source for t in table.values())


@pytest.mark.parametrize(
    ("departement", "ibmn", "ibmx"),
    [("58", 19.0, 34.0), ("21", 19.0, 34.0), ("45", 19.0, 34.0), ("71", 20.0, 34.0),
     ("89", 19.0, 35.0)],
)  # fmt: skip
def test_nievre_and_neighbours_come_from_the_flagged_secondary_source(
    departement: str, ibmn: float, ibmx: float
) -> None:
    # values of colinlenoble/Climate_vs_meteo data/seuils_canicules.csv (see data/README.md)
    threshold = threshold_for(departement, load_heat_thresholds())
    assert (threshold.ibmn_c, threshold.ibmx_c) == (ibmn, ibmx)
    assert threshold.source == "github_climate_vs_meteo"
    assert threshold.source_date is None


def test_press_rows_added_with_their_source() -> None:
    table = load_heat_thresholds()
    # Tendance Ouest, June 2025: Orne and Eure 34/19, Seine-Maritime 33/18, Manche 31/18
    assert [(table[d].ibmn_c, table[d].ibmx_c) for d in ("61", "27", "76", "50")] == [
        (19.0, 34.0), (19.0, 34.0), (18.0, 33.0), (18.0, 31.0),
    ]  # fmt: skip
    assert table["61"].source == "tendanceouest_2025"
    # France 3 Bretagne: Finistère 18/31, Morbihan 19/32, Ille-et-Vilaine 18/33
    assert [(table[d].ibmn_c, table[d].ibmx_c) for d in ("29", "56", "35")] == [
        (18.0, 31.0), (19.0, 32.0), (18.0, 33.0),
    ]  # fmt: skip
    assert table["22"].source == "francebleu_2018+france3_bretagne"
    haut_rhin = table["68"]
    assert (haut_rhin.ibmn_c, haut_rhin.ibmx_c, haut_rhin.source) == (19.0, 35.0, "illzach_68")


@pytest.mark.parametrize("departement", ["40", "84", "974"])
def test_unsourced_departements_are_absent_not_invented(departement: str) -> None:
    with pytest.raises(NotFoundError, match=rf"département '{departement}'.*exist for 01, 02"):
        threshold_for(departement, load_heat_thresholds())


def test_three_day_means_hand_computed() -> None:
    means = three_day_means(np.array([15.0, 18.0, 21.0, 24.0]))
    assert np.isnan(means[:2]).all()
    assert means[2:].tolist() == [18.0, 21.0]
    assert np.isnan(three_day_means(np.array([20.0, 21.0]))).all()


def test_thresholds_are_reached_inclusively() -> None:
    # IBMn = (17 + 18 + 19) / 3 = 18 and IBMx = (33 + 34 + 35) / 3 = 34: "atteignent"
    assert statuses([17, 18, 19], [33, 34, 35]) == ["CANICULE"] * 3
    # IBMx = 33.99...: not reached
    assert statuses([17, 18, 19], [33, 34, 34.97]) == ["PAS_DE_CANICULE"] * 3
    # hot days but mild nights: both thresholds are needed
    assert statuses([15, 15, 15], [38, 38, 38]) == ["PAS_DE_CANICULE"] * 3


def test_a_missing_day_leaves_its_windows_unknown() -> None:
    result = statuses([20, 20, np.nan, 20, 20, 20, 10], [36, 36, np.nan, 36, 36, 36, 25])
    # windows ending on days 2, 3, 4 contain the gap; the one ending on day 5 is met; the one
    # ending on day 6 is not (Tn mean 16.7 °C), and it is the only window of day 6
    assert result == [
        "INDISPONIBLE", "INDISPONIBLE", "INDISPONIBLE",
        "CANICULE", "CANICULE", "CANICULE", "PAS_DE_CANICULE",
    ]  # fmt: skip


def test_series_shorter_than_three_days_is_unavailable() -> None:
    assert statuses([25, 25], [40, 40]) == ["INDISPONIBLE", "INDISPONIBLE"]


def test_assessment_keeps_the_indicators() -> None:
    result = assess_heat_wave(np.array([18.0, 18, 18, 10]), np.array([34.0, 34, 34, 20]), ALLIER)
    assert result.ibmn_c[2] == 18.0
    assert result.window_met[2:].tolist() == [1.0, 0.0]
    assert result.threshold is ALLIER
    assert HEAT_LABELS[HeatStatus.CANICULE] == ("Canicule", "Heat wave")


def test_assess_rejects_arrays_of_different_lengths() -> None:
    with pytest.raises(ValidationError, match="expected two 1-D arrays"):
        assess_heat_wave(np.array([1.0, 2.0]), np.array([1.0]), ALLIER)


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("departement,ibmn_c,ibmx_c,source,source_date\n58,19,,x,\n", "expected °C"),
        ("departement,ibmn_c,ibmx_c,source,source_date\n58,19,35,,\n", "expected a département"),
        ("departement,ibmn_c,ibmx_c,source,source_date\n58,36,35,x,\n", "expected IBMn < IBMx"),
    ],
)
def test_load_rejects_malformed_rows(tmp_path: Path, content: str, pattern: str) -> None:
    path = tmp_path / "heat.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=rf"heat\.csv, line 2: .*{pattern}"):
        load_heat_thresholds(path)


def test_load_an_operator_table(tmp_path: Path) -> None:
    path = tmp_path / "heat.csv"
    path.write_text(
        "departement,ibmn_c,ibmx_c,source,source_date\n58,19,35,Météo-France letter,2026-05-01\n",
        encoding="utf-8",
    )
    assert threshold_for("58", load_heat_thresholds(path)).source_date == "2026-05-01"


temperatures = st.lists(st.floats(min_value=-5, max_value=30), min_size=3, max_size=20)


@given(tmin=temperatures, warming=st.floats(min_value=0, max_value=10))
def test_warmer_days_never_remove_a_heat_wave_day(tmin: list[float], warming: float) -> None:
    tmax = [t + 12 for t in tmin]
    before = assess_heat_wave(np.array(tmin), np.array(tmax), ALLIER).status
    after = assess_heat_wave(np.array(tmin) + warming, np.array(tmax) + warming, ALLIER).status
    assert set(after.tolist()) <= {HeatStatus.CANICULE, HeatStatus.PAS_DE_CANICULE}
    assert ((before == HeatStatus.CANICULE) <= (after == HeatStatus.CANICULE)).all()

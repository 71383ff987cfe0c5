"""Pollen risk on the Atmo France six-level scale, with configurable thresholds."""

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.environment.indices.pollen import (
    POLLEN_STYLES,
    PollenLevel,
    PollenThresholds,
    compute_pollen_risk,
    load_pollen_thresholds,
    pollen_level,
)
from healthycity.environment.quantities import POLLEN_QUANTITIES, Quantity
from healthycity.errors import ValidationError

# An operator's table, made up for the tests only (the shipped table is empty on purpose).
TABLE = PollenThresholds(
    "test table",
    {
        Quantity.POLLEN_BIRCH: (1.0, 10.0, 50.0, 100.0, 500.0),
        Quantity.POLLEN_GRASSES: (1.0, 5.0, 20.0, 50.0, 150.0),
    },
)


def test_shipped_table_has_no_thresholds_and_says_why() -> None:
    shipped = load_pollen_thresholds()
    assert shipped.upper_bounds == {}
    assert "No sourced table" in shipped.source
    risk = compute_pollen_risk({Quantity.POLLEN_BIRCH: 300.0}, shipped)
    assert risk.level == PollenLevel.INDISPONIBLE


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0.0, PollenLevel.TRES_FAIBLE),
        (1.0, PollenLevel.TRES_FAIBLE),
        (1.5, PollenLevel.FAIBLE),
        (10.0, PollenLevel.FAIBLE),
        (10.5, PollenLevel.MODERE),
        (50.0, PollenLevel.MODERE),
        (51.0, PollenLevel.ELEVE),
        (100.0, PollenLevel.ELEVE),
        (101.0, PollenLevel.TRES_ELEVE),
        (500.0, PollenLevel.TRES_ELEVE),
        (501.0, PollenLevel.EXTREMEMENT_ELEVE),
        (math.nan, PollenLevel.INDISPONIBLE),
    ],
)
def test_pollen_level_on_each_side_of_each_threshold(value: float, level: PollenLevel) -> None:
    assert pollen_level(Quantity.POLLEN_BIRCH, value, TABLE) == level


def test_pollen_level_without_thresholds_for_the_taxon_is_unavailable() -> None:
    assert pollen_level(Quantity.POLLEN_OLIVE, 300.0, TABLE) == PollenLevel.INDISPONIBLE


def test_pollen_level_rejects_other_quantities() -> None:
    with pytest.raises(ValidationError, match="Unknown pollen taxon 'no2'"):
        pollen_level(Quantity.NO2, 1.0, TABLE)


def test_compute_pollen_risk_is_the_worst_taxon() -> None:
    risk = compute_pollen_risk({Quantity.POLLEN_BIRCH: 60.0, Quantity.POLLEN_GRASSES: 60.0}, TABLE)
    assert risk.per_taxon[Quantity.POLLEN_BIRCH] == PollenLevel.ELEVE
    assert risk.per_taxon[Quantity.POLLEN_GRASSES] == PollenLevel.TRES_ELEVE
    assert risk.level == PollenLevel.TRES_ELEVE
    assert risk.responsible == (Quantity.POLLEN_GRASSES,)
    assert risk.style.label_fr == "Très élevé"
    assert risk.thresholds_source == "test table"


def test_thresholds_from_json_file(tmp_path: Path) -> None:
    path = tmp_path / "pollen.json"
    path.write_text(
        json.dumps({"source": "réseau X, 2026", "taxa": {"pollen_ragweed": [1, 5, 10, 20, 40]}}),
        encoding="utf-8",
    )
    table = load_pollen_thresholds(path)
    assert table.upper_bounds == {Quantity.POLLEN_RAGWEED: (1.0, 5.0, 10.0, 20.0, 40.0)}
    assert pollen_level(Quantity.POLLEN_RAGWEED, 11.0, table) == PollenLevel.ELEVE


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("{not json", "invalid JSON"),
        ('{"taxa": {}}', "expected a non-empty 'source'"),
        ('{"source": "s", "taxa": {"pollen_birch": [1, 2, 3]}}', "expected a list of 5 numbers"),
        ('{"source": "s", "taxa": {"pollen_birch": [1, 2, 2, 3, 4]}}', "strictly increasing"),
        ('{"source": "s", "taxa": {"pollen_pine": [1, 2, 3, 4, 5]}}', "Unknown pollen taxon"),
        ('{"source": "s", "taxa": {"pm25": [1, 2, 3, 4, 5]}}', "Unknown pollen taxon 'pm25'"),
    ],
)
def test_thresholds_reject_malformed_tables(tmp_path: Path, content: str, pattern: str) -> None:
    path = tmp_path / "pollen.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=pattern):
        load_pollen_thresholds(path)


def test_pollen_styles_cover_the_six_levels() -> None:
    assert [POLLEN_STYLES[lv].label_fr for lv in PollenLevel][1:] == [
        "Très faible", "Faible", "Modéré", "Élevé", "Très élevé", "Extrêmement élevé",
    ]  # fmt: skip


bounds = st.lists(st.floats(min_value=0, max_value=1e4), min_size=5, max_size=5, unique=True)


@given(raw=bounds, a=st.floats(min_value=0, max_value=2e4), b=st.floats(min_value=0, max_value=2e4))
def test_pollen_level_is_on_scale_and_monotone(raw: list[float], a: float, b: float) -> None:
    b1, b2, b3, b4, b5 = sorted(raw)
    table = PollenThresholds("generated", dict.fromkeys(POLLEN_QUANTITIES, (b1, b2, b3, b4, b5)))
    low, high = sorted((a, b))
    for taxon in POLLEN_QUANTITIES:
        assert pollen_level(taxon, low, table) >= PollenLevel.TRES_FAIBLE
        assert pollen_level(taxon, low, table) <= pollen_level(taxon, high, table)
    risk = compute_pollen_risk({Quantity.POLLEN_BIRCH: low, Quantity.POLLEN_OLIVE: high}, table)
    assert risk.level == max(risk.per_taxon.values())


def test_thresholds_built_in_code_are_checked_too() -> None:
    with pytest.raises(ValidationError, match="Pollen thresholds for o3; expected a taxon"):
        PollenThresholds("code", {Quantity.O3: (1.0, 2.0, 3.0, 4.0, 5.0)})

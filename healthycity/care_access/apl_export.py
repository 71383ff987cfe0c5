"""APL results as CSV and GeoJSON documents, the same for the API and the command line.

Pure: geometries are passed in (``territory.store.get_geometries``). Every document carries
the provenance of the figures (``setup``): GeoJSON as a ``metadata`` foreign member of the
FeatureCollection (RFC 7946 §6.1 allows it), CSV as columns only, so that it stays a plain
table (the API repeats the provenance in headers, the CLI on stderr).
"""

import csv
import dataclasses
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from healthycity.care_access.apl_model import (
    CLASS_LABELS_EN,
    CLASS_LABELS_FR,
    METHOD_LABELS_FR,
    OFFICIAL_METHOD,
    AplCommune,
    AplResult,
    AplSetup,
)
from healthycity.care_access.apl_service import AggregateTable
from healthycity.care_access.scenarios import ComparedCommune, ScenarioOutcome

COMMUNE_COLUMNS = tuple(f.name for f in dataclasses.fields(AplCommune))
_DIGITS = 6  # APL values are meaningful to 2 decimals; 6 keep ranks and sums exact enough


def _cell(value: object) -> object:
    if isinstance(value, float):
        return round(value, _DIGITS)
    return "" if value is None else value


def _csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    r"""A CSV table, floats rounded, ``None`` as an empty cell.

    >>> _csv(["code", "apl", "epci"], [["58194", 4.1234567, None]])
    'code,apl,epci\n58194,4.123457,\n'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def apl_csv(result: AplResult) -> str:
    """One row per commune of the territory: the columns of :class:`AplCommune`."""
    return _csv(
        COMMUNE_COLUMNS,
        ([getattr(c, name) for name in COMMUNE_COLUMNS] for c in result.communes),
    )


def setup_metadata(setup: AplSetup) -> dict[str, Any]:
    """The provenance of an APL, with the method's label, as JSON-ready data."""
    return {
        "method": OFFICIAL_METHOD,
        "method_label": METHOD_LABELS_FR[OFFICIAL_METHOD],
        **dataclasses.asdict(setup),
    }


def apl_feature_collection(
    result: AplResult, geometries: Mapping[str, Mapping[str, Any] | None]
) -> dict[str, Any]:
    """The territory's communes with their APL and class, for a choropleth.

    ``geometries`` maps commune codes to GeoJSON geometries (``None`` where unknown).
    """
    return {
        "type": "FeatureCollection",
        "metadata": {
            **setup_metadata(result.setup),
            "computation_ms": result.computation_ms,
            "cache_hit": result.cache_hit,
            "class_labels_fr": CLASS_LABELS_FR,
            "class_labels_en": CLASS_LABELS_EN,
        },
        "features": [
            {
                "type": "Feature",
                "id": f"commune/{c.code}",
                "geometry": geometries.get(c.code),
                "properties": {
                    **dataclasses.asdict(c),
                    "apl_class_label": CLASS_LABELS_FR[c.apl_class],
                },
            }
            for c in result.communes
        ],
    }


def aggregates_csv(table: AggregateTable) -> str:
    """One row per group of an aggregate table."""
    fields = [f.name for f in dataclasses.fields(table.rows[0])] if table.rows else ["level"]
    return _csv(fields, ([getattr(r, name) for name in fields] for r in table.rows))


SCENARIO_COLUMNS = (
    "code", "name", "population", "standardised_population", "apl_before", "apl_after",
    "delta", "class_before", "class_after",
)  # fmt: skip


def scenario_csv(outcome: ScenarioOutcome) -> str:
    """One row per commune: APL before and after a scenario, and the classes."""
    return _csv(
        SCENARIO_COLUMNS,
        ([getattr(c, name) for name in SCENARIO_COLUMNS] for c in outcome.communes),
    )


COMPARISON_COLUMNS = (
    "code", "name", "apl_before_first", "apl_after_first", "class_after_first",
    "apl_before_second", "apl_after_second", "class_after_second",
)  # fmt: skip


def comparison_rows(rows: Sequence[ComparedCommune]) -> list[dict[str, Any]]:
    """Side-by-side rows of two scenarios (``None`` where a commune is in one only)."""
    return [
        {
            "code": r.code,
            "name": r.name,
            "apl_before_first": r.first.apl_before if r.first else None,
            "apl_after_first": r.first.apl_after if r.first else None,
            "class_after_first": r.first.class_after if r.first else None,
            "apl_before_second": r.second.apl_before if r.second else None,
            "apl_after_second": r.second.apl_after if r.second else None,
            "class_after_second": r.second.class_after if r.second else None,
        }
        for r in rows
    ]


def comparison_csv(rows: Sequence[ComparedCommune]) -> str:
    """Two scenarios side by side, one row per commune."""
    return _csv(COMPARISON_COLUMNS, ([r[c] for c in COMPARISON_COLUMNS]
                                     for r in comparison_rows(rows)))  # fmt: skip

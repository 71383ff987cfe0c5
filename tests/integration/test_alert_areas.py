"""CAP areas from territory refs on the demo territory: one outline plus geocodes, by size.

The figures quoted in ``healthycity/alerts/areas.py`` come from these tests.
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from healthycity.alerts.areas import outer_rings, resolve_areas
from healthycity.alerts.cap import build_cap_xml, validate_cap
from healthycity.alerts.compose import AlertDraft, Text, build_infos
from healthycity.alerts.models import (
    Alert,
    Area,
    Certainty,
    MsgType,
    Severity,
    Status,
    Urgency,
    insee_geocode,
)
from healthycity.territory import store

DRAFT = AlertDraft(
    event=Text("Canicule", "Heat wave"),
    headline=Text("Canicule", "Heat wave"),
    description=Text("Vigilance orange canicule.", "Orange heat-wave warning."),
    areas=(),
    urgency=Urgency.IMMEDIATE,
    severity=Severity.SEVERE,
    certainty=Certainty.OBSERVED,
)


def _size(areas: tuple[Area, ...], *, is_checked: bool = True) -> int:
    message = Alert(
        "hc-size",
        "alertes@example.fr",
        datetime(2026, 7, 1, tzinfo=UTC),
        Status.TEST,
        MsgType.ALERT,
        infos=build_infos(DRAFT, areas),
    )
    xml = build_cap_xml(message)
    if is_checked:
        validate_cap(xml)
    return len(xml)


@pytest.mark.parametrize(
    ("ref", "communes", "max_outline_kb", "min_per_commune_kb"),
    [("departement/58", 309, 130, 900), ("departement/21", 698, 230, 1500)],
)
def test_resolve_areas_outline_and_geocodes_beat_one_polygon_per_commune(
    demo_engine: Engine, ref: str, communes: int, max_outline_kb: int, min_per_commune_kb: int
) -> None:
    with demo_engine.connect() as conn:
        (resolved,) = resolve_areas(conn, [ref])
        children = store.get_children(conn, *ref.split("/"), child_level="commune")
        geometries = store.get_geometries(conn, children)

    per_commune = tuple(
        Area(c.name, polygons=outer_rings(geometries[c.ref]), geocodes=(insee_geocode(c.code),))
        for c in children
    )
    assert len(resolved.commune_codes) == len(resolved.area.geocodes) == communes
    assert resolved.area.polygons  # the union outline stored by the territory importer
    outline_kb, per_commune_kb = (
        _size((resolved.area,)) / 1000,
        _size(per_commune, is_checked=False) / 1000,
    )
    assert outline_kb < max_outline_kb
    assert per_commune_kb > min_per_commune_kb

"""Which communes an evaluation covers: the rules' territories, or those near changed stations."""

from collections.abc import Iterable, Sequence

import numpy as np
from sqlalchemy import Connection

from healthycity.alerts.rules import Rule
from healthycity.environment import indices_service as service
from healthycity.environment.commune_indices import StationPoint
from healthycity.errors import UserError
from healthycity.territory.models import Level


def merge_areas(areas: Iterable[service.Area]) -> service.Area:
    """One area holding the communes of all ``areas`` once each, sorted by code."""
    communes, points, departements = {}, {}, {}
    for area in areas:
        for commune, point in zip(area.communes, area.points, strict=True):
            communes[commune.code] = commune
            points[commune.code] = point
        departements.update(area.departements)
    codes = sorted(communes)
    return service.Area(
        [communes[c] for c in codes],
        [points[c] for c in codes],
        {c: departements.get(c) for c in codes},
    )


def rules_area(
    conn: Connection, rules: Sequence[Rule], *, departement: str | None = None
) -> service.Area:
    """The communes to evaluate: the département asked, else those of the rules' territories.

    Raises
    ------
    UserError
        If neither is given (a rule without territories watches everything it is fed).
    """
    if departement is not None:
        return service.resolve_area(conn, "departement", departement)
    refs = sorted({ref for rule in rules for ref in rule.territories})
    if not refs or any(not rule.territories for rule in rules):
        msg = (
            "A rule has no territories; expected territories in every rule (e.g. "
            '"territories": ["departement/58"]) or --departement.'
        )
        raise UserError(msg)
    areas = []
    for ref in refs:
        level, _, code = ref.partition("/")
        level_name: Level = level  # type: ignore[assignment]  # checked by rules.check_territory_ref
        areas.append(service.resolve_area(conn, level_name, code))
    return merge_areas(areas)


def area_near(
    area: service.Area, stations: Sequence[StationPoint], *, max_distance_m: float
) -> service.Area:
    """The communes of ``area`` a change at ``stations`` can reach.

    Those holding one of the stations, and those whose point lies within
    ``max_distance_m`` of one (the reach of interpolation).
    """
    if not stations:
        return service.Area([], [], {})
    held = {s.commune_code for s in stations}
    xy = np.array([[s.x_m, s.y_m] for s in stations], dtype=np.float64)
    keep = []
    for index, point in enumerate(area.points):
        if point.code in held:
            keep.append(index)
        elif point.x_m is not None and point.y_m is not None:
            distance = np.hypot(xy[:, 0] - point.x_m, xy[:, 1] - point.y_m).min()
            if distance <= max_distance_m:
                keep.append(index)
    codes = [area.communes[i].code for i in keep]
    return service.Area(
        [area.communes[i] for i in keep],
        [area.points[i] for i in keep],
        {c: area.departements.get(c) for c in codes},
    )

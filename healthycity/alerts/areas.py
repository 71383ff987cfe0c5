"""Territory references (``commune/58194``, ``departement/58``) turned into CAP areas.

One CAP ``area`` per territory named, holding the territory's outline and the INSEE
geocodes of every commune in it. The alternative, one area per commune with its own
polygon, was measured on the demo territory (``tests/integration/test_alert_areas.py``):
for the Nièvre (309 communes) an alert weighs 0.92 MB with per-commune polygons against
0.12 MB with the outline plus geocodes, and 1.6 MB against 0.21 MB for the Côte-d'Or
(698 communes), beyond the 1 MiB that CAP readers such as our own import accept
(``_xml.MAX_CAP_BYTES``). Receivers that target by commune read the geocodes; those that
draw read the outline. The outline is the union of the commune polygons, stored by the
territory importer; CAP polygons have no holes (CAP 1.2 §3.2.4), so only outer rings are
written, and points that rounding to ``COORDINATE_DECIMALS`` makes repeat are dropped.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from healthycity.alerts.models import Area, Point, Ring, insee_geocode
from healthycity.alerts.rules import check_territory_ref
from healthycity.errors import NotFoundError, ValidationError
from healthycity.territory import store
from healthycity.territory.models import Territory

_MIN_RING_POINTS = 4  # CAP 1.2 §3.2.4: a closed ring of at least four points


@dataclass(frozen=True)
class ResolvedArea:
    """A territory named by an alert: its CAP area and the communes it covers."""

    territory: Territory
    area: Area
    commune_codes: tuple[str, ...]


def _ring(coordinates: Sequence[Sequence[float]]) -> Ring | None:
    points: list[Point] = []
    for lon, lat, *_ in coordinates:
        point = (round(lat, 5), round(lon, 5))
        if not points or points[-1] != point:
            points.append(point)
    return tuple(points) if len(points) >= _MIN_RING_POINTS else None


def outer_rings(geometry: dict[str, Any]) -> tuple[Ring, ...]:
    """The outer rings of a GeoJSON (Multi)Polygon as CAP ``(lat, lon)`` rings.

    >>> outer_rings({"type": "Polygon", "coordinates": [[[3, 47], [4, 47], [4, 48], [3, 47]]]})
    (((47, 3), (47, 4), (48, 4), (47, 3)),)
    """
    if geometry["type"] == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return ()
    rings = (_ring(polygon[0]) for polygon in polygons if polygon)
    return tuple(ring for ring in rings if ring is not None)


def _description(territory: Territory) -> str:
    if territory.level == "departement":
        return f"{territory.name} ({territory.code})"
    return territory.name


def communes_of(conn: Connection, territory: Territory) -> list[Territory]:
    """The communes of a territory (itself for a commune)."""
    if territory.level == "commune":
        return [territory]
    return store.get_children(conn, territory.level, territory.code, child_level="commune")


def resolve_areas(conn: Connection, refs: Sequence[str]) -> list[ResolvedArea]:
    """Look up each territory ref and build its CAP area (outline + commune geocodes).

    Raises
    ------
    ValidationError
        If a ref does not read ``level/code`` or names no known territory, or no area is
        given.
    """
    if not refs:
        msg = "areas=[]; expected at least one territory such as 'commune/58194'."
        raise ValidationError(msg)
    resolved = []
    for ref in dict.fromkeys(refs):
        level, _, code = check_territory_ref(ref).partition("/")
        try:
            territory = store.get_territory(conn, level, code)
        except NotFoundError as exc:
            msg = f"area {ref!r} names no known territory; expected e.g. 'commune/58194'."
            raise ValidationError(msg) from exc
        communes = communes_of(conn, territory)
        geometry = store.get_geometries(conn, [territory]).get(territory.ref)
        area = Area(
            _description(territory),
            polygons=outer_rings(geometry) if geometry else (),
            geocodes=tuple(insee_geocode(c.code) for c in communes),
        )
        resolved.append(ResolvedArea(territory, area, tuple(c.code for c in communes)))
    return resolved

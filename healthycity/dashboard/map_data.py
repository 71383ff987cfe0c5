"""The layers of the territory map: every commune polygon in one payload, and the outlines."""

import json
from typing import Any

from sqlalchemy import Connection, and_, select

from healthycity.dashboard.choropleth import classify_density
from healthycity.territory import store, tables
from healthycity.territory.models import Territory

t = tables.territories
links = tables.territory_links


def focus_commune_codes(conn: Connection, focus: Territory) -> frozenset[str]:
    """Codes of the communes making up the focus territory (itself if it is a commune)."""
    if focus.level == "commune":
        return frozenset({focus.code})
    children = store.get_children(conn, focus.level, focus.code, child_level="commune")
    return frozenset(x.code for x in children)


def load_commune_layer(conn: Connection, focus_codes: frozenset[str]) -> dict[str, Any]:
    """A FeatureCollection of every commune that has a polygon, ready to colour.

    One query instead of one per département: the map shows every polygon the database
    holds (the demo territory has 2,921), and the territory store lists them per parent only.
    Each feature carries its density class (see :mod:`healthycity.dashboard.choropleth`),
    its département and whether it belongs to the focus territory.
    """
    departement = links.alias("departement")
    rows = conn.execute(
        select(
            t.c.code,
            t.c.name,
            t.c.population,
            t.c.area_km2,
            t.c.geometry,
            departement.c.parent_code.label("departement"),
        )
        .select_from(
            t.outerjoin(
                departement,
                and_(
                    departement.c.child_level == "commune",
                    departement.c.child_code == t.c.code,
                    departement.c.parent_level == "departement",
                ),
            )
        )
        .where(t.c.level == "commune", t.c.geometry.is_not(None))
        .order_by(t.c.code)
    )
    features = []
    for row in rows:
        commune = Territory("commune", row.code, row.name, row.population, area_km2=row.area_km2)
        # classify the density as shown (0.1 hab./km²), so that 9.96 reads "10,0" in class 10–20
        density = None if commune.density_per_km2 is None else round(commune.density_per_km2, 1)
        features.append(
            {
                "type": "Feature",
                "id": commune.code,
                "geometry": json.loads(row.geometry),
                "properties": {
                    "code": commune.code,
                    "name": commune.name,
                    "population": commune.population,
                    "density_per_km2": density,
                    "density_class": classify_density(density),
                    "departement": row.departement,
                    "is_focus": commune.code in focus_codes,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def load_departement_layer(conn: Connection) -> dict[str, Any]:
    """A FeatureCollection of the outlines of the départements that have commune polygons."""
    with_polygons = (
        select(links.c.parent_code)
        .join(t, and_(t.c.level == links.c.child_level, t.c.code == links.c.child_code))
        .where(
            links.c.child_level == "commune",
            links.c.parent_level == "departement",
            t.c.geometry.is_not(None),
        )
        .distinct()
    )
    rows = conn.execute(
        select(t.c.code, t.c.name, t.c.geometry)
        .where(t.c.level == "departement", t.c.code.in_(with_polygons), t.c.geometry.is_not(None))
        .order_by(t.c.code)
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": row.code,
                "geometry": json.loads(row.geometry),
                "properties": {"code": row.code, "name": row.name},
            }
            for row in rows
        ],
    }

"""Queries of the territory domain: functions taking a connection."""

import json
from collections.abc import Iterable, Sequence
from typing import Any

import shapely
from sqlalchemy import Connection, and_, func, or_, select

from healthycity.errors import NotFoundError, ValidationError
from healthycity.territory import tables
from healthycity.territory.ages import DERIVED_SOURCE, derive_commune_bands
from healthycity.territory.locate import PointLocator
from healthycity.territory.models import LEVELS, AgeStructure, Level, Territory
from healthycity.territory.names import normalise_name

t = tables.territories
links = tables.territory_links

# Which levels can be asked as children of which, and the default.
CHILD_LEVELS: dict[Level, tuple[Level, ...]] = {
    "region": ("departement", "epci", "commune"),
    "departement": ("commune", "epci"),
    "epci": ("commune",),
    "commune": (),
}
_SUMMARY_COLUMNS = (
    t.c.level,
    t.c.code,
    t.c.name,
    t.c.population,
    t.c.kind,
    t.c.area_km2,
    t.c.centroid_lon,
    t.c.centroid_lat,
    t.c.min_lon,
    t.c.min_lat,
    t.c.max_lon,
    t.c.max_lat,
    t.c.geometry.is_not(None).label("has_geometry"),
)


def check_level(level: str) -> Level:
    """Return ``level`` as a :data:`Level`, or raise a validation error."""
    if level not in LEVELS:
        msg = f"Unknown territory level {level!r}; expected one of {', '.join(LEVELS)}."
        raise ValidationError(msg)
    return level


def _territory(row: Any) -> Territory:  # a Row of _SUMMARY_COLUMNS
    bbox = None if row.min_lon is None else (row.min_lon, row.min_lat, row.max_lon, row.max_lat)
    return Territory(
        level=row.level,
        code=row.code,
        name=row.name,
        population=row.population,
        kind=row.kind,
        area_km2=row.area_km2,
        centroid_lon=row.centroid_lon,
        centroid_lat=row.centroid_lat,
        bbox=bbox,
        has_geometry=bool(row.has_geometry),
    )


def get_territory(conn: Connection, level: str, code: str) -> Territory:
    """One territory by level and code."""
    row = conn.execute(
        select(*_SUMMARY_COLUMNS).where(t.c.level == check_level(level), t.c.code == code)
    ).first()
    if row is None:
        msg = f"No {level} with code {code!r}."
        raise NotFoundError(msg)
    return _territory(row)


def get_children(
    conn: Connection, level: str, code: str, *, child_level: str | None = None
) -> list[Territory]:
    """The territories of ``child_level`` inside a territory (default: the next level down)."""
    parent = get_territory(conn, level, code)
    allowed = CHILD_LEVELS[parent.level]
    if not allowed:
        msg = f"A {parent.level} has no children; ask its ancestors instead."
        raise ValidationError(msg)
    wanted = check_level(child_level) if child_level else allowed[0]
    if wanted not in allowed:
        msg = f"Children of a {parent.level} can be {', '.join(allowed)}; got level={wanted!r}."
        raise ValidationError(msg)
    communes = _commune_codes_under(parent)
    if wanted == "commune":
        query = select(*_SUMMARY_COLUMNS).where(t.c.level == "commune", t.c.code.in_(communes))
    else:
        members = select(links.c.parent_code).where(
            links.c.child_level == "commune",
            links.c.parent_level == wanted,
            links.c.child_code.in_(communes),
        )
        if parent.level == "region" and wanted == "departement":
            members = select(links.c.child_code).where(
                links.c.parent_level == "region",
                links.c.parent_code == parent.code,
                links.c.child_level == "departement",
            )
        query = select(*_SUMMARY_COLUMNS).where(t.c.level == wanted, t.c.code.in_(members))
    return [_territory(r) for r in conn.execute(query.order_by(t.c.code))]


def _commune_codes_under(parent: Territory) -> Any:
    """A sub-query of the codes of the communes inside ``parent``."""
    if parent.level == "region":
        departements = select(links.c.child_code).where(
            links.c.child_level == "departement",
            links.c.parent_level == "region",
            links.c.parent_code == parent.code,
        )
        return select(links.c.child_code).where(
            links.c.child_level == "commune",
            links.c.parent_level == "departement",
            links.c.parent_code.in_(departements),
        )
    return select(links.c.child_code).where(
        links.c.child_level == "commune",
        links.c.parent_level == parent.level,
        links.c.parent_code == parent.code,
    )


def get_ancestors(conn: Connection, level: str, code: str) -> list[Territory]:
    """The territories containing this one, nearest first (EPCI, département, région)."""
    territory = get_territory(conn, level, code)
    found: list[tuple[str, str]] = []
    frontier = [(territory.level, territory.code)]
    if territory.level == "epci":  # an EPCI sits in the départements of its communes
        frontier = [("commune", c) for c in conn.execute(_commune_codes_under(territory)).scalars()]
    while frontier:
        parents = conn.execute(
            select(links.c.parent_level, links.c.parent_code).where(
                or_(
                    *(
                        and_(links.c.child_level == lv, links.c.child_code == cd)
                        for lv, cd in frontier
                    )
                )
            )
        ).all()
        if territory.level == "epci":
            parents = [p for p in parents if p[0] != "epci"]
        frontier = [p for p in dict.fromkeys(parents) if p not in found]
        found.extend(frontier)
    rank = {lv: i for i, lv in enumerate(("epci", "departement", "region"))}
    rows = (
        conn.execute(
            select(*_SUMMARY_COLUMNS).where(
                or_(*(and_(t.c.level == lv, t.c.code == cd) for lv, cd in found))
            )
        ).all()
        if found
        else []
    )
    return sorted((_territory(r) for r in rows), key=lambda x: (rank[x.level], x.code))


def search_territories(
    conn: Connection, query: str, *, level: str | None = None, limit: int = 20
) -> list[Territory]:
    """Territories whose name contains every word of ``query``, ignoring accents and case.

    Exact names come first, then names starting with the query, then by population.
    """
    if limit < 1:
        msg = f"Search limit {limit}; expected a whole number of at least 1."
        raise ValidationError(msg)
    key = normalise_name(query)
    if not key:
        msg = f"Search text {query!r} has no letters or digits; expected a place name."
        raise ValidationError(msg)
    conditions = [t.c.search_name.contains(word, autoescape=True) for word in key.split()]
    if level:
        conditions.append(t.c.level == check_level(level))
    rows = list(conn.execute(select(*_SUMMARY_COLUMNS, t.c.search_name).where(*conditions)))
    rows.sort(
        key=lambda r: (
            r.search_name != key,
            not r.search_name.startswith(key),
            -(r.population or 0),
            r.code,
        )
    )
    return [_territory(r) for r in rows[:limit]]


def get_geometries(conn: Connection, territories: Iterable[Territory]) -> dict[str, Any]:
    """GeoJSON geometries (as dicts) of the given territories that have one, by ``ref``."""
    wanted = [x for x in territories if x.has_geometry]
    found: dict[str, Any] = {}
    for level in {x.level for x in wanted}:
        codes = [x.code for x in wanted if x.level == level]
        for start in range(0, len(codes), 5000):
            rows = conn.execute(
                select(t.c.code, t.c.geometry).where(
                    t.c.level == level, t.c.code.in_(codes[start : start + 5000])
                )
            )
            found.update({f"{level}/{code}": json.loads(g) for code, g in rows})
    return found


def count_territories(conn: Connection) -> dict[Level, tuple[int, int]]:
    """How many territories of each stored level there are, and how many have a polygon."""
    rows = conn.execute(
        select(t.c.level, func.count(), func.count(t.c.geometry)).group_by(t.c.level)
    )
    return {check_level(level): (total, with_polygon) for level, total, with_polygon in rows}


def import_version(conn: Connection) -> int:
    """A number that grows with every import: the key of derived caches."""
    return int(conn.execute(select(func.coalesce(func.max(tables.imports.c.id), 0))).scalar_one())


def build_commune_locator(conn: Connection) -> PointLocator:
    """A locator over every commune that has a polygon."""
    rows = conn.execute(
        select(t.c.code, t.c.geometry)
        .where(t.c.level == "commune", t.c.geometry.is_not(None))
        .order_by(t.c.code)
    ).all()
    return PointLocator([r.code for r in rows], shapely.from_geojson([r.geometry for r in rows]))


def get_age_structure(
    conn: Connection, level: str, code: str, *, year: int | None = None
) -> AgeStructure:
    """Population by age band; for a commune without its own, derived from its département."""
    territory = get_territory(conn, level, code)
    structure = _stored_structure(conn, territory.level, territory.code, year)
    if structure is not None or territory.level != "commune":
        if structure is None:
            msg = f"No age structure for {territory.ref}" + (f" in {year}." if year else ".")
            raise NotFoundError(msg)
        return structure
    departement = next(a for a in get_ancestors(conn, level, code) if a.level == "departement")
    base = _stored_structure(conn, "departement", departement.code, year)
    if base is None:
        msg = f"No age structure for {territory.ref} nor its {departement.ref}."
        raise NotFoundError(msg)
    return AgeStructure(
        "commune",
        code,
        base.year,
        derive_commune_bands(territory.population or 0, base.population_by_band),
        is_estimated=True,
        source=f"{DERIVED_SOURCE} ({base.source})",
    )


def _stored_structure(
    conn: Connection, level: Level, code: str, year: int | None
) -> AgeStructure | None:
    a = tables.age_bands
    if year is None:
        year = conn.execute(
            select(func.max(a.c.year)).where(a.c.level == level, a.c.code == code)
        ).scalar()
        if year is None:
            return None
    rows = conn.execute(
        select(a).where(a.c.level == level, a.c.code == code, a.c.year == year)
    ).all()
    if not rows:
        return None
    return AgeStructure(
        level,
        code,
        year,
        {r.band: r.population for r in rows},
        is_estimated=rows[0].is_estimated,
        source=rows[0].source,
    )


def feature_collection(conn: Connection, territories: Sequence[Territory]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``territories`` (null geometry where none is known)."""
    geometries = get_geometries(conn, territories)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": x.ref,
                "geometry": geometries.get(x.ref),
                "properties": {
                    "level": x.level,
                    "code": x.code,
                    "name": x.name,
                    "population": x.population,
                    "area_km2": x.area_km2,
                    "density_per_km2": x.density_per_km2,
                },
            }
            for x in territories
        ],
    }

"""Where a FINESS hospital is: its commune from its postal city name, and whether its geocode holds.

The hospital file gives a postcode and La Poste's routing name of the city (``libellé
d'acheminement``: upper case, ``ST`` for Saint, ``CEDEX`` suffixes, cut at 26 characters),
not an INSEE code. A trusted geocode is located among commune polygons; otherwise, or where
no polygon is stored, the name is matched among the communes of the hospital's département.
"""

import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

import shapely
from shapely import Geometry
from sqlalchemy import Connection, select

from healthycity.care_access._finess import HospitalRow
from healthycity.care_access.offer import departement_extent, extent_of
from healthycity.care_access.proximity import distance_outside_km
from healthycity.territory import tables as territory_tables
from healthycity.territory.locate import PointLocator
from healthycity.territory.names import normalise_name

# Farther than this outside its département's polygon, a geocode is wrong. Measured on the
# 2020 FINESS extract against the simplified département polygons of data/geo: genuine sites
# lie at most 3.1 km outside (simplified borders, coastal sites), the next ones 41 km and
# more (a whole town misplaced, like La Charité-sur-Loire geocoded in Sarthe, 215 km away).
DEPARTEMENT_MARGIN_KM = 10.0
_CEDEX = re.compile(r"\b(?:cedex|cede|ced)\b.*$")
_TRAILING_NUMBERS = re.compile(r"(?: \d+)+$")  # "paris 04", "metz 03": arrondissement, cedex no.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
POSTAL_NAME_LENGTH = 26  # La Poste cuts its routing names (libellés d'acheminement) there


def city_key(city: str) -> str:
    """The accent-free key of a postal city name, as the COG names fold.

    >>> city_key("ST GENIEZ D OLT CEDEX 3"), city_key("PARIS  04")
    ('saint geniez d olt', 'paris')
    """
    key = _TRAILING_NUMBERS.sub("", _CEDEX.sub("", normalise_name(city)).strip())
    return " ".join(_ABBREVIATIONS.get(word, word) for word in key.split())


@dataclass
class Communes:
    """What the hospital import needs to know about the communes of some départements."""

    names: dict[str, dict[str, list[str]]]  # département → name key → codes
    points: dict[str, tuple[float, float]]  # commune → point-on-surface
    departement_of: dict[str, str]
    locator: PointLocator | None

    def by_name(self, departement: str, city: str) -> str | None:
        """The commune a postal city name designates, when it designates exactly one."""
        names = self.names.get(departement, {})
        key = city_key(city)
        exact = names.get(key, [])
        if len(exact) == 1:
            return exact[0]
        is_cut = len(city) >= POSTAL_NAME_LENGTH
        found = {
            code
            for name, codes in names.items()
            if name.startswith(f"{key} ") or (is_cut and name.startswith(key))
            for code in codes
        }
        return found.pop() if len(found) == 1 and not exact else None

    def by_point(self, departement: str, lon: float, lat: float) -> str | None:
        found = None if self.locator is None else self.locator.locate(lon, lat)
        return found if found and self.departement_of.get(found) == departement else None


def load_communes(conn: Connection, departements: Collection[str]) -> Communes:
    t, links = territory_tables.territories, territory_tables.territory_links
    rows = conn.execute(
        select(t.c.code, t.c.search_name, t.c.centroid_lon, t.c.centroid_lat, t.c.geometry)
        .add_columns(links.c.parent_code)
        .join(links, (links.c.child_level == "commune") & (links.c.child_code == t.c.code))
        .where(t.c.level == "commune", links.c.parent_level == "departement")
        .where(links.c.parent_code.in_(departements))
        .order_by(t.c.code)
    ).all()
    names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        names[r.parent_code][r.search_name].append(r.code)
    polygons = [(r.code, r.geometry) for r in rows if r.geometry is not None]
    locator = (
        PointLocator([c for c, _ in polygons], shapely.from_geojson([g for _, g in polygons]))
        if polygons
        else None
    )
    return Communes(
        names=names,
        points={
            r.code: (r.centroid_lon, r.centroid_lat) for r in rows if r.centroid_lon is not None
        },
        departement_of={r.code: r.parent_code for r in rows},
        locator=locator,
    )


def departement_shapes(
    conn: Connection, codes: Collection[str]
) -> dict[str, tuple[Geometry | None, tuple[float, float] | None]]:
    t = territory_tables.territories
    rows = conn.execute(
        select(t.c.code, t.c.geometry, t.c.centroid_lon, t.c.centroid_lat).where(
            t.c.level == "departement", t.c.code.in_(codes)
        )
    )
    return {
        r.code: (
            None if r.geometry is None else shapely.from_geojson(r.geometry),
            None if r.centroid_lon is None else (r.centroid_lon, r.centroid_lat),
        )
        for r in rows
    }


def is_trusted(row: HospitalRow, shape: Geometry | None) -> tuple[bool, float | None]:
    """Whether a geocode lies in its département, and how far outside its polygon (km).

    Without a polygon, only the part of France (mainland or which overseas territory) is
    checked, and the distance is unknown.
    """
    if shape is None:
        return extent_of(row.lon, row.lat) == departement_extent(row.departement_code), None
    distance = distance_outside_km(shape, row.lon, row.lat)
    return distance <= DEPARTEMENT_MARGIN_KM, distance

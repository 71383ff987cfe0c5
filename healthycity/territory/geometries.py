"""Reading boundary GeoJSON and reshaping it to the current communes (pure except the reader)."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely import Geometry, MultiPolygon, Polygon

from healthycity.errors import RecordError
from healthycity.geo import area_km2

CODE_PROPERTIES = ("code", "code_insee", "INSEE_COM", "insee")
# Mainland France and overseas départements, with margin: anything outside is a bad CRS.
WORLD_LON = (-180.0, 180.0)
WORLD_LAT = (-90.0, 90.0)


@dataclass(frozen=True)
class Boundary:
    """One polygon (or multipolygon) of a source file, keyed by its INSEE code."""

    code: str
    geometry: Geometry
    source: str  # the file, for error messages
    location: str  # "feature 12"


@dataclass(frozen=True)
class GeometrySummary:
    """What the platform keeps of a geometry besides the shape itself."""

    geojson: str
    area_km2: float
    centroid_lon: float
    centroid_lat: float
    bbox: tuple[float, float, float, float]


def read_boundaries(path: Path) -> list[Boundary]:
    """Read the polygons of a GeoJSON ``FeatureCollection`` (or single ``Feature``)."""
    source = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(
            source=source,
            location="file",
            field="content",
            value=type(exc).__name__,
            expected=f"a readable GeoJSON file ({exc})",
        ) from exc
    if isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    elif isinstance(document, dict) and isinstance(document.get("features"), list):
        features = document["features"]
    else:
        raise RecordError(
            source=source,
            location="file",
            field="type",
            value=_short(document),
            expected="a GeoJSON FeatureCollection or Feature",
        )
    return [_read_feature(source, i, feature) for i, feature in enumerate(features)]


def _read_feature(source: str, index: int, feature: object) -> Boundary:
    location = f"feature {index}"
    if not isinstance(feature, dict):
        raise RecordError(
            source=source,
            location=location,
            field="type",
            value=_short(feature),
            expected="a GeoJSON Feature object",
        )
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise RecordError(
            source=source,
            location=location,
            field="properties",
            value=_short(properties),
            expected="an object of properties",
        )
    code = next((str(properties[k]) for k in CODE_PROPERTIES if properties.get(k)), None)
    if code is None:
        raise RecordError(
            source=source,
            location=location,
            field="properties.code",
            value=None,
            expected=f"an INSEE code in one of {CODE_PROPERTIES}",
        )
    try:
        geometry = shapely.from_geojson(json.dumps(feature.get("geometry")))
    except shapely.errors.GEOSException as exc:
        raise RecordError(
            source=source,
            location=f"{location} ({code})",
            field="geometry",
            value=str(exc)[:80],
            expected="a valid GeoJSON geometry",
        ) from exc
    if not isinstance(geometry, Polygon | MultiPolygon) or geometry.is_empty:
        raise RecordError(
            source=source,
            location=f"{location} ({code})",
            field="geometry.type",
            value=geometry.geom_type if geometry is not None else None,
            expected="a non-empty Polygon or MultiPolygon",
        )
    minx, miny, maxx, maxy = geometry.bounds
    if minx < WORLD_LON[0] or maxx > WORLD_LON[1] or miny < WORLD_LAT[0] or maxy > WORLD_LAT[1]:
        raise RecordError(
            source=source,
            location=f"{location} ({code})",
            field="geometry",
            value=[round(v, 3) for v in geometry.bounds],
            expected="WGS84 longitude/latitude coordinates (EPSG:4326)",
        )
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    return Boundary(code, geometry, source, location)


def _short(value: object) -> str:
    return repr(value)[:60]


def dissolve_to_current(
    boundaries: list[Boundary], merges: Mapping[str, str]
) -> dict[str, Geometry]:
    """Group polygons by current commune: a former commune's polygon joins its parent.

    Parameters
    ----------
    boundaries
        Polygons keyed by the code they carried when drawn.
    merges
        Former commune code → current commune code (COG ``commune-deleguee`` rows).

    Returns
    -------
    dict
        Current commune code → the union of its polygons.
    """
    parts: dict[str, list[Geometry]] = {}
    for boundary in boundaries:
        parts.setdefault(merges.get(boundary.code, boundary.code), []).append(boundary.geometry)
    return {
        code: pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)
        for code, pieces in parts.items()
    }


def summarise(geometry: Geometry) -> GeometrySummary:
    """GeoJSON text, area in km² (Lambert-93), a point inside and the bounding box."""
    inside = geometry.point_on_surface()  # a centroid can fall outside a crescent commune
    minx, miny, maxx, maxy = geometry.bounds
    return GeometrySummary(
        geojson=shapely.to_geojson(geometry),
        area_km2=area_km2(geometry),
        centroid_lon=float(inside.x),
        centroid_lat=float(inside.y),
        bbox=(float(minx), float(miny), float(maxx), float(maxy)),
    )


def assign_former_communes(
    orphans: list[Boundary], current: Mapping[str, Geometry]
) -> dict[str, str]:
    """Guess the current commune of polygons whose code the COG no longer knows.

    A commune absorbed without becoming a commune déléguée leaves no trace in the COG of
    today; its polygon almost always borders the commune that absorbed it. Each orphan goes
    to the current commune of its département with which it shares the longest border.
    Callers report every such guess: a COG history table (``mouvements``) is exact.

    Returns
    -------
    dict
        Orphan code → current commune code, for the orphans that border a current commune.
    """
    tolerance = 1e-4  # degrees (~10 m): simplified polygons of neighbours do not touch exactly
    assigned: dict[str, str] = {}
    for orphan in orphans:
        department = orphan.code[:3] if orphan.code.startswith("97") else orphan.code[:2]
        outline = orphan.geometry.boundary
        best, best_length = None, 0.0
        for code, shape in current.items():
            if not code.startswith(department) or not shape.intersects(
                orphan.geometry.buffer(tolerance)
            ):
                continue
            length = outline.intersection(shape.buffer(tolerance)).length
            if length > best_length:
                best, best_length = code, length
        if best is not None:
            assigned[orphan.code] = best
    return assigned

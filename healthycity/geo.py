"""Projections and measures shared by every domain (WGS84 stored, metric CRS for maths)."""

from functools import lru_cache

from pyproj import Transformer
from shapely import Geometry, area, transform

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"  # RGF93 / Lambert-93, the legal projection of mainland France


@lru_cache(maxsize=8)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_lambert93(geometry: Geometry) -> Geometry:
    """Project a WGS84 (lon, lat) geometry to Lambert-93 metres."""
    return transform(geometry, _transformer(WGS84, LAMBERT93).transform, interleaved=False)


def area_km2(geometry: Geometry) -> float:
    """Area of a WGS84 geometry in km², measured in Lambert-93.

    >>> from shapely import box
    >>> round(area_km2(box(3.0, 47.0, 3.01, 47.01)), 2)
    0.84
    """
    return float(area(to_lambert93(geometry))) / 1e6

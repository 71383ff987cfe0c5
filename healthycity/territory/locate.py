"""Point-in-polygon location of WGS84 points among commune polygons (pure, vectorised)."""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely import Geometry, STRtree


class PointLocator:
    """Find which polygon contains each point, with a packed R-tree (GEOS STRtree).

    >>> from shapely import box
    >>> locator = PointLocator(["a", "b"], [box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> locator.locate(0.5, 0.5), locator.locate(5.0, 5.0)
    ('a', None)
    """

    def __init__(self, codes: Sequence[str], polygons: Sequence[Geometry]) -> None:
        self.codes = np.asarray(codes, dtype=object)
        self._tree = STRtree(np.asarray(polygons, dtype=object))
        self.size = len(self.codes)

    def locate_many(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """Codes of the polygons containing each point, ``None`` where no polygon does.

        A point on a shared border goes to the polygon listed first.
        """
        points = shapely.points(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        point_index, polygon_index = self._tree.query(points, predicate="intersects")
        result = np.full(len(points), None, dtype=object)
        # query() returns the tree's hits in no particular order: sort by point, then polygon,
        # so that the first hit of each point is the polygon listed first.
        order = np.lexsort((polygon_index, point_index))
        point_index, polygon_index = point_index[order], polygon_index[order]
        first = np.unique(point_index, return_index=True)[1]
        result[point_index[first]] = self.codes[polygon_index[first]]
        return result

    def locate(self, lon: float, lat: float) -> str | None:
        """Code of the polygon containing one point, or ``None``."""
        found = self.locate_many([lon], [lat])[0]
        return None if found is None else str(found)

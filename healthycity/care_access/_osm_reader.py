"""Reading the highway ways of an OpenStreetMap extract (``.osm.pbf`` or ``.osm`` XML).

The I/O edge of the road network: pyosmium (the Python bindings of libosmium, which read
both PBF and XML, plain or compressed) streams the file once, keeps node locations in memory
and hands over each way with the coordinates of its nodes. Only ways tagged ``highway`` are
kept, with the tags that :mod:`healthycity.care_access.road_network` reads.

Memory grows with the extract: libosmium's ``flex_mem`` index holds every node location of the
file, and the ways keep their node ids in Python tuples. Use the extract of the territory
studied and its surroundings (a Geofabrik région rather than all of France, whose PBF weighs
several GB).
"""

import logging
from pathlib import Path

import numpy as np
import osmium

from healthycity.care_access.road_network import ROAD_TAG_KEYS, OsmRoads, OsmWay
from healthycity.errors import ValidationError

logger = logging.getLogger(__name__)

# Suffixes by which libosmium picks a format: anything else it would refuse less clearly.
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2")


def _format_name(path: Path) -> str:
    name = path.name.lower()
    for suffix in OSM_SUFFIXES:
        if name.endswith(suffix):
            return "PBF" if suffix.endswith("pbf") else "XML"
    msg = f"OSM file {path} has an unknown extension; expected one of {', '.join(OSM_SUFFIXES)}."
    raise ValidationError(msg)


def read_osm_roads(path: Path | str) -> OsmRoads:
    """Highway ways of an OpenStreetMap extract and the locations of their nodes.

    Parameters
    ----------
    path
        An ``.osm.pbf`` (or ``.pbf``) file, or OSM XML (``.osm``, ``.osm.gz``, ``.osm.bz2``),
        such as a Geofabrik regional extract.

    Returns
    -------
    OsmRoads
        The ways, their road tags and the nodes they reference that the file contains.

    Raises
    ------
    ValidationError
        If the file is missing, has another extension, cannot be read in its format
        (truncated, corrupt, empty, not OSM), or holds no OSM object at all.
    """
    path = Path(path)
    format_name = _format_name(path)
    if not path.is_file():
        msg = f"OSM file {path} does not exist; expected an OpenStreetMap {format_name} file."
        raise ValidationError(msg)
    ways: list[OsmWay] = []
    locations: dict[int, tuple[float, float]] = {}
    n_missing = 0
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
    try:
        for way in processor.with_locations().with_filter(osmium.filter.KeyFilter("highway")):
            if not isinstance(way, osmium.osm.Way):
                continue  # a node tagged highway (traffic signals…): its location is cached
            node_ids = []
            for node in way.nodes:
                node_ids.append(node.ref)
                if node.location.valid():
                    locations[node.ref] = (node.location.lon, node.location.lat)
                else:
                    n_missing += 1
            tags = {tag.k: tag.v for tag in way.tags if tag.k in ROAD_TAG_KEYS}
            ways.append(OsmWay(way_id=way.id, tags=tags, node_ids=tuple(node_ids)))
    except RuntimeError as exc:  # libosmium reports every format error as a RuntimeError
        msg = (
            f"OSM file {path} could not be read as OpenStreetMap {format_name}: {exc}; "
            f"expected a complete {format_name} file, such as a Geofabrik extract."
        )
        raise ValidationError(msg) from exc
    if not ways and not _has_any_object(path):
        msg = f"OSM file {path} contains no OpenStreetMap object; expected the roads of an area."
        raise ValidationError(msg)
    logger.info(
        "osm roads read path=%s ways=%d nodes=%d missing_node_refs=%d",
        path, len(ways), len(locations), n_missing,
    )  # fmt: skip
    node_id = np.fromiter(locations, dtype=np.int64, count=len(locations))
    node_lonlat = np.array(list(locations.values()), dtype=np.float64).reshape(-1, 2)
    return OsmRoads(ways=tuple(ways), node_id=node_id, node_lonlat=node_lonlat, source=str(path))


def _has_any_object(path: Path) -> bool:
    """Whether the (already readable) file holds any node, way or relation."""
    return any(True for _ in osmium.FileProcessor(str(path)))

"""Car road network built from OpenStreetMap ways: which roads a car may use, how fast, which way.

The rules follow the car profile of OSRM, the open routing engine most used on OpenStreetMap
(``profiles/car.lua`` and ``profiles/lib/way_handlers.lua``, OSRM v5, API version 4), reduced
to what a travel-time matrix needs: a speed per road class, the ``maxspeed`` tag, one-way
streets, and access restrictions. Turn penalties, traffic lights, turn restrictions, surfaces,
barriers on nodes and traffic are not modelled: times are free-flow estimates, shorter than
real trips, most of all in towns.

This module is pure: :func:`build_road_network` takes the ways and nodes already read (see
``_osm_reader.read_osm_roads``) and returns a :class:`RoadNetwork`, a sparse matrix of edge
travel times in minutes restricted to its largest strongly connected component, so that every
node it keeps can reach, and be reached from, every other; :func:`build_road_catchment`
routes points over it into the same sparse :class:`~healthycity.care_access.models.Catchment`
as the straight-line model.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from healthycity.care_access.models import Catchment, FloatArray, IndexArray
from healthycity.care_access.travel_times import (
    DEFAULT_CUTOFF_MIN,
    _unit_vectors,
    great_circle_km,
)
from healthycity.errors import ValidationError

Int64Array = npt.NDArray[np.int64]

# Free-flow car speeds by highway class, km/h: OSRM car profile, ``speeds.highway`` in
# ``setup()``. Classes absent from the table (track, path, footway, cycleway, construction…)
# are not routable by car: OSRM leaves ``track`` out too.
OSRM_CAR_SPEED_KMH: Mapping[str, float] = MappingProxyType({
    "motorway": 90.0, "motorway_link": 45.0, "trunk": 85.0, "trunk_link": 40.0,
    "primary": 65.0, "primary_link": 30.0, "secondary": 55.0, "secondary_link": 25.0,
    "tertiary": 40.0, "tertiary_link": 20.0, "unclassified": 25.0, "residential": 25.0,
    "living_street": 10.0, "service": 15.0,
})  # fmt: skip

# Speed limits named by zone in ``maxspeed`` (``FR:urban``…), km/h, French Code de la route:
# art. R413-3 (50 in built-up areas), R413-2 (130 on motorways, 110 on dual carriageways,
# 80 on other roads since décret n° 2018-487 du 15 juin 2018), R110-2 (zone 30, zone de
# rencontre 20). The country prefix is not read: set your own table outside France.
FRENCH_ZONE_SPEED_KMH: Mapping[str, float] = MappingProxyType({
    "urban": 50.0, "rural": 80.0, "trunk": 110.0, "motorway": 130.0, "zone30": 30.0,
    "living_street": 20.0,
})  # fmt: skip

# Access values that close a way to cars: OSRM's ``access_tag_blacklist`` less the values it
# still routes at a penalty (delivery, destination, customers: a trip to care may end there),
# plus ``private``, which OSRM routes only at a prohibitive weight.
EXCLUDED_ACCESS: frozenset[str] = frozenset(
    {"no", "private", "agricultural", "forestry", "emergency", "psv"}
)

# Most specific first, as OSRM's ``access_tags_hierarchy``: ``motorcar=yes`` reopens a way
# tagged ``access=no``.
_ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
_ONEWAY_KEYS = ("oneway:motorcar", "oneway:motor_vehicle", "oneway:vehicle", "oneway")
ROAD_TAG_KEYS: frozenset[str] = frozenset(
    {"highway", "maxspeed", "junction", "area", "service", *_ACCESS_KEYS, *_ONEWAY_KEYS}
)  # the tags read here: a reader may drop all others

_KMH_PER_MPH = 1.609344  # international mile (1959), exact
_NUMERIC_SPEED = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*", re.IGNORECASE)
_ZONE_SPEED = re.compile(r"[a-z]{2}(?:-[a-z0-9]+)?:([a-z0-9_]+)")
# Float64 cells of the Dijkstra rows of one batch of origins: 2^22 cells, 32 MiB, whatever
# the size of the network, so that a national network cannot exhaust memory.
_BATCH_CELLS = 1 << 22


@dataclass(frozen=True, eq=False)
class CarProfile:
    """How fast a car drives each road, and how a point off the network joins it.

    Parameters
    ----------
    speed_kmh_by_highway
        Speed by ``highway`` value; a class absent from the table is not routable (add
        ``{"track": 5.0}`` to route tracks). Defaults to OSRM's car profile,
        :data:`OSRM_CAR_SPEED_KMH`: free-flow averages below the legal limits.
    maxspeed_factor
        Multiplies a parsable ``maxspeed`` tag, which then replaces the class speed. 0.8 is
        OSRM's ``speed_reduction``: traffic rarely drives at the posted limit.
    zone_speed_kmh
        Limits named by zone in ``maxspeed`` (``FR:urban``, ``FR:zone30``…); defaults to the
        French limits, :data:`FRENCH_ZONE_SPEED_KMH`.
    excluded_access
        Values of ``motorcar``, ``motor_vehicle``, ``vehicle`` or ``access`` (the most
        specific present decides) that close a way; defaults to :data:`EXCLUDED_ACCESS`.
    access_speed_kmh
        Speed on the straight line between a point and the road node it is snapped to. The
        snap is mostly covered by car on driveways and farm lanes that are not mapped or not
        routable: 15 km/h is OSRM's speed for ``service`` roads, its slowest regular class.
        A walking speed (5 km/h) would triple the penalty of a commune centroid in a field.
    max_snap_m
        A point farther than this from every routable node is refused as outside the
        network: 5 km is more than the distance of nearly any home in mainland France from
        a road, and less than the width of most extracts.
    """

    speed_kmh_by_highway: Mapping[str, float] = field(default_factory=lambda: OSRM_CAR_SPEED_KMH)
    maxspeed_factor: float = 0.8
    zone_speed_kmh: Mapping[str, float] = field(default_factory=lambda: FRENCH_ZONE_SPEED_KMH)
    excluded_access: frozenset[str] = EXCLUDED_ACCESS
    access_speed_kmh: float = 15.0
    max_snap_m: float = 5000.0

    def __post_init__(self) -> None:
        for table_name in ("speed_kmh_by_highway", "zone_speed_kmh"):
            table = {str(k): float(v) for k, v in getattr(self, table_name).items()}
            bad = {k: v for k, v in table.items() if not (np.isfinite(v) and v > 0)}
            if bad:
                msg = f"CarProfile {table_name} has {bad}; expected finite speeds > 0 km/h."
                raise ValidationError(msg)
            object.__setattr__(self, table_name, MappingProxyType(table))
        checks = {
            "maxspeed_factor": (self.maxspeed_factor, "> 0"),
            "access_speed_kmh": (self.access_speed_kmh, "> 0"),
            "max_snap_m": (self.max_snap_m, "> 0"),
        }  # fmt: skip
        for name, (value, expected) in checks.items():
            if not (np.isfinite(value) and value > 0):
                msg = f"CarProfile {name}={value}; expected a finite value {expected}."
                raise ValidationError(msg)
        object.__setattr__(self, "excluded_access", frozenset(self.excluded_access))

    def way_speed_kmh(self, tags: Mapping[str, str]) -> float | None:
        """Car speed on a way, or None when a car may not use it.

        >>> CarProfile().way_speed_kmh({"highway": "residential"})
        25.0
        >>> CarProfile().way_speed_kmh({"highway": "residential", "maxspeed": "FR:zone30"})
        24.0
        >>> CarProfile().way_speed_kmh({"highway": "primary", "motor_vehicle": "no"}) is None
        True
        """
        class_speed = self.speed_kmh_by_highway.get(tags.get("highway", ""))
        if class_speed is None or not self._is_open(tags):
            return None
        limit = parse_maxspeed_kmh(tags.get("maxspeed", ""), self.zone_speed_kmh)
        return class_speed if limit is None else limit * self.maxspeed_factor

    def _is_open(self, tags: Mapping[str, str]) -> bool:
        """Open to cars: not an area, not an emergency track, access not closed."""
        if tags.get("area") == "yes" or tags.get("service") == "emergency_access":
            return False
        access = next((tags[key] for key in _ACCESS_KEYS if key in tags), None)
        return access not in self.excluded_access


def parse_maxspeed_kmh(value: str, zone_speed_kmh: Mapping[str, float]) -> float | None:
    """Speed limit of a ``maxspeed`` value in km/h, or None when it cannot be read.

    Numbers (with ``km/h`` or ``mph``) and zones (``FR:urban``) are read; ``none``,
    ``signals``, ``walk``, several values (``50;30``) and zero give None, and the class speed
    then applies, as in OSRM.

    >>> zones = {"urban": 50.0}
    >>> [parse_maxspeed_kmh(v, zones) for v in ("50", "30 mph", "FR:urban", "50;30", "0")]
    [50.0, 48.28032, 50.0, None, None]
    """
    numeric = _NUMERIC_SPEED.fullmatch(value)
    if numeric:
        speed = float(numeric.group(1))
        if (numeric.group(2) or "").lower() == "mph":
            speed *= _KMH_PER_MPH
        return speed if speed > 0 else None
    zone = _ZONE_SPEED.fullmatch(value.strip().lower())
    return zone_speed_kmh.get(zone.group(1)) if zone else None


def way_directions(tags: Mapping[str, str]) -> tuple[bool, bool] | None:
    """Whether a car may drive a way forward (node order) and backward; None if never.

    ``oneway=yes|1|true`` and ``-1`` set the direction; motorways and roundabouts are one-way
    unless tagged ``oneway=no`` (OSRM ``WayHandlers.oneway``); ``oneway=reversible`` ways,
    whose direction changes with the time of day, are not used, as in OSRM.

    >>> [way_directions(t) for t in ({}, {"oneway": "-1"}, {"junction": "roundabout"})]
    [(True, True), (False, True), (True, False)]
    """
    oneway = next((tags[key] for key in _ONEWAY_KEYS if key in tags), None)
    if oneway in ("yes", "1", "true"):
        return True, False
    if oneway in ("-1", "reverse"):
        return False, True
    if oneway == "reversible":
        return None
    is_implied = tags.get("highway") == "motorway" or tags.get("junction") in (
        "roundabout",
        "circular",
    )
    return (True, not is_implied or oneway == "no")


@dataclass(frozen=True)
class OsmWay:
    """One OpenStreetMap way: its id, its (road) tags and its node ids in order."""

    way_id: int
    tags: Mapping[str, str]
    node_ids: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class OsmRoads:
    """The highway ways of an extract and the locations of the nodes found in it.

    A way may reference nodes absent from ``node_id`` (an extract cut at its edge): the
    network then joins only consecutive nodes that are both present.
    """

    ways: tuple[OsmWay, ...]
    node_id: Int64Array
    node_lonlat: FloatArray
    source: str


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """Directed car network: ``edge_minutes[u, v]`` is the time of the road from ``u`` to ``v``.

    Nodes are those of the largest strongly connected component of the routable roads;
    ``n_dropped_nodes`` counts the routable nodes left out (dead ends of one-way streets cut
    by the extract's edge, private islands).
    """

    node_lonlat: FloatArray
    edge_minutes: Any  # scipy.sparse.csr_matrix, n_nodes × n_nodes (scipy ships no types)
    profile: CarProfile
    n_dropped_nodes: int
    source: str
    node_tree: Any = field(init=False, repr=False)  # cKDTree on geocentric unit vectors

    def __post_init__(self) -> None:
        unit = _unit_vectors(self.node_lonlat, name=f"{self.source} node coordinates")
        object.__setattr__(self, "node_tree", cKDTree(unit))

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_lonlat.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.edge_minutes.nnz)


def _routable_segments(
    roads: OsmRoads, profile: CarProfile
) -> tuple[IndexArray, IndexArray, FloatArray, FloatArray]:
    """Consecutive node pairs of routable ways, as node rows, with speeds forward and back."""
    kept: list[OsmWay] = []
    forward_kmh: list[float] = []
    backward_kmh: list[float] = []
    for way in roads.ways:
        speed = profile.way_speed_kmh(way.tags)
        directions = way_directions(way.tags)
        if speed is None or directions is None or len(way.node_ids) < 2:
            continue
        kept.append(way)
        forward_kmh.append(speed if directions[0] else np.nan)
        backward_kmh.append(speed if directions[1] else np.nan)
    lengths = np.fromiter((len(w.node_ids) for w in kept), dtype=np.intp, count=len(kept))
    refs = np.fromiter(
        chain.from_iterable(w.node_ids for w in kept), dtype=np.int64, count=int(lengths.sum())
    )
    way_row = np.repeat(np.arange(len(kept)), lengths)
    order = np.argsort(roads.node_id, kind="stable")
    sorted_ids = roads.node_id[order]
    position = np.minimum(np.searchsorted(sorted_ids, refs), max(sorted_ids.size - 1, 0))
    is_found = sorted_ids[position] == refs if sorted_ids.size else np.zeros(refs.size, bool)
    node = order[position] if sorted_ids.size else position
    is_segment = (way_row[:-1] == way_row[1:]) & is_found[:-1] & is_found[1:]
    start = np.flatnonzero(is_segment)
    row = way_row[start]
    return (
        node[start],
        node[start + 1],
        np.asarray(forward_kmh, dtype=np.float64)[row],
        np.asarray(backward_kmh, dtype=np.float64)[row],
    )


def _shortest_parallel_edges(
    tail: IndexArray, head: IndexArray, minutes: FloatArray
) -> tuple[IndexArray, IndexArray, FloatArray]:
    """One edge per (tail, head), the fastest, without self-loops: a CSR would sum them."""
    keep = tail != head
    tail, head, minutes = tail[keep], head[keep], minutes[keep]
    order = np.lexsort((minutes, head, tail))
    tail, head, minutes = tail[order], head[order], minutes[order]
    is_first = np.ones(tail.size, dtype=bool)
    is_first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    return tail[is_first], head[is_first], minutes[is_first]


def build_road_network(roads: OsmRoads, *, profile: CarProfile | None = None) -> RoadNetwork:
    """Directed car network of an extract, with edge times in minutes.

    Each pair of consecutive nodes of a routable way becomes an edge in each allowed
    direction, of length the great-circle distance between the nodes (the sphere is within
    0.5 % of the ellipsoid) and time ``60 · length_km / speed_kmh``. Where two ways join the
    same nodes, the faster edge is kept.

    Parameters
    ----------
    roads
        Ways and node locations read from an extract.
    profile
        Speeds and access rules; defaults to :class:`CarProfile` ().

    Returns
    -------
    RoadNetwork
        The largest strongly connected component of the routable roads.

    Raises
    ------
    ValidationError
        If the extract has no road a car may drive in both directions between two nodes.
    """
    profile = profile or CarProfile()
    a, b, forward_kmh, backward_kmh = _routable_segments(roads, profile)
    unit = _unit_vectors(roads.node_lonlat, name=f"{roads.source} node coordinates")
    length_km = great_circle_km(np.linalg.norm(unit[a] - unit[b], axis=1))
    is_forward, is_backward = np.isfinite(forward_kmh), np.isfinite(backward_kmh)
    tail = np.concatenate([a[is_forward], b[is_backward]])
    head = np.concatenate([b[is_forward], a[is_backward]])
    minutes = 60.0 * np.concatenate([
        length_km[is_forward] / forward_kmh[is_forward],
        length_km[is_backward] / backward_kmh[is_backward],
    ])  # fmt: skip
    tail, head, minutes = _shortest_parallel_edges(tail, head, minutes)
    used = np.unique(np.concatenate([tail, head]))
    row = np.searchsorted(used, tail), np.searchsorted(used, head)
    graph = csr_matrix((minutes, row), shape=(used.size, used.size))
    keep = np.arange(used.size)
    if used.size:
        _, component = connected_components(graph, directed=True, connection="strong")
        keep = np.flatnonzero(component == np.bincount(component).argmax())
    if keep.size < 2:
        msg = (
            f"OSM extract {roads.source} has {len(roads.ways)} highway ways and no two nodes "
            "linked by car both ways; expected the roads of a territory (motorway … "
            "residential, unclassified, service)."
        )
        raise ValidationError(msg)
    graph = graph[keep][:, keep].tocsr()
    graph.sort_indices()
    return RoadNetwork(
        node_lonlat=np.ascontiguousarray(roads.node_lonlat[used[keep]], dtype=np.float64),
        edge_minutes=graph,
        profile=profile,
        n_dropped_nodes=int(used.size - keep.size),
        source=roads.source,
    )


def _snap(
    network: RoadNetwork, lonlat: npt.ArrayLike, *, name: str
) -> tuple[IndexArray, FloatArray]:
    """Nearest node of each point, and the minutes from the point to it."""
    points = np.asarray(lonlat, dtype=np.float64)
    unit = _unit_vectors(points, name=name)
    if unit.shape[0] == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0)
    chord, node = network.node_tree.query(unit)
    distance_m = 1000.0 * great_circle_km(np.asarray(chord, dtype=np.float64))
    is_far = distance_m > network.profile.max_snap_m
    if is_far.any():
        k = int(np.flatnonzero(is_far)[0])
        (west, south), (east, north) = network.node_lonlat.min(0), network.node_lonlat.max(0)
        lon, lat = points[k]
        where = "inside" if west <= lon <= east and south <= lat <= north else "outside"
        msg = (
            f"{name}[{k}]=({lon}, {lat}) is {distance_m[k]:.0f} m from the nearest road node "
            f"of {network.source}, {where} its bounding box (longitude {west:.5f} to "
            f"{east:.5f}, latitude {south:.5f} to {north:.5f}); expected a point within "
            f"max_snap_m={network.profile.max_snap_m:g} m of a road of the extract."
        )
        raise ValidationError(msg)
    minutes_per_m = 0.06 / network.profile.access_speed_kmh  # 60 min/h ÷ 1000 m/km
    return np.asarray(node, dtype=np.intp), distance_m * minutes_per_m


def build_road_catchment(
    network: RoadNetwork,
    origin_lonlat: npt.ArrayLike,
    site_lonlat: npt.ArrayLike,
    *,
    cutoff_min: float = DEFAULT_CUTOFF_MIN,
) -> Catchment:
    """Sparse car travel times from origins to sites over a road network, within ``cutoff_min``.

    Each point is snapped to its nearest node (a k-d tree on geocentric unit vectors, whose
    chords grow with great-circle distance, as in the straight-line model); the straight
    line to that node is driven at ``profile.access_speed_kmh``. The time of a pair is

        snap_min(origin) + shortest path(origin node, site node) + snap_min(site)

    with the shortest path by Dijkstra (``scipy.sparse.csgraph.dijkstra``) stopped at the
    cut-off. Origins are taken in order of their node, in batches whose distance rows stay
    within about 32 MiB, and origins snapped to the same node share one Dijkstra run.

    Parameters
    ----------
    network
        Road network, from :func:`build_road_network`.
    origin_lonlat, site_lonlat
        WGS84 longitude and latitude in degrees, one row per point. Commune to commune: pass
        the communes' point-on-surface centroids twice.
    cutoff_min
        Longest travel time kept, inclusive.

    Returns
    -------
    Catchment
        The reachable pairs and their times in minutes, sorted by origin, then site.

    Raises
    ------
    ValidationError
        If the cut-off is not a number ≥ 0, or a point is not WGS84 or lies farther than
        ``profile.max_snap_m`` from every node of the network (the message names the point).
    """
    if not (np.isfinite(cutoff_min) and cutoff_min >= 0):
        msg = f"cutoff_min={cutoff_min}; expected a finite number of minutes ≥ 0."
        raise ValidationError(msg)
    origin_node, origin_min = _snap(network, origin_lonlat, name="origin_lonlat")
    site_node, site_min = _snap(network, site_lonlat, name="site_lonlat")
    batch = max(1, _BATCH_CELLS // max(network.n_nodes, site_node.size))
    by_node = np.argsort(origin_node, kind="stable")
    parts: list[tuple[IndexArray, IndexArray, FloatArray]] = []
    for start in range(0, by_node.size, batch):
        rows = by_node[start : start + batch]
        limit = cutoff_min - float(origin_min[rows].min())
        if limit < 0:
            continue
        nodes, inverse = np.unique(origin_node[rows], return_inverse=True)
        path_min = dijkstra(network.edge_minutes, directed=True, indices=nodes, limit=limit)
        time = path_min[:, site_node][inverse] + origin_min[rows, None] + site_min[None, :]
        i, j = np.nonzero(time <= cutoff_min)
        parts.append((rows[i], j, time[i, j]))
    origin, site, time = (
        np.concatenate([part[k] for part in parts]) if parts else np.zeros(0, dtype=dtype)
        for k, dtype in enumerate((np.intp, np.intp, np.float64))
    )
    # batches gave each origin's sites in increasing order: a stable sort by origin suffices
    order = np.argsort(origin, kind="stable")
    return Catchment(
        origin=origin[order],
        site=site[order],
        travel_time_min=time[order],
        n_origins=origin_node.size,
        n_sites=site_node.size,
    )

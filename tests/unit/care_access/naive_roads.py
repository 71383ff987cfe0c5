"""Naive road routing (networkx graph built way by way, brute-force snapping): an oracle."""

import networkx as nx

from healthycity.care_access.road_network import CarProfile, OsmRoads, way_directions
from tests.unit.care_access.naive import naive_great_circle_km

Pair = tuple[int, int, float]  # (origin, site, travel time in minutes)
LonLat = tuple[float, float]


def naive_road_graph(roads: OsmRoads, profile: CarProfile) -> nx.DiGraph:
    """Directed graph of OSM node ids, edge attribute ``minutes``, largest strong component."""
    where = dict(zip(roads.node_id.tolist(), map(tuple, roads.node_lonlat.tolist()), strict=True))
    graph = nx.DiGraph()
    for way in roads.ways:
        speed = profile.way_speed_kmh(way.tags)
        directions = way_directions(way.tags)
        if speed is None or directions is None:
            continue
        for a, b in zip(way.node_ids, way.node_ids[1:], strict=False):
            if a == b or a not in where or b not in where:
                continue
            minutes = 60.0 * naive_great_circle_km(*where[a], *where[b]) / speed
            for (u, v), is_allowed in (((a, b), directions[0]), ((b, a), directions[1])):
                if (
                    is_allowed
                    and minutes < graph.get_edge_data(u, v, {"minutes": 1e300})["minutes"]
                ):
                    graph.add_edge(u, v, minutes=minutes)
    largest = max(nx.strongly_connected_components(graph), key=len)
    graph = graph.subgraph(largest).copy()
    nx.set_node_attributes(graph, {node: where[node] for node in graph}, "lonlat")
    return graph


def naive_road_pairs(
    graph: nx.DiGraph,
    origins: list[LonLat],
    sites: list[LonLat],
    *,
    access_speed_kmh: float,
    cutoff_min: float,
) -> list[Pair]:
    """Every pair within the cut-off: nearest node by scanning them all, then Dijkstra."""

    def snap(point: LonLat) -> tuple[int, float]:
        node, km = min(
            ((n, naive_great_circle_km(*point, *graph.nodes[n]["lonlat"])) for n in graph),
            key=lambda item: item[1],
        )
        return node, 60.0 * km / access_speed_kmh

    snapped_sites = [snap(site) for site in sites]
    pairs = []
    for i, origin in enumerate(origins):
        node, origin_min = snap(origin)
        path_min = nx.single_source_dijkstra_path_length(graph, node, weight="minutes")
        for j, (site_node, site_min) in enumerate(snapped_sites):
            time = origin_min + path_min[site_node] + site_min
            if time <= cutoff_min:
                pairs.append((i, j, time))
    return pairs

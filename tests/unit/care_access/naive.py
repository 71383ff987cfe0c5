"""Naive reference implementations (plain Python loops) used as oracles for care_access."""

import math
from collections.abc import Callable, Sequence

Pair = tuple[int, int, float]  # (origin, site, travel time in minutes)


def naive_step_weight(
    bounds: Sequence[float], weights: Sequence[float]
) -> Callable[[float], float]:
    """Weight of band k for times in [bounds[k-1], bounds[k]), 0 from the last bound on."""

    def weight(time_min: float) -> float:
        for bound, value in zip(bounds, weights, strict=True):
            if time_min < bound:
                return value
        return 0.0

    return weight


def naive_fca(
    pairs: Sequence[Pair],
    supply: Sequence[float],
    demand: Sequence[float],
    weight: Callable[[float], float],
) -> list[float]:
    """Luo & Qi (2009) E2SFCA, read straight from the paper's two equations."""
    weighted_demand = [0.0] * len(supply)
    for i, j, t in pairs:
        weighted_demand[j] += weight(t) * demand[i]
    ratio = [s / d if d > 0 else 0.0 for s, d in zip(supply, weighted_demand, strict=True)]
    access = [0.0] * len(demand)
    for i, j, t in pairs:
        access[i] += weight(t) * ratio[j]
    return access


def naive_2sfca(
    pairs: Sequence[Pair], supply: Sequence[float], demand: Sequence[float], max_time_min: float
) -> list[float]:
    """Luo & Wang (2003) 2SFCA: a binary catchment t ≤ d0."""
    return naive_fca(pairs, supply, demand, lambda t: 1.0 if t <= max_time_min else 0.0)


def naive_great_circle_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance on the sphere of mean radius 6371.0088 km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def naive_straight_line_pairs(
    origins: Sequence[tuple[float, float]],
    sites: Sequence[tuple[float, float]],
    *,
    detour_factor: float,
    speed_kmh: float,
    intra_commune_min: float,
    cutoff_min: float,
) -> dict[tuple[int, int], float]:
    """Every (origin, site) pair within the cut-off, by brute force over all pairs."""
    found = {}
    for i, (lon1, lat1) in enumerate(origins):
        for j, (lon2, lat2) in enumerate(sites):
            distance_km = naive_great_circle_km(lon1, lat1, lon2, lat2)
            time_min = intra_commune_min + 60 * detour_factor * distance_km / speed_kmh
            if time_min <= cutoff_min:
                found[(i, j)] = time_min
    return found

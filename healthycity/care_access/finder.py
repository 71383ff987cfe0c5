"""The care finder: nearest places of a kind of care, ranked by modelled travel time (pure).

Places come from :func:`healthycity.care_access.store.find_nearest` (registered facilities
and practitioners, and INSEE BPE counts per commune), already measured by great-circle
distance (:mod:`healthycity.care_access.proximity`). This module turns those distances into
travel times with the straight-line model of :mod:`healthycity.care_access.travel_times`,
says how exact each location is, and reads the opening hours. It does no I/O: the search is
passed in as a function, so a page and the API share one ranking.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from healthycity.care_access.offer import CareKind, LocationPrecision, NearbyOffer
from healthycity.care_access.opening_hours import parse_opening_hours
from healthycity.care_access.travel_times import StraightLineModel

# The kinds a citizen looks for, in the order the finder offers them.
FINDER_KINDS: tuple[CareKind, ...] = (
    "general_practitioner",
    "pharmacy",
    "emergency",
    "ehpad",
    "teleconsultation",
    "msp",
    "health_centre",
)
# "Care within 20 minutes" on the commune page: 20 minutes is the last band with a positive
# weight in the DREES APL distance decay (1, 2/3, 1/3 below 10, 15, 20 minutes; APL sheet
# "Paramètres", data/apl_parametres_drees_2022_2023.json), i.e. the reach the APL counts.
NEARBY_MAX_TIME_MIN = 20.0
# What the finder says of a location: the place's own address, or the centre
# (point-on-surface) of its commune or département standing in for an unknown address.
Location = Literal["exact", "commune_centre", "departement_centre"]
_LOCATIONS: dict[LocationPrecision, Location] = {
    "address": "exact",
    "commune": "commune_centre",
    "departement": "departement_centre",
}
_FIRST_LIMIT = 8  # places asked for first when collecting all within a time


@dataclass(frozen=True)
class FoundCare:
    """One place found, with its modelled travel time from the search origin.

    ``travel_time_min`` is approximate: straight-line distance × detour factor ÷ speed, plus
    an access time (see :class:`~healthycity.care_access.travel_times.StraightLineModel`).
    """

    offer: NearbyOffer
    travel_time_min: float
    location: Location

    @property
    def is_exact(self) -> bool:
        """Whether the place is at its own address rather than at a commune's centre."""
        return self.location == "exact"

    def is_open_at(self, moment: datetime) -> bool | None:
        """Whether open at an aware ``moment``; ``None`` when the hours are not known."""
        if self.offer.opening_hours is None:
            return None
        return parse_opening_hours(self.offer.opening_hours).is_open_at(moment)


def location_of(precision: LocationPrecision) -> Location:
    """How exact a found place's location is, from its ``location_precision``.

    Places without any point are never found (distances need one), so ``unknown`` is a bug.

    >>> location_of("address"), location_of("commune")
    ('exact', 'commune_centre')
    """
    return _LOCATIONS[precision]


def rank_by_travel_time(
    offers: Sequence[NearbyOffer], *, model: StraightLineModel
) -> list[FoundCare]:
    """The places with their modelled travel time, quickest first.

    The straight-line time grows with distance, so the order is that of the distances;
    ties keep the order of ``offers`` (``find_nearest`` breaks them deterministically).

    >>> offer = NearbyOffer("pharmacy", "bpe", None, "Nevers", "58194", 3.16, 46.99,
    ...                     "commune", distance_km=10.0, count=3, year=2019)
    >>> [(f.offer.name, f.travel_time_min, f.location)
    ...  for f in rank_by_travel_time([offer], model=StraightLineModel())]
    [('Nevers', 16.0, 'commune_centre')]
    """
    distance_km = np.array([o.distance_km for o in offers], dtype=np.float64)
    minutes = model.travel_time_min(distance_km)
    order = np.argsort(minutes, kind="stable")
    return [
        FoundCare(offers[k], float(minutes[k]), location_of(offers[k].location_precision))
        for k in order
    ]


def collect_within(
    search: Callable[[int], Sequence[NearbyOffer]],
    *,
    max_time_min: float,
    model: StraightLineModel,
) -> list[FoundCare]:
    """Every place reachable within ``max_time_min``, quickest first.

    ``search(limit)`` returns the ``limit`` places nearest to the origin, nearest first (as
    ``find_nearest`` does). The limit doubles until a place beyond the time shows up, or the
    search has no more places: as time grows with distance, no place missed can be nearer.

    Parameters
    ----------
    search
        The nearest-places search, e.g. ``lambda n: find_nearest(conn, lon, lat, kind=k,
        limit=n)``.
    max_time_min
        Longest modelled travel time kept, inclusive.
    model
        The travel-time model.

    Returns
    -------
    list of FoundCare
        The places within the time.
    """
    limit = _FIRST_LIMIT
    while True:
        offers = search(limit)
        found = rank_by_travel_time(offers, model=model)
        within = [f for f in found if f.travel_time_min <= max_time_min]
        if len(offers) < limit or len(within) < len(found):
            return within
        limit *= 2


def total_count(found: Sequence[FoundCare]) -> int:
    """How many units of care the places hold: a BPE commune holds ``count`` of them.

    >>> offer = NearbyOffer("pharmacy", "bpe", None, "Nevers", "58194", 3.16, 46.99,
    ...                     "commune", distance_km=0.0, count=3, year=2019)
    >>> total_count(rank_by_travel_time([offer, offer], model=StraightLineModel()))
    6
    """
    return sum(f.offer.count for f in found)

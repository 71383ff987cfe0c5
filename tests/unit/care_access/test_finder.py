"""The finder's ranking: hand-computed times; collection within a time against a naive filter."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.care_access.finder import (
    FoundCare,
    collect_within,
    location_of,
    rank_by_travel_time,
    total_count,
)
from healthycity.care_access.offer import NearbyOffer
from healthycity.care_access.travel_times import StraightLineModel

MODEL = StraightLineModel()  # 1.3 detour, 60 km/h, 3 min access: 1.3 min per km


def _offer(distance_km: float, *, name: str = "x", count: int = 1, **fields: object) -> NearbyOffer:
    values: dict[str, object] = {
        "kind": "pharmacy",
        "source": "bpe",
        "record_id": None,
        "name": name,
        "commune_code": "58194",
        "lon": 3.16,
        "lat": 46.99,
        "location_precision": "commune",
        "distance_km": distance_km,
        "count": count,
        "year": 2019,
    }
    values.update(fields)
    return NearbyOffer(**values)  # type: ignore[arg-type]  # test literal of known fields


def test_rank_by_travel_time_hand_computed() -> None:
    # 3 + 60 × 1.3 × d / 60 = 3 + 1.3 d minutes
    offers = [_offer(10.0, name="far"), _offer(0.0, name="here"), _offer(2.5, name="near")]

    ranked = rank_by_travel_time(offers, model=MODEL)

    assert [(f.offer.name, f.travel_time_min) for f in ranked] == [
        ("here", 3.0),
        ("near", pytest.approx(6.25)),
        ("far", 16.0),
    ]
    assert all(f.location == "commune_centre" and not f.is_exact for f in ranked)


def test_rank_by_travel_time_follows_the_model_parameters() -> None:
    slow = StraightLineModel(detour_factor=1.0, speed_kmh=30.0, intra_commune_min=0.0)

    [found] = rank_by_travel_time([_offer(15.0)], model=slow)

    assert found.travel_time_min == 30.0


def test_location_of_names_exact_addresses_and_stand_in_centres() -> None:
    assert location_of("address") == "exact"
    assert location_of("commune") == "commune_centre"
    assert location_of("departement") == "departement_centre"
    with pytest.raises(KeyError):
        location_of("unknown")  # never found: a place needs a point to be measured


def test_found_care_reads_opening_hours_in_paris_time() -> None:
    hours = "Mo-Fr 08:30-19:00; Sa 09:00-12:00"
    pharmacy = FoundCare(
        _offer(1.0, source="facility", record_id=7, location_precision="address",
               opening_hours=hours),
        4.3,
        "exact",
    )  # fmt: skip
    unknown = FoundCare(_offer(1.0), 4.3, "commune_centre")
    monday_9h_paris = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # UTC+1 in winter
    sunday_noon = datetime(2026, 1, 4, 11, 0, tzinfo=UTC)

    assert pharmacy.is_exact
    assert pharmacy.is_open_at(monday_9h_paris) is True
    assert pharmacy.is_open_at(sunday_noon) is False
    assert unknown.is_open_at(monday_9h_paris) is None


def test_total_count_adds_the_bpe_counts_of_each_commune() -> None:
    found = rank_by_travel_time([_offer(0.0, count=18), _offer(4.8, count=2)], model=MODEL)

    assert total_count(found) == 20


def _by_distance(distances: list[float]) -> list[NearbyOffer]:
    """Offers at these distances, nearest first, as ``find_nearest`` returns them."""
    offers = (_offer(d, name=f"p{k}") for k, d in enumerate(distances))
    return sorted(offers, key=lambda o: o.distance_km)


@given(
    st.lists(st.floats(0.0, 200.0, allow_nan=False), max_size=120),
    st.floats(0.0, 120.0, allow_nan=False),
)
def test_collect_within_equals_a_naive_filter_of_every_place(
    distances: list[float], max_time_min: float
) -> None:
    offers = _by_distance(distances)
    asked: list[int] = []

    def search(limit: int) -> list[NearbyOffer]:
        asked.append(limit)
        return offers[:limit]

    found = collect_within(search, max_time_min=max_time_min, model=MODEL)

    naive = sorted(o.name for o in offers if 3.0 + o.distance_km * 1.3 <= max_time_min)
    assert sorted(f.offer.name for f in found) == naive
    times = [f.travel_time_min for f in found]
    assert times == sorted(times)
    assert all(t <= max_time_min for t in times)
    assert asked == sorted(asked)  # the search only widens


def test_collect_within_below_the_access_time_finds_nothing() -> None:
    offers = _by_distance([0.0, 1.0])

    assert collect_within(lambda n: offers[:n], max_time_min=2.9, model=MODEL) == []

"""Plain data of the territory domain."""

import pytest

from healthycity.territory.models import LEVELS, PARENT_LEVELS, Territory


def test_territory_ref_and_density() -> None:
    nevers = Territory("commune", "58194", "Nevers", population=33_085, area_km2=17.36)
    assert nevers.ref == "commune/58194"
    assert nevers.density_per_km2 == pytest.approx(33_085 / 17.36)


@pytest.mark.parametrize(("population", "area_km2"), [(None, 17.0), (100, None), (100, 0.0)])
def test_territory_density_is_unknown_without_population_or_area(
    population: int | None, area_km2: float | None
) -> None:
    assert (
        Territory("commune", "58194", "Nevers", population, area_km2=area_km2).density_per_km2
        is None
    )


def test_parent_levels_only_name_known_levels() -> None:
    assert set(PARENT_LEVELS) == set(LEVELS)
    assert all(parent in LEVELS for parents in PARENT_LEVELS.values() for parent in parents)

"""Travel-time providers: one interface over the straight-line model and road-network routing.

Accessibility indicators need one thing from travel times: a sparse
:class:`~healthycity.care_access.models.Catchment` of the (origin, site) pairs within a
cut-off. :class:`TravelTimeProvider` is that interface. Providers are made by name from a
registry, so that a command or a setting can choose one (``straight-line``, ``road``); the
built-ins register the same way another provider would, with :func:`register_provider`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

import numpy.typing as npt

from healthycity.care_access._osm_reader import read_osm_roads
from healthycity.care_access.models import Catchment
from healthycity.care_access.road_network import (
    CarProfile,
    RoadNetwork,
    build_road_catchment,
    build_road_network,
)
from healthycity.care_access.travel_times import (
    DEFAULT_CUTOFF_MIN,
    StraightLineModel,
    build_straight_line_catchment,
)
from healthycity.errors import ValidationError


class TravelTimeProvider(Protocol):
    """Anything that turns origins and sites into a sparse catchment within a cut-off."""

    @property
    def name(self) -> str:
        """Registry name of the provider."""
        ...

    def build_catchment(
        self,
        origin_lonlat: npt.ArrayLike,
        site_lonlat: npt.ArrayLike,
        *,
        cutoff_min: float = DEFAULT_CUTOFF_MIN,
    ) -> Catchment:
        """Pairs within ``cutoff_min`` (inclusive), sorted by origin then site.

        Origins and sites are WGS84 (longitude, latitude) rows: homes and practices, or
        commune point-on-surface centroids passed twice for commune to commune.
        """
        ...


# Makes a provider from the file it is built from, or from nothing.
ProviderFactory = Callable[[Path | None], TravelTimeProvider]


@dataclass(frozen=True)
class StraightLineProvider:
    """Great-circle distance × detour factor ÷ speed, plus an access time (no data needed)."""

    model: StraightLineModel = field(default_factory=StraightLineModel)
    name: ClassVar[str] = "straight-line"

    def build_catchment(
        self,
        origin_lonlat: npt.ArrayLike,
        site_lonlat: npt.ArrayLike,
        *,
        cutoff_min: float = DEFAULT_CUTOFF_MIN,
    ) -> Catchment:
        """Pairs within ``cutoff_min``, from ``build_straight_line_catchment``."""
        return build_straight_line_catchment(
            origin_lonlat, site_lonlat, model=self.model, cutoff_min=cutoff_min
        )


@dataclass(frozen=True, eq=False)
class RoadNetworkProvider:
    """Car travel times over the road network of an OpenStreetMap extract."""

    network: RoadNetwork
    name: ClassVar[str] = "road"

    @classmethod
    def from_osm_file(
        cls, path: Path | str, *, profile: CarProfile | None = None
    ) -> "RoadNetworkProvider":
        """Read an ``.osm.pbf`` or ``.osm`` extract and build its car network once."""
        return cls(build_road_network(read_osm_roads(path), profile=profile))

    def build_catchment(
        self,
        origin_lonlat: npt.ArrayLike,
        site_lonlat: npt.ArrayLike,
        *,
        cutoff_min: float = DEFAULT_CUTOFF_MIN,
    ) -> Catchment:
        """Pairs within ``cutoff_min``, from ``build_road_catchment``."""
        return build_road_catchment(self.network, origin_lonlat, site_lonlat, cutoff_min=cutoff_min)


_PROVIDERS: dict[str, ProviderFactory] = {}


def register_provider(name: str, factory: ProviderFactory) -> None:
    """Make ``factory`` available as ``make_provider(name, source)``.

    Raises
    ------
    ValidationError
        If another provider already has that name.
    """
    if name in _PROVIDERS:
        msg = f"Travel-time provider {name!r} is already registered; expected a new name."
        raise ValidationError(msg)
    _PROVIDERS[name] = factory


def provider_names() -> tuple[str, ...]:
    """Names of the registered providers, sorted.

    >>> provider_names()
    ('road', 'straight-line')
    """
    return tuple(sorted(_PROVIDERS))


def make_provider(name: str, source: Path | None = None) -> TravelTimeProvider:
    """The provider registered as ``name``, built from ``source`` when it reads a file.

    Raises
    ------
    ValidationError
        If no provider has that name, or ``source`` does not suit it (the road provider
        needs an OpenStreetMap extract; the straight-line one reads nothing).
    """
    factory = _PROVIDERS.get(name)
    if factory is None:
        msg = (
            f"Travel-time provider {name!r} is unknown; expected one of "
            f"{', '.join(provider_names())}."
        )
        raise ValidationError(msg)
    return factory(source)


def _make_straight_line(source: Path | None) -> TravelTimeProvider:
    if source is not None:
        msg = (
            f"Travel-time provider 'straight-line' reads no file, got source={source}; "
            "expected none."
        )
        raise ValidationError(msg)
    return StraightLineProvider()


def _make_road(source: Path | None) -> TravelTimeProvider:
    if source is None:
        msg = (
            "Travel-time provider 'road' got no source; expected an OpenStreetMap extract "
            "(.osm.pbf or .osm) covering the origins and sites."
        )
        raise ValidationError(msg)
    return RoadNetworkProvider.from_osm_file(source)


register_provider(StraightLineProvider.name, _make_straight_line)
register_provider(RoadNetworkProvider.name, _make_road)

"""Plain data of the territory domain (no I/O)."""

from dataclasses import dataclass, field
from typing import Literal, get_args

Level = Literal["region", "departement", "epci", "commune"]
LEVELS: tuple[Level, ...] = get_args(Level)

# Which levels sit above which: a commune belongs to one EPCI and one département,
# an EPCI may straddle départements, a département belongs to one région.
PARENT_LEVELS: dict[Level, tuple[Level, ...]] = {
    "region": (),
    "departement": ("region",),
    "epci": (),
    "commune": ("epci", "departement"),
}

# The 20 five-year bands of the INSEE estimates (00-04 … 90-94, 95+); DREES merges the last
# two into its 19th band, 90+.
AGE_BANDS: tuple[str, ...] = (*(f"{a:02d}-{a + 4:02d}" for a in range(0, 95, 5)), "95+")


@dataclass(frozen=True)
class Territory:
    """One territorial unit at one level, with its optional geometry summary."""

    level: Level
    code: str
    name: str
    population: int | None = None
    kind: str | None = None
    area_km2: float | None = None
    centroid_lon: float | None = None
    centroid_lat: float | None = None
    bbox: tuple[float, float, float, float] | None = None
    has_geometry: bool = False

    @property
    def density_per_km2(self) -> float | None:
        """Inhabitants per km², when population and area are known."""
        if self.population is None or not self.area_km2:
            return None
        return self.population / self.area_km2

    @property
    def ref(self) -> str:
        """The reference used across the platform: ``level/code`` (e.g. ``commune/58194``)."""
        return f"{self.level}/{self.code}"


@dataclass(frozen=True)
class TerritoryRow:
    """A territory as parsed from a source file, before it is stored."""

    level: Level
    code: str
    name: str
    population: int | None = None
    kind: str | None = None
    parents: tuple[tuple[Level, str], ...] = ()


@dataclass(frozen=True)
class AgeStructure:
    """Population by age band of one territory for one year."""

    level: Level
    code: str
    year: int
    population_by_band: dict[str, float]
    is_estimated: bool
    source: str


@dataclass
class ImportReport:
    """What an import did: rows per kind and the warnings worth reading."""

    source: str
    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

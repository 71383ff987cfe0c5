"""Pollen risk per taxon on the six-level scale published by Atmo France since April 2025.

What is sourced
---------------
- The scale: six levels, from "très faible" to "extrêmement élevé", "élevé" being the 4th of 6
  and the level of a "pic pollen" (Atmo France and the AASQA, "Indice pollen", launched
  2 April 2025, atmo-france.org; press coverage of April-May 2025).
- The six taxa: ambroisie, armoise, aulne, bouleau, graminées, olivier (same sources).
- The colour families: light blue for "très faible" up to violet for "extrêmement élevé",
  red for "élevé", yellow for "modéré", green for "faible" (same press coverage).

What is not sourced
-------------------
- The hex codes: healthycity reuses the ATMO charter codes (atmo.py), whose colour families
  match the description above; Atmo France's own pollen codes were not found.
- **The concentration thresholds per taxon.** Atmo France computes its index with a
  machine-learning forecast and publishes one level per taxon (Atmo Data API fields
  ``code_boul``, ``code_gram``…); no published table of grains/m³ classes was found.
  healthycity therefore takes the thresholds from configuration (``PollenThresholds``, read
  from ``HC_POLLEN_THRESHOLDS_FILE``). The table shipped in ``data/pollen_thresholds.json``
  holds **no** thresholds, so a concentration is classified "indisponible" until an operator
  supplies a table with its source (for example the one of their regional aerobiology
  network). Tables from other scales (MeteoSwiss,
  Met Office, OpenWeatherMap: four or five classes) are not mapped onto this six-level scale,
  because that mapping would be invented.

The levels Atmo France publishes per commune are relayed as they are, not recomputed:
``environment/published_pollen.py`` reads the Atmo Data files, and the pollen answer of a
commune with a published level is that level (method ``published``).

The overall level of a place is the worst level among the taxa with a level, as Atmo France
publishes one overall code with the responsible pollen (``code_qual``, ``pollen_resp``).
"""

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from importlib import resources
from pathlib import Path

from healthycity.environment.indices._bands import band_of, check_upper_bounds
from healthycity.environment.quantities import POLLEN_QUANTITIES, Quantity
from healthycity.errors import ValidationError


class PollenLevel(IntEnum):
    """Pollen risk level of the Atmo France scale; 0 when it cannot be computed."""

    INDISPONIBLE = 0
    TRES_FAIBLE = 1
    FAIBLE = 2
    MODERE = 3
    ELEVE = 4
    TRES_ELEVE = 5
    EXTREMEMENT_ELEVE = 6


@dataclass(frozen=True)
class PollenStyle:
    """French label (Atmo France), English label, colour (ATMO charter codes, see above)."""

    label_fr: str
    label_en: str
    colour: str


POLLEN_STYLES: dict[PollenLevel, PollenStyle] = {
    PollenLevel.INDISPONIBLE: PollenStyle("Indisponible", "Unavailable", "#DDDDDD"),
    PollenLevel.TRES_FAIBLE: PollenStyle("Très faible", "Very low", "#50F0E6"),
    PollenLevel.FAIBLE: PollenStyle("Faible", "Low", "#50CCAA"),
    PollenLevel.MODERE: PollenStyle("Modéré", "Moderate", "#F0E641"),
    PollenLevel.ELEVE: PollenStyle("Élevé", "High", "#FF5050"),
    PollenLevel.TRES_ELEVE: PollenStyle("Très élevé", "Very high", "#960032"),
    PollenLevel.EXTREMEMENT_ELEVE: PollenStyle("Extrêmement élevé", "Extremely high", "#872181"),
}

DEFAULT_THRESHOLDS_FILE = "pollen_thresholds.json"


@dataclass(frozen=True)
class PollenThresholds:
    """Inclusive upper bounds (grains/m³) of the first five levels, per taxon, and their source.

    A taxon absent from ``upper_bounds`` has no thresholds: its level is "indisponible".
    """

    source: str
    upper_bounds: dict[Quantity, tuple[float, float, float, float, float]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        for taxon, bounds in self.upper_bounds.items():
            if taxon not in POLLEN_QUANTITIES:
                expected = ", ".join(q.value for q in POLLEN_QUANTITIES)
                msg = f"Pollen thresholds for {taxon.value}; expected a taxon among {expected}."
                raise ValidationError(msg)
            check_upper_bounds(taxon.value, bounds, 5)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> "PollenThresholds":
        """Build from ``{"source": str, "taxa": {taxon: [five numbers]}}`` (the JSON layout)."""
        source = data.get("source")
        taxa = data.get("taxa", {})
        if not isinstance(source, str) or not source.strip() or not isinstance(taxa, dict):
            msg = (
                f"Pollen thresholds {dict(data)!r}; expected a non-empty 'source' string and "
                "a 'taxa' object mapping each taxon to five numbers."
            )
            raise ValidationError(msg)
        bounds: dict[Quantity, tuple[float, float, float, float, float]] = {}
        for name, values in taxa.items():
            if not isinstance(values, list) or len(values) != 5:
                msg = f"Pollen thresholds of {name}: {values!r}; expected a list of 5 numbers."
                raise ValidationError(msg)
            a, b, c, d, e = (float(v) for v in values)
            bounds[_parse_taxon(name)] = (a, b, c, d, e)
        return cls(source, bounds)


def _parse_taxon(name: str) -> Quantity:
    try:
        taxon = Quantity(name)
    except ValueError:
        taxon = None
    if taxon not in POLLEN_QUANTITIES:
        expected = ", ".join(q.value for q in POLLEN_QUANTITIES)
        msg = f"Unknown pollen taxon {name!r}; expected one of {expected}."
        raise ValidationError(msg)
    return Quantity(name)


def load_pollen_thresholds(path: Path | None = None) -> PollenThresholds:
    """Read a thresholds table (JSON); by default the one shipped with healthycity."""
    if path is None:
        text = (
            resources.files(__package__)
            .joinpath("data", DEFAULT_THRESHOLDS_FILE)
            .read_text(encoding="utf-8")
        )
    elif not path.is_file():
        msg = f"Pollen thresholds file {path} does not exist; expected a JSON table (README)."
        raise ValidationError(msg)
    else:
        text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"Pollen thresholds {path or DEFAULT_THRESHOLDS_FILE}: invalid JSON ({exc})."
        raise ValidationError(msg) from exc
    return PollenThresholds.from_mapping(data)


def pollen_level(taxon: Quantity, grains_m3: float, thresholds: PollenThresholds) -> PollenLevel:
    """Level of one taxon's concentration; "indisponible" without value or thresholds.

    >>> table = PollenThresholds("test", {Quantity.POLLEN_BIRCH: (1, 10, 50, 100, 500)})
    >>> pollen_level(Quantity.POLLEN_BIRCH, 50.0, table).name
    'MODERE'
    """
    bounds = thresholds.upper_bounds.get(_parse_taxon(taxon.value))
    band = None if bounds is None else band_of(grains_m3, bounds)
    return PollenLevel.INDISPONIBLE if band is None else PollenLevel(band)


@dataclass(frozen=True)
class PollenRisk:
    """The pollen risk of one day and place: per taxon, overall, and the responsible taxa."""

    level: PollenLevel
    per_taxon: dict[Quantity, PollenLevel]
    concentrations_grains_m3: dict[Quantity, float]
    responsible: tuple[Quantity, ...]
    thresholds_source: str

    @property
    def style(self) -> PollenStyle:
        """Labels and colour of the overall level."""
        return POLLEN_STYLES[self.level]


def compute_pollen_risk(
    grains_m3: Mapping[Quantity, float], thresholds: PollenThresholds
) -> PollenRisk:
    """Level per taxon and overall (the worst taxon with a level).

    Each taxon stands on its own (an allergic person reacts to a given taxon), so a missing
    taxon does not make the others unavailable; the overall level is "indisponible" only when
    no taxon has a level.
    """
    concentrations = {t: float(grains_m3.get(t, math.nan)) for t in POLLEN_QUANTITIES}
    for taxon in grains_m3:
        _parse_taxon(taxon.value)
    per_taxon = {t: pollen_level(t, c, thresholds) for t, c in concentrations.items()}
    level = max(per_taxon.values())
    responsible = tuple(t for t, lv in per_taxon.items() if lv == level and level)
    return PollenRisk(level, per_taxon, concentrations, responsible, thresholds.source)

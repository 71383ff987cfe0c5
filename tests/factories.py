"""Small, valid, deterministic input files for the territory domain, written into a folder.

The default tiny territory, as table literals (every test can override any of them)::

    région 27 ── département 58 ── communes 58001 (with former commune 58004), 58002
             └─ département 89 ── commune 89001
    région 24 ── département 18 ── commune 18001 (no EPCI)
    EPCI 200000001 (CC, straddles 58 and 89): 58001, 89001;  EPCI 200000002 (CA): 58002

Polygons are 0.1° squares around (3.1° E, 47.1° N), side by side, so that every commune
shares a border with its neighbours (map in ``COMMUNE_BOXES``).
"""

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from shapely import Geometry, box, to_geojson

from healthycity.territory.cog import CogFiles
from healthycity.territory.models import AGE_BANDS

Row = Sequence[object]

REGION_COLUMNS = ("code_region", "nom", "chef_lieu", "zone")
REGIONS: list[Row] = [
    ("27", "Bourgogne-Franche-Comté", "21231", "metro"),
    ("24", "Centre-Val de Loire", "45234", "metro"),
]

DEPARTEMENT_COLUMNS = ("code_departement", "nom", "code_region", "nom_region", "chef_lieu", "zone")
DEPARTEMENTS: list[Row] = [
    ("58", "Nièvre", "27", "Bourgogne-Franche-Comté", "58194", "metro"),
    ("89", "Yonne", "27", "Bourgogne-Franche-Comté", "89024", "metro"),
    ("18", "Cher", "24", "Centre-Val de Loire", "18033", "metro"),
]

EPCI_COLUMNS = ("epci_siren", "nom", "type", "mode_financement", "population_totale")
EPCIS: list[Row] = [
    ("200000001", "CC des Deux Rives", "CC", "FPU", "1300"),
    ("200000002", "CA du Val", "CA", "FPU", "520"),
]

COMMUNE_COLUMNS = (
    "code_insee",
    "nom",
    "type",
    "code_departement",
    "epci_siren",
    "population",
    "chef_lieu_ou_commune_parente",
    "zone",
)
COMMUNES: list[Row] = [
    ("58001", "Château-Lès-Bois", "commune-actuelle", "58", "200000001", "1000", "", "metro"),
    ("58001", "Château-Lès-Bois", "commune-deleguee", "58", "", "600", "58001", "metro"),
    ("58004", "Ancien-Hameau", "commune-deleguee", "58", "", "400", "58001", "metro"),
    ("58002", "Saint-Éloi", "commune-actuelle", "58", "200000002", "500", "", "metro"),
    ("89001", "Œuilly-sur-Yonne", "commune-actuelle", "89", "200000001", "200", "", "metro"),
    ("18001", "Bourg-l'Île", "commune-actuelle", "18", "", "300", "", "metro"),
    (
        "75101",
        "Paris 1er Arrondissement",
        "arrondissement-municipal",
        "75",
        "",
        "15000",
        "75056",
        "",
    ),
]

# (min_lon, min_lat, max_lon, max_lat) of each commune as drawn before any merger.
COMMUNE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "18001": (2.9, 47.0, 3.0, 47.2),
    "58001": (3.0, 47.0, 3.1, 47.1),
    "58004": (3.1, 47.0, 3.2, 47.1),
    "58002": (3.0, 47.1, 3.2, 47.2),
    "89001": (3.2, 47.0, 3.3, 47.2),
}


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Row]) -> Path:
    """Write a UTF-8 CSV file with a header line, as the COG files are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def write_cog(
    folder: Path,
    *,
    regions: Iterable[Row] = REGIONS,
    departements: Iterable[Row] = DEPARTEMENTS,
    epcis: Iterable[Row] = EPCIS,
    communes: Iterable[Row] = COMMUNES,
    commune_columns: Sequence[str] = COMMUNE_COLUMNS,
) -> CogFiles:
    """Write the four COG files of the tiny territory (or of the rows given) into ``folder``."""
    files = CogFiles.in_folder(folder)
    write_csv(files.regions, REGION_COLUMNS, regions)
    write_csv(files.departements, DEPARTEMENT_COLUMNS, departements)
    write_csv(files.epci, EPCI_COLUMNS, epcis)
    write_csv(files.communes, commune_columns, communes)
    return files


def replace_row(rows: Sequence[Row], code: str, **changes: object) -> list[Row]:
    """A copy of commune ``rows`` where the first row of ``code`` has ``changes`` applied."""
    index = next(i for i, r in enumerate(rows) if r[0] == code)
    record = dict(zip(COMMUNE_COLUMNS, rows[index], strict=True))
    record.update(changes)
    return [*rows[:index], tuple(record[c] for c in COMMUNE_COLUMNS), *rows[index + 1 :]]


def commune_feature(
    code: str,
    geometry: Geometry | Mapping[str, Any] | None = None,
    *,
    properties: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    """A GeoJSON Feature of commune ``code``; its square of ``COMMUNE_BOXES`` by default.

    ``properties`` replaces the default ``{"code": code, "nom": ...}`` entirely.
    """
    if geometry is None:
        geometry = box(*COMMUNE_BOXES[code])
    if not isinstance(geometry, Mapping):
        geometry = json.loads(to_geojson(geometry))
    if properties is None:
        properties = {"code": code, "nom": f"Commune {code}"}
    return {"type": "Feature", "geometry": geometry, "properties": dict(properties)}


def write_geojson(path: Path, features: Iterable[Mapping[str, Any]] | None = None) -> Path:
    """Write a FeatureCollection; by default the squares of every commune of the tiny territory."""
    if features is None:
        features = [commune_feature(code) for code in COMMUNE_BOXES]
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"type": "FeatureCollection", "features": list(features)}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


AGE_COLUMNS = ("annee", "code_departement", "departement", "sexe", "tranche_age", "population")


def age_rows(
    code: str, year: int, *, men: Sequence[int], women: Sequence[int], name: str = "Test"
) -> list[Row]:
    """The 3 × 21 long-format rows (ensemble, hommes, femmes; bands and total) of one year."""
    everyone = [m + w for m, w in zip(men, women, strict=True)]
    rows: list[Row] = []
    for sex, values in (("ensemble", everyone), ("hommes", men), ("femmes", women)):
        rows.extend(
            (year, code, name, sex, band, value)
            for band, value in zip(AGE_BANDS, values, strict=True)
        )
        rows.append((year, code, name, sex, "total", sum(values)))
    return rows


def write_age_estimates(path: Path, rows: Iterable[Row] | None = None) -> Path:
    """Write an INSEE age-structure file; by default département 58 in 2021, 10 + 10 per band."""
    if rows is None:
        rows = age_rows("58", 2021, men=[10] * len(AGE_BANDS), women=[10] * len(AGE_BANDS))
    return write_csv(path, AGE_COLUMNS, rows)

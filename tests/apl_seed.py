"""A tiny territory with GPs, age structures and a travel-time matrix, for APL tests.

The tiny territory of ``tests.factories`` (communes 58001 pop. 1000 and 58002 pop. 500 in
Nièvre, 89001 pop. 200 in Yonne, 18001 pop. 300 in Cher), plus:

* BPE 2019 GP counts (D201): 2 at 58001, 1 at 89001, none at 58002; the file covers
  départements 58 and 89 only (Cher has no count, so a Cher buffer is left out);
* INSEE age structures of 2021 with the same count in every band, for 58, 89 and 18: with
  the DREES 2023 weights each inhabitant weighs ``STANDARDISED_PER_INHABITANT`` = 1.175
  (the mean of the 18 first weights and twice the last, the 90-94 and 95+ bands merged);
* a travel-time matrix in minutes (``MATRIX``): 58001–58002 12 min (DREES weight 2/3),
  58001–89001 8 min (weight 1), 58002–89001 25 min (beyond the 20 minutes of the APL).
"""

from pathlib import Path

from sqlalchemy import Connection

from healthycity.care_access.importer import import_bpe
from healthycity.territory.importer import import_age_estimates, import_boundaries, import_cog
from healthycity.territory.models import AGE_BANDS
from tests.factories import age_rows, write_age_estimates, write_cog, write_csv, write_geojson

BPE_COLUMNS = (
    *("annee_bpe", "code_region", "code_departement", "code_insee"),
    *("typequ", "libelle_typequ", "nb_equip"),
)
BPE_ROWS = [
    (2019, 27, "58", "58001", "D201", "Médecin généraliste", 2),
    (2019, 27, "89", "89001", "D201", "Médecin généraliste", 1),
]
MATRIX = [
    ("58001", "58002", 12.0),
    ("58002", "58001", 12.0),
    ("58001", "89001", 8.0),
    ("89001", "58001", 8.0),
    ("58002", "89001", 25.0),
    ("89001", "58002", 25.0),
]
STANDARDISED_PER_INHABITANT = 1.175


def seed_tiny_apl(conn: Connection, folder: Path) -> None:
    """Import the tiny territory, its polygons, age structures and BPE GP counts."""
    import_cog(conn, write_cog(folder / "cog"))
    import_boundaries(conn, [write_geojson(folder / "communes.geojson")])
    bands = [10] * len(AGE_BANDS)
    rows = [r for code in ("58", "89", "18") for r in age_rows(code, 2021, men=bands, women=bands)]
    import_age_estimates(conn, write_age_estimates(folder / "ages.csv", rows))
    import_bpe(conn, [write_csv(folder / "bpe.csv", BPE_COLUMNS, BPE_ROWS)])


def write_matrix(path: Path, rows: list[tuple[str, str, float]] = MATRIX) -> Path:
    """The travel-time matrix CSV of the tiny territory."""
    return write_csv(path, ("origin", "destination", "minutes"), rows)

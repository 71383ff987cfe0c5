"""The demo territory: Nièvre (58) and its six neighbours, on the COG 2026 of all France."""

from pathlib import Path

from sqlalchemy import Connection, select

from healthycity.territory import tables
from healthycity.territory.cog import CogFiles
from healthycity.territory.importer import (
    Progress,
    import_age_estimates,
    import_boundaries,
    import_cog,
)
from healthycity.territory.models import ImportReport

# Care catchments cross borders, so the neighbours come along (DREES APL uses them too).
DEMO_DEPARTEMENTS = ("58", "03", "18", "21", "45", "71", "89")
AGE_FILE = "insee_estim_pop_departements_sexe_age_quinquennal_2015_2021.csv"


def demo_commune_files(data_dir: Path) -> list[Path]:
    """The commune polygon files of the demo départements, shipped in ``data/geo``."""
    files = []
    for code in DEMO_DEPARTEMENTS:
        matches = sorted((data_dir / "geo").glob(f"communes-{code}-*.geojson"))
        files.extend(matches)
    return files


def is_demo_imported(conn: Connection) -> bool:
    """Whether every demo département already has communes with polygons.

    The demo is imported in one transaction, so commune polygons in all its départements
    mean the whole demo (COG, polygons, age structures) is there.
    """
    t, links = tables.territories, tables.territory_links
    found = conn.execute(
        select(links.c.parent_code)
        .distinct()
        .select_from(
            links.join(t, (t.c.level == links.c.child_level) & (t.c.code == links.c.child_code))
        )
        .where(
            links.c.child_level == "commune",
            links.c.parent_level == "departement",
            links.c.parent_code.in_(DEMO_DEPARTEMENTS),
            t.c.geometry.is_not(None),
        )
    ).scalars()
    return set(found) == set(DEMO_DEPARTEMENTS)


def import_demo(conn: Connection, data_dir: Path, *, progress: Progress) -> list[ImportReport]:
    """Import all of France's COG, the demo polygons and the age structures, in one go."""
    geo = data_dir / "geo"
    return [
        import_cog(conn, CogFiles.in_folder(data_dir / "territory"), progress=progress),
        import_boundaries(
            conn, [geo / "regions-version-simplifiee.geojson"], level="region", progress=progress
        ),
        import_boundaries(
            conn,
            [geo / "departements-version-simplifiee.geojson"],
            level="departement",
            progress=progress,
        ),
        import_boundaries(conn, demo_commune_files(data_dir), progress=progress),
        import_age_estimates(conn, data_dir / "territory" / AGE_FILE),
    ]

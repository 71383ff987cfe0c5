"""Import territories into the database, each import in the caller's single transaction."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import shapely
from shapely import Geometry
from sqlalchemy import Connection, bindparam, delete, insert, select, update

from healthycity.errors import RecordError
from healthycity.storage.upsert import upsert
from healthycity.territory import tables
from healthycity.territory.ages import read_departement_estimates
from healthycity.territory.cog import (
    CogFiles,
    read_absorptions,
    read_communes,
    read_departements,
    read_epcis,
    read_regions,
)
from healthycity.territory.geometries import (
    Boundary,
    assign_former_communes,
    dissolve_to_current,
    read_boundaries,
    summarise,
)
from healthycity.territory.models import ImportReport, Level, TerritoryRow
from healthycity.territory.names import normalise_name

# progress(step description, done, total)
Progress = Callable[[str, int, int], None]
_BATCH = 5000


def _no_progress(_step: str, _done: int, _total: int) -> None:
    return None


def import_cog(
    conn: Connection, files: CogFiles, *, progress: Progress = _no_progress
) -> ImportReport:
    """Import (or refresh) régions, départements, EPCI and communes with their links.

    Populations of départements, régions and EPCI are the sums of their communes' legal
    populations, so that every level uses the same vintage.
    """
    regions = read_regions(files.regions)
    departements = read_departements(files.departements, {r.code for r in regions})
    epcis = read_epcis(files.epci)
    communes, merges = read_communes(
        files.communes,
        departement_codes={d.code for d in departements},
        epci_codes={e.code for e in epcis},
    )
    if files.absorptions is not None:
        merges += read_absorptions(files.absorptions, {c.code for c in communes})
    rows = _with_summed_populations(regions, departements, epcis, communes)
    total = len(rows)
    for start in range(0, total, _BATCH):
        batch = rows[start : start + _BATCH]
        upsert(
            conn,
            tables.territories,
            [_territory_record(r) for r in batch],
            key=("level", "code"),
            update=("name", "search_name", "kind", "population"),
        )
        progress("territoires", min(start + _BATCH, total), total)
    _replace_links(conn, rows)
    report = ImportReport(source=str(files.communes.parent))
    report.rows = {
        "region": len(regions),
        "departement": len(departements),
        "epci": len(epcis),
        "commune": len(communes),
        "merged_communes": len(merges),
    }
    _store_merges(conn, {m.code: m.parent_code for m in merges})
    _journal(conn, "cog", report)
    return report


def _with_summed_populations(
    regions: list[TerritoryRow],
    departements: list[TerritoryRow],
    epcis: list[TerritoryRow],
    communes: list[TerritoryRow],
) -> list[TerritoryRow]:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    region_of = {d.code: d.parents[0][1] for d in departements}
    for commune in communes:
        for level, code in commune.parents:
            sums[(level, code)] += commune.population or 0
            if level == "departement":
                sums[("region", region_of[code])] += commune.population or 0
    summed = [
        TerritoryRow(r.level, r.code, r.name, sums.get((r.level, r.code), 0), r.kind, r.parents)
        for r in (*regions, *departements, *epcis)
    ]
    return summed + communes


def _territory_record(row: TerritoryRow) -> dict[str, object]:
    return {
        "level": row.level,
        "code": row.code,
        "name": row.name,
        "search_name": normalise_name(row.name),
        "kind": row.kind,
        "population": row.population,
    }


def _replace_links(conn: Connection, rows: Sequence[TerritoryRow]) -> None:
    # One level at a time with a plain IN list: PostgreSQL scans the primary key for it, while
    # a row-value (level, code) IN list of 5,000 pairs took 45 s to refresh the COG.
    children: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        children[r.level].append(r.code)
    t = tables.territory_links
    for level, codes in children.items():
        for start in range(0, len(codes), _BATCH):
            chunk = codes[start : start + _BATCH]
            conn.execute(delete(t).where(t.c.child_level == level, t.c.child_code.in_(chunk)))
    links = [
        {"child_level": r.level, "child_code": r.code, "parent_level": level, "parent_code": code}
        for r in rows
        for level, code in r.parents
    ]
    for start in range(0, len(links), _BATCH):
        conn.execute(insert(tables.territory_links), links[start : start + _BATCH])


def _store_merges(conn: Connection, merges: dict[str, str]) -> None:
    """Keep former-commune codes so later geometry imports can dissolve them."""
    conn.execute(delete(tables.commune_merges))
    if merges:
        conn.execute(
            insert(tables.commune_merges),
            [{"code": c, "parent_code": p} for c, p in merges.items()],
        )


def _journal(conn: Connection, kind: str, report: ImportReport) -> None:
    conn.execute(
        insert(tables.imports).values(
            kind=kind,
            source=report.source[:500],
            rows=sum(report.rows.values()),
            imported_at=datetime.now(UTC),
        )
    )


def import_boundaries(
    conn: Connection,
    paths: Iterable[Path],
    *,
    level: Level = "commune",
    progress: Progress = _no_progress,
) -> ImportReport:
    """Attach polygons from GeoJSON files to known territories of ``level``.

    Commune polygons drawn before a merger are dissolved into the current commune. Then
    every EPCI and département whose communes all have a polygon gets their union.
    """
    paths = list(paths)
    boundaries: list[Boundary] = []
    for i, path in enumerate(paths, start=1):
        boundaries.extend(read_boundaries(path))
        progress("lecture des contours", i, len(paths))
    merges = dict(
        conn.execute(
            select(tables.commune_merges.c.code, tables.commune_merges.c.parent_code)
        ).all()
    )
    if level != "commune":
        merges = {}
    report = ImportReport(source=", ".join(p.name for p in paths))
    if level == "commune":
        merges |= _guess_former_communes(conn, boundaries, merges, report)
    _check_known(conn, level, boundaries, merges)
    shapes = dissolve_to_current(boundaries, merges)
    _store_geometries(conn, level, shapes, source=report.source, progress=progress)
    report.rows[level] = len(shapes)
    if level == "commune":
        report.rows["unions"] = _store_parent_unions(conn, progress=progress)
    _journal(conn, f"boundaries:{level}", report)
    return report


def _known_codes(conn: Connection, level: Level) -> set[str]:
    return set(
        conn.execute(
            select(tables.territories.c.code).where(tables.territories.c.level == level)
        ).scalars()
    )


def _guess_former_communes(
    conn: Connection, boundaries: list[Boundary], merges: dict[str, str], report: ImportReport
) -> dict[str, str]:
    """Attach polygons of communes absorbed without a déléguée row, and say so."""
    known = _known_codes(conn, "commune")
    orphans = [b for b in boundaries if b.code not in known and b.code not in merges]
    if not orphans:
        return {}
    current = {b.code: b.geometry for b in boundaries if b.code in known}
    guessed = assign_former_communes(orphans, current)
    report.warnings.extend(
        f"{b.source}, {b.location}: code {b.code} is not in the COG; its polygon was joined to "
        f"the neighbouring commune {guessed[b.code]} (longest shared border). Import a COG "
        "history to make this exact."
        for b in orphans
        if b.code in guessed
    )
    return guessed


def _check_known(
    conn: Connection, level: Level, boundaries: list[Boundary], merges: dict[str, str]
) -> None:
    known = set(
        conn.execute(
            select(tables.territories.c.code).where(tables.territories.c.level == level)
        ).scalars()
    )
    for boundary in boundaries:
        if merges.get(boundary.code, boundary.code) not in known:
            raise RecordError(
                source=boundary.source,
                location=boundary.location,
                field="properties.code",
                value=boundary.code,
                expected=f"the code of a {level} imported from the COG (or of a former commune)",
            )


def _store_geometries(
    conn: Connection,
    level: str,
    shapes: dict[str, Geometry],
    *,
    source: str,
    progress: Progress,
) -> None:
    records = []
    for i, (code, shape) in enumerate(sorted(shapes.items()), start=1):
        s = summarise(shape)
        records.append(
            {
                "b_level": level,
                "b_code": code,
                "geometry": s.geojson,
                "area_km2": s.area_km2,
                "centroid_lon": s.centroid_lon,
                "centroid_lat": s.centroid_lat,
                "min_lon": s.bbox[0],
                "min_lat": s.bbox[1],
                "max_lon": s.bbox[2],
                "max_lat": s.bbox[3],
                "geometry_source": source[:200],
            }
        )
        if i % 200 == 0 or i == len(shapes):
            progress("contours", i, len(shapes))
    t = tables.territories
    statement = update(t).where(t.c.level == bindparam("b_level"), t.c.code == bindparam("b_code"))
    for start in range(0, len(records), _BATCH):
        conn.execute(statement, records[start : start + _BATCH])


def _store_parent_unions(conn: Connection, *, progress: Progress) -> int:
    t, links = tables.territories, tables.territory_links
    members = conn.execute(
        select(links.c.parent_level, links.c.parent_code, t.c.geometry)
        .join(t, (t.c.level == links.c.child_level) & (t.c.code == links.c.child_code))
        .where(links.c.child_level == "commune")
    ).all()
    grouped: dict[tuple[str, str], list[str | None]] = defaultdict(list)
    for parent_level, parent_code, geometry in members:
        grouped[(parent_level, parent_code)].append(geometry)
    complete = {k: v for k, v in grouped.items() if all(g is not None for g in v)}
    unions = {}
    for i, (key, geometries) in enumerate(sorted(complete.items()), start=1):
        shapes = shapely.from_geojson(geometries)
        # Snap to the 1e-5° grid the sources use so shared borders cancel out in the union.
        unions[key] = shapely.union_all(shapes, grid_size=1e-5)
        progress("contours des EPCI et départements", i, len(complete))
    for level in ("epci", "departement"):
        shapes = {code: g for (lv, code), g in unions.items() if lv == level}
        _store_geometries(
            conn, level, shapes, source="union of commune polygons", progress=_no_progress
        )
    return len(unions)


def import_age_estimates(conn: Connection, path: Path) -> ImportReport:
    """Import INSEE département age structures (all years of the file)."""
    codes = set(
        conn.execute(
            select(tables.territories.c.code).where(tables.territories.c.level == "departement")
        ).scalars()
    )
    structures, warnings = read_departement_estimates(path, codes)
    records = [
        {
            "level": s.level,
            "code": s.code,
            "year": s.year,
            "band": band,
            "population": value,
            "is_estimated": s.is_estimated,
            "source": s.source,
        }
        for s in structures
        for band, value in s.population_by_band.items()
    ]
    upsert(conn, tables.age_bands, records, key=("level", "code", "year", "band"))
    report = ImportReport(source=str(path), rows={"age_bands": len(records)}, warnings=warnings)
    _journal(conn, "age_bands", report)
    return report

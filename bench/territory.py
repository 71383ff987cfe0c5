"""Benchmark of the territory domain: COG import and point location.

1. Import the whole COG 2026 (~35,000 communes, ``import_cog``) into a fresh SQLite database
   and, when the server answers, a fresh PostgreSQL schema.
2. Locate random points in the demo territory's bounding box among its ~2,900 commune
   polygons with ``PointLocator.locate_many``, and the same points through a naive peer run
   here on the same input: a shapely ``contains`` loop over every polygon, on a sample of the
   points as it is slow (geopandas, whose ``sjoin`` would be a stronger peer, is not a
   dependency).

Human-readable lines first; the last line is one JSON object with the figures.
Run: ``.venv/bin/python bench/territory.py [--points 200000] [--naive-sample 500]``.
"""

import argparse
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import OperationalError

from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.storage.engine import make_engine
from healthycity.storage.migrate import upgrade_database
from healthycity.territory import tables
from healthycity.territory.cog import CogFiles
from healthycity.territory.demo import demo_commune_files
from healthycity.territory.importer import import_boundaries, import_cog
from healthycity.territory.store import build_commune_locator

POSTGRESQL_URL = os.environ.get(
    "HC_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TARGET_POINTS_PER_S = 50_000


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def import_communes(engine: Engine) -> tuple[float, int]:
    """Seconds to import the COG into a migrated, empty database, and the communes stored."""
    upgrade_database(engine)
    files = CogFiles.in_folder(DEFAULT_DEMO_DATA_DIR / "territory")
    with engine.begin() as conn:
        seconds, report = timed(lambda: import_cog(conn, files))
    return seconds, report.rows["commune"]


@contextmanager
def postgresql_schema() -> Iterator[Engine | None]:
    """An engine on a fresh schema of the test server, dropped afterwards; None if unreachable."""
    admin = create_engine(POSTGRESQL_URL, isolation_level="AUTOCOMMIT")
    schema = f"hc_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'create schema "{schema}"'))
    except OperationalError as exc:
        print(f"PostgreSQL not reachable at {POSTGRESQL_URL}: {exc.orig}")
        admin.dispose()
        yield None
        return
    engine = make_engine(f"{POSTGRESQL_URL}?options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def commune_polygons(engine: Engine) -> tuple[list[str], list[shapely.Geometry]]:
    """The stored commune polygons, in the locator's order (by code)."""
    t = tables.territories
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.code, t.c.geometry)
            .where(t.c.level == "commune", t.c.geometry.is_not(None))
            .order_by(t.c.code)
        ).all()
    return [r.code for r in rows], list(shapely.from_geojson([r.geometry for r in rows]))


def naive_contains(
    codes: list[str], polygons: list[shapely.Geometry], lon: np.ndarray, lat: np.ndarray
) -> list[str | None]:
    """The peer: for each point, try every polygon in turn (no index, nothing prepared)."""
    found: list[str | None] = []
    for x, y in zip(lon, lat, strict=True):
        point = shapely.Point(x, y)
        found.append(
            next((c for c, p in zip(codes, polygons, strict=True) if p.contains(point)), None)
        )
    return found


def bench_locate(
    engine: Engine, *, n_points: int, naive_sample: int, seed: int
) -> dict[str, float | int | None]:
    with engine.begin() as conn:
        seconds, _ = timed(
            lambda: import_boundaries(conn, demo_commune_files(DEFAULT_DEMO_DATA_DIR))
        )
    print(f"demo commune polygons imported (dissolved, EPCI/département unions) in {seconds:.1f} s")
    with engine.connect() as conn:
        seconds, locator = timed(lambda: build_commune_locator(conn))
    codes, polygons = commune_polygons(engine)
    print(f"locator built over {locator.size} polygons in {seconds * 1000:.0f} ms")

    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = shapely.total_bounds(polygons)
    lon, lat = rng.uniform(minx, maxx, n_points), rng.uniform(miny, maxy, n_points)
    runs = [timed(lambda: locator.locate_many(lon, lat)) for _ in range(3)]
    best, found = min(runs, key=lambda run: run[0])
    rate = n_points / best
    inside = sum(code is not None for code in found)
    print(
        f"locate_many: {n_points:,} points in {best * 1000:.0f} ms (best of 3) = {rate:,.0f} "
        f"points/s, {inside:,} inside a commune; target ≥ {TARGET_POINTS_PER_S:,}: "
        f"{'met' if rate >= TARGET_POINTS_PER_S else 'NOT met'}"
    )

    sample = slice(0, naive_sample)
    seconds, expected = timed(lambda: naive_contains(codes, polygons, lon[sample], lat[sample]))
    naive_rate = naive_sample / seconds
    agree = sum(a == b for a, b in zip(found[sample].tolist(), expected, strict=True))
    print(
        f"naive peer (shapely contains loop, {naive_sample} points): {naive_rate:,.0f} points/s; "
        f"locate_many is {rate / naive_rate:,.0f}× faster; same answer on {agree}/{naive_sample}"
    )
    return {
        "locate_points_per_s": round(rate),
        "locate_speedup_vs_naive": round(rate / naive_rate, 1),
        "naive_points_per_s": round(naive_rate, 1),
        "points": n_points,
        "polygons": locator.size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--naive-sample", type=int, default=500)
    parser.add_argument("--seed", type=int, default=58194)
    args = parser.parse_args()

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hc-bench-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        seconds, communes = import_communes(engine)
        print(f"SQLite: COG 2026 import of {communes:,} communes in {seconds:.1f} s")
        figures["import_communes_s"] = round(seconds, 2)
        figures["communes"] = communes
        figures |= bench_locate(
            engine, n_points=args.points, naive_sample=args.naive_sample, seed=args.seed
        )
        engine.dispose()
    with postgresql_schema() as pg_engine:
        figures["import_communes_s_postgresql"] = None
        if pg_engine is not None:
            seconds, communes = import_communes(pg_engine)
            print(f"PostgreSQL: COG 2026 import of {communes:,} communes in {seconds:.1f} s")
            figures["import_communes_s_postgresql"] = round(seconds, 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

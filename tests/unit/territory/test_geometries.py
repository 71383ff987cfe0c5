"""Boundary GeoJSON: reading, errors, dissolving former communes, guessing absorbed ones."""

import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely import Polygon, box

from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.errors import RecordError
from healthycity.geo import area_km2
from healthycity.territory.cog import (
    CogFiles,
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
from tests.factories import COMMUNE_BOXES, commune_feature, write_geojson

GEO = DEFAULT_DEMO_DATA_DIR / "geo"


def boundary(code: str, geometry: shapely.Geometry) -> Boundary:
    return Boundary(code, geometry, "test.geojson", f"feature {code}")


def test_read_boundaries_of_a_feature_collection(tmp_path: Path) -> None:
    boundaries = read_boundaries(write_geojson(tmp_path / "communes.geojson"))
    assert [b.code for b in boundaries] == list(COMMUNE_BOXES)
    assert [b.location for b in boundaries] == [f"feature {i}" for i in range(5)]
    assert boundaries[1].geometry.equals(box(*COMMUNE_BOXES["58001"]))
    assert boundaries[0].source == str(tmp_path / "communes.geojson")


def test_read_boundaries_of_a_single_feature_with_another_code_property(tmp_path: Path) -> None:
    feature = commune_feature("58002", properties={"INSEE_COM": "58002"})
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps(feature), encoding="utf-8")
    [only] = read_boundaries(path)
    assert (only.code, only.location) == ("58002", "feature 0")


def test_read_boundaries_repairs_a_self_intersecting_polygon(tmp_path: Path) -> None:
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[3, 47], [3.1, 47.1], [3.1, 47], [3, 47.1], [3, 47]]],
    }
    path = write_geojson(tmp_path / "bow.geojson", [commune_feature("58001", bow_tie)])
    [repaired] = read_boundaries(path)
    assert repaired.geometry.is_valid
    assert repaired.geometry.area == pytest.approx(0.005)


def lambert93_square() -> dict[str, Any]:
    # Nevers in Lambert-93 metres: the classic "forgot to reproject" file
    x, y = 717_000.0, 6_650_000.0
    geometry: dict[str, Any] = json.loads(shapely.to_geojson(box(x, y, x + 1000, y + 1000)))
    return geometry


@pytest.mark.parametrize(
    ("content", "location", "field", "expected"),
    [
        ("{not json", "file", "content", "a readable GeoJSON file"),
        ("[1, 2]", "file", "type", "a GeoJSON FeatureCollection or Feature"),
        ({"type": "FeatureCollection", "features": [7]}, "feature 0", "type", "a GeoJSON Feature"),
        (
            {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]},
            "feature 0",
            "properties",
            "an object of properties",
        ),
        (
            [commune_feature("58001", properties={"nom": "Sans code", "code": ""})],
            "feature 0",
            "properties.code",
            "an INSEE code",
        ),
        (
            [commune_feature("58001", {"type": "Point", "coordinates": [3.1, 47.1]})],
            "feature 0 (58001)",
            "geometry.type",
            "a non-empty Polygon or MultiPolygon",
        ),
        (
            [commune_feature("58001", {"type": "Polygon", "coordinates": []})],
            "feature 0 (58001)",
            "geometry.type",
            "a non-empty Polygon or MultiPolygon",
        ),
        (
            [commune_feature("58001"), commune_feature("58002", {"type": "Polygon"})],
            "feature 1 (58002)",
            "geometry",
            "a valid GeoJSON geometry",
        ),
        (
            [commune_feature("58001", lambert93_square())],
            "feature 0 (58001)",
            "geometry",
            "WGS84 longitude/latitude",
        ),
    ],
    ids=[
        "not-json",
        "not-geojson",
        "not-a-feature",
        "no-properties",
        "no-code",
        "point",
        "empty",
        "no-coordinates",
        "lambert93",
    ],
)
def test_read_boundaries_refuses_bad_files_naming_file_feature_field(
    tmp_path: Path, content: object, location: str, field: str, expected: str
) -> None:
    path = tmp_path / "bad.geojson"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, list):
        write_geojson(path, content)
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(RecordError) as caught:
        read_boundaries(path)
    error = caught.value
    assert (error.source, error.location, error.field) == (str(path), location, field)
    assert expected in error.expected
    assert str(path) in str(error)
    assert location in str(error)


def test_read_boundaries_lambert93_error_shows_the_metre_coordinates(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "l93.geojson", [commune_feature("58001", lambert93_square())])
    with pytest.raises(RecordError, match=r"geometry=\[717000\.0, 6650000\.0, 718000\.0"):
        read_boundaries(path)


def test_read_boundaries_missing_file_is_a_record_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"missing\.geojson, file: content='FileNotFoundError'"):
        read_boundaries(tmp_path / "missing.geojson")


def test_dissolve_to_current_joins_former_communes_to_their_parent() -> None:
    boundaries = [boundary(code, box(*bounds)) for code, bounds in COMMUNE_BOXES.items()]
    shapes = dissolve_to_current(boundaries, {"58004": "58001"})
    assert sorted(shapes) == ["18001", "58001", "58002", "89001"]
    assert shapes["58001"].equals(box(3.0, 47.0, 3.2, 47.1))
    assert shapes["58002"] is boundaries[3].geometry  # untouched when alone


def test_dissolve_to_current_of_nothing_is_empty() -> None:
    assert dissolve_to_current([], {"58004": "58001"}) == {}


@given(st.lists(st.integers(0, 5), min_size=1, max_size=12))
def test_dissolve_to_current_keeps_the_area_of_disjoint_parts(parents: list[int]) -> None:
    # unit squares on a row, each assigned to one of 6 current communes
    boundaries = [boundary(f"F{i}", box(i, 0, i + 1, 1)) for i in range(len(parents))]
    merges = {f"F{i}": f"C{p}" for i, p in enumerate(parents)}
    shapes = dissolve_to_current(boundaries, merges)
    assert sorted(shapes) == sorted({f"C{p}" for p in parents})
    for code, shape in shapes.items():
        assert shape.area == pytest.approx(sum(1 for p in parents if f"C{p}" == code))


def test_summarise_gives_area_point_inside_and_bbox() -> None:
    # a C-shaped commune: its centroid falls in the hole of the C, outside the commune
    c_shape = Polygon(
        [
            (3, 47),
            (3.3, 47),
            (3.3, 47.1),
            (3.1, 47.1),
            (3.1, 47.2),
            (3.3, 47.2),
            (3.3, 47.3),
            (3, 47.3),
        ]
    )
    assert not c_shape.contains(c_shape.centroid)
    summary = summarise(c_shape)
    assert c_shape.contains(shapely.Point(summary.centroid_lon, summary.centroid_lat))
    assert summary.bbox == (3.0, 47.0, 3.3, 47.3)
    assert summary.area_km2 == pytest.approx(area_km2(c_shape))
    # 0.07 square degrees at 47° N: 0.07 × 111.2 km × 75.8 km ≈ 590 km²
    assert summary.area_km2 == pytest.approx(590, rel=0.02)
    assert shapely.from_geojson(summary.geojson).equals(c_shape)


def test_assign_former_communes_picks_the_longest_shared_border() -> None:
    orphan = boundary("58009", box(3.1, 47.0, 3.2, 47.1))
    current = {
        "58001": box(3.0, 47.0, 3.1, 47.1),  # shares the whole west side (0.1°)
        "58002": box(3.0, 47.1, 3.15, 47.2),  # shares half of the north side (0.05°)
        "89001": box(3.2, 47.0, 3.3, 47.2),  # longest border (0.1°) but another département
    }
    assert assign_former_communes([orphan], current) == {"58009": "58001"}


def test_assign_former_communes_tolerates_simplified_borders_that_do_not_touch() -> None:
    orphan = boundary("58009", box(3.1, 47.0, 3.2, 47.1))
    near = box(3.0, 47.0, 3.09995, 47.1)  # 5e-5° (~4 m) gap, as simplification leaves
    assert assign_former_communes([orphan], {"58001": near}) == {"58009": "58001"}


def test_assign_former_communes_leaves_an_isolated_polygon_unassigned() -> None:
    orphan = boundary("58009", box(4.0, 48.0, 4.1, 48.1))
    assert assign_former_communes([orphan], {"58001": box(3.0, 47.0, 3.1, 47.1)}) == {}


def test_assign_former_communes_uses_three_digit_overseas_departements() -> None:
    orphan = boundary("97109", box(0.1, 0, 0.2, 0.1))
    current = {"97101": box(0, 0, 0.1, 0.1), "97201": box(0.2, 0, 0.3, 0.1)}
    assert assign_former_communes([orphan], current) == {"97109": "97101"}


def read_cog_merges() -> tuple[set[str], dict[str, str]]:
    files = CogFiles.in_folder(DEFAULT_DEMO_DATA_DIR / "territory")
    departements = read_departements(
        files.departements, {r.code for r in read_regions(files.regions)}
    )
    communes, merges = read_communes(
        files.communes,
        departement_codes={d.code for d in departements},
        epci_codes={e.code for e in read_epcis(files.epci)},
    )
    return {c.code for c in communes}, {m.code: m.parent_code for m in merges}


def test_dissolve_creuse_2018_polygons_into_the_255_communes_of_cog_2026() -> None:
    boundaries = read_boundaries(GEO / "communes-23-creuse.geojson")
    assert len(boundaries) == 258
    known, merges = read_cog_merges()
    orphans = [b for b in boundaries if b.code not in known and b.code not in merges]
    assert [b.code for b in orphans] == ["23121"]  # Malval: absorbed, gone from the COG
    current = {b.code: b.geometry for b in boundaries if b.code in known}
    merges |= assign_former_communes(orphans, current)
    shapes = dissolve_to_current(boundaries, merges)
    assert sorted(shapes) == sorted(c for c in known if c.startswith("23"))
    assert len(shapes) == 255
    total_before = sum(area_km2(b.geometry) for b in boundaries)
    total_after = sum(area_km2(s) for s in shapes.values())
    assert total_after == pytest.approx(total_before, rel=1e-3)
    assert total_after == pytest.approx(5565, rel=0.02)  # Creuse: 5,565 km² (INSEE)

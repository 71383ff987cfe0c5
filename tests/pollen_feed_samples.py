"""Atmo Data "indice pollen" features for the tests, on real Nièvre communes.

The field names and types are the feed's (``healthycity/environment/published_pollen.py``);
the commune codes and names are real (INSEE, demo territory). Every level, concentration,
time, AASQA code and name below is an **example** made up for the tests, not a forecast
Atmo France published. ``pollen_resp`` uses the naming seen in a published feature
("BETULA GRAMINEE").
"""

import csv
import io
import json
from datetime import date

DAY = date(2026, 4, 15)
# code, name, taxon levels (ambr, arm, aul, boul, gram, oliv), pollen_resp: examples.
COMMUNES = {
    "58194": ("Nevers", (1, 1, 2, 4, 4, 1), "BETULA GRAMINEE"),  # overall 4: birch, grasses
    "58160": ("Marzy", (1, 1, 1, 2, 3, 1), "GRAMINEE"),  # overall 3: grasses
}
TAXA = ("ambr", "arm", "aul", "boul", "gram", "oliv")


def feature(code: str = "58194", *, day: date = DAY, **overrides: object) -> dict:
    """One feature of ``code`` for ``day``, overall = worst taxon; ``overrides`` replace fields."""
    name, levels, responsible = COMMUNES.get(code, ("Commune", (1,) * 6, ""))
    properties: dict[str, object] = {
        "aasqa": "27",  # example code
        "date_maj": "2026-04-15T10:01:02.983Z",
        "date_dif": "2026-04-15",
        "date_ech": day.isoformat(),
        "code_zone": code,
        "lib_zone": name,
        "type_zone": "commune",
        "source": "Atmo Bourgogne-Franche-Comté",
        "code_qual": max(levels),
        "lib_qual": ("Très faible", "Faible", "Modéré", "Élevé")[max(levels) - 1],
        "pollen_resp": responsible,
        "alerte": max(levels) >= 4,
        **{f"code_{t}": lv for t, lv in zip(TAXA, levels, strict=True)},
        **{f"conc_{t}": float(10 * lv) for t, lv in zip(TAXA, levels, strict=True)},
    }
    properties.update(overrides)
    return {"type": "Feature", "geometry": None, "properties": properties}


def geojson_bytes(*features: dict) -> bytes:
    """A FeatureCollection of ``features`` (default: one per commune of :data:`COMMUNES`)."""
    chosen = list(features) or [feature(code) for code in COMMUNES]
    return json.dumps({"type": "FeatureCollection", "features": chosen}).encode()


def csv_bytes(*features: dict, delimiter: str = ",") -> bytes:
    """The same features as CSV with the feed's columns (booleans as true/false)."""
    chosen = list(features) or [feature(code) for code in COMMUNES]
    header = list(chosen[0]["properties"])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for f in chosen:
        values = [f["properties"].get(column) for column in header]
        writer.writerow(["" if v is None else str(v).lower() if isinstance(v, bool) else v
                         for v in values])  # fmt: skip
    return out.getvalue().encode()

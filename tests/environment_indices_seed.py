"""A small territory with stations and a day of readings, laid out for hand-computed indices.

Points are placed in Lambert-93 metres around an origin near Nevers, then stored in WGS84, so
the distances the indices measure are the round numbers below (up to the projection's
round trip, micrometres)::

    S1 ref-nevers   (0, 0)      reference, commune 58194 Nevers    (centroid (0, 500))
    S2 ref-marzy    (5000, 0)   reference, commune 58160 Marzy     (centroid (5000, -1000))
                                commune 58121 Garchizy, no station (centroid (1800, 2400)):
                                3000 m from S1, 4000 m from S2
    L1 lc-urzy      (2500, 0)   low_cost, commune 58300 Urzy       (centroid (2500, 0))
                                commune 58086 Cosne, no station    (centroid (35000, 0)):
                                30 km from S2, beyond the 20 km radius
    T1 meteo-nevers (0, 0)      reference temperature, Nevers (département 58: thresholds 19/34)
    T2 meteo-bourges            reference temperature, commune 18033 Bourges (thresholds 19/35)

EPCI 245804406 (CA de Nevers) holds Nevers, Marzy and Garchizy.

The pollutant readings are hourly over the civil day :data:`DAY` (UTC+1, so from 23:00 UTC the
day before); hour ``h`` (0-23) of the day is given by :func:`pollutant_value`. The NO2 of S1
at ``h = 12`` is 300 µg/m³, a spike the QC flags: it must not reach the indices.
"""

import math
from datetime import UTC, date, datetime, timedelta

from pyproj import Transformer
from shapely import box, to_geojson
from sqlalchemy import Connection, insert

from healthycity.environment import sensors
from healthycity.environment.pipeline import ingest_readings
from healthycity.environment.quantities import Quantity
from healthycity.territory import tables
from healthycity.territory.names import normalise_name

DAY = date(2026, 1, 15)
DAY_START = datetime(2026, 1, 14, 23, tzinfo=UTC)  # local midnight, UTC+1 in January
HEAT_DAY = date(2026, 7, 20)
SPIKE_HOUR = 12
ORIGIN = (712_000.0, 6_654_000.0)  # Lambert-93, near Nevers
_TO_WGS84 = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)

# The communes: code, name, département, EPCI, centroid offset in metres from the origin.
COMMUNES = (
    ("58194", "Nevers", "58", "245804406", (0.0, 500.0)),
    ("58160", "Marzy", "58", "245804406", (5000.0, -1000.0)),
    ("58121", "Garchizy", "58", "245804406", (1800.0, 2400.0)),
    ("58300", "Urzy", "58", None, (2500.0, 0.0)),
    ("58086", "Cosne-Cours-sur-Loire", "58", None, (35000.0, 0.0)),
    ("18033", "Bourges", "18", None, (-60000.0, -10000.0)),
)
POLLUTANTS = (Quantity.PM25, Quantity.PM10, Quantity.NO2, Quantity.O3, Quantity.SO2)
UGM3 = "µg/m³"
# The sensors: id, kind, commune, offset in metres from the origin, quantities measured.
STATIONS = (
    ("ref-nevers", "reference", "58194", (0.0, 0.0), POLLUTANTS),
    ("ref-marzy", "reference", "58160", (5000.0, 0.0), POLLUTANTS),
    ("lc-urzy", "low_cost", "58300", (2500.0, 0.0), (Quantity.PM25,)),
    ("meteo-nevers", "reference", "58194", (0.0, 0.0), (Quantity.TEMPERATURE,)),
    ("meteo-bourges", "reference", "18033", (-60000.0, -10000.0), (Quantity.TEMPERATURE,)),
)


def lon_lat(offset: tuple[float, float]) -> tuple[float, float]:
    """WGS84 of a point given by its offset in metres from :data:`ORIGIN`."""
    lon, lat = _TO_WGS84.transform(ORIGIN[0] + offset[0], ORIGIN[1] + offset[1])
    return float(lon), float(lat)


def pollutant_value(station: str, quantity: Quantity, hour: int) -> float:
    """The reading of ``station`` at hour ``hour`` of :data:`DAY` (see the module docstring)."""
    odd = hour % 2
    table = {
        "ref-nevers": {
            Quantity.PM25: 14.0 if odd else 10.0,  # mean 12
            Quantity.PM10: 18.0 if odd else 14.0,  # mean 16
            Quantity.NO2: 30.0 + (hour % 4) * 5,  # max 45 (without the spike)
            Quantity.O3: 60.0 + (hour % 3) * 10,  # max 80
            Quantity.SO2: 3.0 + odd,  # max 4
        },
        "ref-marzy": {
            Quantity.PM25: 28.0 if odd else 20.0,  # mean 24
            Quantity.PM10: 34.0 if odd else 30.0,  # mean 32
            Quantity.NO2: 50.0 + (hour % 4) * 10,  # max 80
            Quantity.O3: 130.0 + (hour % 3) * 10,  # max 150
            Quantity.SO2: 5.0 + odd,  # max 6
        },
        "lc-urzy": {Quantity.PM25: 200.0 + odd},  # would be "très mauvais" if it counted
    }
    if station == "ref-nevers" and quantity == Quantity.NO2 and hour == SPIKE_HOUR:
        return 300.0
    return table[station][quantity]


def temperature_c(station: str, moment: datetime) -> float:
    """A daily cycle with Tn at 03 UTC and Tx at 15 UTC: 19/37 °C in Bourges and Nevers."""
    del station  # both stations read the same heat wave
    return round(28.0 + 9.0 * math.cos(2 * math.pi * (moment.hour - 15) / 24), 2)


def _territory_row(code: str, name: str, level: str, offset: tuple[float, float] | None) -> dict:
    row = {"level": level, "code": code, "name": name, "search_name": normalise_name(name),
           "population": 1000}  # fmt: skip
    if offset is not None:
        lon, lat = lon_lat(offset)
        west, south = lon_lat((offset[0] - 1000, offset[1] - 1000))
        east, north = lon_lat((offset[0] + 1000, offset[1] + 1000))
        row |= {"centroid_lon": lon, "centroid_lat": lat, "min_lon": west, "min_lat": south,
                "max_lon": east, "max_lat": north, "area_km2": 4.0,
                "geometry": to_geojson(box(west, south, east, north))}  # fmt: skip
    return row


def seed_territory(conn: Connection) -> None:
    """Régions 27 and 24, départements 58 and 18, the EPCI and :data:`COMMUNES`."""
    rows = [
        _territory_row("27", "Bourgogne-Franche-Comté", "region", None),
        _territory_row("24", "Centre-Val de Loire", "region", None),
        _territory_row("58", "Nièvre", "departement", None),
        _territory_row("18", "Cher", "departement", None),
        _territory_row("245804406", "CA de Nevers", "epci", None),
        *(_territory_row(code, name, "commune", offset) for code, name, _, _, offset in COMMUNES),
    ]
    keys = {k for row in rows for k in row}
    conn.execute(insert(tables.territories), [{k: row.get(k) for k in keys} for row in rows])
    links = [("departement", "58", "region", "27"), ("departement", "18", "region", "24")]
    for code, _, departement, epci, _ in COMMUNES:
        links.append(("commune", code, "departement", departement))
        if epci:
            links.append(("commune", code, "epci", epci))
    conn.execute(
        insert(tables.territory_links),
        [{"child_level": a, "child_code": b, "parent_level": c, "parent_code": d}
         for a, b, c, d in links],
    )  # fmt: skip
    conn.execute(insert(tables.imports).values(kind="seed", source="tests", rows=1,
                                               imported_at=datetime.now(UTC)))  # fmt: skip


def seed_stations(conn: Connection) -> None:
    """Register :data:`STATIONS` and store their readings through the real pipeline."""
    for sensor_id, kind, commune, offset, quantities in STATIONS:
        lon, lat = lon_lat(offset)
        unit = {q: ("°C" if q == Quantity.TEMPERATURE else UGM3) for q in quantities}
        draft = sensors.SensorDraft(sensor_id, f"Station {sensor_id}", kind, lon, lat, unit,
                                    commune_code=commune, operator="tests")  # fmt: skip
        sensors.save_sensor(conn, draft, locate=lambda _lon, _lat: None)
    readings = [
        {"sensor_id": sid, "quantity": q.value, "value": pollutant_value(sid, q, h),
         "observed_at": (DAY_START + timedelta(hours=h)).isoformat()}
        for sid, _, _, _, quantities in STATIONS[:3]
        for q in quantities
        for h in range(24)
    ]  # fmt: skip
    heat_start = datetime(2026, 7, 17, 18, tzinfo=UTC)
    for sid in ("meteo-nevers", "meteo-bourges"):
        for h in range(84):
            moment = heat_start + timedelta(hours=h)
            readings.append({"sensor_id": sid, "quantity": "temperature",
                             "value": temperature_c(sid, moment),
                             "observed_at": moment.isoformat()})  # fmt: skip
    result = ingest_readings(conn, readings, door="http")
    assert result.quarantined == 0, result.errors


def seed_birch_pollen(conn: Connection) -> None:
    """A pollen station at Nevers (0, 0): birch 30 and 34 grains/m³ hour after hour on
    :data:`DAY` (daily mean 32)."""
    draft = sensors.SensorDraft("pollen-nevers", "Capteur pollen", "reference",
                                *lon_lat((0.0, 0.0)), {Quantity.POLLEN_BIRCH: "grains/m³"},
                                commune_code="58194", operator="tests")  # fmt: skip
    sensors.save_sensor(conn, draft, locate=lambda _lon, _lat: None)
    readings = [{"sensor_id": "pollen-nevers", "quantity": "pollen_birch",
                 "value": 30.0 + 4 * (h % 2),
                 "observed_at": (DAY_START + timedelta(hours=h)).isoformat()}
                for h in range(24)]  # fmt: skip
    result = ingest_readings(conn, readings, door="http")
    assert result.quarantined == 0, result.errors


def seed_all(conn: Connection) -> None:
    """The territory, the stations and their readings."""
    seed_territory(conn)
    seed_stations(conn)

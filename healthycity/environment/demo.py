"""Demo history: real 2019 station series, and a labelled replay of them onto Nièvre.

Two real extracts ship in ``data/environment`` (provenance and licences in its README):

* OpenAQ hourly NO2 and PM2.5 of 2019-04-09 → 2019-06-21 at FR04014 (Paris), BETR801
  (Antwerp) and London Westminster. Only FR04014 is in France, so only it is registered and
  imported, in commune 75056 (Paris: the COG's commune; its arrondissements municipaux are not
  communes). Antwerp and London are skipped.
* Atmo Nouvelle-Aquitaine hourly NO2 and O3 of 2019-01-17 at three Poitiers stations (commune
  86194); the file's annual means are not hourly readings and are skipped, and so is the
  station that has only those (FR09402).

Both are stored at the *start* of their averaging hour, the convention of healthycity's hourly
aggregates and indices: OpenAQ's ``date.utc`` is the end of the hour (openaq-fetch pull request
660, "document date as end of averaging period"), so one hour is taken off; Atmo's
``dat_dbt`` is the start, in French local time.

There are no hourly measurements of Nièvre in the shipped data, so the demo map would be empty.
:data:`REPLAYS` puts three **simulated** sensors in Nevers, Cosne-Cours-sur-Loire and Decize
whose name and operator say what they are: a *replay* of the real hourly curves of FR04014
(NO2) and London Westminster (PM2.5, as FR04014 has none), shifted by a whole number of weeks to
end at the current hour — never a measurement. The shift keeps each value's weekday and hour of
day (the traffic rhythm) and is the same whenever the import runs, so running it again only
adds the hours since (see :func:`replay_times`). They are registered as ``reference`` sensors,
like the stations whose curves they replay, so that the demo map shows indices for Nièvre.
"""

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from healthycity.environment import sensors
from healthycity.environment.pipeline import IngestResult, ingest_readings
from healthycity.environment.quantities import UGM3, Quantity
from healthycity.errors import NotFoundError, RecordError, ValidationError
from healthycity.territory import store as territory_store

FOLDER = "environment"
OPENAQ_FILE = "air_quality_openaq_hourly_2019_paris_antwerp_london.csv"
ATMO_FILE = "atmo_nouvelle_aquitaine_poitiers_sample_2019.csv"
HOUR = timedelta(hours=1)
WEEK = timedelta(weeks=1)
PARIS_TIME = ZoneInfo("Europe/Paris")
# FR04014's coordinates as published with the same OpenAQ extract (pandas documentation,
# ``doc/data/air_quality_stations.csv``).
PARIS = sensors.SensorDraft(
    id="FR04014", name="FR04014 (Paris)", kind="reference", lon=2.3939, lat=48.83724,
    quantities={Quantity.NO2: UGM3}, commune_code="75056",
    operator="Airparif — mesures 2019 (EEA, via OpenAQ, CC BY 4.0)",
)  # fmt: skip
ATMO_OPERATOR = "Atmo Nouvelle-Aquitaine — mesures 2019 (ODbL)"
ATMO_POLLUTANTS = {"8": Quantity.NO2, "7": Quantity.O3}  # id_pll codes of the hourly rows
REPLAY_SOURCES = {Quantity.NO2: "FR04014", Quantity.PM25: "London Westminster"}


@dataclass(frozen=True)
class SourceReading:
    """An hourly mean of a real station, stamped at the start of its hour (UTC)."""

    station: str
    quantity: Quantity
    start: datetime
    value: float


@dataclass(frozen=True)
class Replay:
    """A simulated Nièvre sensor replaying the real curves, ``lag_weeks`` behind the others."""

    sensor_id: str
    town: str
    commune_code: str
    lon: float
    lat: float
    lag_weeks: int

    def draft(self) -> sensors.SensorDraft:
        """The sensor, named and operated so that nobody takes it for a measurement."""
        weeks = f"{self.lag_weeks} semaine{'s' if self.lag_weeks > 1 else ''}"
        lag = f", décalée de {weeks}" if self.lag_weeks else ""
        return sensors.SensorDraft(
            id=self.sensor_id, name=f"Démonstration {self.town} — série rejouée, pas une mesure",
            kind="reference", lon=self.lon, lat=self.lat,
            quantities=dict.fromkeys(REPLAY_SOURCES, UGM3), commune_code=self.commune_code,
            operator=("Démonstration healthycity : série rejouée de FR04014 (Paris, NO2) et "
                      f"London Westminster (PM2,5), avril–juin 2019 (OpenAQ){lag}"),
        )  # fmt: skip


# Town-centre coordinates (WGS84), each inside its commune's boundary.
REPLAYS = (
    Replay("demo-replay-nevers", "Nevers", "58194", 3.1590, 46.9896, 0),
    Replay("demo-replay-cosne", "Cosne-Cours-sur-Loire", "58086", 2.9253, 47.4108, 1),
    Replay("demo-replay-decize", "Decize", "58095", 3.4614, 46.8283, 2),
)


@dataclass(frozen=True)
class DemoReport:
    """What the demo import stored, and what it skipped and why."""

    sensors: tuple[str, ...]
    real: IngestResult
    replayed: IngestResult
    skipped: tuple[str, ...]


def _value(text: str, *, source: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise RecordError(source=source, location=f"line {line}", field="value", value=text,
                          expected="a number")  # fmt: skip
    return value


def read_openaq(path: Path) -> list[SourceReading]:
    """Every row of the OpenAQ extract, restamped at the start of its hour."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            SourceReading(row["location"], Quantity(row["parameter"]),
                          datetime.fromisoformat(row["date.utc"]).astimezone(UTC) - HOUR,
                          _value(row["value"], source=path.name, line=line))
            for line, row in enumerate(csv.DictReader(handle), start=2)
        ]  # fmt: skip


def _atmo_station(row: dict[str, str], previous: sensors.SensorDraft | None) -> sensors.SensorDraft:
    quantity = ATMO_POLLUTANTS[row["id_pll"]]
    return sensors.SensorDraft(
        id=row["cd_sttn"], name=f"{row['nm_sttn'].strip()} ({row['nom_com']})", kind="reference",
        lon=float(row["lon"]), lat=float(row["lat"]),
        quantities={**(previous.quantities if previous else {}), quantity: UGM3},
        commune_code=row["id_com"], operator=ATMO_OPERATOR,
    )  # fmt: skip


def read_atmo(path: Path) -> tuple[list[sensors.SensorDraft], list[SourceReading], list[str]]:
    """Stations with validated hourly rows, their readings, and what was skipped."""
    drafts: dict[str, sensors.SensorDraft] = {}
    readings: list[SourceReading] = []
    others: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            station = row["cd_sttn"]
            is_hourly = row["metriqu"] == "moyenne horaire" and row["id_pll"] in ATMO_POLLUTANTS
            if not is_hourly or row["sttt_vl"] != "1":  # sttt_vl 1: validated
                others.setdefault(station, set()).add(row["metriqu"])
                continue
            start = datetime.fromisoformat(row["dat_dbt"]).replace(tzinfo=PARIS_TIME)
            value = _value(row["valeur"], source=path.name, line=line)
            quantity = ATMO_POLLUTANTS[row["id_pll"]]
            readings.append(SourceReading(station, quantity, start.astimezone(UTC), value))
            drafts[station] = _atmo_station(row, drafts.get(station))
    skipped = [
        f"{station} ({ATMO_FILE}): only {', '.join(sorted(kinds))} rows, not hourly readings"
        for station, kinds in sorted(others.items())
        if station not in drafts
    ]
    return list(drafts.values()), readings, skipped


def replay_period(series: Sequence[SourceReading]) -> timedelta:
    """The whole number of weeks the replayed curves repeat over (their span, rounded up)."""
    first = min(r.start for r in series)
    last = max(r.start for r in series)
    return WEEK * math.ceil((last - first + HOUR) / WEEK)


def replay_times(
    series: Sequence[SourceReading], *, lag_weeks: int, now: datetime
) -> list[tuple[datetime, SourceReading]]:
    """When each source reading is replayed: in the last period up to ``now``, lagged.

    A reading observed at ``s`` is replayed at ``s + lag + k·P`` (``P`` the
    :func:`replay_period`, a whole number of weeks), for the one whole ``k`` that puts it in
    ``(now - P, now]``. The replayed times of a sensor depend on ``now`` only through which
    period is shown, so two imports agree wherever their windows overlap.

    >>> s = [SourceReading("x", Quantity.NO2, datetime(2019, 4, 9, 1, tzinfo=UTC), 24.4)]
    >>> replay_times(s, lag_weeks=0, now=datetime(2019, 4, 20, tzinfo=UTC))[0][0].isoformat()
    '2019-04-16T01:00:00+00:00'
    """
    period = replay_period(series)
    lag = WEEK * lag_weeks
    return [
        (moment + period * ((now - moment) // period), reading)
        for reading in series
        for moment in [reading.start + lag]
    ]


def _replayed(series: Sequence[SourceReading], now: datetime) -> list[dict[str, object]]:
    return [
        {"sensor_id": replay.sensor_id, "quantity": reading.quantity.value,
         "observed_at": moment.isoformat(), "value": reading.value, "unit": UGM3}
        for replay in REPLAYS
        for moment, reading in replay_times(series, lag_weeks=replay.lag_weeks, now=now)
    ]  # fmt: skip


def _as_reading(reading: SourceReading) -> dict[str, object]:
    return {
        "sensor_id": reading.station,
        "quantity": reading.quantity.value,
        "observed_at": reading.start.isoformat(),
        "value": reading.value,
        "unit": UGM3,
    }


def _register(conn: Connection, drafts: Sequence[sensors.SensorDraft]) -> None:
    for draft in drafts:
        try:
            territory_store.get_territory(conn, "commune", draft.commune_code or "")
        except NotFoundError as exc:
            msg = (
                f"Demo sensor {draft.id!r} is in commune {draft.commune_code}, which is not in "
                "the database; expected the demo territory imported first "
                "(healthycity init --demo)."
            )
            raise ValidationError(msg) from exc
        sensors.save_sensor(conn, draft, locate=lambda _lon, _lat: None)  # code given


def import_demo_environment(
    conn: Connection, data_dir: Path, *, now: datetime | None = None
) -> DemoReport:
    """Register the demo sensors and store their readings through the ingestion pipeline.

    Parameters
    ----------
    conn
        A connection in the caller's transaction (nothing is committed here).
    data_dir
        The shipped data folder (``data/``), holding ``environment/``.
    now
        The clock: the replay ends at the last whole hour before it.

    Returns
    -------
    DemoReport
        The sensors, the pipeline's counts for real and replayed readings, what was skipped.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    openaq = read_openaq(data_dir / FOLDER / OPENAQ_FILE)
    stations, atmo, skipped = read_atmo(data_dir / FOLDER / ATMO_FILE)
    abroad = sorted({r.station for r in openaq} - {PARIS.id})
    skipped += [
        f"{s} ({OPENAQ_FILE}): outside France, not registered"
        + (" (its PM2.5 curve is replayed in Nièvre)" if s == REPLAY_SOURCES[Quantity.PM25] else "")
        for s in abroad
    ]
    series = [r for r in openaq if REPLAY_SOURCES.get(r.quantity) == r.station]
    drafts = [PARIS, *stations, *(replay.draft() for replay in REPLAYS)]
    _register(conn, drafts)
    real = [_as_reading(r) for r in openaq if r.station == PARIS.id] + [
        _as_reading(r) for r in atmo
    ]
    return DemoReport(
        sensors=tuple(d.id for d in drafts),
        real=ingest_readings(conn, real, door="http", now=now),
        replayed=ingest_readings(conn, _replayed(series, now), door="http", now=now),
        skipped=tuple(skipped),
    )

"""Request and answer schemas of the environment HTTP API, and the conversions into them."""

import csv
import io
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from healthycity.environment import sensors, store
from healthycity.environment._payloads import EXPORT_HEADER
from healthycity.environment.pipeline import IngestResult, ItemError

MAX_ERRORS_SHOWN = 1000  # every error is in the quarantine; the answer lists the first ones
SensorId = Annotated[str, Field(pattern=sensors.SENSOR_ID_PATTERN, examples=["nevers-pm-01"])]


class _Schema(BaseModel):
    model_config = ConfigDict(frozen=True)


class SensorCreate(_Schema):
    """A sensor to register (or replace, by id)."""

    id: SensorId
    name: str = Field(min_length=1, max_length=200)
    kind: sensors.SensorKind
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude, degrees.")
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude, degrees.")
    quantities: dict[str, str] = Field(
        min_length=1,
        description="Quantity -> unit the sensor reports in.",
        examples=[{"pm25": "µg/m³", "no2": "ppb"}],
    )
    commune_code: str | None = Field(
        default=None, max_length=16, description="INSEE code; default: the commune at lon/lat."
    )
    operator: str | None = Field(default=None, max_length=200)
    status: sensors.SensorStatus = "active"


class SensorUpdate(_Schema):
    """Fields to change; moving a sensor without a commune_code locates it again."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: sensors.SensorKind | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    quantities: dict[str, str] | None = Field(default=None, min_length=1)
    commune_code: str | None = Field(default=None, max_length=16)
    operator: str | None = Field(default=None, max_length=200)
    status: sensors.SensorStatus | None = None


class FreshnessPublic(_Schema):
    """Whether one measured quantity still reports (the stale-sensor check)."""

    latest_observed_at: datetime | None = Field(
        description="Time of the latest stored reading; null if the sensor never sent one."
    )
    silent: bool = Field(
        description="Active sensor without a reading for longer than the quantity's maximum "
        "silence (quality.DEFAULT_THRESHOLDS, healthycity's choice: 3 h, three missed hourly "
        "reports, for pollutants and weather; 8 days for pollen traps read weekly), counted "
        "from its registration when it never sent one."
    )


class SensorPublic(_Schema):
    """A registered sensor."""

    id: str
    name: str
    kind: sensors.SensorKind
    lon: float
    lat: float
    commune_code: str
    operator: str | None
    status: sensors.SensorStatus
    quantities: dict[str, str]
    created_at: datetime
    updated_at: datetime
    freshness: dict[str, FreshnessPublic] = Field(description="Per measured quantity.")
    silent: bool = Field(
        description="Some quantity is silent; only an active sensor can be (inactive and "
        "retired ones are expected to be quiet)."
    )


class SensorList(_Schema):
    """Sensors by id."""

    count: int
    sensors: list[SensorPublic]


class ItemErrorPublic(_Schema):
    """Why one reading was quarantined."""

    index: int = Field(description="Position in the batch (0-based).")
    line: int | None = Field(description="CSV line, for CSV bodies.")
    reason: str
    field: str
    value: Any
    expected: str
    sensor_id: str | None
    quantity: str | None
    message: str


class IngestReport(_Schema):
    """What became of a batch: received = accepted + duplicates + quarantined."""

    received: int
    accepted: int
    duplicates: int = Field(description="Repeats of stored readings (same value): no-ops.")
    conflicts: int = Field(description="Same sensor, quantity and time, another value.")
    quarantined: int
    errors: list[ItemErrorPublic]
    errors_truncated: bool = Field(description=f"More than {MAX_ERRORS_SHOWN} errors.")


class ObservationPublic(_Schema):
    """A reading in the canonical unit of its quantity, with its QC flags."""

    sensor_id: str
    quantity: str
    unit: str
    observed_at: datetime
    value: float
    flags: int
    flag_names: list[str]


class AggregatePublic(_Schema):
    """Mean, minimum, maximum and count over one UTC hour or day (flagged values excluded)."""

    sensor_id: str
    quantity: str
    unit: str
    period_start: datetime
    count: int
    mean: float
    min: float
    max: float


class SeriesPublic(_Schema):
    """Readings or aggregates, in time order."""

    resolution: store.Resolution
    count: int
    observations: list[ObservationPublic] | None = None
    aggregates: list[AggregatePublic] | None = None


AGGREGATE_HEADER = ("sensor_id", "quantity", "unit", "period_start", "count", "mean", "min",
                    "max")  # fmt: skip


def series_csv(series: SeriesPublic) -> str:
    """``series`` as CSV, times in ISO 8601 UTC and numbers to their last digit.

    Readings in :data:`EXPORT_HEADER` (which ``POST`` takes back), aggregates in
    :data:`AGGREGATE_HEADER`.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    if series.observations is not None:
        writer.writerow(EXPORT_HEADER)
        writer.writerows(
            (o.sensor_id, o.quantity, o.observed_at.isoformat(), repr(o.value), o.unit, o.flags,
             "|".join(o.flag_names))
            for o in series.observations
        )  # fmt: skip
    else:
        writer.writerow(AGGREGATE_HEADER)
        writer.writerows(
            (a.sensor_id, a.quantity, a.unit, a.period_start.isoformat(), a.count, repr(a.mean),
             repr(a.min), repr(a.max))
            for a in series.aggregates or ()
        )  # fmt: skip
    return out.getvalue()


class LatestPublic(_Schema):
    """The latest reading of each quantity of a sensor."""

    sensor_id: str
    latest: list[ObservationPublic]


class QuarantinePublic(_Schema):
    """A reading that was not stored, and why."""

    id: int
    received_at: datetime
    door: str
    sensor_id: str | None
    quantity: str | None
    reason: str
    field: str
    value: str | None
    expected: str
    payload: str | None


class QuarantineList(_Schema):
    """Quarantined readings, newest first."""

    count: int
    entries: list[QuarantinePublic]


# --- Conversions -----------------------------------------------------------------------------


def sensor_public(sensor: sensors.Sensor, now: datetime) -> SensorPublic:
    silent = sensor.silent_quantities(now)
    freshness = {
        q.value: FreshnessPublic(latest_observed_at=sensor.latest_observed_at.get(q),
                                 silent=q in silent)
        for q in sensor.quantities
    }  # fmt: skip
    return SensorPublic(
        id=sensor.id, name=sensor.name, kind=sensor.kind, lon=sensor.lon, lat=sensor.lat,
        commune_code=sensor.commune_code, operator=sensor.operator, status=sensor.status,
        quantities={q.value: u for q, u in sensor.quantities.items()},
        created_at=sensor.created_at, updated_at=sensor.updated_at,
        freshness=freshness, silent=bool(silent),
    )  # fmt: skip


def observation_public(observation: store.Observation) -> ObservationPublic:
    return ObservationPublic(
        sensor_id=observation.sensor_id, quantity=observation.quantity.value,
        unit=observation.unit, observed_at=observation.observed_at, value=observation.value,
        flags=observation.flags, flag_names=store.flag_names(observation.flags),
    )  # fmt: skip


def error_public(error: ItemError, lines: list[int] | None) -> ItemErrorPublic:
    return ItemErrorPublic(
        index=error.index, line=None if lines is None else lines[error.index],
        reason=error.reason, field=error.field, value=error.value, expected=error.expected,
        sensor_id=error.sensor_id, quantity=error.quantity, message=error.message,
    )  # fmt: skip


def ingest_report(result: IngestResult, lines: list[int] | None) -> IngestReport:
    shown = result.errors[:MAX_ERRORS_SHOWN]
    return IngestReport(
        received=result.received, accepted=result.accepted, duplicates=result.duplicates,
        conflicts=result.conflicts, quarantined=result.quarantined,
        errors=[error_public(e, lines) for e in shown],
        errors_truncated=len(result.errors) > len(shown),
    )  # fmt: skip

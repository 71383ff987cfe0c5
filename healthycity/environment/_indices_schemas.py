"""Pydantic schemas of the indices API (``indices_api.py``)."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from healthycity.environment.commune_series import SeriesResolution
from healthycity.environment.official_indices import IndexName

InputMethod = Literal["measured", "interpolated", "published", "unavailable"]


class _Schema(BaseModel):
    model_config = ConfigDict(frozen=True)


class LevelPublic(_Schema):
    """A level of an index or sub-index, with its official labels and colour."""

    value: int = Field(description="0: unavailable (indisponible), then 1 (best) upwards.")
    name: str
    label_fr: str
    label_en: str
    colour: str = Field(description="Hex colour of the index's charter.")


class InputPublic(_Schema):
    """One input of an index (a pollutant's daily statistic, a day's Tn…) and its origin."""

    quantity: str
    aggregation: str = Field(
        description="daily_mean, daily_max_of_hourly, hourly_mean, "
        "min_of_hourly_18utc_to_18utc (Tn), max_of_hourly_06utc_to_06utc (Tx), or "
        "published_level (a level relayed as published: no value)."
    )
    day: date | None
    value: float | None = Field(description="In ``unit``; null when unavailable.")
    unit: str
    method: InputMethod
    nearest_station_m: float | None = Field(
        description="Distance from the commune's centroid to the nearest station that fed "
        "this value (measured: the commune's own station); null if unknown."
    )
    station_ids: list[str] = Field(description="The stations whose values fed this one.")
    hours: int | None = Field(description="Stations: hours with at least one clean reading.")
    sub_index: LevelPublic | None


class ThresholdPublic(_Schema):
    """Heat-wave thresholds of a département and their source."""

    departement: str
    ibmn_c: float
    ibmx_c: float
    source: str
    source_date: str | None


class PublishedPublic(_Schema):
    """Where a published level comes from: relayed as its producer published it."""

    source: str = Field(description="Attribution and licence to show with the level.")
    publisher: str | None = Field(description="The publishing AASQA (``source`` of the feed).")
    aasqa: str | None
    level_label: str | None = Field(description="The overall level's label as published.")
    responsible: str | None = Field(description="Responsible taxa as published (pollen_resp).")
    alert: bool | None
    updated_at: datetime = Field(description="The publisher's update time (date_maj).")
    imported_at: datetime
    imported_from: str


class _PlacePublic(_Schema):
    index: LevelPublic
    responsible: list[str] = Field(description="Inputs whose sub-index equals the index.")
    inputs: list[InputPublic]
    ibmn_c: float | None = Field(default=None, description="Heat only: 3-day mean of Tn.")
    ibmx_c: float | None = Field(default=None, description="Heat only: 3-day mean of Tx.")
    thresholds: ThresholdPublic | None = None
    unavailable_reason: str | None = None
    published: PublishedPublic | None = Field(
        default=None, description="Pollen only: the level published by Atmo France, relayed."
    )


class CommuneIndexPublic(_PlacePublic):
    """The index of one commune."""

    code: str
    name: str
    departement: str | None
    method: Literal["measured", "interpolated", "mixed", "published", "unavailable"] = Field(
        description="measured: every available input comes from a station in the commune; "
        "interpolated: from nearby stations; mixed: some of each; published: the levels "
        "published by their producer (Atmo France pollen index), relayed as they are."
    )
    nearest_station_m: float | None = Field(
        description="The largest, over the inputs, of the distance to the nearest station "
        "that fed it: how far from a measurement the least-measured input is."
    )


class StationIndexPublic(_PlacePublic):
    """The index of one official station, from its own readings."""

    id: str
    name: str
    kind: str
    commune_code: str
    lon: float
    lat: float


class IndexAnswerPublic(_Schema):
    """An index for a territory and period, per commune and per station used."""

    index: IndexName
    date: date | None
    period_start: datetime = Field(description="UTC start of the readings used (included).")
    period_end: datetime = Field(description="UTC end (excluded).")
    time_zone: str
    max_distance_m: float = Field(description="Interpolation radius; beyond: unavailable.")
    official_sensor_kinds: list[str] = ["reference"]
    notes: list[str]
    communes: list[CommuneIndexPublic]
    stations: list[StationIndexPublic]


class SeriesPointPublic(_Schema):
    """A point of a series: a reading (raw, flagged) or a period mean of clean readings."""

    start: datetime
    value: float | None
    flags: int
    flag_names: list[str]
    sensor_id: str | None
    nearest_station_m: float | None


class SeriesPublic(_Schema):
    """A commune's series, measured or interpolated."""

    commune: str
    name: str
    quantity: str
    unit: str
    resolution: SeriesResolution
    period_start: datetime
    period_end: datetime
    method: InputMethod
    station_ids: list[str]
    points: list[SeriesPointPublic]
    flagged: list[SeriesPointPublic] = Field(description="Readings the QC flagged.")

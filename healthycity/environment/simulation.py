"""Simulated sensors and readings for demos and load tests (pure: seeded, no I/O).

Levels follow textbook diurnal cycles of a French mid-sized town: traffic NO2 peaks at the
morning and evening rush hours, ozone builds up with sunshine and peaks mid-afternoon,
particles rise with evening heating and the night-time inversion, temperature lags the sun
(minimum near sunrise, maximum near 15:00). The amplitudes are illustrative values chosen by
healthycity to look plausible, not measurements. Episodes push the levels over the French
information thresholds of the code de l'environnement, art. R221-1 (PM10 50 µg/m³ as a daily
mean, O3 180 µg/m³ as an hourly mean), so that indices and alerts have something to show.

Each sensor adds a persistent bias (low-cost sensors: 0.85-1.25, reference: 0.97-1.03) and
autocorrelated noise (an AR(1) process with a 2-hour memory, 15 % for low-cost and 5 % for
reference instruments), so successive readings vary smoothly, as real ones do, and the
quality-control spike and flat-line checks stay quiet outside real faults.
"""

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

import numpy as np

from healthycity.environment.quantities import Quantity, spec_of
from healthycity.environment.sensors import SensorDraft, SensorKind
from healthycity.errors import ValidationError

EpisodeKind = Literal["pm10", "ozone", "heat"]
EPISODE_KINDS: tuple[EpisodeKind, ...] = get_args(EpisodeKind)
LOCAL_TIME = ZoneInfo("Europe/Paris")
REFERENCE_EVERY = 10  # one sensor in ten is a reference station, the first one included
REFERENCE_UNITS: dict[Quantity, str] = {Quantity.PM25: "µg/m³", Quantity.PM10: "µg/m³",
                                        Quantity.NO2: "µg/m³", Quantity.O3: "µg/m³"}  # fmt: skip
LOW_COST_UNITS: dict[Quantity, str] = {Quantity.PM25: "µg/m³", Quantity.PM10: "µg/m³",
                                       Quantity.TEMPERATURE: "°C"}  # fmt: skip
# Default episode length and height at its peak (added to the baseline).
EPISODE_DEFAULTS: dict[EpisodeKind, tuple[timedelta, float]] = {
    "pm10": (timedelta(hours=6), 120.0),  # µg/m³ of PM10 (PM2.5 gets 55 % of it)
    "ozone": (timedelta(hours=8), 110.0),  # µg/m³ of O3, on top of the afternoon maximum
    "heat": (timedelta(hours=72), 9.0),  # °C of temperature (and +40 µg/m³ of afternoon O3)
}
NOISE_MEMORY = timedelta(hours=2)
NOISE_SD = {"low_cost": 0.15, "reference": 0.05}
BIAS_RANGE = {"low_cost": (0.85, 1.25), "reference": (0.97, 1.03)}


@dataclass(frozen=True)
class Site:
    """A commune where sensors may be placed: its code, a point inside it, its population."""

    code: str
    lon: float
    lat: float
    population: int


@dataclass(frozen=True)
class Episode:
    """A pollution or heat episode: what rises, from when, for how long, by how much."""

    kind: EpisodeKind
    start: datetime
    duration: timedelta
    peak: float

    def strength(self, moment: datetime) -> float:
        """0 outside the episode; a smooth bump (sin²) to 1, or a plateau for heat waves."""
        share = (moment - self.start) / self.duration
        if not 0.0 < share < 1.0:
            return 0.0
        bump = math.sin(math.pi * share)
        return min(1.0, 3.0 * bump) if self.kind == "heat" else bump**2


_EPISODE_SYNTAX = re.compile(
    r"^(?P<kind>[a-z0-9]+)(?:@(?P<start>[^/]+))?(?:/(?P<hours>[0-9.]+)h)?$"
)


def parse_episode(text: str, *, default_start: datetime) -> Episode:
    """An episode from ``KIND[@START][/HOURSh]``, e.g. ``pm10@2026-07-02T06:00+02:00/8h``.

    >>> from datetime import UTC
    >>> parse_episode("heat/48h", default_start=datetime(2026, 7, 1, tzinfo=UTC)).duration
    datetime.timedelta(days=2)
    """
    found = _EPISODE_SYNTAX.match(text.strip())
    kind = found["kind"] if found else ""
    if found is None or kind not in EPISODE_KINDS:
        msg = (
            f"Episode {text!r}; expected KIND[@START][/HOURSh] with KIND one of "
            f"{', '.join(EPISODE_KINDS)}, e.g. pm10@2026-07-02T06:00+02:00/8h."
        )
        raise ValidationError(msg)
    duration, peak = EPISODE_DEFAULTS[kind]
    start = default_start
    if found["start"]:
        try:
            start = datetime.fromisoformat(found["start"])
        except ValueError:
            start = datetime.min
        if start.tzinfo is None:
            msg = f"Episode start {found['start']!r}; expected an ISO 8601 time with an offset."
            raise ValidationError(msg)
    if found["hours"]:
        duration = timedelta(hours=float(found["hours"]))
    return Episode(kind, start, duration, peak)


def place_sensors(sites: Sequence[Site], count: int, *, seed: int) -> list[SensorDraft]:
    """``count`` sensors in communes drawn by population, a few hundred metres from the point.

    Sensor ``sim-00000`` and every tenth after it is a reference station (PM2.5, PM10, NO2,
    O3); the others are low-cost sensors (PM2.5, PM10, temperature).
    """
    if not sites or count < 1:
        msg = f"{count} sensors over {len(sites)} communes; expected at least one of each."
        raise ValidationError(msg)
    rng = np.random.default_rng(seed)
    weights = np.array([max(s.population, 1) for s in sites], dtype=np.float64)
    chosen = rng.choice(len(sites), size=count, p=weights / weights.sum())
    drafts = []
    for number, index in enumerate(chosen.tolist()):
        site = sites[index]
        kind: SensorKind = "reference" if number % REFERENCE_EVERY == 0 else "low_cost"
        east_m, north_m = rng.normal(0.0, 300.0, size=2)
        drafts.append(
            SensorDraft(
                id=f"sim-{number:05d}",
                name=f"Capteur simulé {number} ({site.code})",
                kind=kind,
                # 111,320 m per degree of latitude; longitude degrees shrink with cos(lat).
                lon=site.lon + east_m / (111_320.0 * math.cos(math.radians(site.lat))),
                lat=site.lat + north_m / 111_320.0,
                quantities=REFERENCE_UNITS if kind == "reference" else LOW_COST_UNITS,
                commune_code=site.code,
                operator="healthycity simulator",
            )
        )
    return drafts


def _bell(hour: float, centre: float, width: float) -> float:
    return math.exp(-(((hour - centre) / width) ** 2))


def baseline(quantity: Quantity, moment: datetime, *, urban: float = 1.0) -> float:
    """The typical level of ``quantity`` at ``moment`` (canonical unit), before episodes.

    ``urban`` scales traffic and heating pollution (1 for a town of ~30,000 people).

    >>> from datetime import UTC
    >>> round(baseline(Quantity.TEMPERATURE, datetime(2026, 7, 15, 13, tzinfo=UTC)), 1)
    25.5
    """
    local = moment.astimezone(LOCAL_TIME)
    hour = local.hour + local.minute / 60 + local.second / 3600
    # 1 in mid-July, -1 in mid-January: the seasonal cycle.
    summer = -math.cos(2 * math.pi * (local.timetuple().tm_yday - 15) / 365.25)
    if quantity is Quantity.TEMPERATURE:
        return 11.5 + 8.5 * summer + 5.5 * math.cos(2 * math.pi * (hour - 15) / 24)
    if quantity is Quantity.NO2:
        return urban * (12 + 20 * _bell(hour, 8, 1.5) + 15 * _bell(hour, 19, 2))
    if quantity is Quantity.O3:
        sun = math.pow(max(0.0, math.sin(math.pi * (hour - 9) / 12)), 1.5)
        return 40 + (25 + 20 * summer) * sun
    heating = 1 + 0.4 * max(0.0, -summer)
    pm25 = urban * heating * (8 + 5 * _bell(hour, 8, 2) + 8 * _bell(hour, 21, 3))
    if quantity is Quantity.PM25:
        return pm25
    if quantity is Quantity.PM10:
        return 1.6 * pm25 + 4  # coarse particles add to the fine ones
    msg = f"No simulated level for {quantity.value}; expected pm25, pm10, no2, o3 or temperature."
    raise ValidationError(msg)


def episode_boost(quantity: Quantity, moment: datetime, episodes: Sequence[Episode]) -> float:
    """What the episodes under way add to ``quantity`` at ``moment``."""
    boost = 0.0
    local = moment.astimezone(LOCAL_TIME)
    hour = local.hour + local.minute / 60
    sun = math.pow(max(0.0, math.sin(math.pi * (hour - 9) / 12)), 1.5)
    for episode in episodes:
        strength = episode.strength(moment)
        if not strength:
            continue
        if episode.kind == "pm10" and quantity in (Quantity.PM10, Quantity.PM25):
            boost += strength * episode.peak * (1.0 if quantity is Quantity.PM10 else 0.55)
        elif (episode.kind, quantity) in (("ozone", Quantity.O3), ("heat", Quantity.TEMPERATURE)):
            boost += strength * episode.peak
        elif episode.kind == "heat" and quantity is Quantity.O3:
            boost += strength * 40.0 * sun
    return boost


def _urban_factor(population: int) -> float:
    """1 for ~30,000 inhabitants, 0.6 for a village of a few hundred, 1.3 for a city."""
    return min(max(1 + 0.15 * math.log10(max(population, 100) / 30_000), 0.6), 1.3)


class ReadingGenerator:
    """Rounds of readings: every simulated sensor reports every quantity once per ``step``."""

    def __init__(
        self,
        sensors: Sequence[SensorDraft],
        *,
        populations: dict[str, int],
        episodes: Sequence[Episode] = (),
        step: timedelta = timedelta(minutes=1),
        seed: int = 0,
    ) -> None:
        self.rng = np.random.default_rng(seed)
        self.series = [(s.id, q, s.kind) for s in sensors for q in s.quantities]
        self.urban = np.array([_urban_factor(populations.get(s.commune_code or "", 30_000))
                               for s in sensors for _ in s.quantities])  # fmt: skip
        lows, highs = zip(*(BIAS_RANGE[kind] for _, _, kind in self.series), strict=True)
        self.bias = self.rng.uniform(lows, highs) if self.series else np.zeros(0)
        self.sd = np.array([NOISE_SD[kind] for _, _, kind in self.series])
        self.phi = math.exp(-(step / NOISE_MEMORY))
        self.noise = self.rng.normal(0.0, 1.0, len(self.series)) * self.sd
        self.episodes = tuple(episodes)
        self.step = step

    def round_at(self, moment: datetime) -> list[dict[str, object]]:
        """The readings of every series at ``moment``; advances the noise by one step."""
        innovation = self.rng.normal(0.0, 1.0, len(self.series)) * self.sd
        self.noise = self.phi * self.noise + math.sqrt(1 - self.phi**2) * innovation
        stamp = moment.isoformat()
        readings: list[dict[str, object]] = []
        for i, (sensor_id, quantity, _) in enumerate(self.series):
            urban = float(self.urban[i]) if quantity in (Quantity.NO2, Quantity.PM25,
                                                         Quantity.PM10) else 1.0  # fmt: skip
            level = baseline(quantity, moment, urban=urban)
            level += episode_boost(quantity, moment, self.episodes)
            spec = spec_of(quantity)
            if quantity is Quantity.TEMPERATURE:
                value = level + 0.3 + 2.0 * float(self.noise[i])  # in °C, not a ratio
            else:
                value = level * float(self.bias[i]) * math.exp(float(self.noise[i]))
            value = min(max(value, spec.min_plausible), spec.max_plausible)
            readings.append({"sensor_id": sensor_id, "quantity": quantity.value,
                             "observed_at": stamp, "value": round(value, 2)})  # fmt: skip
        return readings

    def rounds(self, start: datetime) -> Iterator[tuple[datetime, list[dict[str, object]]]]:
        """Endless rounds from ``start``, one ``step`` apart."""
        moment = start
        while True:
            yield moment, self.round_at(moment)
            moment += self.step

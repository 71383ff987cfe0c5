"""The sensor simulator: diurnal cycles, episodes, placement, noise statistics, reproducibility."""

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthycity.environment.quality import QcFlag, Series, run_qc
from healthycity.environment.quantities import Quantity, spec_of
from healthycity.environment.simulation import (
    LOCAL_TIME,
    Episode,
    ReadingGenerator,
    Site,
    baseline,
    episode_boost,
    parse_episode,
    place_sensors,
)
from healthycity.errors import ValidationError

JULY_15 = datetime(2026, 7, 15, tzinfo=LOCAL_TIME)
SITES = [Site("58194", 3.159, 46.99, 33_000), Site("58086", 3.69, 47.22, 9_000),
         Site("58001", 3.20, 47.30, 300)]  # fmt: skip


def local(day: datetime, hour: float) -> datetime:
    return day + timedelta(hours=hour)


def daily(quantity: Quantity, day: datetime, episodes=()) -> list[float]:
    return [baseline(quantity, local(day, h)) + episode_boost(quantity, local(day, h), episodes)
            for h in range(24)]  # fmt: skip


def test_baseline_temperature_hand_computed() -> None:
    # 15 July: day of year 196, summer = -cos(2π·181/365.25) = 0.99961.
    summer = -math.cos(2 * math.pi * 181 / 365.25)
    assert baseline(Quantity.TEMPERATURE, local(JULY_15, 15)) == pytest.approx(
        11.5 + 8.5 * summer + 5.5
    )
    assert baseline(Quantity.TEMPERATURE, local(JULY_15, 3)) == pytest.approx(
        11.5 + 8.5 * summer - 5.5
    )


def test_baseline_cycles_peak_at_the_expected_hours() -> None:
    temperature = daily(Quantity.TEMPERATURE, JULY_15)
    ozone = daily(Quantity.O3, JULY_15)
    no2 = daily(Quantity.NO2, JULY_15)
    assert int(np.argmax(temperature)) == 15
    assert int(np.argmin(temperature)) == 3
    assert 14 <= int(np.argmax(ozone)) <= 16
    assert no2[8] > no2[13] < no2[19]  # morning and evening rush hours
    assert max(ozone) < 180  # no information threshold without an episode
    winter = daily(Quantity.PM25, datetime(2026, 1, 15, tzinfo=LOCAL_TIME))
    assert sum(winter) > sum(daily(Quantity.PM25, JULY_15))  # heating season


def test_episodes_cross_the_information_thresholds() -> None:
    # code de l'environnement art. R221-1: PM10 50 µg/m³ (daily mean), O3 180 µg/m³ (hourly).
    pm10 = Episode("pm10", local(JULY_15, 6), timedelta(hours=12), 120.0)
    ozone = Episode("ozone", local(JULY_15, 11), timedelta(hours=8), 110.0)
    heat = Episode("heat", local(JULY_15, -24), timedelta(hours=72), 9.0)

    assert np.mean(daily(Quantity.PM10, JULY_15, [pm10])) > 50
    assert np.mean(daily(Quantity.PM10, JULY_15)) < 50
    assert max(daily(Quantity.O3, JULY_15, [ozone])) > 180
    hot, normal = daily(Quantity.TEMPERATURE, JULY_15, [heat]), daily(Quantity.TEMPERATURE, JULY_15)
    assert [h - n for h, n in zip(hot, normal, strict=True)] == pytest.approx([9.0] * 24)
    assert episode_boost(Quantity.PM10, local(JULY_15, 5), [pm10]) == 0  # not started yet
    assert episode_boost(Quantity.NO2, local(JULY_15, 12), [pm10, ozone, heat]) == 0


def test_parse_episode_reads_kind_start_and_length() -> None:
    start = datetime(2026, 7, 1, tzinfo=UTC)
    assert parse_episode("ozone", default_start=start) == Episode(
        "ozone", start, timedelta(hours=8), 110.0
    )
    found = parse_episode("pm10@2026-07-02T06:00+02:00/3.5h", default_start=start)
    assert (found.start.isoformat(), found.duration) == (
        "2026-07-02T06:00:00+02:00",
        timedelta(hours=3.5),
    )


@pytest.mark.parametrize("text", ["smog", "pm10@yesterday", "pm10@2026-07-02T06:00", "heat/2d"])
def test_parse_episode_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValidationError, match=r"^Episode"):
        parse_episode(text, default_start=datetime(2026, 7, 1, tzinfo=UTC))


def test_place_sensors_is_seeded_and_mixes_kinds_by_population() -> None:
    drafts = place_sensors(SITES, 200, seed=7)

    assert drafts == place_sensors(SITES, 200, seed=7)
    assert drafts != place_sensors(SITES, 200, seed=8)
    assert [d.id for d in drafts[:2]] == ["sim-00000", "sim-00001"]
    assert [d.kind for d in drafts].count("reference") == 20
    assert set(drafts[0].quantities) == {Quantity.PM25, Quantity.PM10, Quantity.NO2, Quantity.O3}
    communes = [d.commune_code for d in drafts]
    # Drawn in proportion to population: 33,000 : 9,000 : 300.
    assert communes.count("58194") > communes.count("58086") > communes.count("58001")
    nevers = [d for d in drafts if d.commune_code == "58194"]
    assert max(abs(d.lat - 46.99) for d in nevers) < 0.02  # within ~2 km of the point


def test_place_sensors_needs_sites_and_a_count() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        place_sensors([], 3, seed=0)


def generator(seed: int = 0, step: timedelta = timedelta(minutes=10)) -> ReadingGenerator:
    drafts = place_sensors(SITES, 20, seed=seed)
    return ReadingGenerator(drafts, populations={s.code: s.population for s in SITES},
                            step=step, seed=seed)  # fmt: skip


def test_reading_generator_is_reproducible_and_complete() -> None:
    start = datetime(2026, 7, 1, tzinfo=UTC)
    first = [r for _, r in zip(range(3), generator(3).rounds(start), strict=False)]
    again = [r for _, r in zip(range(3), generator(3).rounds(start), strict=False)]

    assert first == again
    moments = [m for m, _ in first]
    assert moments == [start, start + timedelta(minutes=10), start + timedelta(minutes=20)]
    # 2 reference stations x 4 quantities + 18 low-cost sensors x 3 quantities.
    assert [len(readings) for _, readings in first] == [62, 62, 62]
    assert first[0][1][0]["observed_at"] == start.isoformat()


@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
)
def test_reading_generator_stays_within_physical_ranges(seed: int, start: datetime) -> None:
    episodes = [Episode(kind, start, timedelta(hours=6), peak * 3)
                for kind, peak in (("pm10", 400.0), ("ozone", 300.0), ("heat", 20.0))]  # fmt: skip
    drafts = place_sensors(SITES, 10, seed=seed)
    simulated = ReadingGenerator(drafts, populations={}, episodes=episodes, seed=seed)
    for _, (_, readings) in zip(range(30), simulated.rounds(start), strict=False):
        for reading in readings:
            spec = spec_of(Quantity(reading["quantity"]))
            assert spec.min_plausible <= reading["value"] <= spec.max_plausible


def residuals(kind: str) -> np.ndarray:
    """log(value / baseline) of the PM2.5 series of one kind of sensor over two days."""
    simulated = generator(11)
    start = datetime(2026, 7, 1, tzinfo=UTC)
    kinds = {d.id: d.kind for d in place_sensors(SITES, 20, seed=11)}
    out = []
    for _, (_, readings) in zip(range(288), simulated.rounds(start), strict=False):
        out += [r["value"] for r in readings
                if r["quantity"] == "pm25" and kinds[str(r["sensor_id"])] == kind]  # fmt: skip
    return np.log(np.asarray(out))


def test_low_cost_sensors_are_noisier_than_reference_stations() -> None:
    low_cost, reference = (
        np.std(np.diff(residuals("low_cost"))),
        np.std(np.diff(residuals("reference"))),
    )
    # Noise 15 % vs 5 % (AR(1), same memory): step-to-step spread about three times larger.
    assert 2.0 < low_cost / reference < 4.5


def test_simulated_series_pass_quality_control() -> None:
    simulated = generator(5, step=timedelta(hours=1))
    start = datetime(2026, 7, 1, tzinfo=UTC)
    by_series: dict[tuple[str, str], list[tuple[datetime, float]]] = {}
    for _, (moment, readings) in zip(range(24 * 7), simulated.rounds(start), strict=False):
        for r in readings:
            key = (str(r["sensor_id"]), str(r["quantity"]))
            by_series.setdefault(key, []).append((moment, float(r["value"])))
    flagged = 0
    for (_, quantity), points in by_series.items():
        times, values = zip(*points, strict=True)
        flags = run_qc(Series.from_datetimes(Quantity(quantity), times, values))
        flagged += int(np.count_nonzero(flags & (QcFlag.SPIKE | QcFlag.FLAT_LINE)))
    assert flagged == 0

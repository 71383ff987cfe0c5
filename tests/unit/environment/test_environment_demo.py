"""Demo history (pure parts): reading the shipped extracts, and the week-aligned replay."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthycity.config import DEFAULT_DEMO_DATA_DIR
from healthycity.environment.demo import (
    ATMO_FILE,
    FOLDER,
    OPENAQ_FILE,
    REPLAYS,
    SourceReading,
    read_atmo,
    read_openaq,
    replay_period,
    replay_times,
)
from healthycity.environment.quantities import Quantity
from healthycity.errors import RecordError

DATA = DEFAULT_DEMO_DATA_DIR / FOLDER


def test_read_openaq_stamps_each_hourly_mean_at_the_start_of_its_hour() -> None:
    readings = read_openaq(DATA / OPENAQ_FILE)

    paris = sorted((r for r in readings if r.station == "FR04014"), key=lambda r: r.start)
    # First row of FR04014 in the file: date.utc 2019-04-09 01:00:00+00:00, no2 24.4.
    assert (paris[0].quantity, paris[0].start, paris[0].value) == (
        Quantity.NO2, datetime(2019, 4, 9, 0, tzinfo=UTC), 24.4
    )  # fmt: skip
    assert len(paris) == 1676
    assert {(r.station, r.quantity) for r in readings} >= {("London Westminster", Quantity.PM25)}


def test_read_atmo_keeps_validated_hourly_rows_in_utc() -> None:
    stations, readings, skipped = read_atmo(DATA / ATMO_FILE)

    assert {s.id: set(s.quantities) for s in stations} == {
        "FR09015": {Quantity.NO2, Quantity.O3},
        "FR09403": {Quantity.NO2},
        "FR09404": {Quantity.NO2, Quantity.O3},
    }
    assert {s.commune_code for s in stations} == {"86194"}
    assert len(readings) == 40  # 5 station-pollutant series of 8 hours
    first = min(readings, key=lambda r: (r.station, r.quantity, r.start))
    # dat_dbt 2019-01-17 00:00 in Paris is 2019-01-16 23:00 UTC (winter time, UTC+1).
    assert first.start == datetime(2019, 1, 16, 23, tzinfo=UTC)
    assert [s.split(" ")[0] for s in skipped] == ["FR09402"]


def test_read_openaq_names_the_line_of_a_bad_value(tmp_path: Path) -> None:
    bad = tmp_path / "openaq.csv"
    bad.write_text(
        "city,country,date.utc,location,parameter,value,unit\n"
        "Paris,FR,2019-04-09 01:00:00+00:00,FR04014,no2,n/a,µg/m³\n",
        encoding="utf-8",
    )

    with pytest.raises(RecordError, match="line 2: value='n/a'"):
        read_openaq(bad)


def _series(hours: list[int], start: datetime) -> list[SourceReading]:
    return [SourceReading("x", Quantity.NO2, start + timedelta(hours=h), float(h)) for h in hours]


def test_replay_period_is_the_span_rounded_up_to_whole_weeks() -> None:
    start = datetime(2019, 4, 9, tzinfo=UTC)

    assert replay_period(_series([0], start)) == timedelta(weeks=1)
    assert replay_period(_series([0, 7 * 24 - 1], start)) == timedelta(weeks=1)
    assert replay_period(_series([0, 7 * 24], start)) == timedelta(weeks=2)


def test_replay_times_hand_computed() -> None:
    # FR04014's first value (2019-04-09 00:00, a Tuesday) in a 77-day period, replayed before
    # 2026-07-01 12:00: 2640.5 days later, 34 whole periods (2618 days) fit: 2026-06-09 00:00,
    # also a Tuesday. With a lag of one week: 2026-06-16 00:00.
    series = _series([0, 73 * 24 - 1], datetime(2019, 4, 9, tzinfo=UTC))
    now = datetime(2026, 7, 1, 12, tzinfo=UTC)

    assert replay_times(series, lag_weeks=0, now=now)[0][0] == datetime(2026, 6, 9, tzinfo=UTC)
    assert replay_times(series, lag_weeks=1, now=now)[0][0] == datetime(2026, 6, 16, tzinfo=UTC)


@given(
    hours=st.lists(st.integers(0, 24 * 80), min_size=1, max_size=40, unique=True),
    lag=st.integers(0, 3),
    now=st.datetimes(datetime(2020, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC)),
    later=st.timedeltas(timedelta(0), timedelta(days=30)),
)
def test_replay_times_invariants(
    hours: list[int], lag: int, now: datetime, later: timedelta
) -> None:
    series = _series(hours, datetime(2019, 4, 9, tzinfo=UTC))
    period = replay_period(series)

    first = replay_times(series, lag_weeks=lag, now=now)
    second = dict(replay_times(series, lag_weeks=lag, now=now + later))

    for moment, reading in first:
        assert now - period < moment <= now
        assert (moment.weekday(), moment.hour) == (reading.start.weekday(), reading.start.hour)
        if moment in second:  # two imports agree wherever their windows overlap
            assert second[moment] == reading
    assert len({m for m, _ in first}) == len(series)  # one time per reading, no collision


def test_replay_sensors_say_they_are_not_measurements() -> None:
    for replay in REPLAYS:
        draft = replay.draft()
        assert "pas une mesure" in draft.name
        assert draft.operator is not None
        assert draft.operator.startswith("Démonstration healthycity : série rejouée de FR04014")
        assert len(draft.name) <= 200
        assert len(draft.operator) <= 200

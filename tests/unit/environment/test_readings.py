"""Batch validation of readings (checks once per distinct field) against the item-by-item path."""

from datetime import UTC, datetime

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from healthycity.environment._readings import SensorInfo, parse_readings
from healthycity.environment.quantities import Quantity
from healthycity.environment.units import normalise

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
SENSORS = {
    "s1": SensorInfo("active", {"pm25": "µg/m³", "no2": "ppb", "temperature": "°C"}, "58194"),
    "s2": SensorInfo("active", {"pm25": "µg/m³"}, "58086"),
    "old": SensorInfo("retired", {"pm25": "µg/m³"}, "58194"),
}

# Each field drawn among good values and the mistakes a sender makes.
sensor_st = st.sampled_from(["s1", "s1", "s2", "old", "nope", 7, None, ["s1"]])
quantity_st = st.sampled_from(["pm25", "pm25", "no2", "temperature", "pm10", "radon", 3])
unit_st = st.sampled_from([None, None, "µg/m³", "ppb", "°F", "K", "furlong", 12])
time_st = st.sampled_from([
    "2026-07-01T10:00:00+00:00", "2026-07-01T10:00:00Z", "2026-07-01T11:00:00+02:00",
    "2026-07-01T10:00:00", "yesterday", "1989-12-31T23:00:00Z", "2026-07-02T10:00:00Z",
    datetime(2026, 7, 1, 9, tzinfo=UTC), 1751364000, None,
    "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",  # beyond years 1-9999 in UTC
])  # fmt: skip
value_st = st.one_of(
    st.sampled_from(
        [12.5, 12.5, 0, 40, "13.5", " 7 ", "n/a", True, None, 1e9, -400.0, int("9" * 400)]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
)


@st.composite
def item_st(draw: st.DrawFn, *, may_lack_a_field: bool = True) -> object:
    item = {"sensor_id": draw(sensor_st), "quantity": draw(quantity_st),
            "observed_at": draw(time_st), "value": draw(value_st)}  # fmt: skip
    unit = draw(unit_st)
    if unit is not None:
        item["unit"] = unit
    if may_lack_a_field and draw(st.integers(0, 9)) == 0:
        del item[draw(st.sampled_from(list(item)))]
    return item


# Complete objects (the batch checks), or some items that are not (item by item).
batch_st = st.one_of(
    st.lists(item_st(may_lack_a_field=False), max_size=40),
    st.lists(st.one_of(item_st(), st.sampled_from(["text", 3, None, []])), max_size=40),
)


def _outcome(readings: list[object], **options: object):
    columns, errors = parse_readings(readings, SENSORS, now=NOW, **options)
    return (
        columns.index.tolist(),
        columns.sensor,
        columns.quantity.tolist(),
        columns.epoch_us.tolist(),
        np.nan_to_num(columns.value, nan=-1.0).tolist(),
        sorted(errors, key=lambda e: e.index),
    )


@settings(max_examples=300, deadline=None)
@given(batch_st)
def test_parse_readings_batch_checks_match_the_item_by_item_checks(readings) -> None:
    assert _outcome(readings) == _outcome(readings, one_by_one=True)


@settings(max_examples=100, deadline=None)
@given(st.lists(item_st(may_lack_a_field=False), max_size=40), st.sampled_from([None, {"58194"}]))
def test_parse_readings_batch_checks_match_with_a_scoped_token(readings, communes) -> None:
    assert _outcome(readings, communes=communes) == _outcome(
        readings, communes=communes, one_by_one=True
    )


def test_parse_readings_converts_a_clean_batch_in_order() -> None:
    readings = [
        {"sensor_id": "s1", "quantity": "no2", "observed_at": "2026-07-01T10:00:00Z",
         "value": 10},
        {"sensor_id": "s2", "quantity": "pm25", "observed_at": "2026-07-01T10:00:00Z",
         "value": 4.5},
        {"sensor_id": "s1", "quantity": "temperature", "observed_at": "2026-07-01T10:10:00Z",
         "value": 50, "unit": "°F"},
    ]  # fmt: skip

    columns, errors = parse_readings(readings, SENSORS, now=NOW)

    assert errors == []
    assert columns.index.tolist() == [0, 1, 2]
    assert columns.sensor == ["s1", "s2", "s1"]
    assert columns.value[1] == 4.5
    assert abs(columns.value[2] - 10.0) < 1e-9  # 50 °F
    assert columns.value[0] == normalise(Quantity.NO2, 10.0, "ppb").value

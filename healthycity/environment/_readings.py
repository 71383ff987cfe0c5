"""Parse and validate a batch of raw readings into columns (pure: no I/O).

A reading is a mapping with ``sensor_id``, ``quantity``, ``observed_at`` (ISO 8601 text with a
UTC offset, or an aware ``datetime``), ``value`` (a number, or its text) and an optional
``unit`` (default: the unit the sensor is registered with). Every door (HTTP, NGSI-LD, MQTT)
hands the pipeline such mappings. Items are checked one by one only for what needs Python
objects (types, dictionary look-ups); numeric checks run on whole numpy arrays.
"""

import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import numpy as np
import numpy.typing as npt

from healthycity.environment.quality import check_range
from healthycity.environment.quantities import Quantity, spec_of
from healthycity.environment.units import normalise
from healthycity.errors import ValidationError

# Readings more than 5 minutes ahead of the server clock are refused: sensor clocks drift and
# NTP-less micro-sensors are often a minute or two off, but a reading from the future cannot be
# a measurement (healthycity's choice).
MAX_AHEAD = timedelta(minutes=5)
# Automatic air-quality networks in France date from the 1970s-1990s; healthycity keeps no
# reading before 1990 (older archives are not "sensor readings" but historical datasets),
# which also catches epoch-zero timestamps of sensors whose clock was never set.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
EXCERPT_CHARS = 200
_SAFE_INT = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER: larger integers are echoed as text
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
QUANTITIES: tuple[Quantity, ...] = tuple(Quantity)
QUANTITY_INDEX: dict[str, int] = {q.value: i for i, q in enumerate(QUANTITIES)}
FIELDS = ("sensor_id", "quantity", "observed_at", "value")
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ItemError:
    """Why one reading of a batch was not stored: ``field`` had ``value``, ``expected`` this."""

    index: int  # position in the batch
    reason: str  # a short code: unknown_sensor, bad_unit, naive_timestamp…
    field: str
    value: object
    expected: str
    sensor_id: str | None = None
    quantity: str | None = None

    @property
    def message(self) -> str:
        """One sentence for people: the field, its value and what was expected."""
        reason = self.reason.replace("_", " ")
        return f"{self.field}={self.value!r}: {reason}; expected {self.expected}."


@dataclass(frozen=True)
class SensorInfo:
    """What validation needs of a sensor: its status and the unit of each quantity it measures."""

    status: str
    units: Mapping[str, str]
    commune_code: str = ""


@dataclass
class Columns:
    """The readings that passed validation, as equally long columns (canonical units, UTC µs)."""

    index: npt.NDArray[np.int64]  # position in the batch
    sensor: list[str]
    quantity: npt.NDArray[np.int64]  # position in QUANTITIES
    epoch_us: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]

    def take(self, keep: npt.NDArray[np.bool_]) -> "Columns":
        """The rows where ``keep`` is true."""
        return Columns(
            index=self.index[keep],
            sensor=[s for s, k in zip(self.sensor, keep.tolist(), strict=True) if k],
            quantity=self.quantity[keep],
            epoch_us=self.epoch_us[keep],
            value=self.value[keep],
        )


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> object:
    """A JSON-safe, bounded copy of a received value, to echo it in errors and quarantine."""
    if value is None or (isinstance(value, int) and abs(value) <= _SAFE_INT):  # bool: an int
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _epoch_us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _parse_time(raw: object) -> int | tuple[str, str]:
    """µs since the epoch, or (reason, expected)."""
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            return "bad_timestamp", "an ISO 8601 time with a UTC offset, e.g. 2026-07-01T10:00:00Z"
    elif isinstance(raw, datetime):
        moment = raw
    else:
        return "bad_type", "an ISO 8601 time text"
    if moment.tzinfo is None or moment.utcoffset() is None:
        return "naive_timestamp", "a time with a UTC offset (Z or ±hh:mm)"
    return _epoch_us(moment)


def parse_value(raw: object) -> float | None:
    """A reading's value as a float (beyond a double: infinite), or None if it is no number."""
    if type(raw) is float:
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        try:
            return float(raw)
        except OverflowError:  # past a double, like JSON's 1e999: refused as not_finite
            return math.inf if raw > 0 else -math.inf
    if isinstance(raw, str):
        try:
            return float(raw.strip())
        except ValueError:
            return None
    return None


class _Builder:
    """Accumulates accepted rows and errors while items are checked one by one."""

    def __init__(self, sensors: Mapping[str, SensorInfo], communes: Collection[str] | None) -> None:
        self.sensors = sensors
        self.communes = communes
        self.errors: list[ItemError] = []
        self.index: list[int] = []
        self.sensor: list[str] = []
        self.quantity: list[int] = []
        self.epoch_us: list[int] = []
        self.value: list[float] = []
        self.scale: list[float] = []
        self.offset: list[float] = []
        self._times: dict[object, int | tuple[str, str]] = {}
        self._units: dict[tuple[str, str], tuple[float, float] | str] = {}
        self._bulk: Columns | None = None  # rows accepted by ``add_all`` (before ``add``'s)
        self._bulk_conversion: tuple[Floats, Floats] = (np.zeros(0), np.zeros(0))

    def fail(self, index: int, reason: str, field: str, value: object, expected: str,
             sensor: object = None, quantity: object = None) -> None:  # fmt: skip
        self.errors.append(
            ItemError(index, reason, field, excerpt(value), expected,
                      sensor if isinstance(sensor, str) else None,
                      quantity if isinstance(quantity, str) else None)
        )  # fmt: skip

    def conversion(self, quantity: str, unit: str) -> tuple[float, float] | str:
        """(offset, scale) to the canonical unit, or the error message of ``units.normalise``.

        Every conversion of ``units.py`` is affine (a scale, or °F/K offsets), so two calls of
        ``normalise`` give it exactly and the whole column converts at once.
        """
        key = (quantity, unit)
        if key not in self._units:
            try:
                zero = normalise(Quantity(quantity), 0.0, unit).value
                one = normalise(Quantity(quantity), 1.0, unit).value
                self._units[key] = (zero, one - zero)
            except ValidationError as exc:
                self._units[key] = str(exc)
        return self._units[key]

    def time(self, raw: object) -> int | tuple[str, str]:
        """Parsed time, cached: a batch repeats the same few timestamps."""
        try:
            return self._times[raw]
        except KeyError:
            parsed = self._times[raw] = _parse_time(raw)
            return parsed
        except TypeError:  # unhashable
            return _parse_time(raw)

    def declared_unit(self, sensor: str, quantity: str) -> str | tuple[str, str, object, str]:
        """The unit the sensor reports ``quantity`` in, or (reason, field, value, expected)."""
        info = self.sensors.get(sensor)
        if info is None:
            return "unknown_sensor", "sensor_id", sensor, "the id of a registered sensor"
        if self.communes is not None and info.commune_code not in self.communes:
            return ("out_of_scope", "sensor_id", sensor,
                    "a sensor inside the territory your token is scoped to")  # fmt: skip
        if info.status != "active":
            return ("inactive_sensor", "sensor_id", sensor,
                    f"an active sensor (its status is {info.status})")  # fmt: skip
        declared = info.units.get(quantity)
        if declared is None:
            reason = "quantity_not_measured" if quantity in QUANTITY_INDEX else "unknown_quantity"
            return reason, "quantity", quantity, f"one of {', '.join(info.units)}"
        return declared

    def add(self, i: int, item: object) -> None:
        if not isinstance(item, Mapping):
            expected = "an object with sensor_id, quantity, observed_at, value, unit"
            return self.fail(i, "not_an_object", "item", item, expected)
        missing = [f for f in FIELDS if f not in item]
        sensor, quantity = item.get("sensor_id"), item.get("quantity")
        if missing:
            return self.fail(i, "missing_field", missing[0], None, "a value", sensor, quantity)
        raw_time, raw_value, unit = item["observed_at"], item["value"], item.get("unit")
        if not isinstance(sensor, str):
            return self.fail(i, "bad_type", "sensor_id", sensor, "a text")
        if not isinstance(quantity, str):
            return self.fail(i, "bad_type", "quantity", quantity, "a text", sensor)
        declared = self.declared_unit(sensor, quantity)
        if isinstance(declared, tuple):
            return self.fail(i, *declared, sensor, quantity)
        if unit is not None and not isinstance(unit, str):
            return self.fail(i, "bad_type", "unit", unit, "a text", sensor, quantity)
        conversion = self.conversion(quantity, declared if unit is None else unit)
        if isinstance(conversion, str):
            return self.fail(i, "bad_unit", "unit", unit, conversion, sensor, quantity)
        value = parse_value(raw_value)
        if value is None:
            return self.fail(i, "bad_type", "value", raw_value, "a number", sensor, quantity)
        moment = self.time(raw_time)
        if isinstance(moment, tuple):
            return self.fail(i, moment[0], "observed_at", raw_time, moment[1], sensor, quantity)
        self.index.append(i)
        self.sensor.append(sensor)
        self.quantity.append(QUANTITY_INDEX[quantity])
        self.epoch_us.append(moment)
        self.value.append(value)
        self.offset.append(conversion[0])
        self.scale.append(conversion[1])
        return None

    def _accepted(
        self, sensor: object, quantity: object, unit: object
    ) -> tuple[int, float, float] | None:
        """(quantity index, offset, scale) if ``add`` accepts these fields, else None."""
        if not isinstance(sensor, str) or not isinstance(quantity, str):
            return None
        declared = self.declared_unit(sensor, quantity)
        if isinstance(declared, tuple) or (unit is not None and not isinstance(unit, str)):
            return None
        conversion = self.conversion(quantity, declared if unit is None else unit)
        if isinstance(conversion, str):
            return None
        return QUANTITY_INDEX[quantity], conversion[0], conversion[1]

    def add_all(self, readings: Sequence[object]) -> None:
        """``add`` every item, the checks running once per distinct sensor, unit and time.

        The fields of all items are read at once; items whose sensor, quantity and unit,
        time and value all pass are accepted together, and the others go through ``add``
        (which names their error). A batch whose items are not all objects holding the four
        fields, with hashable values, is checked item by item.
        """
        try:
            if not readings or not all(type(item) is dict for item in readings):
                raise TypeError
            items: Sequence[dict[str, object]] = readings  # type: ignore[assignment]  # checked
            sensors = [item["sensor_id"] for item in items]
            times = [item["observed_at"] for item in items]
            raw_values = [item["value"] for item in items]
            keys: dict[tuple[object, object, object], int] = {}
            key_codes = [
                keys.setdefault(key, len(keys))
                for key in zip(sensors, [item["quantity"] for item in items],
                               [item.get("unit") for item in items], strict=True)
            ]  # fmt: skip
            moments: dict[object, int] = {}
            time_codes = [moments.setdefault(raw, len(moments)) for raw in times]
        except (KeyError, TypeError):  # not all objects, a missing field, an unhashable value
            for i, item in enumerate(readings):
                self.add(i, item)
            return
        # Per distinct (sensor, quantity, unit): quantity index (-1: refused), offset, scale.
        series = np.array([self._accepted(*key) or (-1, 0.0, 0.0) for key in keys]).reshape(-1, 3)
        parsed = [self.time(raw) for raw in moments]
        time_ok = np.array([type(t) is int for t in parsed], dtype=bool)
        epoch = np.array([t if type(t) is int else 0 for t in parsed], dtype=np.int64)
        if all(type(v) is float for v in raw_values):
            value_ok = np.ones(len(items), dtype=bool)
            values = np.array(raw_values, dtype=np.float64)
        else:
            numbers = [v if type(v) is float else parse_value(v) for v in raw_values]
            value_ok = np.array([v is not None for v in numbers], dtype=bool)
            values = np.array([math.nan if v is None else v for v in numbers], dtype=np.float64)
        key_at, time_at = np.asarray(key_codes), np.asarray(time_codes)
        found = series[key_at]
        ok = (found[:, 0] >= 0) & time_ok[time_at] & value_ok
        for i in np.flatnonzero(~ok).tolist():
            self.add(i, readings[i])  # the error of the item (``add`` refuses it)
        rows = np.flatnonzero(ok)
        kept = sensors if rows.size == len(items) else [sensors[i] for i in rows.tolist()]
        self._bulk = Columns(
            index=rows,
            sensor=cast("list[str]", kept),  # texts: ``_accepted`` checked them
            quantity=found[rows, 0].astype(np.int64),
            epoch_us=epoch[time_at[rows]],
            value=values[rows],
        )
        self._bulk_conversion = (found[rows, 1], found[rows, 2])

    def columns(self) -> tuple[Columns, Floats, Floats]:
        """The accepted rows in batch order, and each one's (offset, scale) conversion."""
        single = Columns(
            index=np.asarray(self.index, dtype=np.int64),
            sensor=self.sensor,
            quantity=np.asarray(self.quantity, dtype=np.int64),
            epoch_us=np.asarray(self.epoch_us, dtype=np.int64),
            value=np.asarray(self.value, dtype=np.float64),
        )
        offset, scale = np.asarray(self.offset), np.asarray(self.scale)
        if self._bulk is None:
            return single, offset, scale
        bulk = self._bulk
        if not self.index:
            return bulk, *self._bulk_conversion
        order = np.argsort(np.concatenate([bulk.index, single.index]), kind="stable")
        sensor = [*bulk.sensor, *single.sensor]
        merged = Columns(
            index=np.concatenate([bulk.index, single.index])[order],
            sensor=[sensor[i] for i in order.tolist()],
            quantity=np.concatenate([bulk.quantity, single.quantity])[order],
            epoch_us=np.concatenate([bulk.epoch_us, single.epoch_us])[order],
            value=np.concatenate([bulk.value, single.value])[order],
        )
        offsets = np.concatenate([self._bulk_conversion[0], offset])[order]
        scales = np.concatenate([self._bulk_conversion[1], scale])[order]
        return merged, offsets, scales


_NUMBER_REASONS = ("", "not_finite", "out_of_range", "future_timestamp", "too_old")


def _check_numbers(
    columns: Columns, raw_values: npt.NDArray[np.float64], now: datetime, errors: list[ItemError]
) -> Columns:
    """Vectorised checks: finite value, physical range, time neither ahead nor too old."""
    reason = np.zeros(len(columns.index), dtype=np.int8)  # index in _NUMBER_REASONS
    reason[~np.isfinite(raw_values)] = 1
    for q in np.unique(columns.quantity).tolist():
        rows = (columns.quantity == q) & (reason == 0)
        outside = check_range(QUANTITIES[q], columns.value[rows]) != 0
        reason[np.flatnonzero(rows)[outside]] = 2
    latest, earliest = _epoch_us(now + MAX_AHEAD), _epoch_us(EARLIEST)
    reason[(reason == 0) & (columns.epoch_us > latest)] = 3
    reason[(reason == 0) & (columns.epoch_us < earliest)] = 4
    refused = np.flatnonzero(reason)
    for row in refused.tolist():
        errors.append(_number_error(columns, row, _NUMBER_REASONS[reason[row]],
                                    float(raw_values[row]), now))  # fmt: skip
    return columns.take(reason == 0) if refused.size else columns


def _utc_text(epoch_us: int) -> str:
    """ISO 8601 text of a time in UTC, even beyond the years 1 to 9999 ``datetime`` holds."""
    try:
        return (_EPOCH + timedelta(microseconds=epoch_us)).isoformat()
    except OverflowError:  # e.g. 9999-12-31T23:59:59-14:00, in year 10000 once in UTC
        return str(np.datetime_as_string(np.datetime64(epoch_us, "us"), timezone="UTC"))


def _number_error(columns: Columns, row: int, reason: str, raw: float, now: datetime) -> ItemError:
    quantity = QUANTITIES[int(columns.quantity[row])]
    spec = spec_of(quantity)
    moment = _utc_text(int(columns.epoch_us[row]))
    field, value, expected = {
        "not_finite": ("value", excerpt(raw), "a finite number"),
        "out_of_range": ("value", raw, f"{spec.min_plausible:g} to {spec.max_plausible:g} "
                         f"{spec.canonical_unit} once converted ({spec.range_source})"),
        "future_timestamp": ("observed_at", moment,
                             f"a time before {(now + MAX_AHEAD).isoformat()} (clock + 5 min)"),
        "too_old": ("observed_at", moment, f"a time after {EARLIEST.isoformat()}"),
    }[reason]  # fmt: skip
    return ItemError(int(columns.index[row]), reason, field, value, expected,
                     columns.sensor[row], quantity.value)  # fmt: skip


def parse_readings(
    readings: Sequence[object],
    sensors: Mapping[str, SensorInfo],
    *,
    now: datetime,
    communes: Collection[str] | None = None,
    one_by_one: bool = False,
) -> tuple[Columns, list[ItemError]]:
    """Split a batch into valid readings (converted to canonical units) and item errors.

    Parameters
    ----------
    readings
        Raw items as the door received them.
    sensors
        The registered sensors named in the batch (others are unknown).
    now
        The server time, for the future-timestamp check.
    communes
        If given, readings of sensors located elsewhere are refused (``out_of_scope``).
    one_by_one
        Check each item on its own (the reference the batch checks are tested against).

    Returns
    -------
    tuple
        The valid readings as columns, and one ``ItemError`` per invalid item.
    """
    builder = _Builder(sensors, communes)
    if one_by_one:
        for i, item in enumerate(readings):
            builder.add(i, item)
    else:
        builder.add_all(readings)
    columns, offset, scale = builder.columns()
    raw_values = columns.value
    with np.errstate(invalid="ignore", over="ignore"):  # inf or huge values: refused below
        columns.value = offset + scale * raw_values
        return _check_numbers(columns, raw_values, now, builder.errors), builder.errors

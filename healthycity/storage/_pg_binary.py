"""PostgreSQL's binary wire format for whole columns, laid out with numpy: arrays and COPY rows.

psycopg dumps a Python list as an array one element at a time, in Python (a ``struct.pack``
per value): for the 5,000-row columns of an ingestion batch that took longer than the
database took to insert the rows (bench/ingest.py, profiled with cProfile). Here a column
becomes its binary form in a few vectorised steps: each field is a fixed-width byte matrix
(4-byte length, then the value, padded) with the number of bytes each row uses, and the used
bytes are kept, row by row, with one boolean mask.

Formats: PostgreSQL documentation, "COPY" (binary format) and the ``array_send`` /
``timestamptz_send`` functions (integer microseconds since 2000-01-01 UTC, big-endian).
"""

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from psycopg import adapt, adapters, pq
from psycopg.abc import AdaptContext

Kind = Literal["int2", "int4", "int8", "float8", "timestamptz", "text", "varchar"]
NULL_US = int(np.iinfo(np.int64).min)  # a NULL time in µs columns
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 UTC, PostgreSQL's time origin, in Unix µs
# (element oid, array oid), from PostgreSQL's pg_type catalogue.
OIDS: dict[Kind, tuple[int, int]] = {
    "int2": (21, 1005),
    "int4": (23, 1007),
    "int8": (20, 1016),
    "float8": (701, 1022),
    "timestamptz": (1184, 1185),
    "text": (25, 1009),
    "varchar": (1043, 1015),
}
_FIXED: dict[Kind, str] = {
    "int2": ">i2",
    "int4": ">i4",
    "int8": ">i8",
    "float8": ">f8",
    "timestamptz": ">i8",
}
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
Bytes = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class _Field:
    """One value per row: ``data[i, :used[i]]`` is row i's length word and bytes."""

    data: Bytes  # (rows, width)
    used: npt.NDArray[np.int64]  # (rows,)
    has_null: bool


def _fixed_field(kind: Kind, values: npt.NDArray[np.generic]) -> _Field:
    fmt = _FIXED[kind]
    if kind == "timestamptz":
        null = values == NULL_US
        payload: npt.NDArray[np.generic] = np.where(null, 0, values - PG_EPOCH_US)
    elif kind == "float8":
        null = np.isnan(values)  # NaN is NULL, as SQLite stores it
        payload = values
    else:
        null = np.zeros(values.shape, dtype=bool)
        info = np.iinfo(np.dtype(fmt))
        if values.size and (values.min() < info.min or values.max() > info.max):
            msg = f"Values from {values.min()} to {values.max()}; expected {kind} values."
            raise ValueError(msg)
        payload = values
    width = np.dtype(fmt).itemsize
    record = np.empty(values.size, dtype=[("length", ">i4"), ("value", fmt)])
    record["length"] = np.where(null, -1, width)
    record["value"] = payload
    data = record.view(np.uint8).reshape(values.size, 4 + width)
    return _Field(data, np.where(null, 4, 4 + width), bool(null.any()))


def _text_field(values: Sequence[str | None], encoding: str) -> _Field:
    """Strings are encoded once per distinct value (a batch repeats a few hundred ids)."""
    index: dict[str | None, int] = {}
    codes = np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values)
    )
    distinct = list(index)
    encoded = [b"" if v is None else v.encode(encoding) for v in distinct]
    is_null = np.array([v is None for v in distinct], dtype=bool)
    lengths = np.array([len(b) for b in encoded], dtype=np.int64)
    width = int(lengths.max(initial=0))
    table = np.zeros((len(distinct), 4 + width), dtype=np.uint8)
    words = np.where(is_null, -1, lengths).astype(">i4")
    table[:, :4] = words.view(np.uint8).reshape(len(distinct), 4)
    if width:
        table[:, 4:] = np.array(encoded, dtype=f"S{width}").view(np.uint8).reshape(-1, width)
    used = np.where(is_null, 4, 4 + lengths)
    return _Field(table[codes], used[codes], bool(is_null.any()))


def _field(kind: Kind, values: object, encoding: str) -> _Field:
    if kind in _FIXED:
        return _fixed_field(kind, np.asarray(values))
    return _text_field(values, encoding)  # type: ignore[arg-type]  # text kinds hold strings


def _rows_bytes(fields: Sequence[_Field]) -> bytes:
    """The used bytes of every field, row after row."""
    data = np.hstack([f.data for f in fields])
    if all(bool((f.used == f.data.shape[1]).all()) for f in fields):
        return data.tobytes()
    mask = np.hstack([np.arange(f.data.shape[1]) < f.used[:, None] for f in fields])
    return data[mask].tobytes()


def array_bytes(kind: Kind, values: object, *, encoding: str = "utf-8") -> bytes:
    """The binary form of a one-dimensional array of ``kind`` holding ``values``."""
    element_oid = OIDS[kind][0]
    field = _field(kind, values, encoding)
    count = field.data.shape[0]
    if not count:
        return struct.pack(">iii", 0, 0, element_oid)
    head = struct.pack(">iiiii", 1, int(field.has_null), element_oid, count, 1)
    return head + _rows_bytes([field])


def copy_bytes(columns: Sequence[tuple[Kind, object]], count: int, *, encoding: str) -> bytes:
    """A binary ``COPY … FROM STDIN`` stream of ``count`` rows, one (kind, values) per column."""
    fields = [_field(kind, values, encoding) for kind, values in columns]
    width = np.empty(count, dtype=">i2")
    width[:] = len(fields)
    lead = _Field(width.view(np.uint8).reshape(count, 2), np.full(count, 2), has_null=False)
    return _COPY_HEADER + _rows_bytes([lead, *fields]) + _COPY_TRAILER


class ArrayParam:
    """An array parameter already in binary form; ``array_param`` makes one of each kind."""

    __slots__ = ("data",)
    oid = 0  # of the array type: each kind has its subclass

    def __init__(self, data: bytes) -> None:
        self.data = data


class _ArrayParamDumper(adapt.Dumper):
    format = pq.Format.BINARY

    def __init__(self, cls: type, context: AdaptContext | None = None) -> None:
        super().__init__(cls, context)
        self.oid = cls.oid  # type: ignore[attr-defined]  # an ArrayParam subclass

    def dump(self, obj: ArrayParam) -> bytes:
        return obj.data


_PARAM_TYPES: dict[Kind, type[ArrayParam]] = {}
for _kind, (_, _array_oid) in OIDS.items():
    _PARAM_TYPES[_kind] = type(f"ArrayParam_{_kind}", (ArrayParam,), {"oid": _array_oid})
    adapters.register_dumper(_PARAM_TYPES[_kind], _ArrayParamDumper)


def array_param(kind: Kind, values: object, *, encoding: str = "utf-8") -> ArrayParam:
    """A query parameter (``%b``) holding ``values`` as an array of ``kind``."""
    return _PARAM_TYPES[kind](array_bytes(kind, values, encoding=encoding))

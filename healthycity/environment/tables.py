"""Tables of the environment domain: sensors, observations, aggregates, latest values, quarantine.

Times are ``DateTime(timezone=True)`` in UTC. Values are in the canonical unit of their
quantity (``quantities.py``); ``flags`` holds the ``quality.QcFlag`` bits.

Design notes (measured in ``bench/ingest.py``):

* ``env_observations`` has one index only, its primary key (sensor, quantity, observed_at):
  it makes ingestion idempotent, serves every per-sensor time range and keeps writes cheap.
  The time-series tables have no foreign key to ``env_sensors``: a foreign-key check per row
  (a trigger query in PostgreSQL) cost more than the insert itself. The pipeline checks every
  sensor, and it and ``sensors.delete_sensor`` hold the same write lock, so no reading can
  be stored for a sensor being deleted.
* ``env_latest`` holds the last value of each (sensor, quantity), upserted by the ingestion
  pipeline in the same transaction. "Latest value of every sensor" is then a scan of a table
  with one row per series instead of a greatest-per-group query over millions of rows. It
  also carries the quality-control state of the series (the last two values, and where the
  last few start), so the recent history of a batch is one primary-key read per series.
* ``env_hourly`` (UTC hours) is maintained on ingest with additive upserts of per-batch
  partial aggregates (count, sum, min, max): one upsert row per series and hour touched, and
  never a re-scan of raw data. Daily aggregates are folded from the (at most 24) hourly rows
  of each day when read: a stored daily table cost one more upsert per series per batch,
  the most expensive statement of the batch on PostgreSQL, to save a sum over 24 rows.
  Values flagged ``OUT_OF_RANGE`` or ``DUPLICATE_CONFLICT`` are not counted (they must not
  feed indices).
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)

from healthycity.storage.metadata import metadata

SENSOR_ID_LENGTH = 128
# Tables whose rows every batch updates leave half of each page free, so that PostgreSQL
# rewrites a row in place (a HOT update, no index write): measured twice as fast.
_UPDATED_FILLFACTOR = 50

sensors = Table(
    "env_sensors",
    metadata,
    Column("id", String(SENSOR_ID_LENGTH), primary_key=True),  # chosen by the operator
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # reference | low_cost
    Column("lon", Float, nullable=False),  # WGS84
    Column("lat", Float, nullable=False),
    Column("commune_code", String(16), nullable=False),
    Column("operator", String(200)),
    Column("status", String(16), nullable=False),  # active | inactive | retired
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "commune_code"),
)

sensor_quantities = Table(
    "env_sensor_quantities",
    metadata,
    Column(
        "sensor_id",
        String(SENSOR_ID_LENGTH),
        ForeignKey("env_sensors.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("quantity", String(32), primary_key=True),
    Column("unit", String(16), nullable=False),  # the unit the sensor reports in
)

# One row, whose ``version`` the database itself raises (triggers of migration
# environment_0003) on every change to ``env_sensors`` or ``env_sensor_quantities``, whoever
# makes it. The ingestion pipeline validates a batch before taking the write lock and, under
# it, compares this number instead of re-reading the batch's sensors (bench/ingest.py).
registry_version = Table(
    "env_registry_version",
    metadata,
    Column("id", SmallInteger, primary_key=True),  # always 1
    Column("version", BigInteger, nullable=False),
)

observations = Table(
    "env_observations",
    metadata,
    Column("sensor_id", String(SENSOR_ID_LENGTH), primary_key=True),
    Column("quantity", String(32), primary_key=True),
    Column("observed_at", DateTime(timezone=True), primary_key=True),
    Column("value", Float, nullable=False),  # canonical unit
    Column("flags", SmallInteger, nullable=False),  # quality.QcFlag bits
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("door", String(8), nullable=False),  # http | ngsi-ld | mqtt
)


hourly = Table(
    "env_hourly",
    metadata,
    Column("sensor_id", String(SENSOR_ID_LENGTH), primary_key=True),
    Column("quantity", String(32), primary_key=True),
    Column("period_start", DateTime(timezone=True), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("value_sum", Float, nullable=False),
    Column("value_min", Float, nullable=False),
    Column("value_max", Float, nullable=False),
    postgresql_with={"fillfactor": _UPDATED_FILLFACTOR},
)

latest = Table(
    "env_latest",
    metadata,
    Column("sensor_id", String(SENSOR_ID_LENGTH), primary_key=True),
    Column("quantity", String(32), primary_key=True),
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("value", Float, nullable=False),
    Column("flags", SmallInteger, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # The value before the last one: with it, the spike check of the last value can run when
    # the next arrives, without reading the observations table.
    Column("prev_observed_at", DateTime(timezone=True)),
    Column("prev_value", Float),
    # observed_at of the oldest of the last few stored values: the history a flat line
    # continuing into a new batch needs (read only when the next value repeats the last one).
    Column("context_from", DateTime(timezone=True), nullable=False),
    postgresql_with={"fillfactor": _UPDATED_FILLFACTOR},
)

quarantine = Table(
    "env_quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("door", String(8), nullable=False),
    Column("sensor_id", String(200)),  # as received; the sensor may not exist
    Column("quantity", String(64)),
    Column("reason", String(40), nullable=False),
    Column("field", String(40), nullable=False),
    Column("value", Text),  # bounded excerpt
    Column("expected", Text, nullable=False),
    Column("payload", Text),  # bounded excerpt of the raw item
    Index(None, "received_at"),
)


# The Atmo France pollen index as published (published_pollen.py): one row per commune and
# day, replaced by a later import of the same commune and day. Columns keep the Atmo Data
# field names, so a row can be traced back to the file it came from.
published_pollen = Table(
    "env_published_pollen",
    metadata,
    Column("day", Date, primary_key=True),  # date_ech
    Column("commune_code", String(16), primary_key=True),  # code_zone (INSEE)
    Column("code_qual", SmallInteger, nullable=False),
    *(Column(name, SmallInteger, nullable=False)
      for name in ("code_ambr", "code_arm", "code_aul", "code_boul", "code_gram", "code_oliv")),
    *(Column(name, Float)
      for name in ("conc_ambr", "conc_arm", "conc_aul", "conc_boul", "conc_gram", "conc_oliv")),
    Column("lib_qual", String(40)),
    Column("pollen_resp", String(200)),
    Column("alerte", Boolean),
    Column("lib_zone", String(200), nullable=False),
    Column("date_maj", DateTime(timezone=True), nullable=False),
    Column("date_dif", Date),
    Column("source", String(200)),  # the publishing AASQA
    Column("aasqa", String(16)),
    Column("imported_from", String(300), nullable=False),  # file name, or "api"
    Column("imported_at", DateTime(timezone=True), nullable=False),
)  # fmt: skip

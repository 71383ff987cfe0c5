"""Tables of alert delivery: subscriptions, the communes they cover, the outbox, counters.

Targeting must find the recipients of an alert on a département among a million
subscriptions in under a second, so a subscription's places (communes, EPCI,
départements) are expanded to communes when it is confirmed, into
``delivery_subscription_places`` keyed by ``(commune_code, subscription_id)`` with the
subscription's hazard bits and channel copied beside them. Targeting is then one indexed
join with the communes an alert covers (``alert_areas``), and the fan-out one
``INSERT … SELECT`` into ``delivery_outbox``.

Only confirmed subscriptions have place rows: pending and unsubscribed ones are never
targeted.

The outbox is written a million rows at a time, so every index on it costs a million
insertions (measured on PostgreSQL 15: 4 indexes and ``ON CONFLICT`` took 14–31 s for
1,000,000 rows, the 2 below with a plain insert in key order 3–4 s). It has two:

- the primary key ``id``, which *is* the pair (message, recipient):
  ``alert_id · 2³² + subscription_id`` (:func:`models.notification_id`). It keeps one
  notification per recipient and message without a second unique index or a sequence,
  gives the idempotency key the channels send, and finds a message's rows (statistics,
  the recipients of an Update or Cancel) as one key range;
- a partial index on ``available_at`` of the rows still to send, for the claim.

No foreign keys either, on purpose (a check per row), and no index on
``subscription_id``: rows of a deleted subscription are marked ``skipped`` by the
dispatcher when it reaches them, which it must check anyway.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)

from healthycity.storage.metadata import metadata

# On SQLite an INTEGER PRIMARY KEY is the rowid itself (64-bit): the table is stored in
# key order and needs no separate index for it.
_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")

# The outbox rows a worker may claim. The claim repeats this predicate word for word:
# SQLite uses a partial index only when the query has the same terms, with literals, not
# bound parameters (SQLite "Partial Indexes" §2.2), and PostgreSQL proves it by the same.
CLAIMABLE = "status IN ('pending', 'sending')"

subscriptions = Table(
    "delivery_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # models.SubscriberKind
    Column("channel", String(16), nullable=False),
    Column("address", String(2048), nullable=False),  # e-mail, E.164 phone or webhook URL
    # HMAC of the normalised address: rate limits without keeping addresses in counters.
    Column("address_key", String(64), nullable=False),
    Column("language", String(2), nullable=False),
    Column("places", Text, nullable=False),  # JSON list of the territory refs chosen
    Column("hazards", Integer, nullable=False),  # bit set of models.HAZARD_BITS
    Column("audiences", Integer, nullable=False),  # bit set of advice.Audience
    Column("quiet_start_min", SmallInteger),  # minutes after local midnight, Europe/Paris
    Column("quiet_end_min", SmallInteger),
    Column("webhook_format", String(8)),  # json | cap
    Column("status", String(16), nullable=False),  # pending | active | unsubscribed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),  # pending ones expire unconfirmed
    Index(None, "status", "expires_at"),
    Index(None, "address_key"),
    # Never reuse the id of a deleted subscription: outbox rows still name it.
    sqlite_autoincrement=True,
)

subscription_places = Table(
    "delivery_subscription_places",
    metadata,
    Column("commune_code", String(16), nullable=False),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("delivery_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # Copies of the subscription's, so that the fan-out reads this table only.
    Column("hazards", Integer, nullable=False),
    Column("channel", String(16), nullable=False),
    # The fan-out reads the rows of an alert's communes through the key, and takes the
    # other two columns from it: from the index alone on PostgreSQL (INCLUDE), from the
    # table stored in key order on SQLite (WITHOUT ROWID). A million recipients were
    # read in 1.1 s instead of 2.3 s on PostgreSQL 15, where each row was a heap page.
    PrimaryKeyConstraint(
        "commune_code", "subscription_id", postgresql_include=["hazards", "channel"]
    ),
    Index(None, "subscription_id"),
    sqlite_with_rowid=False,
)

outbox = Table(
    "delivery_outbox",
    metadata,
    # alert_id · 2³² + subscription_id (models.notification_id): the idempotency key.
    Column("id", _BIG_ID, primary_key=True, autoincrement=False),
    Column("alert_id", Integer),  # alerts.id; NULL for a subscription's confirmation request
    Column("subscription_id", Integer, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("status", String(12), nullable=False),  # models.OutboxStatus
    Column("attempts", SmallInteger, nullable=False),
    # When the row may next be claimed: its creation, a retry's backoff, the end of quiet
    # hours, or the end of a worker's lease (a crashed worker's rows come back then).
    Column("available_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(80)),
    Column("sent_at", DateTime(timezone=True)),
    Column("last_error", String(300)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(
        "ix_delivery_outbox_claimable",
        "available_at",
        postgresql_where=text(CLAIMABLE),
        sqlite_where=text(CLAIMABLE),
    ),
)

rate_counters = Table(
    "delivery_rate_counters",
    metadata,
    Column("key", String(120), primary_key=True),  # e.g. channel:email, ip:…, address:…
    Column("window", BigInteger, primary_key=True),  # epoch seconds // window length
    Column("count", Integer, nullable=False),
)

channel_limits = Table(
    "delivery_channel_limits",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("per_second", Float, nullable=False),
)

"""Tables of the alerts domain: CAP messages, the communes they cover, rule states, cursors.

Each row of ``alerts`` is one CAP message (an Alert, or an Update or Cancel of one); its
XML, exactly as published, is in ``cap_xml`` and the other columns index it. Messages of
one episode form a chain: every Update and Cancel points at the chain's first message
(``original_id``) and the message it replaces gets ``superseded_by``/``superseded_at``, so
"in force at time t" is a range test (``sent <= t < superseded_at``) and past states can
still be asked.

``alert_areas`` holds, for each message, the territories it was issued for
(``is_given``) and every commune they cover: a filter on a territory is then "any
covered commune inside it", one indexed look-up whatever the levels involved.
"""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from healthycity.storage.metadata import metadata

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("identifier", String(200), nullable=False),  # CAP identifier
    Column("sender", String(200), nullable=False),
    Column("sent", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # Actual | Exercise | Test | System | Draft
    Column("msg_type", String(16), nullable=False),  # Alert | Update | Cancel
    Column("cap_references", Text),  # CAP references: "sender,identifier,sent" triples
    Column("event", String(200), nullable=False),
    Column("hazard", String(32), nullable=False),  # levels.Hazard
    Column("level", String(32)),  # on the hazard's scale, when known
    Column("category", String(100), nullable=False),  # CAP categories, space-separated
    Column("urgency", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("certainty", String(16), nullable=False),
    Column("headline_fr", Text),
    Column("headline_en", Text),
    Column("description_fr", Text),
    Column("description_en", Text),
    Column("instruction_fr", Text),
    Column("instruction_en", Text),
    Column("areas", Text, nullable=False),  # JSON list of territory refs or area descriptions
    Column("effective", DateTime(timezone=True), nullable=False),
    Column("expires", DateTime(timezone=True)),
    Column("source", String(16), nullable=False),  # rule | manual | imported
    Column("rule_id", String(100)),
    Column("episode", String(300)),  # rules.RuleEvent.episode, shared by a rule's chain
    Column("created_by", Integer, ForeignKey("api_tokens.id", ondelete="SET NULL")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("original_id", Integer, ForeignKey("alerts.id")),
    Column("superseded_by", Integer, ForeignKey("alerts.id")),
    Column("superseded_at", DateTime(timezone=True)),
    Column("draft", Text),  # JSON of compose.AlertDraft, what updates start from; None if imported
    Column("cap_xml", Text, nullable=False),
    UniqueConstraint("sender", "identifier"),
    Index(None, "sent"),
    Index(None, "original_id"),
    Index(None, "episode"),
)

alert_areas = Table(
    "alert_areas",
    metadata,
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True),
    Column("level", String(16), primary_key=True),
    Column("code", String(16), primary_key=True),
    Column("is_given", Boolean, nullable=False),  # named by the message, not only covered
    Index(None, "level", "code"),
)

rule_states = Table(
    "alert_rule_states",
    metadata,
    Column("rule_id", String(100), primary_key=True),
    Column("territory", String(40), primary_key=True),
    Column("state", Text, nullable=False),  # JSON of rules.EpisodeState
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# How far an automatic evaluation has read its input (e.g. the ``received_at`` of the newest
# environmental reading the alert watcher has evaluated), so that a restarted watcher goes on
# from there. Written in the transaction that publishes what the input raised.
feed_cursors = Table(
    "alert_feed_cursors",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

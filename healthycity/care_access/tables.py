"""Tables of the care offer registry (migration branch ``care_access``)."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from healthycity.storage.metadata import metadata

# INSEE BPE counts per commune of the current COG: a commune absent for a (year, typequ)
# that ``count_coverage`` holds for its département has none of that equipment.
offer_counts = Table(
    "care_offer_counts",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("commune_code", String(16), primary_key=True),
    Column("typequ", String(8), primary_key=True),  # BPE equipment type, e.g. D201
    Column("departement_code", String(8), nullable=False),
    Column("count", Integer, nullable=False),
    Index(None, "year", "typequ", "departement_code"),
)

# Which (year, equipment type, département) an import covered, so that a missing commune
# reads 0 where the source was read, and "unknown" elsewhere.
count_coverage = Table(
    "care_count_coverage",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("typequ", String(8), primary_key=True),
    Column("departement_code", String(8), primary_key=True),
    Column("source", String(500), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

facilities = Table(
    "care_facilities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finess", String(9), unique=True),  # 9 characters, leading zero kept
    Column("kind", String(32), nullable=False),
    Column("finess_category", String(120)),
    Column("name", String(300), nullable=False),
    Column("departement_code", String(8), nullable=False),
    Column("commune_code", String(16)),
    Column("lon", Float),
    Column("lat", Float),
    Column("location_precision", String(16), nullable=False),
    Column("coordinates_trusted", Boolean, nullable=False),
    Column("reported_lon", Float),  # a source geocode that was rejected, for audit
    Column("reported_lat", Float),
    Column("address", String(300)),
    Column("postcode", String(5)),
    Column("public_private", String(8)),
    Column("capacity_beds", Integer),
    Column("capacity_rooms", Integer),
    Column("capacity_practitioners", Integer),
    Column("teleconsultation_host", String(16)),
    Column("opening_hours", String(500)),
    Column("source", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "kind", "lat"),
    Index(None, "commune_code"),
    Index(None, "departement_code"),
)

practitioners = Table(
    "care_practitioners",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("profession", String(32), nullable=False),
    Column("specialty", String(32)),
    Column("commune_code", String(16), nullable=False),
    Column("lon", Float),
    Column("lat", Float),
    Column("location_precision", String(16), nullable=False),
    Column("yearly_consultations", Integer),
    Column("activity_year", Integer),
    Column("fte", Float),
    Column("age_band", String(16)),
    Column("structure_id", Integer, ForeignKey("care_facilities.id", ondelete="SET NULL")),
    Column("cpts", String(200)),
    Column("opening_hours", String(500)),
    Column("source", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(None, "profession", "lat"),
    Index(None, "commune_code"),
)

# Saved APL scenarios (migration care_access_0002). The changes and the outcome are JSON
# documents of ``care_access.scenarios`` (``change_to_dict``, ``outcome_to_dict``): what was
# asked and what it gave on the data of ``data_version``; ``setup`` is the APL's provenance.
apl_scenarios = Table(
    "care_apl_scenarios",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("territory", String(40), nullable=False),
    Column("year", Integer, nullable=False),
    Column("provider", String(32), nullable=False),
    Column("supply", String(16), nullable=False),
    Column("include_teleconsultation", Boolean, nullable=False),
    Column("author_token_id", Integer),  # the API token that saved it; none from the CLI
    Column("created_via", String(8), nullable=False),  # "api" or "cli"
    Column("changes", Text, nullable=False),
    Column("setup", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("data_version", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index(None, "territory", "created_at"),
)

"""Tables of the territory domain."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from healthycity.storage.metadata import metadata

territories = Table(
    "territories",
    metadata,
    Column("level", String(16), primary_key=True),
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("search_name", String(200), nullable=False),
    Column("kind", String(40)),  # EPCI type (CC, CA, CU, METRO) or commune zone
    Column("population", Integer),
    Column("area_km2", Float),
    Column("min_lon", Float),
    Column("min_lat", Float),
    Column("max_lon", Float),
    Column("max_lat", Float),
    Column("centroid_lon", Float),
    Column("centroid_lat", Float),
    Column("geometry", Text),  # GeoJSON geometry, WGS84
    Column("geometry_source", String(200)),
    Index(None, "level", "search_name"),
)

territory_links = Table(
    "territory_links",
    metadata,
    Column("child_level", String(16), primary_key=True),
    Column("child_code", String(16), primary_key=True),
    Column("parent_level", String(16), primary_key=True),
    Column("parent_code", String(16), primary_key=True),
    ForeignKeyConstraint(
        ["child_level", "child_code"], ["territories.level", "territories.code"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["parent_level", "parent_code"],
        ["territories.level", "territories.code"],
        ondelete="CASCADE",
    ),
    Index(None, "parent_level", "parent_code", "child_level"),
)

age_bands = Table(
    "territory_age_bands",
    metadata,
    Column("level", String(16), primary_key=True),
    Column("code", String(16), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("band", String(8), primary_key=True),  # "00-04" … "90-94", "95+"
    Column("population", Float, nullable=False),
    Column("is_estimated", Boolean, nullable=False),
    Column("source", String(200), nullable=False),
    ForeignKeyConstraint(
        ["level", "code"], ["territories.level", "territories.code"], ondelete="CASCADE"
    ),
)

imports = Table(
    "territory_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("source", String(500), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

commune_merges = Table(
    "commune_merges",
    metadata,
    Column("code", String(16), primary_key=True),  # former commune (déléguée, associée)
    Column("parent_code", String(16), nullable=False),  # current commune it belongs to
)

"""Tables of API tokens (only their SHA-256 digests are stored)."""

from sqlalchemy import Column, DateTime, Integer, String, Table

from healthycity.storage.metadata import metadata

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),  # first characters, to recognise a token
    Column("role", String(32), nullable=False),
    Column("scope_level", String(16)),
    Column("scope_code", String(16)),
    Column("label", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

"""Alembic migrations of the whole schema (loaded by Alembic, imported by nothing)."""

"""environment: the Atmo France pollen index as published, per commune and day

Revision ID: environment_0002
Revises: environment_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op


revision = "environment_0002"
down_revision = "environment_0001"
branch_labels = None
depends_on = None

_TAXA = ("ambr", "arm", "aul", "boul", "gram", "oliv")


def upgrade() -> None:
    op.create_table(
        "env_published_pollen",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("commune_code", sa.String(length=16), nullable=False),
        sa.Column("code_qual", sa.SmallInteger(), nullable=False),
        *(sa.Column(f"code_{t}", sa.SmallInteger(), nullable=False) for t in _TAXA),
        *(sa.Column(f"conc_{t}", sa.Float(), nullable=True) for t in _TAXA),
        sa.Column("lib_qual", sa.String(length=40), nullable=True),
        sa.Column("pollen_resp", sa.String(length=200), nullable=True),
        sa.Column("alerte", sa.Boolean(), nullable=True),
        sa.Column("lib_zone", sa.String(length=200), nullable=False),
        sa.Column("date_maj", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date_dif", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("aasqa", sa.String(length=16), nullable=True),
        sa.Column("imported_from", sa.String(length=300), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "commune_code", name=op.f("pk_env_published_pollen")),
    )


def downgrade() -> None:
    op.drop_table("env_published_pollen")

"""care_access: saved APL scenarios

Revision ID: care_access_0002
Revises: care_access_0001
Create Date: 2026-11-26 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = "care_access_0002"
down_revision = "care_access_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_apl_scenarios",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("territory", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("supply", sa.String(length=16), nullable=False),
        sa.Column("include_teleconsultation", sa.Boolean(), nullable=False),
        sa.Column("author_token_id", sa.Integer(), nullable=True),
        sa.Column("created_via", sa.String(length=8), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("setup", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("data_version", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_apl_scenarios")),
    )
    with op.batch_alter_table("care_apl_scenarios", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_apl_scenarios_territory_created_at"),
            ["territory", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("care_apl_scenarios", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_apl_scenarios_territory_created_at"))

    op.drop_table("care_apl_scenarios")

"""alerts: feed cursors (how far the alert watcher has read)

Revision ID: alerts_0002
Revises: alerts_0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op


revision = "alerts_0002"
down_revision = "alerts_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_feed_cursors",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_alert_feed_cursors")),
    )


def downgrade() -> None:
    op.drop_table("alert_feed_cursors")

"""alerts_delivery: subscriptions, their communes, the outbox, rate counters and limits

Revision ID: alerts_delivery_0001
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op


revision = "alerts_delivery_0001"
down_revision = "0001"
branch_labels = ("alerts_delivery",)
depends_on = None

# Default sending rates per channel (messages per second), shared by every dispatcher
# through the database; an operator changes them with `healthycity alerts channel-limit`.
DEFAULT_LIMITS = {"email": 100.0, "sms": 10.0, "webhook": 50.0}
# The outbox rows still to send (tables.CLAIMABLE, copied: a migration does not change
# when the code does).
CLAIMABLE = "status IN ('pending', 'sending')"


def upgrade() -> None:
    limits = op.create_table(
        "delivery_channel_limits",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("per_second", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_delivery_channel_limits")),
    )
    op.bulk_insert(limits, [{"channel": c, "per_second": v} for c, v in DEFAULT_LIMITS.items()])
    op.create_table(
        "delivery_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_outbox")),
    )
    with op.batch_alter_table("delivery_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_delivery_outbox_claimable",
            ["available_at"],
            unique=False,
            postgresql_where=sa.text(CLAIMABLE),
            sqlite_where=sa.text(CLAIMABLE),
        )

    op.create_table(
        "delivery_rate_counters",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window", name=op.f("pk_delivery_rate_counters")),
    )
    op.create_table(
        "delivery_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=2048), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("places", sa.Text(), nullable=False),
        sa.Column("hazards", sa.Integer(), nullable=False),
        sa.Column("audiences", sa.Integer(), nullable=False),
        sa.Column("quiet_start_min", sa.SmallInteger(), nullable=True),
        sa.Column("quiet_end_min", sa.SmallInteger(), nullable=True),
        sa.Column("webhook_format", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_subscriptions")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("delivery_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_subscriptions_address_key"), ["address_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_delivery_subscriptions_status_expires_at"),
            ["status", "expires_at"],
            unique=False,
        )

    op.create_table(
        "delivery_subscription_places",
        sa.Column("commune_code", sa.String(length=16), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("hazards", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["delivery_subscriptions.id"],
            name=op.f("fk_delivery_subscription_places_subscription_id_delivery_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "commune_code",
            "subscription_id",
            name=op.f("pk_delivery_subscription_places"),
            postgresql_include=["hazards", "channel"],
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("delivery_subscription_places", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_subscription_places_subscription_id"),
            ["subscription_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("delivery_subscription_places")
    op.drop_table("delivery_subscriptions")
    op.drop_table("delivery_rate_counters")
    op.drop_table("delivery_outbox")
    op.drop_table("delivery_channel_limits")

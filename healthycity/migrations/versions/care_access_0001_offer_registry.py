"""care_access: care offer registry (BPE counts, facilities, practitioners)

Revision ID: care_access_0001
Revises: 0001
Create Date: 2026-11-25 18:40:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = "care_access_0001"
down_revision = "0001"
branch_labels = ("care_access",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_count_coverage",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("typequ", sa.String(length=8), nullable=False),
        sa.Column("departement_code", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "year", "typequ", "departement_code", name=op.f("pk_care_count_coverage")
        ),
    )
    op.create_table(
        "care_facilities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("finess", sa.String(length=9), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("finess_category", sa.String(length=120), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("departement_code", sa.String(length=8), nullable=False),
        sa.Column("commune_code", sa.String(length=16), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("location_precision", sa.String(length=16), nullable=False),
        sa.Column("coordinates_trusted", sa.Boolean(), nullable=False),
        sa.Column("reported_lon", sa.Float(), nullable=True),
        sa.Column("reported_lat", sa.Float(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("postcode", sa.String(length=5), nullable=True),
        sa.Column("public_private", sa.String(length=8), nullable=True),
        sa.Column("capacity_beds", sa.Integer(), nullable=True),
        sa.Column("capacity_rooms", sa.Integer(), nullable=True),
        sa.Column("capacity_practitioners", sa.Integer(), nullable=True),
        sa.Column("teleconsultation_host", sa.String(length=16), nullable=True),
        sa.Column("opening_hours", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_facilities")),
        sa.UniqueConstraint("finess", name=op.f("uq_care_facilities_finess")),
    )
    with op.batch_alter_table("care_facilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_facilities_commune_code"), ["commune_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_facilities_departement_code"), ["departement_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_facilities_kind_lat"), ["kind", "lat"], unique=False
        )

    op.create_table(
        "care_offer_counts",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=16), nullable=False),
        sa.Column("typequ", sa.String(length=8), nullable=False),
        sa.Column("departement_code", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "year", "commune_code", "typequ", name=op.f("pk_care_offer_counts")
        ),
    )
    with op.batch_alter_table("care_offer_counts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_offer_counts_year_typequ_departement_code"),
            ["year", "typequ", "departement_code"],
            unique=False,
        )

    op.create_table(
        "care_practitioners",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("profession", sa.String(length=32), nullable=False),
        sa.Column("specialty", sa.String(length=32), nullable=True),
        sa.Column("commune_code", sa.String(length=16), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("location_precision", sa.String(length=16), nullable=False),
        sa.Column("yearly_consultations", sa.Integer(), nullable=True),
        sa.Column("activity_year", sa.Integer(), nullable=True),
        sa.Column("fte", sa.Float(), nullable=True),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("structure_id", sa.Integer(), nullable=True),
        sa.Column("cpts", sa.String(length=200), nullable=True),
        sa.Column("opening_hours", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["care_facilities.id"],
            name=op.f("fk_care_practitioners_structure_id_care_facilities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_practitioners")),
    )
    with op.batch_alter_table("care_practitioners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_practitioners_commune_code"), ["commune_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_practitioners_profession_lat"), ["profession", "lat"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("care_practitioners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_practitioners_profession_lat"))
        batch_op.drop_index(batch_op.f("ix_care_practitioners_commune_code"))

    op.drop_table("care_practitioners")
    with op.batch_alter_table("care_offer_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_offer_counts_year_typequ_departement_code"))

    op.drop_table("care_offer_counts")
    with op.batch_alter_table("care_facilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_facilities_kind_lat"))
        batch_op.drop_index(batch_op.f("ix_care_facilities_departement_code"))
        batch_op.drop_index(batch_op.f("ix_care_facilities_commune_code"))

    op.drop_table("care_facilities")
    op.drop_table("care_count_coverage")

"""documents.text_extractor_version and work_claims

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("text_extractor_version", sa.String(length=32), nullable=True)
        )
    op.create_table(
        "work_claims",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stage", "document_id"),
    )
    with op.batch_alter_table("work_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_claims_owner"), ["owner"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_claims_owner"))
    op.drop_table("work_claims")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("text_extractor_version")

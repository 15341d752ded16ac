"""passage_vectors and predictions.relevance

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relevance", sa.JSON(), nullable=True))
    op.create_table(
        "passage_vectors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("encoder", sa.String(length=128), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("text_sha256", "encoder"),
    )


def downgrade() -> None:
    op.drop_table("passage_vectors")
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.drop_column("relevance")

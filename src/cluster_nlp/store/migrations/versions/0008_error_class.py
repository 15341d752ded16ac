"""documents.error_class: why a failed file could not be read

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Failures stored before this revision get a class from the start of their message (the
# messages ingestion wrote until then); anything else was a parser giving up on the file.
# A later run with this code parses them again anyway (the text extractor version changed).
_BACKFILL = """
UPDATE documents SET error_class = CASE
    WHEN error LIKE 'encrypted%' THEN 'encrypted'
    WHEN error LIKE 'not a PDF%' THEN 'not_pdf'
    WHEN error LIKE 'empty%' THEN 'empty'
    WHEN error LIKE 'timed out%' THEN 'timeout'
    WHEN error LIKE 'out of memory%' THEN 'resource_limit'
    WHEN error LIKE 'unsupported file type%' OR error LIKE 'not valid UTF-8%'
        OR error LIKE 'cannot read%' THEN 'unsupported'
    ELSE 'corrupt'
END
WHERE status = 'failed'
"""


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_class", sa.String(length=16), nullable=True))
    op.execute(_BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("error_class")

"""The raw archive's record keys and the decoding choice.

- ``archive_records``: one row per archived record (its key, location, URL
  and when it was written), so the store knows what it has archived and a
  document is archived once; a row is written in the transaction that
  stores the first pointer to its record.
- ``failures.raw``: the record of the page that failed.
- ``articles.encoding``/``encoding_source`` and the same on
  ``article_revisions``: how the bytes were decoded.

Rows stored before keep null; existing records get their ``archive_records``
row from ``newsmill archive compact`` (which adopts every record that
something points to). Columns are added and dropped with plain ``ALTER
TABLE``, as in 0005.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_records",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_archive_records_location", "archive_records", ["location"])
    op.add_column("failures", sa.Column("raw", sa.Text))
    for table in ("articles", "article_revisions"):
        op.add_column(table, sa.Column("encoding", sa.String(64)))
        op.add_column(table, sa.Column("encoding_source", sa.String(16)))
    op.execute("UPDATE schema_info SET value = '7' WHERE key = 'version'")


def downgrade() -> None:
    for table in ("article_revisions", "articles"):
        op.drop_column(table, "encoding_source")
        op.drop_column(table, "encoding")
    op.drop_column("failures", "raw")
    op.drop_index("ix_archive_records_location", table_name="archive_records")
    op.drop_table("archive_records")
    op.execute("UPDATE schema_info SET value = '6' WHERE key = 'version'")

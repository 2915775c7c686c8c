"""``template_lines`` and ``template_keys``: the template counts kept with
the articles (newsmill/storage/template_counts.py), so that storing a batch
reads the counts of its own lines instead of every stored paragraph.

The tables are filled here, in the migration's transaction, from the
stored original articles and their ``site.template`` removals
(``TemplateCounts.rebuild``, a part of the articles at a time).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LINK_WHERE = "link AND lines >= 2"


def upgrade() -> None:
    from newsmill.storage.template_counts import TemplateCounts

    op.create_table(
        "template_lines",
        sa.Column("line", sa.BigInteger, nullable=False),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("occurrences", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("line", "site", name="pk_template_lines"),
    )
    op.create_index("ix_template_lines_key", "template_lines", ["key"])
    op.create_table(
        "template_keys",
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("articles", sa.Integer, nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("link", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("key", "site", name="pk_template_keys"),
    )
    op.create_index("ix_template_keys_links", "template_keys", ["key"], sqlite_where=sa.text(LINK_WHERE),
                    postgresql_where=sa.text(LINK_WHERE))
    TemplateCounts.rebuild(op.get_bind())
    op.execute("UPDATE schema_info SET value = '9' WHERE key = 'version'")


def downgrade() -> None:
    op.drop_index("ix_template_keys_links", table_name="template_keys")
    op.drop_table("template_keys")
    op.drop_index("ix_template_lines_key", table_name="template_lines")
    op.drop_table("template_lines")
    op.execute("UPDATE schema_info SET value = '8' WHERE key = 'version'")

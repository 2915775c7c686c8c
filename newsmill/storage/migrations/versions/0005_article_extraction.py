"""``articles.extraction`` and ``article_revisions.extraction``: which
extraction path produced the text (``trafilatura.fast``, ``jsonld``...).

A nullable text column on both tables; rows stored before keep null. The
``canonical_articles`` view lists it after ``image``.

The columns are added and dropped with plain ``ALTER TABLE`` (SQLite 3.35
or newer drops a column in place). Alembic's batch mode would copy
``articles`` into a new table and drop the old one, and with foreign keys
on (they are, and cannot be switched off inside the migration's
transaction) dropping ``articles`` would cascade to every table that
refers to it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CANONICAL = """
    SELECT seq, id, url, canonical_url, site, title, authors, published_at, modified_at,
           fetched_at, language, description, image, {extraction}text, word_count, cluster_id, novelty,
           version, first_seen, last_seen, stored_at
    FROM articles WHERE duplicate_of IS NULL"""


def _canonical_view(*, extraction: bool) -> None:
    op.execute("DROP VIEW IF EXISTS canonical_articles")
    op.execute("CREATE VIEW canonical_articles AS "
               + CANONICAL.format(extraction="extraction, " if extraction else ""))


def upgrade() -> None:
    op.add_column("articles", sa.Column("extraction", sa.Text))
    op.add_column("article_revisions", sa.Column("extraction", sa.Text))
    _canonical_view(extraction=True)
    op.execute("UPDATE schema_info SET value = '5' WHERE key = 'version'")


def downgrade() -> None:
    _canonical_view(extraction=False)  # first: a view that names the column would stop the drop
    op.drop_column("article_revisions", "extraction")
    op.drop_column("articles", "extraction")
    op.execute("UPDATE schema_info SET value = '4' WHERE key = 'version'")

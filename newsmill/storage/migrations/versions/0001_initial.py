"""The first schema: articles, links, removals, fetch log, failures, source state, runs, sketches.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "schema_info",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "articles",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("canonical_url", sa.Text, nullable=False, unique=True),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("authors", sa.Text, nullable=False),
        sa.Column("published_at", TS),
        sa.Column("modified_at", TS),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("description", sa.Text),
        sa.Column("image", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("paragraphs", sa.Text, nullable=False),
        sa.Column("word_count", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("duplicate_of", sa.String(40)),
        sa.Column("similarity", sa.Float),
        sa.Column("cluster_id", sa.String(40), nullable=False),
        sa.Column("novelty", sa.Float),
        sa.Column("source_name", sa.Text, nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("raw", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("stored_at", TS, nullable=False),
    )
    for name, col in (("ix_articles_site", "site"), ("ix_articles_stored_at", "stored_at"),
                      ("ix_articles_duplicate_of", "duplicate_of"), ("ix_articles_cluster_id", "cluster_id"),
                      ("ix_articles_url", "url")):
        op.create_index(name, "articles", [col])
    op.create_table(
        "passage_links",
        sa.Column("article_id", sa.String(40), sa.ForeignKey("articles.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("paragraph", sa.Integer, primary_key=True),
        sa.Column("of_article", sa.String(40), primary_key=True),
        sa.Column("of_paragraph", sa.Integer, primary_key=True),
        sa.Column("similarity", sa.Float, nullable=False),
    )
    op.create_index("ix_passage_links_of_article", "passage_links", ["of_article"])
    op.create_table(
        "boilerplate_removals",
        sa.Column("article_id", sa.String(40), sa.ForeignKey("articles.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
    )
    op.create_index("ix_boilerplate_rule", "boilerplate_removals", ["rule"])
    op.create_table(
        "fetches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(80)),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("final_url", sa.Text),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("elapsed", sa.Float, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("archive", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("site", sa.Text, nullable=False),
    )
    op.create_index("ix_fetches_at", "fetches", ["at"])
    op.create_index("ix_fetches_url", "fetches", ["url"])
    op.create_table(
        "failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(80)),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("last_at", TS, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_index("ix_failures_at", "failures", ["at"])
    op.create_table(
        "source_state",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_seen", TS, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("flow", sa.String(64), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
    )
    op.create_table(
        "sketches",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("article_id", sa.String(40), sa.ForeignKey("articles.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("paragraph", sa.Integer, primary_key=True),
        sa.Column("order_key", sa.Text, nullable=False),
        sa.Column("shingles", sa.LargeBinary, nullable=False),
        sa.Column("params", sa.String(128), nullable=False),
    )
    op.create_table(
        "sketch_bands",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("article_id", sa.String(40), sa.ForeignKey("articles.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("paragraph", sa.Integer, nullable=False),
        sa.UniqueConstraint("kind", "key", "article_id", "paragraph", name="uq_sketch_bands"),
    )
    op.create_index("ix_sketch_bands_article", "sketch_bands", ["article_id"])
    op.bulk_insert(sa.table("schema_info", sa.column("key", sa.String), sa.column("value", sa.Text)),
                   [{"key": "version", "value": "1"}])


def downgrade() -> None:
    for table in ("sketch_bands", "sketches", "runs", "source_state", "failures", "fetches",
                  "boilerplate_removals", "passage_links", "articles", "schema_info"):
        op.drop_table(table)

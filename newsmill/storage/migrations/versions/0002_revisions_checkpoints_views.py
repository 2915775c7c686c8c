"""Article revisions, export checkpoints and the read views.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

VIEWS = {
    "canonical_articles": """
        SELECT seq, id, url, canonical_url, site, title, authors, published_at, modified_at,
               fetched_at, language, description, image, text, word_count, cluster_id, novelty,
               version, first_seen, last_seen, stored_at
        FROM articles WHERE duplicate_of IS NULL""",
    "duplicate_pairs": """
        SELECT d.id AS article_id, d.url AS url, d.site AS site,
               d.duplicate_of AS duplicate_of, o.url AS original_url, o.site AS original_site,
               d.similarity AS similarity, d.cluster_id AS cluster_id
        FROM articles d LEFT JOIN articles o ON o.id = d.duplicate_of
        WHERE d.duplicate_of IS NOT NULL""",
    "passage_pairs": """
        SELECT l.article_id AS article_id, a.url AS url, l.paragraph AS paragraph,
               l.of_article AS of_article, o.url AS of_url, l.of_paragraph AS of_paragraph,
               l.similarity AS similarity
        FROM passage_links l JOIN articles a ON a.id = l.article_id
        LEFT JOIN articles o ON o.id = l.of_article""",
    "clusters": """
        SELECT cluster_id, COUNT(*) AS members, MIN(first_seen) AS first_seen,
               MAX(last_seen) AS last_seen
        FROM articles GROUP BY cluster_id HAVING COUNT(*) > 1""",
    "failures_by_site": """
        SELECT site, stage, status, COUNT(*) AS failures, SUM("count") AS occurrences,
               MAX(last_at) AS last_at
        FROM failures GROUP BY site, stage, status""",
}

PARAGRAPHS = {
    "sqlite": """
        SELECT a.id AS article_id, CAST(p.key AS INTEGER) AS position, p.value AS text
        FROM articles a, json_each(a.paragraphs) AS p""",
    "postgresql": """
        SELECT a.id AS article_id, CAST(p.ord - 1 AS INTEGER) AS position, p.value AS text
        FROM articles a,
             jsonb_array_elements_text(CAST(a.paragraphs AS jsonb)) WITH ORDINALITY AS p(value, ord)""",
}


def upgrade() -> None:
    op.create_table(
        "article_revisions",
        sa.Column("article_id", sa.String(40), sa.ForeignKey("articles.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("authors", sa.Text, nullable=False),
        sa.Column("published_at", TS),
        sa.Column("modified_at", TS),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("paragraphs", sa.Text, nullable=False),
        sa.Column("word_count", sa.Integer, nullable=False),
        sa.Column("raw", sa.Text),
        sa.Column("stored_at", TS, nullable=False),
        sa.Column("replaced_at", TS, nullable=False),
    )
    op.create_table(
        "export_checkpoints",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("after_seq", sa.BigInteger, nullable=False),
        sa.Column("exported", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    for name, sql in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql}")
    if dialect in PARAGRAPHS:
        op.execute(f"CREATE VIEW article_paragraphs AS {PARAGRAPHS[dialect]}")
    op.execute("UPDATE schema_info SET value = '2' WHERE key = 'version'")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS article_paragraphs")
    for name in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    op.drop_table("export_checkpoints")
    op.drop_table("article_revisions")
    op.execute("UPDATE schema_info SET value = '1' WHERE key = 'version'")

"""Compact LSH band rows: ``sketch_bands`` holds ``(key, sid)``, ``sid``
numbering the sketches.

A batch of 200 articles writes ~150k band rows. Each row carried its
sketch's whole key (kind, 40-character article id, paragraph) three times
(table, unique index, article index); inserting them was most of the cost of
storing a batch. Now a row is two integers, indexed by band key (lookups)
and by sketch number (replacing an article's sketches).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SKETCH_KEY = "s.kind = b.kind AND s.article_id = b.article_id AND s.paragraph = b.paragraph"


def upgrade() -> None:
    with op.batch_alter_table("sketches") as batch:
        batch.add_column(sa.Column("sid", sa.BigInteger, nullable=True))
    op.execute(
        "UPDATE sketches SET sid = n.rn FROM (SELECT kind AS k, article_id AS a, paragraph AS p, "
        "row_number() OVER (ORDER BY order_key, article_id, paragraph, kind) AS rn FROM sketches) AS n "
        "WHERE sketches.kind = n.k AND sketches.article_id = n.a AND sketches.paragraph = n.p"
    )
    with op.batch_alter_table("sketches") as batch:
        batch.alter_column("sid", existing_type=sa.BigInteger, nullable=False)
        batch.create_unique_constraint("uq_sketches_sid", ["sid"])
    op.create_table(
        "sketch_bands_v3",
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("sid", sa.BigInteger, nullable=False),
    )
    op.execute(f"INSERT INTO sketch_bands_v3 (key, sid) SELECT b.key, s.sid FROM sketch_bands b "
               f"JOIN sketches s ON {SKETCH_KEY} ORDER BY b.key")
    op.drop_table("sketch_bands")
    op.rename_table("sketch_bands_v3", "sketch_bands")
    op.create_index("ix_sketch_bands_key", "sketch_bands", ["key"])
    op.create_index("ix_sketch_bands_sid", "sketch_bands", ["sid"])
    op.execute("UPDATE schema_info SET value = '3' WHERE key = 'version'")


def downgrade() -> None:
    op.create_table(
        "sketch_bands_v2",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("article_id", sa.String(40), sa.ForeignKey("articles.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("paragraph", sa.Integer, nullable=False),
        sa.UniqueConstraint("kind", "key", "article_id", "paragraph", name="uq_sketch_bands"),
    )
    op.execute("INSERT INTO sketch_bands_v2 (kind, key, article_id, paragraph) "
               "SELECT DISTINCT s.kind, b.key, s.article_id, s.paragraph FROM sketch_bands b "
               "JOIN sketches s ON s.sid = b.sid")
    op.drop_table("sketch_bands")
    op.rename_table("sketch_bands_v2", "sketch_bands")
    op.create_index("ix_sketch_bands_article", "sketch_bands", ["article_id"])
    with op.batch_alter_table("sketches") as batch:
        batch.drop_constraint("uq_sketches_sid", type_="unique")
        batch.drop_column("sid")
    op.execute("UPDATE schema_info SET value = '2' WHERE key = 'version'")

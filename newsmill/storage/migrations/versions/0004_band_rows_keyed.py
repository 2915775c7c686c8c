"""LSH band rows keyed by ``(key, sid)``: on SQLite a ``WITHOUT ROWID``
table (the rows are the index), on PostgreSQL a primary key that answers
band lookups from the index alone.

Looking up a batch's candidates probes ~30k band keys; each match used to
go from the key index to the table row for its sketch number. Now the
number is in the index: a batch's lookup takes about half the time, and a
band row is written to two b-trees instead of three.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _copy_bands(new: str, *, keyed: bool) -> None:
    columns = [sa.Column("key", sa.BigInteger, nullable=False), sa.Column("sid", sa.BigInteger, nullable=False)]
    if keyed:
        op.create_table(new, *columns, sa.PrimaryKeyConstraint("key", "sid", name="pk_sketch_bands"),
                        sqlite_with_rowid=False)
    else:
        op.create_table(new, *columns)
    op.execute(f"INSERT INTO {new} (key, sid) SELECT DISTINCT key, sid FROM sketch_bands ORDER BY key, sid")
    op.drop_table("sketch_bands")
    op.rename_table(new, "sketch_bands")


def upgrade() -> None:
    _copy_bands("sketch_bands_v4", keyed=True)
    op.create_index("ix_sketch_bands_sid", "sketch_bands", ["sid"])
    op.execute("UPDATE schema_info SET value = '4' WHERE key = 'version'")


def downgrade() -> None:
    _copy_bands("sketch_bands_v3", keyed=False)
    op.create_index("ix_sketch_bands_key", "sketch_bands", ["key"])
    op.create_index("ix_sketch_bands_sid", "sketch_bands", ["sid"])
    op.execute("UPDATE schema_info SET value = '3' WHERE key = 'version'")

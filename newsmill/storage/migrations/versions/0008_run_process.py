"""``runs.pid`` and ``runs.host``: the process that runs a run, so that a
run left ``running`` by a process that is gone (killed, the machine
restarted) is marked ``interrupted`` at the next open of the store
(:meth:`newsmill.storage.runlog.RunLog.recover_stale_runs`).

Two nullable columns; runs recorded before keep null (and are left as they
are: nothing says which process ran them). Plain ``ALTER TABLE``, as in
0005.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("pid", sa.Integer))
    op.add_column("runs", sa.Column("host", sa.String(255)))
    op.execute("UPDATE schema_info SET value = '8' WHERE key = 'version'")


def downgrade() -> None:
    op.drop_column("runs", "host")
    op.drop_column("runs", "pid")
    op.execute("UPDATE schema_info SET value = '7' WHERE key = 'version'")

"""Full-text search index (SQLite FTS5, PostgreSQL tsvector with GIN), built
for the articles already stored; SQLite views give times as ISO 8601 with
the offset.

SQLite: ``search_index`` is a contentless FTS5 table (``title``, ``body``;
the ``unicode61`` tokenizer, diacritics folded; the text itself stays in
``articles`` only) whose rowid is the article's ``search_ids.docid``. PostgreSQL: ``search_index`` holds each article's
text-search configuration and ``tsvector`` (title weight A, text D), with a
GIN index. The rows of stored articles are written here, in the migration's
transaction, by ``newsmill.storage.search`` (a later change to what is
indexed comes with a migration that rebuilds the index).

SQLite's read views gave times as the stored text (``2026-12-02
18:37:42.706024``, no offset); they now give ISO 8601 with ``+00:00``, as
exports do (``2026-12-02T18:37:42.706024+00:00``). PostgreSQL's views give
``timestamptz`` already and are not changed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 500


def _iso(column: str) -> str:
    """An SQLite stored time (``YYYY-MM-DD HH:MM:SS[.ffffff]``, UTC) as ISO
    8601 with the offset, as Python's ``isoformat`` writes it (no fraction
    when it is zero); null stays null."""
    return (f"(replace(CASE WHEN substr({column}, 20) IN ('', '.000000') THEN substr({column}, 1, 19) "
            f"ELSE {column} END, ' ', 'T') || '+00:00')")


def _views(*, iso: bool) -> dict[str, str]:
    def ts(column: str, name: str) -> str:
        return f"{_iso(column)} AS {name}" if iso else (column if column == name else f"{column} AS {name}")

    return {
        "canonical_articles": f"""
        SELECT seq, id, url, canonical_url, site, title, authors, {ts('published_at', 'published_at')},
               {ts('modified_at', 'modified_at')}, {ts('fetched_at', 'fetched_at')}, language, description,
               image, extraction, text, word_count, cluster_id, novelty, version,
               {ts('first_seen', 'first_seen')}, {ts('last_seen', 'last_seen')}, {ts('stored_at', 'stored_at')}
        FROM articles WHERE duplicate_of IS NULL""",
        "clusters": f"""
        SELECT cluster_id, COUNT(*) AS members, {ts('MIN(first_seen)', 'first_seen')},
               {ts('MAX(last_seen)', 'last_seen')}
        FROM articles GROUP BY cluster_id HAVING COUNT(*) > 1""",
        "failures_by_site": f"""
        SELECT site, stage, status, COUNT(*) AS failures, SUM("count") AS occurrences,
               {ts('MAX(last_at)', 'last_at')}
        FROM failures GROUP BY site, stage, status""",
    }


def _replace_views(*, iso: bool) -> None:
    for name, sql in _views(iso=iso).items():
        op.execute(f"DROP VIEW IF EXISTS {name}")
        op.execute(f"CREATE VIEW {name} AS {sql}")


def upgrade() -> None:
    from newsmill.storage.search import IndexRow, write_index

    conn = op.get_bind()
    dialect = conn.dialect.name
    configs: frozenset[str] = frozenset()
    if dialect == "postgresql":
        op.execute("CREATE TABLE search_index (article_id VARCHAR(40) PRIMARY KEY "
                   "REFERENCES articles (id) ON DELETE CASCADE, config REGCONFIG NOT NULL, "
                   "document TSVECTOR NOT NULL)")
        op.execute("CREATE INDEX ix_search_index_document ON search_index USING GIN (document)")
        configs = frozenset(r[0] for r in conn.execute(text("SELECT cfgname FROM pg_ts_config")))
    else:
        op.execute("CREATE TABLE search_ids (docid INTEGER PRIMARY KEY AUTOINCREMENT, "
                   "article_id VARCHAR(40) NOT NULL UNIQUE)")
        op.execute("CREATE VIRTUAL TABLE search_index USING fts5(title, body, content = '', "
                   "tokenize = 'unicode61 remove_diacritics 2')")
        # Merge segments 8 at a time (FTS5's default: 4): a fifth less CPU per
        # indexed article at ingest, queries as fast (benchmarks/search_bench.py).
        op.execute("INSERT INTO search_index (search_index, rank) VALUES ('automerge', 8)")
        _replace_views(iso=True)
    after = 0
    while True:
        batch = conn.execute(text("SELECT seq, id, language, title, text FROM articles WHERE seq > :after "
                                  "ORDER BY seq LIMIT :n"), {"after": after, "n": BATCH}).all()
        if not batch:
            break
        write_index(conn, [IndexRow(r.id, r.language, r.title, r.text) for r in batch], configs)
        after = batch[-1].seq
    op.execute("UPDATE schema_info SET value = '6' WHERE key = 'version'")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS search_index")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_ids")
        _replace_views(iso=False)
    op.execute("UPDATE schema_info SET value = '5' WHERE key = 'version'")

"""The store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Every column is documented in ``docs/schema.md``. This module describes the
newest schema; stores get there through the Alembic revisions in
``newsmill/storage/migrations/versions`` (a change here needs a new revision,
a ``SCHEMA_VERSION`` bump and a CHANGELOG entry; a test checks that the
revisions and this module agree).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

SCHEMA_VERSION = 9

metadata = MetaData()

Timestamp = DateTime(timezone=True)

schema_info = Table(
    "schema_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("canonical_url", Text, nullable=False, unique=True),
    Column("site", Text, nullable=False),
    Column("title", Text),
    Column("authors", Text, nullable=False, default="[]"),
    Column("published_at", Timestamp),
    Column("modified_at", Timestamp),
    Column("fetched_at", Timestamp, nullable=False),
    Column("language", String(16)),
    Column("description", Text),
    Column("image", Text),
    Column("extraction", Text),  # which extraction path made `text` (migration 0005)
    Column("encoding", String(64)),  # how the bytes were decoded (migration 0007)
    Column("encoding_source", String(16)),
    Column("text", Text, nullable=False),
    Column("paragraphs", Text, nullable=False),
    Column("word_count", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("duplicate_of", String(40)),
    Column("similarity", Float),
    Column("cluster_id", String(40), nullable=False),
    Column("novelty", Float),
    Column("source_name", Text, nullable=False),
    Column("source_kind", String(16), nullable=False),
    Column("source_url", Text, nullable=False),
    Column("raw", Text),
    Column("version", Integer, nullable=False, default=1),
    Column("first_seen", Timestamp, nullable=False),
    Column("last_seen", Timestamp, nullable=False),
    Column("stored_at", Timestamp, nullable=False),
)
Index("ix_articles_site", articles.c.site)
Index("ix_articles_stored_at", articles.c.stored_at)
Index("ix_articles_duplicate_of", articles.c.duplicate_of)
Index("ix_articles_cluster_id", articles.c.cluster_id)
Index("ix_articles_url", articles.c.url)

passage_links = Table(
    "passage_links",
    metadata,
    Column("article_id", String(40), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("paragraph", Integer, primary_key=True),
    Column("of_article", String(40), primary_key=True),
    Column("of_paragraph", Integer, primary_key=True),
    Column("similarity", Float, nullable=False),
)
Index("ix_passage_links_of_article", passage_links.c.of_article)

boilerplate_removals = Table(
    "boilerplate_removals",
    metadata,
    Column("article_id", String(40), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("rule", String(64), nullable=False),
)
Index("ix_boilerplate_rule", boilerplate_removals.c.rule)

fetches = Table(
    "fetches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(80)),
    Column("url", Text, nullable=False),
    Column("final_url", Text),
    Column("status", String(32), nullable=False),
    Column("http_status", Integer),
    Column("bytes", BigInteger, nullable=False, default=0),
    Column("elapsed", Float, nullable=False, default=0.0),
    Column("attempts", Integer, nullable=False, default=1),
    Column("reason", Text, nullable=False, default=""),
    Column("at", Timestamp, nullable=False),
    Column("archive", Text),
    Column("source", Text, nullable=False),
    Column("site", Text, nullable=False),
)
Index("ix_fetches_at", fetches.c.at)
Index("ix_fetches_url", fetches.c.url)

failures = Table(
    "failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(80)),
    Column("url", Text, nullable=False),
    Column("stage", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("at", Timestamp, nullable=False),
    Column("last_at", Timestamp, nullable=False),
    Column("count", Integer, nullable=False, default=1),
    Column("site", Text, nullable=False, default=""),
    Column("source", Text, nullable=False, default=""),
    Column("raw", Text),  # the raw-archive record of the page that failed (migration 0007)
)
Index("ix_failures_at", failures.c.at)

# The raw archive's records, one row per record key (migration 0007): what
# the store knows it has archived, so a document is archived once. A row is
# written in the transaction that stores the first pointer to its record
# (an article's or revision's ``raw``, a failure's ``raw``, a fetch's
# ``archive``), so a record without a row is one nothing points to.
archive_records = Table(
    "archive_records",
    metadata,
    Column("key", String(40), primary_key=True),  # newsmill.storage.archive.record_key
    Column("location", Text, nullable=False),  # path#offset=N&length=N
    Column("url", Text, nullable=False),
    Column("at", Timestamp, nullable=False),
)
Index("ix_archive_records_location", archive_records.c.location)

source_state = Table(
    "source_state",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_seen", Timestamp, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("flow", String(64), nullable=False),
    Column("params", Text, nullable=False, default="{}"),
    Column("started_at", Timestamp, nullable=False),
    Column("finished_at", Timestamp),
    Column("status", String(16), nullable=False),
    Column("counts", Text, nullable=False, default="{}"),
    # The process running it (migration 0008): a run left `running` by a
    # process that is gone is marked interrupted at the next open.
    Column("pid", Integer),
    Column("host", String(255)),
)

sketches = Table(
    "sketches",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("article_id", String(40), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("paragraph", Integer, primary_key=True),
    Column("order_key", Text, nullable=False),
    Column("shingles", LargeBinary, nullable=False),
    Column("params", String(128), nullable=False),
    # The sketch's number, which its band rows refer to (two integers per
    # row, not the sketch's whole key: migration 0003).
    Column("sid", BigInteger, nullable=False),
    UniqueConstraint("sid", name="uq_sketches_sid"),
)

# One row per (band key, sketch number), keyed by both (migration 0004): a
# band lookup is answered by the key alone, without a visit to a table row
# (SQLite: WITHOUT ROWID, the rows are the index).
sketch_bands = Table(
    "sketch_bands",
    metadata,
    Column("key", BigInteger, nullable=False),
    Column("sid", BigInteger, nullable=False),
    PrimaryKeyConstraint("key", "sid", name="pk_sketch_bands"),
    sqlite_with_rowid=False,
)
Index("ix_sketch_bands_sid", sketch_bands.c.sid)

article_revisions = Table(
    "article_revisions",
    metadata,
    Column("article_id", String(40), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text),
    Column("authors", Text, nullable=False),
    Column("published_at", Timestamp),
    Column("modified_at", Timestamp),
    Column("fetched_at", Timestamp, nullable=False),
    Column("description", Text),
    Column("extraction", Text),  # migration 0005
    Column("encoding", String(64)),  # migration 0007
    Column("encoding_source", String(16)),
    Column("text", Text, nullable=False),
    Column("paragraphs", Text, nullable=False),
    Column("word_count", Integer, nullable=False),
    Column("raw", Text),
    Column("stored_at", Timestamp, nullable=False),
    Column("replaced_at", Timestamp, nullable=False),
)

# Template evidence kept with the articles (migration 0009,
# newsmill/storage/template_counts.py): per exact line (a signed 64-bit hash
# of its text) and site, how often the site's original articles carry it
# (lines of MAX_CHARS characters and MAX_WORDS words or fewer), and per line
# key (the hash of the case- and space-folded line) and site, in how many
# original articles it is, with the occurrences of its short lines.
template_lines = Table(
    "template_lines",
    metadata,
    Column("line", BigInteger, nullable=False),
    Column("site", Text, nullable=False),
    Column("key", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("occurrences", Integer, nullable=False),
    PrimaryKeyConstraint("line", "site", name="pk_template_lines"),
)
Index("ix_template_lines_key", template_lines.c.key)

template_keys = Table(
    "template_keys",
    metadata,
    Column("key", BigInteger, nullable=False),
    Column("site", Text, nullable=False),
    Column("articles", Integer, nullable=False),
    Column("lines", Integer, nullable=False),
    Column("link", Boolean, nullable=False),
    PrimaryKeyConstraint("key", "site", name="pk_template_keys"),
)
# The keys that may link two sites (a long enough line recurring on a site):
# few, read by every batch to find the publisher groups.
LINK_WHERE = "link AND lines >= 2"
Index("ix_template_keys_links", template_keys.c.key, sqlite_where=text(LINK_WHERE),
      postgresql_where=text(LINK_WHERE))

export_checkpoints = Table(
    "export_checkpoints",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("after_seq", BigInteger, nullable=False),
    Column("exported", BigInteger, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

# The full-text search index (migration 0006) differs by backend and is not
# described here: SQLite has the FTS5 table `search_index` (with its shadow
# tables `search_index_*`) and `search_ids`, PostgreSQL the table
# `search_index` (tsvector, GIN index). See newsmill/storage/search.py.
SEARCH_PREFIX = "search_"

VIEWS = ("canonical_articles", "duplicate_pairs", "passage_pairs", "clusters", "failures_by_site",
         "article_paragraphs")

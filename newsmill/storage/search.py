"""Full-text search over the stored articles: SQLite FTS5, PostgreSQL
``tsvector`` with a GIN index (migration 0006 builds it for stores made
before).

The index holds every stored article (duplicates too: whether one is a
duplicate is read from ``articles`` at query time, so hand-overs and
relinks never leave it behind) and is written in the transaction that
writes the article: :meth:`SearchIndex.replace` from ``Articles.write`` for
new and changed articles, :meth:`SearchIndex.delete` from the prune. A
crash between the two writes loses both.

What is indexed is the title and the text, made searchable the same way on
both backends by :func:`index_text`: runs of a script written without
spaces (Han, kana, Thai...) become overlapping character bigrams, so
``地震`` is found inside ``北京地震局``. PostgreSQL stems with the
configuration of the article's language where it has one
(:data:`CONFIGS`; ``simple`` otherwise: Kazakh, Chinese...); SQLite's
``unicode61`` tokenizer folds case and diacritics but does not stem (a word
matches as written; ``word*`` matches its prefix on both backends).

Ranking: SQLite ``bm25`` with the title weighted ``TITLE_WEIGHT`` times the
text; PostgreSQL ``ts_rank`` with the title as weight A and the text as D
(``ts_rank``'s default weights: A counts ten times D). Snippets are cut
from the article's text in Python, the same on both backends
(:func:`snippet`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text

from newsmill.storage import schema as t
from newsmill.storage.db import Database, chunks, sanitize, utc

# Runs of the scripts written without spaces between words (Thai, Lao,
# Tibetan, Myanmar, Khmer, kana, Han): indexed as overlapping bigrams.
_UNSPACED_BLOCKS = ((0x0E00, 0x0FFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3040, 0x30FF), (0x3400, 0x4DBF),
                    (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))
_UNSPACED_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _UNSPACED_BLOCKS)
_UNSPACED_RUN = re.compile(f"[{_UNSPACED_CLASS}]+")
_UNSPACED_CHAR = re.compile(f"[{_UNSPACED_CLASS}]")
# Combining marks belong to their word (Devanagari and Thai vowel signs,
# Arabic harakat), as they do for the backends' tokenizers, though ``\w``
# does not count them.
_MARKS = re.escape("".join(chr(c) for c in range(0x300, 0x10000) if unicodedata.category(chr(c)).startswith("M")))
_WORD = re.compile(f"[\\w{_MARKS}]+")
_QUERY_TERM = re.compile(r'"([^"]*)"|(\S+)')

TITLE_WEIGHT = 10.0  # SQLite bm25: a title hit counts this many times a text hit
SNIPPET_CHARS = 160  # characters of text around the best matches in a snippet
MARK = ("**", "**")  # how a snippet marks a matched word

# PostgreSQL text-search configurations by the article's language (its
# ISO 639-1 code, before any region: pt-br -> pt); a language not here, or
# a configuration the server lacks, is indexed with `simple` (words folded
# to lower case, not stemmed).
CONFIGS: Mapping[str, str] = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish", "nl": "dutch",
    "en": "english", "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian", "ne": "nepali",
    "no": "norwegian", "nb": "norwegian", "nn": "norwegian", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish",
    "yi": "yiddish",
}
SIMPLE = "simple"


def _bigrams(match: re.Match[str]) -> str:
    run = match.group(0)
    if len(run) == 1:
        return f" {run} "
    return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "


def index_text(value: str | None) -> str:
    """Text as the index holds it: NFKC, and each run of a script written
    without spaces as its overlapping character bigrams (one character
    alone stays itself)."""
    if not value:
        return ""
    if value.isascii():  # most English text: nothing to change
        return value
    value = unicodedata.normalize("NFKC", value)
    return _UNSPACED_RUN.sub(_bigrams, value)


def config_for(language: str | None, available: Iterable[str] | None = None) -> str:
    """The PostgreSQL configuration for an article's language (``simple``
    when there is none, or the server lacks it)."""
    base = (language or "").lower().split("-")[0]
    name = CONFIGS.get(base, SIMPLE)
    if available is not None and name not in set(available):
        return SIMPLE
    return name


@dataclass(frozen=True)
class Term:
    """One term of a query: its words (a quoted phrase, a word, or a run of
    unspaced script as bigrams), whether its last word is a prefix, and its
    text as the index holds text (each backend's tokenizer reads it: they
    split words where they split the indexed text)."""

    words: tuple[str, ...]
    prefix: bool = False
    text: str = ""

    def __post_init__(self) -> None:
        if not self.text:
            object.__setattr__(self, "text", " ".join(self.words))


def parse_query(query: str) -> list[Term]:
    """The terms of a query: words and ``"quoted phrases"``, all required;
    ``word*`` matches words that begin with it. Punctuation is not a term."""
    terms: list[Term] = []
    for phrase, bare in _QUERY_TERM.findall(query):
        raw = phrase if phrase else bare
        prefix = not phrase and raw.endswith("*")
        indexed = " ".join(index_text(raw.rstrip("*") if prefix else raw).split())
        words = tuple(_WORD.findall(indexed))
        if not words:
            continue
        if prefix and _UNSPACED_CHAR.search(words[-1]):
            prefix = False  # bigrams already match inside a run
        # a bare token with punctuation inside (e-mail, don't, 北京地震) is a phrase of its words
        terms.append(Term(words, prefix, indexed))
    return terms


def _fts_query(terms: Sequence[Term]) -> str:
    """An FTS5 MATCH expression: every term, each a quoted phrase."""
    return " AND ".join('"' + t.text.replace('"', '""') + '"' + ("*" if t.prefix else "") for t in terms)


def _pattern(terms: Sequence[Term]) -> re.Pattern[str] | None:
    """What a snippet marks: words that begin with a query word's start (a
    stemmer keeps at least a word's first letters: the last three letters
    of a word longer than four are let go) and, in unspaced scripts, the
    query's characters wherever they are."""
    alternatives: list[str] = []
    for term in terms:
        for w in term.words:
            w = unicodedata.normalize("NFKC", w)
            if _UNSPACED_CHAR.search(w):
                alternatives.append(re.escape(w))
            else:
                start = w if term.prefix or len(w) <= 4 else w[: max(4, len(w) - 3)]
                alternatives.append(f"(?<![\\w{_MARKS}])" + re.escape(start) + f"[\\w{_MARKS}]*")
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def snippet(body: str, terms: Sequence[Term], chars: int = SNIPPET_CHARS,
            mark: tuple[str, str] = MARK) -> str:
    """About ``chars`` characters of ``body`` around the most matches of the
    query's terms, cut at spaces, each match marked; the text's start when
    none is found (a stemmed form the rough test here does not see)."""
    body = " ".join(unicodedata.normalize("NFKC", body).split())
    pattern = _pattern(terms)
    found = list(pattern.finditer(body)) if pattern is not None else []
    lo = 0
    if found and len(body) > chars:
        best = 0
        j = 0
        for i, m in enumerate(found):  # the window starting at a match that holds the most matches
            j = max(j, i)
            while j + 1 < len(found) and found[j + 1].end() - m.start() <= chars:
                j += 1
            if j - i + 1 > best:
                best, lo = j - i + 1, m.start()
        lo = max(0, lo - chars // 4)
        if lo:
            space = body.rfind(" ", 0, lo + 1)
            lo = space + 1 if space > 0 and lo - space < 20 else lo
    hi = min(len(body), lo + chars)
    if hi < len(body):
        space = body.find(" ", hi)
        hi = space if 0 <= space - hi < 20 else hi
    out: list[str] = []
    at = lo
    for m in found:
        if m.start() < lo or m.end() > hi:
            continue
        out += [body[at : m.start()], mark[0], m.group(0), mark[1]]
        at = m.end()
    out.append(body[at:hi])
    return ("… " if lo else "") + "".join(out) + (" …" if hi < len(body) else "")


@dataclass(frozen=True)
class IndexRow:
    """What the index holds of one article."""

    article_id: str
    language: str | None
    title: str | None
    body: str


def write_index(conn: Connection, rows: Sequence[IndexRow], configs: frozenset[str]) -> None:
    """Index these articles (``configs``: the PostgreSQL server's
    text-search configurations); each row's title and body are the ones its
    ``articles`` row holds, already written in this transaction. PostgreSQL
    replaces what the index held of them; on SQLite they must not be in the
    index (:func:`unindex` them first: a contentless FTS5 table forgets a
    row only when told its text)."""
    if conn.dialect.name == "postgresql":
        _pg_write_index(conn, rows, configs)
        return
    raw = conn.connection.driver_connection
    ids = [r.article_id for r in rows]
    # A row left by an article deleted behind newsmill's back (plain SQL) is
    # replaced: the article gets a new docid (never one used before:
    # AUTOINCREMENT), and what the old one indexed matches nothing any more.
    raw.executemany("INSERT OR REPLACE INTO search_ids (article_id) VALUES (?)",  # type: ignore[union-attr]
                    [(i,) for i in ids])
    docids: dict[str, int] = {}
    for part in chunks(ids):
        marks = ", ".join("?" for _ in part)
        docids.update(raw.execute(  # type: ignore[union-attr]
            f"SELECT article_id, docid FROM search_ids WHERE article_id IN ({marks})", list(part)).fetchall())
    raw.executemany(  # type: ignore[union-attr]
        "INSERT INTO search_index (rowid, title, body) VALUES (?, ?, ?)",
        [(docids[r.article_id], index_text(r.title), index_text(r.body)) for r in rows])


_PG_UPSERT = " ON CONFLICT (article_id) DO UPDATE SET config = excluded.config, document = excluded.document"


def _pg_write_index(conn: Connection, rows: Sequence[IndexRow], configs: frozenset[str]) -> None:
    """PostgreSQL: the ``tsvector`` of an article whose title and body
    :func:`index_text` leaves as they are (most text: no unspaced script,
    already NFKC) is built from its ``articles`` row, one statement per
    1,000 articles, so the text is not sent to the server a second time;
    the others are sent as the index holds them (bigrams, NFKC)."""
    from_rows: list[tuple[str, str]] = []
    sent: list[dict[str, str]] = []
    for r in {r.article_id: r for r in rows}.values():  # an id once per statement (ON CONFLICT)
        cfg = config_for(r.language, configs)
        title, body = index_text(r.title), index_text(r.body)
        if title == (r.title or "") and body == r.body:
            from_rows.append((r.article_id, cfg))
        else:
            sent.append({"id": r.article_id, "cfg": cfg, "title": title, "body": body})
    for part in chunks(from_rows, 1000):
        conn.execute(text(
            "INSERT INTO search_index (article_id, config, document) SELECT a.id, v.cfg, "
            "setweight(to_tsvector(v.cfg, COALESCE(a.title, '')), 'A') || setweight(to_tsvector(v.cfg, a.text), 'D') "
            "FROM unnest(CAST(:ids AS text[]), CAST(:cfgs AS regconfig[])) AS v(id, cfg) "
            "JOIN articles a ON a.id = v.id" + _PG_UPSERT),
            {"ids": [i for i, _ in part], "cfgs": [c for _, c in part]})
    for chunk in chunks(sent, 200):
        conn.execute(text(
            "INSERT INTO search_index (article_id, config, document) VALUES (:id, CAST(:cfg AS regconfig), "
            "setweight(to_tsvector(CAST(:cfg AS regconfig), :title), 'A') || "
            "setweight(to_tsvector(CAST(:cfg AS regconfig), :body), 'D'))" + _PG_UPSERT), list(chunk))


def unindex(conn: Connection, article_ids: Iterable[str]) -> None:
    """Take these articles out of the index, before their stored row changes
    or goes: SQLite's contentless table is given the text it indexed (read
    from the stored row, as :func:`write_index` was given it) to forget."""
    wanted = sorted(set(article_ids))
    for part in chunks(wanted):
        marks = ", ".join(f":a{i}" for i in range(len(part)))
        values = {f"a{i}": v for i, v in enumerate(part)}
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"DELETE FROM search_index WHERE article_id IN ({marks})"), values)
            continue
        found = conn.execute(text(f"SELECT s.docid, a.title, a.text FROM search_ids s JOIN articles a "
                                  f"ON a.id = s.article_id WHERE s.article_id IN ({marks})"), values).all()
        conn.connection.driver_connection.executemany(  # type: ignore[union-attr]
            "INSERT INTO search_index (search_index, rowid, title, body) VALUES ('delete', ?, ?, ?)",
            [(docid, index_text(title), index_text(body)) for docid, title, body in found])
        conn.execute(text(f"DELETE FROM search_ids WHERE article_id IN ({marks})"), values)


def _typed(sql: str) -> Any:
    """A query whose time columns come back as datetimes, and whose
    ``since`` is bound as a stored time is written (SQLite stores text)."""
    query = text(sql)
    if ":since" in sql:
        query = query.bindparams(bindparam("since", type_=t.Timestamp))
    return query.columns(published_at=t.Timestamp, fetched_at=t.Timestamp)


class SearchIndex:
    """The search index of the store's articles (both backends)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._configs: frozenset[str] | None = None

    # -- writes (in the caller's transaction) -------------------------------------

    def configs(self, conn: Connection) -> frozenset[str]:
        """The text-search configurations the PostgreSQL server has."""
        if self._configs is None:
            self._configs = frozenset(r[0] for r in conn.execute(text("SELECT cfgname FROM pg_ts_config")))
        return self._configs

    def replace(self, conn: Connection, rows: Sequence[IndexRow]) -> None:
        """Index these articles (new ones, or ones :func:`unindex` took out)."""
        if rows:
            write_index(conn, rows, self.configs(conn) if conn.dialect.name == "postgresql" else frozenset())

    # -- queries --------------------------------------------------------------------

    def search(self, query: str, *, site: str | None = None, since: datetime | None = None,
               language: str | None = None, limit: int = 20, include_duplicates: bool = False,
               mark: tuple[str, str] = MARK) -> list[dict[str, Any]]:
        """The articles that hold every term of ``query``, best first (see
        :meth:`newsmill.storage.store.Store.search`)."""
        terms = parse_query(query)
        if not terms or limit <= 0:
            return []
        where = [] if include_duplicates else ["a.duplicate_of IS NULL"]
        params: dict[str, Any] = {"limit": int(limit)}
        if site is not None:
            where.append("a.site = :site")
            params["site"] = site
        if since is not None:
            where.append("COALESCE(a.published_at, a.first_seen) >= :since")
            params["since"] = utc(since)
        if language is not None:
            base = language.lower().split("-")[0]
            where.append("(a.language = :lang OR a.language LIKE :lang_region)")
            params.update(lang=base, lang_region=base + "-%")
        cols = ("a.id, a.url, a.site, a.title, a.language, a.published_at, a.fetched_at, a.duplicate_of, "
                "a.text")
        with self.db.connect() as conn:
            if conn.dialect.name == "postgresql":
                rows = self._pg_rows(conn, terms, where, params, cols, language)
            else:
                params["match"] = _fts_query(terms)
                sql = (f"SELECT {cols}, -bm25(search_index, {TITLE_WEIGHT}, 1.0) AS score "
                       "FROM search_index JOIN search_ids s ON s.docid = search_index.rowid "
                       "JOIN articles a ON a.id = s.article_id "
                       "WHERE search_index MATCH :match" + "".join(f" AND {w}" for w in where)
                       + " ORDER BY bm25(search_index, " + str(TITLE_WEIGHT) + ", 1.0), a.seq LIMIT :limit")
                rows = conn.execute(_typed(sql), params).mappings().all()
        return [{
            "id": r["id"], "url": r["url"], "site": r["site"], "title": r["title"], "language": r["language"],
            "published_at": utc(r["published_at"]), "fetched_at": utc(r["fetched_at"]),
            "duplicate_of": r["duplicate_of"], "score": float(r["score"]),
            "snippet": snippet(r["text"], terms, mark=mark),
        } for r in rows]

    def _pg_rows(self, conn: Connection, terms: Sequence[Term], where: list[str], params: dict[str, Any],
                 cols: str, language: str | None) -> Sequence[Any]:
        """PostgreSQL: each configuration's query against the rows indexed
        with it (the query parsed as the article's language is), OR-ed so
        the GIN index answers each."""
        configs = sorted({config_for(language, self.configs(conn))} if language is not None else
                         {config_for(code, self.configs(conn)) for code in CONFIGS} | {SIMPLE})
        for i, term in enumerate(terms):
            params[f"t{i}"] = term.text
        ors = []
        for c, cfg in enumerate(configs):
            params[f"c{c}"] = cfg
            parts = []
            for i, term in enumerate(terms):
                if term.prefix:  # the words as a phrase, the last one a prefix (its letters only)
                    params[f"p{c}_{i}"] = " <-> ".join(
                        [f"'{w}'" for w in term.words[:-1]] + [f"'{term.words[-1]}':*"])
                    parts.append(f"to_tsquery(CAST(:c{c} AS regconfig), :p{c}_{i})")
                else:
                    parts.append(f"phraseto_tsquery(CAST(:c{c} AS regconfig), :t{i})")
            query = " && ".join(parts)
            ors.append(f"(s.config = CAST(:c{c} AS regconfig) AND s.document @@ ({query}))"
                       f" THEN ts_rank(s.document, {query}, 1)")
        match = " OR ".join(o.split(" THEN ")[0] for o in ors)
        score = "CASE " + " ".join(f"WHEN {o}" for o in ors) + " END"
        sql = (f"SELECT {cols}, {score} AS score FROM search_index s JOIN articles a ON a.id = s.article_id "
               f"WHERE ({match})" + "".join(f" AND {w}" for w in where) + " ORDER BY score DESC, a.seq LIMIT :limit")
        return conn.execute(_typed(sql), params).mappings().all()


def index_rows(articles: Iterable[Any]) -> list[IndexRow]:
    """Index rows of :class:`~newsmill.core.records.Article` objects (the
    last one of an id that comes twice)."""
    rows = {a.id: IndexRow(a.id, a.language, sanitize(a.title), sanitize(a.text) or "") for a in articles}
    return list(rows.values())


__all__ = ["CONFIGS", "MARK", "TITLE_WEIGHT", "IndexRow", "SearchIndex", "Term", "config_for", "index_rows",
           "index_text", "parse_query", "snippet", "unindex", "write_index"]

"""The embedded index: SQLite tables for passages and documents plus an FTS5 table for BM25.

FTS5 sees pre-analysed text (Sudachi terms joined by spaces) through the `unicode61` tokenizer;
see `retrieval.analysis` for why. Writes happen in one transaction, so a run that fails or is
killed midway leaves the previous index intact and readable.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from collections.abc import Iterable, Iterator, Sequence

from retrieval.models import DocumentRecord, IndexedPassage, Passage, ScoredPassage

SCHEMA_VERSION = "3"
# bm25() column weights: body, title, headings (章/節 + article caption)
COLUMN_WEIGHTS = (1.0, 0.6, 1.5)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    url TEXT, category TEXT, effective_date TEXT,
    allowed_groups TEXT NOT NULL DEFAULT '[]',
    metadata TEXT NOT NULL DEFAULT '{}',
    passage_count INTEGER NOT NULL,
    indexed_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    doc TEXT NOT NULL REFERENCES documents(doc) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    title TEXT NOT NULL, text TEXT NOT NULL,
    article TEXT, article_key TEXT, paragraph TEXT, page INTEGER,
    headings TEXT NOT NULL, caption TEXT, supplementary INTEGER NOT NULL,
    url TEXT, category TEXT, effective_date TEXT,
    allowed_groups TEXT NOT NULL DEFAULT '[]',
    UNIQUE (doc, seq)
);
CREATE INDEX IF NOT EXISTS passages_article ON passages(article_key);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_terms USING fts5(
    body, title, headings, tokenize = 'unicode61 remove_diacritics 0'
);
"""


class LocalIndex:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()

    # -- connections -----------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        """One connection per thread: the bot reads while a background re-index writes."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")  # readers are not blocked by a writer
            conn.execute("PRAGMA foreign_keys=ON")
            conn.executescript(_SCHEMA)
            conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def exists(self) -> bool:
        return self.path.exists() and self.passage_count() > 0

    # -- writing ---------------------------------------------------------------------------
    def apply_changes(
        self,
        upserts: Iterable[tuple[DocumentRecord, list[IndexedPassage]]],
        removals: Iterable[str] = (),
    ) -> None:
        """Replace/insert documents and delete removed ones, all in one transaction."""
        upserts, removals = list(upserts), list(removals)
        if not upserts and not removals:
            return
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for doc in removals:
                self._delete_document(conn, doc)
            for record, passages in upserts:
                self._delete_document(conn, record.doc)
                self._insert_document(conn, record, passages)
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key)"
                " DO UPDATE SET value = CAST(value AS INTEGER) + 1")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _delete_document(conn: sqlite3.Connection, doc: str) -> None:
        conn.execute(
            "DELETE FROM passage_terms WHERE rowid IN (SELECT id FROM passages WHERE doc = ?)", (doc,)
        )
        conn.execute("DELETE FROM passages WHERE doc = ?", (doc,))
        conn.execute("DELETE FROM documents WHERE doc = ?", (doc,))

    @staticmethod
    def _insert_document(
        conn: sqlite3.Connection, record: DocumentRecord, passages: list[IndexedPassage]
    ) -> None:
        groups = json.dumps(list(record.allowed_groups))
        conn.execute(
            "INSERT INTO documents(doc, title, content_hash, url, category, effective_date,"
            " allowed_groups, metadata, passage_count) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                record.doc, record.title, record.content_hash, record.url, record.category,
                record.effective_date, groups, json.dumps(record.metadata or {}, ensure_ascii=False,
                default=str), len(passages),
            ),
        )
        for item in passages:
            p = item.passage
            cursor = conn.execute(
                "INSERT INTO passages(doc, seq, title, text, article, article_key, paragraph, page,"
                " headings, caption, supplementary, url, category, effective_date, allowed_groups)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    p.doc, p.seq, p.title, p.text, p.article, p.article_key, p.paragraph, p.page,
                    json.dumps(list(p.headings), ensure_ascii=False), p.caption, int(p.supplementary),
                    p.url, p.category, p.effective_date, json.dumps(list(p.allowed_groups)),
                ),
            )
            conn.execute(
                "INSERT INTO passage_terms(rowid, body, title, headings) VALUES (?,?,?,?)",
                (
                    cursor.lastrowid, " ".join(item.body_terms), " ".join(item.title_terms),
                    " ".join(item.heading_terms),
                ),
            )

    # -- reading ---------------------------------------------------------------------------
    def document_hashes(self) -> dict[str, str]:
        rows = self._connect().execute("SELECT doc, content_hash FROM documents")
        return dict(rows.fetchall())

    def passage_count(self) -> int:
        return self._connect().execute("SELECT count(*) FROM passages").fetchone()[0]

    def stats(self) -> dict:
        conn = self._connect()
        docs, last = conn.execute("SELECT count(*), max(indexed_at) FROM documents").fetchone()
        return {"documents": docs, "passages": self.passage_count(), "last_indexed": last}

    def search_terms(
        self, terms: Sequence[str], *, limit: int, groups: Sequence[str] | None = None
    ) -> list[ScoredPassage]:
        """Plain FTS5 BM25 over the analysed columns (diagnostics and tests; the bot ranks with
        retrieval.local_search). `groups` limits results to documents the user may see."""
        unique = list(dict.fromkeys(t for t in terms if t))
        if not unique:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in unique)
        weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
        # Only constants and "?" placeholders are formatted in; the terms and groups are bound parameters.
        sql = (
            f"SELECT p.*, bm25(passage_terms, {weights}) AS rank FROM passage_terms"  # noqa: S608  # nosec B608
            " JOIN passages p ON p.id = passage_terms.rowid"
            " WHERE passage_terms MATCH ? AND " + _acl_clause(groups) + " ORDER BY rank LIMIT ?"
        )
        rows = self._connect().execute(sql, [match, *(groups or []), limit])
        return [ScoredPassage(_row_to_passage(row), -row[-1]) for row in rows]

    def generation(self) -> int:
        """Bumped by every write, so in-memory views of the index know when to reload."""
        row = self._connect().execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def analysed_passages(self) -> tuple[list[Passage], list[tuple[str, str, str]]]:
        """Every passage with its analysed body/title/heading terms, in storage order."""
        pairs = list(self.iter_analysed_passages())
        return [passage for passage, _ in pairs], [terms for _, terms in pairs]

    def iter_analysed_passages(self, batch: int = 256) -> Iterator[tuple[Passage, tuple[str, str, str]]]:
        """The same rows one at a time, fetched `batch` at a time: a caller that keeps only what it
        derives from the terms (the in-memory postings) never holds every analysed string at once.
        One statement stepped to its end reads one WAL snapshot, so a re-index committing meanwhile
        cannot mix generations."""
        cursor = self._connect().execute(
            "SELECT p.*, t.body, t.title, t.headings FROM passages p"
            " JOIN passage_terms t ON t.rowid = p.id ORDER BY p.id")
        try:
            while rows := cursor.fetchmany(batch):
                for row in rows:
                    yield _row_to_passage(row), (row[16], row[17], row[18])
        finally:
            cursor.close()  # a caller that stops early releases the read snapshot now

    def resolve_reference(self, passage: Passage, reference: str) -> list[Passage]:
        """The passages a relative reference in `passage` points to: 前条 (the article before),
        同条 / 前項 (this article: 前項 lives in this or an earlier piece of it)."""
        conn = self._connect()
        if reference == "前条":
            row = conn.execute(
                "SELECT article FROM passages WHERE doc = ? AND seq < ? AND article IS NOT NULL"
                " AND article != ? ORDER BY seq DESC LIMIT 1",
                (passage.doc, passage.seq, passage.article or "")).fetchone()
            article = row[0] if row else None
        elif reference in ("前項", "同条"):
            article = passage.article
        else:
            raise ValueError(f"unsupported reference {reference!r}")
        if article is None:
            return []
        rows = conn.execute(
            "SELECT * FROM passages WHERE doc = ? AND article = ? AND seq <= ? ORDER BY seq",
            (passage.doc, article, passage.seq if reference == "前項" else 1 << 30))
        return [_row_to_passage(r) for r in rows]


def _acl_clause(groups: Sequence[str] | None) -> str:
    """Documents with no allowed_groups are public; others need one of the user's groups."""
    if not groups:
        return "p.allowed_groups = '[]'"
    marks = ",".join("?" * len(groups))
    # Only "?" placeholders are formatted in: the group names are bound by the caller.
    return (
        "(p.allowed_groups = '[]' OR EXISTS (SELECT 1 FROM json_each(p.allowed_groups)"  # noqa: S608  # nosec B608
        f" WHERE json_each.value IN ({marks})))"
    )


def _row_to_passage(row: sqlite3.Row | tuple) -> Passage:
    (_id, doc, seq, title, text, article, key, paragraph, page, headings, caption, supplementary,
     url, category, effective_date, allowed_groups) = row[:16]
    return Passage(
        doc=doc, seq=seq, title=title, text=text, article=article, article_key=key,
        paragraph=paragraph, page=page, headings=tuple(json.loads(headings)), caption=caption,
        supplementary=bool(supplementary), url=url, category=category,
        effective_date=effective_date, allowed_groups=tuple(json.loads(allowed_groups)),
    )

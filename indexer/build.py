"""Building and refreshing the local index from a corpus folder.

Incremental by content hash (file bytes + the metadata YAML that applies + parser version), so an
unchanged file is not parsed again. All changes land in one SQLite transaction: a failed or killed
run leaves the previous index as it was. One bad file is reported and skipped, never fatal, and a
file that fails to parse keeps its previously indexed version.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Union

from indexer.document import LoadError
from indexer.loaders import loader_for
from indexer.metadata import collect_metadata, dates_in_text, is_metadata_file, metadata_sources
from indexer.structure import chunk_document
from retrieval.analysis import Analyzer
from retrieval.models import DocumentRecord, IndexedPassage
from retrieval.ports import IndexWriter
from retrieval.tokens import TokenCounter

# Bump when parsing or chunking changes, so every document is re-parsed once.
PARSER_VERSION = "2026-11-27.8"


@dataclass
class IndexSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (doc, why)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (doc, why)
    passages: int = 0  # passages written by this run
    seconds: float = 0.0
    dry_run: bool = False

    def line(self) -> str:
        return (
            f"added {len(self.added)} / updated {len(self.updated)} / removed {len(self.removed)}"
            f" / unchanged {len(self.unchanged)} / skipped {len(self.skipped)}"
            f" / failed {len(self.failed)}; {self.passages} passages; {self.seconds:.1f} s"
            + (" (dry run: nothing written)" if self.dry_run else "")
        )


Progress = Callable[[int, int, str], None]
ParseOutcome = Union[tuple[DocumentRecord, list[IndexedPassage]], str]  # str = why it failed
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
PARALLEL_MIN_FILES = 4  # below this, starting worker processes costs more than it saves


def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(
        p for p in corpus_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
        and not is_metadata_file(p)
    )


def doc_id(path: Path, corpus_dir: Path) -> str:
    return path.relative_to(corpus_dir).as_posix()


def content_hash(path: Path, corpus_dir: Path) -> str:
    digest = hashlib.sha256(PARSER_VERSION.encode())
    for part in [path, *metadata_sources(path, corpus_dir)]:
        digest.update(part.read_bytes())
    return digest.hexdigest()


class Indexer:
    def __init__(self, *, index: IndexWriter | None, analyzer: Analyzer, tokens: TokenCounter,
                 max_tokens: int = 600, workers: int = DEFAULT_WORKERS) -> None:
        self.index = index
        self.analyzer = analyzer
        self.tokens = tokens
        self.max_tokens = max_tokens
        self.workers = workers

    def run(self, corpus_dir: Path, *, full: bool = False, dry_run: bool = False,
            progress: Progress | None = None, notice: Callable[[str], None] = lambda _: None
            ) -> IndexSummary:
        started = time.perf_counter()
        corpus_dir = corpus_dir.resolve()
        if not corpus_dir.is_dir():
            raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
        summary = IndexSummary(dry_run=dry_run)
        previous = self.index.document_hashes()
        # STEP 1: decide what needs parsing (content hash differs or --full)
        seen: set[str] = set()
        todo: list[tuple[Path, str, str]] = []
        for path in corpus_files(corpus_dir):
            doc = doc_id(path, corpus_dir)
            if loader_for(path) is None:
                summary.skipped.append((doc, f"unsupported format {path.suffix or '(none)'}"))
                notice(f"skipped {doc}: unsupported format")
                continue
            seen.add(doc)
            try:
                digest = content_hash(path, corpus_dir)
            except OSError as exc:
                summary.failed.append((doc, f"unreadable: {exc.strerror or exc}"))
                continue
            if not full and previous.get(doc) == digest:
                summary.unchanged.append(doc)
            else:
                todo.append((path, doc, digest))
        # STEP 2: parse, chunk and analyse (in worker processes when there is enough work)
        upserts = []
        for number, ((path, doc, _), outcome) in enumerate(zip(todo, self._parse_all(todo, corpus_dir)), 1):
            if progress:
                progress(number, len(todo), doc)
            if isinstance(outcome, str):  # one bad file never aborts the run
                summary.failed.append((doc, outcome))
                notice(f"failed {doc}: {outcome}")
                continue
            record, passages = outcome
            (summary.updated if doc in previous else summary.added).append(doc)
            summary.passages += len(passages)
            upserts.append((record, passages))
        # STEP 3: one transaction; a failed parse keeps the document's previous version
        summary.removed = sorted(set(previous) - seen)
        if not dry_run:
            self.index.apply_changes(upserts, summary.removed)
        summary.seconds = time.perf_counter() - started
        return summary

    def _parse_all(self, todo: list[tuple[Path, str, str]], corpus_dir: Path) -> Iterator[ParseOutcome]:
        workers = min(self.workers, len(todo))
        if workers <= 1 or len(todo) < PARALLEL_MIN_FILES:
            for path, doc, digest in todo:
                yield self._safe_process(path, doc, digest, corpus_dir)
            return
        # Sudachi holds the GIL; separate processes use both cores. Each worker builds its own
        # Indexer (analyser + token counter) once, in _init_worker.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                 initargs=(self.analyzer.split_mode, self.tokens.cache_dir,
                                           self.max_tokens)) as pool:
            jobs = [(path, doc, digest, corpus_dir) for path, doc, digest in todo]
            yield from pool.map(_worker_process, jobs, chunksize=1)

    def _safe_process(self, path: Path, doc: str, digest: str, corpus_dir: Path) -> ParseOutcome:
        try:
            return self._process(path, doc, digest, corpus_dir)
        except Exception as exc:
            return str(exc) if isinstance(exc, LoadError) else f"{exc.__class__.__name__}: {exc}"

    def _process(self, path: Path, doc: str, digest: str, corpus_dir: Path
                 ) -> tuple[DocumentRecord, list[IndexedPassage]]:
        loaded = loader_for(path)(path)
        if not loaded.blocks:
            raise LoadError("no text found")
        meta = collect_metadata(path, corpus_dir, {**dates_in_text(loaded.blocks), **loaded.metadata})
        title = str(meta.get("title") or loaded.title or path.stem)
        effective = meta.get("effective_date") or meta.get("last_amended")
        base = dict(url=meta.get("url"), category=meta.get("category"),
                    effective_date=str(effective) if effective else None,
                    allowed_groups=meta["allowed_groups"])
        passages = chunk_document(loaded, doc_id=doc, title=title, count_tokens=self.tokens.count,
                                  max_tokens=self.max_tokens, base=base)
        if not passages:
            raise LoadError("no passages after parsing")
        title_terms = self.analyzer.terms(title)
        indexed = [
            IndexedPassage(
                passage=p,
                body_terms=self.analyzer.terms(p.text),
                title_terms=title_terms,
                heading_terms=self.analyzer.terms(" ".join([*p.headings, p.caption or ""])),
            )
            for p in passages
        ]
        record = DocumentRecord(
            doc=doc, title=title, content_hash=digest, url=base["url"], category=base["category"],
            effective_date=base["effective_date"], allowed_groups=base["allowed_groups"],
            metadata={k: v for k, v in meta.items() if k != "allowed_groups"},
        )
        return record, indexed


_worker: Indexer | None = None


def _init_worker(split_mode: str, cache_dir: str | None, max_tokens: int) -> None:
    global _worker
    _worker = Indexer(index=None, analyzer=Analyzer(split_mode), tokens=TokenCounter(cache_dir=cache_dir),
                      max_tokens=max_tokens, workers=1)


def _worker_process(job: tuple[Path, str, str, Path]) -> ParseOutcome:
    return _worker._safe_process(*job)

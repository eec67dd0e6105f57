"""Building and refreshing the local index from a corpus folder.

Incremental by content hash (file bytes + the metadata YAML that applies + parser and analyser
versions), so an unchanged file is not parsed again. All changes land in one SQLite transaction: a failed or killed
run leaves the previous index as it was. One bad file is reported and skipped, never fatal, and a
file that fails to parse keeps its previously indexed version.
"""
from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import multiprocessing
import os
import re
import signal
import stat
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterator

from indexer.document import LoadError, TextBlock
from indexer.loaders import loader_for
from indexer.metadata import (MetadataError, collect_metadata, dates_in_text, is_metadata_file,
                              metadata_sources, read_yaml)
from indexer.structure import chunk_document
from retrieval.analysis import ANALYZER_VERSION, Analyzer
from retrieval.models import DocumentRecord, IndexedPassage
from retrieval.ports import IndexWriter
from retrieval.tokens import TokenCounter

# Bump when parsing or chunking changes, so every document is re-parsed once.
PARSER_VERSION = "2026-12-03.19"


@dataclass
class IndexSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (doc, why)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (doc, why)
    metadata_failed: list[str] = field(default_factory=list)  # docs among `failed` with invalid metadata
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

    def exit_status(self) -> int:
        """Non-zero when nothing could be indexed, or when a file's metadata is invalid: that may be
        an access restriction that did not apply, which an admin must fix, not a format problem."""
        nothing = self.failed and not (self.added or self.updated or self.unchanged)
        return 1 if nothing or self.metadata_failed else 0

    def problems(self) -> str:
        """One line per failed or refused file, for the admin's /reindex message."""
        return "".join(f"\n- {doc}: {why}" for doc, why in [*self.failed, *self.skipped]
                       if not why.startswith("unsupported format"))


Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Failure:
    why: str
    metadata: bool = False  # the file's metadata is invalid (see IndexSummary.exit_status)


ParseOutcome = tuple[DocumentRecord, list[IndexedPassage]] | Failure
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
PARALLEL_MIN_FILES = 4  # below this, starting worker processes costs more than it saves


# One logical line longer than this is cut (at a sentence end when there is one) before the
# structure parser sees it: splitting an over-long line re-counts the tokens of what is left after
# each cut, which is quadratic in the line's length (a 1 MB file with no line break took minutes).
MAX_LINE_CHARS = 5000
_SENTENCE_END = re.compile(r"[。．.!?！？]")


def scan_corpus(corpus_dir: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Regular files under `corpus_dir` (resolved), and what was refused with the reason.

    Links are never followed, neither file nor folder: a link could point anywhere on the host
    (a symlink to /etc/passwd was indexed and served). Only regular files whose real path is
    inside the corpus are kept; pipes, sockets and devices are refused too (reading a pipe blocks).
    """
    files: list[Path] = []
    refused: list[tuple[Path, str]] = []
    for folder, dirs, names in os.walk(corpus_dir, followlinks=False):
        base = Path(folder)
        for name in list(dirs):
            if name.startswith("."):
                dirs.remove(name)
            elif (base / name).is_symlink():
                dirs.remove(name)
                refused.append((base / name, "symbolic link to a folder: not followed"))
        for name in names:
            path = base / name
            if name.startswith(".") or is_metadata_file(path):
                continue
            why = unsafe_reason(path, corpus_dir)
            if why:
                refused.append((path, why))
            else:
                files.append(path)
    return sorted(files), sorted(refused)


def unsafe_reason(path: Path, corpus_dir: Path) -> str | None:
    """Why `path` must not be read as a corpus file, or None when it is a plain file inside it."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    if stat.S_ISLNK(info.st_mode):
        return "symbolic link: not followed"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    real = Path(os.path.realpath(path))
    if real != corpus_dir and corpus_dir not in real.parents:
        return "resolves outside the corpus folder"
    return None


def corpus_files(corpus_dir: Path) -> list[Path]:
    return scan_corpus(corpus_dir.resolve())[0]


def bounded_blocks(blocks: list[TextBlock], limit: int = MAX_LINE_CHARS) -> list[TextBlock]:
    """Every block at most `limit` characters, so parsing stays linear in the file's size."""
    out: list[TextBlock] = []
    for block in blocks:
        text = block.text
        while len(text) > limit:
            ends = [m.end() for m in _SENTENCE_END.finditer(text, limit // 2, limit)]
            cut = ends[-1] if ends else limit
            out.append(dataclasses.replace(block, text=text[:cut]))
            text = text[cut:]
        out.append(dataclasses.replace(block, text=text) if text is not block.text else block)
    return out


def doc_id(path: Path, corpus_dir: Path) -> str:
    return path.relative_to(corpus_dir).as_posix()


def content_hash(path: Path, corpus_dir: Path) -> str:
    # The index stores analysed terms too: a new analyser re-analyses every document once.
    digest = hashlib.sha256(f"{PARSER_VERSION}/{ANALYZER_VERSION}".encode())
    digest.update(path.read_bytes())
    for part in metadata_sources(path, corpus_dir):
        read_yaml(part)  # refuses a linked or invalid metadata file before its bytes are read
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
        if self.index is None:
            raise ValueError("this Indexer only parses (a worker process's): it has no index to write")
        summary = IndexSummary(dry_run=dry_run)
        previous = self.index.document_hashes()
        # STEP 1: decide what needs parsing (content hash differs or --full)
        seen: set[str] = set()
        todo: list[tuple[Path, str, str]] = []
        files, refused = scan_corpus(corpus_dir)
        for path, why in refused:
            summary.skipped.append((doc_id(path, corpus_dir), why))
            notice(f"skipped {doc_id(path, corpus_dir)}: {why}")
        for path in files:
            doc = doc_id(path, corpus_dir)
            if loader_for(path) is None:
                summary.skipped.append((doc, f"unsupported format {path.suffix or '(none)'}"))
                notice(f"skipped {doc}: unsupported format")
                continue
            seen.add(doc)
            try:
                digest = content_hash(path, corpus_dir)
            except MetadataError as exc:
                summary.failed.append((doc, str(exc)))
                summary.metadata_failed.append(doc)
                notice(f"failed {doc}: {exc}")
                continue
            except OSError as exc:
                summary.failed.append((doc, f"unreadable: {exc.strerror or exc}"))
                notice(f"failed {doc}: unreadable")
                continue
            if not full and previous.get(doc) == digest:
                summary.unchanged.append(doc)
            else:
                todo.append((path, doc, digest))
        # STEP 2: parse, chunk and analyse (in worker processes when there is enough work)
        upserts = []
        for number, ((_path, doc, _), outcome) in enumerate(zip(todo, self._parse_all(todo, corpus_dir)), 1):
            if progress:
                progress(number, len(todo), doc)
            if isinstance(outcome, Failure):  # one bad file never aborts the run
                summary.failed.append((doc, outcome.why))
                if outcome.metadata:
                    summary.metadata_failed.append(doc)
                notice(f"failed {doc}: {outcome.why}")
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
                                           self.max_tokens, os.getpid())) as pool:
            jobs = [(path, doc, digest, corpus_dir) for path, doc, digest in todo]
            yield from pool.map(_worker_process, jobs, chunksize=1)

    def _safe_process(self, path: Path, doc: str, digest: str, corpus_dir: Path) -> ParseOutcome:
        try:
            return self._process(path, doc, digest, corpus_dir)
        except Exception as exc:
            why = str(exc) if isinstance(exc, LoadError) else f"{exc.__class__.__name__}: {exc}"
            return Failure(why, metadata=isinstance(exc, MetadataError))

    def _process(self, path: Path, doc: str, digest: str, corpus_dir: Path
                 ) -> tuple[DocumentRecord, list[IndexedPassage]]:
        why = unsafe_reason(path, corpus_dir)  # again: the file may have been swapped since the scan
        if why:
            raise LoadError(why)
        loader = loader_for(path)
        if loader is None:  # run() skips these before parsing
            raise LoadError(f"unsupported format {path.suffix or '(none)'}")
        loaded = loader(path)
        if not loaded.blocks:
            raise LoadError("no text found")
        loaded = dataclasses.replace(loaded, blocks=bounded_blocks(loaded.blocks))
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


def _init_worker(split_mode: str, cache_dir: str | None, max_tokens: int, parent_pid: int) -> None:
    global _worker
    _die_with_parent(parent_pid)
    _worker = Indexer(index=None, analyzer=Analyzer(split_mode), tokens=TokenCounter(cache_dir=cache_dir),
                      max_tokens=max_tokens, workers=1)


def _worker_process(job: tuple[Path, str, str, Path]) -> ParseOutcome:
    if _worker is None:
        raise RuntimeError("_init_worker did not run in this process")
    return _worker._safe_process(*job)


_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def _die_with_parent(parent_pid: int) -> None:
    """Make this worker exit when the indexer that started it dies, even by SIGKILL.

    Otherwise a killed indexer leaves its workers (~300 MB each, with the Sudachi dictionary)
    parsing on. Linux: the kernel sends SIGKILL on the parent's death (PR_SET_PDEATHSIG). Elsewhere,
    and for a parent that died before this ran, a daemon thread polls the parent's pid.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still covers it
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="parent-watchdog").start()


def _watch_parent(parent_pid: int, interval: float = 1.0) -> None:
    while os.getppid() == parent_pid:
        time.sleep(interval)
    os._exit(1)

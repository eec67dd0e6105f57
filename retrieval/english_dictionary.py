"""English -> Japanese search words from JMdict, for English questions about Japanese regulations.

Source: JMdict (Jim Breen and the Electronic Dictionary Research and Development Group,
https://www.edrdg.org/jmdict/j_jmdict.html), licensed under CC BY-SA 4.0
(https://www.edrdg.org/edrdg/licence.html), read from the precompiled SQLite database of the PyPI
package `jamdict-data`. No dictionary data is kept in this repository: the table is derived at run
time from the installed package, and only for words the index actually holds.

How the table is made (`build_table`), so a loose translation costs as little as possible:
- only noun senses (nouns, suru-nouns, adjectival nouns): regulations name things and acts; verbs,
  adverbs and particles translate English filler ("go", "long", "also") into noise;
- no archaic, obscure, slang, vulgar or kana-only senses; a one-character headword (条, 日) only
  for the first gloss of its first sense;
- only glosses of at most three content words, keyed by the Analyzer's own English terms (so
  "days off" and "day off" meet), and only headwords the index holds as the
  Analyzer produces them: one indexed term (延長), or a compound whose terms stand side by side in
  some passage (労働者 -> 労働 者); that a compound's parts are indexed apart says nothing (同一人);
- per English key, at most `MAX_ALTERNATIVES` headwords, best first (`translation_score`): the
  English word opens the entry's first sense, the entry is common (JMdict priority tags), and the
  corpus uses the word often.

A common plain noun none of whose translations the index holds (canteen: 食堂) stays in the table
with no words: a question about it is about a topic the corpus does not cover.

The planner treats a key's headwords as alternative wordings of ONE concept (retrieval.query).
The searcher builds the table in a child process (`load_or_build_apart`) and keeps it beside the
index, rebuilt when the index's documents change.
"""
from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import logging
import math
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from retrieval.analysis import Analyzer
from retrieval.local_index import LocalIndex

log = logging.getLogger(__name__)

TABLE_FORMAT = 10  # bump when the selection rules change: cached tables are rebuilt
MAX_ALTERNATIVES = 3
MAX_GLOSS_TERMS = 3
MAX_HEADWORD_CHARS = 8
MAX_HEADWORD_TERMS = 3
ABSENT_GLOSSES = 2  # a common entry's first glosses name it well enough to tell a topic is absent
LOOSE_SHARE = 0.5  # alternatives scoring below this share of the best are dropped
# Entries JMdict marks as common (the "P" mark of EDICT): news1, ichi1, spec1/2, gai1.
_COMMON = frozenset({"news1", "ichi1", "spec1", "spec2", "gai1"})
_NOUN_POS = ("noun (common)", "noun or participle which takes the aux. verb suru",
             "adjectival nouns", "nouns which may take the genitive case particle")
_PLAIN_NOUN_POS = ("noun (common)", "nouns which may take the genitive case particle")
_SKIPPED_MISC = frozenset({
    "archaism", "obscure term", "obsolete term", "slang", "Internet slang", "manga slang", "vulgar expression or word",
    "derogatory", "children's language", "jocular, humorous term", "dated term", "historical term", "rare",
    "word usually written using kana alone", "onomatopoeic or mimetic word", "proverb", "poetical term",
    "sensitive", "female term or language", "male term or language", "familiar language", "quotation",
})
_PARENTHESES = re.compile(r"\([^)]*\)")
# Words the Analyzer drops as stop words but that change what a gloss means: "not allowed" would
# key "allow", "same kind" "kind", "each person" "person".
_MEANINGFUL_STOPWORDS = frozenset({
    "not", "no", "non", "never", "without", "nor", "same", "each", "all", "other", "some", "any", "only",
    "own", "such", "every", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our", "their",
    "more", "most", "less", "very", "too"})
_LEADING_PARENTHESES = re.compile(r"^\(([^)]*)\)")
# Statutes write their terms in kanji (手続, 休暇) or katakana (ハラスメント); a noun spelt with
# kana endings (当たり, 求め, 見直し) is a verb's everyday form and a loose search word.
_STATUTORY_FORM = re.compile(r"^(?:[\u4e00-\u9fff々]+|[\u30a1-\u30fa\u30fc・]+)$")


def jmdict_path() -> Path | None:
    """The installed `jamdict-data` database, or None when the package is not installed.
    The package installs the database unpacked (jamdict.db); a source checkout holds it xz-packed."""
    spec = importlib.util.find_spec("jamdict_data")  # located, not imported: only its data is used
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent
    plain, packed = folder / "jamdict.db", folder / "jamdict.db.xz"
    if plain.is_file():
        return plain
    return packed if packed.is_file() else None


def jmdict_version(path: Path) -> str:
    """Which database a table was built from: a reinstalled or updated package gives another."""
    stat = path.stat()
    return f"{path.resolve()}:{stat.st_size}:{int(stat.st_mtime)}"


@dataclass(frozen=True)
class _Sense:
    idseq: int
    index: int  # order within its entry: the first senses are the word's main meanings
    glosses: tuple[str, ...]
    plain_noun: bool = False  # a noun only: no suru-verb, adverb or adjective use (食堂, not 多く)


def _connect(path: Path) -> tuple[sqlite3.Connection, Path | None]:
    """A read-only connection; an xz-packed database is unpacked to a temporary file first."""
    if path.suffix == ".xz":
        import lzma

        fd, name = tempfile.mkstemp(suffix=".db")
        try:
            with os.fdopen(fd, "wb") as out, lzma.open(path) as packed:
                while chunk := packed.read(1 << 20):
                    out.write(chunk)
            return sqlite3.connect(f"file:{name}?mode=ro", uri=True), Path(name)
        except BaseException:  # a damaged package leaves no unpacked copy behind
            Path(name).unlink(missing_ok=True)
            raise
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True), None


def _noun_senses(conn: sqlite3.Connection, entries: Container[int]) -> Iterator[_Sense]:
    """The noun senses of `entries` with their English glosses, skipping registers that make poor
    search words. Streamed in entry order: JMdict states a sense's part of speech only when it
    differs from the sense before, so the senses of an entry are read in their order."""
    rows = conn.execute(
        "SELECT s.idseq, s.ID, g.text,"
        " (SELECT group_concat(text, '|') FROM pos WHERE sid = s.ID),"
        " (SELECT group_concat(text, '|') FROM misc WHERE sid = s.ID)"
        " FROM Sense s JOIN SenseGloss g ON g.sid = s.ID AND g.lang = 'eng' ORDER BY s.idseq, s.ID, g.rowid")
    current_entry, current_sense, index, inherited, plain_noun = -1, -1, 0, "", False
    glosses: list[str] = []
    wanted = False
    for idseq, sid, gloss, pos, misc in rows:
        if sid != current_sense:
            if wanted and glosses:
                yield _Sense(current_entry, index, tuple(glosses), plain_noun)
            index = index + 1 if idseq == current_entry else 0
            if idseq != current_entry:
                inherited = ""
            current_entry, current_sense, glosses = idseq, sid, []
            inherited = pos or inherited
            wanted = (idseq in entries and any(p.startswith(_NOUN_POS) for p in inherited.split("|"))
                      and not (misc and _SKIPPED_MISC & set(misc.split("|"))))
            plain_noun = all(p.startswith(_PLAIN_NOUN_POS) for p in inherited.split("|"))
        glosses.append(gloss)
    if wanted and glosses:
        yield _Sense(current_entry, index, tuple(glosses), plain_noun)


def _headword_forms(conn: sqlite3.Connection, characters: frozenset[str]) -> dict[int, list[tuple[str, bool]]]:
    """Per entry: its written forms that could be a term of the index, in JMdict's order, each
    with whether it is marked common. Kanji forms (手続, 休暇); katakana forms only for entries
    written without kanji (ハラスメント). Only forms made of characters the index holds are kept."""
    forms: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    kanji = conn.execute("SELECT k.idseq, k.text, (SELECT group_concat(text, ' ') FROM KJP WHERE kid = k.ID)"
                         " FROM Kanji k ORDER BY k.ID")
    kana = conn.execute("SELECT n.idseq, n.text, (SELECT group_concat(text, ' ') FROM KNP WHERE kid = n.ID)"
                        " FROM Kana n WHERE NOT EXISTS (SELECT 1 FROM Kanji k WHERE k.idseq = n.idseq)"
                        " ORDER BY n.ID")
    for idseq, text, tags in itertools.chain(kanji, kana):
        if text and len(text) <= MAX_HEADWORD_CHARS and _STATUTORY_FORM.match(text) and characters.issuperset(text):
            forms[idseq].append((text, bool(_COMMON & set((tags or "").split()))))
    return forms


def english_key(analyzer: Analyzer, phrase: str) -> str:
    """A phrase as the Analyzer's English terms, space-joined ("Leaves of absence" -> "leave absence")."""
    return " ".join(analyzer.terms(phrase.lower()))


def gloss_keys(analyzer: Analyzer, gloss: str) -> str | None:
    """The search key of a gloss, or None when it is no short plain phrase.
    "to strike (esp. labour)" -> "strike", "(legal) person" -> "legal person"."""
    # A leading "(legal) person" narrows the word, so it stays; a trailing "(esp. labour)" is a note.
    text = _LEADING_PARENTHESES.sub(r"\1 ", gloss)
    text = _PARENTHESES.sub(" ", text).strip().lower()
    text = re.sub(r"^(?:to|the|a|an) ", "", text)
    if not text or not re.fullmatch(r"[a-z][a-z' \-]*", text) or _MEANINGFUL_STOPWORDS & set(text.split()):
        return None
    key = english_key(analyzer, text)
    words = key.split()
    return key if 0 < len(words) <= MAX_GLOSS_TERMS else None


class CorpusVocabulary:
    """What the index holds, as the table builder needs it: a term's document frequency, and how
    many passages hold a run of terms side by side (a compound the Analyzer splits: 労働 者)."""

    def __init__(self, frequency: Callable[[str], int], analysed_texts: Callable[[], Iterable[str]]) -> None:
        """`analysed_texts` yields each passage's analysed terms, space-joined (one pass is made)."""
        self.frequency = frequency
        self._analysed_texts = analysed_texts
        self._characters: frozenset[str] | None = None

    def characters(self) -> frozenset[str]:
        """Every character of the analysed texts: a headword with another one cannot be a term
        of the index, and is not worth analysing (most of JMdict, for a small corpus)."""
        if self._characters is None:
            chars: set[str] = set()
            for text in self._analysed_texts():
                chars.update(text)
            self._characters = frozenset(chars)
        return self._characters

    def phrase_frequencies(self, phrases: set[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
        counts: dict[tuple[str, ...], int] = defaultdict(int)
        sizes = sorted({len(p) for p in phrases})
        for text in self._analysed_texts():
            terms = text.split()
            seen = {tuple(terms[i : i + n]) for n in sizes for i in range(len(terms) - n + 1)} & phrases
            for phrase in seen:
                counts[phrase] += 1
        return dict(counts)


def build_table(path: Path, analyzer: Analyzer, vocabulary: CorpusVocabulary,
                max_alternatives: int = MAX_ALTERNATIVES) -> dict[str, list[str]]:
    """English key (Analyzer terms, space-joined) -> up to `max_alternatives` Japanese headwords,
    best first. Only headwords the index holds survive — one indexed term, or a compound whose
    terms stand side by side in some passage — and words the corpus uses more rank higher."""
    conn, temporary = _connect(path)
    try:
        return _build_table(conn, analyzer, vocabulary, max_alternatives)
    finally:
        conn.close()
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _build_table(conn: sqlite3.Connection, analyzer: Analyzer, vocabulary: CorpusVocabulary,
                 max_alternatives: int) -> dict[str, list[str]]:
    # Each entry's written forms as Analyzer terms, those with an unindexed term dropped. Only what
    # survives is kept in memory: the dictionary itself is streamed (the server stays small).
    analysed: dict[int, list[tuple[str, bool, tuple[str, ...]]]] = {}
    for idseq, forms in _headword_forms(conn, vocabulary.characters()).items():
        kept = []
        for text, common in forms:
            terms = tuple(analyzer.terms(text))
            # Kanji numerals are analysed to digits (五百 -> 500): an English word's translation
            # must be a Japanese word, never a number or Latin text.
            if (0 < len(terms) <= MAX_HEADWORD_TERMS and not any(t.isascii() for t in terms)
                    and all(vocabulary.frequency(t) for t in terms)):
                kept.append((text, common, terms))
        if kept:
            analysed[idseq] = kept
    compounds = {terms for kept in analysed.values() for _, _, terms in kept if len(terms) > 1}
    phrase_df = vocabulary.phrase_frequencies(compounds) if compounds else {}

    def headword(idseq: int) -> tuple[str, bool, int] | None:
        """The entry's first written form the index holds, whether it is common, in how many passages."""
        for text, common, terms in analysed[idseq]:
            df = vocabulary.frequency(terms[0]) if len(terms) == 1 else phrase_df.get(terms, 0)
            if df:
                return text, common, df
        return None

    chosen = {idseq: found for idseq in analysed if (found := headword(idseq)) is not None}
    candidates: dict[str, dict[str, float]] = defaultdict(dict)  # key -> headword -> score
    named: set[str] = set()  # one-word English keys that name a common Japanese noun
    common_entries = _common_entries(conn)
    for sense in _noun_senses(conn, chosen.keys() | common_entries):
        if sense.idseq in common_entries and sense.index == 0 and sense.plain_noun:
            # One plain word that is its own stem ("canteen"; not "consulting", which the light
            # stemmer folds into the verb "consult").
            named.update(key for gloss in sense.glosses[:ABSENT_GLOSSES]
                         if (key := gloss_keys(analyzer, gloss)) and key == gloss.strip().lower())
        if sense.idseq not in chosen:
            continue
        text, common, df = chosen[sense.idseq]
        for position, gloss in enumerate(sense.glosses):
            if len(text) == 1 and (sense.index or position):
                continue  # 条, 日, 子 mean many things: only their first meaning is kept (article, day, child)
            key = gloss_keys(analyzer, gloss)
            if key is not None:
                score = translation_score(sense.index, position, common, df)
                candidates[key][text] = max(score, candidates[key].get(text, 0.0))
    table: dict[str, list[str]] = {}
    for key, scored in sorted(candidates.items()):
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:max_alternatives]
        # A translation far behind the best one is a loose one: it would add noise, not recall.
        table[key] = [text for text, score in ranked if score >= LOOSE_SHARE * ranked[0][1]]
    # A common noun none of whose translations the index holds (canteen -> 食堂): kept with no
    # words, so a question about it is known to be about something the corpus does not cover.
    for key in named - table.keys():
        table[key] = []
    return table


_GLOSS_WORD = re.compile(r"[a-z]{3,}")


def english_words(path: Path, analyzer: Analyzer) -> list[str]:
    """Every English word of JMdict's glosses, as the Analyzer's terms (stems), sorted: the words
    a question may use that are real English, so an unknown one is not taken for a misspelling of
    a corpus word (flavor is not a typo of favor; helth is one of health)."""
    conn, temporary = _connect(path)
    try:
        words: set[str] = set()
        for (text,) in conn.execute("SELECT text FROM SenseGloss WHERE lang = 'eng'"):
            words.update(_GLOSS_WORD.findall(text.lower()))
    finally:
        conn.close()
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    return sorted({term for word in words for term in analyzer.terms(word)})


def _common_entries(conn: sqlite3.Connection) -> set[int]:
    """Entries JMdict marks common (`_COMMON`) in any written form."""
    rows = conn.execute(
        "SELECT k.idseq FROM Kanji k JOIN KJP p ON p.kid = k.ID"
        " WHERE p.text IN ('news1', 'ichi1', 'spec1', 'spec2', 'gai1')"
        " UNION SELECT n.idseq FROM Kana n JOIN KNP p ON p.kid = n.ID"
        " WHERE p.text IN ('news1', 'ichi1', 'spec1', 'spec2', 'gai1')")
    return {idseq for (idseq,) in rows}


def translation_score(sense_index: int, gloss_position: int, common: bool, document_frequency: int) -> float:
    """How good a search word a headword is for an English gloss, 0..1: the English word should be
    what the entry first means (its first sense, an early gloss), the entry common, and the word
    one the corpus uses (期間 over 一時期 for "period"); beyond 100 passages, use no longer tells."""
    closeness = 1.0 / (1 + gloss_position) / (1 + sense_index)
    corpus = math.log(1 + min(document_frequency, 100)) / math.log(101)
    return closeness * (1.0 if common else 0.7) * corpus


class EnglishDictionary:
    """Looks up English words and phrases (as Analyzer terms) in a built table, longest first."""

    def __init__(self, table: dict[str, list[str]], words: Iterable[str] = ()) -> None:
        self.table = table
        self.longest = max((len(key.split()) for key, words in table.items() if words), default=0)
        self.words = frozenset(words)  # JMdict's English gloss words, as Analyzer terms

    def is_english_word(self, term: str) -> bool:
        """Whether an Analyzer term is a real English word (JMdict glosses use it)."""
        return term in self.words

    def __len__(self) -> int:
        return sum(1 for words in self.table.values() if words)

    def translate(self, terms: Iterable[str], known: Callable[[str], bool] | None = None
                  ) -> list[tuple[str, list[str]]]:
        """(matched key, its headwords) for a run of English terms, longest phrases first, each
        term used once. `known` drops headwords the asker's view of the index lacks. A word
        that names a common noun the index has no word for comes with no headwords."""
        words = list(terms)
        found: list[tuple[str, list[str]]] = []
        start = 0
        while start < len(words):
            for size in range(min(self.longest, len(words) - start), 0, -1):
                key = " ".join(words[start : start + size])
                headwords = self.table.get(key)
                if headwords and known is not None:
                    headwords = [h for h in headwords if known(h)]
                if headwords:
                    found.append((key, headwords))
                    start += size
                    break
            else:
                if words[start] in self.table:  # known as a noun, absent from this index
                    found.append((words[start], []))
                start += 1
        return found


def cache_path(index_path: Path) -> Path:
    """Where the table for an index is kept: beside it (data/index.sqlite -> data/index.english.json)."""
    return index_path.with_name(f"{index_path.stem}.english.json")


# Keys are the Analyzer's English stems: a changed stemmer must rebuild the table, as a changed index does.
_STEMMER_PROBE = "leaves days working worked disclosures studies analysis"


def _stamp(fingerprint: str, source: Path, analyzer: Analyzer) -> str:
    return hashlib.sha256(json.dumps([TABLE_FORMAT, fingerprint, jmdict_version(source), analyzer.split_mode,
                                      english_key(analyzer, _STEMMER_PROBE)]).encode()).hexdigest()


def _read_cached(target: Path, stamp: str) -> EnglishDictionary | None:
    try:
        cached = json.loads(target.read_text(encoding="utf-8"))
        if cached.get("stamp") == stamp:
            return EnglishDictionary(cached["table"], cached.get("words", ()))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def load_or_build(index_path: Path, fingerprint: str, analyzer: Analyzer, vocabulary: CorpusVocabulary,
                  source: Path | None = None) -> EnglishDictionary | None:
    """The table for this index, read from beside it when `fingerprint` (what the index holds) and
    the dictionary source still match, else built and written there. `source`: a JMdict database
    in jamdict's format, by default the installed `jamdict-data`'s. None when there is none."""
    source = source or jmdict_path()
    if source is None:
        return None
    stamp = _stamp(fingerprint, source, analyzer)
    target = cache_path(index_path)
    cached = _read_cached(target, stamp)
    if cached is not None:
        return cached
    table = build_table(source, analyzer, vocabulary)
    words = english_words(source, analyzer)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps({"stamp": stamp, "source": "JMdict (EDRDG, CC BY-SA 4.0) via jamdict-data",
                                       "table": table, "words": words}, ensure_ascii=False), encoding="utf-8")
        partial.replace(target)  # readers never see a half-written table
    except OSError as exc:  # a read-only data folder still gets the table, in memory
        log.warning("English dictionary table not cached at %s: %s", target, exc.__class__.__name__)
    return EnglishDictionary(table, words)


def index_fingerprint(index: LocalIndex) -> str:
    """What the index holds, as its documents' content hashes: the table is rebuilt when it changes."""
    return json.dumps(sorted(index.document_hashes().items()))


def index_vocabulary(index: LocalIndex) -> CorpusVocabulary:
    """The vocabulary of the index's public passages (no restricted document's words reach the
    table): per term, how many passages hold it, in any field."""
    def public_fields() -> Iterator[str]:
        for passage, fields in index.iter_analysed_passages():
            if not passage.allowed_groups:
                yield from fields

    frequency: Counter[str] = Counter()
    for passage, fields in index.iter_analysed_passages():
        if not passage.allowed_groups:
            frequency.update(set(" ".join(fields).split()))
    return CorpusVocabulary(lambda term: frequency.get(term, 0), public_fields)


def load_or_build_apart(index: LocalIndex, analyzer: Analyzer, timeout_seconds: float = 600.0
                        ) -> EnglishDictionary | None:
    """The table for `index`, read from beside it; when it is missing or stale, built by a child
    process first. Reading JMdict and analysing its headwords takes seconds and some hundred MB
    that a long-running server would keep: a child returns them to the system when it exits."""
    source = jmdict_path()
    if source is None:
        return None
    stamp = _stamp(index_fingerprint(index), source, analyzer)
    cached = _read_cached(cache_path(index.path), stamp)
    if cached is not None:
        return cached
    command = [sys.executable, "-m", "retrieval.english_dictionary", str(index.path.resolve()), analyzer.split_mode]
    # our own module run by this interpreter, on a path of ours: no shell, no outside input
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_seconds,  # noqa: S603  # nosec B603
                          cwd=Path(__file__).resolve().parents[1])
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise OSError(f"building the English table failed: {last}")
    table = _read_cached(cache_path(index.path), stamp)
    if table is None:  # the child could not write beside the index (a read-only data folder)
        raise OSError(f"the English table could not be kept at {cache_path(index.path)}")
    return table


def main(argv: list[str]) -> int:
    """`python -m retrieval.english_dictionary INDEX [SPLIT_MODE]`: build the table beside INDEX."""
    index = LocalIndex(Path(argv[0]))
    try:
        table = load_or_build(index.path, index_fingerprint(index), Analyzer(argv[1] if len(argv) > 1 else "A"),
                              index_vocabulary(index))
    finally:
        index.close()
    print(f"{len(table or ())} English keys beside {index.path}")
    return 0 if table is not None else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Turning Japanese (and English) text into search terms.

SudachiPy splits Japanese into morphemes; FTS5's trigram tokenizer cannot find 1–2 character words
such as 休暇 or 育休, so we index Sudachi's terms, space-joined, in a unicode61 column instead.
English runs are handled by a plain word regex, because Sudachi "normalises" English words to
katakana (paid -> ペイド), which would never match an English document.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

# Sudachi refuses inputs above ~49 KB of UTF-8; stay well below it.
_MAX_CHUNK_CHARS = 12_000
_SKIPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白", "記号"})
_ASCII_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")
_SEGMENTS = re.compile(r"([A-Za-z0-9][A-Za-z0-9'\- ]*)")
_JAPANESE_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")

ENGLISH_STOPWORDS = frozenset(
    """a an the of to in on for and or is are was were be been being do does did can could may might
    must shall should will would i me my we our you your he she it its they them their this that these
    those what which who whom how when where why with by from as at about into than then there here
    if not no any all some each other such only own same so too very just also have has had get got
    s t""".split()
)


def normalize(text: str) -> str:
    """NFKC folds full-width digits/letters and half-width katakana, so ２ and 2 index alike."""
    return unicodedata.normalize("NFKC", text)


def detect_language(text: str) -> str:
    """'en' for Latin-script text with no kana or kanji; 'ja' otherwise, including text with no
    letters at all (emoji, ？？？), since Japanese is the staff's default."""
    if _JAPANESE_CHAR.search(text) or not re.search(r"[A-Za-z]", text):
        return "ja"
    return "en"


def _stem(word: str) -> str:
    """A deliberately light English stemmer: plural and -ing/-ed forms fold to one term."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + keep
    return word


class Analyzer:
    """Thread-safe term extractor. The Sudachi dictionary (~190 MB) loads once, on first use."""

    def __init__(self, split_mode: str = "A") -> None:
        self.split_mode = split_mode
        self._local = threading.local()

    def _tokenizer(self):
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            from sudachipy import SplitMode

            mode = getattr(SplitMode, self.split_mode)
            tokenizer = _dictionary().tokenizer(mode=mode)
            self._local.tokenizer = tokenizer
        return tokenizer

    def terms(self, text: str) -> list[str]:
        """Content terms in order: Sudachi normalised forms for Japanese, stems for English."""
        return [term for term, _ in self.tagged_terms(text)]

    def tagged_terms(self, text: str) -> list[tuple[str, bool]]:
        """(term, is_noun) pairs; English words count as nouns (they name things, mostly)."""
        out: list[tuple[str, bool]] = []
        for segment in _SEGMENTS.split(normalize(text)):
            if not segment:
                continue
            if _ASCII_RUN.match(segment):
                out.extend((term, True) for term in self._english_terms(segment))
            else:
                out.extend(self._japanese_terms(segment))
        return out

    @staticmethod
    def _english_terms(segment: str) -> list[str]:
        words = (w.lower().strip("'-") for w in _ASCII_RUN.findall(segment))
        return [_stem(w) for w in words if w and w not in ENGLISH_STOPWORDS]

    def _japanese_terms(self, segment: str) -> list[tuple[str, bool]]:
        tokenizer = self._tokenizer()
        out: list[tuple[str, bool]] = []
        for start in range(0, len(segment), _MAX_CHUNK_CHARS):
            for morpheme in tokenizer.tokenize(segment[start : start + _MAX_CHUNK_CHARS]):
                pos = morpheme.part_of_speech()[0]
                if pos in _SKIPPED_POS:
                    continue
                term = morpheme.normalized_form().lower()
                if term.strip():
                    out.append((term, pos == "名詞"))
        return out


@lru_cache(maxsize=1)
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")

"""Clipped words (略語) read from the corpus itself: 育休 for 育児休業, 健診 for 健康診断, 超勤 for
超過勤務, 労基 for 労働基準.

Staff clip a compound the way Japanese clips any compound: the first character of each of its
words (育児 + 休業 -> 育休). So the corpus says which compounds a clipping can stand for: every run
of two to four adjacent kanji words in its passages is filed under its initials, with how often it
occurs. A question word the index has no term for (or that Sudachi can only cut into single
characters, as it does 介休) is looked up by its own characters, and the compounds filed under it
are searched in its place, as one concept (a passage using either 介護休業 or 介護休暇 covers 介休).

This replaces nothing in `retrieval/data/synonyms.yaml`; it covers the clippings no one wrote down,
which a reviewed list never can (a new question's 育短 or 特休 is as likely as the dev set's 育休).
An ordinary word the corpus lacks (食堂, 電車) has no compound under its characters and stays
unknown, so the abstention signal of an unknown noun is untouched.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

_KANJI_WORD = re.compile(r"[\u4e00-\u9fff々]+")
# A clipping of two to four words; longer ones are not said.
MIN_WORDS, MAX_WORDS = 2, 4
# How often a compound must occur to be a clipping's reading (once is a coincidence of initials),
# and the share of the clipping's occurrences it must have beside the most frequent reading.
MIN_COUNT = 3
MIN_SHARE = 0.1
MAX_READINGS = 3
# A clipping names a fixed expression, whose words stand together: of the rarer of each two
# adjacent words, this share of its occurrences must be beside the other. On the ja corpus it keeps
# 育児休業 (.64), 病気休暇 (.89), 特別急行 (.21), 通信販売 (.05), 特別休暇 (.046) and drops what
# frequent words make by chance: 当該番号 (.003) for 当番, 当該課徴 (.02) for 当課, 特定休暇 (.008).
MIN_COHESION = 0.04


class ClippedWords:
    """Initials -> the corpus' compounds with those initials, most frequent first."""

    def __init__(self, runs: Iterable[Sequence[str]]) -> None:
        """`runs`: the corpus' runs of adjacent kanji words (Analyzer.kanji_runs of each passage)."""
        counts: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
        words_seen: Counter[str] = Counter()
        pairs_seen: Counter[tuple[str, str]] = Counter()
        for run in runs:
            words_seen.update(run)
            pairs_seen.update(zip(run, run[1:]))
            for start in range(len(run)):
                for size in range(MIN_WORDS, MAX_WORDS + 1):
                    words = tuple(run[start:start + size])
                    # Every word but the last has two characters or more: a clipping keeps one
                    # character of each word, so a one-character word cannot be clipped.
                    if len(words) < size or any(len(w) < 2 for w in words[:-1]):
                        continue
                    if len(words[-1]) == 1 and start + size < len(run):
                        # 育児 + 短 (+ 時間 勤務): a one-character last word is a prefix of what follows
                        words = (*words, run[start + size])
                    counts["".join(w[0] for w in words[:size])][words] += 1
        self._readings: dict[str, tuple[tuple[str, ...], ...]] = {}
        for initials, compounds in counts.items():
            ranked = compounds.most_common()
            top = ranked[0][1]
            kept = tuple(words for words, n in ranked[:MAX_READINGS] if n >= MIN_COUNT and n >= MIN_SHARE * top
                         and all(pairs_seen[pair] >= MIN_COHESION * min(words_seen[pair[0]], words_seen[pair[1]])
                                 for pair in zip(words, words[1:])))
            if kept:
                self._readings[initials] = kept

    def readings(self, word: str) -> tuple[tuple[str, ...], ...]:
        """The compounds (each as its words) `word` may be a clipping of; () when none."""
        if not _KANJI_WORD.fullmatch(word) or not MIN_WORDS <= len(word) <= MAX_WORDS:
            return ()
        return self._readings.get(word, ())


def clipping_candidates(text: str, word_runs: Sequence[Sequence[str]], unknown: Callable[[str], bool]) -> list[str]:
    """The words of a question that may be clippings: each kanji word of `word_runs` (the
    question's runs of kanji words) the index lacks (`unknown`), and each run of two or three
    single-kanji words (Sudachi's cut of a word it does not know: 介休 -> 介 + 休). Only words as
    the question writes them: a normalised form it does not contain is not what the asker typed."""
    found: list[str] = []
    for run in word_runs:
        if 2 <= len(run) <= 3 and all(len(w) == 1 for w in run):
            found.append("".join(run))
            continue
        found.extend(w for w in run if MIN_WORDS <= len(w) <= MAX_WORDS and unknown(w))
    return list(dict.fromkeys(w for w in found if w in text))

"""Second-stage ranking of the first stage's top candidates: the right article within the right law.

The first stage (BM25F + whole-passage features) finds the right document; what separates the
article that answers from its neighbours is local: whether one sentence carries most of the
question (rather than its words being scattered over a long article), whether the article's
caption (見出し) names the topic, and whether the passage states the kind of value the question
asks for (a period, a number of days, an amount). These are computed on the text of the top
candidates only, so they cost microseconds.

The weights were fitted on pseudo-questions made from the corpora themselves
(bench/fit_rerank.py), not on the dev questions, and checked on the held-out dev half.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from collections.abc import Sequence

from retrieval.analysis import normalize
from retrieval.answer_types import (CONCRETE_VALUE_TYPES, AnswerType, Modality, defined_terms_in, enumerates,
                                    stated_values, states_bound, states_in_unit, states_modality)
from retrieval.models import Passage

CANDIDATES = 50
_SENTENCE_END = re.compile(r"[。\n]")


@dataclass(frozen=True)
class RerankWeights:
    @property
    def max_bonus(self) -> float:
        return self.sentence + self.caption + self.answer_value + self.definition + self.bound + self.modality

    sentence: float = 0.0  # IDF-weighted share of the question in the passage's best single sentence
    caption: float = 0.4  # the same share, in the article caption (見出し)
    answer_value: float = 0.3  # the passage states a value of the kind asked for
    # A definition question (…とは, …に当たる？) and the passage defines (「X」とは…) a term the
    # question names.
    definition: float = 0.3
    # A limit is asked for (最大何日, 最低何日) and the passage states a number so bounded (九十日を
    # 超えることはできない, 三十日以上). Tune: blind2 MRR .595 -> .614, colloquial F1 .328 -> .339
    # (with the answerer's like preference); 0.2 and more lose blind2 hit@5; held halves flat.
    bound: float = 0.1
    # Candidates of the documents whose best first-stage score is within this of the leader's are
    # re-ordered: when two laws are near-tied, the first stage has not really chosen between them.
    # Tune halves (ja, colloquial check, blind2): 0.05 to 0.2 rank alike, colloquial tune hit@5
    # .739 -> .783, blind2 MRR .550 -> .576; 0.4 and more cost ja held answer F1 (.516 -> .488).
    document_margin: float = 0.2
    # A yes/no question about a rule (しなきゃだめ？ / アウト？ / 出していいの？) and the passage states
    # that kind of rule (…しなければならない / …してはならない / …できる, …を除き, この限りでない).
    # Tune sets (pooled over 256 answerable questions, blind10 included): MRR .6013 -> .6064, hit@5
    # .715 -> .730, hit@10 .812 -> .832 (0.2: .6050; 0.4: .6083 but hit@10 .828); held halves: ja
    # MRR .882 -> .879 (one question 4 -> 5), colloquial .649 -> .654.
    modality: float = 0.3


class PassageText:
    """Per passage, its normalised sentences and caption, and which value kinds it states:
    computed the first time the passage is a candidate, then kept (the corpus is fixed per index
    generation, and only passages that ever reach the top candidates are cached)."""

    def __init__(self) -> None:
        self._sentences: dict[int, tuple[str, list[int]]] = {}
        self._captions: dict[int, str] = {}
        self._values: dict[tuple[int, AnswerType], frozenset[tuple[int, str] | None]] = {}
        self._defined: dict[int, tuple[str, ...]] = {}
        self._lists: dict[int, bool] = {}
        self._in_unit: dict[tuple[int, str], bool] = {}
        self._bounds: dict[tuple[int, str], bool] = {}
        self._modalities: dict[tuple[int, Modality], bool] = {}

    def sentences(self, row: int, passage: Passage) -> tuple[str, list[int]]:
        """The normalised text and the offsets where its sentences start."""
        cached = self._sentences.get(row)
        if cached is None:
            text = normalize(passage.text).lower()
            cached = (text, [0, *(m.end() for m in _SENTENCE_END.finditer(text))])
            self._sentences[row] = cached
        return cached

    def caption(self, row: int, passage: Passage) -> str:
        cached = self._captions.get(row)
        if cached is None:
            cached = self._captions[row] = normalize(passage.caption or "")
        return cached

    def defined_terms(self, row: int, passage: Passage) -> tuple[str, ...]:
        """The terms the passage defines: 「個人情報」とは… / 「職員」という / 一　端末　…をいう。"""
        cached = self._defined.get(row)
        if cached is None:
            cached = self._defined[row] = tuple(defined_terms_in(normalize(passage.text)))
        return cached

    def lists(self, row: int, passage: Passage) -> bool:
        cached = self._lists.get(row)
        if cached is None:
            cached = self._lists[row] = enumerates(passage.text)
        return cached

    def bounds(self, row: int, passage: Passage, bound: str) -> bool:
        cached = self._bounds.get((row, bound))
        if cached is None:
            cached = self._bounds[(row, bound)] = states_bound(bound, passage.text)
        return cached

    def states_rule(self, row: int, passage: Passage, modality: Modality) -> bool:
        cached = self._modalities.get((row, modality))
        if cached is None:
            cached = self._modalities[(row, modality)] = states_modality(modality, passage.text)
        return cached

    def states(self, row: int, passage: Passage, kind: AnswerType,
               given: frozenset[tuple[int, str]] = frozenset(), unit: str | None = None) -> bool:
        if unit is not None:
            # 何歳 is answered by an age, not by the number of years an extension lasts
            in_unit = self._in_unit.get((row, unit))
            if in_unit is None:
                in_unit = self._in_unit[(row, unit)] = states_in_unit(unit, passage.text)
            if not in_unit:
                return False
        values = self._values.get((row, kind))
        if values is None:
            values = self._values[(row, kind)] = stated_values(kind, passage.text)
        # a value the question itself states (年20日だよね？) does not count
        return any(value not in given for value in values)


def rerank_bonus(row: int, passage: Passage, present: Sequence[tuple[str, float]], total: float,
                 answer_type: AnswerType, weights: RerankWeights, texts: PassageText,
                 given: frozenset[tuple[int, str]] = frozenset(), unit: str | None = None,
                 bound: str | None = None, modality: Modality | None = None) -> float:
    """Score to add to the first-stage score. `present`: (term, IDF weight) of the question's terms
    the passage contains (from the postings); `total`: the weight of all the question's terms."""
    if not total:
        return 0.0
    bonus = 0.0
    if weights.sentence:  # the fitted weight is 0: then no sentence is scanned
        best = sum(weight for _, weight in present)
        if len(present) > 1:  # with one term or none, the passage is its own best sentence
            text, starts = texts.sentences(row, passage)
            if len(starts) > 1:
                best = _best_sentence_share(text, starts, present)
        bonus = weights.sentence * best / total
    if weights.caption and passage.caption:
        bonus += weights.caption * _caption_match(texts.caption(row, passage), present, total)
    if weights.answer_value and _is_concrete(answer_type) and texts.states(row, passage, answer_type, given, unit):
        bonus += weights.answer_value
    if weights.bound and bound is not None and texts.bounds(row, passage, bound):
        bonus += weights.bound
    if weights.modality and modality is not None and texts.states_rule(row, passage, modality):
        bonus += weights.modality
    if weights.answer_value and answer_type is AnswerType.LIST and texts.lists(row, passage):
        bonus += weights.answer_value  # 種類は？ is answered by the passage that enumerates them
    if (weights.definition and answer_type is AnswerType.DEFINITION
            and _names_a_defined_term(texts.defined_terms(row, passage), present)):
        bonus += weights.definition
    return bonus


def _names_a_defined_term(defined: tuple[str, ...], present: Sequence[tuple[str, float]]) -> bool:
    """Whether some term the passage defines is made of the question's words only (「個人情報」
    from 個人 + 情報): the question names what this passage defines."""
    words = sorted((term for term, _ in present), key=len, reverse=True)
    for name in defined:
        rest = name
        for word in words:
            rest = rest.replace(word, "")
        if len(rest) < len(name) and not rest.strip("のな・ "):
            return True
    return False


def _caption_match(caption: str, present: Sequence[tuple[str, float]], total: float) -> float:
    """How well the caption names what was asked: the question's (weighted) share found in it,
    times the square of the caption's share made of question words — 育児休業の期間 names a
    question about 育児休業 and 期間 better than 育児休業の期間の延長 does. Squared because a
    caption says what its article is about, and every word of it the question does not use says
    the article is about something more (日当 answers 「日帰りでも日当は満額？」 better than
    退職者等の旅費 does). Tune sets: blind2 hit@1 .538 -> .615, MRR .650 -> .695; the ja dev and
    colloquial held halves unchanged; the cube and a weight of 0.3 or 0.6 gain less."""
    found = [(term, weight) for term, weight in present if term in caption]
    if not found or not caption:
        return 0.0
    share = sum(weight for _, weight in found) / total
    precision = min(1.0, sum(len(term) for term, _ in found) / len(caption))
    return share * precision ** 2


def _best_sentence_share(text: str, starts: list[int], present: Sequence[tuple[str, float]]) -> float:
    """The largest summed weight of distinct terms found in one sentence (sentences start at
    `starts`). Walks each term's occurrences rather than every sentence, as terms are few."""
    per_sentence: dict[int, float] = {}
    for term, weight in present:
        seen: set[int] = set()
        position = text.find(term)
        while position >= 0:
            sentence = bisect_right(starts, position) - 1
            if sentence not in seen:
                seen.add(sentence)
                per_sentence[sentence] = per_sentence.get(sentence, 0.0) + weight
            position = text.find(term, position + len(term))
    return max(per_sentence.values(), default=0.0)


def _is_concrete(answer_type: AnswerType) -> bool:
    """Only the value kinds are checked; every passage 'states' a permission or a procedure."""
    return answer_type in CONCRETE_VALUE_TYPES

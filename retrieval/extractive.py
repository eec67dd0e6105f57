"""The default answerer when no LLM is configured: quote the best matching articles, cite them.

It never paraphrases or invents: the answer is the sentences of the regulation that match the
question best, each with its [n] marker and article name. It abstains when the best passage does
not cover enough of what the question asks about.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence

from prompts import messages
from retrieval.analysis import Analyzer
from retrieval.answer_types import QuestionIntent, analyse, states_value, value_span
from retrieval.models import Answer, Citation, Question, ScoredPassage
from retrieval.numerals import NUMBER_CLASS, value_in_english
from retrieval.query import content_terms

MAX_QUOTE_CHARS = 220
VALUE_CHECK_DEPTH = 3  # a concrete value must be stated in one of this many top passages
# an abstention names passages whose confidence reached this share of the bar
NEAR_MISS_SHARE = 0.6
EXCEPTION_PENALTY = 1.5
_EXCEPTION = re.compile(r"(?:前[項条]|前各項|同項|第.{1,6}項)の規定にかかわらず|ただし、")
_CAPTION_ONLY = re.compile(r"[（(][^）)]*[）)]")
_LEADING_LABEL = re.compile(rf"^(?:附則)?(?:第{NUMBER_CLASS}+条(?:の{NUMBER_CLASS}+)*)?[\s　]*(?:[0-9０-９]+[\s　]+)?")
_QUANTITY = re.compile(rf"{NUMBER_CLASS}+\s*(?:日|年|月|週|時間|分|円|割|歳|回|箇月|か月|キロメートル|人|パーセント|%)")


class ExtractiveAnswerer:
    def __init__(self, *, analyzer: Analyzer, min_coverage: float = 0.3, max_citations: int = 2,
                 second_score_ratio: float = 0.95) -> None:
        self.analyzer = analyzer
        self.min_coverage = min_coverage
        self.max_citations = max_citations
        self.second_score_ratio = second_score_ratio

    # STEP 1: decide whether the passages answer the question at all
    def coverage(self, question_terms: Sequence[str], passage: ScoredPassage) -> float:
        """Share of the question's distinct content terms found in the passage or its title."""
        wanted = set(question_terms)
        if not wanted:
            return 0.0
        p = passage.passage
        found = set(self.analyzer.terms(f"{p.title} {p.caption or ''} {p.text}"))
        return len(wanted & found) / len(wanted)

    async def stream(self, question: Question, passages: Sequence[ScoredPassage]) -> AsyncIterator[Answer]:
        """One final answer, no drafts: quoting is quick, but analysing sentences is CPU work."""
        yield await asyncio.to_thread(self.compose, question, passages)

    async def aclose(self) -> None:
        pass

    def compose(self, question: Question, passages: Sequence[ScoredPassage]) -> Answer:
        terms = content_terms(self.analyzer, question.text)
        intent = analyse(question.text)
        if intent.local_unit and not _any_document_of(intent.local_unit, passages):
            # うちの課の…: a section's own arrangement is in no 例規 unless one of its documents is indexed.
            return self._abstain(question, terms, passages, reason="abstain_local", unit=intent.local_unit)
        chosen = self._choose(terms, passages)
        if not chosen:
            return self._abstain(question, terms, passages)
        if intent.wants_value and not any(states_value(intent.answer_type, p.passage.text)
                                          for p in passages[:VALUE_CHECK_DEPTH]):
            # A value was asked for (an amount, a number of days) and no top article states one:
            # quoting an article that merely shares the topic would look like an answer.
            return self._abstain(question, terms, passages, reason="abstain_value", intent=intent)
        # STEP 2: quote the best sentence(s) of each chosen passage, numbered in order; when a value
        # was asked for, the article stating it leads, and its value is the key phrase in bold.
        if intent.wants_value:
            chosen.sort(key=lambda p: not states_value(intent.answer_type, p.passage.text))
        text = messages(question.language)
        text_lines = [text["answer_intro"]]
        citations = []
        key_line = None
        for position, scored in enumerate(chosen, start=1):
            quote = best_quote(scored.passage.text, set(terms), self.analyzer, intent=intent)
            citations.append(Citation(position=position, passage=scored.passage, quote=quote))
            shown, value = _bold_value(quote, intent)
            if value and key_line is None:
                key_line = text["answer_key"].format(value=_key_value(value, quote, question.language),
                                                     n=position, name=scored.passage.citation_name)
            text_lines.append(text["answer_item"].format(quote=shown, n=position, name=scored.passage.citation_name))
        if key_line:  # the key fact is the answer's opening; the generic intro would only delay it
            text_lines[0] = key_line
        text_lines.append(text["answer_outro"])
        return Answer(text="\n\n".join(text_lines), citations=tuple(citations),
                      passages=tuple(passages), abstained=False, language=question.language)

    def _confidence(self, terms: Sequence[str], passage: ScoredPassage) -> float:
        """The searcher's own confidence when it gives one, else plain term coverage."""
        return passage.confidence if passage.confidence is not None else self.coverage(terms, passage)

    def _choose(self, terms: Sequence[str], passages: Sequence[ScoredPassage]) -> list[ScoredPassage]:
        if not passages or self._confidence(terms, passages[0]) < self.min_coverage:
            return []
        chosen = [passages[0]]
        for candidate in passages[1:]:
            if len(chosen) >= self.max_citations:
                break
            same_article = any(
                c.passage.doc == candidate.passage.doc and c.passage.article == candidate.passage.article
                for c in chosen)
            if (candidate.score >= passages[0].score * self.second_score_ratio and not same_article
                    and self._confidence(terms, candidate) >= self.min_coverage):
                chosen.append(candidate)
        return chosen

    def _abstain(self, question: Question, terms: Sequence[str], passages: Sequence[ScoredPassage], *,
                 reason: str = "abstain", unit: str | None = None, intent: QuestionIntent | None = None) -> Answer:
        """Say the rules are silent, and what to try next. Articles that came close (but not
        close enough to quote as an answer) are named, without citation markers, as leads; when
        the question's scope or asked-for value is the reason, say so and name the rules searched."""
        text = messages(question.language)
        searched = "、".join(dict.fromkeys(p.passage.title for p in passages[:5])) or "-"
        if reason == "abstain_local":
            parts = [text["abstain_local"].format(unit=unit, titles=searched)]
        elif reason == "abstain_value" and intent is not None:
            parts = [text["abstain_value"].format(kind=text[f"kind_{intent.answer_type.value}"], titles=searched)]
        else:
            parts = [text["abstain"]]
        near = [p for p in passages[:2] if self._confidence(terms, p) >= self.min_coverage * NEAR_MISS_SHARE]
        if near:
            names = "、".join(dict.fromkeys(p.passage.citation_name for p in near))
            parts.append(text["nearest"].format(names=names))
        parts.append(text["abstain_hint"])
        return Answer(text="\n\n".join(parts), citations=(), passages=tuple(passages), abstained=True,
                      language=question.language)


def _any_document_of(unit: str, passages: Sequence[ScoredPassage]) -> bool:
    """Whether a retrieved document belongs to a section (its title names a 課/係/…)."""
    return any(unit in p.passage.title for p in passages)


def _bold_value(quote: str, intent: QuestionIntent) -> tuple[str, str | None]:
    """(the quote with the asked-for value in **bold**, that value) — the quote unchanged when
    no value was asked for or the quote states none."""
    if not intent.wants_value:
        return quote, None
    span = value_span(intent.answer_type, quote, intent.value_unit)
    if span is None:
        return quote, None
    start, end = span
    value = quote[start:end]
    return f"{quote[:start]}**{value}**{quote[end:]}", value


def _key_value(value: str, sentence: str, language: str) -> str:
    """The key fact as the reader's language states it: English for numbers, periods and dates
    (二十日 -> 20 days), the statute's own words otherwise."""
    if language == "en":
        return value_in_english(value, sentence) or value
    return value


def split_sentences(text: str) -> list[str]:
    """Sentences of statute text: split at 。 and line ends, but never inside （…） or 「…」,
    where 。 ends a definition, not the sentence."""
    sentences: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "\n" and depth == 0:
            sentences.append("".join(current))
            current = []
            continue
        current.append(ch)
        if ch in "（(「『":
            depth += 1
        elif ch in "）)」』":
            depth = max(0, depth - 1)
        elif ch in "。．" and depth == 0:
            sentences.append("".join(current))
            current = []
    sentences.append("".join(current))
    return [s.strip() for s in sentences if s.strip()]


def _states_number_in(unit: str, sentence: str) -> bool:
    return re.search(rf"{NUMBER_CLASS}+\s*(?:箇|か|ヶ|カ)?{re.escape(unit)}", sentence) is not None


def _strip_labels(sentence: str) -> str:
    """Drop the leading 第N条 / ２ labels: the citation already names the article."""
    return _LEADING_LABEL.sub("", sentence).strip() or sentence


def best_quote(text: str, terms: set[str], analyzer: Analyzer, *, wants_number: bool = False,
               intent: QuestionIntent | None = None) -> str:
    """The sentence of `text` sharing most terms with the question (first wins ties). When the
    question asks for a value (何日, いつまで, いくら), a sentence stating that kind of value
    comes first: the answer leads with what was asked."""
    # A caption (（育児休業の期間）) names what the sentence after it rules on: its words count
    # for that sentence.
    sentences: list[str] = []
    captions: dict[int, str] = {}
    pending = ""
    for sentence in split_sentences(text):
        if _CAPTION_ONLY.fullmatch(sentence):
            pending = sentence
            continue
        if pending:
            captions[len(sentences)] = pending
            pending = ""
        sentences.append(sentence)
    sentences = sentences or [text]
    kind = intent.answer_type if intent is not None and intent.wants_value else None

    def score(index: int) -> float:
        sentence = sentences[index]
        overlap: float = len(terms & set(analyzer.terms(captions.get(index, "") + sentence)))
        # 前項の規定にかかわらず… / ただし… state an exception to the rule before them: the rule
        # answers unless the question names the exception's own conditions (its extra terms).
        if _EXCEPTION.match(_strip_labels(sentence)):
            overlap -= EXCEPTION_PENALTY
        if kind is not None:
            stated = 2.5 if states_value(kind, sentence) else 0.0
            if stated and intent is not None and intent.value_unit and _states_number_in(intent.value_unit, sentence):
                stated += 0.5  # 何日 is answered by a number of days, not of people
            return overlap + stated
        return overlap + (0.8 if wants_number and _QUANTITY.search(sentence) else 0.0)

    best = _strip_labels(sentences[max(range(len(sentences)), key=score)])
    if len(best) > MAX_QUOTE_CHARS:
        best = best[: MAX_QUOTE_CHARS - 1] + "…"
    return best

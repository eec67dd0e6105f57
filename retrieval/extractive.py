"""The default answerer when no LLM is configured: quote the best matching articles, cite them.

It never paraphrases or invents: the answer is the sentences of the regulation that match the
question best, each with its [n] marker and article name. It abstains when the best passage does
not cover enough of what the question asks about.
"""
from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import NamedTuple

from prompts import messages
from retrieval import definition_examples
from retrieval.abridge import abridge, top_level_parentheticals
from retrieval.analysis import Analyzer, detect_language, normalize
from retrieval.cpu_work import run_cpu
from retrieval.answer_types import (CONCRETE_VALUE_TYPES, AnswerType, QuestionIntent, analyse, answers_value,
                                    classify, compares, concludes_with_value, defined_terms_in, enumerates,
                                    names_as_word, states_bound, states_in_unit, states_modality, states_number,
                                    states_value, value_span, without_asked_count)
from retrieval.models import (ANSWER_CONFIDENCE, ANSWER_DEPTH, COMMENTARY_HEADING, Answer, Citation, Passage, Question,
                              ScoredPassage, in_answer_order)
from retrieval.numerals import KANJI_NUMBER_CHARS, NUMBER_CLASS, int_to_kanji, kanji_to_int, value_in_english
from retrieval.passage_vectors import embedded_text
from retrieval.penal_provisions import is_penal
from retrieval.query import content_terms, statutory_words, without_references
from retrieval.question_parts import asking_part, topic_phrase, written_casually

log = logging.getLogger(__name__)

# The question's similarity to each of several sentences in a sentence model
# (passage_vectors.LocalEmbedder.similarities): what breaks a tie between the sentences of an article
# that share as many of the question's words.
SentenceSimilarity = Callable[[str, Sequence[str]], Sequence[float]]
TieBreak = Callable[[Sequence[str]], "Sequence[float] | None"]
# An English question's Japanese concepts, as the searcher translated it: per concept, its alternative
# wordings, each as its terms ((("年次", "有給", "休暇"), ("年次", "休暇")), …); () for Japanese.
Translations = Callable[[Question], Sequence[Sequence[Sequence[str]]]]

# A question no passage covers by its words is still answered when one of the first MEANING_DEPTH
# passages means what it asks: its similarity in the second sentence model (USE multilingual v3,
# retrieval.universal_encoder; the same 200 characters the ranking reads) reaches MEANING_BAR. The
# answers the word bar turns away then split into answerable and unanswerable questions far better by
# that similarity than by their confidence (tune pool, abstained questions: AUC .835 against .683 on
# half A, .799 against .527 on half B; e5's similarity .73 / .66). Chosen on half A (session 32,
# bench/answer_bar.py): 0.45 / 0.5 answered .884 -> .934 / .906, abstained .847 -> .814 / .831, F1 .405
# -> .430 / .420, citations right .298 -> .304 / .309; at 0.5 half B answered .883 -> .906, abstained
# .820 unchanged, F1 .389 -> .396, citations right .303 -> .308. Taking the first passage alone instead
# of the most similar of three cited less well (.304 on half A).
MEANING_BAR = 0.5
# The same bar for a question written casually (有給って時間単位でも取れる？): the plain register is
# farther from a statute's wording than the polite one, so the model places casual questions lower,
# answerable and unanswerable alike (tune pool, Japanese, the best of the first three passages: mean
# similarity .475 casual / .521 polite when answerable, .290 / .355 when not; among the questions the
# word bars turn away, the similarity parts answerable from unanswerable as well in both registers,
# AUC .846 casual / .858 polite). Chosen on half A (session 37): casual bar 0.42 / 0.40 / 0.38 answered
# .906 -> .923 / .928 / .928, abstained .831 / .831 / .797, citations right 56 -> 57 / 58 / 58 (of 181);
# half B at 0.40 unchanged (answered .906, abstained .820, 56 right; at 0.38 abstained still .820).
MEANING_BAR_CASUAL = 0.4
# A yes/no question (ゴルフに行くことは問題ないでしょうか, 夜10時以降の勤務は外してほしいけど請求できる？)
# is mostly its story; the article answering it states the rule in general words and covers little
# of the question. When the first passage in the answer order states the very kind of rule asked (a
# permission, an obligation, a prohibition: answer_types.states_modality), this lower coverage bar
# decides instead of ANSWER_CONFIDENCE (`_states_rule_asked`). Among the tune pool's abstentions, such
# a lead covered up to .29 of an answerable question and at most .06 of an unanswerable one. Chosen on
# half A (session 50; 0.2 / 0.1 / 0.05 / 0: answered .928 -> .934 / .934 / .945 / .950, abstained .831
# throughout, citations right .387 -> .387 / .387 / .392 / .392; the highest bar at the best citations
# taken); half B answered .911 -> .933, abstained .820 -> .800 (one more answered), citations right
# .347 -> .353, F1 .398 -> .408.
RULE_ASKED_CONFIDENCE = 0.05
MEANING_DEPTH = 3

MAX_QUOTE_CHARS = 220
TAIL_CHARS = 70  # of a quote too long to show whole, the close kept (where the rule is stated); 50 and 100 score alike
TAIL_SLACK = 25  # how far the close may move to start after a 、
BOLD_CONTEXT_AFTER = 20  # characters kept after a bold value the quote is re-centred on
BOLD_CONTEXT_BEFORE = 10  # and before it, in a citation's quote (cited_window)
GIVEN_VALUE_ONLY = 1.5  # sentence score for stating only values the question itself gave
STATED_VALUE = 2.5  # sentence score for stating a value of the kind asked for
# ...when the only deadline it states is a bare marker (速やかに, から起算): いつまで？ is answered by
# 二週間前までに before 速やかに, and 三歳に達する日まで before a 回数 rule counted 出生の日から起算して
# (tune pool citations right .326 -> .332 on half A, B unchanged; samples-dev A .563 -> .594).
MARKER_ONLY_VALUE = 1.0
# The first passage may not cover the question while a near-tied runner-up does (colloquial check
# tune half: answered .870 -> .913, nothing else moved): this many, within this share of the score.
LEAD_DEPTH = 2
LEAD_SCORE_RATIO = 0.9
# an abstention names passages whose confidence reached this share of the bar
NEAR_MISS_SHARE = 0.6
EXCEPTION_PENALTY = 1.5
SECOND_QUOTE_SHARE = 0.5
EXCEPTION_OWN_TERMS = 2
LIST_BONUS = 1.5  # as much as an exception costs: a structural match outweighs one shared word
# An exception for a case (ただし、…がある場合には…できる) when the question puts a case itself: under
# one shared word, it decides between sentences that share as much (see located_best_sentence).
CASE_BONUS = 0.5
# A sentence whose subject ends in the word the question is about (…解雇ってどうなるの？ -> …行った解雇は、
# 無効とする): under one shared word, it decides between sentences that share as much. Tune pool
# citations right: half A .370 -> .376, F1 .438 -> .439, half B unchanged (0.8 and 1.0 score alike
# on A; from 1.5 half B gains one and samples-dev's tune half loses two: a head outweighing a word
# answers 研修で昼食が出る場合、日当は？ with what 日当 is for).
TOPIC_BONUS = 0.5
# 委員長は誰？ is answered by the sentence that appoints one (委員長は、総務部長をもって充て…; 係長の職に
# ある者のうちから…が指名する), not by the one setting the body up (委員会を置く) with more shared words.
# Two shared words (苦情処理委員会の委員長はどなた？ shares 苦情, 処理, 委員会 with the sentence that sets the
# body up), under a stated value's 2.5: the appointment is what a 誰 question asks for. Tune pool,
# samples-dev and samples-blind: unchanged at 1.0 and 2.0 (no pool question asks who holds a post).
APPOINTMENT_BONUS = 2.0
RULING_BONUS = 0.8  # under one shared word: it decides between sentences that share as much
# For a sentence whose asked-for value stands in its last clause, where a statute rules (see
# answer_types.concludes_with_value). A fraction of a shared word: it parts sentences that tie.
CONCLUDING_VALUE_BONUS = 0.25
# A whole article is returned for the piece of it that matched (retrieval.whole_articles): that
# piece's sentences count as sharing one term more, so a value stated in another item of a long
# enumeration (授乳 一日二回 in the 特別休暇 article asked about 夏季休暇) does not lead. Tune
# sets: ja dev F1 .509 -> .520 (held .514 -> .521); 2 and 4 gain no more.
FOCUS_BONUS = 1.0
# When a story is told before the question (…ホームページで公表しました。ほかに職員向けに何かしなければ
# ならないことは？), each word of the asking part counts once more in choosing the sentence, so the
# words of the story do not outvote it (as RankWeights.asked_coverage in the ranking). Tune pool,
# chosen on half A: citations right .293 -> .298, F1 .399 -> .400; half B .292 -> .303, F1 .389 -> .390
# (2.0 the same; 0.5 gains on half B only).
ASKING_PART_BONUS = 1.0
_ASKS = re.compile(r"[？?]")
# A sentence that rules (…することができる / …してはならない / …しなければならない): what a yes/no
# question (断れる？ してもいい？) is answered by, rather than the sentence that sets out the procedure.
_RULES_ON = re.compile(r"(?:ことができ(?:る|ない)|てはならない|なければならない|妨げない|限りでない)。?$")
# 但し、 is how the older statutes (労働基準法, 旅費法) write ただし、.
_CONTINUES = re.compile(r"(?:ただし|但し)、")
_EXCEPTION = re.compile(r"(?:前[項条]|前各項|同項|第.{1,6}項)の規定にかかわらず|(?:ただし|但し)、")


def _is_exception(sentence: str) -> bool:
    """Whether a sentence overrides the rule before it: it opens with 前項の規定にかかわらず / ただし、,
    or its subject is followed by the override (…新たに職員となった者の夏季休暇の日数は、同項の規定に
    かかわらず、…三日…とする: the rule is 第一項's 五日). Only the first は、 counts: …部分については、
    前項の規定にかかわらず… deep inside a sentence whose subject is 使用者 is a rule of its own."""
    body = strip_labels(sentence)
    if _EXCEPTION.match(body):
        return True
    head, _, rest = body.partition("は、")
    return bool(rest) and "。" not in head and _EXCEPTION.match(rest) is not None and not _CONTINUES.match(rest)


CAPTION_ONLY = re.compile(r"[（(][^）)]*[）)]")
_LEADING_LABEL = re.compile(rf"^(?:附則)?(?:第{NUMBER_CLASS}+条(?:の{NUMBER_CLASS}+)*)?[\s　]*(?:[0-9０-９]+[\s　]+)?"
                            r"(?:[一二三四五六七八九十]+[\s　]+|[(（][0-9０-９]+[)）][\s　]+|[①-⑳][\s　]*)?")
# What opens a new unit on a line: a paragraph (２　), an item (一　/ ① / ・ / (1)), an article, a
# caption or a heading.
_UNIT_OPENING = re.compile(r"[ \t　]*(?:[0-9０-９]+[\s　]|[一二三四五六七八九十]+[\s　]|第[^\s　]{1,10}条|"
                           r"[（(【■□◆◇●○・※①-⑳]|[0-9０-９]+[.．)）]|#|\Z)")
_LAST_WORD = re.compile(r"[A-Za-z0-9]+$")
_ABBREVIATIONS = frozenset({"eg", "ie", "etc", "vs", "mr", "mrs", "ms", "dr", "no", "st", "inc", "co", "jr"})
# A heading line: ASCII words, no sentence punctuation, short; its words capitalised (_LOWER_WORD).
_HEADING_LINE = re.compile(r"[A-Z][A-Za-z0-9&/,:'’\- ]{2,79}")
# Title case keeps these in lower case (Coordination of Benefits); any other lower-case word is prose.
_TITLE_SMALL_WORDS = r"(?:a|an|the|and|or|of|for|to|in|on|at|by|with|from|vs)"
_LOWER_WORD = re.compile(rf"\b(?!{_TITLE_SMALL_WORDS}\b)[a-z][a-z']*\b")
_WRAP = re.compile(r"(\S)\n(\S)")
# After a COMMENTARY_HEADING line (【第６条 試用期間】) an article's commentary (解説) follows, not its next 項.
COMMENTARY = 0  # the "paragraph" of a sentence in an article's commentary (a Place's first part)
# A penal lead whose items name the acts punished: 次の各号のいずれかに該当する者は / 左の各号の一に該当する者は
_PUNISHES_ITEMS = re.compile(r"[次左]の各号の(?:いずれか|一)に該当する者")
# An item is numbered 一　 in a statute, (1)　 in a municipality's 例規集 (第2条　…次に掲げる基準により改める。
# (1)　…), ① in the model work rules.
_PLACE_OPENING = re.compile(r"^(?:第[^\s　]{1,10}条[\s　]+)?"
                            r"(?:([0-9０-９]+)|([一二三四五六七八九十]+)|[(（]([0-9０-９]+)[)）]|([①-⑳]))[\s　]", re.M)
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_QUANTITY = re.compile(rf"{NUMBER_CLASS}+\s*(?:日|年|月|週|時間|分|円|割|歳|回|箇月|か月|キロメートル|人|パーセント|%)")


class _Reading(NamedTuple):
    """What the answerer reads from the question (and the titles among its passages)."""

    terms: tuple[str, ...]  # the question's content terms, without the words of a law it names
    intent: QuestionIntent  # what the whole question asks for
    asked: QuestionIntent  # what its asking sentence asks for (a story told first decides nothing)
    asking_terms: frozenset[str]  # the terms of the part that asks, when a story is told first
    # The question in the rules' words (retrieval.definition_examples), or as asked: what the sentence
    # model compares tied sentences with.
    text: str
    # Each translated term's concept (an English question's alternatives for one word count once).
    concepts: Mapping[str, str]
    topic_head: str | None  # the last word of what the question is about (_topic_head)
    # The words of the count asked for (the 日 of 何日): a sentence is not nearer the answer for
    # sharing them (一日を通じ、… shares 日 with 何日取れる？).
    count_words: frozenset[str]


class ExtractiveAnswerer:
    def __init__(self, *, analyzer: Analyzer, min_coverage: float = ANSWER_CONFIDENCE, max_citations: int = 2,
                 second_score_ratio: float = 0.95, sentence_similarity: SentenceSimilarity | None = None,
                 passage_similarity: SentenceSimilarity | None = None,
                 translations: Translations | None = None) -> None:
        self.analyzer = analyzer
        # English words match no sentence of a Japanese rule: an English question's sentence is chosen by
        # the Japanese words the searcher translated it into (None: by the value asked for alone).
        self.translations = translations
        self.sentence_similarity = sentence_similarity
        self.passage_similarity = passage_similarity  # the second sentence model's (see MEANING_BAR)
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
        yield await run_cpu(self.compose, question, passages)

    async def aclose(self) -> None:
        pass

    def compose(self, question: Question, passages: Sequence[ScoredPassage]) -> Answer:
        """Whether to answer is decided in the ranking's answer order (the word ranking's, see
        models.in_answer_order): the checks (coverage, a stated value in the top five) were set on
        it. What is quoted then follows the list as shown, re-ordered by the sentence model, whose
        first result is right more often (tune pool MRR .54 -> .60), as long as that order clears
        the same checks; otherwise the answer order's answer stands. A value asked for that only the
        list as shown states among its first five, in an article the words ranked lower, is answered
        from that list when it clears the checks. The answer lists the passages as the searcher did."""
        reading = self._read(question, passages)  # the same in either order: read once
        in_word_order = in_answer_order(passages)
        answer = self._compose(question, in_word_order, reading)
        if [p.passage for p in in_word_order] != [p.passage for p in passages] and (
                not answer.abstained or _value_only_as_shown(reading.asked, in_word_order, passages)):
            as_shown = self._compose(question, [dataclasses.replace(p, answer_rank=None, answer_score=None)
                                                for p in passages], reading, deciding=False)
            if not as_shown.abstained:
                answer = as_shown
        return dataclasses.replace(answer, passages=tuple(passages))

    def _read(self, question: Question, passages: Sequence[ScoredPassage]) -> _Reading:
        # An everyday example a 定義 item among the passages lists (USBメモリ) is read as the term the
        # rules use (外部記録媒体), as the searcher ranked it: the quote is chosen by the rules' words.
        # All the passages are read: once ranked in the term, the definition has usually left the first three.
        bridged = definition_examples.bridge(question.text, [p.passage.text for p in passages])
        text = bridged.question if bridged else question.text
        # The words of a law the question names pick the document, not the sentence.
        terms = content_terms(self.analyzer, without_references(text, {p.passage.title for p in passages}))
        intent = analyse(question.text)
        asking = asking_part(text)
        asking_terms = frozenset(content_terms(self.analyzer, asking)) & set(terms) if asking else frozenset()
        concepts = self._translated(question)
        uncounted = set(content_terms(self.analyzer, without_asked_count(text)))
        count_words = {term for term in terms if term not in uncounted}
        if question.language == "en" and intent.value_unit:
            count_words.add(intent.value_unit)  # how many days: the 日 its translation brings
        return _Reading(tuple(dict.fromkeys([*terms, *concepts])), intent, _as_asked(intent, question.text, asking),
                        asking_terms, text, concepts, _topic_head(self.analyzer, text, terms),
                        frozenset(count_words))

    def _translated(self, question: Question) -> dict[str, str]:
        """Each Japanese term of an English question's translations -> its concept (one key per
        translated word, shared by its alternatives); {} for Japanese, without translations, or when
        they fail (the answer then goes by the value asked for, as before). Tune pool, English
        questions: citations right .172 -> .207 (half A) and .267 -> .300 (half B), one answer each."""
        if self.translations is None or question.language != "en":
            return {}
        try:
            groups = self.translations(question)
        except Exception:  # noqa: BLE001 - the answer stands without them
            log.exception("translating the English question for the answer failed")
            return {}
        concepts: dict[str, str] = {}
        for number, group in enumerate(groups):
            for wording in group:
                for term in wording:
                    concepts.setdefault(term, f"concept{number}")
        return concepts

    def _compose(self, question: Question, passages: Sequence[ScoredPassage], reading: _Reading, *,
                 deciding: bool = True) -> Answer:
        """`deciding`: `passages` are in the order whether to answer is decided in; the list as shown
        (False) may only lead where it clears the words' bars, never by the rule asked alone."""
        terms, intent, asked, asking_terms, asked_text, concepts, topic_head, count_words = reading
        if (asked.asks_local_arrangement and not _any_document_of(intent.local_unit or "", passages)
                and not (intent.local_unit == EXTENSION and self._states_extension(question.text, passages))):
            # うちの課の…: a section's own arrangement is in no 例規 unless one of its documents is indexed.
            return self._abstain(question, terms, passages, reason="abstain_local", unit=intent.local_unit)
        if asked.asks_for_occasion:
            # 今年度の健康診断はいつ？: a date or amount for this year's occasion is set by a notice,
            # not a rule; quoting a rule on the same topic would look like an answer.
            return self._abstain(question, terms, passages, reason="abstain_occasion", intent=asked)
        chosen = (self._choose(terms, passages) or (self._states_rule_asked(terms, asked, passages) if deciding else [])
                  or self._meant(question.text, passages))
        if not chosen:
            return self._abstain(question, terms, passages)
        if asked.wants_value and not any(answers_value(asked, p.passage.text) for p in passages[:ANSWER_DEPTH]):
            # A value was asked for (an amount, a number of days, a rate) and no top article states one:
            # quoting an article that merely shares the topic would look like an answer.
            return self._abstain(question, terms, passages, reason="abstain_value", intent=asked)
        if asked.wants_value:
            intent = asked  # the value the asking sentence wants is the one to lead with and bold
        defined = None
        if intent.answer_type is AnswerType.DEFINITION:
            chosen, defined = _definition_first(question.text, chosen, passages)
            if defined:  # asked by its everyday name (パワハラ), the term is found by the rules' own word
                terms = tuple(dict.fromkeys([*terms, *content_terms(self.analyzer, defined)]))
        # STEP 2: quote the best sentence(s) of each chosen passage, numbered in order; when a value
        # was asked for, the article stating it leads, and its value is the key phrase in bold.
        # The answer is the quotes themselves: no preamble, no closing boilerplate; each citation
        # carries the verbatim text for the reader who wants the whole article.
        if intent.wants_value:
            chosen.sort(key=lambda p: not answers_value(intent, p.passage.text))
        text = messages(question.language)
        text_lines = []
        citations = []
        key_line = None
        tie_break = self._tie_break(asked_text)
        located = [located_best_sentence(p.passage.text, set(terms) - count_words, self.analyzer, intent=intent,
                                         first_paragraph=_first_paragraph(p.passage), focus=p.focus,
                                         tie_break=tie_break, asking_terms=asking_terms, concepts=concepts,
                                         topic_head=topic_head)
                   for p in chosen]
        if defined:  # the lead defines the asked term: its defining item is the quote, not a sibling naming it
            located[0] = _defining_sentence(chosen[0].passage, defined) or located[0]
        elif intent.answer_type is AnswerType.DEFINITION and chosen and question.language == "ja":
            # 通勤災害になる？: whether a case falls under a term is what the term's definition says
            # (the law's own name is no term asked: 公益通報者保護法でいう「公益通報」 asks for 公益通報)
            asked_about = without_references(question.text, {p.passage.title for p in passages})
            located[0] = _covering_definition(asked_about, chosen[0].passage) or located[0]
        chosen, located = self._relevant_quotes(chosen, located, terms, several=compares(question.text))
        # what a bold number may be said of (一時間の休憩時間): the topic of a Japanese question, the
        # words an English one was translated into ("How long is the lunch break?" -> 休憩)
        asked_topic = topic_phrase(asked_text) if question.language == "ja" else tuple(concepts)
        for position, (scored, (sentence, place)) in enumerate(zip(chosen, located, strict=True), start=1):
            shown, values = _bold_value(sentence, intent, asked_topic)
            citation = Citation(position=position, passage=scored.passage, quote=cited_window(shown),
                                paragraph=_paragraph_label(scored.passage, place,
                                                           through=_last_paragraph_quoted(scored.passage,
                                                                                          place, sentence)))
            citations.append(citation)
            shown = truncated_around_bold(self._abridged(shown, terms))
            if intent.answer_type is AnswerType.PENALTY:
                item = self._punished_item(scored.passage, sentence, place, terms)
                if item:
                    shown = f"{shown}……{truncated(item)}"
            if values and key_line is None and question.language == "en":
                # An English reader gets the value in English; a Japanese reader finds it in bold
                # in the quote itself, so repeating it would only make the answer longer.
                key_line = text["answer_key"].format(value=_key_value(values, sentence),
                                                     n=position, name=citation.name)
            text_lines.append(text["answer_item"].format(quote=shown, n=position, name=citation.name))
        if key_line:
            text_lines.insert(0, key_line)
        elif question.language == "en":  # says what follows, and that it is Japanese when it is
            japanese = any(detect_language(c.quote) == "ja" for c in citations)
            text_lines.insert(0, text["answer_intro_japanese" if japanese else "answer_intro"])
        return Answer(text="\n\n".join(text_lines), citations=tuple(citations),
                      passages=tuple(passages), abstained=False, language=question.language)

    def _states_extension(self, question: str, passages: Sequence[ScoredPassage]) -> bool:
        """Whether one of the first ANSWER_DEPTH passages gives an extension number (内線二二〇〇) in a
        sentence sharing a word of the question beyond the desk it names and the number's own words
        (第一報 in 情報漏えいの第一報を受けるチームの内線番号は？): a rule that says whom to call for
        something answers; a desk's own number (総務課の内線番号は？) is asked for in general, and a
        rule giving a number for one purpose is no list of desks: that question is left to the
        phone book, as before, even when a rule happens to give that desk's number."""
        beyond_desk = _DESK_OF_EXTENSION.sub(" ", normalize(question))
        wanted = {term for term in content_terms(self.analyzer, beyond_desk)
                  if len(term) > 1 and term not in _EXTENSION_WORDS}
        return any(wanted & set(self.analyzer.terms(sentence))
                   for p in passages[:ANSWER_DEPTH] for sentence in split_sentences(p.passage.text)
                   if _EXTENSION_NUMBER.search(sentence))

    def _punished_item(self, passage: Passage, sentence: str, place: Place, terms: Sequence[str]) -> str | None:
        """A penal provision that punishes a list (左の各号の一に該当する者は、一年以下の懲役…に処する。)
        states the penalty in its lead and the act in an item (二　第三十四条…の規定に違反して秘密を
        漏らした者): the item of the quoted paragraph sharing most of the question's words, shown after
        the lead so the reader sees which act the penalty is for. None when the sentence is no such
        lead, or no item shares a word."""
        if not _PUNISHES_ITEMS.search(sentence) or not is_penal(sentence):
            return None
        wanted = set(terms)
        items = [(len(wanted & set(self.analyzer.terms(item))), -position, item)
                 for position, (item, item_place) in enumerate(sentences_by_paragraph(passage.text,
                                                                                       _first_paragraph(passage)))
                 if item_place[0] == place[0] and item_place[1] is not None]
        shared, _, item = max(items, default=(0, 0, ""))
        return strip_labels(item) if shared else None

    def _tie_break(self, question: str) -> TieBreak | None:
        """The sentence model's similarity of `question` to tied sentences; None without a model.
        A failing model costs the tie-break (the first sentence wins, as without one), never the answer."""
        similarity = self.sentence_similarity
        if similarity is None:
            return None

        def tie_break(sentences: Sequence[str]) -> Sequence[float] | None:
            try:
                return similarity(question, sentences)
            except Exception:  # noqa: BLE001 - any model failure: quote as without a model
                log.exception("the sentence model failed: tied sentences are taken in order")
                return None

        return tie_break

    def _relevant_quotes(self, chosen: list[ScoredPassage], located: list[tuple[str, Place]], terms: Sequence[str],
                         *, several: bool) -> tuple[list[ScoredPassage], list[tuple[str, Place]]]:
        """The first quote always; a further one only when the question compares (`several`) and
        its sentence shares at least half as many question words as the first: each side of a
        comparison may be in its own article, but for any other question a second quote only
        lengthens the answer (ja-regulations tune half: answer F1 .447 with a second quote by the
        shared-words test alone, .471 with one quote; the one comparison there was unchanged)."""
        if not several:
            return chosen[:1], located[:1]
        wanted = set(terms)
        overlaps = [len(wanted & set(self.analyzer.terms(sentence))) for sentence, _ in located]
        keep = [0] + [i for i in range(1, len(chosen))
                      if overlaps[i] >= max(2, overlaps[0] * SECOND_QUOTE_SHARE)]
        return [chosen[i] for i in keep], [located[i] for i in keep]

    def _abridged(self, shown: str, terms: Sequence[str]) -> str:
        """The quote with the parentheticals that add nothing to the question skipped: one is kept
        when it holds the bold value or a question word the rest of the sentence lacks."""
        wanted = set(terms)
        outside = set(self.analyzer.terms(_without_parentheticals(shown))) & wanted

        def matters(inner: str) -> bool:
            return "**" in inner or bool((set(self.analyzer.terms(inner)) & wanted) - outside)

        return abridge(shown, matters)

    def _confidence(self, terms: Sequence[str], passage: ScoredPassage) -> float:
        """The searcher's own confidence when it gives one, else plain term coverage."""
        return passage.confidence if passage.confidence is not None else self.coverage(terms, passage)

    def _choose(self, terms: Sequence[str], passages: Sequence[ScoredPassage]) -> list[ScoredPassage]:
        # The best-ranked passage that covers the question leads: a near-tied runner-up that does
        # is a better answer than saying nothing because the first one does not.
        # (The first is always a candidate: a score is not always positive, and s >= 0.9 * s fails for s < 0.)
        lead = next((p for p in passages[:LEAD_DEPTH]
                     if (p is passages[0] or p.score >= passages[0].score * LEAD_SCORE_RATIO)
                     and self._confidence(terms, p) >= self.min_coverage), None)
        if lead is None and passages and passages[0].decisive:
            lead = passages[0]  # the ranking is sure of it, though it covers few of the asker's words
        if lead is None:
            return []
        chosen = [lead]
        for candidate in passages:
            if candidate is lead:
                continue
            if len(chosen) >= self.max_citations:
                break
            same_article = any(
                c.passage.doc == candidate.passage.doc and c.passage.article == candidate.passage.article
                for c in chosen)
            if (candidate.score >= passages[0].score * self.second_score_ratio and not same_article
                    and self._confidence(terms, candidate) >= self.min_coverage):
                chosen.append(candidate)
        return chosen

    def _states_rule_asked(self, terms: Sequence[str], asked: QuestionIntent,
                           passages: Sequence[ScoredPassage]) -> list[ScoredPassage]:
        """[the first passage] when the question asks whether something is allowed, required or
        forbidden, that passage states that kind of rule, and it covers at least RULE_ASKED_CONFIDENCE
        of the question; else []."""
        if asked.modality is None or not passages:
            return []
        lead = passages[0]
        stated = states_modality(asked.modality, lead.passage.text)
        return [lead] if stated and self._confidence(terms, lead) >= RULE_ASKED_CONFIDENCE else []

    def _meant(self, question: str, passages: Sequence[ScoredPassage]) -> list[ScoredPassage]:
        """The passage among the first MEANING_DEPTH most similar to the question in the second
        sentence model, when that similarity reaches MEANING_BAR (MEANING_BAR_CASUAL for a question
        written casually); none without the model, or when it fails (the words' abstention stands)."""
        similarity = self.passage_similarity
        candidates = list(passages[:MEANING_DEPTH])
        if similarity is None or not candidates:
            return []
        try:
            # Embedded again rather than looked up in the ranking's vectors: the answerer knows no
            # index (it also answers over Azure AI Search), and only an abstaining question gets here.
            scores = similarity(question, [embedded_text(p.passage) for p in candidates])
        except Exception:  # noqa: BLE001 - any model failure: abstain as without a model
            log.exception("the second sentence model failed: the words' abstention stands")
            return []
        best = max(range(len(candidates)), key=lambda i: scores[i])
        bar = MEANING_BAR_CASUAL if written_casually(question) else MEANING_BAR
        return [candidates[best]] if scores[best] >= bar else []

    def _abstain(self, question: Question, terms: Sequence[str], passages: Sequence[ScoredPassage], *,
                 reason: str = "abstain", unit: str | None = None, intent: QuestionIntent | None = None) -> Answer:
        """Say the rules are silent, and what to try next. Articles that came close (but not
        close enough to quote as an answer) are named, without citation markers, as leads; when
        the question's scope or asked-for value is the reason, say so and name the rules searched."""
        text = messages(question.language)
        searched = "、".join(dict.fromkeys(p.passage.title for p in passages[:5])) or "-"
        if reason == "abstain_local" and unit == EXTENSION:
            parts = [text["abstain_extension"].format(titles=searched)]
        elif reason == "abstain_local":
            parts = [text["abstain_local"].format(unit=unit, titles=searched)]
        elif reason == "abstain_occasion":
            parts = [text["abstain_occasion"].format(titles=searched)]
        elif reason == "abstain_value" and intent is not None:
            # 何割 asks for a rate, which "a number of days or times" would misname
            kind = "rate" if intent.value_unit == "割" else intent.answer_type.value
            parts = [text["abstain_value"].format(kind=text[f"kind_{kind}"], titles=searched)]
        else:
            parts = [text["abstain"]]
        near = [p for p in passages[:2] if self._confidence(terms, p) >= self.min_coverage * NEAR_MISS_SHARE]
        if near:
            names = "、".join(dict.fromkeys(p.passage.citation_name for p in near))
            parts.append(text["nearest"].format(names=names))
        parts.append(text["abstain_hint"])
        return Answer(text="\n\n".join(parts), citations=(), passages=tuple(passages), abstained=True,
                      language=question.language)


EXTENSION = "内線"  # the local "unit" of an extension-number question (answer_types: 内線は？)
_EXTENSION_NUMBER = re.compile(rf"内線[\s　:：]*(?:[0-9０-９]{{2,}}|{NUMBER_CLASS}{{2,}})")
# The desk an extension is asked of: the words joined to 内線 (総務課の内線 / セキュリティ担当チームの内線).
_DESK_OF_EXTENSION = re.compile(r"[^\s、。？?！!をにがはでの]*の?内線")
_EXTENSION_WORDS = frozenset({"内線", "番号", "電話", "何番", "連絡", "連絡先"})


def _any_document_of(unit: str, passages: Sequence[ScoredPassage]) -> bool:
    """Whether a retrieved document belongs to a section (its title names a 課/係/…)."""
    return any(unit in p.passage.title for p in passages)


def _as_asked(intent: QuestionIntent, text: str, asking: str | None) -> QuestionIntent:
    """The intent whose value an answer must state. When a story is told before the question
    (期限までに払っていない団体があります。督促は必ずしなければならないのでしょうか。), a value the story
    mentions (期限) is not what is asked: no stated value is no reason to abstain. (A value still
    leads the quote when one is stated: it is context the asker gave.) Several questions in a row
    keep the whole text's kind. `asking`: the text's asking part (question_parts.asking_part)."""
    if intent.answer_type not in CONCRETE_VALUE_TYPES:
        return intent
    if not asking or _ASKS.search(text[: text.rfind(asking)]):
        return intent
    return dataclasses.replace(intent, answer_type=classify(asking))


def _first_paragraph(passage: Passage) -> int:
    """The 項 a passage's text starts in: the one it is labelled with (a piece of a split article,
    第二項), else 1."""
    match = re.match(r"第(.+?)項", passage.paragraph or "")
    number = kanji_to_int(unicodedata.normalize("NFKC", match.group(1))) if match else None
    return number or 1


def _last_paragraph_quoted(passage: Passage, place: Place, quote: str) -> int:
    """The last 項 the quote holds text of: the quote's own, or the next one when the quote goes on
    with that 項's opening sentence (a rule joined with the next 項's exemption, _exception_follows)."""
    paragraph, item = place
    if item is None and paragraph != COMMENTARY:
        for sentence, (number, its_item) in sentences_by_paragraph(passage.text, _first_paragraph(passage)):
            if number == paragraph + 1 and its_item is None:
                return number if unwrap(strip_labels(sentence)) in quote else paragraph
    return paragraph


def _paragraph_label(passage: Passage, place: Place, *, through: int | None = None) -> str | None:
    """第N項 (and 第M号) of the quote, in the article's own numerals (二十三 / ２３ / 23): the 項 when
    the article has several paragraphs (a one-paragraph article is cited by its article alone), the
    号 when the quote is an item, 第一項及び第二項 when it runs on to the 項 `through`. None for a
    passage that is no article."""
    if not passage.article:
        return None
    paragraph, item = place
    if paragraph == COMMENTARY:
        return "（解説）"

    def numeral(number: int) -> str:
        if re.search(f"[{KANJI_NUMBER_CHARS}]", passage.article or ""):
            return int_to_kanji(number)
        if re.search("[０-９]", passage.article or ""):
            return str(number).translate(_FULL_WIDTH)
        return str(number)

    several = passage.paragraph is not None or any(m.group(1) for m in _PLACE_OPENING.finditer(passage.text))
    label = f"第{numeral(paragraph)}項" if several else ""
    if label and through is not None and through > paragraph:
        label += f"及び第{numeral(through)}項"
    if item is not None:
        label += f"第{numeral(item)}号"
    return label or None


def _without_parentheticals(sentence: str) -> str:
    kept, cursor = [], 0
    for start, end in top_level_parentheticals(sentence):
        kept.append(sentence[cursor:start])
        cursor = end
    kept.append(sentence[cursor:])
    return "".join(kept)


# (an item's label, or "" for a single value; the value as the statute writes it)
LabelledValue = tuple[str, str]


def _bold_value(quote: str, intent: QuestionIntent,
                topic: str | Sequence[str] | None = None) -> tuple[str, tuple[LabelledValue, ...]]:
    """(the quote with the asked-for value in **bold**, ((item label, that value),)) — the quote
    unchanged and no value when no value was asked for or the quote states none. A list of cases
    after its lead (_VALUE_BY_CASE) has each item's value in bold, each with its item's label."""
    if not intent.wants_value:
        return quote, ()
    pieces = _ITEM_START.split(quote) if _VALUE_BY_CASE.search(quote) else [quote]
    if len(pieces) > 1:
        shown, values = [pieces[0]], list[LabelledValue]()
        for piece in pieces[1:]:
            bolded, found = _bold_value(piece, intent, topic)
            shown.append(bolded)
            label = _ITEM_LABEL.match(piece)
            values.extend((label.group(1) if label else "", value) for _, value in found)
        return "　".join(shown), tuple(values)
    span = value_span(intent.answer_type, quote, intent.value_unit, intent.given, topic, intent.per, intent.bound)
    if span is None:
        return quote, ()
    start, end = span
    value = quote[start:end]
    return f"{quote[:start]}**{value}**{quote[end:]}", (("", value),)


# Where an item starts in a list quoted after its lead (_with_items), and its label: 一　…, (1) …, ① ….
_ITEM_START = re.compile(r"　(?=(?:[一二三四五六七八九十]+　|\([0-9]+\)|[①-⑳]))")
_ITEM_LABEL = re.compile(r"([一二三四五六七八九十]+(?=　)|\([0-9]+\)|[①-⑳])")


def _key_value(values: Sequence[LabelledValue], sentence: str) -> str:
    """The key fact in English for numbers, periods and dates (二十日 -> 20 days), else the
    statute's own words; a list of cases gives each item's, by its number (item 2: 1,100 yen; item 3: …)."""
    def english(label: str, value: str) -> str:
        shown = value_in_english(value, sentence) or value
        number = kanji_to_int(label) if label and label[0] in KANJI_NUMBER_CHARS else None
        return f"item {number}: {shown}" if number is not None else shown

    return "; ".join(english(label, value) for label, value in values)


def split_sentences(text: str) -> list[str]:
    """Sentences of statute text: split at 。 and at line ends that end a unit, but never inside
    （…） or 「…」, where 。 ends a definition, not the sentence. A line end is a PDF's wrap, not
    a sentence end, when the line does not close (。 or a caption's ）) and the next line opens
    no new unit (２　, 一　, 第N条, （, ①, ・): the wrap stays inside the sentence (see unwrap)."""
    sentences: list[str] = []
    current: list[str] = []
    depth = 0
    for index, ch in enumerate(text):
        if ch == "\n" and depth == 0:
            if _is_wrap(current, text, index + 1):
                current.append(ch)
                continue
            sentences.append("".join(current))
            current = []
            continue
        current.append(ch)
        if ch in "（(「『":
            depth += 1
        elif ch in "）)」』":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch in "。．" or (ch in ".?!" and _ends_english_sentence(text, index))):
            sentences.append("".join(current))
            current = []
    sentences.append("".join(current))
    return [s.strip() for s in sentences if s.strip()]


def _ends_english_sentence(text: str, index: int) -> bool:
    """Whether the . ? or ! at `index` ends an English sentence: followed by a space or line end,
    and not after a number (1. as a list label, 1.5) or a short abbreviation (e.g., Dr., No.)."""
    after = text[index + 1:index + 2]
    if after and not after.isspace():
        return False
    word = _LAST_WORD.search(text, 0, index)
    if word is None:
        return False
    token = word.group(0)
    return not (token.isdigit() or token.lower() in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()))


def _is_wrap(current: list[str], text: str, next_start: int) -> bool:
    line_end = "".join(current).rstrip()
    if not line_end or line_end[-1] in "。．）)」:：.?!":
        return False
    # A handbook's heading line (Balance Billing Protection, HOW PROVIDERS AFFECT YOUR COSTS) is a
    # unit of its own: glued to the sentence after it, it would open every quote from that section.
    last_line = line_end.rsplit("\n", 1)[-1]
    if _HEADING_LINE.fullmatch(last_line) and not _LOWER_WORD.search(last_line):
        return False
    return not _UNIT_OPENING.match(text, next_start)


def unwrap(sentence: str) -> str:
    """A sentence without its PDF line wraps: Japanese joins directly, English with a space."""
    def join(match: re.Match[str]) -> str:
        before, after = match.group(1), match.group(2)
        return before + (" " if before.isascii() and after.isascii() else "") + after

    return _WRAP.sub(join, sentence).replace("\n", "")


def strip_labels(sentence: str) -> str:
    """Drop the leading 第N条 / ２ labels: the citation already names the article."""
    return _LEADING_LABEL.sub("", sentence).strip() or sentence


def truncated(text: str) -> str:
    """The quote as shown, at most MAX_QUOTE_CHARS: a longer Japanese sentence keeps its opening
    and its close. A statute states its rule at the sentence's end (…当該契約は、確定しないものとする /
    …することができる), so cutting the end would cut the answer; the middle gives way instead."""
    if len(text) <= MAX_QUOTE_CHARS:
        return text
    head_end, tail_start = _kept_ends(text)
    return text[:head_end] + "…" + text[tail_start:]


def _kept_ends(text: str) -> tuple[int, int]:
    """(end of the kept opening, start of the kept close) of a sentence too long to show whole;
    the close starts after a 、 near TAIL_CHARS from the end when there is one. An English
    sentence says what it rules on early: it keeps its opening only."""
    if detect_language(text) != "ja":
        return MAX_QUOTE_CHARS - 1, len(text)
    tail_start = len(text) - TAIL_CHARS
    comma = text.find("、", tail_start - TAIL_SLACK, tail_start + TAIL_SLACK)
    if comma >= 0:
        tail_start = comma + 1
    return MAX_QUOTE_CHARS - 1 - (len(text) - tail_start), tail_start


def truncated_around_bold(text: str) -> str:
    """`truncated`, but a **bold** value is never cut or cut off: when the value lies past the cut,
    the quote starts shortly before it instead ("…" on both sides)."""
    opening = text.find("**")
    closing = text.find("**", opening + 2) + 2 if opening >= 0 else -1
    if len(text) <= MAX_QUOTE_CHARS or opening < 0 or closing < 2:
        return truncated(text)
    head_end, tail_start = _kept_ends(text)
    if closing <= head_end or opening >= tail_start:
        return truncated(text)  # the value lies in the opening or the close that are kept
    if closing <= MAX_QUOTE_CHARS - 1:  # just past the kept opening: the plain opening holds it
        return text[: MAX_QUOTE_CHARS - 1] + "…"
    width = MAX_QUOTE_CHARS - 2  # room between the two "…"
    if closing - opening > width:  # a value longer than the quote itself: plain text, cut
        return truncated(text.replace("**", ""))
    start = min(opening, max(0, closing - width + BOLD_CONTEXT_AFTER))
    end = start + width
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def cited_window(bolded: str) -> str:
    """A citation's quote: the sentence verbatim, at most MAX_QUOTE_CHARS. Like `truncated`, it
    keeps the close, where a statute states its rule; but when the **bold** value asked for lies
    in the middle `truncated` drops, the opening gives way instead: the quote runs from shortly
    before the value, and the close follows it (…三年を超えない範囲内において条例で定める期間、…承認
    することができる。), so the citation shows both the value and the rule."""
    text = bolded.replace("**", "")
    opening = bolded.find("**")
    closing = bolded.find("**", opening + 2) - 2 if opening >= 0 else -1
    if len(text) <= MAX_QUOTE_CHARS or opening < 0 or closing < opening:
        return truncated(text)
    head_end, tail_start = _kept_ends(text)
    if closing <= head_end or opening >= tail_start:
        return truncated(text)  # the value lies in the opening or the close that are kept
    start = max(0, opening - BOLD_CONTEXT_BEFORE)
    if len(text) - start <= MAX_QUOTE_CHARS - 1:
        return "…" + text[start:]
    room = MAX_QUOTE_CHARS - 2 - (len(text) - tail_start)  # between the two "…", before the close
    if closing - start > room:
        return truncated(text)  # the value and the close do not both fit
    return "…" + text[start:start + room] + "…" + text[tail_start:]


def best_sentence(text: str, terms: set[str], analyzer: Analyzer, *, wants_number: bool = False,
                  intent: QuestionIntent | None = None) -> str:
    return located_best_sentence(text, terms, analyzer, wants_number=wants_number, intent=intent)[0]


Place = tuple[int, int | None]  # (項, 号 or None) of a sentence within its article


def sentences_by_paragraph(text: str, first_paragraph: int = 1) -> list[tuple[str, Place]]:
    """`located_sentences` without their offsets."""
    return [(sentence, place) for sentence, place, _ in located_sentences(text, first_paragraph)]


def located_sentences(text: str, first_paragraph: int = 1) -> list[tuple[str, Place, int]]:
    """Each sentence of an article's text with its 項 and 号: a line opening with an Arabic numeral
    (２　…) starts that paragraph, one opening with a 漢数字 (十二　…) an item of the paragraph
    above; the text's first line is paragraph `first_paragraph` (1, or the 項 a split article's
    passage starts in: its pieces do not repeat "２　"). (Sentences come from split_sentences on the
    whole text: a line break inside （…） does not end a sentence.)"""
    openings: list[tuple[int, int, int | None]] = []  # (offset, paragraph, item)
    paragraph = first_paragraph
    for match in _PLACE_OPENING.finditer(text):
        if match.group(1):
            paragraph = int(unicodedata.normalize("NFKC", match.group(1)))
            openings.append((match.start(), paragraph, None))
        elif match.group(2):
            openings.append((match.start(), paragraph, kanji_to_int(match.group(2))))
        else:  # (1) or ① (NFKC: 1)
            item = unicodedata.normalize("NFKC", match.group(3) or match.group(4))
            openings.append((match.start(), paragraph, int(item)))
    commentary = COMMENTARY_HEADING.search(text)
    if commentary:  # its own numbered points (１　…) are no 項 of the article
        openings = [opening for opening in openings if opening[0] < commentary.start()]
        openings.append((commentary.start(), COMMENTARY, None))
    located: list[tuple[str, Place, int]] = []
    cursor = 0
    for sentence in split_sentences(text):
        found = text.find(sentence, cursor)
        position = found if found >= 0 else cursor
        cursor = position + len(sentence) if found >= 0 else cursor
        place: Place = next(((p, i) for start, p, i in reversed(openings) if start <= position),
                            (first_paragraph, None))
        located.append((sentence, place, position))
    return located


DEFINITION_DEPTH = 3
# What a term is, asked as such (外部記録媒体とは？ / 端末って何？ / 〜の意味は？ / what is …), not whether
# something falls under it (通勤災害になる？ / …に該当するものは？), which the ranking's article answers.
_ASKS_WHAT_IT_IS = re.compile(r"とは(?:何|なん|なに|どういう|どんな)?[？?。]*$|"
                              r"って(?:何|なに|なん)(?![日時年月回歳週人円])|の(?:定義|意味)|"
                              r"\bwhat (?:is|are) (?:an? |the )?[a-z -]+\??$", re.I)


def _value_only_as_shown(asked: QuestionIntent, in_word_order: Sequence[ScoredPassage],
                         as_shown: Sequence[ScoredPassage]) -> bool:
    """A value is asked for, and only the list as shown states one among its first ANSWER_DEPTH, in
    an article the words ranked too, lower (How long do employers have to keep the staff register…?
    -> 労働基準法第百九条's 五年間, sixth by the words, under four articles on keeping public records).
    An article only the sentence model brought into the list does not count. Tune pool: one answer
    gained (half B), none lost."""
    def states(order: Sequence[ScoredPassage]) -> bool:
        return any(answers_value(asked, p.passage.text) for p in order[:ANSWER_DEPTH])
    ranked_by_words = [p for p in as_shown[:ANSWER_DEPTH] if p.answer_rank is not None]
    return asked.wants_value and not states(in_word_order) and states(ranked_by_words)


def _definition_first(question: str, chosen: list[ScoredPassage], passages: Sequence[ScoredPassage]
                      ) -> tuple[list[ScoredPassage], str | None]:
    """A definition asked for (外部記録媒体とは？) is answered by the passage that defines the term the
    question names, when one of the first DEFINITION_DEPTH does (「X」とは…, or an item of a 定義
    article), rather than by an article that uses the term more often: it leads, the other quotes
    follow. The term must be a word of its own in the question: 金融商品取引業 does not name
    金融商品取引業者. An everyday name stands for the statutory term it is a synonym of (パワハラとは？
    asks what パワー・ハラスメント is; samples-dev tune half citations right .625 -> .656, tune pool
    unchanged). Returns the passages and the defined term the question names (None: no passage leads
    for it)."""
    flat = normalize(question).strip().lower()
    if not _ASKS_WHAT_IT_IS.search(flat):
        return chosen, None
    # The question's own word first: 在宅勤務とは？ asks for 在宅勤務's item, not for its synonym テレワーク's.
    for names in ([flat], [normalize(word).lower() for word in statutory_words(flat)]):
        # The rule's own definition leads guidance restating it (a ガイドライン quoting 法第二条).
        for candidate in sorted(passages[:DEFINITION_DEPTH], key=lambda p: p.passage.article is None):
            for term in defined_terms_in(normalize(candidate.passage.text), strict=True):
                if any(names_as_word(term, name) for name in names):
                    return [candidate, *(p for p in chosen if p is not candidate)], term
    return chosen, None


def _defining_sentence(passage: Passage, term: str) -> tuple[str, Place] | None:
    """The sentence of `passage` there to define `term` (「X」とは…, or the 定義 item naming it): in a
    定義 article, the item of the term asked (モバイルワークとは？ -> 四　モバイルワーク　…をいう。),
    not the first item, which names it among the parts of a broader term."""
    for sentence, place in sentences_by_paragraph(passage.text, _first_paragraph(passage)):
        if term in defined_terms_in(normalize(sentence), strict=True):
            return unwrap(strip_labels(sentence)), place
    return None


# A definition's lead up to this long is shown whole with its items (the conditions are in its
# opening, 「通勤」とは、職員が、勤務のため…); a longer one alone, as any long sentence is.
DEFINITION_LEAD_CHARS = 160


def _covering_definition(question: str, passage: Passage) -> tuple[str, Place] | None:
    """Whether a case falls under a term (…って通勤災害になるの？ / 「漏えい」扱いになる？) is answered
    by the sentence of the lead article there to define it (「通勤」とは…), with the items it
    introduces (次に掲げる移動: which movements count); the sentences that merely use the term
    (…移動を中断した場合においては、…同項の通勤としない) share as many of the question's words. The
    longest term the article defines that the question holds, even inside a compound (通勤 of
    通勤災害); None when the article defines none."""
    flat = normalize(question).lower()
    located = sentences_by_paragraph(passage.text, _first_paragraph(passage))
    sentences = [sentence for sentence, _ in located]
    places = [place for _, place in located]
    best: tuple[int, int] | None = None  # (sentence, length of the term it defines)
    for index, sentence in enumerate(sentences):
        for term in defined_terms_in(normalize(sentence), strict=True):
            if len(term) > 1 and term in flat and (best is None or len(term) > best[1]):
                best = (index, len(term))
    if best is None:
        return None
    index = best[0]
    items = [i for i, of in _item_leads(sentences, places).items() if of == index]
    sentence = unwrap(strip_labels(sentences[index]))
    if not items or len(sentence) > DEFINITION_LEAD_CHARS:
        return sentence, places[index]  # a definition's conditions are in its opening: kept whole
    return _with_items(sentence, [unwrap(sentences[i]) for i in items], room=DEFINITION_LEAD_CHARS), places[index]


def located_best_sentence(text: str, terms: set[str], analyzer: Analyzer, *, wants_number: bool = False,
                          intent: QuestionIntent | None = None, first_paragraph: int = 1,
                          focus: tuple[int, int] | None = None, tie_break: TieBreak | None = None,
                          asking_terms: frozenset[str] = frozenset(),
                          concepts: Mapping[str, str] | None = None,
                          topic_head: str | None = None) -> tuple[str, Place]:
    """The sentence of `text` sharing most terms with the question, and the 項 it is in. When the
    question asks for a value (何日, いつまで, いくら), a sentence stating that kind of value comes
    first: the answer leads with what was asked. `focus`: the span of the text that matched the
    question (the rest of its article came with it), whose sentences are preferred; `asking_terms`:
    the terms of the part that asks, after a story, which count once more; `concepts`: the concept of
    each translated term, whose alternatives count once (国家公務員 and 職員 for "national public
    servant"); `topic_head`: the last word of what the question is about (その解雇ってどうなるの？ -> 解雇),
    whose sentence as subject (…事業者が行った解雇は、無効とする) gains TOPIC_BONUS. Sentences that
    score alike are told apart by `tie_break` (the sentence model's
    similarity to the question), else the first wins. A question asking which things (どのような事項？)
    is answered by the list the best sentence belongs to: its lead, then its items."""
    # A caption (（育児休業の期間）) names what the sentence after it rules on: its words count
    # for that sentence.
    sentences: list[str] = []
    places: list[Place] = []
    focused: list[bool] = []
    captions: dict[int, str] = {}
    pending = ""
    for sentence, place, position in located_sentences(text, first_paragraph):
        if COMMENTARY_HEADING.fullmatch(sentence.strip()):
            continue  # a heading, not a statement
        if CAPTION_ONLY.fullmatch(sentence):
            pending = sentence
            continue
        if pending and place == (1, None):
            captions[len(sentences)] = pending
        # A passage that starts at a later item (第二十二条　十二　…) repeats its article's caption:
        # the caption names the article, not that item.
        pending = ""
        sentences.append(sentence)
        places.append(place)
        focused.append(focus is not None and focus[0] <= position < focus[1])
    if not sentences:
        return text, (first_paragraph, None)
    kind = intent.answer_type if intent is not None and intent.wants_value else None
    given = intent.given if intent is not None else frozenset()
    term_sets = [terms & set(analyzer.terms(captions.get(i, "") + sentence)) for i, sentence in enumerate(sentences)]
    exceptions = [_is_exception(sentence) for sentence in sentences]
    in_rules = set().union(*(found for found, exception in zip(term_sets, exceptions, strict=True) if not exception))
    for i in range(1, len(sentences)):
        # ただし、… goes on with the sentence before it in the same 項 or 号: it rules on that sentence's
        # subject (２　…スポーツ指導…については…許可をすることができる。ただし、…一週間当たりの従事時間は
        # 十二時間を超えることはできない。), whose words are its words too. Tune pool citations right:
        # half A unchanged (.337), half B .325 -> .331. (この場合において、… adds a duty of its own; read
        # the same way, it was quoted instead of its rule: half A .337 -> .331.)
        if places[i] == places[i - 1] and _CONTINUES.match(strip_labels(sentences[i])):
            term_sets[i] = term_sets[i] | term_sets[i - 1]

    leads = _item_leads(sentences, places)
    # Leads whose items state the asked value case by case (_VALUE_BY_CASE): such a lead states the value
    # as its items do (宿泊料の上限はいくら？ -> ただし、…当該各号に定める額を上限とする。 一　甲地　一万三千円 …,
    # not the exception that adds 五千円 to the caps). Tune pool and samples unchanged.
    case_leads = {lead for lead in set(leads.values()) if kind is not None and _case_list(kind, sentences, leads, lead)}

    def states_asked_bound(sentence: str) -> bool:
        # 上限は？ is answered by the cap, which a statute often states as the exception to its rule
        # (…必要最小限度の期間とする。ただし、…連続して九十日を超えることはできない。)
        return (kind is not None and intent is not None and intent.bound is not None
                and states_bound(intent.bound, sentence) and states_value(kind, sentence, given))

    # Each sentence's subject as content terms (_subject), read only when a rule below needs it.
    subjects = ([content_terms(analyzer, _subject(sentence)) for sentence in sentences]
                if topic_head is not None or any(exceptions) else [[] for _ in sentences])

    def names_asked_case(index: int) -> bool:
        # An exception whose subject is narrowed by a word of the question that the rule it excepts
        # lacks is about the case asked (出生時育休の請求はいつまで？ -> ２　前項の規定にかかわらず、
        # 出生時の育児休業の承認の請求は、…二週間前までに行えば足りる), though another 項 of the
        # article has that word (５　…子の出生を証明する書類…). Only the words before the subject's
        # head narrow it: the head is what both rules are about (育児休業の期間は？ is answered by
        # the rule, not by 会計年度任用職員の育児休業の期間は、…一歳に達する日まで). Tune pool:
        # citations right unchanged on both halves, F1 half B .398 -> .399; samples-dev tune half
        # F1 .387 -> .402, held unchanged.
        narrowing = set(subjects[index][:-1]) & terms
        return bool(narrowing - excepted_terms(index))

    def excepted_terms(index: int) -> set[str]:
        """The question's terms in the rule an exception qualifies: the sentence before a ただし, the
        項 before a 前項の規定にかかわらず; for other references, every rule of the passage."""
        opening = strip_labels(sentences[index])
        if _CONTINUES.match(opening):
            return term_sets[index - 1] if index else set()
        if opening.startswith("前項の規定にかかわらず"):
            return set().union(*(term_sets[i] for i in range(index) if places[i][0] == places[index][0] - 1))
        return in_rules

    def score(index: int) -> float:
        sentence = sentences[index]
        shared = {concepts.get(term, term) for term in term_sets[index]} if concepts else term_sets[index]
        overlap: float = len(shared) + ASKING_PART_BONUS * len(term_sets[index] & asking_terms)
        if focused[index]:
            overlap += FOCUS_BONUS
        # 前項の規定にかかわらず… / ただし… state an exception to the rule before them: the rule
        # answers unless the question names the exception's own conditions: words only it has,
        # more than one (a single extra word is usually the topic, 期間 or 場合, not a condition),
        # or asks for a limit the exception states (states_asked_bound). A question that puts a
        # case itself is asking about a case, and an exception for a case leads among equals
        # (システムが止まっているときは、どうやって起案すれば？ -> ただし、システムの障害…がある場合
        # には、起案用紙…により行うことができる): its words (障害) are seldom the asker's. Tune pool
        # citations right: half A .365 -> .370, half B unchanged (.347), F1 unchanged; samples-dev
        # tune half .688 -> .719, held unchanged. (Only lifting the penalty moved no pool question.)
        for_case = intent is not None and intent.puts_case and bool(_STATES_CASE.search(sentence))
        if exceptions[index] and for_case:
            overlap += CASE_BONUS
        elif (exceptions[index] and len(term_sets[index] - in_rules) < EXCEPTION_OWN_TERMS
                and not states_asked_bound(sentence) and not names_asked_case(index)):
            overlap -= EXCEPTION_PENALTY
        if topic_head is not None and subjects[index][-1:] == [topic_head]:
            overlap += TOPIC_BONUS  # …解雇ってどうなるの？ is answered by what the rules say 解雇 is
        if intent is not None and intent.answer_type is AnswerType.PERSON and _APPOINTS.search(sentence):
            overlap += APPOINTMENT_BONUS
        if intent is not None and intent.answer_type is AnswerType.LIST and enumerates(sentence):
            overlap += LIST_BONUS  # 種類は？ is answered by the sentence that lists them
        if intent is not None and intent.answer_type is AnswerType.PERMISSION and _RULES_ON.search(sentence):
            overlap += RULING_BONUS
        if kind is not None:
            # a sentence that only repeats a number of the question's own (年20日だよね？) states
            # less than one that gives a new value
            stated = STATED_VALUE if states_value(kind, sentence, given) else (
                GIVEN_VALUE_ONLY if states_value(kind, sentence) else 0.0)
            if not stated and index in case_leads:
                stated = STATED_VALUE  # 当該各号に定める額とする: its items state the value, case by case
            if stated and kind is AnswerType.DEADLINE and not states_number(kind, sentence):
                stated = min(stated, MARKER_ONLY_VALUE)
            if stated and intent is not None and intent.value_unit and states_in_unit(intent.value_unit, sentence):
                stated += 0.5  # 何日 is answered by a number of days, not of people
            if stated and intent is not None and intent.bound and states_bound(intent.bound, sentence):
                stated += 0.5  # 最大何日 is answered by 九十日を超えることはできない
            if stated and concludes_with_value(kind, sentence):
                stated += CONCLUDING_VALUE_BONUS
            return overlap + stated
        return overlap + (0.8 if wants_number and _QUANTITY.search(sentence) else 0.0)

    scores = [score(i) for i in range(len(sentences))]
    best = max(range(len(sentences)), key=scores.__getitem__)  # the first of equals
    tied = [i for i, value in enumerate(scores) if abs(value - scores[best]) < 1e-9]
    if len(tied) > 1 and tie_break is not None:
        # Shared words often tie (two 項 both say 育児休業 and 期間); the model tells which one says
        # what was asked. Tune pool: citations right .2707 -> .2762 (half A) and .2778 -> .2944 (half B),
        # F1 +.002 / +.003; letting the model outweigh a word (weights 15 to 120) cited less well.
        similarity = tie_break([captions.get(i, "") + sentences[i] for i in tied])
        if similarity is not None:
            best = tied[max(range(len(tied)), key=lambda j: similarity[j])]
    lead = leads.get(best, best)  # an item stands for its list too: どのような方法？ asks for them all
    if intent is not None and _asks_for_items(intent, sentences[lead]):
        items = [i for i, of in leads.items() if of == lead]
        if items:  # どのような事項を？ asked, 次に掲げる事項 found: the items are the answer
            return _with_items(unwrap(strip_labels(sentences[lead])),
                               [unwrap(sentences[i]) for i in items]), places[lead]
    if lead in case_leads:
        # 日当っていくら？: a lead that gives each of its items its own value (次の各号に掲げる旅行の区分に
        # 応じ、当該各号に定める額とする) says the value depends on the case, and one item's value would
        # answer for every case: the lead and all its items are the answer. An item that shares a
        # question word its lead lacks was chosen by its case (配偶者の親 -> 八　配偶者の父母) and stands
        # alone. Tune pool: citations unchanged; F1 half B .399 -> .397 (three answers citing another
        # article); untouched sets: blind24 citation precision .286 -> .321.
        items = [i for i, of in leads.items() if of == lead]
        chosen_by_case = best != lead and bool(term_sets[best] - term_sets[lead])
        if not chosen_by_case:
            return _with_items(unwrap(strip_labels(sentences[lead])),
                               [_case_item(unwrap(sentences[i])) for i in items],
                               item_chars=CASE_ITEM_CHARS), places[lead]
    if (intent is not None and intent.answer_type is AnswerType.PERMISSION
            and _exception_follows(sentences, places, best)):
        # 使っていい？ is answered by the rule and its exception together: the exception is half of a
        # yes or no. Tune pool citations right: the ただし proviso (session 42) half A unchanged (.354),
        # half B .342 -> .347; the next 項's exception (session 43) half A .354 -> .359 (one question),
        # half B unchanged; F1 unchanged. Joined for every kind of question, F1 fell on half B
        # (.398 -> .393): a value's sentence is answer enough. The citation names both 項
        # (_last_paragraph_quoted).
        return unwrap(strip_labels(sentences[best])) + unwrap(strip_labels(sentences[best + 1])), places[best]
    # A penalty asked for keeps its lead verbatim: the answer shows the punished act after it (see
    # ExtractiveAnswerer._punished_item).
    # An English question's words are translations, loose ones among them (live -> 生活): an item
    # "naming" one is no sign it is the case asked about, so its lead stands alone.
    item = None if concepts or (intent is not None and intent.answer_type is AnswerType.PENALTY) else (
        _item_named(best, leads, term_sets, scores))
    if item is not None:
        # A lead that introduces a list rules on its items, and the one item that names what was asked
        # is the case the question is about (…次に掲げる行為をしてはならない。 二　利害関係者から…贈与を
        # 受けること。); the lead alone would leave the asker to find it. Only where the lead scored
        # best: an item that outscores its lead is quoted alone, as before. Tune pool: citations right
        # half A unchanged (.392), half B .353 -> .358 (b12-06 now shows its 在職期間 band); F1 .449 ->
        # .450 and .410 flat (seven answers gain their item, four of them closer to the expected
        # answer); samples-dev and samples-blind unchanged.
        return _with_items(unwrap(strip_labels(sentences[best])), [unwrap(sentences[item])],
                           item_chars=CASE_ITEM_CHARS), places[best]
    return unwrap(strip_labels(sentences[best])), places[best]


def _item_named(best: int, leads: Mapping[int, int], term_sets: Sequence[set[str]],
                scores: Sequence[float]) -> int | None:
    """The item of the list `best` introduces that names a question word the lead lacks, the best
    scored of those; None when `best` introduces no list, no item names such a word, or the best
    such items tie (no one case is asked about)."""
    naming = [i for i, of in leads.items() if of == best and term_sets[i] - term_sets[best]]
    if not naming:
        return None
    top = max(scores[i] for i in naming)
    winners = [i for i in naming if abs(scores[i] - top) < 1e-9]
    return winners[0] if len(winners) == 1 else None


_STATES_CASE = re.compile(r"場合|とき")  # an exception for a case (…がある場合には / …のときは)
# How 例規 say who holds a post: …をもって充てる, …のうちから…が指名する / 任命する / 委嘱する, 互選する.
_APPOINTS = re.compile(r"をもって充て|をもつて充て|が指名する|が任命する|が委嘱する|のうちから|互選|を充てる")


def _subject(sentence: str) -> str:
    """What a sentence rules on: its words before the first は、, after an exception's opening
    (前項の規定にかかわらず、出生時の育児休業の承認の請求は、… -> 出生時の育児休業の承認の請求);
    empty when it has no such subject."""
    body = strip_labels(sentence)
    opening = _EXCEPTION.match(body)
    if opening:
        body = body[opening.end():].lstrip("、")
    return body.split("は、", 1)[0] if "は、" in body else ""


def _topic_head(analyzer: Analyzer, question: str, terms: Sequence[str]) -> str | None:
    """The last content word of the phrase the question (its asking part) is about — the head of a
    Japanese noun phrase comes last (ハラスメント苦情処理委員会の委員長は誰？ -> 長, of 委員長) — or
    None when the question has no topic or that word is not one of its terms."""
    phrase = topic_phrase(question)
    if phrase is None:
        return None
    words = content_terms(analyzer, phrase)
    return words[-1] if words and words[-1] in terms else None


# A 項 that opens by exempting cases from the 項 before it, or overriding it.
_EXEMPTS_RULE_BEFORE = re.compile(r"前項の規定(?:は|にかかわらず)")


def _exception_follows(sentences: Sequence[str], places: Sequence[Place], rule: int) -> bool:
    """Whether the sentence after `rule` states the exception to it: its ただし proviso in the same
    項 or 号 (…使用してはならない。ただし、…この限りでない。), or a next 項 that exempts cases from the
    rule's 項 (毎週少くとも一回の休日を与えなければならない。／２　前項の規定は、…については適用しない。)."""
    following = rule + 1
    if following >= len(sentences):
        return False
    opening = strip_labels(sentences[following])
    if places[following] == places[rule]:
        return bool(_CONTINUES.match(opening))
    return (places[rule][1] is None and places[following] == (places[rule][0] + 1, None)
            and bool(_EXEMPTS_RULE_BEFORE.match(opening)))


# A paragraph's sentence that introduces its items (…次に掲げる事項を書面により通知しなければならない。
# / 次の各号のいずれかに該当する場合には…).
_INTRODUCES_ITEMS = re.compile(r"[次左](?:に掲げる|の各号|のいずれか|の(?:とおり|通り))|各号")
ITEM_CHARS = 60  # of each item listed after its lead; the lead itself gets at most half the quote


# A lead whose items each state their own value: 次の各号に掲げる…の区分に応じ、当該各号に定める額とする.
_VALUE_BY_CASE = re.compile(r"区分に応じ|当該各号に定める")
CASE_ITEM_CHARS = 100  # an item of a case list: its case, then its value at the end


def _case_list(kind: AnswerType, sentences: Sequence[str], leads: Mapping[int, int], lead: int) -> bool:
    """Whether the sentence `lead` introduces a list of cases, two or more of whose items state a
    value of `kind` (次の各号に掲げる旅行の区分に応じ、当該各号に定める額とする。一　…千百円 …)."""
    return (_VALUE_BY_CASE.search(sentences[lead]) is not None
            and sum(states_value(kind, sentences[i]) for i, of in leads.items() if of == lead) >= 2)


def _case_item(item: str) -> str:
    """An item of a case list as shown: its case and value, a long parenthetical of the case
    abridged so that the value at its end still shows (一　甲地（…）　一万三千円)."""
    return item if len(item) <= CASE_ITEM_CHARS else abridge(item, lambda _inner: False)


def _asks_for_items(intent: QuestionIntent, lead: str) -> bool:
    """Whether a question is answered by the items `lead` introduces: it asks which things (not a
    value: どのような時間帯に何時間まで？ is answered by the hours), where to turn (相談窓口はどこ？
    -> 次に掲げる相談窓口を設ける。 一　総務部職員課 …), or what kinds there are when the lead does
    not name them itself (懲戒処分として戒告、減給、停職又は免職の処分をすることができる)."""
    if intent.answer_type is AnswerType.CONTACT:
        return True
    if intent.wants_value:
        return False
    return intent.asks_which or (intent.answer_type is AnswerType.LIST and not enumerates(lead))


def _item_leads(sentences: Sequence[str], places: Sequence[Place]) -> dict[int, int]:
    """item index -> the index of the sentence of its 項 that introduces it (the last one before
    the items), for the items whose 項 has such a sentence."""
    leads: dict[int, int] = {}
    lead: int | None = None
    for i, (paragraph, item) in enumerate(places):
        if item is None:
            lead = i if _INTRODUCES_ITEMS.search(sentences[i]) else None
        elif lead is not None and places[lead][0] == paragraph:
            leads[i] = lead
    return leads


def _with_items(lead: str, items: Sequence[str], room: int = MAX_QUOTE_CHARS // 2,
                item_chars: int = ITEM_CHARS) -> str:
    """The lead, then its items with their numbers (一　… 二　…), within MAX_QUOTE_CHARS: a lead
    longer than `room` keeps its close (次に掲げる事項を…通知しなければならない), each item its first
    `item_chars`, and the items that no longer fit are left for the citation's full text."""
    if len(lead) > room:
        lead = "…" + lead[len(lead) - room + 1:]
    shown = lead
    for item in items:
        item = item if len(item) <= item_chars else item[: item_chars - 1] + "…"
        if len(shown) + 1 + len(item) > MAX_QUOTE_CHARS:
            return shown if shown.endswith("…") else shown[: MAX_QUOTE_CHARS - 1] + "…"
        shown = f"{shown}　{item}"
    return shown

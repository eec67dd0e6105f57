"""The embedded Searcher: query planning, in-memory BM25F, and feature re-ranking.

Every passage is scored at once (numpy): BM25F over the asker's words and, with less weight, the
statutory synonyms and English-glossary terms the planner added; then interpretable features —
share of the question covered, the law or article the question names, 附則, the version of a law
asked about. For English handbooks, the top candidates also get term proximity and the context
of their page, and a page is listed once before its second section. A bundled sentence-embedding
model re-orders the list by meaning (retrieval.passage_vectors), and below the first three results
the question's character bigrams re-order the rest (recall for wordings the analyser cuts
differently); the extractive answer is still drawn in the word ranking's order. The weights are set by
measurement on the dev sets' tune halves (README, "Retrieval quality").
"""
from __future__ import annotations

import dataclasses
import logging
import re
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath

import numpy as np

from retrieval import definition_examples
from retrieval.analysis import Analyzer, detect_language, normalize
from retrieval.answer_types import WORD_CHAR, AnswerType, defined_terms_in
from retrieval.char_bigrams import BigramIndex, question_bigrams
from retrieval.clipped_words import ClippedWords
from retrieval.english_dictionary import EnglishDictionary, load_or_build_apart
from retrieval.cpu_work import run_cpu
from retrieval.local_index import LocalIndex
from retrieval.compound_proximity import passage_pairs as compound_passage_pairs
from retrieval.compound_proximity import question_pairs as compound_pairs
from retrieval.english_proximity import Pair, PassagePairs, proximity_share, question_pairs
from retrieval.document_names import distinctive_title_words, document_names, titles_named_by_words
from retrieval.models import ANSWER_CONFIDENCE, ANSWER_DEPTH, Passage, Question, ScoredPassage
from retrieval.passage_vectors import DenseVectors
from retrieval.penal_provisions import penal_index
from retrieval.query import QueryPlan, QueryPlanner, cited_articles, content_terms, vocabulary_terms
from retrieval.question_parts import asking_part, situation_terms
from retrieval.rerank import CANDIDATES, PassageText, RerankWeights, rerank_bonus
from retrieval.term_matrix import AnalysedTerms, TermMatrix
from retrieval.whole_articles import PieceKey, article_pieces, piece_key, whole_article

log = logging.getLogger(__name__)
_PURPOSE_CAPTION = re.compile(r"[（(]?(?:目的|趣旨)")
_ASKS_PURPOSE = re.compile(r"目的|趣旨|なぜ|何のため|\bpurpose|\bwhy\b", re.I)
_GUIDANCE = re.compile(r"ガイドライン|モデル|解説|手引|マニュアル|Q&A|指針")
_ASCII = re.compile(r"^[a-z0-9'\-]+$")
_DIGIT = re.compile(r"[0-9]")


@dataclass(frozen=True)
class RankWeights:
    expansion_term: float = 0.5  # BM25 weight of an added synonym relative to the asker's word
    bm25: float = 1.0  # BM25F, divided by the best score for this question
    coverage: float = 1.5  # IDF-weighted share of the asker's terms found in the passage
    expansion_coverage: float = 0.5  # the same for added synonyms / glossary terms
    law_match: float = 1.0  # the passage belongs to a law the question names
    article_match: float = 2.0  # the passage is the article the question cites
    paragraph_match: float = 0.3
    caption_match: float = 0.2  # a query term appears in the article caption or section heading
    supplementary: float = -0.4  # 附則 rarely answers a staff question
    other_version: float = -0.3  # another version of the law than the one asked about
    # The national law of a pair whose local counterpart is indexed (国家公務員法 / 地方公務員法):
    # the askers are a city's staff, so unless the question speaks of the national service, the
    # local law is the one meant.
    national_counterpart: float = -0.2
    # And the other way round: a question about the national service (国家公務員, 国の機関, 人事院) is
    # not answered by the 地方公務員… law of such a pair. Tune pool MRR half A .6166 -> .6193 (one
    # question, b4-41; -0.2 and -0.4 alike), half B unchanged (.6232).
    local_counterpart: float = -0.2
    # A question about a private employer's staff (外郭団体, 指定管理者, 委託先の会社, a contractor) is
    # not answered by the laws of the public service (地方公務員法, 人事院規則, the ward's 職員… rules),
    # which the words of a staff question otherwise favour: labour law (労基法, 育介法) applies there.
    # Tune pool MRR half A .6110 -> .6166 (-0.4 .6138; -0.8 and -1.0 as -0.6), half B .6176 -> .6232.
    public_service_law: float = -0.6
    # A 目的/趣旨 article names every topic of its law and answers almost no staff question,
    # unless the question asks what a law is for.
    purpose_article: float = -0.3
    # Guidance (a ガイドライン, モデル就業規則, 解説, 手引) explains the rules in plain prose, which
    # matches colloquial wording better than the rule itself; unless the question names a
    # document, the rule leads. Tune halves: ja hit@1 .556 -> .611, colloquial check MRR
    # .321 -> .330; held halves did not lose (-0.6 did: ja held hit@1 .789 -> .737).
    guidance: float = -0.3
    # A definition question (要配慮個人情報って何？) and the passage defines (「要配慮個人情報」とは…)
    # the very term the question names: looked up over the whole corpus, because a long
    # definitions article loses on BM25 to the many passages that merely use the term.
    defines_named_term: float = 0.5  # colloquial check tune hit@5 .522 -> .565; 0.5 to 1.0 rank alike
    non_noun_weight: float = 0.5  # weight of a verb/adjective in coverage, relative to a noun
    unknown_terms: float = 1.0  # confidence lost per (IDF-weighted) share of words absent from the corpus
    # Share of an English question's adjacent word pairs found adjacent in the passage (fitted on
    # the tune half of contoso-handbook: 0.2 to 0.5 rank alike; retrieval.english_proximity).
    english_proximity: float = 0.3
    # Share of a Japanese question's compound-noun pairs (1年未満, 年次有給休暇) found compounded in the
    # passage (retrieval.compound_proximity). Tune sets: pooled MRR .5874 -> .5938, hit@1 .489 -> .498
    # (0.1 .5909, 0.4 .5883); held halves: ja MRR .868 -> .861 (one question 3 -> 5), colloquial same.
    compound_proximity: float = 0.2
    # A question that first tells its situation (「療養中の職員が退職したいと申し出ています。…退職後も補償は
    # 受けられるのでしょうか。」): the IDF-weighted share of the asking part's own terms in the passage,
    # on top of the whole question's coverage, so the words of the story do not outvote the words of the
    # question. Tune sets (291 answerable): pooled MRR .6057 -> .6097, hit@5 .725 -> .729, hit@10
    # .832 -> .838 (0.1: .6087, 0.3: .6089); ja and colloquial held halves unchanged; lawqa unchanged.
    asked_coverage: float = 0.2
    # A handbook page is the unit a citation points to: a section whose page also holds another
    # well-matching section gains this times that section's score (relative to the best). Tune
    # half of contoso-handbook: 0.2 to 1.0 rank alike; the low end is taken.
    page_context: float = 0.3
    # The same for a small excerpt (at most SMALL_DOCUMENT passages, unpaged, no 第一条): a bundle of
    # a few provisions gathered for one topic (lawqa-jp's files: an article with the 施行令 and 告示
    # text it points to) is the unit that answers, like a page. A regulation opens at 第一条 and is
    # never affected. Tune half of lawqa-jp: hit@1 .944 at 0 and 0.3, .972 from 0.45 to 2.0; the low
    # end is taken (held: .879 -> .909 at 0.45 to 0.6, back to .879 at 1.0).
    small_document_context: float = 0.5
    # A rule that a well-ranked guidance passage cites (労基法第３９条 in a commentary, 法第27条
    # in a ガイドライン) gains this: the guidance points at the rule that answers. Tune halves:
    # colloquial check hit@1 .217 -> .304, MRR .426 -> .466, ja and blind2 unchanged; 0.3 and more
    # cost ja held hit@1 (.789 -> .737), the guidance itself being the answer there.
    cited_rule: float = 0.2
    # A penalty question (どんな罰？): how many of the best non-penal articles (the duty the question
    # describes) bring the penal provisions citing them along, each placed just above its duty
    # (LocalSearcher._penalties_for_duties). 0 turns it off.
    penalty_duties: int = 3
    loose_concept: float = 0.5  # weight of a JMdict translation in coverage, relative to a reviewed one
    # Below the first BIGRAM_HEAD results, the question's kanji/katakana bigram match (relative to
    # the best) added to the word score (LocalSearcher._with_bigram_tail). Chosen on one half of the
    # tune pool (by id hash; prototype): 0.5 / 1.0 / 1.5 / 2.0 gave MRR .5393 -> .5411 / .5434 / .5438 /
    # .5422, hit@5 .718 -> .724 / .746 / .729 / .729. As built (the word ranking's first five kept in
    # the list), at 1.0: that half .5393 -> .5422, the other half .5713 -> .5747 (hit@5 .667 -> .683);
    # ja and colloquial held halves unchanged; no answer changed. A head of 2 or 3 ranks alike; fused
    # with no head it cost hit@1.
    bigram_tail: float = 1.0
    # The question's cosine similarity to each passage in the bundled sentence-embedding model
    # (retrieval.passage_vectors), relative to the best matched passage's, added to the word score
    # for the list's order. Chosen on one half of the tune pool (by id hash), 200 characters
    # embedded: 12 / 15 / 20 / 25 / 30 gave MRR .5422 -> .5814 / .5964 / .5939 / .5903 / .5879;
    # at 15 the other half .5747 -> .6005, hit@5 .683 -> .739. Embedding 400 characters ranked
    # alike (.5831 at 20) at twice the cost.
    dense: float = 15.0
    # The same for the second sentence model where installed (retrieval.universal_encoder, USE
    # multilingual v3), added after e5's. Chosen on half A of the tune pool (bench/rank_search.py,
    # session 32): 0.5 / 1 / 1.5 / 2 / 2.5 / 3 / 5 / 10 gave MRR .5952 -> .5962 / .6059 / .6057 / .6042 /
    # .5938 / .5928 / .5748 / .5508; at 1.5 half B .6007 -> .6134, hit@5 A .757 -> .768, B .739 -> .744;
    # English questions A .456 -> .478, B .539 -> .590 (hit@5 .600 -> .667); answers
    # (bench/answer_bar.py) unchanged in number, F1 A .400 -> .405.
    universal_dense: float = 1.5


class LocalSearcher:
    def __init__(self, *, index: LocalIndex, analyzer: Analyzer, weights: RankWeights = RankWeights(),
                 rerank: RerankWeights = RerankWeights(), dense: DenseVectors | None = None,
                 universal_dense: DenseVectors | None = None) -> None:
        self.index = index
        self.dense = dense  # None: ranked by words alone (REIKI_DENSE=off, or the model not installed)
        self.universal_dense = universal_dense  # the second sentence model's, where installed
        self.planner = QueryPlanner(analyzer)
        self.weights = weights
        self.rerank_weights = rerank
        self._snapshot: IndexSnapshot | None = None
        self._lock = threading.Lock()
        self._english: tuple[int, EnglishDictionary | None] | None = None  # (generation, table)
        self._english_lock = threading.Lock()
        self._english_building = False  # a background build of the table for a newer generation runs

    def snapshot(self) -> IndexSnapshot:
        """The current generation of the index, reloaded when the index has been written since.
        A search uses the one snapshot it got here from start to end, whatever /reindex swaps in."""
        generation = self.index.generation()
        current = self._snapshot
        if current is not None and current.generation == generation:
            return current
        with self._lock:
            if self._snapshot is None or self._snapshot.generation != generation:
                passages: list[Passage] = []

                def analysed():  # streamed: the term arrays fill while the rows are read
                    for passage, terms in self.index.iter_analysed_passages():
                        passages.append(passage)
                        yield terms

                terms = AnalysedTerms(analysed())
                self._snapshot = IndexSnapshot(generation, passages, terms)
            return self._snapshot

    def matrix(self) -> TermMatrix:
        """The in-memory view an asker without groups searches (public passages only)."""
        return self.snapshot().audience(()).matrix

    def warm_up(self) -> None:
        """Load the in-memory postings, the analyser, the planner's word lists (the English
        glossary too) and the English table now rather than on the first question."""
        titles = self.snapshot().audience(()).titles
        self.planner.plan("年次休暇", titles)
        self.planner.plan("annual leave", titles)
        matrix = self.snapshot().audience(()).matrix
        _rows_defining(matrix, "")  # which passage defines which term: one pass over the corpus
        _guidance_rows(matrix)
        _article_pieces(matrix)  # which rows are pieces of one article: one pass over the corpus
        _bigram_index(matrix)  # character-bigram postings: one pass over the corpus
        _clipped_words(self.snapshot(), matrix, self.planner.analyzer)  # compounds by initials: one pass
        self.english_dictionary()
        for dense in self._sentence_models():
            snapshot = self.snapshot()
            try:
                dense.prepare(snapshot.generation, snapshot.passages)
            except Exception:  # noqa: BLE001 - a broken model costs its signal, never the service
                log.exception("the embedding model %s failed at warm-up: questions are ranked without it",
                              dense.embedder.model_id)

    def _sentence_models(self) -> list[DenseVectors]:
        return [dense for dense in (self.dense, self.universal_dense) if dense is not None]

    def english_dictionary(self, snapshot: IndexSnapshot | None = None) -> EnglishDictionary | None:
        """JMdict English -> Japanese, filtered to this index generation's public vocabulary: read
        from beside the index, or built there by a child process (seconds, once per index change).
        The first table is built before the first English question is answered (at warm-up in the
        server). After a re-index, questions keep the previous table while a background thread
        builds the new one: a build on the ranking thread would hold every question up for
        seconds. (Headwords the new index lacks are dropped by the planner's `known_word`.)
        `snapshot`: the one the caller searches (else the current one)."""
        snapshot = snapshot or self.snapshot()
        current = self._english
        if current is not None and current[0] == snapshot.generation:
            return current[1]
        if current is None:
            with self._english_lock:
                if self._english is None:
                    self._english = (snapshot.generation, self._load_english())
                return self._english[1]
        with self._english_lock:
            if not self._english_building:
                self._english_building = True
                threading.Thread(target=self._refresh_english, args=(snapshot.generation,),
                                 name="english-table", daemon=True).start()
        return current[1]

    def _refresh_english(self, generation: int) -> None:
        try:
            table = self._load_english()
            with self._english_lock:
                self._english = (generation, table)
        finally:
            self._english_building = False

    def _load_english(self) -> EnglishDictionary | None:
        try:
            return load_or_build_apart(self.index, self.planner.analyzer)
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            # A damaged dictionary package costs English recall, never an answer.
            log.warning("JMdict unavailable, English questions use the glossary only: %s", exc)
            return None

    async def search(self, question: Question, k: int) -> list[ScoredPassage]:
        # Ranking is CPU work (numpy, Sudachi): a worker thread keeps the event loop free.
        return await run_cpu(self.rank, question, k)

    async def aclose(self) -> None:
        """The index connection belongs to the services that own it."""

    def rank(self, question: Question, k: int) -> list[ScoredPassage]:
        """The synchronous core of `search`, for batch callers (evaluation, benchmarks). A question
        naming an everyday example that a 定義 item among the first results lists (USBメモリ for
        外部記録媒体) is ranked again in the rules' own term (retrieval.definition_examples)."""
        results = self._rank(question, k)
        first = results[:definition_examples.DEPTH]
        bridged = definition_examples.bridge(question.text, [r.passage.text for r in first])
        if bridged is None:
            return results
        return self._rank(dataclasses.replace(question, text=bridged.question), k)

    def english_concepts(self, question: Question) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """The Japanese concepts an English question is searched by (the glossary's, then JMdict's
        translations), each as its alternative wordings' terms; () for Japanese. The extractive
        answerer reads an English question's sentences by these, as the ranking did."""
        if detect_language(question.text) != "en":
            return ()
        snapshot = self.snapshot()
        audience = snapshot.audience(question.groups)
        if audience.matrix.size == 0:
            return ()
        return self._plan(question, snapshot, audience).concepts

    def _plan(self, question: Question, snapshot: IndexSnapshot, audience: Audience) -> QueryPlan:
        """What the question asks, in the index's words, for the passages `audience` may see."""
        matrix = audience.matrix
        dictionary = self.english_dictionary(snapshot) if detect_language(question.text) == "en" else None
        analyzer = self.planner.analyzer
        plan = self.planner.plan(question.text, audience.titles, dictionary=dictionary,
                                 known_word=lambda word: all(matrix.idf(t) for t in vocabulary_terms(analyzer, word)),
                                 clipped=_clipped_words(snapshot, matrix, analyzer).readings)
        named = titles_named_by_words(question.text, audience.title_words)
        if named:
            plan = dataclasses.replace(plan, laws=tuple(dict.fromkeys(plan.laws + named)))
        plan = _with_spelling_fixed(plan, matrix, dictionary)
        plan = self._without_name_words(plan, audience, matrix)
        if question.search_terms:
            plan = _with_model_terms(plan, question.search_terms, analyzer, matrix)
        return plan

    def _rank(self, question: Question, k: int) -> list[ScoredPassage]:
        snapshot = self.snapshot()  # one generation check (a SQLite read) per question
        audience = snapshot.audience(question.groups)
        matrix = audience.matrix
        if matrix.size == 0:
            return []
        plan = self._plan(question, snapshot, audience)
        visible = self._visible(matrix, question.groups)
        # STEP 1: BM25F over every passage
        weighted = {t: 1.0 for t in plan.terms}
        translated = _translated_terms(plan)
        for term in plan.expansions + plan.model_terms:
            if term not in translated:
                weighted.setdefault(term, self.weights.expansion_term)
        bm25 = matrix.scores(weighted)
        if translated:
            bm25 += self._concept_scores(matrix, plan, weighted)
        article_rows = self._article_rows(matrix, plan)
        # A passage defining the term a definition question names matches it whatever the tokenizer
        # made of the term there (近接地とは？ is 近|接地, the 定義 item's 近接地 is 近接|地).
        defining = _rows_defining(matrix, plan.text) if plan.answer_type is AnswerType.DEFINITION else []
        if not bm25.any() and not article_rows and not defining:
            return []
        # STEP 2: interpretable features, vectorised over all passages
        score, confidence = self._features(matrix, plan, bm25, article_rows, defining)
        # STEP 3: the k best visible passages that matched something
        matched = visible & ((bm25 > 0) | _mask(matrix.size, article_rows) | _mask(matrix.size, defining))
        score = np.where(matched, score, -np.inf)
        score = self._rerank(matrix, plan, score, matched)
        score = self._english_proximity(matrix, plan, score)
        score = self._compound_proximity(matrix, plan, score)
        score = self._page_context(matrix, score)
        score = self._rules_cited_by_guidance(matrix, plan, audience.titles, score)
        score, matched, confidence = self._penalties_for_duties(matrix, plan, score, matched, visible, confidence)
        results = self._listed(matrix, score, matched, k, confidence)
        shown_score = self._with_dense(snapshot, matrix, question.text, score, results)
        shown_score, _, _ = self._penalties_for_duties(matrix, plan, shown_score, matched, visible, confidence)
        shown = results if shown_score is score else self._listed(matrix, shown_score, matched, k, confidence,
                                                                   reported=score)
        shown = self._with_bigram_tail(matrix, plan, shown_score, matched, k, confidence, shown, reported=score)
        return _in_word_order_for_answers(shown, results, k)

    def _with_dense(self, snapshot: IndexSnapshot, matrix: TermMatrix, text: str, score: np.ndarray,
                    results: Sequence[ScoredPassage]) -> np.ndarray:
        """STEP 5: the word score plus the question's similarity to each passage in each sentence
        model (e5, then USE where installed), relative to the best matched passage's (a paraphrase
        the words miss: 育休 and 育児休業をすることができる期間, "childcare leave" and 育児休業).
        `score` itself when there is no model or no model's vectors for this generation are made
        yet (each model's term is left out on its own), and when none of the word
        ranking's `results` is an article: the model reads a passage's first 200 characters, which
        for an article are its law, number, caption and first sentence, but for a handbook's page
        section any part of the page (on the contoso handbook it cost hit@5 .820 -> .740). Requiring
        most of them to be articles instead of one ranked the ja tune pool lower (.5953 -> .5890)."""
        if not results or not any(r.passage.article is not None for r in results):
            return score
        matched = np.isfinite(score)
        if not matched.any():
            return score
        fused = score
        # Each model's term on its own: one whose vectors are still being made is simply left out.
        for dense, weight in ((self.dense, self.weights.dense),
                              (self.universal_dense, self.weights.universal_dense)):
            if dense is None or not weight:
                continue
            vectors = dense.vectors_for(snapshot.generation, snapshot.passages, matrix.passages)
            if vectors is None:
                continue
            similarity = dense.similarities(text, vectors)
            fused = np.where(matched, fused + weight * (similarity - similarity[matched].max()), fused)
        return fused

    def _listed(self, matrix: TermMatrix, score: np.ndarray, matched: np.ndarray, k: int,
                confidence: np.ndarray, reported: np.ndarray | None = None) -> list[ScoredPassage]:
        """STEP 4: the k best that matched, by `score`, each reporting its `reported` score (by
        default the same). More than k are looked at: sections of a page already listed give way
        to other pages (see _pages_first), and an article's later pieces to other articles (see
        _one_per_article)."""
        wanted = min(matrix.size, PAGE_REPEAT_DEPTH * k)
        best = np.argpartition(-score, wanted - 1)[:wanted]
        ranked = best[np.argsort(-score[best], kind="stable")]
        order = ranked[matched[ranked]].tolist()
        if _has_pages(matrix):
            order = _pages_first(order, matrix.passages)
        return self._one_per_article(matrix, order, k, score if reported is None else reported, confidence)

    def _with_bigram_tail(self, matrix: TermMatrix, plan: QueryPlan, score: np.ndarray, matched: np.ndarray,
                          k: int, confidence: np.ndarray, results: list[ScoredPassage],
                          reported: np.ndarray) -> list[ScoredPassage]:
        """STEP 6: below the list's first BIGRAM_HEAD results, the list is re-ordered by `score`
        plus the passages' character-bigram match with the question (retrieval.char_bigrams),
        relative to the best. The head stays: bigrams are too loose to choose the answer. Only
        passages that matched a word qualify; each reports its `reported` (word) score."""
        weight = self.weights.bigram_tail
        if not weight or len(results) <= BIGRAM_HEAD:
            return results
        bigrams = question_bigrams(plan.text)
        if not bigrams:  # no kanji or katakana: an English question is ranked by its words alone
            return results
        bigram = _bigram_index(matrix).scores(bigrams)
        top = float(bigram.max())
        if top <= 0:
            return results
        fused = self._listed(matrix, np.where(matched, score + weight * bigram / top, -np.inf), matched, k,
                             confidence, reported=reported)
        head = results[:BIGRAM_HEAD]
        seen = {_result_key(r) for r in head}
        return head + [r for r in fused if _result_key(r) not in seen]

    def _one_per_article(self, matrix: TermMatrix, order: Sequence[int], k: int, score: np.ndarray,
                         confidence: np.ndarray) -> list[ScoredPassage]:
        """STEP 4: the k best, an article's best piece standing for the whole article
        (retrieval.whole_articles); its later pieces give their places to other articles."""
        pieces = _article_pieces(matrix)
        out: list[ScoredPassage] = []
        seen: set[PieceKey] = set()
        for row in order:
            passage = matrix.passages[row]
            key = piece_key(passage)
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
                passage, focus = whole_article(matrix.passages, pieces[key], row)
            else:
                focus = None
            out.append(ScoredPassage(passage, float(score[row]), confidence=float(confidence[row]), focus=focus,
                                     decisive=_decisive(score[row], confidence[row])))
            if len(out) == k:
                break
        return out

    def _without_name_words(self, plan: QueryPlan, audience: Audience, matrix: TermMatrix) -> QueryPlan:
        """The words with which an English question names a document ("... according to the
        Northwind_Standard_Benefits_Details.pdf") pick the document — the law_match feature does
        that — and say nothing about which of its pages answers: as search words they favour
        passages that happen to repeat the name. Only a run of two or more name words counts as
        naming ("the PerksPlus program: what does it reimburse?" keeps "reimburse"). Japanese law
        names are already taken out of the question by the planner."""
        named = [title for title in plan.laws if title.isascii()]
        if not named:
            return plan
        cache = matrix.derived.setdefault("name_terms", {})
        name_terms: set[str] = set()
        for title in named:
            if title not in cache:
                names = [name for name, owner in audience.titles.items() if owner == title]
                names += [PurePosixPath(matrix.passages[row].doc).suffix for row in matrix.title_rows(title)[:1]]
                cache[title] = frozenset(t for name in names for t in self.planner.analyzer.terms(name))
            name_terms |= cache[title]
        naming = _name_runs(plan.text, name_terms, self.planner.analyzer)
        kept = tuple(t for t in plan.terms if t not in naming)
        if not naming or not kept:  # a question made of nothing but a name keeps its words
            return plan
        return dataclasses.replace(plan, terms=kept, nouns=tuple(t for t in plan.nouns if t in kept))

    def _features(self, matrix: TermMatrix, plan: QueryPlan, bm25: np.ndarray, article_rows: dict[int, float],
                  defining: list[int]):
        w = self.weights
        # English words and explained colloquialisms the corpus lacks are represented by their
        # Japanese / statutory expansions, so they neither count for coverage nor as unknown — when
        # the corpus has those expansions (産後 says nothing for an English handbook).
        represented = any(matrix.idf(t) for t in plan.expansions)
        user_terms = [t for t in plan.terms if not (
            matrix.idf(t) == 0 and represented and (_ASCII.match(t) or t in plan.explained))]
        coverage = _weighted_share(matrix, user_terms)
        expansion = _weighted_share(matrix, list(plan.expansions))
        translations = _translations(matrix, plan)
        if translations:
            # An English question about Japanese text: each translated word is one concept, found
            # in any one of its wordings; an English word the corpus itself uses (an acronym, or a
            # word of a URL) is one concept among them, not the whole question.
            loose = set(plan.loose_concepts)
            expansion = _concept_share(matrix, translations,
                                       weights=_translation_weights(matrix, translations, loose, w.loose_concept))
            asked = translations + tuple(((t,),) for t in user_terms)
            coverage = _concept_share(matrix, asked,
                                      weights=_translation_weights(matrix, asked, loose, w.loose_concept))
        score = w.bm25 * bm25 / (bm25.max() or 1.0) + w.coverage * coverage + w.expansion_coverage * expansion
        if w.asked_coverage:
            asking_terms = self._asking_part_terms(matrix, plan)
            if asking_terms:
                score += w.asked_coverage * _weighted_share(matrix, asking_terms)
        if plan.model_terms:  # ranked like the vocabulary's expansions; never part of the confidence
            score += w.expansion_coverage * _weighted_share(matrix, list(plan.model_terms))
        for law in plan.laws:
            score[matrix.title_row_array(law)] += w.law_match
        for row, bonus in article_rows.items():
            score[row] += bonus
        heading_hit = np.zeros(matrix.size, dtype=bool)
        for term in plan.all_terms:
            heading_hit[matrix.rows_in_field(term, "headings")] = True
        score += w.caption_match * heading_hit
        score += w.supplementary * self._supplementary(matrix)
        if w.defines_named_term and defining:  # rows defining the term a definition question names
            score[defining] += w.defines_named_term
        if w.guidance and not plan.laws:
            score += w.guidance * _guidance_rows(matrix)
        score += w.other_version * self._other_version(matrix, plan)
        if w.national_counterpart and not plan.laws and not _NATIONAL.search(plan.text):
            score += w.national_counterpart * _counterparts(matrix, "国家公務員", "地方公務員")
        if w.local_counterpart and not plan.laws and _NATIONAL_SERVICE.search(plan.text):
            score += w.local_counterpart * _counterparts(matrix, "地方公務員", "国家公務員")
        if (w.public_service_law and _PRIVATE_EMPLOYER.search(plan.text)
                and not _PUBLIC_SERVANT.search(plan.text) and not _ASKERS_OWN_MATTER.search(plan.text)):
            score += w.public_service_law * _rows_matching(matrix, "public_service_rows", lambda p: bool(
                _PUBLIC_SERVICE_TITLE.search(p.title)))
        if w.purpose_article and not _ASKS_PURPOSE.search(plan.text):
            score += w.purpose_article * _rows_matching(matrix, "purpose_rows", lambda p: bool(
                p.caption and _PURPOSE_CAPTION.match(p.caption)))
        if translations:  # answerable as far as the question's concepts are covered
            confidence = coverage.copy()
            # A topic the corpus has no word for (canteen), in Japanese or as the English word itself
            absent = tuple(((t,),) for t in plan.untranslatable if not matrix.idf(t))
            if absent:  # likely unanswerable
                weights = _translation_weights(matrix, asked + absent, loose, w.loose_concept)
                unknown = sum(weights[-len(absent):]) / sum(weights)
                confidence = _concept_share(matrix, asked + absent, weights=weights) - w.unknown_terms * unknown
            if article_rows:
                confidence[list(article_rows)] = np.maximum(confidence[list(article_rows)], 0.9)
            return score, confidence
        # For answerability, a concept's alternative wordings count once (年次有給休暇 or 年次休暇).
        concepts = _concept_share(matrix, plan.concepts) if plan.concepts else expansion
        return score, self._confidence(matrix, plan, user_terms, concepts, article_rows, coverage=coverage)

    def _asking_part_terms(self, matrix: TermMatrix, plan: QueryPlan) -> list[str]:
        """The question's terms its asking part uses, when a story is told first (sentences or a
        background clause: retrieval.question_parts.asking_part); none when the whole question asks."""
        asking = asking_part(plan.text)
        if asking is None:
            return []
        used = set(content_terms(self.planner.analyzer, asking))
        return [t for t in plan.terms if t in used and matrix.idf(t)]

    def _concept_scores(self, matrix: TermMatrix, plan: QueryPlan, scored: Mapping[str, float]) -> np.ndarray:
        """BM25 of an English question's translations: per translated word (concept), the best of
        its alternative wordings, so a word with three translations weighs like a word with one."""
        total = np.zeros(matrix.size, dtype=np.float32)
        for concept in plan.concepts:
            best = np.zeros(matrix.size, dtype=np.float32)
            for alternative in concept:
                terms = {t: self.weights.expansion_term for t in alternative if t not in scored}
                if terms:
                    np.maximum(best, matrix.scores(terms), out=best)
            total += best
        return total

    def _rerank(self, matrix: TermMatrix, plan: QueryPlan, score: np.ndarray, matched: np.ndarray) -> np.ndarray:
        """STEP 3b: sentence, caption and answer-type features on the top candidates only."""
        n = int(matched.sum())
        if n == 0:
            return score
        top = np.argpartition(-score, min(CANDIDATES, matrix.size - 1))[:CANDIDATES]
        # A candidate more than the largest possible bonus behind the 10th best cannot reach the
        # answer list: it is not worth re-ranking.
        floor = np.sort(score[top])[-min(10, len(top))] - self.rerank_weights.max_bonus
        top = top[score[top] >= floor]
        # One-character terms (子, 日) match inside other words (電子, 日本) when text is scanned.
        terms = [(t, matrix.idf(t)) for t in plan.terms if matrix.idf(t) and len(t) > 1]
        terms += [(t, self.weights.expansion_term * matrix.idf(t)) for t in plan.expansions
                  if matrix.idf(t) and len(t) > 1]
        total = sum(weight for _, weight in terms)
        top = top[matched[top]]
        # Within the right document: the first stage finds the law well; what it gets wrong is
        # which of its articles answers. Only the candidates of the leading document, and of any
        # document near-tied with it, are re-ordered.
        if len(top):
            doc_ids = _doc_ids(matrix)
            leaders = doc_ids[top[score[top] >= score[top].max() - self.rerank_weights.document_margin]]
            top = top[np.isin(doc_ids[top], leaders)]
        # Which question terms each candidate holds, from the postings (no text scanning): one
        # row of flags per candidate.
        holds = np.array([_contains_sorted(matrix.rows_with(t), top) for t, _ in terms]
                         ).reshape(len(terms), len(top)).T.tolist()
        # Per-row text caches belong to this matrix (rows differ per index generation and audience).
        texts = matrix.derived.setdefault("passage_texts", PassageText())
        score = score.copy()
        for row, held in zip(top.tolist(), holds):
            present = [term for term, flag in zip(terms, held) if flag]
            bonus = rerank_bonus(row, matrix.passages[row], present, total, plan.answer_type,
                                 self.rerank_weights, texts, plan.given_values, plan.value_unit,
                                 plan.value_bound, plan.modality)
            if bonus:  # most candidates get none: adding 0.0 changes no (finite) score
                score[row] += bonus
        return score

    def _english_proximity(self, matrix: TermMatrix, plan: QueryPlan, score: np.ndarray) -> np.ndarray:
        """STEP 3c: English phrase proximity on the top candidates of every document."""
        weight = self.weights.english_proximity
        english = [t for t in plan.terms if _ASCII.match(t)]
        # Two English search terms at least make a pair: a Japanese question is not scanned.
        pairs = question_pairs(plan.text, english) if weight and len(english) >= 2 else []
        if not pairs:
            return score
        cache = matrix.derived.setdefault("english_pairs", PassagePairs())
        return _with_proximity(matrix, score, pairs, weight, cache)

    def _compound_proximity(self, matrix: TermMatrix, plan: QueryPlan, score: np.ndarray) -> np.ndarray:
        """STEP 3c, for Japanese: compound proximity on the top candidates (retrieval.compound_proximity)."""
        weight = self.weights.compound_proximity
        if not weight or plan.language != "ja":
            return score
        analyzer = self.planner.analyzer
        pairs = compound_pairs(analyzer, plan.text, plan.terms)
        if not pairs:
            return score
        cache = matrix.derived.get("compound_pairs")
        if cache is None:
            cache = matrix.derived["compound_pairs"] = PassagePairs(partial(compound_passage_pairs, analyzer))
        return _with_proximity(matrix, score, pairs, weight, cache)

    def _rules_cited_by_guidance(self, matrix: TermMatrix, plan: QueryPlan, titles: Mapping[str, str],
                                 score: np.ndarray) -> np.ndarray:
        """STEP 3e: a guidance passage among the best few names the articles it explains; those
        of them that match the question too gain `cited_rule`. Only the newest version of a law
        is meant: guidance is written against the law in force."""
        weight = self.weights.cited_rule
        if not weight:
            return score
        depth = min(matrix.size - 1, CITING_DEPTH)
        top = np.argpartition(-score, depth)[:depth]
        finite = np.isfinite(score)
        top = top[finite[top] & (_guidance_rows(matrix)[top] > 0)]
        if not len(top):
            return score
        older = self._other_version(matrix, dataclasses.replace(plan, wants_old_version=False))
        cache = matrix.derived.setdefault("cited_rows", {})
        lifted: set[int] = set()
        for row in top.tolist():
            cited = cache.get(row)
            if cited is None:
                cited = cache[row] = tuple(r for r in _cited_rows(matrix, row, titles) if not older[r])
            lifted.update(r for r in cited if finite[r])
        if not lifted:
            return score
        score = score.copy()
        score[sorted(lifted)] += weight
        return score

    def _penalties_for_duties(self, matrix: TermMatrix, plan: QueryPlan, score: np.ndarray, matched: np.ndarray,
                              visible: np.ndarray, confidence: np.ndarray
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """STEP 3f: a penalty question's words find the duty it describes (秘密を漏らしてはならない),
        while the penal provision that answers cites the duty by number only (第三十四条…の規定に違反
        して…漏らした者は、一年以下の懲役…): each of the best `penalty_duties` non-penal articles places
        the visible penal provisions of its law that cite it just above itself, matched or not
        (retrieval.penal_provisions). Applied to the word score and again to the list's order. The
        provision takes its duty's confidence too: it covers the question through the duty, and
        the answer should quote the penalty, not the duty it punishes."""
        depth = int(self.weights.penalty_duties)
        if not depth or plan.answer_type is not AnswerType.PENALTY or not np.isfinite(score).any():
            return score, matched, confidence
        index = matrix.derived.get("penal_index")
        if index is None:
            index = matrix.derived["penal_index"] = penal_index(matrix.passages)
        top = np.argpartition(-score, min(CANDIDATES, matrix.size - 1))[:CANDIDATES]
        top = top[np.isfinite(score[top])]
        articles = [(row, (matrix.passages[row].doc, matrix.passages[row].article_key or ""))
                    for row in top[np.argsort(-score[top], kind="stable")].tolist()
                    if not matrix.passages[row].supplementary]
        duties = [(row, article) for row, article in articles if article not in index.penal][:depth]
        lifted = [(penal, duty) for duty, article in duties for penal in index.by_duty.get(article, ())
                  if visible[penal]]
        if not lifted:
            return score, matched, confidence
        score, matched, confidence = score.copy(), matched.copy(), confidence.copy()
        for penal, duty in lifted:
            score[penal] = max(score[penal], np.nextafter(score[duty], np.inf))
            confidence[penal] = max(confidence[penal], confidence[duty])
            matched[penal] = True
        return score, matched, confidence

    def _page_context(self, matrix: TermMatrix, score: np.ndarray) -> np.ndarray:
        """STEP 3d: sections of a paged text (not articles) are lifted by the best other section
        of their page among the top candidates: a page where several sections match is about the
        question as a whole, one stray matching section on an unrelated page is not. The passages
        of a small document are lifted by the best other passage of their document alike. Only rows
        that matched and may be seen (finite scores) lend context."""
        weights = {"page": self.weights.page_context, "document": self.weights.small_document_context}
        unit_of = _context_units(matrix)
        if not any(weights.values()) or not any(unit is not None for unit in unit_of):
            return score  # statutes: every passage is an article of a long document
        top = np.argpartition(-score, min(CANDIDATES, matrix.size - 1))[:CANDIDATES]
        top = top[np.isfinite(score[top])]
        if len(top) < 2:
            return score
        best = float(score[top].max())
        if best <= 0:
            return score
        units: dict[tuple[str, str, int], list[tuple[int, float]]] = {}
        for row, value in zip(top.tolist(), score[top].tolist()):
            unit = unit_of[row]
            if unit is not None:
                units.setdefault(unit, []).append((row, value))
        lifted = score.copy()
        for unit, members in units.items():
            weight = weights[unit[0]]
            if len(members) < 2 or not weight:
                continue
            ranked = sorted(members, key=lambda member: -member[1])
            (first, first_value), (_second, second_value) = ranked[0], ranked[1]
            for row, _value in members:
                other = second_value if row == first else first_value  # the unit's best passage but itself
                lifted[row] += weight * other / best
        return lifted

    def _confidence(self, matrix: TermMatrix, plan: QueryPlan, user_terms: list[str],
                    expansion: np.ndarray, article_rows: dict[int, float], *,
                    coverage: np.ndarray | None = None) -> np.ndarray:
        """0..1 per passage: how much of what the question is about the passage covers. The
        answerer abstains below its threshold."""
        w = self.weights
        asked = user_terms
        # Values the corpus never spells that way (1km, 090-…) are not topics, and verbs and
        # adjectives (忙しい, 向かう) say less about the topic than nouns.
        user_terms = [t for t in user_terms if matrix.idf(t) or not _DIGIT.search(t)]
        # Words only the told situation uses (係長に言われた。…) are everyday narrative: the ones the
        # corpus lacks are left out (no sign the topic is missing), the others weigh like fillers
        # (the situation may still name the topic: 育休を取りたい。いつまで？). See question_parts.
        situation = set(situation_terms(self.planner.analyzer, plan.text))
        user_terms = [t for t in user_terms if t not in situation or matrix.idf(t)]
        minor = {t for t in user_terms if t not in plan.nouns or t in situation}
        if coverage is not None and not minor and user_terms == asked:
            topical = coverage  # `coverage` (of `asked`, no minor terms) is this very share
        else:
            topical = _weighted_share(matrix, user_terms, minor=minor, minor_weight=w.non_noun_weight)
        # Colloquialisms set aside because the vocabulary translated them (パワハラ) are answered
        # only if their statutory expansions are: they keep their share of the question.
        # Each weighs like the rarest of its expansions, as the asker's own words weigh by IDF.
        replaced = len([t for t in plan.explained if t not in user_terms])
        if user_terms and replaced:
            kept_weight = sum(matrix.idf(t) or 1.0 for t in user_terms)
            replaced_weight = replaced * max((matrix.idf(t) for t in plan.expansions), default=1.0)
            confidence = (kept_weight * topical + replaced_weight * expansion) / (kept_weight + replaced_weight)
        else:
            confidence = np.maximum(topical, 0.75 * expansion) if user_terms else expansion
        # Words the corpus has never seen (クールビズ, 食堂) mean it likely cannot answer at all.
        confidence = confidence - w.unknown_terms * _unknown_share(matrix, user_terms, plan.nouns)
        if article_rows:  # the question cited this very article
            confidence[list(article_rows)] = np.maximum(confidence[list(article_rows)], 0.9)
        return confidence

    def _article_rows(self, matrix: TermMatrix, plan: QueryPlan) -> dict[int, float]:
        """Rows of the articles the question cites, with their bonus (article, plus paragraph)."""
        bonus: dict[int, float] = {}
        for ref in plan.articles:
            laws = {ref.law} if ref.law else set(plan.laws)
            for row in matrix.article_rows(ref.article_key):
                passage = matrix.passages[row]
                if laws and passage.title not in laws:
                    continue
                value = self.weights.article_match
                if ref.paragraph and _has_paragraph(passage.text, ref.paragraph):
                    value += self.weights.paragraph_match
                bonus[row] = max(bonus.get(row, 0.0), value)
        return bonus

    def _visible(self, matrix: TermMatrix, groups: Sequence[str]) -> np.ndarray:
        """Passages the asker may see: public ones, and restricted ones shared with a group of theirs.
        The audience's matrix holds no others; checked again here, from the same rows."""
        if not matrix.restricted_rows:  # the common case: one shared, read-only mask
            if "all_visible" not in matrix.derived:
                everything = np.ones(matrix.size, dtype=bool)
                everything.flags.writeable = False
                matrix.derived["all_visible"] = everything
            return matrix.derived["all_visible"]
        visible = np.ones(matrix.size, dtype=bool)
        allowed = set(groups or ())
        for row in matrix.restricted_rows:
            visible[row] = bool(allowed & set(matrix.passages[row].allowed_groups))
        return visible

    def _supplementary(self, matrix: TermMatrix) -> np.ndarray:
        return matrix.supplementary_rows

    def _other_version(self, matrix: TermMatrix, plan: QueryPlan) -> np.ndarray:
        """1 for passages of a document that is not the version of its law the question wants:
        the newest unless it asks about an earlier date (2013年版, 当時, 改正前)."""
        wants_old = plan.wants_old_version and not plan.wants_current_version
        key = ("other_version", wants_old)
        if key not in matrix.derived:
            newest: dict[str, tuple[str, str]] = {}
            oldest: dict[str, tuple[str, str]] = {}
            docs_by_title: dict[str, set[str]] = {}
            for p in matrix.passages:
                version = (p.effective_date or "", p.doc)
                newest[p.title] = max(newest.get(p.title, version), version)
                oldest[p.title] = min(oldest.get(p.title, version), version)
                docs_by_title.setdefault(p.title, set()).add(p.doc)
            preferred = oldest if wants_old else newest
            matrix.derived[key] = np.array(
                [len(docs_by_title[p.title]) > 1 and preferred[p.title][1] != p.doc for p in matrix.passages],
                dtype=np.float32)
        return matrix.derived[key]


@dataclass(frozen=True)
class Audience:
    """What askers holding the same restricting groups may search: only the passages they may see,
    with corpus statistics (IDF, lengths, document titles) computed from those alone."""

    matrix: TermMatrix
    titles: Mapping[str, str]
    title_words: Mapping[str, tuple[frozenset[str], frozenset[str]]]


class IndexSnapshot:
    """One generation of the index, never changed after it is built. Audience views are built
    from it on first use (the public one at once) and kept, a bounded number of them."""

    MAX_AUDIENCES = 16

    def __init__(self, generation: int, passages: Sequence[Passage],
                 analysed: AnalysedTerms | Iterable[tuple[str, str, str]]) -> None:
        self.generation = generation
        self.passages = tuple(passages)  # every passage, whoever may see it, in index order
        # Kept as compact term ids (4 bytes a word), not text, for audiences built later.
        self._terms: AnalysedTerms | None = (
            analysed if isinstance(analysed, AnalysedTerms) else AnalysedTerms(analysed))
        self.restricting_groups = frozenset(g for p in self.passages for g in p.allowed_groups)
        self._audiences: dict[frozenset[str], Audience] = {}
        self._lock = threading.Lock()
        self._runs: dict[str, list[list[str]]] | None = None
        self._runs_lock = threading.Lock()
        self.audience(())
        if not self.restricting_groups:
            self._terms = None  # every asker shares the public view: no other audience will be built

    def kanji_runs(self, analyzer: Analyzer) -> Callable[[Passage], list[list[str]]]:
        """A passage's runs of kanji words (Analyzer.kanji_runs). Where documents are restricted,
        every passage's are kept, read once, for the audiences built later; where none is, only
        the public view ever asks, once, and nothing is kept."""
        if not self.restricting_groups:
            return lambda passage: analyzer.kanji_runs(passage.text)
        with self._runs_lock:
            if self._runs is None:
                self._runs = {p.passage_id: analyzer.kanji_runs(p.text) for p in self.passages}
        runs = self._runs
        return lambda passage: runs[passage.passage_id]

    def audience(self, groups: Sequence[str]) -> Audience:
        # Groups that restrict nothing here do not change what is visible: askers share a view.
        key = frozenset(groups or ()) & self.restricting_groups
        view = self._audiences.get(key)
        if view is not None:
            return view
        with self._lock:
            view = self._audiences.get(key)
            if view is None:
                rows = [row for row, p in enumerate(self.passages)
                        if not p.allowed_groups or key & set(p.allowed_groups)]
                # _terms is dropped only when nothing is restricted, and then every asker shares
                # the public view built in __init__: no later call gets here.
                if self._terms is None:
                    raise RuntimeError("an audience view was asked for after the terms were dropped")
                terms = self._terms if len(rows) == len(self.passages) else self._terms.select(rows)
                matrix = TermMatrix([self.passages[r] for r in rows], terms)
                titles = document_names(matrix.passages)
                view = Audience(matrix, titles, distinctive_title_words(titles.values()))
                if len(self._audiences) >= self.MAX_AUDIENCES:
                    oldest = next(k for k in self._audiences if k)  # the public view stays
                    del self._audiences[oldest]
                self._audiences = {**self._audiences, key: view}  # readers never see a dict mid-update
            return view


def _with_spelling_fixed(plan: QueryPlan, matrix: TermMatrix, dictionary: EnglishDictionary | None = None
                         ) -> QueryPlan:
    """English words the corpus never uses, replaced by the indexed word they most likely
    misspell (gendr -> gender, helth -> health). A real English word (JMdict's glosses use it)
    is not a misspelling: "flavor" is about something the corpus lacks, not a typo of "favor".
    Japanese input goes through an IME, so its spelling is not the problem there."""
    unknown = [t for t in plan.terms if _ASCII.match(t) and not matrix.idf(t)]
    fixed: dict[str, tuple[str, ...]] = {}
    for term in unknown:
        # A compound the corpus writes otherwise (non-participating as non participating, or
        # nonparticipating) is its parts when the corpus knows every part.
        parts = tuple(p for p in term.split("-") if p)
        if len(parts) > 1 and all(matrix.idf(p) for p in parts):
            fixed[term] = parts
        elif dictionary is not None and dictionary.is_english_word(term):
            continue
        elif (right := matrix.closest_english_term(term)) is not None:
            fixed[term] = (right,)
    if not fixed:
        return plan

    def replaced(terms: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for t in terms for r in fixed.get(t, (t,))))

    return dataclasses.replace(plan, terms=replaced(plan.terms), nouns=replaced(plan.nouns))


PAGE_REPEAT_DEPTH = 5  # how far down the ranking other pages (and articles) are looked for
BIGRAM_HEAD = 3  # the word ranking's first results, which character bigrams never re-order


def _bigram_index(matrix: TermMatrix) -> BigramIndex:
    """The matrix's character-bigram postings (retrieval.char_bigrams): built at warm-up for the
    public view, on first use for another audience's."""
    index = matrix.derived.get("char_bigrams")
    if index is None:
        index = matrix.derived["char_bigrams"] = BigramIndex(p.text for p in matrix.passages)
    return index


def _clipped_words(snapshot: IndexSnapshot, matrix: TermMatrix, analyzer: Analyzer) -> ClippedWords:
    """The compounds of the matrix's passages by their initials (retrieval.clipped_words): built
    at warm-up for the public view, on first use for another audience's, from its own passages
    only, so a restricted document's words never explain a question asked by someone who cannot
    see it. Reading the passages (Sudachi) is what takes time (about 7 s for 11k passages): it is
    done once per generation, and an audience built later only counts."""
    words = matrix.derived.get("clipped_words")
    if words is None:
        runs = snapshot.kanji_runs(analyzer)
        words = matrix.derived["clipped_words"] = ClippedWords(
            run for p in matrix.passages for run in runs(p))
    return words


def _in_word_order_for_answers(shown: list[ScoredPassage], word: list[ScoredPassage], k: int
                               ) -> list[ScoredPassage]:
    """The list as shown (re-ordered by the sentence model and character bigrams), each result
    carrying its word rank (`answer_rank`). Whether the extractive answer answers is decided in
    word order (models.in_answer_order): the answerers' checks (a value stated in the top five,
    the confidence to answer at all) were set on it. So the word ranking's first ANSWER_DEPTH results
    stay in the list: a recalled passage takes only a later one's place. A result reports its
    word score, but never more than the result above it, so the list still reads best first."""
    word_rank = {_result_key(r): rank for rank, r in enumerate(word)}
    owed = {_result_key(r) for r in word[:ANSWER_DEPTH]}
    out: list[ScoredPassage] = []
    listed: set[object] = set()
    for result in shown:
        key = _result_key(result)
        if key in listed:
            continue
        if len(out) == k:
            break
        if key not in owed and len(out) + len(owed - listed) >= k:
            continue  # the remaining places belong to the word ranking's first results
        # An article the words ranked too is the word ranking's result: the same piece stands for
        # it, with that piece's confidence (the new order may have preferred another piece).
        out.append(word[word_rank[key]] if key in word_rank else result)
        listed.add(key)
    out += [r for r in word[:ANSWER_DEPTH] if _result_key(r) not in listed]
    ranked: list[ScoredPassage] = []
    for result in out:
        rank = word_rank.get(_result_key(result))
        score = result.score if not ranked else min(result.score, ranked[-1].score)
        ranked.append(dataclasses.replace(result, score=score, answer_rank=rank,
                                          answer_score=None if rank is None else word[rank].score))
    return ranked


def _result_key(result: ScoredPassage) -> object:
    """What makes two results the same: the article (a whole article stands for its pieces), else
    the passage."""
    return piece_key(result.passage) or result.passage.passage_id


def _pages_first(order: Sequence[int], passages: Sequence[Passage]) -> list[int]:
    """The ranking with each page of a paged text (a PDF handbook, not an article) listed once
    before any second section of it: a handbook page often holds several short sections that all
    match, and five results from one page hide the next page that may answer. The repeats keep
    their order, after the others. Articles are units of their own and are never folded."""
    seen: set[tuple[str, int]] = set()
    first: list[int] = []
    repeats: list[int] = []
    for row in order:
        passage = passages[row]
        if passage.article is not None or passage.page is None:
            first.append(row)
            continue
        key = (passage.doc, passage.page)
        (repeats if key in seen else first).append(row)
        seen.add(key)
    return first + repeats


# A document of at most this many passages that does not open at 第一条 is an excerpt, a bundle
# of a few provisions (lawqa-jp's files: 1 to 7 passages, four in five at most 3, none holding a
# 第一条). A regulation, however short (a 要綱 of three articles), opens at 第一条 and is ranked by
# its articles alone; the smallest law or 例規 of the ja-regulations and sample corpora has 7.
SMALL_DOCUMENT = 5


def _context_units(matrix: TermMatrix) -> list[tuple[str, str, int] | None]:
    """Per row, the unit whose other passages lend it context (LocalSearcher._page_context):
    ("page", doc, page) for a section of a paged text, ("document", doc, 0) for a passage of a
    small unpaged excerpt, None otherwise."""
    if "context_units" not in matrix.derived:
        sizes = Counter(p.doc for p in matrix.passages)
        regulations = {p.doc for p in matrix.passages if p.article_key == "1" and not p.supplementary}
        matrix.derived["context_units"] = [
            ("page", key[0], key[1]) if key is not None
            else ("document", p.doc, 0) if (p.page is None and sizes[p.doc] <= SMALL_DOCUMENT
                                            and p.doc not in regulations) else None
            for p, key in zip(matrix.passages, _page_keys(matrix))]
    return matrix.derived["context_units"]


def _page_keys(matrix: TermMatrix) -> list[tuple[str, int] | None]:
    """Per row, (doc, page) for a section of a paged text, None for an article or unpaged text."""
    if "page_keys" not in matrix.derived:
        matrix.derived["page_keys"] = [None if p.article is not None or p.page is None else (p.doc, p.page)
                                       for p in matrix.passages]
    return matrix.derived["page_keys"]


_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")


def _name_runs(text: str, name_terms: set[str] | frozenset[str], analyzer: Analyzer) -> set[str]:
    """Terms of `text` that stand in a run of two or more document-name words (stop words such
    as "the" or "of" may sit inside a run). File names count: Northwind_Standard_Benefits.pdf."""
    found: set[str] = set()
    run: list[str] = []
    for word in _LATIN_WORD.findall(normalize(text).replace("_", " ").replace(".", " ")):
        terms = analyzer.ascii_word_terms(word)
        if not terms:
            continue  # a stop word neither starts nor breaks a run
        if all(t in name_terms for t in terms):
            run.extend(terms)
            continue
        if len(run) >= 2:
            found.update(run)
        run = []
    if len(run) >= 2:
        found.update(run)
    return found


def _translations(matrix: TermMatrix, plan: QueryPlan) -> tuple:
    """An English question's translation concepts that some passage holds (none for a question
    asked in the corpus' own language: an English question over English documents)."""
    if plan.language != "en":
        return ()
    return tuple(c for c in plan.concepts if any(matrix.idf(t) for alternative in c for t in alternative))


def _translated_terms(plan: QueryPlan) -> frozenset[str]:
    """An English question's expansion terms that belong to a concept (scored per concept)."""
    if plan.language != "en":
        return frozenset()
    return frozenset(t for concept in plan.concepts for alternative in concept for t in alternative)


def _weighted_share(matrix: TermMatrix, terms: Sequence[str], *, minor: set[str] | frozenset[str] = frozenset(),
                    minor_weight: float = 1.0) -> np.ndarray:
    """Per passage: IDF-weighted share of `terms` it contains (`minor` terms weigh less)."""
    share = np.zeros(matrix.size, dtype=np.float32)
    # A word no passage contains is at least as telling as the rarest word the corpus knows.
    rarest = max((matrix.idf(t) for t in terms), default=0.0) or 1.0
    weights = [(t, (matrix.idf(t) or rarest) * (minor_weight if t in minor else 1.0))
               for t in dict.fromkeys(terms)]
    total = sum(w for _, w in weights)
    if not total:
        return share
    for term, weight in weights:
        share[matrix.rows_with(term)] += weight / total
    return share


def _concept_share(matrix: TermMatrix, concepts, *, weights: Sequence[float] | None = None) -> np.ndarray:
    """Per passage: weighted share of the concepts it expresses in any one of their wordings (a
    wording counts by the IDF-weighted share of its terms found); by default a concept weighs like
    its rarest term."""
    share = np.zeros(matrix.size, dtype=np.float32)
    if weights is None:
        weights = [max((matrix.idf(t) for alt in concept for t in alt), default=0.0) or 1.0 for concept in concepts]
    total = sum(weights)
    if not total:  # every concept weighted 0 (RankWeights.loose_concept = 0): nothing to share
        return share
    for concept, weight in zip(concepts, weights):
        best = np.zeros(matrix.size, dtype=np.float32)
        for alternative in concept:
            if alternative:
                np.maximum(best, _weighted_share(matrix, alternative), out=best)
        share += best * (weight / total)
    return share


def _rows_matching(matrix: TermMatrix, key: str, predicate) -> np.ndarray:
    """1.0 for each passage the predicate holds for; computed once per matrix under `key`."""
    if key not in matrix.derived:
        matrix.derived[key] = np.array([predicate(p) for p in matrix.passages], dtype=np.float32)
    return matrix.derived[key]


def _translation_weights(matrix: TermMatrix, concepts, loose: set | frozenset, loose_weight: float) -> list[float]:
    """Weights of an English question's concepts: each like its commonest wording (a translation's
    rare alternative, 依頼 beside 申請 for "request", says nothing of how rare the asked-about
    concept is); a JMdict translation (`loose`) by `loose_weight` of that; a concept no passage
    holds like the rarest one that some passage holds."""
    weights = [min((max(matrix.idf(t) for t in alt) for alt in concept if alt and all(matrix.idf(t) for t in alt)),
                   default=0.0) for concept in concepts]
    rarest = max(weights, default=0.0) or 1.0
    return [(weight or rarest) * (loose_weight if concept in loose else 1.0)
            for concept, weight in zip(concepts, weights)]


def _with_proximity(matrix: TermMatrix, score: np.ndarray, pairs: Sequence[Pair], weight: float,
                    cache: PassagePairs) -> np.ndarray:
    """`score` plus `weight` times the share of `pairs` each of the top candidates holds."""
    top = np.argpartition(-score, min(CANDIDATES, matrix.size - 1))[:CANDIDATES]
    top = top[np.isfinite(score[top])]
    # Rarer words make a more telling pair, as they make a more telling word.
    weights = {pair: matrix.idf(pair[0]) + matrix.idf(pair[1]) for pair in pairs}
    total = sum(weights[pair] for pair in pairs)
    score = score.copy()
    for row in top.tolist():
        held = cache.of(row, matrix.passages[row])
        if held:
            score[row] += weight * proximity_share(pairs, weights, held, total=total)
    return score


# A question told in everyday words covers little of any article, even when the ranking is sure of
# its answer: the confidence (the share of the asker's words the passage holds) stays under the
# answer bar while the score (BM25, coverage, the law named, the caption, the value or the kind of
# rule asked for) is as high as that of well-covered answers. Such a passage is `decisive`: the
# answerer leads with it when no passage reaches the bar (one that does still leads). A noun the
# corpus has never seen (クールビズ, お菓子) keeps the confidence near nothing, and the question
# unanswered. Tune sets: answerable questions answered +7 of 256 (colloquial held half .842 ->
# .947), unanswerable ones abstained unchanged (their best scores reach 2.14); 2.4 gains +3.
# Re-fitted on the larger pool (blind11 and blind12 added, 288 answerable, 65 unanswerable): 2.1
# answers 3 more (two of them with the right article first), no unanswerable one; 2.0 answers 8
# more but also two unanswerable ones (生成AI のルール, 育休取得率の目標).
STRONG_SCORE = 2.1
STRONG_MIN_CONFIDENCE = 0.1


def _decisive(score: float, confidence: float) -> bool:
    return bool(ANSWER_CONFIDENCE > confidence >= STRONG_MIN_CONFIDENCE and score >= STRONG_SCORE)


def _with_model_terms(plan: QueryPlan, words: Sequence[str], analyzer: Analyzer, matrix: TermMatrix) -> QueryPlan:
    """A language model's statutory words for the question (retrieval.query_expansion), as the
    plan's `model_terms`. Only terms the index holds are kept: a word no passage contains changes
    no score; one-character terms (日, 子) match inside too many words."""
    known = set(plan.terms) | set(plan.expansions)
    # Analysed with the question's texts (one cache entry per question), not as vocabulary: a
    # model's words differ per question and must not evict the reviewed vocabulary's cached terms.
    added = [t for t in content_terms(analyzer, "、".join(words))
             if t not in known and len(t) > 1 and matrix.idf(t)]
    return dataclasses.replace(plan, model_terms=tuple(dict.fromkeys(added))) if added else plan


def _unknown_share(matrix: TermMatrix, terms: Sequence[str], nouns: Sequence[str]) -> float:
    """Share of the asker's terms that are nouns no passage contains (weighing like the rarest
    known term). Unknown verbs and fillers are left out: they do not name a topic."""
    noun_set = set(nouns)
    terms = [t for t in dict.fromkeys(terms) if matrix.idf(t) or t in noun_set]
    if not terms:
        return 0.0
    known = [matrix.idf(t) for t in terms if matrix.idf(t)]
    rare = max(known, default=1.0)
    unknown = sum(1 for t in terms if not matrix.idf(t))
    return unknown * rare / (sum(known) + unknown * rare)


def _contains_sorted(sorted_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per row of `rows`: whether it is in `sorted_rows` (ascending postings rows)."""
    if not len(sorted_rows):
        return np.zeros(len(rows), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_rows, rows), len(sorted_rows) - 1)
    return sorted_rows[at] == rows


CITING_DEPTH = 10  # how many of the best passages may point at the rules they explain


def _cited_rows(matrix: TermMatrix, row: int, titles: Mapping[str, str]) -> list[int]:
    """Rows of the articles a passage cites: 労基法第３９条, or 法第27条 in a guideline whose title
    names the law it explains (個人情報の保護に関する法律についてのガイドライン)."""
    passage = matrix.passages[row]
    own_title = normalize(passage.title)
    base = max((t for t in set(titles.values()) if t != passage.title and normalize(t) in own_title),
               key=len, default=None)
    rows: list[int] = []
    for ref in cited_articles(normalize(passage.text), titles, base):
        if ref.law == passage.title:
            continue
        rows += [r for r in matrix.article_rows(ref.article_key) if matrix.passages[r].title == ref.law]
    return rows


def _article_pieces(matrix: TermMatrix) -> dict[PieceKey, list[int]]:
    pieces = matrix.derived.get("article_pieces")
    if pieces is None:
        pieces = matrix.derived["article_pieces"] = article_pieces(matrix.passages)
    return pieces


def _guidance_rows(matrix: TermMatrix) -> np.ndarray:
    return _rows_matching(matrix, "guidance_rows", lambda p: bool(_GUIDANCE.search(p.title)))


def _rows_defining(matrix: TermMatrix, question: str) -> list[int]:
    """Rows that define (「X」とは / 「X」という / an item of a 定義 article: answer_types.defined_terms_in)
    a term the question names as a word of its own:
    not the tail of a longer compound, not inside a longer defined term it names."""
    defined = matrix.derived.get("defined_terms")
    if defined is None:
        defined = {}
        for row, passage in enumerate(matrix.passages):
            for term in defined_terms_in(normalize(passage.text)):
                defined.setdefault(term, []).append(row)
        matrix.derived["defined_terms"] = defined
    flat = normalize(question).lower()
    spans = [(start, start + len(term), term) for term in defined if len(term) > 1
             for start in _occurrences(term, flat)]
    # Compounds are head-final: 規則 at the end of 就業規則 (or 個人情報 in 要配慮個人情報) is another
    # term; and 個人情報 inside 個人情報保護法 is not named there, though 「個人情報」 after it is.
    named = {term for start, end, term in spans
             if not (start and WORD_CHAR.match(flat[start - 1]))
             and not any(s <= start and end <= e and e - s > end - start for s, e, _ in spans)}
    return sorted({row for term in named for row in defined[term]})


def _occurrences(term: str, text: str) -> Iterable[int]:
    start = text.find(term)
    while start >= 0:
        yield start
        start = text.find(term, start + 1)


# The question speaks of the national service (国家公務員, 国の職員, 人事院, 各省各庁).
_NATIONAL = re.compile(r"国家|国[のでは]|人事院|各省|省庁|national", re.I)


# The question is about a private employer or its staff, and not about public servants. (A part-timer,
# パート / バイト, may be the ward's own 会計年度任用職員; "private" alone is often 私用: private phone.)
_PRIVATE_EMPLOYER = re.compile(r"民間|会社|社員|外郭団体|第三セクター|指定管理|委託先|委託して|委託業者|事業主|"
                               r"\bcompan(?:y|ies)\b|\bcontractors?\b|"
                               r"\bprivate (?:compan|sector|employer|business|firm)", re.I)
_PUBLIC_SERVANT = re.compile(r"公務員|civil servant|public servant", re.I)
# A staff member's own work for a company (兼業, 会社の役員を兼ねる, a side job) is a matter of the
# public-service rules (地方公務員法第三十八条), however much the question speaks of the company.
# Nor is the asker's family's employer (夫は会社員だけど、私も育休取れる？): the asker's own rules answer.
_ASKERS_OWN_MATTER = re.compile(r"兼業|副業|兼職|兼ね|兼務|役員|営利|従事|アルバイト|バイト|"
                                r"side (?:job|business|work)|second job|moonlight|outside work|board of|"
                                r"夫|妻|配偶者|家族|両親|父親|母親|\b(?:spouse|husband|wife|partner|parents?)\b", re.I)
# Laws and rules of the public service by their titles: 地方公務員法, 人事院規則…, 一般職の職員の給与…,
# a ward's 職員の勤務時間…条例.
_PUBLIC_SERVICE_TITLE = re.compile(r"公務員|人事院|職員")


# Narrower than _NATIONAL (国の alone may be the country's law): the national civil service itself.
_NATIONAL_SERVICE = re.compile(r"国家公務員|国の(?:機関|職員|役所|出先機関)|人事院|各省|省庁|national civil", re.I)


def _counterparts(matrix: TermMatrix, service: str, other: str) -> np.ndarray:
    """1 for passages of a law of one service (国家公務員… / 地方公務員…) whose counterpart of the other
    service (the same title with `other` for `service`) is indexed too."""
    return _rows_matching(matrix, f"{service}_counterparts", lambda p: service in p.title and bool(
        matrix.title_rows(p.title.replace(service, other))))


def _doc_ids(matrix: TermMatrix) -> np.ndarray:
    """Per row, a number standing for its document (rows of one document share it)."""
    if "doc_ids" not in matrix.derived:
        numbers: dict[str, int] = {}
        matrix.derived["doc_ids"] = np.array([numbers.setdefault(p.doc, len(numbers)) for p in matrix.passages],
                                             dtype=np.int32)
    return matrix.derived["doc_ids"]


def _has_pages(matrix: TermMatrix) -> bool:
    """Whether some passage is a section of a paged text (what page context and _pages_first fold)."""
    if "has_pages" not in matrix.derived:
        matrix.derived["has_pages"] = any(p.article is None and p.page is not None for p in matrix.passages)
    return matrix.derived["has_pages"]


def _mask(size: int, rows) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[list(rows)] = True
    return mask


def _has_paragraph(text: str, number: int) -> bool:
    """Whether the passage holds paragraph `number` (lines start with ２ / 2 after NFKC)."""
    return number == 1 or re.search(rf"(?:^|\n){number}\s", normalize(text)) is not None

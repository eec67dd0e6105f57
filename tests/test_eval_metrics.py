import math

import pytest

from eval.answer_text import answer_f1, kanji_numbers_to_arabic, normalize_japanese
from eval.metrics import (AbstentionCounts, abstention_metrics, acl_leaks, aggregate, citation_precision,
                          citation_recall, hit_at, hit_curve, metric_names, ndcg_at, percentile, reciprocal_rank,
                          relevance_flags, score_question)
from eval.questions import EvalQuestion, GoldSource

LAW = "laws/地方公務員法.txt"
GOLD_A = GoldSource(doc=LAW, article="第二十二条")
GOLD_B = GoldSource(doc=LAW, article="第二十八条")


def p(doc=LAW, article=None, page=None, text="..."):
    return {"doc": doc, "title": "t", "article": article, "page": page, "text": text, "score": 0.0}


def c(doc=LAW, article=None, page=None, quote="..."):
    return {"position": 1, "doc": doc, "title": "t", "article": article, "page": page, "url": None, "quote": quote}


def q(id="q", answerable=True, sources=(GOLD_A,), answer="", tags=(), forbidden=()):
    return EvalQuestion(id=id, question="?", answer=answer, answerable=answerable, lang="ja",
                        sources=tuple(sources) if answerable else (), tags=tuple(tags),
                        forbidden_docs=tuple(forbidden))


# --- retrieval ---------------------------------------------------------------------------------------------

def test_relevance_flags_hit_and_reciprocal_rank():
    passages = [p(article="第一条"), p(article="第22条"), p(article="第三条"), p(article="第二十八条")]
    flags = relevance_flags(passages, [GOLD_A, GOLD_B], k=10)
    assert flags == [False, True, False, True]
    assert (hit_at(flags, 1), hit_at(flags, 2), hit_at(flags, 3)) == (0.0, 1.0, 1.0)
    assert reciprocal_rank(flags, 10) == 0.5
    assert reciprocal_rank(flags, 1) == 0.0
    assert relevance_flags(passages, [GOLD_A], k=1) == [False]  # only the top k are looked at


def test_ndcg_by_hand():
    # relevant at ranks 2 and 4, two gold sources: DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at([False, True, False, True], gold_count=2, k=10) == pytest.approx(expected)
    assert expected == pytest.approx(0.65092, abs=1e-5)
    assert ndcg_at([True], gold_count=1, k=10) == 1.0
    assert ndcg_at([False, False], gold_count=1, k=10) == 0.0
    # more relevant passages than gold sources (doc-only gold): the ideal grows, nDCG stays <= 1
    assert ndcg_at([True, True, False], gold_count=1, k=10) == 1.0
    assert ndcg_at([False, True, True], gold_count=1, k=10) == pytest.approx(
        (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))
    # a relevant item beyond k does not count
    assert ndcg_at([False, False, True], gold_count=1, k=2) == 0.0


def test_mrr_aggregate_is_mean_of_reciprocal_ranks_over_answerable_only():
    questions = [q("a"), q("b"), q("c"), q("d", answerable=False)]
    responses = [{"passages": [p(article="第22条")]},
                 {"passages": [p(article="第1条"), p(article="第二十二条")]},
                 {"passages": [p(article="第1条")]},
                 {"passages": [p(article="第22条")], "abstained": True}]
    per_question = [score_question(qq, r, k=10) for qq, r in zip(questions, responses)]
    assert [m["mrr@10"] for m in per_question] == [1.0, 0.5, 0.0, None]
    overall = aggregate(questions, per_question, [1, 2, 3, 4], k=10)
    assert overall["mrr@10"] == pytest.approx(0.5)
    assert overall["hit@1"] == pytest.approx(1 / 3)
    assert overall["hit@3"] == pytest.approx(2 / 3)
    assert overall["n_with_gold_sources"] == 3
    assert overall["hit_curve"][:3] == pytest.approx([1 / 3, 2 / 3, 2 / 3])
    assert hit_curve(per_question, 3) == pytest.approx([1 / 3, 2 / 3, 2 / 3])


def test_hit_cutoffs_follow_k():
    assert metric_names(10)[:6] == ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10")
    assert metric_names(4)[:5] == ("hit@1", "hit@3", "hit@4", "mrr@4", "ndcg@4")


# --- citations ---------------------------------------------------------------------------------------------

def test_citation_precision_and_recall():
    citations = [c(article="第22条"), c(article="第二十二条"), c(article="第五条")]
    assert citation_precision(citations, [GOLD_A, GOLD_B]) == pytest.approx(2 / 3)
    assert citation_recall(citations, [GOLD_A, GOLD_B]) == pytest.approx(1 / 2)
    assert citation_precision([], [GOLD_A]) is None
    assert citation_recall([], [GOLD_A]) == 0.0
    assert citation_recall(citations, []) is None


def test_citations_of_a_page_gold_match_on_page():
    gold = [GoldSource(doc="benefits.pdf", page=7)]
    assert citation_precision([c(doc="benefits.pdf", page=7), c(doc="benefits.pdf", page=9)], gold) == 0.5


# --- answer F1 ---------------------------------------------------------------------------------------------

def test_kanji_numbers_become_arabic():
    assert kanji_numbers_to_arabic("第三十八条") == "第38条"
    assert kanji_numbers_to_arabic("六月") == "6月"
    assert kanji_numbers_to_arabic("二〇二四年") == "2024年"
    assert normalize_japanese("第３８条、 六月。[1]") == "第38条6月"


def test_answer_f1_folds_width_and_kanji_numerals():
    assert answer_f1("第三十八条により六月", "第38条により6月") == 1.0
    assert answer_f1("ＡＢＣ社の規程", "ABC社の規程") == 1.0
    assert answer_f1("20日です[1]", "20日です") == 1.0  # citation markers are not part of the answer


def test_answer_f1_partial_japanese_is_character_level():
    # gold 年休は20日 (6 chars), prediction 年休は10日です (8 chars), common 年休は0日 (5): F1 = 2*5/(6+8)
    assert answer_f1("年休は十日です", "年休は20日") == pytest.approx(10 / 14)


def test_answer_f1_english_is_token_level():
    # tokens: gold {plan, covers, hearing, aids}, prediction {hearing, aids, are, covered}: 2 common of 4 and 4
    assert answer_f1("Hearing aids are covered [1].", "The plan covers hearing aids.") == pytest.approx(0.5)
    assert answer_f1("", "The plan covers hearing aids.") == 0.0
    assert answer_f1("anything", "") is None


def test_answer_f1_is_zero_when_abstaining_on_an_answerable_question():
    scored = score_question(q(answer="20日"), {"answer": "20日", "abstained": True}, k=10)
    assert scored["answer_f1"] == 0.0
    assert score_question(q(answerable=False), {"answer": "x"}, k=10)["answer_f1"] is None


# --- abstention, latency, ACL ------------------------------------------------------------------------------

def test_abstention_counting():
    # (answerable, abstained): TP=2 (abstained, unanswerable), FP=1, FN=1, TN=3
    outcomes = [(False, True), (False, True), (False, False), (True, True), (True, False), (True, False),
                (True, False)]
    counts = AbstentionCounts.count(outcomes)
    assert counts == AbstentionCounts(abstained_unanswerable=2, abstained_answerable=1,
                                      answered_unanswerable=1, answered_answerable=3)
    metrics = abstention_metrics(counts)
    assert metrics["abstain_precision"] == pytest.approx(2 / 3)
    assert metrics["abstain_recall"] == pytest.approx(2 / 3)
    assert metrics["answered_rate"] == pytest.approx(3 / 4)
    assert metrics["balanced_accuracy"] == pytest.approx((2 / 3 + 3 / 4) / 2)


def test_abstention_metrics_are_none_without_the_needed_questions():
    metrics = abstention_metrics(AbstentionCounts.count([(True, False), (True, True)]))
    assert metrics["abstain_recall"] is None and metrics["balanced_accuracy"] is None
    assert metrics["answered_rate"] == 0.5
    assert metrics["abstain_precision"] == 0.0  # it abstained once, wrongly


def test_percentiles_interpolate_linearly():
    assert percentile([40, 10, 30, 20], 50) == 25
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None


def test_acl_leaks_count_passages_and_citations_from_forbidden_docs():
    passages = [p(doc="secret/人事.txt"), p(doc="public.txt"), p(doc="secret/人事.txt")]
    citations = [c(doc="secret/人事.txt")]
    assert acl_leaks(passages, citations, ["secret/人事.txt"]) == 3
    questions = [q("a", forbidden=["secret/人事.txt"]), q("b", forbidden=["secret/人事.txt"]), q("c")]
    responses = [{"passages": passages, "citations": citations}, {"passages": [p(doc="public.txt")]}, {}]
    per_question = [score_question(qq, r, k=10) for qq, r in zip(questions, responses)]
    assert "acl_leaks" not in per_question[2]
    overall = aggregate(questions, per_question, [1, 1, 1], k=10)
    assert (overall["acl_leaks"], overall["acl_leak_questions"]) == (3, 1)
    assert "acl_leaks" not in aggregate([q()], [score_question(q(), {}, k=10)], [1], k=10)


def test_aggregate_skips_undefined_values_and_reports_counts():
    questions = [q("a"), q("b", answerable=False)]
    per_question = [score_question(questions[0], {"passages": [p(article="第22条")],
                                                  "citations": [c(article="第二十二条")]}, k=10),
                    score_question(questions[1], {"abstained": True}, k=10)]
    overall = aggregate(questions, per_question, [100.0, 300.0], k=10)
    assert overall["hit@1"] == 1.0 and overall["citation_precision"] == 1.0 and overall["citation_recall"] == 1.0
    assert overall["balanced_accuracy"] == 1.0
    assert overall["latency_p50_ms"] == 200.0
    assert (overall["n_questions"], overall["n_answerable"], overall["n_unanswerable"]) == (2, 1, 1)
    assert overall["abstention_matrix"]["abstained_unanswerable"] == 1
    assert "groundedness" not in overall  # no judge, no judge metrics

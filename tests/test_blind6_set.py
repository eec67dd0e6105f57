"""The sixth blind check set (eval/blind6), a tune set weighted towards long, polite, multi-sentence
questions as city-office staff write them in Teams: it loads in the eval format, has the planned mix of
answerable/unanswerable questions and registers, and every gold quote and article is in its document
(checked by eval/colloquial/verify_quotes.py, which reads the corpus with stdlib + pypdf only)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.colloquial import verify_quotes
from eval.questions import load_questions

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "blind6" / "questions.jsonl"
ANSWER_TYPES = {"deadline", "quantity", "amount", "permission", "procedure", "definition", "person",
                "penalty", "contact"}

pytestmark = pytest.mark.datasets


@pytest.fixture
def corpus(shared_datasets: Path) -> Path:
    return shared_datasets / "ja-regulations" / "corpus"


def _items() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]


def test_the_set_loads_with_consistent_tags():
    questions = load_questions(QUESTIONS)
    assert [q.id for q in questions] == [f"b6-{n:02d}" for n in range(1, 51)]
    for q in questions:
        assert q.lang == "ja", q.id
        assert ANSWER_TYPES & set(q.tags), q.id
        assert q.answerable == bool(q.sources), q.id
        assert ("unanswerable" in q.tags) == (not q.answerable), q.id
        assert ("polite" in q.tags) != ("casual" in q.tags), q.id
        assert ("local-value" in q.tags or "absent-rule" in q.tags) == (not q.answerable), q.id


def test_the_set_has_the_planned_mix():
    questions = load_questions(QUESTIONS)
    assert Counter(q.answerable for q in questions) == {True: 36, False: 14}
    assert sum("local-value" in q.tags for q in questions) == 7
    assert sum("absent-rule" in q.tags for q in questions) == 7
    assert Counter("polite" in q.tags for q in questions) == {True: 40, False: 10}
    assert sum("names-law" in q.tags for q in questions) <= 5


def test_long_questions_are_polite_and_long():
    items = _items()
    long_ones = [item for item in items if "long" in item["tags"]]
    assert len(long_ones) >= 25
    for item in long_ones:
        assert "polite" in item["tags"], item["id"]
        assert len(item["question"]) >= 80, item["id"]
        # context before the question: more than one sentence
        assert item["question"].count("。") >= 2, item["id"]


def test_no_document_carries_more_than_three_questions():
    per_doc = Counter(doc for item in _items() for doc in {s["doc"] for s in item["sources"]})
    assert max(per_doc.values()) <= 3


def test_every_gold_quote_and_article_is_in_its_document(corpus: Path):
    problems = {}
    for item in _items():
        for source in item["sources"]:
            found = verify_quotes.check_source(corpus, source)
            if found:
                problems.setdefault(item["id"], []).extend(found)
    assert problems == {}


def test_the_checker_rejects_an_altered_blind6_quote(corpus: Path):
    source = next(s for item in _items() for s in item["sources"] if s["doc"].endswith(".pdf"))
    assert verify_quotes.check_source(corpus, source) == []
    assert verify_quotes.check_source(corpus, {**source, "quote": source["quote"] + "ではない"})
    assert verify_quotes.check_source(corpus, {**source, "page": source["page"] + 1})

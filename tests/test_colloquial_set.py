"""The colloquial check set (eval/colloquial): its gold really is in the corpus, and the checker can fail.

The checker reads the corpus with stdlib + pypdf only, so a loader bug in the product cannot hide a bad
gold label here.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.colloquial import verify_quotes
from eval.questions import load_questions

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "colloquial" / "questions.jsonl"
ANSWER_TYPES = {"deadline", "quantity", "amount", "permission", "procedure", "definition", "person"}

pytestmark = pytest.mark.datasets


@pytest.fixture
def corpus(shared_datasets: Path) -> Path:
    return shared_datasets / "ja-regulations" / "corpus"


def test_the_set_loads_in_the_eval_format_with_an_answer_type_on_every_question():
    questions = load_questions(QUESTIONS)
    assert all(q.id.startswith("cq-") for q in questions)
    for q in questions:
        assert ANSWER_TYPES & set(q.tags), q.id
        assert q.answerable == bool(q.sources), q.id
        assert ("unanswerable" in q.tags) == (not q.answerable), q.id


def test_every_gold_quote_and_article_is_in_its_document(corpus: Path):
    problems = {}
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        for source in item["sources"]:
            found = verify_quotes.check_source(corpus, source)
            if found:
                problems[item["id"]] = found
    assert problems == {}


def test_the_checker_rejects_a_changed_quote_a_wrong_page_and_a_missing_article(corpus: Path):
    pdf_source = next(s for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
                      for s in json.loads(line)["sources"] if s["doc"].endswith(".pdf"))
    assert verify_quotes.check_source(corpus, pdf_source) == []
    assert verify_quotes.check_source(corpus, {**pdf_source, "quote": pdf_source["quote"] + "ではない"})
    assert verify_quotes.check_source(corpus, {**pdf_source, "page": pdf_source["page"] + 1})
    assert verify_quotes.check_source(corpus, {**pdf_source, "article": "第９９９条"})

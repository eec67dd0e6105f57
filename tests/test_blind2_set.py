"""The second blind check set (eval/blind2): it loads in the eval format, its tags are consistent, and
every gold quote and article is in its document (checked with eval/colloquial/verify_quotes.py, which
reads the corpus with stdlib + pypdf only, so a product loader bug cannot hide a bad gold label)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.colloquial import verify_quotes
from eval.questions import load_questions

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "blind2" / "questions.jsonl"
ANSWER_TYPES = {"deadline", "quantity", "amount", "permission", "procedure", "definition", "person",
                "penalty", "contact"}

pytestmark = pytest.mark.datasets


@pytest.fixture
def corpus(shared_datasets: Path) -> Path:
    return shared_datasets / "ja-regulations" / "corpus"


def test_the_set_loads_with_the_planned_mix_and_consistent_tags():
    questions = load_questions(QUESTIONS)
    assert [q.id for q in questions] == [f"b2-{n:02d}" for n in range(1, 41)]
    for q in questions:
        assert ANSWER_TYPES & set(q.tags), q.id
        assert q.answerable == bool(q.sources), q.id
        assert ("unanswerable" in q.tags) == (not q.answerable), q.id
        assert ("english" in q.tags) == (q.lang == "en"), q.id
    mix = Counter((q.lang, q.answerable) for q in questions)
    assert mix == {("ja", True): 20, ("en", True): 6, ("ja", False): 14}
    assert sum("local-value" in q.tags for q in questions) == 8


def test_every_gold_quote_and_article_is_in_its_document(corpus: Path):
    problems = {}
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        for source in item["sources"]:
            found = verify_quotes.check_source(corpus, source)
            if found:
                problems.setdefault(item["id"], []).extend(found)
    assert problems == {}


def test_the_checker_rejects_an_altered_gold_source_from_this_set(corpus: Path):
    first = json.loads(QUESTIONS.read_text(encoding="utf-8").splitlines()[0])["sources"][0]
    assert verify_quotes.check_source(corpus, first) == []
    assert verify_quotes.check_source(corpus, {**first, "quote": first["quote"] + "ではない"})
    assert verify_quotes.check_source(corpus, {**first, "article": "第九百九十九条"})

"""The blind contoso check set (eval/contoso-blind): it loads in the eval format with the planned mix, it
covers every corpus document without crowding one page, and every gold quote is on its stated PDF page (or
in the Markdown file). Quotes are checked by eval/colloquial/verify_quotes.py (stdlib + pypdf only), so a
bug in the product's own PDF loader cannot hide a bad gold label."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.colloquial import verify_quotes
from eval.questions import load_questions

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "contoso-blind" / "questions.jsonl"
STYLES = {"keyword", "natural", "context"}

pytestmark = pytest.mark.datasets


@pytest.fixture
def corpus(shared_datasets: Path) -> Path:
    return shared_datasets / "contoso-handbook" / "corpus"


def _items() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]


def test_the_set_loads_with_the_planned_mix():
    questions = load_questions(QUESTIONS)
    assert [q.id for q in questions] == [f"cb-{n:02d}" for n in range(1, 41)]
    assert Counter((q.lang, q.answerable) for q in questions) == {("en", True): 35, ("en", False): 5}
    for q in questions:
        if q.answerable:
            assert len(q.sources) == 1 and q.sources[0].quote and q.answer, q.id
            assert "absent" not in q.tags, q.id
            assert len(STYLES & set(q.tags)) == 1, q.id
        else:
            assert q.sources == () and q.answer == "" and q.tags == ("absent",), q.id


def test_every_document_is_asked_about_and_no_page_holds_more_than_two_questions(corpus: Path):
    sources = [q.sources[0] for q in load_questions(QUESTIONS) if q.answerable]
    assert {s.doc for s in sources} == {p.name for p in corpus.iterdir() if p.is_file()}
    per_page = Counter((s.doc, s.page) for s in sources)
    assert max(per_page.values()) <= 2, per_page.most_common(3)


def test_every_gold_quote_is_on_its_page(corpus: Path):
    assert verify_quotes.problems_by_question(corpus, _items()) == {}


def test_the_checker_rejects_a_wrong_page_and_a_changed_quote_in_this_corpus(corpus: Path):
    sources = [s for item in _items() for s in item["sources"]]
    pdf_source = next(s for s in sources if s["doc"].endswith(".pdf"))
    md_source = next(s for s in sources if s["doc"].endswith(".md"))
    for source in (pdf_source, md_source):
        assert verify_quotes.check_source(corpus, source) == []
        assert verify_quotes.check_source(corpus, {**source, "quote": source["quote"] + " not"})
    assert verify_quotes.check_source(corpus, {**pdf_source, "page": pdf_source["page"] + 1})

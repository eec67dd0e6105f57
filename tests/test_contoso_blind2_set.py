"""The second blind contoso check set (eval/contoso-blind2): it loads in the eval format with the planned
mix, covers every corpus document with at most one question a page, and every gold quote is on its stated
PDF page (or in the Markdown file) and nowhere else in the corpus: on no other page of its document and in
no other document. Pages are read with plain pypdf through eval/colloquial/verify_quotes.py, so a bug in
the product's own PDF loader cannot hide a bad gold label."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from eval.colloquial import verify_quotes
from eval.questions import load_questions

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "contoso-blind2" / "questions.jsonl"
STYLES = {"keyword", "natural", "context"}

pytestmark = pytest.mark.datasets


@pytest.fixture
def corpus(shared_datasets: Path) -> Path:
    return shared_datasets / "contoso-handbook" / "corpus"


def _items() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]


def _single_spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _places(corpus: Path, quote: str) -> list[tuple[str, int | None]]:
    """Every (document, page) whose text holds the quote, with whitespace collapsed both to nothing and
    to single spaces (a quote must be found the same way under either); page is None for non-PDF files."""
    found: list[tuple[str, int | None]] = []
    for path in sorted(p for p in corpus.iterdir() if p.is_file()):
        if path.suffix.lower() == ".pdf":
            units = list(enumerate(verify_quotes.pdf_pages(path), start=1))
        else:
            units = [(None, verify_quotes.document_text(path))]
        for page, text in units:
            squashed = verify_quotes.collapse(quote) in verify_quotes.collapse(text)
            spaced = _single_spaced(quote) in _single_spaced(text)
            if squashed or spaced:
                found.append((path.name, page))
    return found


def test_the_set_loads_with_the_planned_mix():
    questions = load_questions(QUESTIONS)
    assert [q.id for q in questions] == [f"cb2-{n:02d}" for n in range(1, 31)]
    assert Counter((q.lang, q.answerable) for q in questions) == {("en", True): 26, ("en", False): 4}
    for q in questions:
        if q.answerable:
            assert len(q.sources) == 1 and q.sources[0].quote and q.answer, q.id
            assert q.sources[0].article is None, q.id
            assert "absent" not in q.tags, q.id
            assert len(STYLES & set(q.tags)) == 1, q.id
        else:
            assert q.sources == () and q.answer == "" and q.tags == ("absent",), q.id


def test_every_document_is_asked_about_and_no_page_holds_two_questions(corpus: Path):
    sources = [q.sources[0] for q in load_questions(QUESTIONS) if q.answerable]
    assert {s.doc for s in sources} == {p.name for p in corpus.iterdir() if p.is_file()}
    per_page = Counter((s.doc, s.page) for s in sources)
    assert max(per_page.values()) == 1, per_page.most_common(3)
    for s in sources:
        assert (s.page is None) == s.doc.endswith(".md"), s


def test_every_gold_quote_is_on_its_page(corpus: Path):
    assert verify_quotes.problems_by_question(corpus, _items()) == {}


def test_every_gold_quote_occurs_on_its_page_only_and_in_no_other_document(corpus: Path):
    wrong = {}
    for item in _items():
        for source in item["sources"]:
            places = _places(corpus, source["quote"])
            if places != [(source["doc"], source["page"])]:
                wrong[item["id"]] = places
    assert wrong == {}


def test_the_uniqueness_check_sees_a_phrase_repeated_across_pages_and_documents(corpus: Path):
    # Both benefit PDFs repeat their plan name on many pages; the check must report all of them.
    places = _places(corpus, "Northwind  Health\nPlus")
    assert len({doc for doc, _ in places}) >= 2
    assert sum(1 for doc, _ in places if doc == "Northwind_Health_Plus_Benefits_Details.pdf") > 50
    assert _places(corpus, "a phrase no contoso document contains") == []

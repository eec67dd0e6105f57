"""The blind contoso check sets (eval/contoso-blind, eval/contoso-blind2): each loads in the eval format
with its planned mix, covers every corpus document without crowding a page, and every gold quote is on
its stated PDF page (or in the Markdown file) and nowhere else in the corpus. Pages are read with plain
pypdf through eval/colloquial/verify_quotes.py, so a bug in the product's own PDF loader cannot hide a
bad gold label."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from eval.colloquial import verify_quotes
from eval.questions import load_questions

ROOT = Path(__file__).resolve().parents[1]
STYLES = {"keyword", "natural", "context"}
# name -> (id prefix, answerable, absent, the most questions one page may hold)
SETS = {"contoso-blind": ("cb", 35, 5, 2), "contoso-blind2": ("cb2", 26, 4, 1)}

pytestmark = pytest.mark.datasets


@pytest.fixture
def corpus(shared_datasets: Path) -> Path:
    return shared_datasets / "contoso-handbook" / "corpus"


def _path(name: str) -> Path:
    return ROOT / "eval" / name / "questions.jsonl"


def _items(name: str) -> list[dict]:
    return [json.loads(line) for line in _path(name).read_text(encoding="utf-8").splitlines()]


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


@pytest.mark.parametrize("name", SETS)
def test_the_set_loads_with_the_planned_mix(name):
    prefix, answerable, absent, _ = SETS[name]
    questions = load_questions(_path(name))
    assert [q.id for q in questions] == [f"{prefix}-{n:02d}" for n in range(1, answerable + absent + 1)]
    assert Counter((q.lang, q.answerable) for q in questions) == {("en", True): answerable, ("en", False): absent}
    for q in questions:
        if q.answerable:
            assert len(q.sources) == 1 and q.sources[0].quote and q.answer, q.id
            assert q.sources[0].article is None, q.id
            assert "absent" not in q.tags, q.id
            assert len(STYLES & set(q.tags)) == 1, q.id
        else:
            assert q.sources == () and q.answer == "" and q.tags == ("absent",), q.id


@pytest.mark.parametrize("name", SETS)
def test_every_document_is_asked_about_without_crowding_a_page(name, corpus: Path):
    sources = [q.sources[0] for q in load_questions(_path(name)) if q.answerable]
    assert {s.doc for s in sources} == {p.name for p in corpus.iterdir() if p.is_file()}
    per_page = Counter((s.doc, s.page) for s in sources)
    assert max(per_page.values()) <= SETS[name][3], per_page.most_common(3)
    for s in sources:
        assert (s.page is None) == s.doc.endswith(".md"), s


@pytest.mark.parametrize("name", SETS)
def test_every_gold_quote_is_on_its_page(name, corpus: Path):
    assert verify_quotes.problems_by_question(corpus, _items(name)) == {}


def test_every_gold_quote_of_the_second_set_occurs_on_its_page_only_and_in_no_other_document(corpus: Path):
    wrong = {}
    for item in _items("contoso-blind2"):
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


def test_the_checker_rejects_a_wrong_page_and_a_changed_quote_in_this_corpus(corpus: Path):
    sources = [s for item in _items("contoso-blind") for s in item["sources"]]
    pdf_source = next(s for s in sources if s["doc"].endswith(".pdf"))
    md_source = next(s for s in sources if s["doc"].endswith(".md"))
    for source in (pdf_source, md_source):
        assert verify_quotes.check_source(corpus, source) == []
        assert verify_quotes.check_source(corpus, {**source, "quote": source["quote"] + " not"})
    assert verify_quotes.check_source(corpus, {**pdf_source, "page": pdf_source["page"] + 1})

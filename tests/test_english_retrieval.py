"""English handbook retrieval: analysis (stemming, stop words, PDF line breaks), the index noticing a
new analyser, document names in questions, term proximity and one result per handbook page.

Every search test indexes a small corpus it writes itself into a real SQLite index."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.english_proximity import question_pairs
from retrieval.local_index import LocalIndex
from retrieval.local_search import LocalSearcher, RankWeights
from retrieval.models import Question
from retrieval.tokens import TokenCounter
from tests.test_loaders_formats import build_pdf


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def index_corpus(tmp_path: Path, files: dict[str, str | bytes], analyzer: Analyzer) -> LocalIndex:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, content in files.items():
        path = corpus / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    index = LocalIndex(tmp_path / "index.sqlite")
    summary = Indexer(index=index, analyzer=analyzer, tokens=TokenCounter(), workers=1).run(corpus)
    assert not summary.failed, summary.failed
    return index


def ranked(index: LocalIndex, analyzer: Analyzer, text: str, k: int = 5, **weights):
    searcher = LocalSearcher(index=index, analyzer=analyzer, weights=RankWeights(**weights))
    return searcher.rank(Question(text, "en"), k)


# -- analysis --------------------------------------------------------------------------------
def test_inflected_forms_share_one_term(analyzer):
    assert analyzer.terms("employees policies covered providers") == analyzer.terms(
        "employee policy covers provider")
    # the old suffix stripper folded "employees" to "employe" but left "employee" alone
    assert len(set(analyzer.terms("employee employees"))) == 1


def test_function_words_and_request_phrasing_are_not_terms(analyzer):
    asked = analyzer.terms("Can you please explain the eligibility rules according to the plan?")
    assert asked == analyzer.terms("eligibility rules plan")


def test_a_compound_broken_over_two_pdf_lines_is_one_word(analyzer):
    assert analyzer.terms("out-of-\nnetwork providers") == analyzer.terms("out-of-network providers")
    assert "in-network" in analyzer.terms("an extensive network of in-\nnetwork providers")


def test_japanese_text_is_still_analysed_by_sudachi(analyzer):
    terms = analyzer.terms("年次休暇は二十日とする。paid leave")
    assert "年次" in terms and "休暇" in terms
    assert terms[-2:] == analyzer.terms("paid leave")


def test_english_phrases_break_at_punctuation_not_at_line_ends(analyzer):
    phrases = Analyzer.english_phrases("Prior\nauthorization is required, except for emergency care.")
    assert phrases == [analyzer.terms("prior authorization required"), analyzer.terms("except emergency care")]


# -- the index follows the analyser -------------------------------------------------------------
def test_a_new_analyser_version_re_analyses_every_document(tmp_path, analyzer, monkeypatch):
    import indexer.build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "handbook.md").write_text("# Handbook\nEmployees accrue paid leave monthly.\n", encoding="utf-8")
    index = LocalIndex(tmp_path / "index.sqlite")
    indexer_ = Indexer(index=index, analyzer=analyzer, tokens=TokenCounter(), workers=1)
    assert indexer_.run(corpus).added == ["handbook.md"]
    assert indexer_.run(corpus).unchanged == ["handbook.md"]
    monkeypatch.setattr(indexer.build, "ANALYZER_VERSION", "a-different-analyser")
    assert indexer_.run(corpus).updated == ["handbook.md"]  # terms stored by the old analyser are replaced


# -- document names ----------------------------------------------------------------------------
NAMED_CORPUS = {
    "Acme_Standard_Plan_Details.md": (
        "# Acme Standard Plan\n"
        "## Plan Documents\n"
        "The Acme Standard plan details and the standard plan benefits details are summarised in the "
        "plan documents; read the plan details document for the standard benefits details.\n"
        "## Dental Care\n"
        "Dental cleanings are covered twice a year with no copay.\n"),
    "Acme_Premier_Plan_Details.md": (
        "# Acme Premier Plan\n"
        "## Dental Care\n"
        "Dental cleanings are covered four times a year.\n"),
}


def test_words_that_name_a_document_choose_it_but_do_not_rank_its_passages(tmp_path, analyzer):
    index = index_corpus(tmp_path, NAMED_CORPUS, analyzer)
    results = ranked(index, analyzer, "How often are cleanings covered according to the Acme_Standard_Plan_Details.md?")
    top = results[0].passage
    assert top.doc == "Acme_Standard_Plan_Details.md"  # the name still picks the document
    assert top.headings[-1] == "Dental Care"  # not the passage that repeats the name's words


def test_a_question_that_is_only_a_name_keeps_its_words(tmp_path, analyzer):
    index = index_corpus(tmp_path, NAMED_CORPUS, analyzer)
    results = ranked(index, analyzer, "What is the Acme Standard Plan Details?")
    assert results and results[0].passage.doc == "Acme_Standard_Plan_Details.md"


# -- term proximity -----------------------------------------------------------------------------
def test_question_pairs_stay_within_a_phrase():
    terms = ["out-of-pocket", "maximum", "prior", "author"]
    pairs = question_pairs("What is the out-of-pocket maximum, and is prior authorization needed?", terms)
    assert pairs == [("out-of-pocket", "maximum"), ("prior", "author")]  # no pair across the comma


PROXIMITY_CORPUS = {
    "care.md": (
        "# Care Guide\n"
        "## Scattered\n"
        "Authorization of claims for each payment is needed; authorization forms are online. "
        "Prior visits are needed for a referral. Prior records are kept.\n"
        "## Together\n"
        "Prior authorization is needed before surgery, and the plan reviews the request against "
        "medical guidelines and the patient history.\n"),
}


def test_a_passage_keeping_the_question_phrase_together_ranks_first(tmp_path, analyzer):
    index = index_corpus(tmp_path, PROXIMITY_CORPUS, analyzer)
    question = "When is prior authorization needed?"
    with_proximity = ranked(index, analyzer, question)
    assert with_proximity[0].passage.headings[-1] == "Together"
    # The words alone (BM25 favours the passage repeating both) would rank the scattered one first.
    without = ranked(index, analyzer, question, english_proximity=0.0)
    assert without[0].passage.headings[-1] == "Scattered"


def test_japanese_questions_get_no_proximity_pairs(analyzer):
    assert question_pairs("年次休暇は何日ですか", analyzer.terms("年次休暇は何日ですか")) == []


# -- one result per handbook page ---------------------------------------------------------------
def test_a_page_already_listed_gives_way_to_another_page(tmp_path, analyzer):
    pages = [
        ["Vision Benefits", "Vision exams are covered yearly.",
         "Vision Frames", "Vision frames are covered every two years.",
         "Vision Lenses", "Vision lenses are covered every year."],
        ["Vision Claims", "Submit vision claims within 90 days."],
    ]
    index = index_corpus(tmp_path, {"handbook.pdf": build_pdf(pages, title="Handbook")}, analyzer)
    results = ranked(index, analyzer, "vision coverage", k=3)
    assert [r.passage.page for r in results[:2]] == [1, 2]
    assert [r.passage.page for r in results] == [1, 2, 1]  # the page's other sections follow


def test_articles_are_never_folded_by_page(tmp_path, analyzer):
    from retrieval.local_search import _pages_first
    from retrieval.models import Passage

    passages = [Passage(doc="r.pdf", seq=i, title="R", text="", article=f"第{i + 1}条", page=1) for i in range(3)]
    passages.append(dataclasses.replace(passages[0], seq=3, article=None, page=2))
    assert _pages_first([0, 1, 2, 3], passages) == [0, 1, 2, 3]


def test_a_passage_pair_may_have_one_word_between():
    from retrieval.english_proximity import passage_pairs
    from retrieval.models import Passage

    held = passage_pairs(Passage(doc="d.md", seq=0, title="D", text="Prior written authorization is needed."))
    analyzer = Analyzer()
    prior, authorization = analyzer.terms("prior authorization")
    assert (prior, authorization) in held
    far = passage_pairs(Passage(doc="d.md", seq=0, title="D", text="Prior written notice and authorization."))
    assert (prior, authorization) not in far  # two words apart: no longer a phrase


# -- page context -------------------------------------------------------------------------------
PAGE_CONTEXT_PAGES = [
    # page 1: two sections that both say hearing aids are covered
    ["Devices For Adults", "Hearing aids are covered for adults, with fittings and batteries.",
     "Device Repairs", "Repairs of hearing aids are covered under warranty."],
    # page 2: one short section that says it too, and would win on its words alone
    ["Other Devices", "Hearing aids are covered."],
]


def test_a_page_with_several_matching_sections_is_preferred(tmp_path, analyzer):
    index = index_corpus(tmp_path, {"devices.pdf": build_pdf(PAGE_CONTEXT_PAGES, title="Devices")}, analyzer)
    question = "Are hearing aids covered?"
    assert ranked(index, analyzer, question, page_context=0.0)[0].passage.page == 2
    assert ranked(index, analyzer, question)[0].passage.page == 1
    # context only lifts: no section loses score for sharing its page
    alone = {r.passage.seq: r.score for r in ranked(index, analyzer, question, page_context=0.0)}
    assert all(r.score >= alone[r.passage.seq] for r in ranked(index, analyzer, question))


# -- unknown words ------------------------------------------------------------------------------
def test_a_word_whose_translations_the_corpus_also_lacks_counts_as_unknown(tmp_path, analyzer):
    # "postnatal" has a Japanese glossary translation (産後), which an English handbook never holds:
    # the translation cannot stand in for the word, so the topic is missing.
    index = index_corpus(tmp_path, {"perks.md": "# Perks\nThe plan pays for yoga classes and gym visits.\n"},
                         analyzer)
    covered = ranked(index, analyzer, "Does the plan pay for yoga?")[0].confidence
    missing = ranked(index, analyzer, "Does the plan pay for postnatal yoga?")[0].confidence
    assert missing < covered - 0.2


def test_a_hyphenated_compound_the_corpus_writes_apart_is_its_parts(tmp_path, analyzer):
    index = index_corpus(tmp_path, {
        "costs.md": "# Costs\nNon participating providers may bill you for the balance.\n",
        "other.md": "# Other\nProviders in the network send claims directly.\n"}, analyzer)
    top = ranked(index, analyzer, "What do non-participating providers bill?")[0]
    assert top.passage.doc == "costs.md" and top.confidence > 0.9


def test_versus_is_a_function_word(analyzer):
    assert analyzer.terms("in-network versus out-of-network") == analyzer.terms("in-network out-of-network")


def test_a_real_english_word_is_not_taken_for_a_misspelling(tmp_path, analyzer):
    from retrieval.english_dictionary import EnglishDictionary

    index = index_corpus(tmp_path, {"appeals.md": "# Appeals\nWe look at each appeal in your favor.\n"}, analyzer)
    searcher = LocalSearcher(index=index, analyzer=analyzer)
    searcher.english_dictionary = lambda *_: EnglishDictionary({}, ["flavor"])  # JMdict knows "flavor"
    assert searcher.rank(Question("Which flavor is an appeal?", "en"), 3)[0].confidence < 0.5
    searcher.english_dictionary = lambda *_: EnglishDictionary({}, [])  # not a word: a typo of "favor"
    assert searcher.rank(Question("Which flavor is an appeal?", "en"), 3)[0].confidence > 0.9


def test_after_a_reindex_questions_keep_the_previous_table_while_the_new_one_is_built(
        tmp_path, analyzer, monkeypatch):
    import threading
    import time

    import retrieval.local_search as local_search
    from retrieval.english_dictionary import EnglishDictionary

    release = threading.Event()
    builds: list[int] = []

    def slow_build(index, _analyzer):  # stands in for the child process that reads JMdict
        builds.append(index.generation())
        if len(builds) > 1:
            release.wait(10)
        return EnglishDictionary({"leave": [f"build{len(builds)}"]})

    monkeypatch.setattr(local_search, "load_or_build_apart", slow_build)
    index = index_corpus(tmp_path, {"leave.md": "# Leave\nEmployees accrue paid leave.\n"}, analyzer)
    searcher = LocalSearcher(index=index, analyzer=analyzer)
    first = searcher.english_dictionary()
    (tmp_path / "corpus" / "more.md").write_text("# More\nA new rule on overtime.\n", encoding="utf-8")
    Indexer(index=index, analyzer=analyzer, tokens=TokenCounter(), workers=1).run(tmp_path / "corpus")
    started = time.monotonic()
    assert searcher.english_dictionary() is first  # the question does not wait for the build
    assert searcher.rank(Question("How is paid leave accrued?", "en"), 3)
    assert time.monotonic() - started < 5
    release.set()
    deadline = time.monotonic() + 10
    while searcher.english_dictionary() is first and time.monotonic() < deadline:
        time.sleep(0.02)
    assert searcher.english_dictionary().table["leave"] == ["build2"] and len(builds) == 2

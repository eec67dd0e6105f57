"""The blind check sets written for this project (eval/colloquial, eval/blind2 to eval/blind30):
they load in the eval format with consistent tags, and every gold quote and article is in its document. The checker
(eval/colloquial/verify_quotes.py) reads the corpus with stdlib + pypdf only, so a loader bug in the
product cannot hide a bad gold label, and it is shown to fail on altered gold."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.colloquial import verify_quotes
from eval.questions import load_questions

ROOT = Path(__file__).resolve().parents[1]
SETS = {"colloquial": ROOT / "eval" / "colloquial" / "questions.jsonl",
        "blind2": ROOT / "eval" / "blind2" / "questions.jsonl",
        "blind3": ROOT / "eval" / "blind3" / "questions.jsonl",
        "blind4": ROOT / "eval" / "blind4" / "questions.jsonl",
        "blind5": ROOT / "eval" / "blind5" / "questions.jsonl",
        "blind6": ROOT / "eval" / "blind6" / "questions.jsonl",
        "blind7": ROOT / "eval" / "blind7" / "questions.jsonl",
        "blind8": ROOT / "eval" / "blind8" / "questions.jsonl",
        "blind9": ROOT / "eval" / "blind9" / "questions.jsonl",
        "blind10": ROOT / "eval" / "blind10" / "questions.jsonl",
        "blind11": ROOT / "eval" / "blind11" / "questions.jsonl",
        "blind12": ROOT / "eval" / "blind12" / "questions.jsonl",
        "blind13": ROOT / "eval" / "blind13" / "questions.jsonl",
        "blind14": ROOT / "eval" / "blind14" / "questions.jsonl",
        "blind15": ROOT / "eval" / "blind15" / "questions.jsonl",
        "blind16": ROOT / "eval" / "blind16" / "questions.jsonl",
        "blind17": ROOT / "eval" / "blind17" / "questions.jsonl",
        "blind18": ROOT / "eval" / "blind18" / "questions.jsonl",
        "blind19": ROOT / "eval" / "blind19" / "questions.jsonl",
        "blind20": ROOT / "eval" / "blind20" / "questions.jsonl",
        "blind21": ROOT / "eval" / "blind21" / "questions.jsonl",
        "blind22": ROOT / "eval" / "blind22" / "questions.jsonl",
        "blind23": ROOT / "eval" / "blind23" / "questions.jsonl",
        "blind24": ROOT / "eval" / "blind24" / "questions.jsonl",
        "blind25": ROOT / "eval" / "blind25" / "questions.jsonl",
        "blind26": ROOT / "eval" / "blind26" / "questions.jsonl",
        "blind27": ROOT / "eval" / "blind27" / "questions.jsonl",
        "blind28": ROOT / "eval" / "blind28" / "questions.jsonl",
        "blind29": ROOT / "eval" / "blind29" / "questions.jsonl",
        "blind30": ROOT / "eval" / "blind30" / "questions.jsonl"}
ANSWER_TYPES = {"deadline", "quantity", "amount", "permission", "procedure", "definition", "person",
                "penalty", "contact"}

pytestmark = pytest.mark.datasets


@pytest.fixture
def corpus(shared_datasets: Path) -> Path:
    return shared_datasets / "ja-regulations" / "corpus"


def _items(name: str) -> list[dict]:
    return [json.loads(line) for line in SETS[name].read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("name", SETS)
def test_the_set_loads_with_consistent_tags(name):
    questions = load_questions(SETS[name])
    for q in questions:
        assert ANSWER_TYPES & set(q.tags), q.id
        assert q.answerable == bool(q.sources), q.id
        assert ("unanswerable" in q.tags) == (not q.answerable), q.id
        assert ("english" in q.tags) == (q.lang == "en"), q.id


# name -> (id prefix, (ja answerable, en answerable, ja unanswerable), local values, absent rules,
# Japanese (casual answerable, polite answerable, casual unanswerable, polite unanswerable)); None: not planned.
MIXES = {
    "blind2": ("b2", (20, 6, 14), 8, None, None),
    "blind3": ("b3", (22, 6, 12), 6, None, None),
    "blind4": ("b4", (34, 10, 16), 8, 8, (17, 17, 8, 8)),
    "blind5": ("b5", (28, 8, 12), 6, 6, (14, 14, 6, 6)),
}


def test_the_colloquial_set_has_the_planned_mix():
    assert Counter((q.lang, q.answerable) for q in load_questions(SETS["colloquial"])) == {
        ("ja", True): 34, ("en", True): 8, ("ja", False): 5, ("en", False): 1}


@pytest.mark.parametrize("name", MIXES)
def test_the_blind_sets_have_the_planned_mix(name):
    prefix, (ja, en, unanswerable), local, absent, registers = MIXES[name]
    questions = load_questions(SETS[name])
    assert [q.id for q in questions] == [f"{prefix}-{n:02d}" for n in range(1, ja + en + unanswerable + 1)]
    assert Counter((q.lang, q.answerable) for q in questions) == {
        ("ja", True): ja, ("en", True): en, ("ja", False): unanswerable}
    assert sum("local-value" in q.tags for q in questions) == local
    if absent is not None:
        assert sum("absent-rule" in q.tags for q in questions) == absent
    if registers is not None:
        casual_a, polite_a, casual_u, polite_u = registers
        assert Counter(("casual" in q.tags, q.answerable) for q in questions if q.lang == "ja") == {
            (True, True): casual_a, (False, True): polite_a, (True, False): casual_u, (False, False): polite_u}


def test_blind6_is_weighted_to_long_polite_questions():
    items = _items("blind6")
    questions = load_questions(SETS["blind6"])
    assert [q.id for q in questions] == [f"b6-{n:02d}" for n in range(1, 51)]
    assert Counter(q.answerable for q in questions) == {True: 36, False: 14}
    assert sum("local-value" in q.tags for q in questions) == sum("absent-rule" in q.tags for q in questions) == 7
    assert Counter("polite" in q.tags for q in questions) == {True: 40, False: 10}
    long_ones = [item for item in items if "long" in item["tags"]]
    assert len(long_ones) >= 25
    for item in long_ones:  # polite, 80+ characters, context before the question
        assert "polite" in item["tags"] and len(item["question"]) >= 80, item["id"]
        assert item["question"].count("。") >= 2, item["id"]
    per_doc = Counter(doc for item in items for doc in {s["doc"] for s in item["sources"]})
    assert max(per_doc.values()) <= 3


# blind7 to blind30 share one shape (like the dev split); they differ in the casual/polite split
# of their unanswerable questions only.
@pytest.mark.parametrize("name, prefix, casual_unanswerable",
                         [("blind7", "b7", 6), ("blind8", "b8", 5), ("blind9", "b9", 5),
                          ("blind10", "b10", 5), ("blind11", "b11", 5),
                          ("blind12", "b12", 5), ("blind13", "b13", 5),
                          ("blind14", "b14", 5), ("blind15", "b15", 5),
                          ("blind16", "b16", 5), ("blind17", "b17", 5),
                          ("blind18", "b18", 5), ("blind19", "b19", 5),
                          ("blind20", "b20", 5), ("blind21", "b21", 5),
                          ("blind22", "b22", 5), ("blind23", "b23", 5),
                          ("blind24", "b24", 5), ("blind25", "b25", 5),
                          ("blind26", "b26", 5), ("blind27", "b27", 5),
                          ("blind28", "b28", 5), ("blind29", "b29", 5),
                          ("blind30", "b30", 5)])
def test_the_dev_shaped_sets_have_the_planned_mix(name, prefix, casual_unanswerable):
    items = _items(name)
    questions = load_questions(SETS[name])
    assert [q.id for q in questions] == [f"{prefix}-{n:02d}" for n in range(1, 46)]
    assert Counter((q.lang, q.answerable) for q in questions) == {("ja", True): 29, ("en", True): 6, ("ja", False): 10}
    assert sum("local-value" in q.tags for q in questions) == sum("absent-rule" in q.tags for q in questions) == 5
    assert Counter(("casual" in q.tags, q.answerable) for q in questions if q.lang == "ja") == {
        (True, True): 14, (False, True): 15, (True, False): casual_unanswerable, (False, False): 10 - casual_unanswerable}
    long_ones = [item for item in items if "long" in item["tags"]]
    assert 1 <= len(long_ones) <= 6
    for item in long_ones:  # greeting, context, then the question
        assert "polite" in item["tags"] and item["question"].count("。") >= 2, item["id"]
    assert sum("names-law" in item["tags"] for item in items) <= 5
    per_doc = Counter(doc for item in items for doc in {s["doc"] for s in item["sources"]})
    assert len(per_doc) >= 25 and max(per_doc.values()) <= 2
    kinds = {doc.split("/")[0] + ("/pdf" if doc.endswith(".pdf") else "") for doc in per_doc}
    assert any(doc.startswith("egov-laws-current-appi-kb/ppc-") for doc in per_doc)
    assert {"egov-laws-2013-snapshot", "egov-laws-current-appi-kb", "katsuragi-reiki-samples",
            "mhlw-model-work-rules/pdf"} <= kinds

@pytest.mark.parametrize("name", SETS)
def test_every_gold_quote_and_article_is_in_its_document(corpus: Path, name):
    assert verify_quotes.problems_by_question(corpus, _items(name)) == {}


def test_the_checker_rejects_a_changed_quote_a_wrong_page_and_a_missing_article(corpus: Path):
    sources = [s for name in SETS for item in _items(name) for s in item["sources"]]
    pdf_source = next(s for s in sources if s["doc"].endswith(".pdf"))
    text_source = next(s for s in sources if s["doc"].endswith(".txt"))
    for source in (pdf_source, text_source):
        assert verify_quotes.check_source(corpus, source) == []
        assert verify_quotes.check_source(corpus, {**source, "quote": source["quote"] + "ではない"})
        assert verify_quotes.check_source(corpus, {**source, "article": "第九百九十九条"})
    assert verify_quotes.check_source(corpus, {**pdf_source, "page": pdf_source["page"] + 1})


# eval/samples-dev: a development set over the bundled sample regulations (samples/regulations), not the
# shared corpus, so it is kept out of SETS and checked here against its own corpus.
SAMPLES_DEV = ROOT / "eval" / "samples-dev" / "questions.jsonl"
SAMPLES_CORPUS = ROOT / "samples" / "regulations"


def _assert_tags_agree(questions) -> None:
    """Each question has an answer type; its sources, unanswerable and english tags agree."""
    for q in questions:
        assert ANSWER_TYPES & set(q.tags), q.id
        assert q.answerable == bool(q.sources), q.id
        assert ("unanswerable" in q.tags) == (not q.answerable), q.id
        assert ("english" in q.tags) == (q.lang == "en"), q.id


def _registers(items) -> Counter:
    """How many answerable Japanese questions are written in each register."""
    return Counter(next(t for t in item["tags"] if t in ("casual", "polite", "terse"))
                   for item in items if item["lang"] == "ja" and item["answerable"])


def test_the_samples_dev_set_has_the_planned_shape():
    items = [json.loads(line) for line in SAMPLES_DEV.read_text(encoding="utf-8").splitlines()]
    questions = load_questions(SAMPLES_DEV)
    assert [q.id for q in questions] == [f"sd-{n:02d}" for n in range(1, 61)]
    assert len({item["id"] for item in items}) == 60
    assert Counter((q.lang, q.answerable) for q in questions) == {("ja", True): 40, ("en", True): 10, ("ja", False): 10}
    assert sum("local-value" in q.tags for q in questions) == sum("absent-rule" in q.tags for q in questions) == 5
    _assert_tags_agree(questions)
    assert _registers(items) == {"casual": 16, "polite": 14, "terse": 10}
    per_doc = Counter(s["doc"] for item in items for s in item["sources"])
    assert len(per_doc) == 10 and all(4 <= n <= 6 for n in per_doc.values())
    for item in items:
        if item["answerable"]:
            assert len(item["sources"]) == 1, item["id"]
            assert all(s["paragraph"] and s["article"] for s in item["sources"]), item["id"]
    assert sum("later-paragraph" in item["tags"] for item in items) >= 15


# eval/samples-blind: an untouched estimate over the same sample regulations (evaluated, never tuned on),
# written blind and kept out of SETS like samples-dev.
SAMPLES_BLIND = ROOT / "eval" / "samples-blind" / "questions.jsonl"


def test_the_samples_blind_set_has_the_planned_shape():
    items = [json.loads(line) for line in SAMPLES_BLIND.read_text(encoding="utf-8").splitlines()]
    questions = load_questions(SAMPLES_BLIND)
    assert [q.id for q in questions] == [f"sb-{n:02d}" for n in range(1, 41)]
    assert len({item["id"] for item in items}) == 40
    assert Counter((q.lang, q.answerable) for q in questions) == {("ja", True): 30, ("en", True): 5, ("ja", False): 5}
    assert sum("local-value" in q.tags for q in questions) == 3
    assert sum("absent-rule" in q.tags for q in questions) == 2
    _assert_tags_agree(questions)
    for q in questions:
        if not q.answerable:
            assert ("local-value" in q.tags) != ("absent-rule" in q.tags), q.id
    assert _registers(items) == {"casual": 12, "polite": 10, "terse": 8}
    per_doc = Counter(s["doc"] for item in items for s in item["sources"])
    assert len(per_doc) == 10 and all(3 <= n <= 5 for n in per_doc.values())
    for item in items:
        if item["answerable"]:
            assert len(item["sources"]) == 1, item["id"]
            source = item["sources"][0]
            assert source["article"] and source["paragraph"] and source["page"] is None, item["id"]
            assert ("later-paragraph" in item["tags"]) == (not source["paragraph"].startswith("第一項")), item["id"]
    assert sum("definition" in item["tags"] for item in items if item["answerable"]) >= 4
    assert sum("exception" in item["tags"] for item in items) >= 4
    assert sum(bool({"deadline", "quantity"} & set(item["tags"]))
               and ("later-paragraph" in item["tags"] or "号" in item["sources"][0]["paragraph"])
               for item in items if item["answerable"]) >= 6


@pytest.mark.parametrize("questions_file", [SAMPLES_DEV, SAMPLES_BLIND], ids=["samples-dev", "samples-blind"])
def test_every_sample_set_quote_is_in_its_sample_document(questions_file):
    items = [json.loads(line) for line in questions_file.read_text(encoding="utf-8").splitlines()]
    assert verify_quotes.problems_by_question(SAMPLES_CORPUS, items) == {}
    for item in items:
        for source in item["sources"]:
            text = verify_quotes.collapse((SAMPLES_CORPUS / source["doc"]).read_text(encoding="utf-8"))
            quote = verify_quotes.collapse(source["quote"])
            assert 10 <= len(quote) <= 60, item["id"]
            assert text.count(quote) == 1, item["id"]

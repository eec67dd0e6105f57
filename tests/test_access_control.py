"""Restricted documents: who finds them, what they may not change for everyone else, how a broken
restriction is reported, and one consistent view of the index per search."""
from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.extractive import ExtractiveAnswerer
from retrieval.local_index import LocalIndex
from retrieval.local_search import LocalSearcher
from retrieval.models import Question
from retrieval.tokens import TokenCounter
from tests.conftest import ROOT

ANALYZER = Analyzer()
TOKENS = TokenCounter()
ACL = ROOT / "eval" / "acl"
RESTRICTED_FOLDERS = ("jinji", "joho")


def acl_questions() -> list[dict]:
    return [json.loads(line) for line in (ACL / "questions.jsonl").read_text(encoding="utf-8").splitlines()]


def build(corpus: Path, index_path: Path) -> LocalSearcher:
    index = LocalIndex(index_path)
    summary = Indexer(index=index, analyzer=ANALYZER, tokens=TOKENS, workers=1).run(corpus)
    assert not summary.failed, summary.failed
    return LocalSearcher(index=index, analyzer=ANALYZER)


@pytest.fixture(scope="module")
def with_and_without_restricted(tmp_path_factory):
    root = tmp_path_factory.mktemp("acl")
    full = root / "full"
    shutil.copytree(ACL / "corpus", full)
    public = root / "public-only"
    shutil.copytree(ACL / "corpus", public)
    for folder in RESTRICTED_FOLDERS:
        shutil.rmtree(public / folder)
    return build(full, root / "full.sqlite"), build(public, root / "public.sqlite")


def ranked(searcher: LocalSearcher, text: str, groups=()) -> list[tuple[str, float, float]]:
    question = Question(text=text, language="ja", groups=tuple(groups))
    return [(s.passage.passage_id, round(s.score, 6), round(s.confidence or 0.0, 6))
            for s in searcher.rank(question, 10)]


# -- finding 4: restricted words must not shift public answers ----------------------------------

def test_outsiders_rank_and_abstain_exactly_as_if_restricted_documents_were_not_indexed(
        with_and_without_restricted):
    full, public_only = with_and_without_restricted
    answerer = ExtractiveAnswerer(analyzer=ANALYZER)
    texts = sorted({q["question"] for q in acl_questions()})
    assert len(texts) >= 20
    for text in texts:
        assert ranked(full, text) == ranked(public_only, text), text
        question = Question(text=text, language="ja")
        with_restricted = answerer.compose(question, full.rank(question, 10))
        without = answerer.compose(question, public_only.rank(question, 10))
        assert (with_restricted.abstained, with_restricted.text) == (without.abstained, without.text), text


def test_members_find_the_restricted_documents_outsiders_never_see(with_and_without_restricted):
    full, _ = with_and_without_restricted
    text = "人事評価の評語は何段階ですか"
    member = ranked(full, text, ["hr-staff"])
    assert member[0][0].startswith("jinji/jinji-hyoka.md#")
    for groups in ((), ("it-admin",), ("someone-else",)):
        assert not any(pid.startswith("jinji/") for pid, _, _ in ranked(full, text, groups))
    password = ranked(full, "サーバー室に入室するときの認証方法は？", ["it-admin"])
    assert password[0][0].startswith("joho/server-room.md#")


# -- one immutable snapshot per search ------------------------------------------------------

def test_a_search_keeps_its_snapshot_when_the_index_is_swapped_midway(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ACL / "corpus", corpus)
    secret = corpus / "jinji"
    hidden = tmp_path / "jinji-hidden"
    shutil.move(secret, hidden)  # first generation: public documents only
    searcher = build(corpus, tmp_path / "i.sqlite")
    indexer = Indexer(index=searcher.index, analyzer=ANALYZER, tokens=TOKENS, workers=1)
    searcher.rank(Question(text="懲戒", language="ja"), 5)
    original_plan = searcher.planner.plan
    swapped = []

    def plan_then_reindex(*args, **kwargs):
        # While this search is under way, /reindex adds restricted documents (their rows come
        # first) and another search loads the new generation.
        if not swapped:
            swapped.append(True)
            shutil.move(hidden, secret)
            indexer.run(corpus)
            searcher.rank(Question(text="懲戒", language="ja"), 5)
        return original_plan(*args, **kwargs)

    searcher.planner.plan = plan_then_reindex
    results = searcher.rank(Question(text="懲戒処分の量定 免職 停職", language="ja"), 10)
    assert swapped and results
    assert all(not s.passage.allowed_groups for s in results)
    assert all(s.passage.doc.startswith("public/") for s in results)


def test_concurrent_searches_during_reindexing_never_leak_or_fail(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ACL / "corpus", corpus)
    hidden = tmp_path / "hidden"
    searcher = build(corpus, tmp_path / "i.sqlite")
    indexer = Indexer(index=searcher.index, analyzer=ANALYZER, tokens=TOKENS, workers=1)
    questions = [q["question"] for q in acl_questions()][:16]
    errors: list[BaseException] = []
    leaks: list[str] = []
    stop = threading.Event()

    def search_loop():
        while not stop.is_set():
            for text in questions:
                try:
                    for hit in searcher.rank(Question(text=text, language="ja"), 10):
                        if hit.passage.allowed_groups:
                            leaks.append(hit.passage.passage_id)
                except BaseException as exc:  # noqa: BLE001 - any failure is what the test looks for
                    errors.append(exc)

    threads = [threading.Thread(target=search_loop) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(6):  # restricted folders leave and come back: row numbers shift each time
            if (corpus / "jinji").exists():
                shutil.move(corpus / "jinji", hidden)
            else:
                shutil.move(hidden, corpus / "jinji")
            indexer.run(corpus)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors[:3]
    assert not leaks, leaks[:5]


# -- finding 4: an invalid restricting sidecar ----------------------------------------------------

@pytest.fixture
def small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "public").mkdir(parents=True)
    (corpus / "hr").mkdir()
    shutil.copy(ACL / "corpus" / "public" / "chokai.md", corpus / "public" / "chokai.md")
    shutil.copy(ACL / "corpus" / "jinji" / "jinji-hyoka.md", corpus / "hr" / "jinji-hyoka.md")
    (corpus / "hr" / "jinji-hyoka.md.meta.yaml").write_text("allowed_groups: [hr-staff]\n", encoding="utf-8")
    return corpus


@pytest.mark.parametrize("sidecar, message", [
    ("allowed_group: [hr-staff]\n", "unknown metadata key(s) allowed_group"),
    ("allowed_groups: {hr-staff: yes}\n", "allowed_groups must be"),
    ("allowed_groups: [hr-staff, 42]\n", "allowed_groups must be"),
    ("allowed_groups:\n", "allowed_groups is empty"),
    ("allowed_groups: [hr-staff\n", "invalid YAML"),
])
def test_an_invalid_restriction_fails_the_file_and_keeps_the_previous_version(small_corpus, tmp_path,
                                                                               sidecar, message):
    searcher = build(small_corpus, tmp_path / "i.sqlite")
    indexer = Indexer(index=searcher.index, analyzer=ANALYZER, tokens=TOKENS, workers=1)
    (small_corpus / "hr" / "jinji-hyoka.md").write_text(
        (small_corpus / "hr" / "jinji-hyoka.md").read_text(encoding="utf-8") + "\n追記した文。\n", encoding="utf-8")
    (small_corpus / "hr" / "jinji-hyoka.md.meta.yaml").write_text(sidecar, encoding="utf-8")
    summary = indexer.run(small_corpus)
    assert [doc for doc, _ in summary.failed] == ["hr/jinji-hyoka.md"]
    assert message in summary.failed[0][1]
    assert summary.exit_status() == 1 and "hr/jinji-hyoka.md" in summary.problems()
    # The previous, restricted version is what is served: still restricted, without the edit.
    outsider = searcher.rank(Question(text="人事評価の評語", language="ja"), 10)
    assert not any(s.passage.doc == "hr/jinji-hyoka.md" for s in outsider)
    member = searcher.rank(Question(text="人事評価の評語", language="ja", groups=("hr-staff",)), 10)
    assert member[0].passage.doc == "hr/jinji-hyoka.md"
    assert all("追記した文" not in s.passage.text for s in member)


def test_a_new_file_with_an_invalid_restriction_is_not_indexed_at_all(small_corpus, tmp_path):
    (small_corpus / "hr" / "jinji-hyoka.md.meta.yaml").write_text("allowed_groups: hr-staff\nowner: x\n",
                                                                  encoding="utf-8")
    index = LocalIndex(tmp_path / "i.sqlite")
    summary = Indexer(index=index, analyzer=ANALYZER, tokens=TOKENS, workers=1).run(small_corpus)
    assert "unknown metadata key(s) owner" in dict(summary.failed)["hr/jinji-hyoka.md"]
    assert set(index.document_hashes()) == {"public/chokai.md"}


def test_unknown_front_matter_key_is_rejected_with_the_allowed_keys(small_corpus, tmp_path):
    (small_corpus / "public" / "x.md").write_text("---\ntitle: X規程\nalowed_groups: [a]\n---\n第一条　本文。\n",
                                                  encoding="utf-8")
    summary = Indexer(index=LocalIndex(tmp_path / "i.sqlite"), analyzer=ANALYZER, tokens=TOKENS,
                      workers=1).run(small_corpus)
    why = dict(summary.failed)["public/x.md"]
    assert "alowed_groups" in why and "allowed_groups" in why and summary.exit_status() == 1


def test_index_command_exits_non_zero_and_names_the_file(small_corpus, tmp_path):
    import subprocess
    import sys

    (small_corpus / "hr" / "jinji-hyoka.md.meta.yaml").write_text("allowed_group: [hr-staff]\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "app.py", "index", "--corpus", str(small_corpus),
                             "--index", str(tmp_path / "i.sqlite")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "hr/jinji-hyoka.md" in result.stderr and "allowed_group" in result.stderr

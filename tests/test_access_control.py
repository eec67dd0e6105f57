"""Restricted documents: who finds them, what they may not change for everyone else, how a broken
restriction is reported, and one consistent view of the index per search."""
from __future__ import annotations

import asyncio
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


# -- groups learned from the directory (tested against a local FAKE of Microsoft Graph) ---------------

import logging  # noqa: E402

from aiohttp.test_utils import TestServer  # noqa: E402

from retrieval.groups import (CachedGroupResolver, GraphGroupResolver, GroupLookupError,  # noqa: E402
                              MappingGroupResolver)
from tests.fakes.graph_fake import FakeCredential, FakeGraph  # noqa: E402

HR_USER = "3f2c1a9e-0b4d-4c7e-9a55-2d8e6f1b7c01"
OTHER_USER = "9a1b7c3d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
UNKNOWN_USER = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
async def graph():
    fake = FakeGraph(memberships={HR_USER: ["g-1", "hr-staff", "g-3", "g-4", "g-5"], OTHER_USER: []})
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


async def test_graph_groups_are_read_across_every_page(graph):
    credential = FakeCredential()
    resolver = GraphGroupResolver(credential=credential, base_url=graph.base_url)
    try:
        assert await resolver.groups_of(HR_USER) == ("g-1", "hr-staff", "g-3", "g-4", "g-5")
        assert await resolver.groups_of(OTHER_USER) == ()
    finally:
        await resolver.aclose()
    assert len([r for r in graph.requests if HR_USER in r["path"]]) == 3  # pages of 2
    assert graph.requests[0]["query"]["$select"] == "id"
    assert credential.scopes[0] == ("https://graph.microsoft.com/.default",) and credential.closed


@pytest.mark.parametrize("script, cause", [
    ({"status": 403}, "HTTP 403"),
    ({"status": 503}, "HTTP 503"),
    ({"delay_seconds": 2.0}, "did not answer within"),
    ({"next_link_host": "http://203.0.113.9"}, "points elsewhere"),
])
async def test_a_failed_lookup_gives_no_groups_and_a_log_line(graph, caplog, script, cause):
    for name, value in script.items():
        setattr(graph, name, value)
    resolver = CachedGroupResolver(GraphGroupResolver(credential=FakeCredential(), base_url=graph.base_url,
                                                      timeout_seconds=0.5))
    try:
        with caplog.at_level(logging.WARNING, logger="retrieval.groups"):
            assert await resolver.groups_of(HR_USER) == ()
    finally:
        await resolver.aclose()
    assert cause in caplog.text and HR_USER not in caplog.text
    assert not any(r["path"].startswith("http://203.0.113.9") for r in graph.requests)


async def test_unknown_users_and_non_object_ids_get_no_groups(graph):
    inner = GraphGroupResolver(credential=FakeCredential(), base_url=graph.base_url)
    resolver = CachedGroupResolver(inner)
    try:
        assert await resolver.groups_of(UNKNOWN_USER) == ()  # Graph answers 404
        with pytest.raises(GroupLookupError):
            await inner.groups_of("../../groups?$select=id")
        assert await resolver.groups_of("../../groups") == ()
    finally:
        await resolver.aclose()
    assert all("groups?" not in r["path"] for r in graph.requests)


async def test_groups_are_cached_for_the_ttl_then_asked_again(graph):
    now = [0.0]
    resolver = CachedGroupResolver(GraphGroupResolver(credential=FakeCredential(), base_url=graph.base_url),
                                   ttl_seconds=300, clock=lambda: now[0])
    try:
        first = await resolver.groups_of(HR_USER)
        calls = len(graph.requests)
        now[0] = 299.0
        assert await resolver.groups_of(HR_USER) == first and len(graph.requests) == calls
        graph.memberships[HR_USER] = ["g-1"]  # removed from hr-staff in the directory
        now[0] = 301.0
        assert await resolver.groups_of(HR_USER) == ("g-1",) and len(graph.requests) > calls
    finally:
        await resolver.aclose()


async def test_concurrent_questions_of_one_user_make_one_lookup(graph):
    graph.delay_seconds = 0.2
    graph.page_size = 10
    resolver = CachedGroupResolver(GraphGroupResolver(credential=FakeCredential(), base_url=graph.base_url))
    try:
        results = await asyncio.gather(*[resolver.groups_of(HR_USER) for _ in range(5)])
    finally:
        await resolver.aclose()
    assert len(set(results)) == 1 and "hr-staff" in results[0]
    assert len(graph.requests) == 1


def test_mapping_file_in_yaml_or_json(tmp_path):
    yaml_file = tmp_path / "groups.yaml"
    yaml_file.write_text(f"groups:\n  hr-staff: [{HR_USER.upper()}]\nusers:\n  {HR_USER}: [it-admin]\n",
                         encoding="utf-8")
    json_file = tmp_path / "groups.json"
    json_file.write_text(json.dumps({"users": {OTHER_USER: ["it-admin"]}}), encoding="utf-8")
    assert asyncio.run(MappingGroupResolver(yaml_file).groups_of(HR_USER)) == ("hr-staff", "it-admin")
    assert asyncio.run(MappingGroupResolver(json_file).groups_of(OTHER_USER)) == ("it-admin",)
    assert asyncio.run(MappingGroupResolver(json_file).groups_of(HR_USER)) == ()
    bad = tmp_path / "bad.yaml"
    bad.write_text("group:\n  hr-staff: [x]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'groups' and/or 'users'"):
        MappingGroupResolver(bad)


@pytest.fixture(scope="module")
def acl_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("acl-pipeline")
    build(ACL / "corpus", root / "i.sqlite")
    return root / "i.sqlite"


async def test_the_pipeline_learns_groups_from_the_user_id_and_ignores_client_groups(graph, acl_index,
                                                                                      tmp_path):
    from services import build_services
    from settings import load_settings

    settings = load_settings(_env_file=None, index_path=acl_index, group_resolver="graph",
                             graph_base_url=graph.base_url, graph_tenant_id="t", graph_client_id="c",
                             graph_client_secret="s")
    services = build_services(settings)
    resolver = services.pipeline.groups
    assert isinstance(resolver, CachedGroupResolver)
    assert type(resolver.inner._credential).__name__ == "ClientSecretCredential"
    resolver.inner._credential = FakeCredential()  # the fake Graph takes the fake's token only
    text = "人事評価の評語は何段階ですか"
    try:
        member = await services.pipeline.answer(Question(text=text, language="ja", user_id=HR_USER))
        assert member.citations and member.citations[0].passage.doc == "jinji/jinji-hyoka.md"
        # A client claiming groups it does not have gets what the directory says: none.
        forged = await services.pipeline.answer(Question(text=text, language="ja", user_id=OTHER_USER,
                                                         groups=("hr-staff",)))
        assert not any(p.passage.doc.startswith("jinji/") for p in forged.passages)
        graph.status = 503  # Graph down: fails closed
        resolver._entries.clear()
        down = await services.pipeline.answer(Question(text=text, language="ja", user_id=HR_USER))
        assert not any(p.passage.doc.startswith("jinji/") for p in down.passages)
    finally:
        await services.aclose()


def test_group_settings_are_checked_at_start_up(tmp_path):
    from services import build_services
    from settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="REIKI_GROUP_MAPPING_PATH"):
        load_settings(_env_file=None, group_resolver="file")
    with pytest.raises(SettingsError, match="https"):
        load_settings(_env_file=None, group_resolver="graph", graph_base_url="http://graph.example")
    bad = tmp_path / "groups.yaml"
    bad.write_text("users: [1, 2]\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="REIKI_GROUP_MAPPING_PATH"):
        build_services(load_settings(_env_file=None, group_resolver="file", group_mapping_path=bad,
                                     index_path=tmp_path / "i.sqlite"))


def test_reindex_summary_tells_the_admin_which_files_failed_or_were_refused(small_corpus, tmp_path):
    from services import IndexAdmin, build_services
    from settings import load_settings

    (small_corpus / "hr" / "jinji-hyoka.md.meta.yaml").write_text("allowed_groups: [hr-staff\n", encoding="utf-8")
    (small_corpus / "public" / "link.md").symlink_to(small_corpus / "public" / "chokai.md")
    services = build_services(load_settings(_env_file=None, corpus_dir=small_corpus,
                                            index_path=tmp_path / "i.sqlite"))
    try:
        message = IndexAdmin(services).reindex()
    finally:
        services.close()
    assert "- hr/jinji-hyoka.md: jinji-hyoka.md.meta.yaml: invalid YAML" in message
    assert "- public/link.md: symbolic link: not followed" in message

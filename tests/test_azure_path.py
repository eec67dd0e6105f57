"""The production path end to end: Azure AI Search + Azure OpenAI, chosen by settings only.

Real processes (`app.py index / ask / eval`) and the real SDK clients talk HTTP to local FAKES of
both services (tests/fakes), so the code path is the one production runs; only the endpoints differ.
"""
import json

import pytest

from tests.fakes import serve_in_thread
from tests.fakes.azure_openai_fake import FakeOpenAI
from tests.fakes.azure_search_fake import FakeSearchService
from tests.test_cli import run

ANSWER = "育児休業は、子が三歳に達する日まで取ることができます[2][1]。延長は[12]一回です。"


@pytest.fixture
def azure(tmp_path, corpus_dir):
    """Both fakes running, and a `run(args)` that calls app.py with settings pointing at them."""
    search, openai = FakeSearchService(), FakeOpenAI(reply=ANSWER)
    with serve_in_thread(search.app()) as search_url, serve_in_thread(openai.app()) as openai_url:
        env = {"REIKI_SEARCH_BACKEND": "azure", "REIKI_ANSWERER": "llm",
               "REIKI_AZURE_SEARCH_ENDPOINT": search_url, "REIKI_AZURE_SEARCH_API_KEY": search.api_key,
               "REIKI_AZURE_OPENAI_ENDPOINT": openai_url, "REIKI_AZURE_OPENAI_API_KEY": "fake-key",
               "REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT": "chat", "REIKI_AZURE_OPENAI_EMBEDDING_DEPLOYMENT": "embed",
               "REIKI_AZURE_OPENAI_EMBEDDING_DIMENSIONS": "64"}

        def call(*args):
            return run(list(args), tmp_path, corpus_dir, **env)

        yield call, search, openai


def test_index_then_ask_json_answers_from_azure_passages_with_renumbered_citations(azure, corpus_dir):
    call, search, openai = azure
    indexed = call("index", "--corpus", str(corpus_dir))
    assert indexed.returncode == 0, indexed.stderr
    assert search.indexes and any(r["path"].endswith("/docs/search.index") for r in search.requests)
    assert any(r["path"].endswith("/embeddings") for r in openai.requests)  # vectors for the content field

    result = call("ask", "--json", "育休はいつまで取れますか")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # [2][1] become [1][2] in order of first use; [12] pointed nowhere (at most 10 sources) and is gone
    assert data["answer"] == "育児休業は、子が三歳に達する日まで取ることができます[1][2]。延長は一回です。"
    assert not data["abstained"] and data["notice"] is None
    assert [c["position"] for c in data["citations"]] == [1, 2]
    assert all(c["doc"] and c["quote"] for c in data["citations"])
    # the question's search (the fetch of its articles' other pieces, which follows, carries no vectors)
    searched = [r for r in search.requests if r["path"].endswith("/docs/search.post.search")
                and "vectorQueries" in r["body"]]
    assert searched and searched[-1]["body"].get("queryType") == "semantic"
    # first the question's statutory words for the keyword query (retrieval.query_expansion), then the answer
    [expansion, chat] = openai.chat_requests()
    assert "法令用語" in expansion["body"]["messages"][-1]["content"] and expansion["body"]["stream"] is False
    assert chat["path"] == "/openai/deployments/chat/chat/completions" and chat["body"]["stream"] is True


def test_unchanged_corpus_uploads_nothing_the_second_time(azure, corpus_dir):
    call, search, _ = azure
    assert call("index", "--corpus", str(corpus_dir)).returncode == 0
    uploads = len([r for r in search.requests if r["path"].endswith("/docs/search.index")])
    again = call("index", "--corpus", str(corpus_dir))
    assert again.returncode == 0 and "unchanged 2" in again.stdout
    assert len([r for r in search.requests if r["path"].endswith("/docs/search.index")]) == uploads


def test_eval_runs_through_the_azure_path_with_the_judge(azure, tmp_path, corpus_dir):
    call, _, openai = azure
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({
        "id": "q1", "question": "育休はいつまで取れますか", "answer": "三歳に達する日まで", "answerable": True,
        "lang": "ja", "tags": [], "sources": [{"doc": "kyuka.md", "article": "第三条"}]},
        ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = call("eval", "--questions", str(questions), "--corpus", str(corpus_dir), "--out", str(out),
                  "--no-progress", "--judge")
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["settings"]["backend"] == "azure" and summary["settings"]["answerer"] == "llm"
    assert summary["overall"]["hit@5"] == 1.0
    # the question's statutory words, one answer and two judge calls (groundedness, relevance), all
    # through Azure OpenAI
    assert len(openai.chat_requests()) == 4

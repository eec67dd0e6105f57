"""The LLM judge through the real openai SDK against a local HTTP fake of an OpenAI-compatible
server (a fake, not a model: it answers every prompt with a fixed score)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from retrieval.chat_model import ChatMessage, ChatModelError, build_chat_model
from settings import load_settings
from tests.test_cli import run


class FakeOpenAI:
    def __init__(self, reply: str = "評価: 4", status: int = 200):
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                payload = {"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": reply}}],
                           "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
                data = json.dumps(payload).encode() if status == 200 else b'{"error": {"message": "boom"}}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_llm():
    fake = FakeOpenAI()
    yield fake
    fake.close()


async def test_chat_model_sends_prompt_and_returns_text(fake_llm):
    chat = build_chat_model(load_settings(llm_base_url=fake_llm.url, llm_model="local-model", llm_api_key="k-123"))
    reply = await chat.complete([ChatMessage("system", "あなたは審査員です"), ChatMessage("user", "質問です")])
    await chat.aclose()
    assert reply == "評価: 4"
    [request] = fake_llm.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k-123"
    assert request["body"]["model"] == "local-model"
    assert request["body"]["messages"][-1] == {"role": "user", "content": "質問です"}


async def test_chat_model_failure_is_a_clear_error():
    fake = FakeOpenAI(status=500)
    try:
        chat = build_chat_model(load_settings(llm_base_url=fake.url, llm_model="m", llm_timeout_seconds=5))
        with pytest.raises(ChatModelError, match="chat model call failed"):
            await chat.complete([ChatMessage("user", "x")])
        await chat.aclose()
    finally:
        fake.close()


def test_eval_judge_scores_with_the_configured_model(fake_llm, tmp_path, corpus_dir):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": "育休はいつまで取れますか", "answer": "三歳まで",
                                     "answerable": True, "lang": "ja", "tags": [],
                                     "sources": [{"doc": "kyuka.md", "article": "第三条"}]},
                                    ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run(["eval", "--questions", str(questions), "--corpus", str(corpus_dir), "--index",
                  str(tmp_path / "e.sqlite"), "--out", str(out), "--no-progress", "--judge"],
                 tmp_path, corpus_dir, REIKI_LLM_BASE_URL=fake_llm.url, REIKI_LLM_MODEL="local-model")
    assert result.returncode == 0, result.stderr
    overall = json.loads((out / "summary.json").read_text(encoding="utf-8"))["overall"]
    judged = {k: overall.get(k) for k in ("groundedness", "relevance")}
    assert judged and all(v == 4 for v in judged.values()), overall
    assert any("育休はいつまで取れますか" in r["body"]["messages"][-1]["content"] for r in fake_llm.requests)


def test_eval_judge_without_a_model_is_a_clear_error(tmp_path, corpus_dir):
    result = run(["eval", "--questions", str(tmp_path / "q.jsonl"), "--corpus", str(corpus_dir), "--out",
                  str(tmp_path / "o"), "--judge"], tmp_path, corpus_dir, REIKI_LLM_BASE_URL="", REIKI_LLM_MODEL="")
    assert result.returncode == 2

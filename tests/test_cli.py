"""The command line as users run it: real processes, real index files."""
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PASSAGE_KEYS = {"doc", "title", "article", "page", "text", "score"}
CITATION_KEYS = {"position", "doc", "title", "article", "page", "url", "quote"}


def run(args, tmp_path, corpus_dir, **env):
    environment = {**os.environ, "REIKI_INDEX_PATH": str(tmp_path / "index.sqlite"),
                   "REIKI_CORPUS_DIR": str(corpus_dir), **env}
    return subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, corpus_dir):
    tmp_path = tmp_path_factory.mktemp("cli")
    result = run(["index", "--corpus", str(corpus_dir)], tmp_path, corpus_dir)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_index_reports_summary_and_skips_unsupported_files(indexed, corpus_dir):
    result = run(["index", "--corpus", str(corpus_dir), "--full"], indexed, corpus_dir)
    assert result.returncode == 0
    assert "skipped unsupported.bin: unsupported format" in result.stderr
    assert "updated 2" in result.stdout and "skipped 1" in result.stdout


def test_ask_json_contract(indexed, corpus_dir):
    result = run(["ask", "--json", "育休はいつまで取れますか"], indexed, corpus_dir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # exactly one JSON object on stdout
    assert set(data) == {"answer", "abstained", "notice", "follow_ups", "citations", "passages"}
    assert data["notice"] is None and data["follow_ups"] == []
    assert data["abstained"] is False and "[1]" in data["answer"]
    assert all(set(c) == CITATION_KEYS for c in data["citations"])
    assert all(set(p) == PASSAGE_KEYS for p in data["passages"])
    assert data["citations"][0]["doc"] == "kyuka.md" and data["citations"][0]["article"] == "第三条"
    scores = [p["score"] for p in data["passages"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_abstains_off_topic(indexed, corpus_dir):
    data = json.loads(run(["ask", "--json", "駐車場の月極料金はいくらですか"], indexed, corpus_dir).stdout)
    assert data["abstained"] is True and data["citations"] == []


def test_missing_corpus_is_a_clear_error(indexed, corpus_dir, tmp_path):
    result = run(["index", "--corpus", str(tmp_path / "nope")], indexed, corpus_dir)
    assert result.returncode == 2 and "corpus folder not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_configuration_is_a_clear_error(indexed, corpus_dir):
    result = run(["ask", "年休"], indexed, corpus_dir, REIKI_PORT="not-a-port")
    assert result.returncode == 2 and "REIKI_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_command_writes_outputs_and_gates(tmp_path, corpus_dir):
    questions = tmp_path / "questions.jsonl"
    rows = [
        {"id": "q1", "question": "育休はいつまで取れますか", "answer": "三歳に達する日まで", "answerable": True,
         "lang": "ja", "sources": [{"doc": "kyuka.md", "article": "第3条", "page": None, "quote": None}],
         "tags": ["colloquial"]},
        {"id": "q2", "question": "社員食堂のカレーはいくら？", "answer": "", "answerable": False, "lang": "ja",
         "sources": [], "tags": ["unanswerable"]},
    ]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["eval", "--questions", str(questions), "--corpus", str(corpus_dir), "--index", str(tmp_path / "e.sqlite"),
            "--out", str(out), "--no-progress"]
    passed = run([*args, "--fail-under", "hit@1=1.0"], tmp_path, corpus_dir)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["overall"]["hit@1"] == 1.0 and summary["overall"]["abstain_recall"] == 1.0
    assert (out / "report.html").read_text(encoding="utf-8").count("<svg") >= 2
    assert len((out / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    failed = run([*args, "--fail-under", "latency_p50_ms=0"], tmp_path, corpus_dir)
    assert failed.returncode == 1

import argparse
import io
import json
import time

import pytest

from eval.cli import add_arguments, default_equivalents_path, main_with_ask
from eval.runner import dataset_fingerprint, run_eval

LAW = "laws/地方公務員法.txt"

QUESTIONS = [
    {"id": "q1", "question": "条件付採用の期間は？", "answer": "6月", "answerable": True, "lang": "ja",
     "sources": [{"doc": LAW, "article": "第二十二条", "page": None, "quote": None}], "tags": ["easy"]},
    {"id": "q2", "question": "懲戒の種類は？", "answer": "戒告、減給、停職、免職", "answerable": True, "lang": "ja",
     "sources": [{"doc": LAW, "article": "第二十九条", "page": None, "quote": None}], "tags": ["easy", "hard"]},
    {"id": "q3", "question": "食堂は何時から？", "answer": "", "answerable": False, "lang": "ja", "sources": [],
     "tags": ["hard"], "user": "u1", "groups": ["総務課"], "forbidden_docs": ["secret.txt"]},
]


def passage(article, doc=LAW, text="本文"):
    return {"doc": doc, "title": "地方公務員法", "article": article, "page": None, "text": text, "score": 1.0,
            "extra_field": "dropped"}


def make_ask(answers, delay_s=0.0):
    """A fake ask(): canned responses by question text; records the context it was given."""
    calls = []

    def ask(question, **context):
        calls.append((question, context))
        time.sleep(delay_s)
        response = answers[question]
        if isinstance(response, Exception):
            raise response
        return response

    ask.calls = calls
    return ask


GOOD = {
    "条件付採用の期間は？": {"answer": "6月です[1]", "abstained": False,
                   "citations": [{"position": 1, "doc": LAW, "title": "地方公務員法", "article": "第22条", "page": None,
                                  "url": None, "quote": "六月"}],
                   "passages": [passage("第22条")] + [passage("第1条")] * 12},
    "懲戒の種類は？": {"answer": "戒告です", "abstained": False, "citations": [],
                "passages": [passage("第1条")] * 5 + [passage("第29条")]},
    "食堂は何時から？": {"answer": "見つかりませんでした", "abstained": True, "citations": [],
                 "passages": [passage("第1条", doc="secret.txt")]},
}


@pytest.fixture
def questions_path(tmp_path):
    path = tmp_path / "questions.dev.jsonl"
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


def run(questions_path, out, ask, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    options = {"dataset_name": "toy", "settings": {"top_k": 10}, "progress": False, **options}
    code = run_eval(questions_path, ask, out, stdout=stdout, stderr=stderr, **options)
    return code, stdout.getvalue(), stderr.getvalue()


def test_outputs_and_per_question_results(tmp_path, questions_path):
    ask = make_ask(GOOD)
    code, stdout, _ = run(questions_path, tmp_path / "out", ask)
    assert code == 0
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3"]
    assert set(rows[0]) == {"id", "question", "answer", "abstained", "citations", "passages", "latency_ms", "metrics"}
    assert len(rows[0]["passages"]) == 10  # top k only
    assert set(rows[0]["passages"][0]) == {"doc", "title", "article", "page", "text", "score"}
    assert set(rows[0]["citations"][0]) == {"position", "doc", "title", "article", "page", "url", "quote"}
    assert rows[0]["metrics"]["hit@1"] == 1.0 and rows[1]["metrics"]["hit@5"] == 0.0
    assert rows[1]["metrics"]["hit@10"] == 1.0 and rows[1]["metrics"]["mrr@10"] == pytest.approx(1 / 6)
    assert rows[2]["metrics"]["acl_leaks"] == 1
    # user/groups are passed only for the question line that carries them
    assert ask.calls[0] == ("条件付採用の期間は？", {})
    assert ask.calls[2] == ("食堂は何時から？", {"user": "u1", "groups": ["総務課"]})

    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["dataset"]["name"] == "toy" and summary["dataset"]["hash"].startswith("sha256:")
    assert summary["settings"] == {"top_k": 10} and summary["k"] == 10 and summary["question_count"] == 3
    assert "app_commit" in summary and summary["timestamp"]
    assert summary["overall"]["hit@5"] == 0.5 and summary["overall"]["mrr@10"] == pytest.approx((1 + 1 / 6) / 2)
    assert summary["overall"]["balanced_accuracy"] == 1.0
    assert summary["per_tag"]["easy"]["hit@5"] == 0.5 and summary["per_tag"]["hard"]["hit@5"] == 0.0
    assert summary["per_tag"]["hard"]["abstain_recall"] == 1.0
    assert (tmp_path / "out" / "report.html").is_file()
    assert "hit@5" in stdout and "0.500" in stdout


@pytest.mark.parametrize("fail_under, expected", [
    ([], 0),
    (["hit@1=0.5"], 0),  # equal passes
    (["hit@5=0.51"], 1),
    (["hit@10=1.0", "mrr@10=0.5"], 0),
    (["hit@10=1.0", "mrr@10=0.6"], 1),
    (["latency_p95_ms=100000"], 0),  # lower-is-better metrics: the value is a maximum
    (["latency_p50_ms=0"], 1),
    (["acl_leaks=0"], 1),
    (["groundedness=3"], 1),  # gated but not computed (no judge): fails rather than silently passing
    (["recall@5=0.5"], 2),
    (["hit@5"], 2),
    (["hit@5=high"], 2),
])
def test_fail_under_exit_codes(tmp_path, questions_path, fail_under, expected):
    ask = make_ask(GOOD, delay_s=0.002)  # a measurable latency, so latency_p50_ms=0 must fail
    code, stdout, stderr = run(questions_path, tmp_path / "out", ask, fail_under=fail_under)
    assert code == expected
    if expected == 1:
        assert "FAIL" in stdout
    if expected == 2:
        assert "error:" in stderr and not (tmp_path / "out").exists()  # nothing asked, nothing written


def test_unknown_metric_message_lists_known_metrics(tmp_path, questions_path):
    _, _, stderr = run(questions_path, tmp_path / "out", make_ask(GOOD), fail_under=["recall@5=0.5"])
    assert "unknown metric 'recall@5'" in stderr and "hit@5" in stderr


def test_invalid_questions_file_exits_2_with_line_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "q", "answerable": true}\n{oops\n', encoding="utf-8")
    code, _, stderr = run(path, tmp_path / "out", make_ask({}))
    assert code == 2 and f"{path}:2:" in stderr


def test_ask_errors_are_recorded_and_scored_as_misses(tmp_path, questions_path):
    answers = dict(GOOD, **{"懲戒の種類は？": RuntimeError("index locked")})
    code, _, stderr = run(questions_path, tmp_path / "out", make_ask(answers))
    assert code == 0
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[1]["error"] == "RuntimeError: index locked" and rows[1]["metrics"]["hit@10"] == 0.0
    assert "1 question(s) failed" in stderr


def test_baseline_deltas_and_flipped_questions(tmp_path, questions_path):
    run(questions_path, tmp_path / "base", make_ask(GOOD))
    changed = dict(GOOD)
    changed["懲戒の種類は？"] = dict(GOOD["懲戒の種類は？"], passages=[passage("第29条")])  # miss -> hit@5
    changed["食堂は何時から？"] = dict(GOOD["食堂は何時から？"], abstained=False)  # correct -> wrong abstention
    code, stdout, _ = run(questions_path, tmp_path / "new", make_ask(changed), baseline_dir=tmp_path / "base")
    assert code == 0
    baseline = json.loads((tmp_path / "new" / "summary.json").read_text(encoding="utf-8"))["baseline"]
    assert baseline["deltas"]["hit@5"] == {"baseline": 0.5, "current": 1.0, "delta": 0.5}
    assert baseline["deltas"]["abstain_recall"]["delta"] == -1.0
    flips = {(f["id"], f["kind"]): f for f in baseline["flipped"]}
    assert set(flips) == {("q2", "hit@5"), ("q3", "abstained")}
    assert flips[("q2", "hit@5")]["improved"] is True
    assert flips[("q3", "abstained")]["improved"] is False
    assert "+0.500" in stdout and "baseline" in stdout


def test_missing_baseline_is_a_warning(tmp_path, questions_path):
    code, _, stderr = run(questions_path, tmp_path / "out", make_ask(GOOD), baseline_dir=tmp_path / "nothing")
    assert code == 0 and "comparison skipped" in stderr


def test_judge_scores_answered_questions(tmp_path, questions_path):
    prompts = []

    def judge(prompt):
        prompts.append(prompt)
        return "Score: 4"

    code, _, _ = run(questions_path, tmp_path / "out", make_ask(GOOD), judge=judge, fail_under=["groundedness=4"])
    assert code == 0 and len(prompts) == 6  # two aspects x three questions
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["overall"]["groundedness"] == 4.0 and summary["overall"]["relevance"] == 4.0
    assert any("条件付採用の期間は？" in prompt and "6月です[1]" in prompt for prompt in prompts)


def test_dataset_fingerprint_covers_questions_and_corpus(tmp_path, questions_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("第一条", encoding="utf-8")
    first = dataset_fingerprint(questions_path, corpus)
    assert first == dataset_fingerprint(questions_path, corpus)
    assert first != dataset_fingerprint(questions_path)
    (corpus / "a.txt").write_text("第二条", encoding="utf-8")
    assert dataset_fingerprint(questions_path, corpus) != first


def test_cli_arguments_and_main_with_ask(tmp_path, questions_path):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--questions", str(questions_path), "--out", str(tmp_path / "out"),
                              "--fail-under", "hit@5=0.4", "mrr@10=0.5", "--fail-under", "hit@1=0.9",
                              "--no-progress"])
    assert args.fail_under == ["hit@5=0.4", "mrr@10=0.5", "hit@1=0.9"] and args.k == 10
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "equivalents.json").write_text('{"groups": []}', encoding="utf-8")
    assert default_equivalents_path(corpus) == (tmp_path / "equivalents.json").resolve()
    code = main_with_ask(args, make_ask(GOOD), dataset_name=None, corpus_dir=corpus, settings={"x": 1})
    assert code == 1  # hit@1 = 0.5 < 0.9
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["dataset"]["name"] == tmp_path.name
    assert summary["fail_under"]["violations"] == ["hit@1 = 0.5 < 0.9"]

"""report.html: one self-contained page (inline CSS and SVG, no scripts, no fonts or files fetched).

Everything that comes from data (questions, answers, passages, settings, tags) goes through html.escape.
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from collections.abc import Mapping, Sequence
from typing import Any

from eval.baseline import BaselineComparison
from eval.matching import NO_EQUIVALENTS, Equivalents, Evidence, hits_any
from eval.metrics import LOWER_IS_BETTER, metric_names
from eval.questions import EvalQuestion
from eval.svg import Series, bar_chart, histogram, line_chart

MAX_WORST = 50
PASSAGES_SHOWN = 5
SNIPPET_CHARS = 240

_CSS = """
body { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif; margin: 24px;
       color: #222; max-width: 1100px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #ccc; padding: 3px 8px;
  text-align: left; vertical-align: top; font-size: 13px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.better { color: #116329; } .worse { color: #b42318; } .muted { color: #777; }
.hit { background: #e6f4ea; } pre { white-space: pre-wrap; font-size: 12px; background: #f6f8fa; padding: 6px; }
details { margin: 8px 0; border: 1px solid #ddd; padding: 6px 10px; } summary { cursor: pointer; }
.fail { color: #b42318; font-weight: bold; }
"""


def _fmt(value: Any, metric: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.0f}" if metric.endswith("_ms") else f"{value:.3f}"
    return str(value)


def _delta_cell(metric: str, delta: float | None) -> str:
    if delta is None:
        return '<td class="num muted">–</td>'
    if abs(delta) < 1e-12:
        return '<td class="num muted">±0</td>'
    better = (delta < 0) if metric in LOWER_IS_BETTER else (delta > 0)
    text = f"{delta:+.0f}" if metric.endswith("_ms") else f"{delta:+.3f}"
    return f'<td class="num {"better" if better else "worse"}">{escape(text)}</td>'


def _summary_table(summary: Mapping[str, Any], baseline: BaselineComparison | None) -> str:
    overall, k = summary.get("overall") or {}, int(summary.get("k", 10))
    head = "<tr><th>metric</th><th>value</th>" + ("<th>baseline</th><th>Δ</th>" if baseline else "") + "</tr>"
    rows = []
    for name in metric_names(k):
        if name not in overall:
            continue
        cells = f"<td>{escape(name)}</td><td class=\"num\">{_fmt(overall[name], name)}</td>"
        if baseline:
            delta = baseline.deltas.get(name)
            before = (baseline.summary.get("overall") or {}).get(name)
            cells += f'<td class="num">{_fmt(before, name)}</td>' + _delta_cell(name, delta["delta"] if delta else None)
        rows.append(f"<tr>{cells}</tr>")
    counts = ", ".join(f"{key[2:]}: {overall[key]}" for key in overall if key.startswith("n_"))
    return f"<table>{head}{''.join(rows)}</table><p class=\"muted\">{escape(counts)}</p>"


def _meta(summary: Mapping[str, Any]) -> str:
    dataset = summary.get("dataset") or {}
    items = [("dataset", dataset.get("name")), ("dataset hash", dataset.get("hash")),
             ("questions file", dataset.get("questions_path")), ("app commit", summary.get("app_commit")),
             ("timestamp", summary.get("timestamp")), ("k", summary.get("k")),
             ("questions", summary.get("question_count"))]
    rows = "".join(f"<tr><th>{escape(key)}</th><td>{escape(_fmt(value))}</td></tr>" for key, value in items)
    settings = json.dumps(summary.get("settings") or {}, ensure_ascii=False, indent=1, default=str)
    gates = summary.get("fail_under") or {}
    gate_html = "".join(f'<p class="fail">FAIL {escape(v)}</p>' for v in gates.get("violations", []))
    return (f"<table>{rows}</table>{gate_html}"
            f"<details><summary>settings</summary><pre>{escape(settings)}</pre></details>")


def _hit_curve(summary: Mapping[str, Any], baseline: BaselineComparison | None) -> str:
    curve = (summary.get("overall") or {}).get("hit_curve") or []
    series = [Series("current", curve)]
    if baseline and (baseline.summary.get("overall") or {}).get("hit_curve"):
        series.append(Series("baseline", baseline.summary["overall"]["hit_curve"][: len(curve)], dashed=True))
    return line_chart(series, [str(k) for k in range(1, len(curve) + 1)], title="hit@k for k = 1..K",
                      x_title="k (passages looked at)")


def _tag_bars(summary: Mapping[str, Any], hit_metric: str) -> str:
    per_tag = summary.get("per_tag") or {}
    if not per_tag:
        return '<p class="muted">no tags</p>'
    items = [(tag, values.get(hit_metric), f"n={values.get('n_with_gold_sources', 0)}")
             for tag, values in sorted(per_tag.items())]
    return bar_chart(items, title=f"{hit_metric} per tag")


def _abstention_matrix(summary: Mapping[str, Any]) -> str:
    m = (summary.get("overall") or {}).get("abstention_matrix") or {}
    return ("<table><tr><th></th><th>gold: unanswerable</th><th>gold: answerable</th></tr>"
            f"<tr><th>system abstained</th><td class=\"num hit\">{m.get('abstained_unanswerable', 0)}</td>"
            f"<td class=\"num\">{m.get('abstained_answerable', 0)}</td></tr>"
            f"<tr><th>system answered</th><td class=\"num\">{m.get('answered_unanswerable', 0)}</td>"
            f"<td class=\"num hit\">{m.get('answered_answerable', 0)}</td></tr></table>")


def _flips(baseline: BaselineComparison) -> str:
    if not baseline.flips:
        return "<p>No question changed outcome.</p>"
    rows = "".join(
        f"<tr><td>{escape(f.id)}</td><td>{escape(f.question)}</td><td>{escape(f.kind)}</td>"
        f"<td>{escape(str(f.before))} → {escape(str(f.after))}</td>"
        f"<td class=\"{'better' if f.improved else 'worse'}\">{'improved' if f.improved else 'regressed'}</td></tr>"
        for f in baseline.flips)
    return f"<table><tr><th>id</th><th>question</th><th>outcome</th><th>change</th><th></th></tr>{rows}</table>"


def _clip(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _worst(rows: Sequence[Mapping[str, Any]], questions: Mapping[str, EvalQuestion], k: int,
           equivalents: Equivalents) -> str:
    def problem(row: Mapping[str, Any]) -> str | None:
        metrics = row.get("metrics") or {}
        if row.get("error"):
            return "error"
        if metrics.get("abstention_correct") is False:
            return "wrong abstention" if row.get("abstained") else "answered an unanswerable question"
        if metrics.get(f"hit@{k}") == 0:
            return f"missed at {k}"
        return None

    flagged = [(p, row) for row in rows if (p := problem(row))]
    order = {"error": 0, "wrong abstention": 1, "answered an unanswerable question": 2}
    flagged.sort(key=lambda item: (order.get(item[0], 3), (item[1].get("metrics") or {}).get("answer_f1") or 0))
    if not flagged:
        return "<p>No missed or wrongly abstained questions.</p>"
    blocks = [_worst_block(p, row, questions.get(str(row["id"])), equivalents) for p, row in flagged[:MAX_WORST]]
    more = f'<p class="muted">{len(flagged) - MAX_WORST} more not shown.</p>' if len(flagged) > MAX_WORST else ""
    return "".join(blocks) + more


def _worst_block(problem: str, row: Mapping[str, Any], question: EvalQuestion | None,
                 equivalents: Equivalents) -> str:
    sources = question.sources if question else ()
    gold = "".join(f"<li>{escape(s.label())}</li>" for s in sources) or "<li class=\"muted\">none</li>"
    passages = []
    for rank, p in enumerate((row.get("passages") or [])[:PASSAGES_SHOWN], start=1):
        hit = hits_any(Evidence.from_passage(p), sources, equivalents)
        where = " ".join(str(x) for x in (p.get("article"), f"p.{p['page']}" if p.get("page") else None) if x)
        passages.append(f"<tr class=\"{'hit' if hit else ''}\"><td class=\"num\">{rank}</td>"
                        f"<td>{escape(p.get('doc') or '')}</td><td>{escape(where)}</td>"
                        f"<td class=\"num\">{_fmt(p.get('score'))}</td>"
                        f"<td>{escape(_clip(p.get('text') or ''))}</td></tr>")
    table = ("<table><tr><th>#</th><th>doc</th><th>article/page</th><th>score</th><th>text</th></tr>"
             + "".join(passages) + "</table>") if passages else '<p class="muted">no passages</p>'
    error = f"<p class=\"fail\">{escape(str(row['error']))}</p>" if row.get("error") else ""
    return (f"<details><summary><b>{escape(str(row['id']))}</b> — {escape(problem)} — "
            f"{escape(_clip(row.get('question') or '', 120))}</summary>{error}"
            f"<p><b>gold answer:</b> {escape(question.answer if question else '')}</p>"
            f"<p><b>system answer:</b> {escape(_clip(row.get('answer') or '', 600))}</p>"
            f"<p><b>gold sources:</b></p><ul>{gold}</ul><p><b>top passages</b> (green = hits a gold source):</p>"
            f"{table}</details>")


def render_report(summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                  questions: Sequence[EvalQuestion], *, baseline: BaselineComparison | None = None,
                  equivalents: Equivalents = NO_EQUIVALENTS) -> str:
    k = int(summary.get("k", 10))
    hit_metric = "hit@5" if k >= 5 else f"hit@{k}"
    latencies = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
    name = (summary.get("dataset") or {}).get("name") or "evaluation"
    sections = [
        f"<h1>Evaluation report — {escape(str(name))}</h1>", _meta(summary),
        "<h2>Summary</h2>", _summary_table(summary, baseline),
        "<h2>hit@k</h2>", _hit_curve(summary, baseline),
        f"<h2>{escape(hit_metric)} per tag</h2>", _tag_bars(summary, hit_metric),
        "<h2>Latency</h2>", histogram(latencies, title="latency histogram"),
        "<h2>Abstention</h2>", _abstention_matrix(summary),
    ]
    if baseline:
        sections += [f"<h2>Flipped questions (vs {escape(baseline.directory)})</h2>", _flips(baseline)]
    by_id = {q.id: q for q in questions}
    sections += [f"<h2>Worst questions (missed at {k} or wrong abstention)</h2>", _worst(rows, by_id, k, equivalents)]
    return ('<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
            f"<title>{escape(f'Evaluation report — {name}')}</title><style>{_CSS}</style></head>"
            f"<body>{''.join(sections)}</body></html>\n")


def write_report(path: Path, summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                 questions: Sequence[EvalQuestion], *, baseline: BaselineComparison | None = None,
                 equivalents: Equivalents = NO_EQUIVALENTS) -> None:
    Path(path).write_text(render_report(summary, rows, questions, baseline=baseline, equivalents=equivalents),
                          encoding="utf-8")

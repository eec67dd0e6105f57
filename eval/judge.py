"""Optional LLM-as-judge scores (1-5): groundedness and relevance.

`judge` is any callable prompt -> reply text, so the eval package does not depend on an LLM SDK; the app
wires in its own client. Prompts live in prompts/judge_*.txt with {question}, {answer}, {sources}.
Abstentions are judged too (the prompts say how to score "not covered"); questions whose ask() failed are not.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eval.metrics import JUDGE_METRICS

Judge = Callable[[str], str]

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
MAX_SOURCE_CHARS = 1200  # per source: enough for an article, keeps the prompt small
MAX_UNCITED_PASSAGES = 3

log = logging.getLogger("eval.judge")

_RANGE = re.compile(r"(?<!\d)1\s*(?:-|–|~|〜|to|から)\s*5(?!\d)", re.IGNORECASE)
_EXPLICIT = re.compile(
    r"(?:score|rating|grade|評価|スコア|点数)\s*(?:is|[:：=]|は)?\s*\**\s*([1-5])(?!\d)"
    r"|(?<!\d)([1-5])\s*(?:/\s*5|out of 5|点)", re.IGNORECASE)
_STANDALONE = re.compile(r"(?<![\d.])([1-5])(?![\d.]?\d)")


def load_prompt(metric: str, prompts_dir: Path = PROMPTS_DIR) -> str:
    return (prompts_dir / f"judge_{metric}.txt").read_text(encoding="utf-8")


def render_prompt(template: str, *, question: str, answer: str, sources: str) -> str:
    # str.replace, not str.format: prompt text and legal text may contain braces of their own.
    return template.replace("{question}", question).replace("{answer}", answer).replace("{sources}", sources)


def parse_score(reply: str) -> int | None:
    """The 1-5 score in a judge reply: "4", "**4**", "Score: 4", "４点", "...so I rate it 4/5"."""
    text = _RANGE.sub(" ", unicodedata.normalize("NFKC", reply or ""))
    bare = text.strip().strip("*`'\"。.").strip()
    if bare in {"1", "2", "3", "4", "5"}:
        return int(bare)
    explicit = [a or b for a, b in _EXPLICIT.findall(text)]
    if explicit:
        return int(explicit[-1])
    standalone = _STANDALONE.findall(text)
    return int(standalone[-1]) if standalone else None  # a reasoning judge concludes at the end


def _clip(text: str, limit: int = MAX_SOURCE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sources_text(citations: Sequence[Mapping[str, Any]], passages: Sequence[Mapping[str, Any]]) -> str:
    """The cited passages' full text (the quote alone is too short to check a claim); top passages if none."""
    blocks = []
    for citation in citations:
        passage = next((p for p in passages if (p.get("doc"), p.get("article"), p.get("page"))
                        == (citation.get("doc"), citation.get("article"), citation.get("page"))), None)
        where = " ".join(str(part) for part in (citation.get("title") or citation.get("doc"),
                                                 citation.get("article"),
                                                 f"p.{citation['page']}" if citation.get("page") else None) if part)
        body = passage.get("text") if passage else citation.get("quote")
        blocks.append(f"[{citation.get('position')}] {where}\n{_clip(body or '')}")
    if not blocks:
        for rank, passage in enumerate(passages[:MAX_UNCITED_PASSAGES], start=1):
            where = " ".join(str(p) for p in (passage.get("title") or passage.get("doc"), passage.get("article")) if p)
            blocks.append(f"[{rank}] {where}\n{_clip(passage.get('text') or '')}")
    return "\n\n".join(blocks) or "(no sources)"


def judge_answer(judge: Judge, question: str, response: Mapping[str, Any],
                 templates: Mapping[str, str] | None = None) -> dict[str, int | None]:
    """{"groundedness": 1-5 | None, "relevance": 1-5 | None}; None when the judge fails or is unparsable."""
    templates = templates or {metric: load_prompt(metric) for metric in JUDGE_METRICS}
    sources = sources_text(response.get("citations") or [], response.get("passages") or [])
    scores: dict[str, int | None] = {}
    for metric in JUDGE_METRICS:
        prompt = render_prompt(templates[metric], question=question, answer=response.get("answer") or "",
                               sources=sources)
        try:
            reply = judge(prompt)
        except Exception as exc:  # one failed judge call must not lose the whole evaluation run
            log.warning("judge call failed for %s: %s", metric, exc)
            scores[metric] = None
            continue
        scores[metric] = parse_score(reply)
        if scores[metric] is None:
            log.warning("unparsable %s judge reply: %r", metric, reply[:200])
    return scores

"""The JSON contract of `app.py ask --json` (also read by the evaluation runner)."""
from __future__ import annotations

from typing import Any

from retrieval.models import Answer


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    return {
        "answer": answer.text,
        "abstained": answer.abstained,
        "notice": answer.notice,  # why a model's answer was replaced by quotes, if it was
        "follow_ups": list(answer.follow_ups),
        "citations": [
            {
                "position": c.position,
                "doc": c.passage.doc,
                "title": c.passage.title,
                "article": c.passage.article,
                "page": c.passage.page,
                "url": c.passage.url,
                "quote": c.quote,
            }
            for c in answer.citations
        ],
        "passages": [
            {
                "doc": s.passage.doc,
                "title": s.passage.title,
                "article": s.passage.article,
                "page": s.passage.page,
                "text": s.passage.text,
                "score": round(float(s.score), 6),
            }
            for s in answer.passages
        ],
    }

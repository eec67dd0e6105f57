"""👎 feedback -> question cases in the shared dataset format (../shared/datasets/FORMAT.md), so a
complaint from staff becomes a regression case once an evaluator fills in the truth.

What the bot said is kept beside the case (`bot_*` fields) for the evaluator; `answer`,
`answerable` and `sources` are left for the evaluator to complete (`answerable` is null until then,
and the `needs-review` tag says so).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from collections.abc import Iterable
from typing import Any


def dislike_cases(records: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The cases for every 👎 that is tied to a question; also how many 👎 had no question."""
    cases, orphans, seen = [], 0, set()
    for record in records:
        if record.get("reaction") != "dislike":
            continue
        question = record.get("question")
        if not question:
            orphans += 1  # the answer it judged is unknown (expired or never recorded)
            continue
        digest = hashlib.sha256(f"{record.get('time')}|{record.get('reply_to')}|{question}".encode()).hexdigest()
        case_id = f"feedback-{digest[:12]}"
        if case_id in seen:
            continue
        seen.add(case_id)
        cases.append({
            "id": case_id,
            "question": question,
            "answer": "",
            "answerable": None,
            "lang": record.get("language") or "ja",
            "sources": [],
            "tags": ["feedback", "dislike", "needs-review"],
            "bot_answer": record.get("answer"),
            "bot_abstained": record.get("abstained"),
            "bot_citations": record.get("citations", []),
            "bot_passage_ids": record.get("passage_ids", []),
            "feedback_text": record.get("text"),
            "feedback_time": record.get("time"),
            "conversation_type": record.get("conversation_type"),
        })
    return cases, orphans


def write_jsonl(cases: list[dict[str, Any]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for case in cases:
            handle.write(json.dumps(case, ensure_ascii=False) + "\n")

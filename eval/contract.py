"""The `app.py ask --json` contract as the evaluation reads it (see retrieval/serialize.py)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CITATION_FIELDS = ("position", "doc", "title", "article", "page", "url", "quote")
PASSAGE_FIELDS = ("doc", "title", "article", "page", "text", "score")


class ContractError(TypeError):
    """ask() returned something that is not the ask --json object."""


def normalize_response(raw: Any, *, k: int | None = None) -> dict[str, Any]:
    """Exactly the contract's fields (extra ones dropped, missing ones None), passages cut to the top k."""
    if not isinstance(raw, Mapping):
        raise ContractError(f"ask() must return a dict (the ask --json object), got {type(raw).__name__}")
    citations, passages = raw.get("citations") or [], raw.get("passages") or []
    if not isinstance(citations, list) or not isinstance(passages, list) \
            or not all(isinstance(item, Mapping) for item in (*citations, *passages)):
        raise ContractError("ask() 'citations' and 'passages' must be lists of objects")
    if k is not None:
        passages = passages[:k]
    return {
        "answer": str(raw.get("answer") or ""),
        "abstained": bool(raw.get("abstained")),
        "citations": [{name: item.get(name) for name in CITATION_FIELDS} for item in citations],
        "passages": [{name: item.get(name) for name in PASSAGE_FIELDS} for item in passages],
    }

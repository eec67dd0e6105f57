"""Evaluation questions: the FORMAT.md JSONL format, plus azure-search-openai-demo `{question, truth}` lines.

Every line is validated on load; a bad line raises QuestionFormatError naming the file and line number,
so a broken dataset fails before any (slow) question is asked.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Kana, CJK ideographs (incl. extension A) and the iteration mark: enough to tell Japanese from English.
_JAPANESE_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u3005\uff66-\uff9f]")

# azure-search-openai-demo ground truth cites as [file.pdf#page=3] or [file.md]
_TRUTH_CITATION = re.compile(r"\[([^\[\]#]+?\.[A-Za-z0-9]{1,5})(?:#page=(\d+))?\]")


class QuestionFormatError(ValueError):
    """A questions file line is not valid; the message names the file and line."""


@dataclass(frozen=True)
class GoldSource:
    doc: str
    article: str | None = None
    paragraph: str | None = None
    page: int | None = None
    quote: str | None = None
    title: str | None = None

    def label(self) -> str:
        """Short human-readable form for reports: doc 第N条 p.3 「quote」."""
        parts = [self.doc]
        if self.article:
            parts.append(self.article + (self.paragraph or ""))
        if self.page is not None:
            parts.append(f"p.{self.page}")
        if self.quote:
            parts.append(f"「{self.quote}」")
        return " ".join(parts)


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answer: str
    answerable: bool
    lang: str
    sources: tuple[GoldSource, ...] = ()
    tags: tuple[str, ...] = ()
    line_number: int = 0
    # Security evaluation (optional): who asks, and which documents that user must never be shown.
    user: str | None = None
    groups: tuple[str, ...] | None = None
    forbidden_docs: tuple[str, ...] = ()
    # Dataset-specific fields (choices, correct_choice, ...) kept for reports; never used for scoring.
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def ask_text(self) -> str:
        """What a user would send: a multiple-choice question comes with its choices pasted below
        it (lawqa-jp's "次のうち、正しいものを教えてください。" means nothing without them)."""
        choices = self.extra.get("choices")
        if isinstance(choices, list):
            choices = "\n".join(str(c) for c in choices)
        return f"{self.question}\n{choices}" if isinstance(choices, str) and choices.strip() else self.question

    def ask_context(self) -> dict[str, Any]:
        """Keyword arguments for ask(): only what the line carries, so plain ask(question) still works."""
        context: dict[str, Any] = {}
        if self.user is not None:
            context["user"] = self.user
        if self.groups is not None:
            context["groups"] = list(self.groups)
        return context


def guess_lang(text: str) -> str:
    return "ja" if _JAPANESE_CHAR.search(text) else "en"


def parse_truth_citations(truth: str) -> tuple[GoldSource, ...]:
    """[employee_handbook.pdf#page=3] -> GoldSource(doc="employee_handbook.pdf", page=3); duplicates dropped."""
    sources: list[GoldSource] = []
    for match in _TRUTH_CITATION.finditer(truth):
        page = int(match.group(2)) if match.group(2) else None
        source = GoldSource(doc=match.group(1).strip(), page=page)
        if source not in sources:
            sources.append(source)
    return tuple(sources)


def strip_truth_citations(truth: str) -> str:
    return re.sub(r"\s{2,}", " ", _TRUTH_CITATION.sub("", truth)).strip()


def load_questions(path: Path) -> list[EvalQuestion]:
    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    with Path(path).open(encoding="utf-8-sig") as handle:  # -sig: tolerate a BOM from Windows editors
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            question = parse_question_line(line, line_number, where=str(path))
            if question.id in seen:
                raise QuestionFormatError(
                    f"{path}:{line_number}: duplicate id {question.id!r} (first on line {seen[question.id]})")
            seen[question.id] = line_number
            questions.append(question)
    if not questions:
        raise QuestionFormatError(f"{path}: no questions found")
    return questions


def parse_question_line(line: str, line_number: int, *, where: str = "<questions>") -> EvalQuestion:
    def fail(message: str) -> QuestionFormatError:
        return QuestionFormatError(f"{where}:{line_number}: {message}")

    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise fail(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise fail("expected a JSON object")
    try:
        if "truth" in data and "answerable" not in data and "sources" not in data:
            return _from_azure_demo(data, line_number)
        return _from_format_md(data, line_number)
    except (TypeError, ValueError) as exc:
        raise fail(str(exc)) from None


def _from_azure_demo(data: dict[str, Any], line_number: int) -> EvalQuestion:
    question = _required_text(data, "question")
    truth = _string(data, "truth")
    return EvalQuestion(id=str(line_number), question=question, answer=strip_truth_citations(truth),
                        answerable=True, lang=guess_lang(question), sources=parse_truth_citations(truth),
                        line_number=line_number)


_KNOWN_FIELDS = {"id", "question", "answer", "answerable", "lang", "sources", "tags",
                 "user", "groups", "forbidden_docs"}


def _from_format_md(data: dict[str, Any], line_number: int) -> EvalQuestion:
    if "id" not in data or not isinstance(data["id"], (str, int)) or isinstance(data["id"], bool):
        raise ValueError("'id' is required (string)")
    question = _required_text(data, "question")
    answerable = data.get("answerable")
    if not isinstance(answerable, bool):
        raise ValueError("'answerable' is required (true/false)")
    lang = data.get("lang") or guess_lang(question)
    if lang not in ("ja", "en"):
        raise ValueError(f"'lang' must be \"ja\" or \"en\", got {lang!r}")
    sources = data.get("sources") or []
    if not isinstance(sources, list):
        raise ValueError("'sources' must be a list")
    groups = data.get("groups")
    if groups is not None and not _is_string_list(groups):
        raise ValueError("'groups' must be a list of strings")
    user = data.get("user")
    if user is not None and not isinstance(user, str):
        raise ValueError("'user' must be a string")
    return EvalQuestion(
        id=str(data["id"]), question=question, answer=_string(data, "answer"), answerable=answerable,
        lang=lang, sources=tuple(_source(item, index) for index, item in enumerate(sources)),
        tags=_string_list(data, "tags"), line_number=line_number, user=user,
        groups=tuple(groups) if groups is not None else None,
        forbidden_docs=_string_list(data, "forbidden_docs"),
        extra={key: value for key, value in data.items() if key not in _KNOWN_FIELDS},
    )


def _source(item: Any, index: int) -> GoldSource:
    where = f"sources[{index}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be an object")
    doc = item.get("doc")
    if not isinstance(doc, str) or not doc.strip():
        raise ValueError(f"{where}.doc is required (path relative to corpus/)")
    page = item.get("page")
    if page is not None and (not isinstance(page, int) or isinstance(page, bool) or page < 1):
        raise ValueError(f"{where}.page must be a 1-based integer or null")
    for key in ("article", "paragraph", "quote", "title"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise ValueError(f"{where}.{key} must be a string or null")
    return GoldSource(doc=doc, article=item.get("article") or None, paragraph=item.get("paragraph") or None,
                      page=page, quote=item.get("quote") or None, title=item.get("title") or None)


def _required_text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"'{key}' is required (non-empty string)")
    return value


def _string(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"'{key}' must be a string")
    return value


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _string_list(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not _is_string_list(value):
        raise ValueError(f"'{key}' must be a list of strings")
    return tuple(value)

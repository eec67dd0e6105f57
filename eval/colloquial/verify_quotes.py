"""Check the colloquial set's gold against the corpus itself, without any retrieval code.

For every answerable question and every gold source: the document exists, the `quote` is a substring of
the document's text after whitespace is collapsed (tags stripped for XML/HTML; for the PDF, the text of
the gold `page`), and the `article` string occurs in the document. Unanswerable questions must carry no
sources. Stdlib + pypdf only, so the check cannot share a bug with the product's own parsers.

    .venv/bin/python eval/colloquial/verify_quotes.py [--corpus ../shared/datasets/ja-regulations/corpus]
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parents[1] / ".." / "shared" / "datasets" / "ja-regulations" / "corpus"
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[\s\u3000]+")


def collapse(text: str) -> str:
    """Remove all whitespace (incl. ideographic space): Japanese text has no meaningful spaces, and
    extraction (PDF line breaks, XML indentation) inserts them in arbitrary places."""
    return _SPACE.sub("", text)


def strip_markup(raw: str) -> str:
    raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
    return html.unescape(_TAG.sub("", raw))


@cache
def pdf_pages(path: Path) -> tuple[str, ...]:
    from pypdf import PdfReader
    return tuple(page.extract_text() or "" for page in PdfReader(str(path)).pages)


@cache
def document_text(path: Path) -> str:
    if path.suffix.lower() == ".pdf":
        return "\n".join(pdf_pages(path))
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in (".xml", ".html", ".htm"):
        return strip_markup(raw)
    return raw


def check_source(corpus: Path, source: dict) -> list[str]:
    problems: list[str] = []
    path = corpus / source["doc"]
    if not path.is_file():
        return [f"document not found: {source['doc']}"]
    whole = collapse(document_text(path))
    page = source.get("page")
    if path.suffix.lower() == ".pdf":
        pages = pdf_pages(path)
        if not isinstance(page, int) or not 1 <= page <= len(pages):
            return [f"PDF gold needs a page in 1..{len(pages)}, got {page!r}"]
        scope = collapse(pages[page - 1])
    else:
        if page is not None:
            problems.append(f"page {page!r} given for a non-PDF document")
        scope = whole
    quote = source.get("quote")
    if not quote:
        problems.append("no quote")
    elif collapse(quote) not in scope:
        where = f"page {page} of " if page else ""
        problems.append(f"quote not in {where}document: 「{quote}」")
    article = source.get("article")
    if article and collapse(article) not in whole:
        problems.append(f"article {article!r} does not occur in the document")
    return problems


def problems_by_question(corpus: Path, items: list[dict]) -> dict[str, list[str]]:
    """Each question's gold-source problems (`check_source`), for the questions that have any."""
    found: dict[str, list[str]] = {}
    for item in items:
        for source in item.get("sources") or []:
            found.setdefault(item["id"], []).extend(check_source(corpus, source))
    return {question: problems for question, problems in found.items() if problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    failures = checked = 0
    for line_number, line in enumerate(args.questions.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        sources = item.get("sources") or []
        problems: list[str] = []
        if item["answerable"] and not sources:
            problems.append("answerable but no sources")
        if not item["answerable"] and sources:
            problems.append("unanswerable but has sources")
        for source in sources:
            checked += 1
            problems += check_source(corpus, source)
        for problem in problems:
            failures += 1
            print(f"{item['id']} (line {line_number}): {problem}")
    print(f"{checked} gold sources checked, {failures} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""List the corpus's frequent statutory nouns that the English glossary does not yet map to.

Where the newer entries of `retrieval/data/glossary_en.yaml` come from: English keys were written
for terms picked from this list (the corpus's own vocabulary), blind to any question, so the
glossary grows with what the regulations talk about rather than with what one test set asked.

    .venv/bin/python bench/glossary_candidates.py [--corpus ../shared/datasets/ja-regulations/corpus] [--top 400]

The corpus is read through the product's own index and analyzer (the index is brought up to date
first, as `app.py index` would). A candidate is a Sudachi noun of two or more characters, or a
run of adjacent nouns (a compound such as 年次有給休暇) as the analyzer's tokenizer splits the
passage text, written as the corpus writes it. Candidates are ranked by the number of distinct
documents using them, then by the number of passages, and those already a value in the glossary
are left out.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import default_eval_index, run_index  # noqa: E402
from retrieval.query import DATA_DIR  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "datasets" / "ja-regulations" / "corpus"
MAX_COMPOUND_MORPHEMES = 4
MAX_TERM_CHARS = 12
# Numbers, article numbering and symbols make no vocabulary: 第三十八条, 二項, （）, ｢
_NOT_A_WORD = re.compile(r"^[0-9０-９一二三四五六七八九十百千〇第条項号・.\-ー（）()]+$|[0-9０-９]")


def glossary_values() -> set[str]:
    return vocabulary_values("glossary_en.yaml")


def candidate_terms(tokenizer, text: str) -> set[str]:
    """Nouns of >= 2 characters and runs of 2..MAX_COMPOUND_MORPHEMES adjacent nouns."""
    found: set[str] = set()
    run: list[str] = []

    def close_run() -> None:
        if 2 <= len(run) <= MAX_COMPOUND_MORPHEMES:
            found.add("".join(run))
        run.clear()

    for morpheme in tokenizer.tokenize(text):
        pos = morpheme.part_of_speech()
        surface = morpheme.surface()
        if pos[0] == "名詞" and pos[1] != "数詞" and not surface.isspace():
            run.append(surface)
            if len(surface) >= 2:
                found.add(surface)
        else:
            close_run()
    close_run()
    return {t for t in found if len(t) <= MAX_TERM_CHARS and not _NOT_A_WORD.search(t)}


def document_frequencies(corpus: Path, terms_of) -> tuple[dict[str, set[str]], Counter[str]]:
    """For each term `terms_of(tokenizer, text)` finds in the corpus's passages: the documents using
    it and the number of passages. The corpus is indexed first, as `app.py index` would."""
    services = build_services(load_settings(), index_path=default_eval_index(corpus))
    run_index(services, corpus, out=sys.stderr)
    tokenizer = services.analyzer._tokenizer()  # the very Sudachi tokenizer the index was built with
    documents: dict[str, set[str]] = defaultdict(set)
    passages: Counter[str] = Counter()
    for passage, _terms in services.index.iter_analysed_passages():
        # Sudachi refuses very long inputs; passages are articles, but chunk to be safe.
        text = passage.text
        terms: set[str] = set()
        for start in range(0, len(text), 4000):
            terms |= terms_of(tokenizer, text[start:start + 4000])
        for term in terms:
            documents[term].add(passage.doc)
        passages.update(terms)
    return documents, passages


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--top", type=int, default=400)
    args = parser.parse_args()
    documents, passages = document_frequencies(args.corpus, candidate_terms)
    print_ranked(documents, passages, glossary_values(), args.top, "glossary")
    return 0


def vocabulary_values(name: str) -> set[str]:
    """Every value of a retrieval/data mapping (a value is one word or a list of words)."""
    data = yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")) or {}
    values: set[str] = set()
    for value in data.values():
        values.update([value] if isinstance(value, str) else value)
    return values


def print_ranked(documents: dict[str, set[str]], passages: Counter[str], known: set[str], top: int,
                 vocabulary: str) -> None:
    """The terms not in `known`, most documents first, then most passages."""
    ranked = sorted((t for t in passages if t not in known),
                    key=lambda t: (-len(documents[t]), -passages[t], t))
    total_docs = len({d for ds in documents.values() for d in ds})
    print(f"{len(passages)} candidate terms in {total_docs} documents; {len(known)} {vocabulary} values left out")
    print("docs\tpassages\tterm")
    for term in ranked[:top]:
        print(f"{len(documents[term])}\t{passages[term]}\t{term}")


if __name__ == "__main__":
    sys.exit(main())

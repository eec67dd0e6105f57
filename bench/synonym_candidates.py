"""List the corpus's frequent statutory nouns that the colloquial synonym list does not yet reach.

Where the corpus-chosen entries of `retrieval/data/synonyms.yaml` come from: everyday keys were
written for statutory terms picked from this list (the regulations' own vocabulary), blind to any
question, so the synonym list grows with what the regulations talk about rather than with what one
test set asked.

    .venv/bin/python bench/synonym_candidates.py [--corpus ../shared/datasets/ja-regulations/corpus] [--top 600]

Candidates are found and ranked exactly as in `bench/glossary_candidates.py` (Sudachi nouns of two
or more characters and runs of adjacent nouns, by number of documents, then passages); the terms
already a value in the synonym list are left out instead of the glossary's.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glossary_candidates import DEFAULT_CORPUS, candidate_terms  # noqa: E402

from app import default_eval_index, run_index  # noqa: E402
from retrieval.query import DATA_DIR  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402


def synonym_values() -> set[str]:
    data = yaml.safe_load((DATA_DIR / "synonyms.yaml").read_text(encoding="utf-8"))
    values: set[str] = set()
    for value in data.values():
        values.update([value] if isinstance(value, str) else value)
    return values


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--top", type=int, default=600)
    args = parser.parse_args()
    services = build_services(load_settings(), index_path=default_eval_index(args.corpus))
    run_index(services, args.corpus, out=sys.stderr)
    tokenizer = services.analyzer._tokenizer()  # the very Sudachi tokenizer the index was built with
    documents: dict[str, set[str]] = defaultdict(set)
    passages: Counter[str] = Counter()
    for passage, _terms in services.index.iter_analysed_passages():
        text = passage.text
        terms: set[str] = set()
        for start in range(0, len(text), 4000):  # Sudachi refuses very long inputs
            terms |= candidate_terms(tokenizer, text[start:start + 4000])
        for term in terms:
            documents[term].add(passage.doc)
        passages.update(terms)
    known = synonym_values()
    ranked = sorted((t for t in passages if t not in known),
                    key=lambda t: (-len(documents[t]), -passages[t], t))
    total_docs = len({d for ds in documents.values() for d in ds})
    print(f"{len(passages)} candidate terms in {total_docs} documents; {len(known)} synonym values left out")
    print("docs\tpassages\tterm")
    for term in ranked[:args.top]:
        print(f"{len(documents[term])}\t{passages[term]}\t{term}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

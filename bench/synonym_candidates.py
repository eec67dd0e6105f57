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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glossary_candidates import (  # noqa: E402
    DEFAULT_CORPUS, candidate_terms, document_frequencies, print_ranked, vocabulary_values,
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--top", type=int, default=600)
    args = parser.parse_args()
    documents, passages = document_frequencies(args.corpus, candidate_terms)
    print_ranked(documents, passages, vocabulary_values("synonyms.yaml"), args.top, "synonym")
    return 0


if __name__ == "__main__":
    sys.exit(main())

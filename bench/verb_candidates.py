"""List the corpus's frequent actions: サ変 nouns (提出, 保管, 通知) and verbs (定める, 与える).

The English dictionary translates noun senses only, so an English verb ("hand in", "designated",
"keep records") finds no Japanese unless the glossary maps it. 149 verb keys were written for
actions picked from this list, blind to any question, and then NOT kept: on the English check set
they moved hit@5 .90 -> .80 and MRR .80 -> .67 (correct but common translations such as injure ->
負傷 pull in the many articles using the word), gaining one answered question on blind4 and
nothing elsewhere. The list stays as the starting point for a more selective attempt.

    .venv/bin/python bench/verb_candidates.py [--corpus ../shared/datasets/ja-regulations/corpus] [--top 300]

Prints two lists ranked by the number of distinct documents using the word, then by passages:
nouns Sudachi tags 名詞,普通名詞,サ変可能 (two or more characters, as the corpus writes them) and
verbs by their dictionary form. A "*" marks a word that is already a value in the glossary.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from glossary_candidates import DEFAULT_CORPUS, _NOT_A_WORD, document_frequencies, glossary_values

NOUN = "noun"
VERB = "verb"
# Verbs that carry grammar rather than an action a staff member asks about (する, ある, なる).
_GRAMMATICAL_VERBS = frozenset({"する", "為る", "ある", "有る", "なる", "成る", "いる", "居る", "できる", "出来る",
                                "られる", "れる", "せる", "させる", "おる", "いう", "言う", "よる", "因る"})


def action_terms(tokenizer, text: str) -> set[str]:
    """`noun:提出` for each サ変 noun, `verb:定める` for each verb's dictionary form."""
    found: set[str] = set()
    for morpheme in tokenizer.tokenize(text):
        pos = morpheme.part_of_speech()
        if pos[0] == "名詞" and pos[2] == "サ変可能":
            word = morpheme.surface()
            if len(word) >= 2 and not _NOT_A_WORD.search(word):
                found.add(f"{NOUN}:{word}")
        elif pos[0] == "動詞":
            word = morpheme.dictionary_form()
            if word not in _GRAMMATICAL_VERBS:
                found.add(f"{VERB}:{word}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--top", type=int, default=300)
    args = parser.parse_args()
    documents, passages = document_frequencies(args.corpus, action_terms)
    known = glossary_values()
    for kind in (NOUN, VERB):
        terms = [t for t in passages if t.startswith(kind + ":")]
        ranked = sorted(terms, key=lambda t: (-len(documents[t]), -passages[t], t))
        print(f"\n{len(terms)} {kind}s; top {args.top} ('*' = already a glossary value)")
        print("docs\tpassages\tin glossary\tword")
        for term in ranked[:args.top]:
            word = term.split(":", 1)[1]
            print(f"{len(documents[term])}\t{passages[term]}\t{'*' if word in known else ''}\t{word}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

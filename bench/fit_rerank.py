"""Fit the re-ranking weights (retrieval/rerank.py) on pseudo-questions made from the corpus itself.

    .venv/bin/python bench/fit_rerank.py [--corpus ../shared/datasets/ja-regulations/corpus] [--n 300]

No dev question is used. A pseudo-question is a few content nouns drawn from an article's first
sentence (three of at least four, so never the whole sentence; a caption word only when the sentence
itself uses it, as a question would), plus, when the sentence states a period,
a count or an amount, the matching question word (何日 / いつまで / いくら); its gold is that
article. Prints MRR@10 and hit@1 on the pseudo-questions for a small grid of weights, best last.
"""
from __future__ import annotations

import argparse
import itertools
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import default_eval_index  # noqa: E402
from retrieval.answer_types import AnswerType, states_value  # noqa: E402
from retrieval.extractive import split_sentences  # noqa: E402
from retrieval.models import Question  # noqa: E402
from retrieval.query import content_nouns  # noqa: E402
from retrieval.rerank import RerankWeights  # noqa: E402
from services import build_services  # noqa: E402
from settings import load_settings  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "datasets" / "ja-regulations" / "corpus"
_QUESTION_WORD = {AnswerType.AMOUNT: "はいくら？", AnswerType.QUANTITY: "は何日？", AnswerType.DEADLINE: "はいつまで？"}


def pseudo_questions(searcher, analyzer, n: int, seed: int = 7) -> list[tuple[str, tuple[str, str]]]:
    rng = random.Random(seed)
    passages = [p for p in searcher.matrix().passages if p.article and not p.supplementary and len(p.text) > 40]
    rng.shuffle(passages)
    out = []
    for p in passages:
        sentences = split_sentences(p.text)
        if not sentences:
            continue
        nouns = sorted(w for w in content_nouns(analyzer, sentences[0]) if len(w) >= 2)
        if len(nouns) < 4:
            continue
        query = " ".join(rng.sample(nouns, 3))
        for kind, word in _QUESTION_WORD.items():
            if states_value(kind, sentences[0]):
                query += word
                break
        out.append((query, (p.doc, p.article)))
        if len(out) >= n:
            break
    return out


def score(searcher, questions) -> tuple[float, float]:
    rr, h1 = 0.0, 0
    for text, gold in questions:
        ranked = searcher.rank(Question(text=text, language="ja"), 10)
        for rank, sp in enumerate(ranked, start=1):
            if (sp.passage.doc, sp.passage.article) == gold:
                rr += 1 / rank
                h1 += rank == 1
                break
    return rr / len(questions), h1 / len(questions)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    services = build_services(load_settings(), index_path=default_eval_index(args.corpus))
    searcher = services.pipeline.searcher
    questions = pseudo_questions(searcher, services.analyzer, args.n)
    print(f"{len(questions)} pseudo-questions, e.g. {questions[0][0]!r}")
    results = []
    for sentence, caption, value in itertools.product((0.0, 0.3, 0.6, 1.0), (0.0, 0.2, 0.4, 0.8), (0.0, 0.3)):
        searcher.rerank_weights = RerankWeights(sentence=sentence, caption=caption, answer_value=value)
        mrr, hit1 = score(searcher, questions)
        results.append((mrr, hit1, sentence, caption, value))
    for mrr, hit1, sentence, caption, value in sorted(results)[-8:]:
        print(f"sentence={sentence} caption={caption} answer_value={value}: MRR@10 {mrr:.3f} hit@1 {hit1:.3f}")
    none = next(r for r in results if r[2:] == (0.0, 0.0, 0.0))
    print(f"without re-ranking: MRR@10 {none[0]:.3f} hit@1 {none[1]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

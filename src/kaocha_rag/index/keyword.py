"""Chinese keyword index: BM25 (the ``bm25s`` library) over character bigrams (and, optionally, jieba words).

Bigrams need no dictionary and match any place name or number the user types
("周口中心港" → 周口 口中 中心 心港); jieba adds whole words. BENCHMARKS.md
compares them. We tokenise (bm25s's own tokenizer splits on spaces and knows no
Chinese) and hand bm25s the token ids; it builds the sparse score matrix and
scores queries. The index is rebuilt from the manifest (the single source of
truth) whenever the manifest generation changes, so it can never drift from the
vector store.
"""
from __future__ import annotations

import functools
import logging
import math
import re

import bm25s
import numpy as np

from ..ingest.clean import normalize
from ..settings import TOKENIZERS

# bm25s sets its logger to DEBUG on import, which prints "Building index from IDs" on every rebuild
logging.getLogger("bm25s").setLevel(logging.WARNING)

_KEEP = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+(?:\.[0-9]+)?")


@functools.lru_cache(maxsize=1)
def jieba_ready():
    """jieba with its dictionary loaded (about 1.5 s, once per process; one dictionary shared by
    the keyword index, the catalogue's place names and question understanding)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str, mode: str = "bigram") -> list[str]:
    if mode not in TOKENIZERS:
        raise ValueError(f"未知的分词方式 {mode!r}，可选：{', '.join(TOKENIZERS)}")
    t = normalize(text)
    out: list[str] = []
    if mode in ("bigram", "both"):
        for run in _KEEP.findall(t):
            if run[0] >= "\u3400":
                out.extend(run[i:i + 2] for i in range(len(run) - 1)) if len(run) > 1 else out.append(run)
            else:
                out.append(run)
    if mode in ("jieba", "both"):
        out.extend(w for w in jieba_ready().lcut_for_search(t) if _KEEP.fullmatch(w))
    return out


class BM25:
    """Okapi BM25, k1=1.2, b=0.75: term weight idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen)),
    idf = ln(1 + (N − df + 0.5)/(df + 0.5)) — bm25s's "atire" term weight with its "lucene" idf
    (never negative, so a term in every passage still counts a little)."""

    def __init__(self, docs: list[str], mode: str = "bigram", k1: float = 1.2, b: float = 0.75):
        self.mode, self.k1, self.b = mode, k1, b
        self.vocab: dict[str, int] = {}
        ids = [[self.vocab.setdefault(t, len(self.vocab)) for t in tokenize(d, mode)] for d in docs]
        self.n = len(docs)
        self._bm: bm25s.BM25 | None = None
        self.idf = np.zeros(len(self.vocab), dtype=np.float32)
        if not self.vocab:
            return
        self._bm = bm25s.BM25(k1=k1, b=b, method="atire", idf_method="lucene", dtype="float32")
        # our own ids and vocabulary (first occurrence order), so ``vocab`` maps a term to its column
        self._bm.index((ids, self.vocab), create_empty_token=False, show_progress=False)
        sc = self._bm.scores
        self._indptr, self._indices = sc["indptr"], sc["indices"]
        df = np.diff(self._indptr).astype(np.float64)  # one entry per (passage, term): column length = df
        self.idf = np.log(1 + (self.n - df + 0.5) / (df + 0.5)).astype(np.float32)

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(bm25 score, idf-weighted share of the query's terms present) for every passage.

        The share is in [0, 1] and comparable across queries: 1.0 means every
        query term occurs in the passage. It is the keyword half of the
        relevance score. A term repeated in the query counts once in the share and
        as often as it occurs in the BM25 sum.
        """
        if self.n == 0:
            return np.zeros(0), np.zeros(0)
        terms = tokenize(query, self.mode)
        ids = [self.vocab[t] for t in terms if t in self.vocab]
        if not ids or self._bm is None:
            return np.zeros(self.n), np.zeros(self.n)
        bm = self._bm.get_scores_from_ids(ids)
        # Distinct terms in first-occurrence order: sums run in the same order in every process
        # (iterating a set of str would follow the per-process hash seed).
        distinct = list(dict.fromkeys(terms))
        unseen = math.log(1 + self.n + 0.5)  # a term no passage holds still weighs in the denominator
        total_idf = sum(float(self.idf[self.vocab[t]]) if t in self.vocab else unseen for t in distinct)
        cols = np.array([self.vocab[t] for t in distinct if t in self.vocab], dtype=np.int64)
        starts, ends = self._indptr[cols], self._indptr[cols + 1]
        docs = np.concatenate([self._indices[s:e] for s, e in zip(starts, ends)])
        weights = np.repeat(self.idf[cols].astype(np.float64), ends - starts)
        cover = np.bincount(docs, weights=weights, minlength=self.n) / max(total_idf, 1e-9)
        return bm, cover

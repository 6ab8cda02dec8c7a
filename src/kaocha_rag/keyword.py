"""Chinese keyword index: BM25 over character bigrams (and, optionally, jieba words).

Bigrams need no dictionary and match any place name or number the user types
("周口中心港" → 周口 口中 中心 心港); jieba adds whole words. BENCHMARKS.md
compares them. The index is rebuilt from the manifest (the single source of
truth) whenever the manifest generation changes, so it can never drift from the
vector store.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter

import numpy as np
from scipy import sparse

from .clean import normalize

_KEEP = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+(?:\.[0-9]+)?")
TOKENIZERS = ("bigram", "jieba", "both")


@functools.lru_cache(maxsize=1)
def _jieba():
    import logging

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
        out.extend(w for w in _jieba().lcut_for_search(t) if _KEEP.fullmatch(w))
    return out


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75) on a sparse term matrix."""

    def __init__(self, docs: list[str], mode: str = "bigram", k1: float = 1.2, b: float = 0.75):
        self.mode, self.k1, self.b = mode, k1, b
        toks = [tokenize(d, mode) for d in docs]
        self.vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for r, tk in enumerate(toks):
            for term, tf in Counter(tk).items():
                c = self.vocab.setdefault(term, len(self.vocab))
                rows.append(r)
                cols.append(c)
                vals.append(tf)
        n = len(docs)
        self.n = n
        tf = sparse.csr_matrix((vals, (rows, cols)), shape=(n, max(1, len(self.vocab))), dtype=np.float32)
        dl = np.asarray([len(t) for t in toks], dtype=np.float32)
        avg = float(dl.mean()) if n else 1.0
        df = np.bincount(cols, minlength=tf.shape[1]).astype(np.float32)
        self.idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        # Precompute the BM25 weight of every (doc, term) so a query is one sparse dot.
        tf = tf.tocoo()
        denom = tf.data + k1 * (1 - b + b * dl[tf.row] / max(avg, 1e-9))
        w = self.idf[tf.col] * tf.data * (k1 + 1) / denom
        self.w = sparse.csc_matrix((w, (tf.row, tf.col)), shape=tf.shape)
        self.present = sparse.csc_matrix((np.ones_like(w), (tf.row, tf.col)), shape=tf.shape)

    def _query_vec(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(t for t in tokenize(query, self.mode) if t in self.vocab)
        cols = np.array([self.vocab[t] for t in counts], dtype=np.int64)
        qtf = np.array(list(counts.values()), dtype=np.float32)
        return cols, qtf

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(bm25 score, idf-weighted share of the query's terms present) for every passage.

        The share is in [0, 1] and comparable across queries: 1.0 means every
        query term occurs in the passage. It is the keyword half of the
        relevance score.
        """
        if self.n == 0:
            return np.zeros(0), np.zeros(0)
        all_terms = tokenize(query, self.mode)
        cols, qtf = self._query_vec(query)
        if len(cols) == 0:
            return np.zeros(self.n), np.zeros(self.n)
        bm = np.asarray(self.w[:, cols] @ qtf).ravel()
        total_idf = sum(self.idf[self.vocab[t]] if t in self.vocab else math.log(1 + self.n + 0.5)
                        for t in set(all_terms))
        idf = self.idf[cols]
        cover = np.asarray(self.present[:, cols] @ idf).ravel() / max(total_idf, 1e-9)
        return bm, cover

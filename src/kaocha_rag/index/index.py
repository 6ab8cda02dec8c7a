"""The index of the reports: what the service and the answer layer read, and the one entry point
for writing (``ingest``/``remove`` hand over to ``build.Builder``).

Collaborators (embedder, store) are optional keyword arguments that default from settings.
Reads: the manifest (SQLite, the single source of truth for what is live), the keyword index
(rebuilt from the manifest when its generation moves) and the dense vectors (``dense.DenseCache``).
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..settings import Settings
from .build import Builder, FileReport, Progress  # noqa: F401  (FileReport, Progress: the service's types)
from .dense import DenseCache
from .embed import Embedder, get_embedder
from .keyword import BM25
from .manifest import Manifest
from .passage import doc_leads, indexed_text
from .store import ChromaStore, VectorStore


class Index:
    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 store: VectorStore | None = None):
        self.settings = settings or Settings()
        self._embedder = embedder
        self._store = store
        self.manifest = Manifest(Path(self.settings.data_dir) / "manifest.sqlite")
        self.write_lock = threading.Lock()  # one writer per process; searches never wait for it
        self._kw_lock = threading.Lock()
        self._kw: tuple[str, BM25, list[dict]] | None = None
        self._doc_kw: tuple[str, BM25, np.ndarray] | None = None
        self._dense = DenseCache(self)

    # -- collaborators, loaded on first use -------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings)
        return self._embedder

    @property
    def store(self) -> VectorStore:
        if self._store is None:
            # Vectors made with and without the heading prefix must never mix: separate collections.
            plain = "" if self.settings.embed_headings else "-plain"
            self._store = ChromaStore(self.settings, f"{self.settings.collection}-{self.embedder.name}{plain}")
        return self._store

    def opened_store(self) -> VectorStore | None:
        """The store if it was opened already (releasing or reopening a closed one is pointless)."""
        return self._store

    def discard_store(self) -> None:
        """Drop a store whose writes failed; the next use opens a fresh client."""
        if self._store is not None:
            getattr(self._store, "discard", lambda: None)()
        self._store = None

    def indexed_text(self, title: str, section: list[str], text: str, lead: str = "") -> str:
        return indexed_text(title, section, text, headings=self.settings.embed_headings, lead=lead)

    # -- writing: one writer at a time ----------------------------------------------------------
    def ingest(self, paths, *, rebuild: bool = False, progress: Progress | None = None,
               names: dict[str, str] | None = None) -> list[FileReport]:
        """See ``Builder.ingest``."""
        with self.write_lock:
            return Builder(self, progress).ingest(paths, rebuild=rebuild, names=names)

    def remove(self, target: str) -> list[str]:
        """Remove a report by doc_id or a file by name; ``NotFoundError`` names what exists."""
        with self.write_lock:
            return Builder(self).remove(target)

    def add_documents(self, name: str, docs, *, key: str, path: str = "") -> None:
        """Index documents chunked elsewhere (a benchmark's passages) under the file name ``name``."""
        with self.write_lock:
            Builder(self).write(name, docs, key=key, path=path)

    def collect_garbage(self) -> int:
        with self.write_lock:
            return Builder(self).collect_garbage()

    # -- reading ------------------------------------------------------------------------------
    def documents(self) -> list[dict]:
        return self.manifest.documents()

    def empty(self) -> bool:
        """Nothing ingested: one indexed row lookup, cheap enough for every question (documents() counts
        every chunk)."""
        return self.manifest.empty()

    def sources(self) -> list[dict]:
        """One row per indexed file: its name (``source``) and where it was read from (``path``)."""
        return self.manifest.sources()

    def keyword(self) -> tuple[BM25, list[dict]]:
        """BM25 over the live passages, rebuilt when the manifest generation changes."""
        with self._kw_lock:
            # the tokenizer is part of the key: the benchmark switches it on a live index
            gen = f"{self.manifest.generation()}|{self.settings.keyword_tokenizer}|{self.settings.embed_headings}"
            if self._kw is None or self._kw[0] != gen:
                chunks = self.manifest.chunks()
                # Title and heading path are indexed with the text: "第一篇报告中…" finds 第一篇's passages.
                leads = doc_leads(chunks)
                texts = [self.indexed_text(c["title"], c["section"], c["norm"], leads[c["doc_id"]]) for c in chunks]
                self._kw = (gen, BM25(texts, self.settings.keyword_tokenizer), chunks)
            return self._kw[1], self._kw[2]

    def doc_keyword(self) -> tuple[BM25, np.ndarray]:
        """BM25 over whole documents (each report's passages joined under its title or lead) and, for
        each passage of ``keyword()``'s list, the row of its document; rebuilt with ``keyword()``.

        A long notice states its subject once and spreads the rest over many sections: a question's
        words are then in the document but in no single passage, which the passage score misses and a
        whole-document BM25 finds (issue 15: plain document BM25 R@5 0.96 vs 0.91 for passages alone)."""
        _, chunks = self.keyword()
        with self._kw_lock:
            gen = self._kw[0]
            if self._doc_kw is None or self._doc_kw[0] != gen:
                leads, rows, parts = doc_leads(chunks), [], {}
                for c in chunks:
                    rows.append(parts.setdefault(c["doc_id"], [len(parts), self.indexed_text(
                        c["title"], [], "", leads[c["doc_id"]])])[0])
                    parts[c["doc_id"]].append(c["norm"])
                texts = ["\n".join(p[1:]) for p in parts.values()]
                self._doc_kw = (gen, BM25(texts, self.settings.keyword_tokenizer), np.array(rows, dtype=np.int64))
            return self._doc_kw[1], self._doc_kw[2]

    def vectors(self, chunks: list[dict]) -> np.ndarray | None:
        """Unit vectors of ``chunks`` (the list ``keyword()`` returned), or None above
        ``exact_search_max`` passages (see ``dense.DenseCache.matrix``)."""
        return self._dense.matrix(chunks)

    def chunk(self, chunk_id: str) -> dict | None:
        rows = self.manifest.chunks("WHERE chunk_id=?", (chunk_id,))
        return rows[0] if rows else None

    def neighbours(self, chunk_id: str, before: int = 1, after: int = 1) -> list[dict]:
        c = self.chunk(chunk_id)
        if not c:
            return []
        rows = self.manifest.chunks("WHERE doc_id=? AND ord BETWEEN ? AND ?", (c["doc_id"], c["ord"] - before, c["ord"] + after))
        return rows

    def stats(self) -> dict:
        docs = self.documents()
        return {"files": len(self.manifest.sources()), "documents": len(docs),
                "chunks": sum(d["chunks"] for d in docs), "embedder": self.embedder.name,
                "store": getattr(self.store, "where", "")}

"""Build and keep the index: files → chunks → vectors (Chroma) + manifest (SQLite) + BM25.

``Index`` is what the CLI and the UI both call. Collaborators (embedder, store)
are optional keyword arguments that default from settings.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..ingest.chunk import chunk_text
from .embed import Embedder, get_embedder
from ..ingest.read import iter_files, read_file
from .keyword import BM25
from .manifest import Manifest
from ..settings import Settings
from ..errors import IngestError, StoreWriteError
from .store import ChromaStore, VectorStore

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]
# Bump when cleaning, splitting or chunking changes: every file is then re-chunked.
CHUNKER_VERSION = "c3"


@dataclass
class FileReport:
    source: str
    status: str  # "added" | "updated" | "unchanged" | "error"
    documents: int = 0
    chunks: int = 0
    error: str = ""
    titles: list[str] = field(default_factory=list)

    def to_dict(self):
        return self.__dict__.copy()


def passage_for_embedding(title: str, section: list[str], text: str) -> str:
    """What the embedder sees: the report title and heading path give a bare passage its topic."""
    head = " › ".join([title, *section]) if title else " › ".join(section)
    return f"{head}\n{text}" if head else text


class Index:
    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 store: VectorStore | None = None):
        self.settings = settings or Settings()
        self._embedder = embedder
        self._store = store
        self.manifest = Manifest(Path(self.settings.data_dir) / "manifest.sqlite")
        self._kw_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._write_failed = False
        self._kw: tuple[str, BM25, list[dict]] | None = None
        # exact dense search: (the chunk list the rows follow, unit vectors, vec_id+title+section -> row)
        self._vec_lock = threading.Lock()
        self._vec: tuple[list[dict], np.ndarray, dict[str, int]] | None = None
        self._store_gen: str | None = None

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

    def _settings_key(self) -> str:
        s = self.settings
        return f"{self.embedder.name}|{s.chunk_max_tokens}|{s.chunk_min_tokens}|{s.chunk_overlap_sentences}|{CHUNKER_VERSION}|h{int(s.embed_headings)}"

    # -- writing ------------------------------------------------------------------------------
    def ingest(self, paths, *, rebuild: bool = False, progress: Progress | None = None,
               names: dict[str, str] | None = None) -> list[FileReport]:
        """Add new and changed files, skip unchanged ones; ``rebuild`` re-embeds everything
        and drops files not given. A failing file is reported and the others go on."""
        files = iter_files(paths)
        reports: list[FileReport] = []
        with self._write_lock:
            self._write_failed = False
            for n, path in enumerate(files):
                name = (names or {}).get(str(path)) or path.name
                if progress:
                    progress(n, len(files), name)
                reports.append(self._ingest_one(path, name, force=rebuild))
            if rebuild:
                keep = {r.source for r in reports if r.status != "error"}
                for src in self.manifest.sources():
                    if src["source"] not in keep:
                        self.manifest.remove_source(src["source"])
            try:
                # after a failed write (disk full) deleting would only fail again; search ignores
                # vectors the manifest does not list, and the next ingest cleans them up
                if not self._write_failed:
                    self.collect_garbage()
            except (StoreWriteError, OSError, sqlite3.OperationalError) as exc:
                log.warning("could not delete leftover vectors now (%s); the next ingest will", exc)
        if progress:
            progress(len(files), len(files), "完成")
        return reports

    def _ingest_one(self, path: Path, name: str, *, force: bool) -> FileReport:
        try:
            raw = read_file(path, display_name=name)
        except IngestError as exc:
            return FileReport(name, "error", error=str(exc))
        key = hashlib.sha256(raw.text.encode("utf-8")).hexdigest()[:24] + "|" + self._settings_key()
        old = self.manifest.file_key(name)
        if old == key and not force:
            docs = [d for d in self.manifest.documents() if d["source"] == name]
            return FileReport(name, "unchanged", len(docs), sum(d["chunks"] for d in docs), titles=[d["title"] for d in docs])
        s = self.settings
        try:
            docs = chunk_text(raw.text, name, max_tokens=s.chunk_max_tokens, min_tokens=s.chunk_min_tokens,
                              overlap=s.chunk_overlap_sentences)
        except Exception as exc:  # a bug in cleaning must not stop the other files
            log.exception("chunking failed for %s", name)
            return FileReport(name, "error", error=f"{name}：切分失败（{type(exc).__name__}: {exc}）")
        chunks = [c for d in docs for c in d.chunks]
        if not chunks:
            return FileReport(name, "error", error=f"{name}：清理后没有正文内容")
        try:
            return self._write(path, name, raw, key, old, docs, chunks)
        except (StoreWriteError, OSError, sqlite3.OperationalError) as exc:
            # Nothing was committed: the manifest still lists the previous version of every file.
            log.error("writing %s failed: %s", name, exc)
            self._write_failed = True
            if isinstance(exc, StoreWriteError) and self._store is not None:
                getattr(self._store, "discard", lambda: None)()
                self._store = None  # the next use opens a fresh client
            return FileReport(name, "error", error=f"{name}：写入索引失败，磁盘空间不足或数据目录不可写，原有索引未受影响（{exc}）")

    def _write(self, path: Path, name: str, raw, key: str, old: str | None, docs, chunks) -> FileReport:
        vec_ids = {c.chunk_id: f"{c.chunk_id}@{c.hash}" for c in chunks}
        before = self.manifest.vec_ids(name)
        new = [c for c in chunks if vec_ids[c.chunk_id] not in before]
        if new:
            vectors = self._embed([self.embed_text(c.title, c.section, c.text) for c in new], name)
            self.store.upsert([vec_ids[c.chunk_id] for c in new], vectors,
                              [{"doc_id": c.doc_id, "source": c.source, "chunk_id": c.chunk_id} for c in new])
        self.manifest.replace_file(name, key, len(raw.text), str(path), raw.encoding, docs, vec_ids)
        stale = before - set(vec_ids.values())
        if stale:  # committed already: a failure here only leaves leftovers for collect_garbage
            try:
                self.store.delete(sorted(stale))
            except (StoreWriteError, OSError) as exc:
                log.warning("old vectors of %s stay until the next clean-up: %s", name, exc)
        return FileReport(name, "updated" if old else "added", len(docs), len(chunks), titles=[d.title for d in docs])

    def embed_text(self, title: str, section: list[str], text: str) -> str:
        return passage_for_embedding(title, section, text) if self.settings.embed_headings else text

    def _embed(self, texts: list[str], name: str) -> np.ndarray:
        out, t0, batch = [], time.time(), 16
        show = sys.stderr.isatty() and len(texts) > batch
        for i in range(0, len(texts), batch):
            out.append(self.embedder.embed_passages(texts[i:i + batch]))
            if show:
                done = min(i + batch, len(texts))
                eta = (time.time() - t0) / done * (len(texts) - done)
                print(f"\r  {name}: 向量化 {done}/{len(texts)}，预计还需 {eta:.0f} 秒   ", end="", file=sys.stderr)
        if show:
            print(file=sys.stderr)
        return np.vstack(out)

    def remove(self, target: str) -> list[str]:
        """Remove a report by doc_id, or a whole file by its name; returns what was removed."""
        with self._write_lock:
            docs = self.manifest.documents()
            by_doc = [d for d in docs if d["doc_id"] == target]
            by_src = [d for d in docs if d["source"] == target or d["source"] == Path(target).name]
            if by_doc:
                self.manifest.remove_doc(target)
                removed = [target]
            elif by_src or any(s["source"] == Path(target).name for s in self.manifest.sources()):
                src = by_src[0]["source"] if by_src else Path(target).name
                self.manifest.remove_source(src)
                removed = [d["doc_id"] for d in by_src] or [src]
            else:
                known = ", ".join(sorted({d["source"] for d in docs})[:10])
                raise KeyError(f"没有找到文档或文件 {target!r}（已有文件：{known or '无'}）")
            self.collect_garbage()
            return removed

    def collect_garbage(self) -> int:
        """Delete vectors the manifest no longer lists (left by a crash or a removal)."""
        live = self.manifest.vec_ids()
        stale = sorted(self.store.ids() - live)
        if stale:
            self.store.delete(stale)
        return len(stale)

    # -- reading ------------------------------------------------------------------------------
    def documents(self) -> list[dict]:
        return self.manifest.documents()

    def keyword(self) -> tuple[BM25, list[dict]]:
        """BM25 over the live passages, rebuilt when the manifest generation changes."""
        with self._kw_lock:
            # the tokenizer is part of the key: the benchmark switches it on a live index
            gen = f"{self.manifest.generation()}|{self.settings.keyword_tokenizer}|{self.settings.embed_headings}"
            if self._kw is None or self._kw[0] != gen:
                chunks = self.manifest.chunks()
                # Title and heading path are indexed with the text: "第一篇报告中…" finds 第一篇's passages.
                texts = [self.embed_text(c["title"], c["section"], c["norm"]) for c in chunks]
                self._kw = (gen, BM25(texts, self.settings.keyword_tokenizer), chunks)
            return self._kw[1], self._kw[2]

    def vectors(self, chunks: list[dict]) -> np.ndarray | None:
        """Unit vectors of ``chunks`` (the list ``keyword()`` returned), one row each in the same
        order, for exact cosine scoring; None above ``exact_search_max`` passages (HNSW instead).

        Loaded from the store once per manifest generation. Rows of passages that were live before
        with the same vec_id (``chunk_id@hash`` of the text), title and heading path — everything the
        embedded text is made of — are reused, so an ingest only fetches what it added. A row is
        zero where the store lacks a listed vector, which the write order (vectors before the
        manifest) rules out; vectors the manifest does not list are never looked at.
        """
        if len(chunks) > self.settings.exact_search_max:
            self._sync_store()
            return None
        with self._vec_lock:
            if self._vec is not None and self._vec[0] is chunks:
                return self._vec[1]
            old_mat, old_pos = (self._vec[1], self._vec[2]) if self._vec is not None else (None, {})
            keys = ["\x1f".join([c["vec_id"], c["title"], *c["section"]]) for c in chunks]
            pos = {k: i for i, k in enumerate(keys)}
            missing = [i for i, k in enumerate(keys) if k not in old_pos]
            got, found = (self.store.vectors([chunks[i]["vec_id"] for i in missing]) if missing
                          else (np.zeros((0, 0), np.float32), np.zeros(0, bool)))
            if got.shape[1]:
                got /= np.maximum(np.linalg.norm(got, axis=1, keepdims=True), 1e-12)  # in place: zero rows stay 0
            if len(missing) == len(keys) and got.shape[1]:
                mat = got  # first load: the fetched rows are already in chunk order
            else:
                dim = old_mat.shape[1] if old_mat is not None and old_mat.shape[1] else got.shape[1]
                mat = np.zeros((len(keys), dim), dtype=np.float32)
                reuse = [(pos[k], r) for k, r in old_pos.items() if k in pos]
                if reuse:
                    new_rows, old_rows = map(np.array, zip(*reuse))
                    mat[new_rows] = old_mat[old_rows]
                if missing and got.shape[1] == dim:
                    mat[np.array(missing)] = got
            if missing and not found.all():
                log.warning("%d passages have no vector in the store; they are found by keywords only",
                            int((~found).sum()))
            self._vec = (chunks, mat, pos)
            if len(missing) >= 1000:
                # The rows are copied out; the embedded engine's own copy (vectors and HNSW graph, about
                # as large again) is not needed for searching: free it unless a write is using it.
                if self._write_lock.acquire(blocking=False):
                    try:
                        getattr(self._store, "release", lambda: None)()
                    finally:
                        self._write_lock.release()
            return mat

    def _sync_store(self) -> None:
        """HNSW path: an embedded client does not see another process's writes until reopened
        (``ChromaStore.reopen``), so reopen it when the manifest generation moved."""
        gen = self.manifest.generation()
        if self._store_gen == gen:
            return
        if self._store is None:  # opened from now on: current
            self._store_gen = gen
            return
        # (our own ingest holds the write lock and its client is current: check again next time)
        if self._write_lock.acquire(blocking=False):
            try:
                getattr(self._store, "reopen", lambda: None)()
                self._store_gen = gen
            finally:
                self._write_lock.release()

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

"""The write side of the index: files → chunks → vectors (store) + manifest rows, and clean-up.

Write order is the crash-safety rule: vectors first, then the manifest transaction (the commit
point), then stale vectors are deleted. Search only looks at vectors the manifest lists, so a kill
at any point leaves the previous index answering, and ``collect_garbage`` removes the leftovers.
Progress goes through one callback ``progress(done, total, message)``: files done / total, and
while a file is embedded, the message says how far (the CLI shows it with tqdm, the UI with
gr.Progress).
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..errors import IngestError, NotFoundError, StoreWriteError
from ..ingest.chunk import Chunk, Document, chunk_text
from ..ingest.read import RawText, iter_files, read_file
from .passage import doc_leads

if TYPE_CHECKING:
    from .index import Index

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]
# Bump when cleaning, splitting or chunking changes: every file is then re-chunked.
CHUNKER_VERSION = "c5"  # c5: a table's leftovers before a run-in heading are dropped (seed 002's 三、)
EMBED_BATCH = 16  # passages per embedder call: 16 × ~300 tokens keeps one call under a second on 2 cores


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


class Builder:
    """Ingest and removal for one ``Index`` (its settings, manifest, embedder and store)."""

    def __init__(self, index: Index, progress: Progress | None = None):
        self.ix = index
        self.progress = progress
        self._at = (0, 0)  # (file number, files) for progress messages while embedding
        self._failed = False

    # -- ingest -------------------------------------------------------------------------------
    def ingest(self, paths, *, rebuild: bool = False, names: dict[str, str] | None = None) -> list[FileReport]:
        """Add new and changed files, skip unchanged ones; ``rebuild`` re-embeds everything
        and drops files not given. A failing file is reported and the others go on."""
        files = iter_files(paths)
        reports: list[FileReport] = []
        for n, path in enumerate(files):
            name = (names or {}).get(str(path)) or path.name
            self._at = (n, len(files))
            self._tell(name)
            reports.append(self._one(path, name, force=rebuild))
        if rebuild:
            keep = {r.source for r in reports if r.status != "error"}
            for src in self.ix.manifest.sources():
                if src["source"] not in keep:
                    self.ix.manifest.remove_source(src["source"])
        try:
            # after a failed write (disk full) deleting would only fail again; search ignores
            # vectors the manifest does not list, and the next ingest cleans them up
            if not self._failed:
                self.collect_garbage()
        except (StoreWriteError, OSError, sqlite3.OperationalError) as exc:
            log.warning("could not delete leftover vectors now (%s); the next ingest will", exc)
        self._at = (len(files), len(files))
        self._tell("完成")
        return reports

    def _tell(self, message: str) -> None:
        if self.progress:
            self.progress(self._at[0], self._at[1], message)

    def _key(self, raw: RawText) -> str:
        s = self.ix.settings
        return (hashlib.sha256(raw.text.encode("utf-8")).hexdigest()[:24]
                + f"|{self.ix.embedder.name}|{s.chunk_max_tokens}|{s.chunk_min_tokens}|{s.chunk_overlap_sentences}"
                + f"|{CHUNKER_VERSION}|h{int(s.embed_headings)}")

    def _one(self, path: Path, name: str, *, force: bool) -> FileReport:
        try:
            raw = read_file(path, display_name=name)
        except IngestError as exc:
            return FileReport(name, "error", error=str(exc))
        key, old = self._key(raw), self.ix.manifest.file_key(name)
        if old == key and not force:
            docs = [d for d in self.ix.manifest.documents() if d["source"] == name]
            return FileReport(name, "unchanged", len(docs), sum(d["chunks"] for d in docs),
                              titles=[d["title"] for d in docs])
        s = self.ix.settings
        try:
            docs = chunk_text(raw.text, name, max_tokens=s.chunk_max_tokens, min_tokens=s.chunk_min_tokens,
                              overlap=s.chunk_overlap_sentences)
        except Exception as exc:  # a bug in cleaning must not stop the other files
            log.exception("chunking failed for %s", name)
            return FileReport(name, "error", error=f"{name}：切分失败（{type(exc).__name__}: {exc}）")
        if not any(d.chunks for d in docs):
            return FileReport(name, "error", error=f"{name}：清理后没有正文内容")
        try:
            self.write(name, docs, key=key, path=str(path), chars=len(raw.text), encoding=raw.encoding)
        except (StoreWriteError, OSError, sqlite3.OperationalError) as exc:
            # Nothing was committed: the manifest still lists the previous version of every file.
            log.error("writing %s failed: %s", name, exc)
            self._failed = True
            if isinstance(exc, StoreWriteError):
                self.ix.discard_store()  # the next use opens a fresh client
            return FileReport(name, "error", error=f"{name}：写入索引失败，磁盘空间不足或数据目录不可写，原有索引未受影响（{exc}）")
        return FileReport(name, "updated" if old else "added", len(docs), sum(len(d.chunks) for d in docs),
                          titles=[d.title for d in docs])

    def write(self, name: str, docs: list[Document], *, key: str, path: str = "", chars: int = 0,
              encoding: str = "utf-8") -> None:
        """Embed what is new, store it, commit the manifest, then delete the stale vectors."""
        chunks: list[Chunk] = [c for d in docs for c in d.chunks]
        vec_ids = {c.chunk_id: f"{c.chunk_id}@{c.hash}" for c in chunks}
        before = self.ix.manifest.vec_ids(name)
        new = [c for c in chunks if vec_ids[c.chunk_id] not in before]
        if new:
            leads = doc_leads(chunks)  # a document without a meaningful title is indexed under its lead
            vectors = self._embed([self.ix.indexed_text(c.title, c.section, c.text, leads[c.doc_id]) for c in new], name)
            self.ix.store.upsert([vec_ids[c.chunk_id] for c in new], vectors,
                                 [{"doc_id": c.doc_id, "source": c.source, "chunk_id": c.chunk_id} for c in new])
        self.ix.manifest.replace_file(name, key, chars, path, encoding, docs, vec_ids)
        stale = before - set(vec_ids.values())
        if stale:  # committed already: a failure here only leaves leftovers for collect_garbage
            try:
                self.ix.store.delete(sorted(stale))
            except (StoreWriteError, OSError) as exc:
                log.warning("old vectors of %s stay until the next clean-up: %s", name, exc)

    def _embed(self, texts: list[str], name: str) -> np.ndarray:
        out = []
        for i in range(0, len(texts), EMBED_BATCH):
            out.append(self.ix.embedder.embed_passages(texts[i:i + EMBED_BATCH]))
            if len(texts) > EMBED_BATCH:
                self._tell(f"{name}：向量化 {min(i + EMBED_BATCH, len(texts))}/{len(texts)}")
        return np.vstack(out)

    # -- removal ------------------------------------------------------------------------------
    def remove(self, target: str) -> list[str]:
        """Remove a report by doc_id, or a whole file by its name; returns what was removed."""
        m = self.ix.manifest
        docs = m.documents()
        by_doc = [d for d in docs if d["doc_id"] == target]
        by_src = [d for d in docs if d["source"] in (target, Path(target).name)]
        if by_doc:
            m.remove_doc(target)
            removed = [target]
        elif by_src or any(s["source"] == Path(target).name for s in m.sources()):
            src = by_src[0]["source"] if by_src else Path(target).name
            m.remove_source(src)
            removed = [d["doc_id"] for d in by_src] or [src]
        else:
            known = ", ".join(sorted({d["source"] for d in docs})[:10])
            raise NotFoundError(f"没有找到文档或文件 {target!r}（已有文件：{known or '无'}）")
        self.collect_garbage()
        return removed

    def collect_garbage(self) -> int:
        """Delete vectors the manifest no longer lists (left by a crash or a removal)."""
        stale = sorted(self.ix.store.ids() - self.ix.manifest.vec_ids())
        if stale:
            self.ix.store.delete(stale)
        return len(stale)

"""The vectors of the live passages, kept in memory for exact cosine scoring (issue 15).

Chroma's HNSW search is approximate, and which neighbours it returns can change between loads of
the same collection; scoring every live passage exactly (one matrix-vector product: 10⁴ × 384 in
about a millisecond) gives the same ranked list in every process. Above ``exact_search_max``
passages the store's HNSW proposes candidates instead (see ``answer/retrieve._dense``).
"""
from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .index import Index

log = logging.getLogger(__name__)


class DenseCache:
    """Unit vectors of the live passages, one row per manifest chunk, for one ``Index``."""

    def __init__(self, index: Index):
        self.ix = index
        self._lock = threading.Lock()
        # (the chunk list the rows follow, unit vectors, vec_id+title+section -> row)
        self._vec: tuple[list[dict], np.ndarray, dict[str, int]] | None = None
        self._store_gen: str | None = None

    def matrix(self, chunks: list[dict]) -> np.ndarray | None:
        """Unit vectors of ``chunks`` (the list ``keyword()`` returned), one row each in the same
        order, for exact cosine scoring; None above ``exact_search_max`` passages (HNSW instead).

        Loaded from the store once per manifest generation. Rows of passages that were live before
        with the same vec_id (``chunk_id@hash`` of the text), title and heading path — everything the
        embedded text is made of — are reused, so an ingest only fetches what it added. A row is
        zero where the store lacks a listed vector, which the write order (vectors before the
        manifest) rules out; vectors the manifest does not list are never looked at.
        """
        if len(chunks) > self.ix.settings.exact_search_max:
            self._sync_store()
            return None
        with self._lock:
            if self._vec is not None and self._vec[0] is chunks:
                return self._vec[1]
            old_mat, old_pos = (self._vec[1], self._vec[2]) if self._vec is not None else (None, {})
            keys = ["\x1f".join([c["vec_id"], c["title"], *c["section"]]) for c in chunks]
            pos = {k: i for i, k in enumerate(keys)}
            missing = [i for i, k in enumerate(keys) if k not in old_pos]
            got, found = (self.ix.store.vectors([chunks[i]["vec_id"] for i in missing]) if missing
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
                if self.ix.write_lock.acquire(blocking=False):
                    try:
                        getattr(self.ix.opened_store(), "release", lambda: None)()
                    finally:
                        self.ix.write_lock.release()
            return mat

    def _sync_store(self) -> None:
        """HNSW path: an embedded client does not see another process's writes until reopened
        (``ChromaStore.reopen``), so reopen it when the manifest generation moved."""
        gen = self.ix.manifest.generation()
        if self._store_gen == gen:
            return
        if self.ix.opened_store() is None:  # opened from now on: current
            self._store_gen = gen
            return
        # (our own ingest holds the write lock and its client is current: check again next time)
        if self.ix.write_lock.acquire(blocking=False):
            try:
                getattr(self.ix.opened_store(), "reopen", lambda: None)()
                self._store_gen = gen
            finally:
                self.ix.write_lock.release()

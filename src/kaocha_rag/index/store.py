"""Vector store seam over chromadb: embedded PersistentClient, or a Chroma server.

We always pass our own embeddings (Chroma's default embedding function would
download an ONNX model on first use and fail here), use cosine space and turn
telemetry off.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import StoreUnavailable, StoreWriteError
from ..settings import Settings

log = logging.getLogger(__name__)


# How a full or failing disk shows up through chromadb's Rust and SQLite layers.
_DISK = ("disk i/o error", "database or disk is full", "no space left", "file too large", "read-only", "readonly")


class VectorStore(Protocol):
    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None: ...

    def delete(self, ids: list[str]) -> None: ...

    def query(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[tuple[str, float]]: ...

    def ids(self) -> set[str]: ...

    def vectors(self, ids: list[str]) -> tuple[np.ndarray, np.ndarray]: ...


class ChromaStore:
    def __init__(self, settings: Settings, collection: str):
        self.settings = settings
        self.name = collection
        self.where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(
            Path(settings.data_dir) / "chroma")
        self._lock = threading.Lock()
        self._client = self._col_ = None
        self._ef_checked = False
        self._batch_size: int | None = None
        self._open()

    def _open(self):
        """Open the client and collection (lazily again after ``release``/``reopen``)."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        with self._lock:
            if self._col_ is not None:
                return self._col_
            s = self.settings
            cfg = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            try:
                if s.chroma_host:
                    client = chromadb.HttpClient(host=s.chroma_host, port=s.chroma_port, settings=cfg)
                else:
                    Path(self.where).mkdir(parents=True, exist_ok=True)
                    client = chromadb.PersistentClient(path=self.where, settings=cfg)
                # HNSW parameters are chosen, not left to defaults (reasons in settings.py): they only
                # matter above ``exact_search_max`` vectors, where search goes through HNSW. Chroma takes
                # them when it creates a collection; an existing one keeps its own M and construction_ef
                # (ef_search is raised on first HNSW use, see ``_ensure_search_ef``).
                col = client.get_or_create_collection(self.name, embedding_function=None, configuration={
                    "hnsw": {"space": "cosine", "max_neighbors": s.hnsw_m,
                             "ef_construction": s.hnsw_construction_ef, "ef_search": s.hnsw_search_ef}})
            except Exception as exc:  # chromadb raises ValueError/ConnectionError/httpx errors when down
                raise StoreUnavailable(f"向量库无法连接（{self._where_safe(s)}）：{exc}") from exc
            self._client, self._col_ = client, col
            return col

    @property
    def _col(self):
        return self._col_ if self._col_ is not None else self._open()

    def release(self) -> None:
        """Close the embedded client so the vectors and HNSW graph it holds in memory are freed;
        the next call opens it again. Called after the exact-search vectors were copied out."""
        if self.settings.chroma_host:
            return
        with self._lock:
            client, self._client, self._col_ = self._client, None, None
        if client is not None:
            try:
                client.close()  # stops the engine when no other client in this process shares it
            except Exception as exc:  # closing must never break a search
                log.debug("closing the Chroma client failed: %s", exc)

    def reopen(self) -> None:
        """See writes made by another process. Measured with chromadb 1.5.9: an embedded client
        that is already open keeps serving its own in-memory HNSW copy after another process
        upserts or deletes (``get`` of a new id fails with "Error finding id", ``query`` still returns
        deleted ids); a client opened afterwards sees them. A server is always current."""
        if not self.settings.chroma_host:
            from chromadb.api.shared_system_client import SharedSystemClient

            self.release()
            # chromadb shares one engine per folder among the clients of a process; when another
            # Index here still holds it, closing ours does not stop it, and a new client would get
            # the same stale engine. Take it out of the registry (its holders keep using it) so the
            # next client starts a fresh one.
            SharedSystemClient._identifier_to_system.pop(self.where, None)
            self._open()

    @staticmethod
    def _where_safe(settings: Settings) -> str:
        return f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(settings.data_dir)

    def _call(self, fn, *a, **kw):
        try:
            return fn(*a, **kw)
        except StoreUnavailable:
            raise
        except Exception as exc:
            if any(d in str(exc).lower() for d in _DISK):
                raise StoreWriteError(f"向量库写入失败：磁盘空间不足或目录不可写（{self.where}）：{exc}") from exc
            if type(exc).__name__ in {"ConnectError", "ConnectionError", "RemoteProtocolError", "ReadTimeout",
                                      "ConnectTimeout", "ReadError"} or "connect" in str(exc).lower():
                raise StoreUnavailable(f"向量库无法连接（{self.where}）：{exc}") from exc
            raise

    def _batch(self) -> int:
        """Chroma's own limit per call (5,461 ids with the embedded SQLite engine of chromadb 1.5;
        a server reports its own)."""
        if self._batch_size is None:
            self._col  # opens the client
            self._batch_size = int(self._call(self._client.get_max_batch_size))
        return self._batch_size

    def upsert(self, ids, vectors, metadatas):
        b = self._batch()
        for i in range(0, len(ids), b):
            self._call(self._col.upsert, ids=ids[i:i + b], embeddings=np.asarray(vectors[i:i + b]).tolist(),
                       metadatas=metadatas[i:i + b])

    def delete(self, ids):
        b = self._batch()
        for i in range(0, len(ids), b):
            self._call(self._col.delete, ids=list(ids[i:i + b]))

    def query(self, vector, k, where=None):
        n = self._call(self._col.count)
        if n == 0:
            return []
        self._ensure_search_ef()
        res = self._call(self._col.query, query_embeddings=[np.asarray(vector).tolist()], n_results=min(k, n),
                         where=where or None, include=["distances"])
        # cosine distance d = 1 - cos
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0])]

    def _ensure_search_ef(self) -> None:
        """A collection made before ef_search was set keeps Chroma's default (100): raise it once
        (ef_search is the one HNSW parameter Chroma lets an existing collection change)."""
        if self._ef_checked:
            return
        self._ef_checked = True
        try:
            have = ((self._col.configuration_json or {}).get("hnsw") or {}).get("ef_search")
            if have is not None and have < self.settings.hnsw_search_ef:
                self._col.modify(configuration={"hnsw": {"ef_search": self.settings.hnsw_search_ef}})
        except Exception as exc:  # a read-only folder: search still works, with the old ef
            log.warning("could not raise hnsw ef_search of %s: %s", self.name, exc)

    def vectors(self, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(float32 matrix with one row per id in the order given, bool array: found) - the stored
        embeddings, for exact cosine scoring. Fetched in batches straight into the matrix, so a
        large collection never sits in memory twice. A stale embedded client (another process
        wrote: ids it does not know, or "Error finding id") is reopened once."""
        for attempt in (0, 1):
            try:
                out, found = self._fetch(ids)
            except (StoreUnavailable, StoreWriteError):
                raise
            except Exception as exc:
                if attempt or self.settings.chroma_host:
                    raise
                log.info("reopening the Chroma client after a failed read (%s)", exc)
                self.reopen()
                continue
            if attempt or found.all() or self.settings.chroma_host:
                return out, found
            self.reopen()
        return out, found

    def _fetch(self, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        row = {v: i for i, v in enumerate(ids)}
        out = np.zeros((len(ids), 0), dtype=np.float32)
        found = np.zeros(len(ids), dtype=bool)
        b = self._batch()
        for i in range(0, len(ids), b):
            res = self._call(self._col.get, ids=list(ids[i:i + b]), include=["embeddings"])
            if not len(res["ids"]):
                continue
            emb = np.asarray(res["embeddings"], dtype=np.float32)
            if out.shape[1] != emb.shape[1]:
                out = np.zeros((len(ids), emb.shape[1]), dtype=np.float32)
            rows = np.array([row[v] for v in res["ids"]])
            out[rows], found[rows] = emb, True
        return out, found

    def ids(self):
        out, offset = set(), 0
        while True:
            got = self._call(self._col.get, include=[], limit=5000, offset=offset)["ids"]
            out.update(got)
            if len(got) < 5000:
                return out
            offset += len(got)

    def discard(self) -> None:
        """Forget this client after a failed write. Measured: once chromadb's embedded engine hits
        a disk I/O error, later reads on the same client hang; a fresh client reads fine."""
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()

"""Vector store seam over chromadb: embedded PersistentClient, or a Chroma server.

We always pass our own embeddings (Chroma's default embedding function would
download an ONNX model on first use and fail here), use cosine space and turn
telemetry off.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from .settings import Settings


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached (message for the user)."""


class StoreWriteError(RuntimeError):
    """The vector store could not write (disk full, read-only folder): message for the user."""


# How a full or failing disk shows up through chromadb's Rust and SQLite layers.
_DISK = ("disk i/o error", "database or disk is full", "no space left", "file too large", "read-only", "readonly")


class VectorStore(Protocol):
    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None: ...

    def delete(self, ids: list[str]) -> None: ...

    def query(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[tuple[str, float]]: ...

    def ids(self) -> set[str]: ...


class ChromaStore:
    def __init__(self, settings: Settings, collection: str):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.settings = settings
        cfg = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if settings.chroma_host:
                self.where = f"{settings.chroma_host}:{settings.chroma_port}"
                self._client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=cfg)
            else:
                path = Path(settings.data_dir) / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                self.where = str(path)
                self._client = chromadb.PersistentClient(path=str(path), settings=cfg)
            self._col = self._client.get_or_create_collection(
                collection, embedding_function=None, metadata={"hnsw:space": "cosine"})
        except Exception as exc:  # chromadb raises ValueError/ConnectionError/httpx errors when down
            raise StoreUnavailable(f"向量库无法连接（{self._where_safe(settings)}）：{exc}") from exc

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

    def upsert(self, ids, vectors, metadatas):
        for i in range(0, len(ids), 1000):  # stay under Chroma's max batch size
            self._call(self._col.upsert, ids=ids[i:i + 1000], embeddings=np.asarray(vectors[i:i + 1000]).tolist(),
                       metadatas=metadatas[i:i + 1000])

    def delete(self, ids):
        for i in range(0, len(ids), 1000):
            self._call(self._col.delete, ids=list(ids[i:i + 1000]))

    def query(self, vector, k, where=None):
        n = self._call(self._col.count)
        if n == 0:
            return []
        res = self._call(self._col.query, query_embeddings=[np.asarray(vector).tolist()], n_results=min(k, n),
                         where=where or None, include=["distances"])
        # cosine distance d = 1 - cos
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0])]

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

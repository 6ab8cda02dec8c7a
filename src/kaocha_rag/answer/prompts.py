"""Prompt files in ``prompts/``, checked for their placeholders when loaded.

A prompt that lost ``{context}`` would send the model a question with no
passages and invite an uncited answer: refuse to start instead.
"""
from __future__ import annotations

import functools
import string
from pathlib import Path

from ..errors import PromptError  # noqa: F401  (re-exported for callers)
from ..settings import Settings

REQUIRED = {
    "answer_system": set(),
    "answer_user": {"context", "question"},
    "rewrite": {"history", "question"},
    "draft_section": {"context", "topic", "section"},
    # questions across reports (answer/across.py): evidence grouped per report or per side
    "across_system": set(),
    "across_user": {"context", "question", "form"},
    # Small local models (Qwen2.5-0.5B) answer "资料编号：1" to the full rule list; a short
    # prompt with the expected format gets "周口港的吞吐能力是5000万吨。[1]" (BENCHMARKS.md).
    "answer_system_local": set(),
    "answer_user_local": {"context", "question"},
    "draft_section_local": {"context", "topic", "section"},
}


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@functools.lru_cache(maxsize=32)
def _load(folder: str, name: str) -> str:
    if name not in REQUIRED:
        raise PromptError(f"未知的提示词 {name!r}，可选：{', '.join(sorted(REQUIRED))}")
    path = Path(folder) / f"{name}.txt"
    if not path.exists():
        raise PromptError(f"缺少提示词文件 {path}")
    text = path.read_text(encoding="utf-8")
    got = fields(text)
    if got != REQUIRED[name]:
        raise PromptError(f"提示词 {path} 的占位符是 {sorted(got)}，应为 {sorted(REQUIRED[name])}")
    return text


def load_prompt(name: str, settings: Settings | None = None) -> str:
    settings = settings or Settings()
    return _load(str(settings.prompts_dir), name)


def render(name: str, settings: Settings | None = None, **values) -> str:
    """The prompt ``name``; with the local LLM selected, its ``_local`` variant where one exists."""
    settings = settings or Settings()
    if settings.llm == "local" and f"{name}_local" in REQUIRED:
        name = f"{name}_local"
    return load_prompt(name, settings).format(**values)

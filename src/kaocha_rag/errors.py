"""Every error a user can see, in one place; each carries a Chinese message that names the
bad value and what was expected. Callers catch ``KaochaError`` (or one kind) and show
``str(exc)``; nothing needs to unwrap ``exc.args``.
"""
from __future__ import annotations


class KaochaError(Exception):
    """Base of the errors whose message is written for the user."""


class IngestError(KaochaError, ValueError):
    """A file that cannot be read (empty, binary, broken docx/pdf, scanned pdf…)."""


class StoreUnavailable(KaochaError, RuntimeError):
    """The vector store cannot be reached (Chroma server down, folder gone)."""


class StoreWriteError(KaochaError, RuntimeError):
    """The vector store could not write (disk full, read-only folder); the old index is intact."""


class EmbedderError(KaochaError, RuntimeError):
    """The /v1/embeddings endpoint failed (down, 401, 5xx, malformed); the message names its URL."""


class LLMError(KaochaError, RuntimeError):
    """The LLM endpoint failed (refused, timeout, 401, 429, 5xx, malformed); callers fall back offline."""


class PromptError(KaochaError, ValueError):
    """A prompt file under prompts/ is missing or lacks a placeholder."""


class LexiconError(KaochaError, ValueError):
    """A word list under lexicon/ is missing or malformed (message names file and line)."""


class NotFoundError(KaochaError, LookupError):
    """A report or file the user named is not in the index (message lists what is)."""

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0]) if self.args else ""


# Shown instead of an answer or an outline when nothing has been ingested: “资料中没有出现‘周口’”
# would blame the question for an empty library.
EMPTY_LIBRARY = "资料库里还没有任何报告。请先导入报告：在“资料库”页上传文件，或运行 kaocha-rag ingest corpus/。"

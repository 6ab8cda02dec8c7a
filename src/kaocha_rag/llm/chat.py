"""The LLM seam: a langchain chat model for any OpenAI-compatible endpoint (or a local GGUF).

Errors become ``LLMError`` with a message a user can act on; callers fall back
to the offline answer. Waits are bounded by ``llm_timeout``.
"""
from __future__ import annotations

from typing import Iterator

from ..errors import LLMError
from ..settings import Settings


def chat_model(settings: Settings):
    """A langchain BaseChatModel from settings, or None when no LLM is configured."""
    if settings.llm == "local":
        from .local import local_chat_model

        return local_chat_model(settings)
    if not (settings.llm_base_url and settings.llm_model):
        if settings.llm == "openai":
            raise LLMError("已选择 OpenAI 兼容接口，但没有设置 KAOCHA_LLM_BASE_URL 和 KAOCHA_LLM_MODEL")
        return None
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model,
                      api_key=settings.llm_api_key or "not-needed", timeout=settings.llm_timeout, max_retries=0,
                      temperature=settings.llm_temperature, max_tokens=settings.answer_tokens)


def budget(settings: Settings) -> Settings:
    """A local model reads its prompt at ~220 tokens/s on 2 cores: give it a smaller context."""
    if settings.llm == "local" and settings.context_tokens > settings.local_context_tokens:
        # answers from a 0.5B model are short; 400 tokens leaves room for ~3 passages in 1800
        return settings.model_copy(update={"context_tokens": settings.local_context_tokens,
                                           "answer_tokens": min(settings.answer_tokens, 400)})
    return settings


def configured_model(settings: Settings, notes: list[str]):
    """The configured chat model, or None; a configuration error is added to ``notes``."""
    try:
        return chat_model(settings)
    except Exception as exc:
        notes.append(str(exc))
        return None


def describe_error(exc: Exception) -> str:
    name = type(exc).__name__
    text = str(exc)
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    if status == 401 or "401" in text[:200]:
        return "大模型接口拒绝了密钥（401 未授权），请检查 API Key"
    if status == 429:
        return "大模型接口请求过多（429 限流），请稍后再试"
    if status and int(status) >= 500:
        return f"大模型服务出错（HTTP {status}）"
    if status == 404:
        return "大模型接口地址或模型名不存在（404），请检查地址和模型名"
    if "Timeout" in name or "timed out" in text.lower():
        return "大模型接口超时未响应"
    if "Connection" in name or "connect" in text.lower():
        return "无法连接大模型接口（连接被拒绝或地址不可达）"
    return f"大模型调用失败（{name}: {text[:200]}）"


def _messages(system: str, user: str):
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage(content=system), HumanMessage(content=user)] if system else [HumanMessage(content=user)]


def complete(model, system: str, user: str) -> str:
    try:
        msg = model.invoke(_messages(system, user))
    except Exception as exc:
        raise LLMError(describe_error(exc)) from exc
    content = msg.content if hasattr(msg, "content") else msg
    if not isinstance(content, str):
        raise LLMError("大模型返回了无法解析的内容")
    return content


def stream(model, system: str, user: str) -> Iterator[str]:
    try:
        for chunk in model.stream(_messages(system, user)):
            piece = chunk.content if hasattr(chunk, "content") else chunk
            if isinstance(piece, str) and piece:
                yield piece
    except Exception as exc:
        raise LLMError(describe_error(exc)) from exc


def test_connection(settings: Settings) -> tuple[bool, str]:
    """For the settings tab's "测试连接": one tiny request, the exact failure on error."""
    try:
        model = chat_model(settings)
    except Exception as exc:
        return False, str(exc)
    if model is None:
        return False, "未配置大模型（需要接口地址和模型名），当前使用离线抽取式回答"
    where = "本地模型" if settings.llm == "local" else f"{settings.llm_base_url}（模型 {settings.llm_model}）"
    try:
        reply = complete(model, "", "请回复“好”。")
    except LLMError as exc:
        return False, f"{where}：{exc}"
    return True, f"{where} 连接成功，模型回复：{reply[:50]}"

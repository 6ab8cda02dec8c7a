import os
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
SEEDS = {p.name: p for p in sorted(CORPUS.glob("*.txt"))}


@pytest.fixture(scope="session")
def settings_factory(tmp_path_factory):
    from kaocha_rag.settings import Settings

    def make(**kw):
        kw.setdefault("data_dir", tmp_path_factory.mktemp("data"))
        return Settings(**kw)

    return make


@pytest.fixture(scope="session")
def corpus_index(settings_factory):
    """The real index of corpus/ with the real bundled embedder, built once per session."""
    from kaocha_rag.index import Index

    ix = Index(settings_factory())
    reports = ix.ingest([CORPUS])
    assert all(r.status == "added" for r in reports), reports
    return ix


@pytest.fixture()
def fresh_index(settings_factory, corpus_index):
    """An empty index sharing the loaded embedder (models load once per session)."""
    from kaocha_rag.index import Index

    return Index(settings_factory(), embedder=corpus_index.embedder)


@pytest.fixture()
def fake():
    """A recording OpenAI-compatible server (tests/fake_llm.py): the only fake in the suite."""
    from fake_llm import FakeLLM

    f = FakeLLM()
    yield f
    f.close()


def llm_settings(index, fake, **kw):
    """The index's settings pointed at the fake LLM server."""
    return index.settings.model_copy(update={"llm_base_url": fake.url, "llm_model": "fake-model",
                                             "llm_api_key": "sk-test", "llm_timeout": 3.0, **kw})


def dev_qa():
    from kaocha_rag.evaluate import load_jsonl

    return load_jsonl(SHARED / "eval" / "dev_qa.jsonl")


def pytest_collection_modifyitems(config, items):
    """Tests marked `local` need the [local] extra. Without it they are skipped, except where
    KAOCHA_REQUIRE_LOCAL=1 (CI's second step) demands them: there a missing extra fails."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") or os.environ.get("KAOCHA_REQUIRE_LOCAL") == "1":
        return
    skip = pytest.mark.skip(reason="需要可选组件 [local]（llama-cpp-python）")
    for item in items:
        if "local" in item.keywords:
            item.add_marker(skip)

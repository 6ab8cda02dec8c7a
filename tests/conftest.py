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


# -- the corpus index, built once and reused across runs ------------------------------------------
# Building it (278 passages through the real embedder) takes 1-2 minutes on 2 cores, so the built
# data dir is kept in pytest's cache folder (.pytest_cache/d/kaocha-corpus-index/<key>), keyed by
# everything the build reads: corpus/, src/kaocha_rag/, lexicon/, the settings, the installed
# packages and this recipe. Tests never open the cached dir itself, only copies of it.
# KAOCHA_TEST_NO_CACHE=1 builds into the session's temp dir instead; `pytest --cache-clear` empties it.
BUILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from kaocha_rag.index.index import Index
from kaocha_rag.settings import Settings
ix = Index(Settings(data_dir=sys.argv[2]))
reports = ix.ingest([sys.argv[3]])
print(json.dumps([r.to_dict() for r in reports], ensure_ascii=False))
"""
KEEP_ENTRIES = 3  # the cache keeps the builds of the last few code versions


def _index_key() -> str:
    import hashlib
    import importlib.metadata
    import json
    import sys

    from kaocha_rag.settings import Settings

    h = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        h.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    for folder in (CORPUS, ROOT / "src" / "kaocha_rag", ROOT / "lexicon"):
        for p in sorted(folder.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                add(p.relative_to(ROOT).as_posix(), p.read_bytes())
    s = Settings(data_dir=ROOT / "data")  # as the build sees it: defaults and KAOCHA_* variables
    add("settings", json.dumps(s.model_dump(mode="json", exclude={"data_dir", "llm_api_key", "auth"}),
                               sort_keys=True).encode())
    add("recipe", BUILD.encode())
    add("root", str(ROOT).encode())  # the manifest records each file's path
    add("python", sys.version.encode())
    add("packages", "\n".join(sorted(f"{d.metadata['Name']}=={d.version}"
                                     for d in importlib.metadata.distributions())).encode())
    return h.hexdigest()[:24]


def _build_corpus_data(data: Path) -> None:
    """Index corpus/ into ``data`` in a child process, which exits and so leaves the folder closed."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", BUILD, str(ROOT / "src"), str(data), str(CORPUS)],
                         capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stderr[-3000:]
    reports = json.loads(out.stdout.strip().splitlines()[-1])
    assert reports and all(r["status"] == "added" for r in reports), reports


def _prune(root: Path, keep: Path) -> None:
    """Drop cached builds beyond the newest few (by last use), unless used in the last 10 minutes
    (a concurrent run may be copying one), and builds a killed run left (after a day)."""
    import shutil
    import time

    now = time.time()
    entries = sorted((p for p in root.iterdir() if p.is_dir() and p != keep),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    builds = [p for p in entries if not p.name.startswith(".build-")]
    for p in builds[KEEP_ENTRIES - 1:]:
        if now - p.stat().st_mtime > 600:
            shutil.rmtree(p, ignore_errors=True)
            (root / f"{p.name}.lock").unlink(missing_ok=True)
    for p in entries:
        if p.name.startswith(".build-") and now - p.stat().st_mtime > 86400:
            shutil.rmtree(p, ignore_errors=True)


@pytest.fixture(scope="session")
def corpus_data(request, tmp_path_factory) -> Path:
    """The data dir of corpus/ indexed with the real bundled embedder: read-only, copy it to use it."""
    import fcntl
    import shutil
    import tempfile

    if os.environ.get("KAOCHA_TEST_NO_CACHE") == "1" or getattr(request.config, "cache", None) is None:
        data = tmp_path_factory.mktemp("corpus-build") / "data"
        _build_corpus_data(data)
        return data
    root = request.config.cache.mkdir("kaocha-corpus-index")
    key = _index_key()
    entry = root / key
    if not entry.is_dir():
        with open(root / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # a run that started at the same time builds it: wait
            if not entry.is_dir():
                tmp = Path(tempfile.mkdtemp(prefix=f".build-{key}-", dir=root))
                _build_corpus_data(tmp / "data")
                try:
                    os.rename(tmp, entry)  # atomic: other runs see the whole build or none
                except OSError:
                    if not entry.is_dir():
                        raise
                    shutil.rmtree(tmp, ignore_errors=True)  # another run got there first: same contents
    os.utime(entry)  # last use, for pruning
    _prune(root, entry)
    return entry / "data"


def copy_corpus_data(corpus_data: Path, dest: Path) -> Path:
    """A private, writable copy of the built corpus index."""
    import shutil

    return Path(shutil.copytree(corpus_data, dest))


@pytest.fixture(scope="session")
def corpus_index(settings_factory, corpus_data, tmp_path_factory):
    """The real index of corpus/ with the real bundled embedder (a copy of the cached build,
    shared by the session: a test that adds to it removes what it added)."""
    from kaocha_rag.index.index import Index

    ix = Index(settings_factory(data_dir=copy_corpus_data(corpus_data, tmp_path_factory.mktemp("corpus") / "data")))
    reports = ix.ingest([CORPUS])  # the copy holds exactly this corpus, indexed with these settings
    assert reports and all(r.status == "unchanged" for r in reports), reports
    return ix


@pytest.fixture()
def fresh_index(settings_factory, corpus_index):
    """An empty index sharing the loaded embedder (models load once per session)."""
    from kaocha_rag.index.index import Index

    return Index(settings_factory(), embedder=corpus_index.embedder)


@pytest.fixture()
def fake():
    """A recording OpenAI-compatible server (tests/fake_llm.py): the only fake in the suite."""
    from fake_llm import FakeLLM

    f = FakeLLM()
    yield f
    f.close()


def llm_settings(index, fake, **kw):
    """The index's settings pointed at the fake LLM server; figure questions (多少/何时) go to it too
    (``llm_figures``), as most LLM tests check what the checks make of the model's figures."""
    return index.settings.model_copy(update={"llm_base_url": fake.url, "llm_model": "fake-model",
                                             "llm_api_key": "sk-test", "llm_timeout": 3.0, "llm_figures": True, **kw})


def dev_qa():
    from kaocha_rag.bench.evaluate import load_jsonl

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

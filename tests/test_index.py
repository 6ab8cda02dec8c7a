import signal
import subprocess
import sys
import time


from kaocha_rag.bench.evaluate import relevant
from kaocha_rag.answer.retrieve import search

from conftest import CORPUS, ROOT, dev_qa


def test_dev_qa_retrieval_finds_evidence_in_top5(corpus_index):
    for q in dev_qa():
        if not q["evidence"]:
            continue
        hits = search(q["question"], 5, index=corpus_index)
        assert any(relevant(h.chunk["text"], q["evidence"]) for h in hits), q["question"]


def test_scores_are_0_to_1_and_descending(corpus_index):
    hits = search("周口港的吞吐能力是多少？", 5, index=corpus_index)
    scores = [h.score for h in hits]
    assert all(0 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True)
    assert "5000万吨" in hits[0].chunk["text"]


def test_traditional_question_finds_traditional_passage(corpus_index):
    hits = search("樂清市有多少家電氣企業？", 3, index=corpus_index)
    assert "6000多家" in hits[0].chunk["text"].replace(" ", "")


def test_near_duplicate_passages_shown_once(corpus_index):
    hits = search("厦门市共有多少个重点工业园区？", 5, index=corpus_index)
    assert sum("厦门市共有17个重点工业园区" in h.chunk["text"] for h in hits) == 1


def test_filters_by_document_and_source(corpus_index):
    hits = search("招商引资", 5, index=corpus_index, doc_ids=["004_a43456356f896553-1"])
    assert hits and {h.chunk["doc_id"] for h in hits} == {"004_a43456356f896553-1"}
    hits = search("招商引资", 5, index=corpus_index, sources=["001_4eae6fcf7c2bc2f8.txt"])
    assert hits and {h.chunk["source"] for h in hits} == {"001_4eae6fcf7c2bc2f8.txt"}


def test_incremental_ingest_skip_change_remove(fresh_index, tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("关于赴甲地考察的报告\n一、基本情况\n甲地建成智慧停车场42个，新增车位9800个。", encoding="utf-8")
    assert [r.status for r in fresh_index.ingest([p])] == ["added"]
    assert [r.status for r in fresh_index.ingest([p])] == ["unchanged"]
    p.write_text("关于赴甲地考察的报告\n一、基本情况\n甲地建成智慧停车场57个，新增车位12000个。", encoding="utf-8")
    assert [r.status for r in fresh_index.ingest([p])] == ["updated"]
    hits = search("智慧停车场建了多少个", 3, index=fresh_index)
    assert "57个" in hits[0].chunk["text"] and len(fresh_index.store.ids()) == 1
    assert fresh_index.remove("a.txt") == ["a-1"]
    assert fresh_index.documents() == [] and fresh_index.store.ids() == set()


def test_bad_file_does_not_stop_others(fresh_index, tmp_path):
    (tmp_path / "bad.txt").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "good.txt").write_text("考察报告\n一、做法\n乙地推行街长制，覆盖300条街道。", encoding="utf-8")
    reports = {r.source: r for r in fresh_index.ingest([tmp_path])}
    assert reports["bad.txt"].status == "error" and "二进制" in reports["bad.txt"].error
    assert reports["good.txt"].status == "added"


KILL_CHILD = r"""
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from kaocha_rag.index.index import Index
from kaocha_rag.settings import Settings


class KillAfterUpsert:
    # The real store, except that the process gets SIGKILL as soon as an upsert has returned:
    # the file's vectors are in Chroma, its manifest transaction has not begun.
    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def upsert(self, *args, **kw):
        self.real.upsert(*args, **kw)
        os.kill(os.getpid(), signal.SIGKILL)


data, folder, how = sys.argv[2:5]
ix = Index(Settings(data_dir=data))
if how == "after-vectors":
    ix = Index(ix.settings, embedder=ix.embedder, store=KillAfterUpsert(ix.store))
ix.ingest([folder], progress=lambda i, n, name: print(i, n, name, flush=True))
print("done", flush=True)
"""
Q = "沭阳职业专科学校占地多少亩？"
NEW_A = "关于赴甲地考察的报告\n一、基本情况\n甲地港口年设计吞吐能力3100万吨，开通集装箱航线14条。\n"


def _ingest_child(data, folder, how):
    return subprocess.Popen([sys.executable, "-c", KILL_CHILD, str(ROOT / "src"), str(data), str(folder), how],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _top(ix, q):
    return [h.chunk["chunk_id"] for h in search(q, 5, index=ix)]


def test_kill_mid_ingest_keeps_previous_index(corpus_data, corpus_index, tmp_path):
    """SIGKILL while two new files go into the corpus index, at two points: right after the first
    file's vectors were written (before its manifest transaction), and from outside while the
    second file is being ingested. Each time a fresh open of the folder answers as before, lists
    only committed files and never returns a passage the manifest does not list; the next ingest
    completes and leaves no stray vector. (Two processes load the model, not seven: the checks
    run here, on folders this process had not opened before.)"""
    from kaocha_rag.index.index import Index

    from conftest import copy_corpus_data

    new = tmp_path / "new"
    new.mkdir()
    (new / "1_甲地.txt").write_text(NEW_A, encoding="utf-8")
    (new / "2_乙地.txt").write_bytes((CORPUS / "004_a43456356f896553.txt").read_bytes())
    old_sources = {p.name for p in CORPUS.glob("*.txt")}
    before = _top(corpus_index, Q)

    # 1. killed between writing the first file's vectors and committing it
    data1 = copy_corpus_data(corpus_data, tmp_path / "data1")
    proc = _ingest_child(data1, new, "after-vectors")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL, err[-2000:]
    assert out.splitlines() == ["0 2 1_甲地.txt"]
    data2 = copy_corpus_data(data1, tmp_path / "data2")  # the crashed state, for the second kill
    ix = Index(corpus_index.settings.model_copy(update={"data_dir": data1}), embedder=corpus_index.embedder)
    assert {d["source"] for d in ix.documents()} == old_sources
    orphans = ix.store.ids() - ix.manifest.vec_ids()
    assert orphans and all(v.startswith("1_甲地-") for v in orphans)  # the vectors were written
    assert _top(ix, Q) == before
    hnsw = Index(ix.settings.model_copy(update={"exact_search_max": 0}), embedder=corpus_index.embedder)
    for index in (ix, hnsw):  # neither exact search nor Chroma's HNSW returns the unlisted passage
        assert all(h.chunk["source"] in old_sources for h in search("甲地港口年设计吞吐能力", 5, index=index))

    # 2. the same ingest again on the crashed folder, killed from outside once the second file is under way
    proc = _ingest_child(data2, new, "timed")
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("1 2 "):
                time.sleep(0.3)
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(60)
    assert lines == ["0 2 1_甲地.txt", "1 2 2_乙地.txt"] and proc.returncode == -signal.SIGKILL
    ix = Index(corpus_index.settings.model_copy(update={"data_dir": data2}), embedder=corpus_index.embedder)
    sources = {d["source"] for d in ix.documents()}
    assert old_sources | {"1_甲地.txt"} <= sources <= old_sources | {"1_甲地.txt", "2_乙地.txt"}
    assert ix.store.ids() >= ix.manifest.vec_ids()  # every listed passage has its vector
    assert _top(ix, Q) == before

    # 3. the next ingest completes
    assert [r.status for r in ix.ingest([new])][0] == "unchanged"
    assert {d["source"] for d in ix.documents()} == old_sources | {"1_甲地.txt", "2_乙地.txt"}
    assert len(ix.documents()) == 13
    assert ix.store.ids() == ix.manifest.vec_ids()
    assert _top(ix, Q) == before
    assert "3100万吨" in search("甲地港口年设计吞吐能力", 1, index=ix)[0].chunk["text"]


def test_sentence_transformers_backend_with_bundled_model(settings_factory, tmp_path):
    from kaocha_rag.index.embed import SentenceTransformerEmbedder
    from kaocha_rag.index.index import Index

    emb = SentenceTransformerEmbedder("")
    ix = Index(settings_factory(embedder="sentence-transformers"), embedder=emb)
    p = tmp_path / "r.txt"
    p.write_text("Study tour report\n1. Port\nThe port handles 50 million tonnes a year.\n2. Tourism\nMuseums open at night.",
                 encoding="utf-8")
    assert ix.ingest([p])[0].status == "added"
    hits = search("port capacity tonnes", 1, index=ix, mode="dense")
    assert "50 million" in hits[0].chunk["text"]

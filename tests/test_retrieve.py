"""``search`` on a few passages held in memory: no Chroma, no manifest, the real embedding model.

The read side of the index is a protocol (``retrieve.Searchable``: settings, embedder, keyword(),
vectors()); this pins the ranking rules on four passages where each outcome is known."""
import numpy as np
import pytest

from kaocha_rag.answer.retrieve import search
from kaocha_rag.index.keyword import BM25
from kaocha_rag.index.passage import indexed_text
from kaocha_rag.ingest.clean import normalize
from kaocha_rag.settings import Settings

PASSAGES = [  # (chunk_id, doc_id, title, section, text, role)
    ("a-1", "a", "赴周口考察报告", ["一、港口建设"], "周口中心港年设计吞吐能力5000万吨，开通了至上海、连云港的集装箱航线。", "做法·经验"),
    ("b-1", "b", "赴开封考察报告", ["二、城市更新"], "开封对老旧小区实施微改造，加装电梯、改造管网，居民满意度明显提升。", "做法·经验"),
    ("b-2", "b", "赴开封考察报告", ["三、下一步打算"], "我市将借鉴开封经验，加快推进老旧小区改造。", "打算·建议"),
    ("c-1", "c", "赴开封考察报告", ["二、城市更新"], "开封对老旧小区实施微改造，加装电梯、改造管网，居民满意度明显提升。", "做法·经验"),
]


class MemoryIndex:
    """Four passages, their BM25 and their unit vectors — everything ``search`` needs."""

    def __init__(self, embedder):
        self.settings = Settings()
        self.embedder = embedder
        self.chunks = [{"chunk_id": cid, "doc_id": doc, "title": title, "section": sec, "source": f"{doc}.txt",
                        "text": text, "norm": normalize(text), "role": role, "vec_id": f"{cid}@0"}
                       for cid, doc, title, sec, text, role in PASSAGES]
        texts = [indexed_text(c["title"], c["section"], c["norm"]) for c in self.chunks]
        self.bm25 = BM25(texts)
        vec = np.asarray(embedder.embed_passages(texts), dtype=np.float32)
        self.matrix = vec / np.linalg.norm(vec, axis=1, keepdims=True)

    @property
    def store(self):
        raise AssertionError("four passages are scored exactly; the vector store must not be asked")

    def keyword(self):
        return self.bm25, self.chunks

    def vectors(self, chunks):
        assert chunks is self.chunks
        return self.matrix


@pytest.fixture(scope="module")
def memory_index(corpus_index):
    return MemoryIndex(corpus_index.embedder)


def ids(hits):
    return [h.chunk["chunk_id"] for h in hits]


@pytest.mark.parametrize("query, k, kw, expected", [
    ("周口港的吞吐能力是多少", 1, {}, ["a-1"]),
    # c-1 repeats b-1 word for word: shown once
    ("开封老旧小区微改造加装电梯", 2, {}, ["b-1", "b-2"]),
    ("开封老旧小区微改造加装电梯", 3, {"dedup": False}, ["b-1", "c-1", "b-2"]),
    ("开封老旧小区微改造加装电梯", 3, {"roles": ["打算·建议"]}, ["b-2"]),
    ("开封老旧小区微改造加装电梯", 3, {"doc_ids": ["c"]}, ["c-1"]),
    ("开封老旧小区微改造加装电梯", 3, {"mode": "keyword", "dedup": False}, ["b-1", "c-1", "b-2"]),
])
def test_search_rules_on_a_memory_index(memory_index, query, k, kw, expected):
    assert ids(search(query, k, index=memory_index, **kw)) == expected


def test_scores_are_relevance_between_0_and_1(memory_index):
    hits = search("周口中心港集装箱航线", 4, index=memory_index, dedup=False)
    assert hits[0].chunk["chunk_id"] == "a-1"
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert hits[0].score > 0.8 > hits[-1].score


@pytest.mark.parametrize("kw, message", [
    ({"mode": "vector"}, "未知的检索方式 'vector'，可选：hybrid, dense, keyword"),
    ({"fusion": "max"}, "未知的融合方式 'max'，可选：weighted, rrf"),
    ({"k": 0}, "k 必须 ≥ 1，收到 0"),
])
def test_bad_arguments_name_the_value_and_the_options(memory_index, kw, message):
    args = {"k": 3, **kw}
    with pytest.raises(ValueError) as err:
        search("周口", args.pop("k"), index=memory_index, **args)
    assert str(err.value) == message

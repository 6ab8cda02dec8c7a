"""The keyword index (bm25s under our Chinese tokeniser): exact tables computed by hand."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from kaocha_rag.index.keyword import BM25, tokenize

from conftest import ROOT

K1, B = 1.2, 0.75
# Four passages; character bigrams (lengths in bigrams: 6, 2, 4, 3 → average 3.75).
DOCS = ["周口港吞吐能力", "周口市", "港口吞吐量", "开封古城"]


def idf(df: int, n: int = 4) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def weight(term_idf: float, tf: int, length: int, avg: float = 3.75) -> float:
    return term_idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))


def test_tokens_are_character_bigrams_after_t2s():
    assert tokenize("週口港，2024年") == ["周口", "口港", "2024", "年"]
    assert tokenize("周口港", "jieba") == ["周口", "港"]
    assert tokenize("周口港", "both") == ["周口", "口港", "周口", "港"]


def test_vocab_and_idf_by_column():
    bm = BM25(DOCS)
    assert list(bm.vocab)[:4] == ["周口", "口港", "港吞", "吞吐"]  # columns in first-occurrence order
    assert bm.idf[bm.vocab["周口"]] == pytest.approx(math.log(2), abs=1e-6)       # df 2
    assert bm.idf[bm.vocab["口港"]] == pytest.approx(math.log(10 / 3), abs=1e-6)  # df 1
    assert bm.idf[bm.vocab["吞吐"]] == pytest.approx(math.log(2), abs=1e-6)       # df 2 (d0, d2)


def test_query_table_order_and_exact_cover():
    """“周口港” → 周口 (df 2), 口港 (df 1): d0 has both, d1 only 周口, d2 and d3 neither."""
    bm, cover = BM25(DOCS).scores("周口港")
    total = idf(2) + idf(1)
    assert cover.tolist() == pytest.approx([1.0, idf(2) / total, 0.0, 0.0], abs=1e-6)
    assert cover[1] == pytest.approx(0.365368, abs=1e-6)  # ln 2 / ln(20/3)
    assert bm.tolist() == pytest.approx([weight(idf(2), 1, 6) + weight(idf(1), 1, 6), weight(idf(2), 1, 2), 0, 0],
                                        rel=1e-6)
    assert bm[0] == pytest.approx(1.523235, abs=1e-5) and bm[1] == pytest.approx(0.856699, abs=1e-5)
    assert np.argsort(-bm, kind="stable").tolist() == [0, 1, 2, 3]


def test_unknown_query_terms_lower_the_share():
    """码头 and 港码 occur in no passage: each adds ln(1 + N + 0.5) to the denominator."""
    _, cover = BM25(DOCS).scores("周口港码头")
    total = idf(2) + idf(1) + 2 * math.log(5.5)
    assert cover.tolist() == pytest.approx([(idf(2) + idf(1)) / total, idf(2) / total, 0, 0], abs=1e-6)
    assert cover[0] == pytest.approx(0.357501, abs=1e-6)


def test_repeated_query_term_counts_once_in_share_twice_in_bm25():
    index = BM25(DOCS)
    bm1, c1 = index.scores("吞吐")
    bm2, c2 = index.scores("吞吐，吞吐")
    assert c1.tolist() == c2.tolist() == pytest.approx([1.0, 0.0, 1.0, 0.0])
    assert bm2.tolist() == pytest.approx((2 * bm1).tolist(), rel=1e-6)
    # the shorter passage wins on the same term (length normalisation): d2 (4 bigrams) over d0 (6)
    assert np.argsort(-bm1, kind="stable").tolist()[:2] == [2, 0]
    assert bm1[2] == pytest.approx(weight(idf(2), 1, 4), rel=1e-6)


def test_no_known_term_and_empty_index():
    bm, cover = BM25(DOCS).scores("北京")
    assert not bm.any() and not cover.any() and len(bm) == 4
    bm, cover = BM25([]).scores("周口")
    assert len(bm) == len(cover) == 0
    bm, cover = BM25(["。。。", ""]).scores("周口")  # passages with no tokens at all
    assert bm.tolist() == [0, 0] and cover.tolist() == [0, 0]


def test_same_scores_under_any_hash_seed():
    """Sums over the query's terms run in a fixed order: bit-identical across processes
    (Python randomises str hashing per process, so iterating a set would not be)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from kaocha_rag.index.keyword import BM25; "
            "docs = ['周口港年吞吐能力5000万吨，集装箱航线14条', '开封清明上河园开发了300多项沉浸式文旅活动', "
            "'洛阳博物馆奇妙夜1680元每晚，周口港口物流园'] * 3; "
            "bm, c = BM25(docs).scores('周口港和洛阳博物馆的吞吐能力、航线与沉浸式文旅活动'); "
            "print(bm.tobytes().hex(), c.tobytes().hex())")
    outs = {subprocess.run([sys.executable, "-c", code, str(ROOT / "src")], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3)}
    assert len(outs) == 1

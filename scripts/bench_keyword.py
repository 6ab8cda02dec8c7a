"""Keyword index at ~10 MB of text, no embeddings: build time and per-query scoring time.

    python scripts/bench_keyword.py [--tokenizer bigram|jieba|both] [--queries 2000]

Passages: the cmrc2018 and drcd passages (one passage each, 4.3 MB) + corpus_gov_reports cut by
the same chunker ingest uses (``chunk_text``, 4.3 MB), and, up to ``--mb``, the reports again cut
with a smaller token budget (a second version of the same documents); indexed as
``Index.keyword()`` does (title and heading path in front of the text). Queries: the cmrc2018 and drcd questions (a fixed sample),
each timed through ``BM25.scores`` (tokenising the query, BM25 and the term-share), warm.
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
sys.path.insert(0, str(ROOT / "src"))

from kaocha_rag.ingest.chunk import chunk_text  # noqa: E402
from kaocha_rag.ingest.clean import normalize  # noqa: E402
from kaocha_rag.bench.evaluate import load_jsonl  # noqa: E402
from kaocha_rag.index.passage import passage_for_embedding  # noqa: E402
from kaocha_rag.index.keyword import BM25  # noqa: E402
from kaocha_rag.settings import Settings  # noqa: E402


def passages(target_mb: float) -> tuple[list[str], int]:
    s = Settings()
    texts, size = [], 0
    for name in ("cmrc2018", "drcd"):
        for r in load_jsonl(SHARED / name / "corpus.jsonl"):
            texts.append(passage_for_embedding(r.get("title", ""), [], normalize(r["text"])))
            size += len(r["text"].encode("utf-8"))
    reports = [(f.name, f.read_text(encoding="utf-8")) for f in sorted((SHARED / "corpus_gov_reports" / "docs").glob("*.txt"))]
    # the reports once as ingest cuts them, then (to reach the target size) again cut with a
    # smaller budget: a second, differently split version of the same documents, as an office
    # library holds drafts and final versions
    for budget in (s.chunk_max_tokens, 300, 200):
        for name, raw in reports:
            if size >= target_mb * 1e6:
                return texts, size
            size += len(raw.encode("utf-8"))
            for d in chunk_text(raw, name, max_tokens=budget, min_tokens=s.chunk_min_tokens, overlap=0):
                texts.extend(passage_for_embedding(c.title, c.section, c.norm) for c in d.chunks)
    return texts, size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", default="bigram", choices=("bigram", "jieba", "both"))
    ap.add_argument("--queries", type=int, default=2000, help="how many questions to time (fixed sample)")
    ap.add_argument("--mb", type=float, default=10.0, help="MB of UTF-8 text to index")
    a = ap.parse_args()
    texts, size = passages(a.mb)
    qs = [q["text"] for n in ("cmrc2018", "drcd") for q in load_jsonl(SHARED / n / "queries.jsonl")]
    qs = random.Random(15).sample(qs, min(a.queries, len(qs)))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    bm = BM25(texts, a.tokenizer)
    build = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for q in qs[:20]:  # warm-up
        bm.scores(q)
    lat = []
    for q in qs:
        t = time.perf_counter()
        bm.scores(q)
        lat.append((time.perf_counter() - t) * 1000)
    lat = np.asarray(lat)
    impl = "bm25s" if hasattr(bm, "_bm") else "hand-written (scipy)"
    print("| implementation | tokenizer | MB of text | passages | terms | build s | queries | p50 ms | p95 ms "
          "| peak RSS growth MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {impl} | {a.tokenizer} "
          f"| {size / 1e6:.1f} | {len(texts)} | {len(bm.vocab)} | {build:.1f} | {len(qs)} "
          f"| {np.percentile(lat, 50):.1f} | {np.percentile(lat, 95):.1f} | {max(0.0, rss1 - rss0):.0f} |")


if __name__ == "__main__":
    main()

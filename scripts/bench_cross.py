"""Questions across reports (issue 16): per-kind table over eval/cross_report.jsonl.

    python scripts/bench_cross.py [--set eval/cross_report.jsonl] [--dump /tmp/cross.jsonl] [--only x17,x18] [--ordinary]

Each question lists the evidence a complete answer must cite, per report ({report, evidence}).
An item counts as cited when a passage the answer cites comes from that report and holds the
evidence span (both normalised: Simplified, no whitespace). The truncated copy of the 天津/深圳/
厦门 report (篇二) and its full version (第三篇) count as one report, as eval/ notes say.

Columns per kind: questions; evidence items cited / required (share, target ≥ 90 %); complete
answers — every item cited (target ≥ 80 %); refused; how many answered as a list or a table (the
across path) vs the ordinary path; latency p50/p95 in seconds (offline, warm model).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from kaocha_rag.answer.ask import ask  # noqa: E402
from kaocha_rag.bench.evaluate import load_jsonl  # noqa: E402
from kaocha_rag.index.index import Index  # noqa: E402
from kaocha_rag.ingest.clean import normalize  # noqa: E402

# Names of one report: the truncated copy 篇二 and its full version 第三篇; and 003's two titles —
# the download page's header “2023年赴鲁苏六县市区城市建设考察报告” (split over 5 lines, the title the
# index stores) and the report's own heading “赴鲁苏六县市区城市建设等考察报告” (the name the set uses).
# Without the second pair none of the set's 16 鲁苏 items could count, whatever the answer cited.
SAME_REPORT = {"篇二：赴先进地区工业园区考察报告": "第三篇：赴先进地区工业园区考察报告",
               "赴鲁苏六县市区城市建设等考察报告": "2023年赴鲁苏六县市区城市建设考察报告"}


def _key(s: str) -> str:
    return re.sub(r"\s+", "", normalize(s))


def _report(title: str) -> str:
    t = normalize(title)
    same = {normalize(a): normalize(b) for a, b in SAME_REPORT.items()}
    return same.get(t, t)


def cited_items(q: dict, a) -> list[bool]:
    """For each required item: does a cited passage of its report hold its evidence?"""
    out = []
    for item in q["required"]:
        want, span = _report(item["report"]), _key(item["evidence"])
        out.append(any(_report(c["title"]) == want and span in _key(c["text"]) for c in a.citations))
    return out


def shape(a) -> str:
    if a.answer.lstrip().startswith("共检索") or re.search(r"^\|.*\|$", a.answer, re.M):
        return "table" if re.search(r"^\|.*\|$", a.answer, re.M) else "list"
    return "ordinary"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default=str(ROOT / "eval" / "cross_report.jsonl"))
    ap.add_argument("--dump", help="write every answer as JSON lines here (to read them)")
    ap.add_argument("--only", help="comma-separated ids")
    ap.add_argument("--ordinary", action="store_true", help="the ordinary answer path only (before issue 16)")
    args = ap.parse_args()
    qs = load_jsonl(args.set)
    if args.only:
        qs = [q for q in qs if q["id"] in set(args.only.split(","))]
    if args.ordinary:
        from kaocha_rag.answer import across

        across.plan = lambda *a, **k: None
    ix = Index()
    ask("预热", index=ix)  # load the embedder before timing
    rows: dict[str, list] = defaultdict(list)
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    for q in qs:
        t = time.perf_counter()
        a = ask(q["question"], index=ix)
        secs = time.perf_counter() - t
        got = cited_items(q, a)
        rows[q["kind"]].append((got, a.status, shape(a), secs))
        if dump:
            dump.write(json.dumps({"id": q["id"], "kind": q["kind"], "question": q["question"], "status": a.status,
                                   "cited": got, "answer": a.answer, "seconds": round(secs, 2),
                                   "citations": [[c["n"], c["title"]] for c in a.citations]},
                                  ensure_ascii=False) + "\n")
    print("| kind | questions | evidence cited | complete answers | refused | list / table / ordinary | p50 s | p95 s |")
    print("|---|---|---|---|---|---|---|---|")
    total = []
    for kind in [*sorted(rows), "all"]:
        rs = total if kind == "all" else rows[kind]
        if kind != "all":
            total += rs
        items = sum(len(g) for g, *_ in rs)
        cited = sum(sum(g) for g, *_ in rs)
        complete = sum(all(g) for g, *_ in rs)
        shapes = [s for _, _, s, _ in rs]
        secs = [x for *_, x in rs]
        print(f"| {kind} | {len(rs)} | {cited}/{items} ({100 * cited / max(items, 1):.0f} %) | "
              f"{complete}/{len(rs)} ({100 * complete / max(len(rs), 1):.0f} %) | {sum(s == 'refused' for _, s, _, _ in rs)} | "
              f"{shapes.count('list')} / {shapes.count('table')} / {shapes.count('ordinary')} | "
              f"{np.percentile(secs, 50):.2f} | {np.percentile(secs, 95):.2f} |")
    if dump:
        dump.close()


if __name__ == "__main__":
    main()

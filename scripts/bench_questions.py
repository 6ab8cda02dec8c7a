"""Answers for questions as users type them: per-kind table over eval/questions.jsonl
(+ dev_qa and eval/none_extra.jsonl), offline or with the configured/local LLM.

    python scripts/bench_questions.py [--set eval/questions.jsonl] [--dump /tmp/answers.jsonl] [--llm local] [--per-kind N]

Measures, per kind:
- answerable: refused (false refusal), status, the fact in the answer text, the evidence in a cited passage;
- out-of-scope: refused, or partial with the gap named ("没有…"); answered = a failure;
- every kind: numbers (with units) and places in cited sentences that no cited passage holds.
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
from kaocha_rag.answer.ask import ask, unsupported_names  # noqa: E402
from kaocha_rag.answer.citations import CITE, NUMBER, cited_numbers, number_supported, sentences  # noqa: E402
from kaocha_rag.bench.evaluate import load_jsonl, relevant, squash  # noqa: E402
from kaocha_rag.index.index import Index  # noqa: E402


def unsupported_numbers(a) -> list[str]:
    """Numbers in cited sentences that none of the passages the sentence cites holds."""
    texts = {c["n"]: c["text"] for c in a.citations}
    out = []
    for s in sentences(a.answer):
        ns = [n for n in cited_numbers(s) if n in texts]
        if not ns:
            continue
        for m in NUMBER.finditer(CITE.sub("", s)):
            num = m.group(0).strip()
            if re.search(r"\d", num) and not number_supported(num, [texts[n] for n in ns]):
                out.append(num)
    return out


def run(ix, q: dict, llm_settings=None) -> tuple:
    history = []
    for h in q.get("history", []):
        prev = ask(h, index=ix, settings=llm_settings)
        history.append((h, prev.answer))
    t = time.perf_counter()
    a = ask(q["question"], index=ix, history=history, settings=llm_settings)
    return a, time.perf_counter() - t


def first_per_kind(qs: list[dict], n: int) -> list[dict]:
    seen: dict[str, int] = defaultdict(int)
    out = []
    for q in qs:
        seen[q["kind"]] += 1
        if seen[q["kind"]] <= n:
            out.append(q)
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--set", default=str(ROOT / "eval" / "questions.jsonl"))
    p.add_argument("--dev", action="store_true", help="also dev_qa + eval/none_extra.jsonl")
    p.add_argument("--dump", help="write every answer as JSON lines here (to read them)")
    p.add_argument("--llm", choices=("none", "local", "openai"), default="none")
    p.add_argument("--per-kind", type=int, default=0,
                   help="only the first N questions of each kind (a 0.5B model on 2 cores takes ~30 s per answer)")
    a = p.parse_args()
    ix = Index()
    if ix.empty():  # an empty index would score every question as refused
        raise SystemExit(f"索引为空（{ix.settings.data_dir}）：先运行 kaocha-rag ingest corpus/")
    settings = ix.settings.model_copy(update={"llm": a.llm}) if a.llm != "none" else None
    qs = load_jsonl(a.set)
    if a.dev:
        for q in load_jsonl(ROOT.parent / "shared" / "eval" / "dev_qa.jsonl") + load_jsonl(ROOT / "eval" / "none_extra.jsonl"):
            kind = "dev_none" if not q["evidence"] else "dev_qa"
            qs.append({**q, "kind": kind, "expect": "refused" if kind == "dev_none" else "answered",
                       "fact": [q["answer"]] if q.get("answer") and kind == "dev_qa" else []})
    if a.per_kind:
        qs = first_per_kind(qs, a.per_kind)
    ask("预热", index=ix)
    rows: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    lat, dump = [], []
    for q in qs:
        ans, dt = run(ix, q, settings)
        lat.append(dt)
        r = rows[q["kind"]]
        bad_nums = unsupported_numbers(ans)
        bad_names = unsupported_names(ans.answer, [_HitLike(c) for c in ans.citations], ix) if ans.citations else []
        r["unsupported numbers/names"].append(len(bad_nums) + len(bad_names))
        if q["expect"] == "answered":
            r["refused (false)"].append(ans.status == "refused")
            r["partial"].append(ans.status == "partial")
            # a refusal's list of nearest sources may hold the words (“…抢抓‘风口’…”): no answer holds no fact
            r["fact in answer"].append(ans.status != "refused" and bool(q.get("fact"))
                                       and any(squash(f) in squash(ans.answer) for f in q["fact"]))
            r["evidence cited"].append(any(relevant(c["text"], q["evidence"]) for c in ans.citations))
        else:
            ok = ans.status == "refused" or (ans.status == "partial" and "没有" in ans.answer)
            r["refused or partial+gap"].append(ok)
            r["answered (wrong)"].append(ans.status == "answered")
        dump.append({"id": q["id"], "kind": q["kind"], "question": q["question"], "expect": q["expect"],
                     "status": ans.status, "understood": ans.understood, "answer": ans.answer,
                     "mode": ans.mode, "fact": q.get("fact"), "bad_numbers": bad_nums, "bad_names": bad_names,
                     "citations": [c["title"] + " › " + " › ".join(c["section"]) for c in ans.citations]})
    _print(rows)
    ms = np.array(lat) * 1000
    print(f"\n{len(lat)} questions, latency p50 / p95 {np.percentile(ms, 50):.0f} / {np.percentile(ms, 95):.0f} ms")
    if a.dump:
        Path(a.dump).write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in dump) + "\n", encoding="utf-8")


class _HitLike:
    def __init__(self, c):
        self.chunk = {"chunk_id": c["chunk_id"], "norm": squash(c["text"])}


def _print(rows) -> None:
    cols = ["refused (false)", "partial", "fact in answer", "evidence cited", "refused or partial+gap", "answered (wrong)",
            "unsupported numbers/names"]
    print("| kind | n | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    total = defaultdict(list)
    for kind in sorted(rows):
        r = rows[kind]
        n = len(r["unsupported numbers/names"])
        cells = []
        for c in cols:
            v = r.get(c)
            total[c].extend(v or [])
            cells.append("" if not v else (str(sum(v)) if c.startswith("unsupported") else f"{sum(v)}/{len(v)}"))
        print(f"| {kind} | {n} | " + " | ".join(cells) + " |")
    n = len(total["unsupported numbers/names"])
    print(f"| **all** | {n} | " + " | ".join(
        "" if not total[c] else (str(sum(total[c])) if c.startswith("unsupported") else f"{sum(total[c])}/{len(total[c])}")
        for c in cols) + " |")


if __name__ == "__main__":
    main()

"""Local LLM (llama.cpp + bundled Qwen2.5-Coder GGUF) against the offline extractive mode on dev_qa.

    KAOCHA_DATA_DIR=/tmp/kdata kaocha-rag ingest corpus/ && \
    KAOCHA_DATA_DIR=/tmp/kdata python scripts/bench_local_llm.py [--local-model qwen2.5-coder-0.5b]

Per answerable question: time to first token, total time, generated tokens/s (tiktoken count of
the streamed text — Qwen's own tokenizer differs, so read it as a rate, not an exact figure),
whether the generated answer survived the citation check (else the offline answer was used),
invalid citations, unsupported numbers, and whether the final answer text holds the evidence.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kaocha_rag.answer.ask import ask_stream  # noqa: E402
from kaocha_rag.bench.evaluate import load_jsonl, relevant  # noqa: E402
from kaocha_rag.index.index import Index  # noqa: E402
from kaocha_rag.tokens import count_tokens  # noqa: E402


def run_one(question: str, ix: Index, settings) -> dict:
    t0 = time.perf_counter()
    first, streamed, final = None, "", None
    for text, final in ask_stream(question, index=ix, settings=settings):
        if final is None:
            if first is None and text:
                first = time.perf_counter() - t0
            streamed = text
    total = time.perf_counter() - t0
    gen_time = total - (first or total)
    toks = count_tokens(streamed) if streamed else 0
    return {"a": final, "ttft": first, "total": total, "tps": toks / gen_time if gen_time > 0.2 else None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--local-model", default="qwen2.5-coder-0.5b")
    a = ap.parse_args()
    ix = Index()
    qs = load_jsonl(ROOT.parent / "shared" / "eval" / "dev_qa.jsonl")
    extra = load_jsonl(ROOT / "eval" / "none_extra.jsonl")
    modes = {"extractive (offline)": ix.settings.model_copy(update={"llm": "none", "llm_base_url": ""}),
             f"local {a.local_model}": ix.settings.model_copy(update={"llm": "local", "local_model": a.local_model})}
    print("| mode | answerable | LLM text kept | with invalid [n] | with unsupported numbers | answer holds evidence "
          "| none refused | TTFT p50 s | total p50 / p95 s | tokens/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, s in modes.items():
        run_one("预热：周口港", ix, s)  # loads models
        rows = [run_one(q["question"], ix, s) | {"q": q} for q in qs + extra]
        ans = [r for r in rows if r["q"]["evidence"]]
        none = [r for r in rows if not r["q"]["evidence"]]
        kept = sum(r["a"].mode == "llm" and r["a"].grounded for r in ans)
        invalid = sum(bool(r["a"].invalid_citations) for r in ans)
        unsup = sum(bool(r["a"].unsupported) for r in ans)
        holds = sum(relevant(r["a"].answer, r["q"]["evidence"]) for r in ans)
        refused = sum(not r["a"].grounded for r in none)
        ttft = [r["ttft"] for r in ans if r["ttft"] is not None]
        tot = np.array([r["total"] for r in ans])
        tps = [r["tps"] for r in ans if r["tps"]]
        print(f"| {label} | {len(ans)} | {kept}/{len(ans)} | {invalid} | {unsup} | {holds}/{len(ans)} "
              f"| {refused}/{len(none)} | {np.median(ttft) if ttft else 0:.1f} "
              f"| {np.percentile(tot, 50):.1f} / {np.percentile(tot, 95):.1f} | {np.median(tps) if tps else 0:.0f} |",
              flush=True)
        if label.startswith("local"):
            for r in ans[:3]:
                print(f"\n> {r['q']['question']}\n\n```\n{r['a'].answer[:400]}\n```\nnotes: {r['a'].notes}")


if __name__ == "__main__":
    main()

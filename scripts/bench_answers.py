"""Answer benchmark on dev_qa (+ eval/none_extra.jsonl): prints a Markdown table.

    KAOCHA_DATA_DIR=/tmp/kdata kaocha-rag ingest corpus/ && KAOCHA_DATA_DIR=/tmp/kdata python scripts/bench_answers.py
"""
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from kaocha_rag.answer.ask import ask  # noqa: E402
from kaocha_rag.bench.evaluate import load_jsonl, relevant  # noqa: E402
from kaocha_rag.index.index import Index  # noqa: E402

ix = Index()
qs = load_jsonl(ROOT.parent / "shared" / "eval" / "dev_qa.jsonl")
extra = load_jsonl(ROOT / "eval" / "none_extra.jsonl")
ask("预热", index=ix)
rows = {"answerable grounded": [], "answer text holds evidence": [], "citation holds evidence": [],
        "dev_qa none refused": [], "none_extra refused": []}
lat = []
for q in qs + extra:
    t = time.perf_counter()
    a = ask(q["question"], index=ix)
    lat.append(time.perf_counter() - t)
    if q["evidence"]:
        rows["answerable grounded"].append(a.grounded)
        rows["answer text holds evidence"].append(relevant(a.answer, q["evidence"]))
        rows["citation holds evidence"].append(any(relevant(c["text"], q["evidence"]) for c in a.citations))
    else:
        rows["dev_qa none refused" if q["id"].startswith("d") else "none_extra refused"].append(not a.grounded)
print("| measure | value |\n|---|---|")
for k, v in rows.items():
    print(f"| {k} | {sum(v)}/{len(v)} = {sum(v) / len(v):.2f} |")
a = np.array(lat) * 1000
print(f"| latency p50 / p95 (ms, offline extractive, {len(lat)} questions) | {np.percentile(a, 50):.0f} / {np.percentile(a, 95):.0f} |")

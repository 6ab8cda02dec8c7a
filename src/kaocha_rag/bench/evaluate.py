"""Retrieval evaluation: dev_qa (evidence strings) and BEIR-style sets (corpus/queries/qrels).

dev_qa relevance rule (../shared/benchmarks/README.md): a passage is relevant
when, after Traditional→Simplified and keeping only letters, digits and CJK
characters, it contains one of the question's evidence strings.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np

from ..ingest.clean import normalize

_NON_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]")


def squash(text: str) -> str:
    return _NON_WORD.sub("", normalize(text))


def relevant(text: str, evidence: list[str]) -> bool:
    t = squash(text)
    return any(squash(e) and squash(e) in t for e in evidence)


def load_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def metrics(first_ranks: list[int | None]) -> dict:
    """first_ranks: 1-based rank of the first relevant hit (None if not in the list)."""
    n = max(1, len(first_ranks))
    r1 = sum(1 for r in first_ranks if r is not None and r <= 1) / n
    r5 = sum(1 for r in first_ranks if r is not None and r <= 5) / n
    mrr = sum(1.0 / r for r in first_ranks if r is not None and r <= 10) / n
    return {"queries": len(first_ranks), "recall@1": round(r1, 4), "recall@5": round(r5, 4), "mrr@10": round(mrr, 4)}


def eval_questions(questions: list[dict], search_fn) -> dict:
    """search_fn(question) -> list of passage texts in rank order. `none` questions are skipped."""
    ranks, lat, misses = [], [], []
    for q in questions:
        if not q.get("evidence"):
            continue
        t = time.perf_counter()
        texts = search_fn(q["question"])
        lat.append(time.perf_counter() - t)
        r = next((i + 1 for i, tx in enumerate(texts[:10]) if relevant(tx, q["evidence"])), None)
        ranks.append(r)
        if r != 1:
            misses.append({"id": q.get("id"), "question": q["question"], "rank": r})
    out = metrics(ranks)
    out.update(_latency(lat))
    out["misses"] = misses
    return out


def eval_beir(folder, search_fn) -> dict:
    folder = Path(folder)
    qrels: dict[str, set[str]] = {}
    for line in (folder / "qrels.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] != "query_id":
            qrels.setdefault(parts[0], set()).add(parts[1])
    ranks, lat = [], []
    for q in load_jsonl(folder / "queries.jsonl"):
        if q["id"] not in qrels:
            continue
        t = time.perf_counter()
        ids = search_fn(q["text"])
        lat.append(time.perf_counter() - t)
        ranks.append(next((i + 1 for i, pid in enumerate(ids[:10]) if pid in qrels[q["id"]]), None))
    out = metrics(ranks)
    out.update(_latency(lat))
    return out


def _latency(lat: list[float]) -> dict:
    if not lat:
        return {}
    a = np.asarray(lat) * 1000
    return {"latency_ms_p50": round(float(np.percentile(a, 50)), 1), "latency_ms_p95": round(float(np.percentile(a, 95)), 1)}

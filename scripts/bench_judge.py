"""Can a bundled model tell an on-topic outline point from one that only shares a word?

Reads the independent hand reads in eval/reviews (drafting-outlines-*.md + drafting-verdict-*.md: each point's
text and the reader's on_topic verdict), asks the local model “is this point about the topic?” and prints the AUC
of P(是) for the first token, and what bars would keep. Usage:
    python scripts/bench_judge.py --model qwen2.5-coder-1.5b
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kaocha_rag.bench.evaluate import load_jsonl  # noqa: E402
from kaocha_rag.llm.local import model_path  # noqa: E402
from kaocha_rag.settings import Settings  # noqa: E402

REVIEWS = ROOT / "eval" / "reviews"
SYSTEM = "你是政府办公室的资深文字秘书，负责审核考察报告提纲的要点是否切题。"
ASK = ("报告主题：{topic}\n要点：{text}\n\n这条要点的主要内容是不是在讲报告主题本身？"
       "如果主题词只是顺带提到、出现在并列清单里、或者讲的是另一件事，回答“否”。只回答“是”或“否”。")


def labelled_points() -> list[dict]:
    """Distinct (topic, point) pairs with the last reader's verdict."""
    topics = {r["id"]: r["topic"] for r in load_jsonl(ROOT / "eval" / "drafting.jsonl")}
    out = {}
    for outlines in sorted(REVIEWS.glob("drafting-outlines-*.md")):
        verdicts = (REVIEWS / outlines.name.replace("outlines", "verdict")).read_text(encoding="utf-8")
        on = {m.group(1): m.group(2) == "yes" for m in re.finditer(r"^\| ([A-Z]\d{3}) \| (\w+) \|", verdicts, re.M)}
        tid = None
        for line in outlines.read_text(encoding="utf-8").splitlines():
            m = re.match(r"## (t\d+) ", line)
            tid = m.group(1) if m else tid
            m = re.match(r"- ([A-Z]\d{3}): (.*)", line)
            if m and m.group(1) in on:
                out[(tid, m.group(2)[:40])] = {"tid": tid, "topic": topics[tid], "text": m.group(2), "on": on[m.group(1)]}
    return list(out.values())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="qwen2.5-coder-1.5b", choices=["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
    a = p.parse_args()
    from llama_cpp import Llama

    llm = Llama(str(model_path(Settings(llm="local", local_model=a.model))), n_ctx=1024, n_threads=2,
                verbose=False, logits_all=True)
    points, t0 = labelled_points(), time.time()
    for r in points:
        user = ASK.format(topic=r["topic"], text=r["text"][:200])
        prompt = f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
        top = llm.create_completion(prompt, max_tokens=1, logprobs=20, temperature=0)["choices"][0]["logprobs"]["top_logprobs"][0]
        yes = sum(math.exp(v) for k, v in top.items() if k.strip().startswith("是"))
        no = sum(math.exp(v) for k, v in top.items() if k.strip().startswith("否"))
        r["p"] = yes / (yes + no) if yes + no else 0.5
    pos = [r["p"] for r in points if r["on"]]
    neg = [r["p"] for r in points if not r["on"]]
    auc = sum((x > y) + 0.5 * (x == y) for x in pos for y in neg) / (len(pos) * len(neg))
    print(f"{a.model}: {len(points)} points ({len(neg)} off topic), {time.time() - t0:.0f} s, AUC {auc:.2f}")
    print("| bar | on-topic kept | off-topic kept |\n|---|---|---|")
    for bar in (0.2, 0.4, 0.5, 0.6, 0.7, 0.8):
        print(f"| {bar} | {sum(x >= bar for x in pos)}/{len(pos)} | {sum(y >= bar for y in neg)}/{len(neg)} |")


if __name__ == "__main__":
    main()

"""Drafting benchmark (issue 14): outlines for writers' topics, eval/drafting.jsonl.

    KAOCHA_DATA_DIR=/tmp/draft-data python scripts/bench_drafting.py [--set eval/drafting.jsonl] [--dump F]
        [--outlines F]   # judge outlines made elsewhere (JSON lines {"id", "outline", "seconds"}), e.g. an older commit's

Per topic and overall:
- cover: must-cover facts cited — a citation's passage holds the evidence (kaocha_rag.bench.evaluate.squash);
- role: cited points whose role (roles.py) is one the section draws on (draft.SECTION_ROLES): the passage's
  role, or the sentence's where its wording moved it (a visited place's practice in a lesson passage;
  counted apart as "moved by wording");
- off: off-topic points — the point holds a must_not marker, or neither the point, its passage nor
  the passage's heading path holds any topic term or expansion (draft.understand_topic: the words,
  their synonyms and corpus forms; the judgement is mechanical, not a hand read);
- dup: pairs of points from the same fact — the same passage sentence, or ≥ 60 % of the shorter
  point's character 3-grams in the other after normalising (t2s, punctuation and the “开封：” label removed);
- frag: points that are not a complete sentence — not ending in 。！？, opening with punctuation or a
  conjunction, unbalanced quotes/brackets, or fewer than 10 characters;
- refused covered / uncovered; outline latency (s, after one warm-up outline).

    ... bench_drafting.py --sections [--llm local] [--limit N]
        # “起草该部分” for the four genre sections of each covered topic, offline or with an LLM:

- facts: must-cover facts whose evidence lies in a passage the four sections cite;
- cited sentences: sentences (split at 。！？) of the section text that carry a [n] (a paragraph's theme lead
  “（一）…。” is a heading and is not counted);
- unsupported: figures the citation check could not find in the cited passages (the section's note);
- fallback: LLM sections whose text had no valid citation, replaced by the offline section;
- section latency (s).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from kaocha_rag import draft  # noqa: E402
from kaocha_rag.ingest.clean import normalize  # noqa: E402
from kaocha_rag.bench.evaluate import load_jsonl, squash  # noqa: E402
from kaocha_rag.index.index import Index  # noqa: E402
from kaocha_rag.ingest.roles import roles_of  # noqa: E402

LABEL = re.compile(r"^[\u4e00-\u9fff]{2,12}：")
QUOTES = [("“", "”"), ("‘", "’"), ("（", "）"), ("(", ")"), ("《", "》")]


def key(text: str) -> str:
    return squash(LABEL.sub("", text))


def grams(s: str) -> set[str]:
    return {s[i:i + 3] for i in range(max(1, len(s) - 2))}


def fragment(text: str) -> bool:
    body = LABEL.sub("", text).strip()
    return (len(re.sub(r"\W", "", body)) < 10 or not re.search(r"[。！？!?]$", body)
            or bool(re.match(r"^[，,、；;：:。）)”’和及与并而但且或等]", body))
            or any(body.count(a) != body.count(b) for a, b in QUOTES))


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f} %)" if b else "—"


def write_dump(path: str, rows: list[dict]) -> None:
    if path:
        Path(path).write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in rows) + "\n", encoding="utf-8")


def judge(row: dict, o, index: Index) -> dict:
    t = draft.understand_topic(row["topic"], index, row.get("regions") or [])
    words = [w for w in t.words() if len(w) >= 2] + [r for r in row.get("regions") or []]
    by_n = {c["n"]: c for c in o.citations}
    cited_text = [squash(c["text"]) for c in o.citations]
    covered = sum(1 for m in row["must_cover"] if any(squash(m["evidence"]) in ct for ct in cited_text))
    pts, role_ok, off, frag, moved = [], 0, 0, 0, 0
    for si, s in enumerate(o.sections):
        name = draft.bare_heading(s["heading"])
        for pi, p in enumerate(s["points"]):
            if not p["citations"]:
                continue
            c = by_n[p["citations"][0]]
            chunk = index.chunk(c["chunk_id"]) or c
            pts.append((p["text"], c))
            role = o.role(si, pi) or roles_of(chunk)  # the sentence's role where its wording moved it
            role_ok += role in draft.SECTION_ROLES.get(name, ())
            moved += role != roles_of(chunk)
            n = normalize(p["text"])
            around = normalize(p["text"] + c["text"] + " ".join(c["section"]))
            if any(normalize(m) in n for m in row.get("must_not", [])) or not any(w in around for w in words):
                off += 1
            frag += fragment(p["text"])
    dups = 0
    for i in range(len(pts)):
        for j in range(i):
            a, b = key(pts[i][0]), key(pts[j][0])
            ga, gb = grams(a), grams(b)
            if a == b or len(ga & gb) / max(1, min(len(ga), len(gb))) >= 0.6:
                dups += 1
    return {"must": len(row["must_cover"]), "covered": covered, "points": len(pts), "role_ok": role_ok,
            "off": off, "dup": dups, "frag": frag, "moved": moved}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default=str(ROOT / "eval/drafting.jsonl"))
    ap.add_argument("--dump", default="")
    ap.add_argument("--outlines", default="")
    ap.add_argument("--sections", action="store_true", help="draft the four sections (起草该部分) instead of outlines")
    ap.add_argument("--llm", default="none", choices=["none", "local", "openai"], help="with --sections")
    ap.add_argument("--limit", type=int, default=0, help="with --sections: the first N covered topics")
    args = ap.parse_args()
    rows = load_jsonl(args.set)
    index = Index()
    if index.empty():  # an empty index would score every question as refused
        raise SystemExit(f"索引为空（{index.settings.data_dir}）：先运行 kaocha-rag ingest corpus/")
    if args.sections:
        return bench_sections(rows, index, args)
    made = {d["id"]: d for d in load_jsonl(args.outlines)} if args.outlines else {}
    if not made:
        draft.outline("招商引资", index=index)  # warm-up: model load, lexicon, catalogue
    tot = {k: 0 for k in ("must", "covered", "points", "role_ok", "off", "dup", "frag", "moved")}
    refused_cov = refused_unc = n_cov = n_unc = 0
    times, dump = [], []
    print(f"{'id':4} {'topic':28} {'grounded':8} {'cover':>6} {'role':>6} {'off':>4} {'dup':>4} {'frag':>4} {'s':>5}")
    for row in rows:
        if made:
            d = made[row["id"]]
            o, dt = draft.Outline(**d["outline"]), d["seconds"]
        else:
            t0 = time.perf_counter()
            o = draft.outline(row["topic"], index=index, regions=row.get("regions") or [])
            dt = time.perf_counter() - t0
        times.append(dt)
        if row["covered"]:
            n_cov += 1
            refused_cov += not o.grounded
        else:
            n_unc += 1
            refused_unc += not o.grounded
        r = judge(row, o, index)
        for k in tot:
            tot[k] += r[k]
        dump.append({"id": row["id"], "topic": row["topic"], "result": r, "outline": o.to_dict()})
        print(f"{row['id']:4} {row['topic'][:14]:28} {str(o.grounded):8} {r['covered']:>2}/{r['must']:<3} "
              f"{r['role_ok']:>2}/{r['points']:<3} {r['off']:>4} {r['dup']:>4} {r['frag']:>4} {dt:5.1f}")
    times.sort()
    print()
    print(f"must-cover facts cited      {pct(tot['covered'], tot['must'])}")
    print(f"points with matching role   {pct(tot['role_ok'], tot['points'])} ({tot['moved']} placed by their wording)")
    print(f"off-topic points            {pct(tot['off'], tot['points'])}")
    print(f"duplicate point pairs       {tot['dup']}")
    print(f"fragments                   {tot['frag']}")
    print(f"covered topics refused      {refused_cov}/{n_cov}")
    print(f"uncovered topics refused    {pct(refused_unc, n_unc)}")
    print(f"outline latency             median {times[len(times) // 2]:.1f} s, max {times[-1]:.1f} s")
    write_dump(args.dump, dump)


SECTIONS = ("基本情况", "主要做法与经验", "差距与启示", "下一步打算和建议")
SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?(?:\[\d+\])*")


def bench_sections(rows: list[dict], index: Index, args) -> None:
    from kaocha_rag.settings import Settings

    settings = Settings(llm=args.llm) if args.llm != "none" else index.settings
    covered = [r for r in rows if r["covered"]][:args.limit or None]
    tot = {"must": 0, "facts": 0, "sentences": 0, "cited": 0, "unsupported": 0, "fallback": 0, "sections": 0}
    times, dump = [], []
    print(f"{'id':4} {'topic':28} {'facts':>6} {'cited':>9} {'unsup':>5} {'fallbk':>6} {'s':>6}")
    for row in covered:
        texts, unsup, fallback, secs = [], 0, 0, 0.0
        for name in SECTIONS:
            t0 = time.perf_counter()
            o = draft.draft_section(name, row["topic"], index=index, settings=settings)
            dt = time.perf_counter() - t0
            times.append(dt)
            secs += dt
            texts += [squash(c["text"]) for c in o.citations]
            unsup += sum(n.count("、") + 1 for n in o.notes if n.startswith("以下数字在所引资料中找不到"))
            fallback += any("已改用离线拼写" in n for n in o.notes)
            # the paragraph's theme lead “（一）政府支持明晰化。” is a heading, not a claim: not counted
            body = "".join(re.sub(r"^（[一二三四五六七八九十]+）[^。]*。", "", p["text"])
                           for sec in o.sections for p in sec["points"] if p["citations"] or "[" in p["text"])
            sents = [x for x in SENTENCE.findall(body) if len(re.sub(r"\W|\[\d+\]", "", x)) >= 4]
            tot["sentences"] += len(sents)
            tot["cited"] += sum(bool(re.search(r"\[\d+\]", x)) for x in sents)
            dump.append({"id": row["id"], "section": name, "outline": o.to_dict(), "seconds": round(dt, 1)})
        facts = sum(1 for m in row["must_cover"] if any(squash(m["evidence"]) in t for t in texts))
        tot["must"] += len(row["must_cover"])
        tot["facts"] += facts
        tot["unsupported"] += unsup
        tot["fallback"] += fallback
        tot["sections"] += len(SECTIONS)
        print(f"{row['id']:4} {row['topic'][:14]:28} {facts:>2}/{len(row['must_cover']):<3} "
              f"{'':>9} {unsup:>5} {fallback:>6} {secs:6.1f}")
    times.sort()
    print(f"\nmode: {args.llm}, {len(covered)} covered topics x 4 sections")
    print(f"must-cover facts cited      {pct(tot['facts'], tot['must'])}")
    print(f"sentences carrying [n]      {pct(tot['cited'], tot['sentences'])}")
    print(f"unsupported figures         {tot['unsupported']}")
    print(f"LLM sections fallen back    {tot['fallback']}/{tot['sections']}")
    print(f"section latency             median {times[len(times) // 2]:.1f} s, max {times[-1]:.1f} s")
    write_dump(args.dump, dump)


if __name__ == "__main__":
    main()

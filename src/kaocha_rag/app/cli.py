"""kaocha-rag command line: a thin layer over the same functions the UI calls.

Contracts that outside checks rely on (keep the shapes): ``chunks FILE --json``,
``search Q --k 5 --json``, ``search --queries FILE``, ``ask Q --json``,
``eval retrieval``, ``outline``/``draft``, ``reports --json`` (exactly doc_id, title,
places, units, date, delegation, source).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False))


def _questions(path: str) -> list[str]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SystemExit(f"无法读取问题文件 {path}：{exc.strerror or exc}")
    return [l.strip() for l in lines if l.strip()]


def cmd_chunks(a) -> int:
    from ..ingest.chunk import chunk_file
    from ..errors import IngestError
    from ..settings import Settings

    s = Settings()
    try:
        docs = chunk_file(a.file, max_tokens=s.chunk_max_tokens, min_tokens=s.chunk_min_tokens,
                          overlap=s.chunk_overlap_sentences)
    except IngestError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    out = {"source": Path(a.file).name, "documents": [
        {"doc_id": d.doc_id, "title": d.title, "duplicate_of": d.duplicate_of,
         "chunks": [{"chunk_id": c.chunk_id, "section": c.section, "text": c.text, "start": c.start, "end": c.end}
                    for c in d.chunks]} for d in docs]}
    if a.json:
        _print_json(out)
    else:
        for d in out["documents"]:
            dup = f"（与 {d['duplicate_of']} 重复）" if d["duplicate_of"] else ""
            print(f"# {d['doc_id']} {d['title']}{dup}：{len(d['chunks'])} 段")
            for c in d["chunks"]:
                print(f"  [{c['chunk_id']}] {' › '.join(c['section']) or '（正文）'}  {c['text'][:50]}…")
    return 0


def _index():
    from ..index.index import Index

    return Index()


def cmd_ingest(a) -> int:
    from . import service

    ix = _index()
    reports = service.ingest(ix, a.paths, rebuild=a.rebuild, progress=_tqdm_progress())
    if a.json:
        _print_json({"files": [r.to_dict() for r in reports], **ix.stats()})
    else:
        for r in reports:
            if r.status == "error":
                print(f"✗ {r.error}")
            else:
                word = {"added": "新增", "updated": "已更新", "unchanged": "未变化，跳过"}[r.status]
                print(f"✓ {r.source}：{word}，{r.documents} 篇报告，{r.chunks} 段")
        st = ix.stats()
        print(f"索引：{st['files']} 个文件，{st['documents']} 篇报告，{st['chunks']} 段（向量模型 {st['embedder']}）")
    return 1 if reports and all(r.status == "error" for r in reports) else 0


def _tqdm_progress():
    """Files done / total on stderr when a person watches (tqdm); silent in pipes and tests."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="文件", file=sys.stderr)

    def progress(i: int, n: int, name: str) -> None:
        bar.total = n
        bar.n = i
        bar.set_description(name[:30])
        bar.refresh()
        if i >= n:
            bar.close()
    return progress


def cmd_list(a) -> int:
    from . import service

    docs = service.documents(_index())
    if a.json:
        _print_json({"documents": docs})
    else:
        for d in docs:
            dup = f"  （与 {d['duplicate_of']} 重复）" if d["duplicate_of"] else ""
            print(f"{d['doc_id']}\t{d['chunks']} 段\t{d['title']}\t{d['source']}{dup}")
        if not docs:
            print("索引是空的：先运行 kaocha-rag ingest corpus/")
    return 0


def cmd_reports(a) -> int:
    from . import service

    reports = service.reports(_index())
    if a.json:
        _print_json([r.contract() for r in reports])
        return 0
    if not reports:
        print("索引是空的：先运行 kaocha-rag ingest corpus/")
        return 0
    rows = [["标题", "考察地点", "考察单位", "时间", "带队", "文件"]]
    for r in reports:
        title = ("〔重复〕" if r.duplicate_of else "") + r.title
        rows.append([title, "、".join(r.places), "、".join(r.units), r.date, r.delegation, r.source])
    print(_table(rows, widths=[30, 30, 24, 20, 30, 26]))
    print(f"共 {len(reports)} 篇报告；空格表示报告中没有写明。")
    return 0


def _table(rows: list[list[str]], widths: list[int]) -> str:
    """A plain-text table that lines up Chinese (2 columns a character); long cells are cut with …."""
    import unicodedata

    def w(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    def fit(s: str, n: int) -> str:
        if w(s) > n:
            while w(s) > n - 1:
                s = s[:-1]
            s += "…"
        return s + " " * (n - w(s))

    cols = [min(n, max(w(r[k]) for r in rows)) for k, n in enumerate(widths)]
    lines = ["  ".join(fit(c, cols[k]) for k, c in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * n for n in cols))
    return "\n".join(lines)


def cmd_remove(a) -> int:
    from . import service

    removed = service.delete(_index(), a.target)  # NotFoundError → main() prints it, exit 2
    _print_json({"removed": removed}) if a.json else print("已删除：" + "、".join(removed))
    return 0


def cmd_search(a) -> int:
    from . import service

    ix = _index()
    queries = _questions(a.queries) if a.queries else [a.query]
    if not queries or queries == [None]:
        print("请给出问题，或用 --queries FILE", file=sys.stderr)
        return 2
    filters = {"doc_ids": a.doc or None, "sources": a.source or None}
    if ix.empty():  # no hits because nothing is indexed, not because the question missed
        from ..errors import EMPTY_LIBRARY
        print(EMPTY_LIBRARY, file=sys.stderr)
    for q in queries:
        hits = service.search(ix, q, a.k, mode=a.mode, **filters)
        if a.json:
            _print_json({"query": q, "hits": [h.to_dict() for h in hits]})
        else:
            print(f"问：{q}")
            for h in hits:
                print(f"  {h.rank}. [{h.score:.2f}] 《{h.chunk['title']}》{' › '.join(h.chunk['section'])}")
                print(f"     {h.chunk['text'][:120]}…")
    return 0


def cmd_ask(a) -> int:
    from . import service

    ix = _index()
    queries = _questions(a.queries) if a.queries else [a.question]
    for q in queries:
        ans = service.ask(ix, q, k=a.k)
        if a.json:
            _print_json(ans.to_dict())
            continue
        print(ans.answer)
        if ans.citations:
            print("\n引用：")
            for c in ans.citations:
                print(f"[{c['n']}] 《{c['title']}》{' › '.join(c['section'])}\n    {c['text'][:200]}")
        for n in ans.notes:
            print(f"注意：{n}")
    return 0


def cmd_eval(a) -> int:
    from . import service
    from ..bench.evaluate import eval_questions, load_jsonl

    if a.beir:
        res = _eval_beir_dir(a)
    else:
        ix = _index()
        res = eval_questions(load_jsonl(a.questions),
                             lambda q: [h.chunk["text"] for h in service.search(ix, q, 10, mode=a.mode)])
    if a.json:
        _print_json(res)
    else:
        print(f"Recall@1 {res['recall@1']:.3f}  Recall@5 {res['recall@5']:.3f}  MRR@10 {res['mrr@10']:.3f}  "
              f"（{res['queries']} 个问题，p50 {res.get('latency_ms_p50')} ms，p95 {res.get('latency_ms_p95')} ms）")
    return 0


def _eval_beir_dir(a) -> dict:
    """Index a BEIR-style corpus (one passage = one chunk) in a temporary data dir and score it."""
    import tempfile

    from . import service
    from ..bench.corpora import index_passages
    from ..bench.evaluate import eval_beir

    with tempfile.TemporaryDirectory() as tmp:
        ix = index_passages(Path(a.beir) / "corpus.jsonl", Path(tmp))
        return eval_beir(a.beir, lambda q: [h.chunk["doc_id"] for h in service.search(ix, q, 10, mode=a.mode, dedup=False)])


def cmd_outline(a) -> int:
    from . import service

    _export(service.outline(_index(), a.topic, a.regions), a)
    return 0


def cmd_draft(a) -> int:
    from . import service

    _export(service.draft_section(_index(), a.section, a.topic), a)
    return 0


def _export(o, a) -> None:
    from . import service

    if a.json:
        _print_json(o.to_dict())
    else:
        print(service.markdown(o))
    for kind in ("docx", "md"):
        if getattr(a, kind):
            service.export_outline(o, kind, getattr(a, kind))
            print(f"已导出 {getattr(a, kind)}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kaocha-rag", description="考察报告问答与起草助手")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("chunks", help="显示一个文件切分出的报告和段落")
    c.add_argument("file")
    c.add_argument("--json", action="store_true")
    c.set_defaults(fn=cmd_chunks)
    c = sub.add_parser("ingest", help="把文件或目录加入索引（按内容哈希增量）")
    c.add_argument("paths", nargs="+")
    c.add_argument("--rebuild", action="store_true", help="全部重新建索引，并删除未列出的文件")
    c.add_argument("--json", action="store_true")
    c.set_defaults(fn=cmd_ingest)
    c = sub.add_parser("list", help="列出已索引的报告")
    c.add_argument("--json", action="store_true")
    c.set_defaults(fn=cmd_list)
    c = sub.add_parser("reports", help="报告目录：考察地点、单位、时间、带队、文件")
    c.add_argument("--json", action="store_true", help='[{"doc_id", "title", "places", "units", "date", "delegation", "source"}]')
    c.set_defaults(fn=cmd_reports)
    c = sub.add_parser("remove", help="按 doc_id 或文件名删除")
    c.add_argument("target")
    c.add_argument("--json", action="store_true")
    c.set_defaults(fn=cmd_remove)
    c = sub.add_parser("search", help="混合检索")
    c.add_argument("query", nargs="?")
    c.add_argument("--queries")
    c.add_argument("--k", type=int, default=5)
    c.add_argument("--mode", choices=("hybrid", "dense", "keyword"), default="hybrid")
    c.add_argument("--doc", action="append", help="只在该 doc_id 中检索（可重复）")
    c.add_argument("--source", action="append", help="只在该文件中检索（可重复）")
    c.add_argument("--json", action="store_true")
    c.set_defaults(fn=cmd_search)
    c = sub.add_parser("ask", help="带引用的回答")
    c.add_argument("question", nargs="?")
    c.add_argument("--queries")
    c.add_argument("--k", type=int, default=None)
    c.add_argument("--json", action="store_true")
    c.set_defaults(fn=cmd_ask)
    c = sub.add_parser("eval", help="评测")
    c.add_argument("what", choices=("retrieval",))
    g = c.add_mutually_exclusive_group(required=True)
    g.add_argument("--questions")
    g.add_argument("--beir")
    c.add_argument("--mode", choices=("hybrid", "dense", "keyword"), default="hybrid")
    c.add_argument("--json", action="store_true")
    c.set_defaults(fn=cmd_eval)
    for name, fn, helptext in (("outline", cmd_outline, "生成报告提纲"), ("draft", cmd_draft, "起草一个部分")):
        c = sub.add_parser(name, help=helptext)
        if name == "outline":
            c.add_argument("topic")
            c.add_argument("--regions", default="")
        else:
            c.add_argument("--section", required=True)
            c.add_argument("--topic", required=True)
        c.add_argument("--json", action="store_true")
        c.add_argument("--docx")
        c.add_argument("--md")
        c.set_defaults(fn=fn)
    return p


def main(argv=None) -> int:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    if args.cmd == "search" and not args.query and not args.queries:
        print("请给出问题，或用 --queries FILE", file=sys.stderr)
        return 2
    if args.cmd == "ask" and not args.question and not args.queries:
        print("请给出问题，或用 --queries FILE", file=sys.stderr)
        return 2
    from ..errors import KaochaError, StoreUnavailable

    try:
        return args.fn(args) or 0
    except StoreUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 3
    except KaochaError as exc:  # bad input the user can fix: the message says what and how
        print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Questions across reports: “哪些地方/哪些报告/各地…” lists and “A和B…有什么不同” tables.

An ordinary answer quotes the global top passages, which usually come from one or two reports;
a writer asking “哪些地方在搞老旧小区改造” needs every report checked. So here:

- **kind** (``kind_of``): ``compare`` when the question contrasts two sides (有什么不同/异同/
  区别/各有什么…) and two sides can be told apart; ``enumerate`` when it asks across the
  reports (哪些地方/哪些报告/各地/各份报告…). Anything else goes the ordinary way.
- **evidence per report** (``per_report``): one hybrid search over every passage, grouped by
  report — the best passages of *each* report, checked for the places, years and topic words
  asked (across_topic.on_topic) — so a report whose best passage ranks 40th overall still
  counts. Reports the index marks as copies of another are not searched twice.
- **enumerate**: one line per report (or per place for 哪些地方/各地), each cited, under
  “共检索 N 份报告，M 份有相关内容”, and the reports with nothing named at the end. A line quotes
  up to three distinct on-topic passages: the two best, and the report's first on-topic one in
  reading order (where a report frames the topic: 第三篇's “一、基本情况” on its 工业园区).
- **compare** (across_table.py): each side's evidence found separately (a place in the
  passage or its headings, a report through the catalogue), then a Markdown table.

With an LLM the same grouped evidence is the prompt (prompts/across_*.txt) and the model's
text is checked cell by cell (across_table.finish_llm).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..index.catalog import Report, catalogue
from ..index.index import Index
from ..ingest.clean import normalize
from .lexicon import corpus_view
from .retrieve import Hit, search
from .support import Check
from .understand import Understood
from .across_topic import near_only, on_topic, quote
from .across_table import (ASPECTS, NONE, TRIP, Side, _understand, cells_of, check_cells, claims_text, side_sentences,
                           sides_of, table_text, topic_text, trip_cells)

# -- what kind of question ----------------------------------------------------------------------
# Words that ask across the reports. "洛阳有哪些做法" is not one (哪些 + a practice word):
# only 哪些/哪几 followed by a report or place word, or 各地/各份报告/每份报告, count.
ACROSS = re.compile(r"哪(?:些|几)(?:个|份|篇|次)?(?:考察)?(?:地方|地区|城市|县市|市县|报告|考察|篇|次|份)"
                    r"|哪(?:些|几)个?(?:县|市|区|省)|各(?:地|份|篇|次|市|县|报告|考察)|每(?:份|篇|次)|所有(?:的)?报告"
                    r"|这些(?:考察)?报告|几份报告|两份报告|几次考察")
COMPARE = re.compile(r"不同|区别|差别|异同|不一样|一样吗|相同吗|相比|对比|比较|各有|各出|各自有|分别有|分别是|分别在|分别由")
ENUM_BY_PLACE = re.compile(r"哪(?:些|几)个?(?:地方|地区|城市|县市|市县|县|市|区|省)|各(?:地|市|县)")


@dataclass
class Plan:
    kind: str  # enumerate | compare
    topic: Understood  # the question without its framing and its sides
    sides: list[Side] = field(default_factory=list)
    by_place: bool = False
    alts: list[Understood] = field(default_factory=list)  # “新农村建设或乡村振兴”: either one counts


@dataclass
class Scope:
    """One report as the answer counts it, with every copy the index holds of it."""
    report: Report
    doc_ids: list[str]


def one_per_report(index: Index, doc_ids: list[str] | None = None) -> list[Report]:
    """The catalogue with each repeated report once, under its fuller copy (第三篇, 21 passages, not the
    cut-short 篇二 with 15 that the index met first)."""
    return [sc.report for sc in _reports(index, doc_ids)]


def _reports(index: Index, doc_ids: list[str] | None) -> list[Scope]:
    """The reports to search. A report the index found to repeat another is one report: it is
    searched through both copies (the first copy in 000 is cut short: 15 passages against 21)
    and shown under the title of the copy with more passages."""
    sizes = {d["doc_id"]: d["chunks"] for d in index.documents()}
    rows = [r for r in catalogue(index) if not doc_ids or r.doc_id in doc_ids]
    scopes: dict[str, Scope] = {}
    for r in rows:
        key = r.duplicate_of if r.duplicate_of in {x.doc_id for x in rows} else r.doc_id
        sc = scopes.setdefault(key, Scope(r, []))
        sc.doc_ids.append(r.doc_id)
        if sizes.get(r.doc_id, 0) > sizes.get(sc.report.doc_id, 0):
            sc.report = r
    return list(scopes.values())


def kind_of(question: str) -> str:
    """'compare', 'enumerate' or '' — from the wording alone (sides are resolved in ``plan``)."""
    q = normalize(question)
    if COMPARE.search(q) and (re.search(r"[和与跟同及、]|以及", q) or re.search(r"两份|两次|几份|各份", q)):
        return "compare"
    return "enumerate" if ACROSS.search(q) else ""


# “城市公园、绿化”, “新农村建设或乡村振兴”: a report holding either one belongs in the list
_OR = re.compile(r"或者|或是|或|还是|、")


def plan(question: str, index: Index, doc_ids: list[str] | None = None) -> Plan | None:
    kind = kind_of(question)
    if not kind:
        return None
    whole = _understand(question, index)
    scopes = _reports(index, doc_ids)
    if kind == "compare":
        sides, rest = sides_of(question, whole, index, [s.report for s in scopes], scopes)
        if len(sides) >= 2:
            topic = _understand(topic_text(rest) or rest, index)
            topic.entities = []  # the sides are the places; “城市建设” names none
            return Plan("compare", topic, sides)
        if not ACROSS.search(normalize(question)) and not re.search(r"两份|两次|几份|各份", question):
            return None  # "洛阳和开封相比" with one side the reports lack: the ordinary path says so
    text = topic_text(question)
    u = _understand(text or question, index)
    # the places stay constraints ("哪些报告和上海有关"): every line must be about them
    places = [e for e in whole.entities if e.known] or u.entities
    u.entities = places
    if not u.topic and not u.entities and not u.metric:
        return None
    alts = []
    for part in (_OR.split(text) if _OR.search(text) else []):
        au = _understand(part, index) if len(part.strip()) >= 2 else None
        if au is not None and (au.topic or au.metric):
            au.entities = places
            alts.append(au)
    return Plan("enumerate", u, by_place=bool(ENUM_BY_PLACE.search(normalize(question))), alts=alts or [u])


# -- evidence per report ------------------------------------------------------------------------
# Passages of one report checked against the question (a report has 10–60): 24 reach 第三篇's
# “一、基本情况” passage on 工业园区, 19th of its 36 by score — its first on-topic one in reading order.
PER_REPORT = 24
# The relevance bar for one report's passage, as a share of settings.min_score (0.35, the bar for
# a question's best passage): the topic words are checked too, and a report's own words can score
# low against a question across all reports — 代表团's “最大的问题仍然是思想观念落后” 0.317, 鲁苏's
# “差在开展理念、观念和方式上” 0.242 for “哪些把问题归到思想观念上”. 0.6 × 0.35 = 0.21.
LIST_BAR = 0.6


def ranked_by_report(query: str, index: Index, scopes: list[Scope]) -> dict[str, list[Hit]]:
    """Every passage of the given reports scored once against the query, grouped by report, best
    first. One search over all passages: scores stay comparable across reports (a search per
    report would rescale BM25 to each report's best passage and lift a report's weak best).
    A passage both copies of a report hold counts once: the same headings and the same first 20
    characters (篇二's copy of “（一）规划建设标准高。三个城市…” differs from 第三篇's further on)."""
    total = len(index.keyword()[1])
    owner = {d: sc.report.doc_id for sc in scopes for d in sc.doc_ids}
    hits = search(query, max(total, 1), index=index, doc_ids=list(owner), candidates=max(total, 1), dedup=False)
    out: dict[str, list[Hit]] = {sc.report.doc_id: [] for sc in scopes}
    seen: set[tuple] = set()
    for h in hits:
        group = out.get(owner.get(h.chunk["doc_id"], ""))
        key = (owner.get(h.chunk["doc_id"]), tuple(h.chunk["section"]), re.sub(r"\W", "", h.chunk["norm"])[:20])
        if group is not None and len(group) < PER_REPORT and key not in seen:
            seen.add(key)
            group.append(h)
    return out


@dataclass
class Found:
    report: Report
    checks: list[Check]  # its passages that meet the question, best first
    picked: list[tuple[int, str]]  # (index into checks, sentence) chosen to answer
    near: list[tuple[str, str]] = field(default_factory=list)  # (asked, the near word its passages use)


def per_report(p: Plan, index: Index, scopes: list[Scope], limit: int = 3) -> list[Found]:
    """For each report: the passages above the relevance bar that meet every constraint and the
    topic (across_topic.on_topic on that report's own best passages) and the sentences to quote
    — the two best passages and the first in reading order — for each alternative the question
    allows (“A或B”), merged."""
    view = corpus_view(index)
    grouped = [ranked_by_report(u.search_text(), index, scopes) for u in p.alts]
    out = []
    for sc in scopes:
        checks: list[Check] = []
        picked: list[tuple[int, str]] = []
        for u, g in zip(p.alts, grouped):
            met = on_topic(u, g[sc.report.doc_id], view, index.settings.min_score * LIST_BAR)
            first = min(met, key=lambda c: c.hit.chunk.get("ord", 0), default=None)
            order = list({id(c): c for c in [*met[:2], *([first] if first else []), *met[2:4]]}.values())
            for hi, s in quote(u, order, view, limit, [x for _, x in picked]):
                ids = [c.hit.chunk["chunk_id"] for c in checks]
                cid = order[hi].hit.chunk["chunk_id"]
                if cid not in ids:
                    checks.append(order[hi])
                    ids.append(cid)
                picked.append((ids.index(cid), s))
        if picked:
            picked = picked[:limit + len(p.alts) - 1]
            out.append(Found(sc.report, checks, picked, near_only(p.alts, [checks[hi] for hi, _ in picked], index)))
    return out


# -- the enumeration ----------------------------------------------------------------------------
def place_of(sentence: str, chunk: dict, report: Report) -> str:
    """The catalogue place a quoted sentence is about: named in the sentence, else in its
    headings, else the report's only place; '' when that cannot be told."""
    from ..index.places import ADMIN_SUFFIX

    forms = [(p, ADMIN_SUFFIX.sub("", p) or p) for p in report.places]
    for where in (normalize(sentence), normalize(" ".join(chunk["section"]))):
        named = [p for p, short in forms if len(short) >= 2 and short in where]
        if len(named) == 1:
            return named[0]
        if named:  # “本次考察的天津滨海新区、深圳市、厦门市等地…”: the report's, not one place's
            return ""
    return report.places[0] if len(report.places) == 1 else ""


def enumerate_text(p: Plan, found: list[Found], searched: list[Scope], to_script) -> tuple[str, list[Hit]]:
    """The list: one cited line per report (or per place), and the count of reports searched."""
    cited: list[str] = []  # chunk_ids in citation order
    hits: dict[str, Hit] = {}
    lines: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for f in found:
        label = f"《{f.report.title}》"  # its places are added below, cited by the passage naming them
        labels[label] = _label_places(f, hits, cited)
        for hi, s in f.picked:
            h = f.checks[hi].hit
            cid = h.chunk["chunk_id"]
            if cid not in hits:
                hits[cid] = h
                cited.append(cid)
            place = place_of(s, h.chunk, f.report) if p.by_place else ""
            where = f"{place}（《{f.report.title}》）" if place else label
            lines.setdefault(where, []).append(f"{to_script(s.strip())}[{cited.index(cid) + 1}]")
        for asked, used in f.near:
            lines[where].append(f"（资料中用的是“{used}”，不完全等同于“{asked}”）")
    lines = {(k + labels[k] if k in labels else k): v for k, v in lines.items()}
    places = {k.split("（")[0] for k in lines if not k.startswith("《")}
    head = f"共检索 {len(searched)} 份报告，其中 {len(found)} 份有相关内容" + (
        f"，写明地方的有 {len(places)} 个：" if p.by_place and places else "：")
    body = [f"- {where}：{''.join(parts)}" for where, parts in lines.items()]
    missing = [sc.report for sc in searched if sc.report.doc_id not in {f.report.doc_id for f in found}]
    tail = [f"未找到相关内容的报告（{len(missing)} 份）：" + "、".join(f"《{r.title}》" for r in missing)] if missing else []
    return "\n".join([head, *body, *tail]), [hits[c] for c in cited]


def _label_places(f: Found, hits: dict, cited: list[str]) -> str:
    """“（广州、珠海、中山、东莞等[3]）”: the report's places that one of the line's passages names, cited
    by it — a label states no place that no cited passage says (篇三's 垃圾桶 sentence gets none)."""
    best, shown = None, []
    for hi, _ in f.picked:
        text = normalize(f.checks[hi].hit.chunk["text"])
        named = [p for p in f.report.places if normalize(p) in text]
        if len(named) > len(shown):
            best, shown = f.checks[hi].hit, named
    if not shown:
        return ""
    cid = best.chunk["chunk_id"]
    if cid not in hits:
        hits[cid] = best
        cited.append(cid)
    return f"（{'、'.join(shown[:4])}{'等' if len(shown) > 4 else ''}[{cited.index(cid) + 1}]）"


def _report_label(r: Report) -> str:
    places = "、".join(r.places[:4]) + ("等" if len(r.places) > 4 else "")
    return f"《{r.title}》" + (f"（{places}）" if places else "")


# -- the answer ---------------------------------------------------------------------------------
def run(p: Plan, question: str, *, index: Index, settings, model=None, notes: list[str],
        script, names_check, doc_ids: list[str] | None = None):
    """Yield (text so far, None) while an LLM streams, then (text, fields of ask.Answer).
    ``script(text, traditional)``: the answer in the question's script; ``names_check(text, hits)``:
    places an LLM sentence names that its cited passages lack (ask.unsupported_names)."""
    reports = _reports(index, doc_ids)
    tscript = lambda s: script(s, p.topic.traditional)  # noqa: E731
    trips = _trips(p, question, index)
    groups = [(sd.label, [x for col in t.values() for x in col]) for sd, t in zip(p.sides, trips)] if trips \
        else _evidence(p, index, reports)
    if not any(pairs for _, pairs in groups):
        what = p.topic.label() or topic_text(question)
        yield "", _fields(f"资料中没有找到能回答“{question.strip()[:60]}”的内容。（共检索 {len(reports)} 份报告，"
                          f"按“{what}”查找，没有一份有相关段落）", [], p, "refused", notes)
        return
    if p.kind == "compare":
        rows = [{**{a: [] for a in ASPECTS}, **t} for t in trips] if trips else [cells_of(pairs) for _, pairs in groups]
        table, hits = table_text(p.sides, rows, tscript)
        src = "；".join(f"{s.label}的资料来自" + "、".join(dict.fromkeys(f"《{h.chunk['title']}》" for h, _ in pairs))
                       for s, (_, pairs) in zip(p.sides, groups) if pairs and s.names)  # a report side is its source
        near = "；".join(f"{s.label}的资料没有直接写“{p.topic.label()}”，{s.near}"
                        for s, (_, pairs) in zip(p.sides, groups) if s.near and pairs)
        text = f"对比如下（共检索 {len(reports)} 份报告" + (f"；{src}" if src else "") + (f"；{near}" if near else "") \
            + f"）：\n\n{table}"
    else:
        found = [f for _, f in groups if f]
        text, hits = enumerate_text(p, [f[0] for f in found], reports, tscript)
    if model is not None:
        final = None
        for piece, fields in _llm(p, question, groups, index, settings, model, notes, names_check):
            if fields is None:
                yield piece, None
            final = fields
        if final is not None:
            yield final["answer"], final
            return
    yield text, _fields(text, hits, p, "answered", notes)


def _trips(p: Plan, question: str, index: Index) -> list[dict]:
    """Two reports compared on their trips (“两次考察团的带队人有什么不同”, “分别是什么时间”):
    each side's 时间/带队 cells from the catalogue, quoted from the report; [] otherwise."""
    if p.kind != "compare" or not TRIP.search(normalize(question)) or any(s.names for s in p.sides):
        return []
    trips = [trip_cells(side, index) for side in p.sides]
    return trips if any(trips) else []


def _evidence(p: Plan, index: Index, reports: list[Scope]) -> list[tuple[str, list]]:
    """(group label, its evidence) per side (compare: (hit, sentence) pairs) or per report
    that has something (enumerate: [Found])."""
    if p.kind == "compare":
        return [(s.label, side_sentences(s, p.topic, index)) for s in p.sides]
    return [(_report_label(f.report), [f]) for f in per_report(p, index, reports)]


def _fields(text: str, hits: list[Hit], p: Plan, status: str, notes: list[str], mode: str = "extractive",
            **extra) -> dict:
    u = p.topic.to_dict()
    if p.sides:  # what was compared, as the question named it
        u["entities"] = [s.label for s in p.sides]
    return {"answer": text, "grounded": status != "refused", "mode": mode, "status": status, "understood": u,
            "hits": hits, "notes": list(notes), **extra}


def _llm(p: Plan, question: str, groups, index: Index, settings, model, notes: list[str], names_check):
    """The model writes the list or the table from the grouped evidence; checked cell by cell."""
    from ..errors import LLMError
    from ..llm import chat as llm_mod
    from ..tokens import count_tokens
    from .citations import renumber
    from .prompts import render

    kept, blocks = [], []
    budget = settings.context_tokens - settings.answer_tokens - 600
    for label, ev in groups:
        hs = [h for h, _ in ev] if p.kind == "compare" else [c.hit for c in ev[0].checks[:2]] if ev else []
        part = []
        for h in {h.chunk["chunk_id"]: h for h in hs}.values():
            body = h.chunk["text"].replace("</资料>", "").replace("<资料>", "")
            if count_tokens(body) + 30 > budget:
                notes.append("上下文窗口不足，部分资料未放入提示词")
                break
            budget -= count_tokens(body) + 30
            kept.append(h)
            part.append(f"[{len(kept)}] 《{' › '.join([h.chunk['title'], *h.chunk['section']])}》\n{body}")
        blocks.append(f"【{label}】\n" + ("\n\n".join(part) if part else NONE))
    if p.kind == "compare":
        form = ("用 Markdown 表格回答：第一列是对比对象，行依次为" + "、".join(s.label for s in p.sides)
                + "；其余各列是" + "、".join(ASPECTS) + "。每个单元格里的每句话后标注资料编号，某一方资料中没有的写“资料未提及”。")
    else:
        form = "用列表回答：每份报告（或每个地方）一行，以“- ”开头，写明地方或报告名称，每句话后标注资料编号。"
    user = render("across_user", settings, context="\n\n".join(blocks), question=question, form=form)
    text = ""
    try:
        for piece in llm_mod.stream(model, render("across_system", settings), user):
            text += piece
            yield text, None
    except LLMError as exc:
        notes.append(f"{exc}，已改用离线抽取式回答")
        return
    res = check_cells(text, kept)
    if not res.used or not res.supported:
        notes.append("大模型的回答没有有效引用或与所引资料对不上，已改用离线抽取式回答")
        return
    remap = {old: new for new, old in enumerate(res.used, 1)}
    body = renumber(res.text, remap)
    names = names_check(claims_text(res.text), kept)
    extra_notes = ([f"{len(res.uncited)} 句没有标注出处"] if res.uncited else []) + \
        (["以下数字在所引资料中找不到：" + "、".join(res.unsupported)] if res.unsupported else []) + \
        (["以下地名、人名或单位在所引资料中找不到：" + "、".join(names)] if names else [])
    yield body, _fields(body, [kept[old - 1] for old in res.used], p, "answered", notes + extra_notes, "llm",
                        unsupported=res.unsupported + names, uncited=res.uncited, invalid_citations=res.invalid)

"""Grounded answers: retrieve → decide whether the reports hold the answer → answer with [n].

Offline (default): the sentences of the retrieved passages that answer the
question, each followed by [n]. With an LLM: the model writes the answer from
numbered passages, then every citation and number is checked (citations.py).
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import Iterator

from ..errors import EMPTY_LIBRARY, LLMError
from ..llm import chat as llm_mod
from ..ingest.chunk import match_heading
from . import across, trips
from .followup import standalone_question
from .citations import Citation, check, renumber, sentences
from .claims import unsupported_names
from ..ingest.clean import normalize
from ..ingest.split import ORDINAL
from .extract import TYPE_GAP, blank_figures, choose, conflicting_numbers, gives, type_gap
from ..index.index import Index
from ..index.keyword import tokenize
from .lexicon import corpus_view, load_lexicon
from .prompts import render
from .retrieve import Hit, search
from ..settings import Settings
from .support import Decision, decide
from ..tokens import count_tokens
from .understand import Understood, understand

NOT_FOUND = "资料中没有找到"
# How many passages the constraint checks look at: the place asked about may stand in the
# 20th passage of a hybrid search that ranks by topic words (dev_qa: ≤ 12 at 278 chunks).
CHECK_CANDIDATES = 30


@dataclass
class Answer:
    query: str
    answer: str
    grounded: bool
    mode: str  # "extractive" | "llm"
    status: str = "answered"  # answered | partial | refused
    understood: dict = field(default_factory=lambda: {"entities": [], "time": [], "metric": []})
    citations: list[dict] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)
    invalid_citations: list[int] = field(default_factory=list)
    leads: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    standalone: str = ""
    seconds: float = 0.0

    def to_dict(self, full: bool = False) -> dict:
        d = {"query": self.query, "answer": self.answer, "grounded": self.grounded, "mode": self.mode,
             "citations": self.citations, "unsupported": self.unsupported, "status": self.status,
             "understood": self.understood}
        if full:
            d.update({k: v for k, v in asdict(self).items() if k not in d})
        return d


def citation_dict(n: int, hit: Hit) -> Citation:
    c = hit.chunk
    return {"n": n, "chunk_id": c["chunk_id"], "title": c["title"], "section": list(c["section"]), "text": c["text"],
            "doc_id": c["doc_id"], "source": c["source"], "score": round(hit.score, 4)}


def understand_question(question: str, index: Index) -> Understood:
    """The question's places, years, metric and topic, resolved against the index's corpus."""
    return understand(question, corpus_view(index), load_lexicon(index.settings.lexicon_dir))


def assess(question: str, hits: list[Hit], index: Index, u: Understood | None = None) -> Decision:
    u = u or understand_question(question, index)
    return decide(u, hits, corpus_view(index), index.settings.min_score)


def is_grounded(question: str, hits: list[Hit], index: Index) -> tuple[bool, str]:
    """For drafting: do the passages hold the topic? (refused → False with the reason)."""
    if not hits:
        return False, "没有检索到任何段落"
    if hits[0].score < index.settings.min_score:
        return False, f"最相关段落的相关度 {hits[0].score:.2f} 低于阈值 {index.settings.min_score:.2f}"
    d = assess(question, hits, index)
    return d.status != "refused", d.gap


# -- offline extractive answer ------------------------------------------------------------------
def answer_sentence(question: str, hit: Hit, index: Index, rank: int = 0) -> str:
    """The rank-th sentence of one passage that best matches the question (for drafting)."""
    bm25, _ = index.keyword()
    weight = {t: float(bm25.idf[bm25.vocab[t]]) for t in set(tokenize(question)) if t in bm25.vocab}
    # A bare heading ("三是管理精细有温度。") says what, not how: prefer body sentences.
    sents = [s for s in sentences(hit.chunk["text"]) if len(s) >= 8 and not (len(s) < 30 and match_heading(s))]
    if not sents:
        return hit.chunk["text"][:120]
    ranked = sorted(sents, key=lambda s: -sum(w for t, w in weight.items() if t in set(tokenize(s))))
    return ranked[rank] if rank < len(ranked) else ""


# -- token budget -------------------------------------------------------------------------------
def pack(hits: list[Hit], settings: Settings, fixed: str) -> tuple[list[Hit], list[Hit]]:
    """Passages that fit the context window (keeping room for the answer), and those left out."""
    budget = settings.context_tokens - settings.answer_tokens - count_tokens(fixed)
    kept, dropped, used = [], [], 0
    for h in hits:
        t = count_tokens(h.chunk["text"]) + 30
        if used + t <= budget:
            kept.append(h)
            used += t
        else:
            dropped.append(h)
    return kept, dropped


def context_block(hits: list[Hit]) -> str:
    parts = []
    for n, h in enumerate(hits, 1):
        c = h.chunk
        head = " › ".join([c["title"], *c["section"]])
        body = c["text"].replace("</资料>", "").replace("<资料>", "")
        parts.append(f"[{n}] 《{head}》\n{body}")
    return "\n\n".join(parts)


# -- the whole flow -------------------------------------------------------------------------------
def _looked_for(u: Understood) -> str:
    fixes = "；".join(f"“{a}”按“{b}”查找" for a, b in u.corrections)
    label = u.label()
    parts = ([fixes] if fixes else []) + ([f"按“{label}”查找"] if label and label not in fixes else [])
    return "（" + "；".join(parts) + "）" if parts else ""


def _refusal(question: str, hits: list[Hit], reason: str, mode: str, u: Understood | None = None) -> Answer:
    leads = [citation_dict(n, h) for n, h in enumerate(hits[:3], 1)]
    lines = [f"{NOT_FOUND}能回答“{question.strip()[:60]}”的内容。"]
    if reason:
        lines.append(f"（{reason}）")
    if u is not None and _looked_for(u):
        lines.append(_looked_for(u))
    if leads:
        lines.append("最接近的资料，可供查阅：")
        lines += [f"- 《{l['title']}》{' › '.join(l['section'])}" for l in leads]
    a = Answer(question, "\n".join(lines), False, mode, status="refused", leads=leads, notes=[reason] if reason else [])
    if u is not None:
        a.understood = u.to_dict()
    return a


def to_script(text: str, traditional: bool) -> str:
    """The answer in the question's script: quotes from a Traditional report read Simplified
    for a Simplified question (the source panel keeps the original)."""
    if traditional:
        import opencc

        return opencc.OpenCC("s2t").convert(normalize(text))
    from ..ingest.clean import _t2s

    return _t2s().convert(text)


ORDINAL_PART = re.compile(ORDINAL)


def named_part(q: str, index: Index) -> tuple[str, str] | None:
    """(doc_id, the words) when the question names one report of a collection by its ordinal,
    as its title begins (“第二篇…”, “篇三…”); None when no title or several begin so."""
    m = ORDINAL_PART.search(normalize(q))
    if not m:
        return None
    docs = [d["doc_id"] for d in index.documents()
            if not d.get("duplicate_of") and normalize(d["title"]).startswith(m.group(0))]
    return (docs[0], q[m.start():m.end()]) if len(docs) == 1 else None


def compose(u: Understood, d: Decision, index: Index) -> tuple[str, list[Hit]]:
    """The offline answer text with [n] and the passages it cites, in citation order."""
    must = []
    if d.gap_kind == "topic":  # only what the reports say about the place, on the nearest words
        must = [tuple(v for e in u.entities + u.names for v in e.variants),
                tuple(w for t in u.topic for w in t.variants + t.related)]
    picked = choose(u, d.checks, corpus_view(index), 2 if d.status == "partial" else None, must)
    if not picked and must:
        picked = choose(u, d.checks, corpus_view(index), 2, must[:1])
    if not picked:
        return "", []
    if d.status == "answered" and u.qtype in TYPE_GAP and not any(gives(u, d.checks[hi], s) for hi, s in picked):
        d.status, d.gap, d.gap_kind = "partial", type_gap(u), "type"  # 木雕城 "建成" but no date: say so
    used: list[int] = []
    for hi, _ in picked:
        if hi not in used:
            used.append(hi)
    body = "\n".join(f"{to_script(s.rstrip(), u.traditional)}[{used.index(hi) + 1}]" for hi, s in picked)
    head = []
    if d.status == "partial":
        head.append(to_script(d.gap, u.traditional) + ("：" if d.gap_kind == "topic" else "。资料中相关的内容："))
    for a, b in d.near_words:
        head.append(f"（资料中用的是“{b}”，不完全等同于“{a}”。）")
    tail = []
    if conflicting_numbers(u, picked, d.checks):
        tail.append("注意：不同报告给出的数字不一致，请对照原文核实。")
    blanks = blank_figures(picked)
    if blanks:  # a secretary must not copy “营业收入亿元” as if the figure were there
        tail.append("注意：原文此处缺少数字（" + "、".join(f"“{b}”" for b in dict.fromkeys(blanks)) + "），引用前请向有关单位核实。")
    if u.corrections or d.status == "partial":
        tail.append(_looked_for(u))
    text = "\n".join([*head, body, *[t for t in tail if t]])
    return text, [d.checks[i].hit for i in used]


FIGURE_TYPES = ("number", "when")  # quoted from the report, not reworded by a model (Settings.llm_figures)


def ask_stream(question: str, *, index: Index, history: list[tuple[str, str]] | None = None,
               settings: Settings | None = None, model=None, k: int | None = None,
               doc_ids: list[str] | None = None) -> Iterator[tuple[str, Answer | None]]:
    """Yield (text so far, None) while streaming, then (final text, Answer)."""
    t0 = time.perf_counter()
    settings = llm_mod.budget(settings or index.settings)
    question = (question or "").strip()
    if not normalize(question).strip() or not re.search(r"[\w\u4e00-\u9fff]", question):
        a = Answer(question, "请输入一个问题。", False, "extractive", status="refused", notes=["空问题"])
        yield a.answer, a
        return
    if index.empty():
        a = Answer(question, EMPTY_LIBRARY, False, "extractive", status="refused")
        yield a.answer, a
        return
    notes = []
    if model is None:
        model = llm_mod.configured_model(settings, notes)
    mode = "llm" if model is not None else "extractive"
    q = standalone_question(question, history or [], settings, model)
    part = None if doc_ids else named_part(q, index)
    if part:  # “第二篇里考察团去了多少人”: that report only, and 第二篇 is no word to look for
        doc_ids, q = [part[0]], q.replace(part[1], "")
    u = understand_question(q, index)
    tp = trips.plan(q, index, u, doc_ids)
    if tp is not None:  # where/when/who of the trips themselves: the catalogue answers, cited
        yield from _trips(question, q, tp, u, index, notes, t0)
        return
    p = across.plan(q, index, doc_ids)
    # “哪些地方…” / “A和B有什么不同”: every report searched, a list or a table; when no report
    # holds anything the ordinary path answers (one report's “去了哪些城市”) or refuses with leads
    if p is not None and (yield from _across(question, q, p, index, settings, model, notes, doc_ids, t0)):
        return
    hits = search(u.search_text(), max(k or settings.top_k, CHECK_CANDIDATES), index=index, doc_ids=doc_ids)
    d = assess(q, hits, index, u)
    if d.status == "refused":
        a = _refusal(question, hits, d.gap, mode, u)
        a.standalone, a.notes, a.seconds = q, notes + a.notes, time.perf_counter() - t0
        yield a.answer, a
        return
    top = d.checks[: k or settings.top_k]
    figure = u.qtype in FIGURE_TYPES and not settings.llm_figures
    if model is not None and d.status == "answered" and not figure:
        final = None
        for text, a in _llm_answer(question, q, [c.hit for c in top], settings, model, notes, index):
            final = a
            if a is None:
                yield text, None
        if final is not None:
            final.understood, final.seconds = u.to_dict(), time.perf_counter() - t0
            yield final.answer, final
            return
        model = None
    elif model is not None:
        notes.append("数字、时间类问题直接引用原文句子（未交给大模型改写，见设置 llm_figures）" if d.status == "answered"
                     else "资料只能部分回答这个问题：缺口由离线模式如实说明，未交给大模型改写")
    d.checks = top
    text, cited = compose(u, d, index)
    if not cited:
        a = _refusal(question, hits, "没有找到回答问题的句子", "extractive", u)
    else:
        a = Answer(question, text, True, "extractive", d.status, u.to_dict(),
                   [citation_dict(n, h) for n, h in enumerate(cited, 1)], notes=notes, standalone=q)
    a.seconds = time.perf_counter() - t0
    yield a.answer, a


def _trips(question, q, tp, u, index, notes, t0):
    text, hits = trips.answer(tp, index, lambda s: to_script(s, u.traditional))
    status = "refused" if not hits else "answered" if "[" in text.replace("（报告开头见[", "") else "partial"
    a = Answer(question, text, bool(hits), "extractive", status, u.to_dict(),
               notes=notes, standalone=q, seconds=time.perf_counter() - t0)
    a.citations = [citation_dict(n, h) for n, h in enumerate(hits, 1)]
    yield a.answer, a


def _across(question, q, p, index, settings, model, notes, doc_ids, t0):
    """Yield the across-report answer; return False (nothing yielded) when no report holds anything."""
    for text, f in across.run(p, q, index=index, settings=settings, model=model, notes=notes, script=to_script,
                              names_check=lambda text, hits: unsupported_names(text, hits, index), doc_ids=doc_ids):
        if f is None:
            yield text, None
            continue
        if f["status"] == "refused":
            return False
        hits = f.pop("hits")
        a = Answer(question, **f, standalone=q, seconds=time.perf_counter() - t0)
        a.citations = [citation_dict(n, h) for n, h in enumerate(hits, 1)]
        yield a.answer, a
    return True


def _llm_answer(question, q, kept_hits, settings, model, notes, index):
    fixed = render("answer_system", settings) + render("answer_user", settings, context="", question=q)
    kept, dropped = pack(kept_hits, settings, fixed)
    if dropped:
        notes.append(f"上下文窗口不足，{len(dropped)} 段资料未放入提示词")
    system = render("answer_system", settings)
    user = render("answer_user", settings, context=context_block(kept), question=q)
    text = ""
    try:
        for piece in llm_mod.stream(model, system, user):
            text += piece
            yield text, None
    except LLMError as exc:
        notes.append(f"{exc}，已改用离线抽取式回答")
        return
    a = _finish_llm(question, q, text, kept, notes, index)
    if a is not None:
        yield a.answer, a


def _finish_llm(question: str, q: str, text: str, kept: list[Hit], notes: list[str], index: Index) -> Answer | None:
    if NOT_FOUND in text[:40] or not text.strip():
        a = _refusal(question, kept, "大模型判断资料不足", "llm")
        a.standalone, a.notes = q, notes + a.notes
        return a
    passages = {n: h.chunk["text"] for n, h in enumerate(kept, 1)}
    res = check(text, passages)
    by_sentence = {s: unsupported_names(s, kept, index) for s in sentences(text)}
    names = list(dict.fromkeys(n for found in by_sentence.values() for n in found))
    # a sentence whose number or place the cited passage does not give is taken out, not shown
    # with a warning: a secretary copies the sentence, not the note under it
    bad = res.flagged + [s for s, found in by_sentence.items() if found and s not in res.flagged]
    if bad:
        cleaned = text
        for s in bad:
            cleaned = cleaned.replace(s, "")
        if any(s in cleaned for s in bad) or not re.sub(r"[\W_]|\[\d+\]", "", cleaned):
            notes.append("大模型回答中的数字、地名或人名与所引资料对不上，已改用离线抽取式回答")
            return None
        notes.append(f"已删去大模型回答中的 {len(bad)} 句：其中的数字、地名或人名与所引资料对不上")
        first = res
        res = check(cleaned, passages)
        res.unsupported, res.invalid = first.unsupported, first.invalid
    if not res.used:
        notes.append("大模型的回答没有有效引用，已改用离线抽取式回答")
        return None
    if not res.supported:
        notes.append("大模型的回答与所引资料对不上，已改用离线抽取式回答")
        return None
    # “[1] 《第二篇…》”: a small model sometimes answers with the source's title and nothing else
    if len(re.sub(r"《[^》]*》|\[\d+\]|[^\u4e00-\u9fff]", "", res.text)) < 6:
        notes.append("大模型的回答只有出处、没有内容，已改用离线抽取式回答")
        return None
    if echoes(res.text, q):  # “总结会说要打造哪些百億千億产业集群。” for the question itself (0.5B, q109)
        notes.append("大模型的回答只是复述了问题，已改用离线抽取式回答")
        return None
    # Renumber so that [1] is the first passage the answer cites.
    remap = {old: new for new, old in enumerate(res.used, 1)}
    body = renumber(res.text, remap)
    if res.invalid:
        notes.append("已删除不存在的引用：" + "、".join(f"[{n}]" for n in res.invalid))
    if res.uncited:
        notes.append(f"{len(res.uncited)} 句没有标注出处")
    if res.unsupported:
        notes.append("以下数字在所引资料中找不到或与所说的不符（所在句已删去）：" + "、".join(res.unsupported))
    cits = [citation_dict(remap[old], kept[old - 1]) for old in res.used]
    if names:
        notes.append("以下地名、人名或单位在所引资料中找不到：" + "、".join(names))
    return Answer(question, body, True, "llm", "answered", {}, cits, res.unsupported + names, res.uncited, res.invalid,
                  notes=notes, standalone=q)


def echoes(answer: str, question: str, share: float = 0.8) -> bool:
    """The answer's character pairs (Simplified, citations and punctuation dropped) come from the question."""
    def pairs(t: str) -> set:
        t = re.sub(r"\[\d+\]|\W", "", normalize(t))
        return {t[i:i + 2] for i in range(len(t) - 1)}
    a = pairs(answer)
    return bool(a) and len(a & pairs(question)) / len(a) >= share


def ask(question: str, **kw) -> Answer:
    final = None
    for _, a in ask_stream(question, **kw):
        if a is not None:
            final = a
    return final

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

from . import llm as llm_mod
from .chunk import match_heading
from .citations import check, sentences
from .clean import normalize
from .index import Index
from .keyword import _jieba, tokenize
from .prompts import render
from .retrieve import Hit, search
from .settings import Settings
from .tokens import count_tokens

NOT_FOUND = "资料中没有找到"
# Words that ask rather than name: never evidence that a question is off-corpus.
_ASKING = re.compile(r"多少|几|哪|什么|怎|如何|些|吗|呢|是否|提到|看到|介绍|报告|情况|一[^\s]?$")


@dataclass
class Answer:
    query: str
    answer: str
    grounded: bool
    mode: str  # "extractive" | "llm"
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
             "citations": self.citations, "unsupported": self.unsupported}
        if full:
            d.update({k: v for k, v in asdict(self).items() if k not in d})
        return d


def citation_dict(n: int, hit: Hit) -> dict:
    c = hit.chunk
    return {"n": n, "chunk_id": c["chunk_id"], "title": c["title"], "section": list(c["section"]), "text": c["text"],
            "doc_id": c["doc_id"], "source": c["source"], "score": round(hit.score, 4)}


def missing_names(question: str, index: Index) -> list[str]:
    """Words of the question that name something no report mentions ("苏州工业园区", "雄安")."""
    vocab = index.keyword()[0].vocab
    out = []
    for w in _jieba().lcut(normalize(question)):
        if len(w) < 2 or _ASKING.search(w) or not re.search(r"[\u4e00-\u9fff]", w):
            continue
        grams = tokenize(w)
        if any(g not in vocab for g in grams) or not _in_corpus(w, index):
            out.append(w)
    return out


def _in_corpus(word: str, index: Index) -> bool:
    gen = index.manifest.generation()
    cache = index.__dict__.setdefault("_corpus_text", {})
    if gen not in cache:
        cache.clear()
        cache[gen] = "\n".join(c["title"] + c["norm"] for c in index.keyword()[1])
    return word in cache[gen]


def is_grounded(question: str, hits: list[Hit], index: Index) -> tuple[bool, str]:
    """Two checks, calibrated on dev_qa + eval/none_extra.jsonl (BENCHMARKS.md):
    the best passage scores at least ``min_score``, and the question names nothing the
    reports never mention."""
    if not hits:
        return False, "没有检索到任何段落"
    if hits[0].score < index.settings.min_score:
        return False, f"最相关段落的相关度 {hits[0].score:.2f} 低于阈值 {index.settings.min_score:.2f}"
    missing = missing_names(question, index)
    if missing:
        return False, "资料中没有出现：" + "、".join(missing)
    return True, ""


# -- follow-up questions ----------------------------------------------------------------------
_FOLLOW = re.compile(r"^(?:那么?|那|还有|另外|再问一下)|[呢]？?$|^(?:这个|这些|这|它|他们|其)")


def rewrite_rule(question: str, history: list[tuple[str, str]]) -> str:
    """Offline follow-up rule: "那开封呢？" after "洛阳怎么发展文旅？" → "开封怎么发展文旅？";
    "这个数字是哪一年的？" → the previous question with this one appended."""
    q = question.strip()
    if not history or not _FOLLOW.search(q) or len(q) > 30:
        return q
    prev = history[-1][0]
    subject = re.sub(r"^(?:那么?|还有|另外)|呢?[？?]?$", "", q).strip("，, ")
    asks_about_other = bool(re.match(r"^(?:那么?|还有|另外)", q) or re.search(r"呢[？?]?$", q))
    if asks_about_other and subject and re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9]{1,12}", subject):
        import jieba.posseg as pseg

        places = [w.word for w in pseg.cut(prev) if w.flag in ("ns", "nt", "nr", "nz")]
        if places:
            return prev.replace(places[0], subject, 1)
        return subject + "：" + prev
    return f"{prev.rstrip('？?')}，{q}"


def standalone_question(question: str, history, settings: Settings, model) -> str:
    if not history:
        return question
    # a 0.5B local model rewrites follow-ups worse than the rule, and costs seconds per call
    if model is not None and settings.llm != "local":
        hist = "\n".join(f"用户：{u}\n助手：{a[:200]}" for u, a in history[-3:])
        try:
            out = llm_mod.complete(model, "", render("rewrite", settings, history=hist, question=question)).strip()
            if 2 <= len(out) <= 200:
                return out.splitlines()[0]
        except llm_mod.LLMError:
            pass
    return rewrite_rule(question, history)


# -- offline extractive answer ------------------------------------------------------------------
_WANTS_NUMBER = re.compile(r"多少|几|多大|多宽|多长|多高|哪一年|何时|什么时候|规模|数量")


def extractive(question: str, hits: list[Hit], index: Index, max_sentences: int = 3) -> tuple[str, list[int]]:
    """Pick the sentences that answer; returns (text with [n], hit indexes used)."""
    bm25, _ = index.keyword()
    q_terms = set(tokenize(question)) & set(bm25.vocab)
    weight = {t: float(bm25.idf[bm25.vocab[t]]) for t in q_terms}
    total = sum(weight.values()) or 1.0
    wants_num = bool(_WANTS_NUMBER.search(question))
    scored = []
    for hi, h in enumerate(hits):
        for si, s in enumerate(sentences(h.chunk["text"])):
            terms = set(tokenize(s))
            cover = sum(w for t, w in weight.items() if t in terms) / total
            bonus = 0.15 if wants_num and re.search(r"\d", s) else 0.0
            if len(s) < 30 and not s.rstrip().endswith(("。", "！", "？")) and match_heading(s):
                cover *= 0.5  # a bare heading line ("(四)深化融合创新燃爆文旅大市场") names a topic, rarely answers
            scored.append((cover + 0.3 * h.score + bonus - 0.02 * hi, hi, si, s))
    if not scored:
        return "", []
    scored.sort(reverse=True)
    best = scored[0][0]
    chosen, per_hit = [], {}
    for sc, hi, si, s in scored:
        if len(chosen) >= max_sentences or sc < 0.6 * best:
            break
        if per_hit.get(hi, 0) >= 2 or len(s) < 6 or any(normalize(s) == normalize(c[2]) for c in chosen):
            continue  # neighbouring chunks share an overlap sentence: quote it once
        per_hit[hi] = per_hit.get(hi, 0) + 1
        chosen.append((hi, si, s))
    used = []
    for hi, _, _ in sorted(chosen):
        if hi not in used:
            used.append(hi)
    parts = [f"{s.rstrip()}[{used.index(hi) + 1}]" for hi, si, s in sorted(chosen)]
    return "\n".join(parts), used


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
def _refusal(question: str, hits: list[Hit], reason: str, mode: str) -> Answer:
    leads = [citation_dict(n, h) for n, h in enumerate(hits[:3], 1)]
    lines = [f"{NOT_FOUND}能回答“{question.strip()[:60]}”的内容。"]
    if reason:
        lines.append(f"（{reason}）")
    if leads:
        lines.append("最接近的资料，可供查阅：")
        lines += [f"- 《{l['title']}》{' › '.join(l['section'])}" for l in leads]
    return Answer(question, "\n".join(lines), False, mode, leads=leads, notes=[reason] if reason else [])


def ask_stream(question: str, *, index: Index, history: list[tuple[str, str]] | None = None,
               settings: Settings | None = None, model=None, k: int | None = None,
               doc_ids: list[str] | None = None) -> Iterator[tuple[str, Answer | None]]:
    """Yield (text so far, None) while streaming, then (final text, Answer)."""
    t0 = time.perf_counter()
    settings = llm_mod.budget(settings or index.settings)
    question = (question or "").strip()
    if not normalize(question).strip() or not re.search(r"[\w\u4e00-\u9fff]", question):
        a = Answer(question, "请输入一个问题。", False, "extractive", notes=["空问题"])
        yield a.answer, a
        return
    notes = []
    if model is None:
        model = llm_mod.configured_model(settings, notes)
    mode = "llm" if model is not None else "extractive"
    q = standalone_question(question, history or [], settings, model)
    hits = search(q, k or settings.top_k, index=index, doc_ids=doc_ids)
    ok, reason = is_grounded(q, hits, index)
    if not ok:
        a = _refusal(question, hits, reason, mode)
        a.standalone, a.notes, a.seconds = q, notes + a.notes, time.perf_counter() - t0
        yield a.answer, a
        return
    if model is not None:
        fixed = render("answer_system", settings) + render("answer_user", settings, context="", question=q)
        kept, dropped = pack(hits, settings, fixed)
        if dropped:
            notes.append(f"上下文窗口不足，{len(dropped)} 段资料未放入提示词")
        system = render("answer_system", settings)
        user = render("answer_user", settings, context=context_block(kept), question=q)
        text = ""
        try:
            for piece in llm_mod.stream(model, system, user):
                text += piece
                yield text, None
        except llm_mod.LLMError as exc:
            notes.append(f"{exc}，已改用离线抽取式回答")
            model, text = None, ""
        if model is not None:
            a = _finish_llm(question, q, text, kept, notes)
            if a is not None:
                a.seconds = time.perf_counter() - t0
                yield a.answer, a
                return
    text, used = extractive(q, hits, index)
    cited = [hits[i] for i in used]
    a = Answer(question, text, bool(cited), "extractive", [citation_dict(n, h) for n, h in enumerate(cited, 1)],
               notes=notes, standalone=q)
    if not cited:
        a = _refusal(question, hits, "没有找到回答问题的句子", "extractive")
    a.seconds = time.perf_counter() - t0
    yield a.answer, a


def _finish_llm(question: str, q: str, text: str, kept: list[Hit], notes: list[str]) -> Answer | None:
    if NOT_FOUND in text[:40] or not text.strip():
        a = _refusal(question, kept, "大模型判断资料不足", "llm")
        a.standalone, a.notes = q, notes + a.notes
        return a
    res = check(text, {n: h.chunk["text"] for n, h in enumerate(kept, 1)})
    if not res.used:
        notes.append("大模型的回答没有有效引用，已改用离线抽取式回答")
        return None
    if not res.supported:
        notes.append("大模型的回答与所引资料对不上，已改用离线抽取式回答")
        return None
    # Renumber so that [1] is the first passage the answer cites.
    remap = {old: new for new, old in enumerate(res.used, 1)}
    body = re.sub(r"\[(\d+)\]", lambda m: f"[{remap[int(m.group(1))]}]" if int(m.group(1)) in remap else "", res.text)
    if res.invalid:
        notes.append("已删除不存在的引用：" + "、".join(f"[{n}]" for n in res.invalid))
    if res.uncited:
        notes.append(f"{len(res.uncited)} 句没有标注出处")
    if res.unsupported:
        notes.append("以下数字在所引资料中找不到：" + "、".join(res.unsupported))
    cits = [citation_dict(remap[old], kept[old - 1]) for old in res.used]
    return Answer(question, body, True, "llm", cits, res.unsupported, res.uncited, res.invalid, notes=notes, standalone=q)


def ask(question: str, **kw) -> Answer:
    final = None
    for _, a in ask_stream(question, **kw):
        if a is not None:
            final = a
    return final

"""Does a passage support what the question asks? One check per hard constraint.

A passage meets a place/unit when it, its heading path, its report title or its report's
opening (where a report says where the delegation went) names it or an alias; a year when
it holds that year; a metric when it names the metric or a synonym. Topic coverage is the
idf-weighted share of the question's content words (with synonyms) it holds.

Outcomes (``decide``):
- ``answered``: passages meet every constraint and the topic;
- ``partial``: the place is there but not the year, the metric or the topic asked for —
  the gap is named and what the reports do hold is given, cited;
- ``refused``: a place/unit the reports never mention, or nothing on topic.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..ingest.clean import normalize
from .lexicon import CorpusView
from .names import name_in
from .retrieve import Hit
from .understand import Term, Understood

# Share of the question's content words (idf-weighted) that an on-topic passage holds.
# Calibrated on eval/questions.jsonl + dev_qa (BENCHMARKS.md): answerable questions' best
# passages hold ≥ 0.6; "数字人民币试点" finds 数字 and 试点 but not 人民币 (0.45).
TOPIC_MIN = 0.5


@dataclass
class Check:
    hit: Hit
    missing_entities: list[Term] = field(default_factory=list)
    year_ok: bool = True
    metric_ok: bool = True
    cover: float = 1.0
    loose: float = 1.0  # cover counting related words (旅游 for 文旅) at half weight

    @property
    def entity_ok(self) -> bool:
        return not self.missing_entities


@dataclass
class Decision:
    status: str  # answered | partial | refused
    checks: list[Check]  # the passages to answer from, best first
    gap: str = ""  # what the reports don't hold (partial, refused)
    gap_kind: str = ""  # year | metric | topic | type
    near_words: list[tuple[str, str]] = field(default_factory=list)  # (asked, corpus word) to name


def _has(text: str, term: Term) -> bool:
    if term.how == "part":
        return all(v in text for v in term.variants)
    if any(v in text for v in term.variants):
        return True
    return bool(term.parts) and any(all(p in s for p in term.parts) for s in re.split(r"[。！？；;\n]", text))


def term_weight(term: Term, view: CorpusView) -> float:
    """idf of the term's rarest corpus form: 老旧小区改造 outweighs 建设; an absent word
    weighs as much as the rarest possible word."""
    n = max(1, len(view.all_text))
    if not term.known:
        return term.weight * math.log(1 + n)
    df = min(view.count_chunks(v) for v in term.variants)
    return term.weight * math.log(1 + n / (1 + df))


def check_hit(hit: Hit, u: Understood, view: CorpusView, weights: dict[str, float]) -> Check:
    c = hit.chunk
    text = view.all_text.get(c["chunk_id"], c["norm"])
    head = view.doc_head.get(c["doc_id"], "")
    ch = Check(hit)
    # the report's opening ("赴安吉、嘉善…考察") places a passage about practices; a figure must
    # name its place itself: "东阳市GDP" is not answered by the home county's GDP in that report
    head = "" if (u.metric or u.qtype == "number") else head
    ch.missing_entities = [e for e in u.entities if not (e.known and (_has(text, e) or _has(head, e)))]
    # a named subject (单线天竺鲷) may be introduced once in the report's opening (中青班 … 为期12天)
    full_head = view.doc_head.get(c["doc_id"], "")
    ch.missing_entities += [n for n in u.names if not (n.known and (name_in(text, n) or name_in(full_head, n)))]
    ch.year_ok = all(_year_in(text, y.text) or y.text[:-1] in head for y in u.years())
    ch.metric_ok = all(m.known and _has(text, m) for m in u.metric)
    if ch.metric_ok and u.metric and u.qtype == "number":
        ch.metric_ok = _figure_for(c, u)
    total = sum(weights[t.text] for t in u.topic)
    if total > 0:
        held = [t for t in u.topic if t.known and _has(text, t)]
        ch.cover = sum(weights[t.text] for t in held) / total
        ch.loose = ch.cover + 0.5 * sum(weights[t.text] for t in u.topic
                                        if t not in held and any(r in text for r in t.related)) / total
    return ch


def _year_in(text: str, year: str) -> bool:
    """The passage speaks of that year, not of it as a comparison base: "今年接待游客数同比2019年
    翻倍" gives no 2019 figure."""
    return any(not re.search(r"(?:比|较|相比|对比|超过|恢复到|恢复至)$", text[max(0, m.start() - 4):m.start()]) and
               not re.match(r"(?:同期|水平|相比)", text[m.end():m.end() + 2])
               for m in re.finditer(re.escape(year), text))


def _figure_for(chunk: dict, u: Understood) -> bool:
    """A number question needs a sentence that gives the metric a number — and names the
    place asked about, unless the heading path or the passage's opening sentence does
    ("承德一中在校生": a sentence about another school in a passage listing 承德一中 is not it)."""
    from .citations import HAS_NUMBER, sentences

    sents = [normalize(x) for x in sentences(chunk["text"])]
    heads = {normalize(h) for h in chunk["section"]}
    # the opening sentence is the first below the heading lines the chunk text repeats:
    # “（一）三河第一中学” / “三河一中始建于1935年…” names the school that “在校生5900人” is about
    body = [s for s in sents if s.strip() not in heads]
    frame = normalize(" ".join([chunk["title"], *chunk["section"]])) + (body[0] if body else "")
    for s in sents:
        if any(_has(s, m) for m in u.metric) and HAS_NUMBER.search(s) and \
                all(_has(s, e) or _has(frame, e) for e in u.entities):
            return True
    return False


def decide(u: Understood, hits: list[Hit], view: CorpusView, min_score: float) -> Decision:
    unknown = [e for e in u.entities + u.names if not e.known]
    if unknown:
        names = "、".join(f"“{e.text}”" for e in unknown)
        return Decision("refused", [], f"资料中没有出现{names}")
    weights = {t.text: term_weight(t, view) for t in u.topic}
    if u.qtype in ("when", "who") and (u.entities or u.names):
        # "东阳木雕城哪年开业的": the unit is the topic; an event verb the reports don't use
        # (开业, 启用) must not hide what they say about the unit — the date gap is named instead
        weights = {t.text: (0.0 if not t.known else w) for t, w in zip(u.topic, weights.values())}
    checks = [check_hit(h, u, view, weights) for h in hits if h.score >= min_score]
    placed = [c for c in checks if c.entity_ok]
    on_topic = [c for c in placed if c.cover >= TOPIC_MIN]
    if not on_topic:
        return _off_topic(u, placed)
    near = [(m.text, m.found) for m in u.metric + u.topic if m.how == "near"]
    years = [c for c in on_topic if c.year_ok]
    if u.years() and not years:
        what = "、".join(_disp(t.text) for t in u.metric) or _topic_label(u) or "相关内容"
        return Decision("partial", on_topic, f"资料中没有{'、'.join(y.text for y in u.years())}的{what}", near_words=near, gap_kind="year")
    measured = [c for c in years if c.metric_ok]
    if u.metric and not measured:
        where = _place_label(u)
        what = "、".join(_disp(m.text) for m in u.metric)
        gap = f"资料有{where}的内容，但没有{what}的数字" if where else f"资料中没有{what}的数字"
        return Decision("partial", years, gap, near_words=near, gap_kind="metric")
    absent = [t.text for t in u.topic if not t.known]
    if u.qtype in ("when", "who") and absent:
        # a date in the passage is not the date of an event the reports never mention (开业)
        what = "时间" if u.qtype == "when" else "是谁"
        return Decision("partial", measured, f"资料没有写明{'、'.join(absent)}的{what}", near_words=near, gap_kind="type")
    return Decision("answered", measured, near_words=near)


def _off_topic(u: Understood, placed: list[Check]) -> Decision:
    topic = _topic_label(u)
    if (u.entities or u.names) and placed and topic:
        # 厦门 is in the reports, 文旅融合 in 厦门 is not: say what they hold about 厦门
        best = sorted(placed, key=lambda c: (-c.loose, -c.hit.score))
        if best[0].loose > 0:
            # not “没有…的具体内容”: the nearest passage may well say it in other words (边学习，边实践 for
            # 边学边干), and a secretary reads a flat “没有” as a fact about the reports
            return Decision("partial", best, f"资料中没有与“{_place_label(u)}{topic}”完全对应的内容，最接近的是", gap_kind="topic")
        return Decision("refused", [], f"资料有{_place_label(u)}的内容，但没有关于{topic}的内容")
    if (u.entities or u.names) and not placed:
        return Decision("refused", [], f"没有找到同时讲{_place_label(u)}和{topic or '所问内容'}的段落")
    absent = [t.text for t in u.topic if not t.known]
    if absent:
        return Decision("refused", [], "资料中没有出现：" + "、".join(absent))
    return Decision("refused", [], "没有找到讲这件事的段落")


def _disp(word: str) -> str:
    return word.upper() if word.isascii() else word  # "gdp" was lower-cased for search


def _place_label(u: Understood) -> str:
    return "、".join(e.text for e in u.entities + u.names)


def _topic_label(u: Understood) -> str:
    named = [e.text for e in u.entities + u.names]
    return "".join(t.text for t in u.topic if not any(t.text in n for n in named))

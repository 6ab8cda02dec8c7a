"""What a drafting request is about (``Topic``: content words with their corpus forms and weights,
regions taken out) and the passages each genre section draws on: one retrieval per section, filtered
by the passage's role in its report (``roles.py``).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..ingest import roles
from ..answer.ask import understand_question
from ..ingest.clean import normalize
from ..index.index import Index
from ..answer.retrieve import Hit, search
from ..answer.support import term_weight


ZH_NUM = "一二三四五六七八九十"
SLOT = "【待补充：{}】"
STRUCTURE = [
    ("基本情况", r"基本情况|概况|整体印象|主要内容|特点|感受", "本次考察的目的、时间、地点和参加人员"),
    ("主要做法与经验", None, None),
    ("差距与启示", r"启示|体会|感悟|思考|悟|比较|差距", "对照先进，本地存在的差距和不足"),
    ("下一步打算和建议", r"建议|打算|措施|笃行|怎么干|下步|下一步", "本地下一步工作安排（责任单位、时间节点）"),
]


# -- what a writer would use -------------------------------------------------------------------------
# The passages each section draws on, by their role in their report (roles.py), and the words that
# steer its retrieval towards them.
SECTION_ROLES = {
    "基本情况": (roles.OVERVIEW, roles.RESULT),
    "主要做法与经验": (roles.PRACTICE, roles.RESULT),
    "差距与启示": (roles.LESSON, roles.PROBLEM),
    "下一步打算和建议": (roles.PLAN,),
}
SECTION_HINT = {"基本情况": "基本情况 特点", "主要做法与经验": "做法 经验 成效", "差距与启示": "启示 差距 问题",
                "下一步打算和建议": "建议 措施 下一步"}
SECTION_MAX = {"基本情况": 3, "主要做法与经验": 6, "差距与启示": 4, "下一步打算和建议": 4}
# words of how a writer asks for a draft, not of what it is about ("…工作的经验做法和推进建议")
DRAFT_SOFT = frozenset("工作 经验 做法 建议 推进 情况 做好 加强 提升 建设 发展 有关 相关 方面 全面 考察 学习 具体 主要 "
                       "典型 先进 探索 实践 思路 对策 措施 举措 路径 打算 启示 问题 成效 报告 起草".split())
GENERIC_PLACES = frozenset("中国 全国 全省 全市 全县 全区 我国 国家 中华 城市 我市 我县 本市 本县 中央 城区 郊区 矿区 新区 市区 "
                           "长江 黄河".split())
RUN_IN_LABEL = re.compile(rf"^\s*(?:[{ZH_NUM}]+[是要][：:，,]?|首先[，,]|其次[，,]|再次[，,]|最后[，,]|第[{ZH_NUM}]+[，,、：:]|"
                          rf"[（(][{ZH_NUM}\d]+[）)]|\d{{1,2}}[、.．](?!\d)|[a-zA-Z][、.．]|——)\s*")
QUOTES = [("“", "”"), ("‘", "’"), ("（", "）"), ("(", ")"), ("《", "》"), ("「", "」")]
ON_TOPIC = 0.3  # share of the request (idf-weighted) a sentence must hold, unless its heading holds it
NEAR_DUP = 0.6  # share of a point's character 3-grams found in an earlier point: the same fact


@dataclass
class Group:
    """One thing the request names: a word (with its synonyms), or adjacent words the reports use
    together ("生活垃圾分类": a sentence on 生活 and 垃圾 — a bin in a school — is not about it)."""
    parts: list  # (Term, weight)
    spans: list = field(default_factory=list)  # (corpus forms of a run of ≥ 2 parts, weight of those parts)

    @property
    def weight(self) -> float:
        return sum(w for _, w in self.parts)

    def credit(self, text: str) -> float:
        best = max([w for forms, w in self.spans if any(f in text for f in forms)] + [0.0])
        single = 0.0
        for t, w in self.parts:
            if t.known and any(v in text for v in t.variants):
                # a part that is a term of its own (招商引资 in 招商引资考核, 企业家) counts whole
                single += w / (0.4 if self.spans and len(t.text) >= 3 else 1.0)
            elif any(r in text for r in t.related if len(r) >= 2):
                single += 0.25 * w  # a lead (旅游 for 文化旅游), not the thing itself
        return min(self.weight, max(best, single * (0.4 if self.spans else 1.0)))


@dataclass
class Topic:
    """What a drafting request is about: its content terms with their corpus forms and weights."""
    text: str
    u: object  # understand.Understood, the drafting soft words and the regions taken out
    groups: list
    regions: list[str]

    def cover(self, text: str) -> float:
        """idf-weighted share of the topic held by ``text`` (normalised)."""
        total = sum(g.weight for g in self.groups) or 1.0
        return sum(g.credit(text) for g in self.groups) / total

    def words(self) -> list[str]:
        return [v for g in self.groups for t, _ in g.parts for v in t.variants] + \
               [f for g in self.groups for forms, _ in g.spans for f in forms]


LINK_MIN = 1.2  # words this common (建设, 工作) never bind their neighbours into one thing
NO_LINK = frozenset("机制 体系 制度 模式 工程 建设 工作 发展 问题 管理".split())  # "…问责机制": 机制 is a suffix


def topic_groups(text: str, terms: list, view, lex) -> list[Group]:
    """Adjacent request words that the reports also write together (生活垃圾, 垃圾分类) form one
    group; a word whose corpus forms another word already stands for (会风 ≈ 会议) is dropped."""
    kept = []
    for t, w in terms:
        if t.known and any(set(t.variants) <= set(o.variants) for o, _ in kept if o.known):
            continue
        kept.append((t, w))
    groups: list[Group] = []
    run: list = []

    def close():
        if not run:
            return
        spans = []
        for i in range(len(run)):
            for j in range(i + 2, len(run) + 1):
                joined = "".join(t.text for t, _ in run[i:j])
                forms = tuple(v for v in lex.variants(joined) if view.has(v))
                if forms:
                    spans.append((forms, sum(w for _, w in run[i:j])))
        groups.append(Group(list(run), spans))
        run.clear()

    for t, w in kept:
        if run:
            a, wa = run[-1]
            pair = a.text + t.text
            if not (pair in text and min(wa, w) >= LINK_MIN and not {a.text, t.text} & NO_LINK and view.has(pair)):
                close()
        run.append((t, w))
    close()
    return groups


def understand_topic(topic: str, index: Index, regions: list[str] | None = None) -> Topic:
    """The request's content terms (synonyms from lexicon/synonyms.txt, corpus forms), without the
    regions (given apart) and the words of how a draft is asked for."""
    from dataclasses import replace

    from ..answer.lexicon import corpus_view, load_lexicon

    text = topic
    for r in regions or []:
        text = text.replace(r, " ")
    u = understand_question(text, index)
    core = [t for t in u.topic if t.text not in DRAFT_SOFT] or list(u.topic)
    ents = [e for e in u.entities if e.text not in (regions or [])]
    view = corpus_view(index)
    # the request's verbs (精简, 改进, 抢抓) say what to do about the thing; its nouns say what it is
    verbs = {w.word for w in __import__("jieba.posseg", fromlist=["cut"]).cut(text) if w.flag.startswith("v") and w.flag != "vn"}
    # a word of the request that the reports never use weighs as a noun would: a drafting topic is
    # a thing ("碳排放权交易"), and the reports not naming it is the surest sign they are not about it
    absent = 1.5 * math.log(1 + max(1, len(view.all_text)))
    terms = [(t, (term_weight(t, view) if t.known or t.text in verbs else absent) * (0.5 if t.text in verbs else 1.0))
             for t in core]
    groups = topic_groups(normalize(text), terms, view, load_lexicon(index.settings.lexicon_dir))
    groups += [Group([(e, term_weight(e, view))]) for e in ents]
    return Topic(topic, replace(u, topic=core, entities=ents), groups, list(regions or []))


def role_search(q: str, index: Index, k: int, roles_: tuple | None) -> list[Hit]:
    return [h for h in search(q, k, index=index, roles=list(roles_) if roles_ else None)
            if h.score >= index.settings.min_score]


def section_hits(t: Topic, index: Index, section: str | None, k: int) -> list[Hit]:
    """Passages for one section: its roles only (roles.py), topic + the section's words, one search
    per region and one without."""
    base = t.u.search_text().strip() or t.text
    hint = SECTION_HINT.get(section, "") if section else ""
    want = SECTION_ROLES.get(section) if section else None
    queries = [f"{r} {base} {hint}" for r in t.regions] + [f"{base} {hint}".strip()]
    seen, out = set(), []
    for q in queries:
        for h in role_search(q, index, k, want):
            if h.chunk["chunk_id"] not in seen:
                seen.add(h.chunk["chunk_id"])
                out.append(h)
    return sorted(out, key=lambda h: -h.score)


def hits_by_section(t: Topic, index: Index, k: int) -> dict[str, list[Hit]]:
    """The outline's material: one ranking of the whole index per region (and one without), split
    by the sections' roles — the same passages per-section searches find (a section's words only
    re-rank within its roles), at one query embedding per region instead of four."""
    base = t.u.search_text().strip() or t.text
    ranked: dict[str, Hit] = {}
    n = max(k * 8, 60)
    for q in [f"{r} {base}" for r in t.regions] + [base]:
        for h in role_search(q, index, n, None):
            if h.chunk["chunk_id"] not in ranked or ranked[h.chunk["chunk_id"]].score < h.score:
                ranked[h.chunk["chunk_id"]] = h
    hits = sorted(ranked.values(), key=lambda h: -h.score)
    return {name: [h for h in hits if roles.roles_of(h.chunk) in SECTION_ROLES[name]][:k * 2]
            for name, _, _ in STRUCTURE}



"""What a drafting request is about (``Topic``: content words with their corpus forms and weights,
regions taken out) and the passages each genre section draws on: one retrieval per section, filtered
by the passage's role in its report (``roles.py``).
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from dataclasses import dataclass, field

from ..ingest import roles
from ..answer.ask import understand_question
from ..ingest.clean import NUM_ZH, normalize
from ..index.index import Index
from ..answer.retrieve import Hit, search
from ..answer.support import term_weight


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
# a rich topic gets a longer section, filler never does: past SECTION_MAX, up to SECTION_EXTRA more points
# that each hold STRONG of the request (乐清's 产业集群 sentence, 0.51 of "培育特色产业集群", was 7th)
SECTION_EXTRA, STRONG = 2, 0.5
VISITED_SECTIONS = ("基本情况", "主要做法与经验")  # about what the visited places did: regions are strict there
# words of how a writer asks for a draft, not of what it is about ("…工作的经验做法和推进建议")
DRAFT_SOFT = frozenset("工作 经验 做法 建议 推进 情况 做好 加强 提升 建设 发展 有关 相关 方面 全面 考察 学习 具体 主要 "
                       "典型 先进 探索 实践 思路 对策 措施 举措 路径 打算 启示 问题 成效 报告 起草".split())
GENERIC_PLACES = frozenset("中国 全国 全省 全市 全县 全区 我国 国家 中华 城市 我市 我县 本市 本县 中央 城区 郊区 矿区 新区 市区 "
                           "长江 黄河".split())
RUN_IN_LABEL = re.compile(rf"^\s*(?:[{NUM_ZH}]+[是要][：:，,]?|首先[，,]|其次[，,]|再次[，,]|最后[，,]|第[{NUM_ZH}]+[，,、：:]|"
                          rf"[（(][{NUM_ZH}\d]+[）)]|\d{{1,2}}[、.．](?!\d)|[a-zA-Z][、.．]|——)\s*")
QUOTES = [("“", "”"), ("‘", "’"), ("（", "）"), ("(", ")"), ("《", "》"), ("「", "」")]
ON_TOPIC = 0.4  # share of the request (idf-weighted) a sentence must hold, unless its heading holds it;
# at 0.3 one common word of a short request was enough (改造 is 0.40 of "农贸市场建设与提升改造", 招商引资
# 0.33 of "招商引资考核问责机制"): half the points of 6 hand-read outlines were off topic (BENCHMARKS.md)
GROUND_MIN = 0.3  # share of the request the best passage must hold for a request of known words to be material
ON_PART = 0.45  # share of one thing of several the request names ("A与B", "A、B") a sentence must hold,
# its head noun included
NEAR_DUP = 0.6  # share of a point's character 3-grams found in an earlier point: the same fact
COVERED = 0.8  # share of a point's character 3-grams found in the outline's other points together: nothing new


# a compound of two words said in its two halves ("转型升级" in "…推进其产业升级和社会结构转型"): the
# thing itself, written apart — 0.75 of it, where one half alone stays a lead (0.25). 东莞's 来料贴牌
# sentence held 0.33 of "东莞加工贸易转型升级、腾笼换鸟" (加工 2.8 + 0.25 x 转型升级 3.04 of 10.8), 0.47 so
SPLIT = 0.75
CLAUSE = re.compile(r"[，,；;、。：:！？!?]")


def halves_held(t, text: str, taken: frozenset = frozenset()) -> bool:
    """Two corpus words that make up one of the term's forms (转型 + 升级 = 转型升级) both stand in one
    clause of ``text``: apart in a sentence they say two things ("引进…龙头企业,而且搭建了良好的公共
    服务平台" is not 服务企业, a form of 包联企业). Halves that are words of the request themselves
    (``taken``: 企业, 服务 of "干部包联企业、为企业提供专员服务") are counted there already."""
    pairs = [(a, b) for v in t.variants for a in t.related for b in t.related
             if len(a) >= 2 and len(b) >= 2 and a != b and a + b == v and not {a, b} & taken]
    return bool(pairs) and any(a in c and b in c for c in CLAUSE.split(text) for a, b in pairs)


@dataclass
class Group:
    """One thing the request names: a word (with its synonyms), or adjacent words the reports use
    together ("生活垃圾分类": a sentence on 生活 and 垃圾 — a bin in a school — is not about it)."""
    parts: list  # (Term, weight)
    spans: list = field(default_factory=list)  # (corpus forms of a run of ≥ 2 parts, weight of those parts)
    taken: frozenset = frozenset()  # every word of the request (halves_held)

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
            elif halves_held(t, text, self.taken):
                single += SPLIT * w
            elif any(r in text for r in t.related if len(r) >= 2):
                single += 0.25 * w  # a lead (旅游 for 文化旅游), not the thing itself
        return min(self.weight, max(best, single * (0.4 if self.spans else 1.0)))


@lru_cache(maxsize=4096)
def token_edges(text: str) -> frozenset:
    import jieba

    edges, i = {0}, 0
    for tok in jieba.cut(text):
        i += len(tok)
        edges.add(i)
    return frozenset(edges)


def head_standalone(head: Group, text: str) -> bool:
    """The head is written as a word of its own somewhere in ``text``, not only as the tail of
    another (会议 in 联席会议制度 names a standing body, not the meetings a writer wants cut)."""
    forms = [f for fs, _ in head.spans for f in fs] + [v for t, _ in head.parts for v in t.variants]
    edges = token_edges(text)
    for f in forms:
        i = text.find(f)
        while i >= 0:
            if i in edges and i + len(f) in edges:
                return True
            i = text.find(f, i + 1)
    return False


@dataclass
class Topic:
    """What a drafting request is about: its content terms with their corpus forms and weights."""
    text: str
    u: object  # understand.Understood, the drafting soft words and the regions taken out
    groups: list
    regions: list[str]
    verbs: frozenset = frozenset()  # the request's verbs: what to do about the thing, not the thing
    parts: list = field(default_factory=list)  # (groups, head group) per thing named ("A与B": two)

    def cover(self, text: str) -> float:
        """idf-weighted share of the topic held by ``text`` (normalised)."""
        total = sum(g.weight for g in self.groups) or 1.0
        return sum(g.credit(text) for g in self.groups) / total

    def part_cover(self, text: str) -> float:
        """Best share of one named thing held by ``text``, its head noun among them: "宅基地置换与农民集中
        居住" has two things, and a sentence on 集中居住 (3.6 of the second's 7.6) is about the second
        though it holds 0.27 of the whole; a sentence holding only 分类 of "…、分类考评" is not about
        分类考评 (考评, the last noun, is its head)."""
        best = 0.0
        for groups, head in self.parts:
            if head.credit(text) < 0.5 * head.weight or not head_standalone(head, text):
                continue
            best = max(best, sum(g.credit(text) for g in groups) / (sum(g.weight for g in groups) or 1.0))
        return best

    def words(self) -> list[str]:
        return [v for g in self.groups for t, _ in g.parts for v in t.variants] + \
               [f for g in self.groups for forms, _ in g.spans for f in forms]


LINK_MIN = 1.2  # words this common (建设, 工作) never bind their neighbours into one thing
NO_LINK = frozenset("机制 体系 制度 模式 工程 建设 工作 发展 问题 管理".split())  # "…问责机制": 机制 is a suffix


def tail_spans(run: list, view) -> list:
    """A compound's tail the reports write on its own: "特色产业集群" is tokenised 特色产业 + 集群, and
    the reports write 产业集群 (智能终端产业集群) — the thing itself, less its modifier. The tail
    starts at a word inside a part (产业 of 特色产业) and weighs that part's share by characters:
    产业集群 = ½·w(特色产业) + w(集群)."""
    import jieba

    out = []
    for i, (t, w) in enumerate(run[:-1]):
        for j in range(1, len(t.text) - 1):
            tail = t.text[j:]
            if not jieba.dt.FREQ.get(tail):
                continue
            for k in range(i + 1, len(run)):
                form = tail + "".join(x.text for x, _ in run[i + 1:k + 1])
                if len(form) >= 4 and view.has(form):
                    out.append(((form,), w * len(tail) / len(t.text) + sum(x for _, x in run[i + 1:k + 1])))
    return out


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
        spans += tail_spans(run, view)
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


FUNCTION_CHARS = frozenset("的地得之在对把将被与和及并或等")


def bound(word: str, text: str, terms: list) -> bool:
    """A word glued to a character that no term of the request holds is part of a longer name the
    tagger split, not a verb: 排放 in "碳排放权交易" (碳 before, 权 after) is; 分离 in "政企分离的管理"
    (政企 a term, 的 a particle) is not."""
    held = "".join(t.text for t in terms)
    i = text.find(word)
    if i < 0:
        return False
    around = [text[i - 1] if i > 0 else "", text[i + len(word):i + len(word) + 1]]
    return any(c and "\u4e00" <= c <= "\u9fff" and c not in FUNCTION_CHARS and c not in held for c in around)


def manner(word: str) -> bool:
    """差异化, 精细化, 一体化: how a thing is done, not the thing."""
    return len(word) >= 3 and word.endswith("化")


PART_SEP = frozenset("和 与 及 以及 并 、 ， , ； ;".split())


def topic_parts(text: str, groups: list[Group]) -> list:
    """The things a request names, split at 和/与/及/、: each with its groups and its head (the last
    group the reports use, not a suffix such as 机制: 置换 is absent, so "宅基地置换" is about 宅基地). A thing of one word (提升改造 → 改造) is no thing of its own:
    a sentence on 改造 alone is not about "农贸市场建设与提升改造"."""
    import jieba

    segments, cur = [], ""
    for tok in jieba.cut(text):
        if tok in PART_SEP:
            segments.append(cur)
            cur = ""
        else:
            cur += tok
    segments.append(cur)
    if len([x for x in segments if x.strip()]) < 2:
        return []
    out = []
    for seg in segments:
        mine = [g for g in groups if g.parts[0][0].text in seg]
        mine.sort(key=lambda g: seg.find(g.parts[0][0].text))
        # the tagger's verbs (考评) can be heads; a suffix word (…任用机制, …安全管理) cannot
        heads = [g for g in mine if all(t.known for t, _ in g.parts) and not all(t.text in NO_LINK for t, _ in g.parts)]
        # a manner word in 化 says how the thing is done, it is not the thing: "政绩考核差异化" is about
        # 政绩考核 (洛阳's “走差异化发展之路” holds 差异化 and is no 考核 sentence)
        heads = [g for g in heads if not manner(g.parts[0][0].text)] or heads
        if sum(len(g.parts) for g in mine) >= 2 and heads:
            out.append((mine, heads[-1]))
    return out


def named(u) -> list:
    """The named subjects other than places understand found, if it finds them (``Understood.names``)."""
    return list(getattr(u, "names", None) or [])


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
    verbs = {w.word for w in __import__("jieba.posseg", fromlist=["cut"]).cut(text)
             if w.flag.startswith("v") and w.flag != "vn" and not bound(w.word, text, core + ents)}
    # a word of the request that the reports never use weighs as a noun would: a drafting topic is
    # a thing ("碳排放权交易"), and the reports not naming it is the surest sign they are not about it
    absent = 1.5 * math.log(1 + max(1, len(view.all_text)))
    # a manner word (差异化, 精细化) says how, like a verb: half weight — “走差异化发展之路” is no 政绩考核 sentence
    terms = [(t, (term_weight(t, view) if t.known or t.text in verbs else absent) *
              (0.5 if t.text in verbs or manner(t.text) else 1.0)) for t in core]
    groups = topic_groups(normalize(text), terms, view, load_lexicon(index.settings.lexicon_dir))
    # named subjects (河长 in "河长制推行", understand's ``names`` where it has them) are what the request is about
    groups += [Group([(e, term_weight(e, view) if e.known else absent)]) for e in ents + named(u)]
    taken = frozenset(t.text for g in groups for t, _ in g.parts)
    for g in groups:
        g.taken = taken
    return Topic(topic, replace(u, topic=core, entities=ents), groups, list(regions or []), frozenset(verbs),
                 topic_parts(normalize(text), groups))


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



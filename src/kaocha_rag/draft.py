"""Drafting: outlines and sections of a new 考察报告, every point cited.

The genre's structure (seed 000's 第二篇 spells it out): 基本情况 → 主要做法与经验 →
差距与启示 → 下一步打算和建议. Experience points come from the reports, grouped by
the heading they stand under; points about the user's own locality can't come
from other regions' reports, so they are marked slots (【待补充：…】), never invented.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from . import llm as llm_mod
from . import roles
from .answer import assess, citation_dict, context_block, pack, understand_question
from .citations import check, cited_numbers, overlap, renumber, sentences
from .clean import normalize
from .extract import _is_heading
from .index import Index
from .prompts import render
from .retrieve import Hit, search
from .settings import Settings
from .support import term_weight

ZH_NUM = "一二三四五六七八九十"
SLOT = "【待补充：{}】"
STRUCTURE = [
    ("基本情况", r"基本情况|概况|整体印象|主要内容|特点|感受", "本次考察的目的、时间、地点和参加人员"),
    ("主要做法与经验", None, None),
    ("差距与启示", r"启示|体会|感悟|思考|悟|比较|差距", "对照先进，本地存在的差距和不足"),
    ("下一步打算和建议", r"建议|打算|措施|笃行|怎么干|下步|下一步", "本地下一步工作安排（责任单位、时间节点）"),
]


@dataclass
class Outline:
    title: str
    sections: list[dict] = field(default_factory=list)  # {"heading", "points": [{"text", "citations"}]}
    citations: list[dict] = field(default_factory=list)
    grounded: bool = True
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"title": self.title, "sections": self.sections, "citations": self.citations,
                "grounded": self.grounded, "notes": self.notes}


class _Cites:
    """Numbers passages in order of first use."""

    def __init__(self):
        self.by_id: dict[str, int] = {}
        self.items: list[dict] = []

    def n(self, hit: Hit) -> int:
        cid = hit.chunk["chunk_id"]
        if cid not in self.by_id:
            self.by_id[cid] = len(self.items) + 1
            self.items.append(citation_dict(self.by_id[cid], hit))
        return self.by_id[cid]


def theme_of(hit: Hit) -> str:
    """"（一）突出产业强市 转型升级大气魄" → "突出产业强市 转型升级大气魄"."""
    label = hit.chunk["section"][-1] if hit.chunk["section"] else hit.chunk["title"]
    label = re.sub(rf"^(?:第[{ZH_NUM}]+[篇章]|[{ZH_NUM}]+[、是要]|[（(][{ZH_NUM}\d]+[）)]|\d+[、.．]|——)", "", label)
    return label.strip("：:。 ")


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
class _Group:
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


def _groups(text: str, terms: list, view, lex) -> list[_Group]:
    """Adjacent request words that the reports also write together (生活垃圾, 垃圾分类) form one
    group; a word whose corpus forms another word already stands for (会风 ≈ 会议) is dropped."""
    kept = []
    for t, w in terms:
        if t.known and any(set(t.variants) <= set(o.variants) for o, _ in kept if o.known):
            continue
        kept.append((t, w))
    groups: list[_Group] = []
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
        groups.append(_Group(list(run), spans))
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

    from .lexicon import corpus_view, load_lexicon

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
    groups = _groups(normalize(text), terms, view, load_lexicon(index.settings.lexicon_dir))
    groups += [_Group([(e, term_weight(e, view))]) for e in ents]
    return Topic(topic, replace(u, topic=core, entities=ents), groups, list(regions or []))


def _search(q: str, index: Index, k: int, roles_: tuple | None) -> list[Hit]:
    return [h for h in search(q, k, index=index, roles=list(roles_) if roles_ else None)
            if h.score >= index.settings.min_score]


def _hits(t: Topic, index: Index, section: str | None, k: int) -> list[Hit]:
    """Passages for one section: its roles only (roles.py), topic + the section's words, one search
    per region and one without."""
    base = t.u.search_text().strip() or t.text
    hint = SECTION_HINT.get(section, "") if section else ""
    want = SECTION_ROLES.get(section) if section else None
    queries = [f"{r} {base} {hint}" for r in t.regions] + [f"{base} {hint}".strip()]
    seen, out = set(), []
    for q in queries:
        for h in _search(q, index, k, want):
            if h.chunk["chunk_id"] not in seen:
                seen.add(h.chunk["chunk_id"])
                out.append(h)
    return sorted(out, key=lambda h: -h.score)


def _hits_by_section(t: Topic, index: Index, k: int) -> dict[str, list[Hit]]:
    """The outline's material: one ranking of the whole index per region (and one without), split
    by the sections' roles — the same passages per-section searches find (a section's words only
    re-rank within its roles), at one query embedding per region instead of four."""
    base = t.u.search_text().strip() or t.text
    ranked: dict[str, Hit] = {}
    n = max(k * 8, 60)
    for q in [f"{r} {base}" for r in t.regions] + [base]:
        for h in _search(q, index, n, None):
            if h.chunk["chunk_id"] not in ranked or ranked[h.chunk["chunk_id"]].score < h.score:
                ranked[h.chunk["chunk_id"]] = h
    hits = sorted(ranked.values(), key=lambda h: -h.score)
    return {name: [h for h in hits if roles.roles_of(h.chunk) in SECTION_ROLES[name]][:k * 2]
            for name, _, _ in STRUCTURE}


def _to_simplified(s: str) -> str:
    from .clean import _t2s

    return _t2s().convert(s)


def _balanced(s: str) -> bool:
    return all(s.count(a) == s.count(b) for a, b in QUOTES)


def _complete(s: str) -> bool:
    """A whole sentence: ends as one, opens with no dangling punctuation or conjunction, brackets closed."""
    core = re.sub(r"\W", "", s)
    return (len(core) >= 10 and bool(re.search(r"[。！？!?]$", s)) and _balanced(s)
            and not re.match(r"^[，,、；;：:。）)”’和及与并而但且或等]", s))


def _strip_label(s: str) -> str:
    prev = None
    while prev != s:
        prev, s = s, RUN_IN_LABEL.sub("", s, count=1)
    return s.strip()


def _finish(s: str) -> str:
    s = s.strip().rstrip("，,、；;：: ")
    return s if re.search(r"[。！？!?]$", s) else s + "。"


def _one_claim(s: str, t: Topic, limit: int = 110) -> str:
    """A long sentence is cut to its clauses on the topic (at ；), kept whole otherwise."""
    if len(s) <= limit or "；" not in s:
        return s
    clauses = [c for c in re.split(r"(?<=；)", s) if c.strip()]
    keep = [c for c in clauses if t.cover(normalize(c)) > 0] or clauses[:1]
    return _finish("".join(keep)[:400])


def _known_places(index: Index) -> dict[str, str]:
    """Places a point may be attributed to: the catalogue's places of every report (and their
    short forms), provinces and prefecture-level cities; a county whose name is also a common
    word (惠民, 资源, 和政) counts only where the text writes it with its 市/县/区."""
    from .catalog import catalogue
    from .lexicon import load_lexicon

    key = index.manifest.generation()
    cached = getattr(index, "_draft_places", None)
    if cached and cached[0] == key:
        return cached[1]
    lex = load_lexicon(index.settings.lexicon_dir)
    named = {}
    for r in catalogue(index):
        for p in list(r.places) + list(r.units):
            p = normalize(p)
            named[p] = p
            short = re.sub(r"^(?:[\u4e00-\u9fff]{2,3}省)|(?:市|县|区)$", "", p)
            if len(short) >= 2:
                named[short] = p
    big = {n for n, code in lex.places.items() if code and (code[4:] == "0" * (len(code) - 4)) and len(n) >= 2}
    index._draft_places = (key, (named, big, lex.places))
    return index._draft_places[1]


def _places_in(text: str, index: Index) -> list[str]:
    named, big, every = _known_places(index)
    out = []
    for m in re.finditer(r"[\u4e00-\u9fff]{2,8}", text):
        run = m.group(0)
        i = 0
        while i < len(run):
            for n in range(min(8, len(run) - i), 1, -1):
                w = run[i:i + n]
                nxt = run[i + n:i + n + 1]
                if w in GENERIC_PLACES:
                    continue
                if w in named or w in big or (w in every and nxt in ("县", "区", "镇")):
                    out.append(w)
                    i += n - 1
                    break
            i += 1
    return out


def _place_of(sent: str, hit: Hit, index: Index, own: bool) -> str:
    """The place a point is about: named in the sentence, its headings or (not for the writer's own
    plans) its passage; "" when none is named."""
    c = hit.chunk
    sources = [normalize(sent), normalize(" ".join(c["section"][1:] or c["section"]))]
    if not own:
        sources.append(normalize(c["text"]))
    for text in sources:
        found = _places_in(text, index)
        if found:
            return found[0]
    return ""


@dataclass
class Point:
    text: str  # Simplified, one sentence, with the place it is about
    hit: Hit
    key: str  # normalised claim, for duplicate checks
    score: float
    theme: str
    place: str


def _points(t: Topic, hits: list[Hit], index: Index, section: str) -> list[Point]:
    """The on-topic, complete sentences of the passages, as points a writer can use."""
    own = section == "下一步打算和建议"
    out = []
    for rank, h in enumerate(hits):
        c = h.chunk
        head = normalize(" ".join(c["section"][1:] or c["section"]))
        head_cover = t.cover(head)
        sents = sentences(c["text"])
        for i, raw in enumerate(sents):
            if _is_heading(raw) or len(re.sub(r"\W", "", raw)) < 8:
                continue
            body = _strip_label(raw)
            if not body:
                continue
            last = raw
            # "一是推行‘红色物业’全覆盖。" says what; the next sentence says how: one point, writer's words
            if len(body) < 26 and RUN_IN_LABEL.match(raw) and i + 1 < len(sents) and not RUN_IN_LABEL.match(sents[i + 1]):
                nxt = _strip_label(sents[i + 1])
                if nxt and not _is_heading(sents[i + 1]):
                    body = body.rstrip("。；;，, ") + "，" + nxt
                    last = sents[i + 1]
            if not re.search(r"[。！？!?；;][”’」』]?$", last.strip()):
                continue  # the passage ends mid-sentence ("…我们要缩小与先进地区的差距,必须"): not a claim
            body = _finish(_one_claim(_to_simplified(body), t))
            if not _complete(body):
                continue
            n = normalize(body)
            cover = t.cover(n)
            # on topic: the sentence shares the topic's terms, or stands under a heading that does
            if cover < ON_TOPIC and not (head_cover >= 0.4 and cover > 0) and not (head_cover >= 0.6):
                continue
            place = _place_of(body, h, index, own)
            if t.regions and not any(r in n or r in head or r in normalize(c["title"]) or r == place for r in t.regions):
                if not any(r in normalize(c["text"]) for r in t.regions):
                    continue
            text = body if not place or place in n else f"{place}：{body}"
            score = cover + 0.5 * head_cover + 0.3 * h.score - 0.02 * rank
            out.append(Point(text, h, re.sub(r"\W", "", n), score, theme_of(h), place))
    return sorted(out, key=lambda p: -p.score)


def _trigrams(s: str) -> set[str]:
    return {s[i:i + 3] for i in range(max(1, len(s) - 2))}


def _is_dup(key: str, kept: list[str]) -> bool:
    g = _trigrams(key)
    for k in kept:
        h = _trigrams(k)
        if len(g & h) / max(1, min(len(g), len(h))) >= NEAR_DUP:
            return True
    return False


def _pick(points: list[Point], n: int, kept: list[str], regions: list[str], per_passage: int = 2,
          strict: bool = True) -> list[Point]:
    """Best points first, no two from the same fact, at most ``per_passage`` from one passage;
    with regions, taken in turn from each region (``strict``: only points about them)."""
    # a point is about a region when it or its headings name it, or its passage does and the point
    # names no other place ("周口把…" in a passage that also mentions 开封 is about 周口)
    groups = [[p for p in points if r in normalize(p.text) or r == p.place or r in normalize(" ".join(p.hit.chunk["section"]))
               or (r in p.hit.chunk.get("norm", "") and (not p.place or p.place in regions))] for r in regions] \
        if regions else [points]
    if regions and not strict:
        rest = [p for p in points if not any(p in g for g in groups)]
        groups.append(rest)
    out: list[Point] = []
    per: dict[str, int] = {}
    cursors = [0] * len(groups)
    while len(out) < n and any(cursors[g] < len(groups[g]) for g in range(len(groups))):
        for g, grp in enumerate(groups):
            while cursors[g] < len(grp):
                p = grp[cursors[g]]
                cursors[g] += 1
                cid = p.hit.chunk["chunk_id"]
                if per.get(cid, 0) >= per_passage or _is_dup(p.key, kept) or p in out:
                    continue
                out.append(p)
                kept.append(p.key)
                per[cid] = per.get(cid, 0) + 1
                break
            if len(out) >= n:
                break
    return out


def _leads(hits: list[Hit]) -> str:
    seen, out = set(), []
    for h in hits:
        label = f"《{h.chunk['title']}》" + (" › " + " › ".join(h.chunk["section"]) if h.chunk["section"] else "")
        if label not in seen:
            seen.add(label)
            out.append(label)
        if len(out) == 3:
            break
    return "最接近的资料：" + "；".join(out) if out else ""


def _refusal_notes(t: Topic, reason: str, index: Index) -> list[str]:
    notes = [f"资料中没有找到关于“{t.text}”的内容（{reason or '主题为空'}），无法据此起草。"]
    if t.text:
        lead = _leads(search(t.u.search_text() or t.text, 5, index=index))
        if lead:
            notes.append(lead)
    return notes


def grounded(t: Topic, hits: list[Hit], index: Index) -> tuple[bool, str]:
    """The chat's decision (answer.assess) on the request's content words: refused → not grounded."""
    if not hits:
        return False, "没有检索到任何段落"
    unknown = [r for r in t.regions if not any(r in normalize(h.chunk["text"] + h.chunk["title"]) for h in hits)]
    if unknown and len(unknown) == len(t.regions):
        return False, "资料中没有出现" + "、".join(f"“{r}”" for r in unknown)
    d = assess(t.text, hits, index, u=t.u)
    best = max(t.cover(normalize(" ".join(h.chunk["section"]) + h.chunk["text"])) for h in hits)
    absent = [x.text for x in t.u.topic if not x.known and x.weight >= 1.5]  # nouns (understand: 1.5)
    if absent and best < 0.5:
        return False, "资料中没有出现：" + "、".join(absent)
    if d.status != "refused":
        return True, d.gap
    # a request names several things ("精简会议文件、改进会风文风"); a passage on one of them is
    # material when every word of the request is one the reports use (an absent noun such as
    # 医共体 still refuses: the reports are not about it)
    if t.u.topic and all(x.known for x in t.u.topic) and not [e for e in t.u.entities if not e.known] and \
            best >= ON_TOPIC:
        return True, ""
    return False, d.gap


def outline(topic: str, *, index: Index, regions: list[str] | None = None, k: int = 12) -> Outline:
    topic = (topic or "").strip()
    regions = [r.strip() for r in regions or [] if r.strip()]
    where = "、".join(regions)
    title = f"关于赴{where}学习考察{topic}工作的报告" if where else f"关于{topic}的学习考察报告"
    if not topic:
        return Outline(title, [], [], False, ["资料中没有找到关于“”的内容（主题为空），无法据此起草提纲。"])
    t = understand_topic(topic, index, regions)
    per_section = _hits_by_section(t, index, k)
    everything = sorted({h.chunk["chunk_id"]: h for hs in per_section.values() for h in hs}.values(), key=lambda h: -h.score)
    ok, reason = grounded(t, everything, index)
    if not ok:
        notes = _refusal_notes(t, reason, index)
        notes[0] = notes[0].replace("无法据此起草。", "无法据此起草提纲。")
        return Outline(title, [], [], False, notes)
    cites = _Cites()
    kept: list[str] = []
    sections, found = [], 0
    for i, (name, _, slot) in enumerate(STRUCTURE):
        points = [{"text": SLOT.format(slot), "citations": []}] if slot else []
        # what the regions did must be about them; the lessons and plans the reports drew from them need not name them
        chosen = _pick(_points(t, per_section[name], index, name), SECTION_MAX[name], kept, regions,
                       strict=name in ("基本情况", "主要做法与经验"))
        found += len(chosen)
        points += [{"text": p.text, "citations": [cites.n(p.hit)]} for p in chosen]
        if not chosen:
            points.append({"text": SLOT.format(f"资料中没有{name}方面关于“{topic}”的内容，请补充"), "citations": []})
        sections.append({"heading": f"{ZH_NUM[i]}、{name}", "points": points})
    notes = []
    if found < 4:
        notes.append(f"资料中关于“{topic}”的内容较少（只找到 {found} 条），提纲从简，请补充【待补充】处的材料。")
    return Outline(title, sections, cites.items, True, notes)


def _section_name(section: str) -> str:
    bare = _bare(section)
    for name, _, _ in STRUCTURE:
        if name == bare or name in bare or bare in name:
            return name
    heads = roles._heading_roles(bare)
    for name, want in SECTION_ROLES.items():
        if heads and heads[0] in want:
            return name
    return "主要做法与经验"


def _paragraphs(points: list[Point], cites: "_Cites", own: bool, max_paras: int = 4) -> list[dict]:
    """Points grouped by theme (the heading they stand under; one report's section stays together),
    each group one paragraph: the theme as its lead, then its sentences, each cited."""
    groups: list[list[Point]] = []
    for p in points:
        for g in groups:
            q = g[0]
            same_section = q.hit.chunk["doc_id"] == p.hit.chunk["doc_id"] and q.hit.chunk["section"][:2] == p.hit.chunk["section"][:2]
            if same_section or (q.theme and p.theme and overlap(q.theme, p.theme) >= 0.5):
                g.append(p)
                break
        else:
            groups.append([p])
    groups.sort(key=lambda g: -len(g))
    out = []
    for gi, g in enumerate(groups[:max_paras]):
        lead = g[0].theme or g[0].hit.chunk["title"]
        body = []
        for p in g[:4]:
            text = p.text
            if p.place and text.startswith(p.place + "："):
                text = f"在{p.place}，" + text[len(p.place) + 1:]
            body.append(f"{text}[{cites.n(p.hit)}]")
        ns = sorted({cites.by_id[p.hit.chunk["chunk_id"]] for p in g[:4]})
        out.append({"text": f"（{ZH_NUM[gi]}）{_to_simplified(lead).rstrip('。')}。" + "".join(body), "citations": ns})
    return out


def draft_section(section: str, topic: str, *, index: Index, model=None, k: int = 8,
                  settings: Settings | None = None) -> Outline:
    """One section written out: offline, paragraphs grouped by theme with every sentence cited,
    from the passages whose role fits the section; with an LLM, the same evidence as prose."""
    settings = llm_mod.budget(settings or index.settings)
    name = _section_name(section)
    t = understand_topic(topic, index)
    hits = _hits(t, index, name, k)
    title = f"{section}（{topic}）"
    ok, reason = grounded(t, hits, index) if topic.strip() else (False, "主题为空")
    if not ok:
        return Outline(title, [], [], False, _refusal_notes(t, reason, index))
    notes = []
    if model is None:
        model = llm_mod.configured_model(settings, notes)
    if model is not None:
        kept, _ = pack(hits, settings, section + topic)
        try:
            text = llm_mod.complete(model, render("answer_system", settings),
                                    render("draft_section", settings, context=context_block(kept), topic=topic, section=section))
            res = check(text, {n: h.chunk["text"] for n, h in enumerate(kept, 1)})
            if res.used and res.supported:
                cites = _Cites()
                remap = {n: cites.n(kept[n - 1]) for n in res.used}
                paras = [p.strip() for p in res.text.split("\n") if p.strip()]
                points = [{"text": renumber(p, remap),
                           "citations": sorted({remap[n] for n in cited_numbers(p) if n in remap})}
                          for p in paras]
                if res.unsupported:
                    notes.append("以下数字在所引资料中找不到：" + "、".join(res.unsupported))
                return Outline(title, [{"heading": section, "points": points}], cites.items, True, notes)
            notes.append("大模型的稿子没有有效引用，已改用离线拼写")
        except llm_mod.LLMError as exc:
            notes.append(f"{exc}，已改用离线拼写")
    cites = _Cites()
    chosen = _pick(_points(t, hits, index, name), 10, [], [], per_passage=3)
    if not chosen:
        notes.append(f"资料中没有{name}方面关于“{topic}”的内容。")
        return Outline(title, [{"heading": section, "points": [{"text": SLOT.format(f"{name}（{topic}）"), "citations": []}]}],
                       [], True, notes)
    points = _paragraphs(chosen, cites, name == "下一步打算和建议")
    return Outline(title, [{"heading": section, "points": points}], cites.items, True, notes)


def _bare(heading: str) -> str:
    return re.sub(rf"^[{ZH_NUM}]+、", "", heading).strip()


def merge_section(base: Outline | None, part: Outline) -> Outline:
    """Put a drafted section into the outline in place of the section of the same name,
    renumbering citations by first use (the same passage keeps one number)."""
    if base is None or not base.sections:
        return part
    if not part.sections:
        return Outline(base.title, base.sections, base.citations, base.grounded, base.notes + part.notes)
    new = part.sections[0]
    sections, replaced = [], False
    for s in base.sections:
        if _bare(s["heading"]) == _bare(new["heading"]):
            sections.append({"heading": s["heading"], "points": new["points"], "_from": part})
            replaced = True
        else:
            sections.append({**s, "_from": base})
    if not replaced:
        sections.append({"heading": f"{ZH_NUM[len(sections) % 10]}、{new['heading']}", "points": new["points"],
                         "_from": part})
    order: dict[str, int] = {}
    cites: list[dict] = []
    out = []
    for s in sections:
        by_n = {c["n"]: c for c in s.pop("_from").citations}

        def renum(n: int) -> int:
            c = by_n[n]
            if c["chunk_id"] not in order:
                order[c["chunk_id"]] = len(cites) + 1
                cites.append({**c, "n": order[c["chunk_id"]]})
            return order[c["chunk_id"]]

        points = []
        for p in s["points"]:
            text = renumber(p["text"], lambda n: renum(n) if n in by_n else None, keep_unknown=True)
            points.append({"text": text, "citations": [renum(n) for n in p["citations"] if n in by_n]})
        out.append({"heading": s["heading"], "points": points})
    return Outline(base.title, out, cites, base.grounded, base.notes + part.notes)

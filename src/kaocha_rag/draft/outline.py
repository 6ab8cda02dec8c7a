"""Drafting: outlines and sections of a new 考察报告, every point cited.

The genre's structure (seed 000's 第二篇 spells it out): 基本情况 → 主要做法与经验 →
差距与启示 → 下一步打算和建议. Experience points come from the reports, grouped by
the heading they stand under; points about the user's own locality can't come
from other regions' reports, so they are marked slots (【待补充：…】), never invented.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypedDict

from ..answer.ask import assess, citation_dict
from ..answer.citations import Citation
from ..errors import EMPTY_LIBRARY
from ..ingest.clean import ORDINALS, normalize
from ..index.index import Index
from ..answer.retrieve import Hit, search
from ..ingest import roles
from .points import drop_covered, home_plan, make_points, pick, places_in, visited_practice
from .topic import (GROUND_MIN, SECTION_EXTRA, SECTION_MAX, SLOT, STRONG, STRUCTURE, VISITED_SECTIONS, Topic, hits_by_section, named,
                    understand_topic)


class Point(TypedDict):
    text: str  # one sentence or paragraph with its [n]
    citations: list[int]  # the n of the passages it cites (Outline.citations)


class Section(TypedDict):
    heading: str  # "二、主要做法与经验"
    points: list[Point]


@dataclass
class Outline:
    title: str
    sections: list[Section] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    grounded: bool = True
    notes: list[str] = field(default_factory=list)
    # the role (roles.py) of what each point says, per section in point order ("" for a slot): its
    # passage's, or its sentence's where the wording placed it (place_lessons); not part of the JSON
    # contract (sections[].points[] hold text and citations only)
    roles: list[list[str]] = field(default_factory=list)

    def role(self, section: int, point: int) -> str:
        return self.roles[section][point] if section < len(self.roles) and point < len(self.roles[section]) else ""

    def to_dict(self) -> dict:
        return {"title": self.title, "sections": self.sections, "citations": self.citations,
                "grounded": self.grounded, "notes": self.notes}


class Cites:
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


def leads(hits: list[Hit]) -> str:
    seen, out = set(), []
    for h in hits:
        label = f"《{h.chunk['title']}》" + (" › " + " › ".join(h.chunk["section"]) if h.chunk["section"] else "")
        if label not in seen:
            seen.add(label)
            out.append(label)
        if len(out) == 3:
            break
    return "最接近的资料：" + "；".join(out) if out else ""


def refusal_notes(t: Topic, reason: str, index: Index) -> list[str]:
    notes = [f"资料中没有找到关于“{t.text}”的内容（{reason or '主题为空'}），无法据此起草。"]
    if t.text:
        lead = leads(search(t.u.search_text() or t.text, 5, index=index))
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
    absent = [x.text for x in t.u.topic + named(t.u) if not x.known and x.text not in t.verbs]  # nouns, names
    if absent and best < 0.5:
        return False, "资料中没有出现：" + "、".join(absent)
    if d.status != "refused":
        return True, d.gap
    # a request names several things ("精简会议文件、改进会风文风"); a passage on one of them is
    # material when every noun of the request is one the reports use (an absent noun such as
    # 医共体 still refuses: the reports are not about it). An absent verb (understand weighs verbs
    # 0.5, nouns 1.5) says what to do about the thing, in words the reports need not share:
    # "…分离的管理体制" is material where a passage holds its 管理 and 体制 (GROUND_MIN of the request).
    if t.u.topic and all(x.known or x.text in t.verbs for x in t.u.topic) and \
            not [e for e in t.u.entities + named(t.u) if not e.known] and best >= GROUND_MIN:
        return True, ""
    return False, d.gap


def candidates(t: Topic, per_section: dict[str, list[Hit]], index: Index) -> dict[str, list]:
    """Each section's candidate points, from the passages of its roles; a lesson passage's sentence
    that tells what a visited place did goes to 主要做法与经验 (points.visited_practice), one that
    orders what home should do to 下一步打算和建议 (points.home_plan)."""
    return place_lessons({name: make_points(t, per_section[name], index, name) for name, _, _ in STRUCTURE}, index)


def place_lessons(out: dict[str, list], index: Index) -> dict[str, list]:
    """Moves the lesson points (out[LESSONS]) that report a visited place's practice, and the lesson
    and practice points that order home's plan, to those sections, each re-sorted by score."""
    for source, target, role, test in ((LESSONS, PRACTICES, roles.PRACTICE, visited_practice),
                                       (LESSONS, PLANS, roles.PLAN, home_plan), (PRACTICES, PLANS, roles.PLAN, home_plan)):
        moved = [p for p in out.get(source, []) if test(p, index)]
        for p in moved:
            p.role = role
        out[source] = [p for p in out.get(source, []) if p not in moved]
        out[target] = sorted(out.get(target, []) + moved, key=lambda p: -p.score)
    return out


LESSONS, PRACTICES, PLANS = "差距与启示", "主要做法与经验", "下一步打算和建议"


def section_points(t: Topic, points: list, index: Index, name: str, kept: list[str]) -> list:
    """A section's points: the best SECTION_MAX, then up to SECTION_EXTRA more that hold STRONG of
    the request. What the regions did must be about them; the lessons and plans need not name them."""
    strict = name in VISITED_SECTIONS
    chosen = pick(points, SECTION_MAX[name], kept, t.regions, strict=strict)
    rest = [p for p in points if p not in chosen and p.cover >= STRONG]
    return chosen + pick(rest, SECTION_EXTRA, kept, t.regions, per_passage=1, strict=strict,
                         used={p.hit.chunk["chunk_id"] for p in chosen})


def outline(topic: str, *, index: Index, regions: list[str] | None = None, k: int = 12) -> Outline:
    topic = (topic or "").strip()
    regions = [r.strip() for r in regions or [] if r.strip()]
    where = "、".join(regions)
    title = f"关于赴{where}学习考察{topic}工作的报告" if where else f"关于{topic}的学习考察报告"
    if not topic:
        return Outline(title, [], [], False, ["资料中没有找到关于“”的内容（主题为空），无法据此起草提纲。"])
    if index.empty():
        return Outline(title, [], [], False, [EMPTY_LIBRARY])
    t = understand_topic(topic, index, regions)
    per_section = hits_by_section(t, index, k)
    everything = sorted({h.chunk["chunk_id"]: h for hs in per_section.values() for h in hs}.values(), key=lambda h: -h.score)
    ok, reason = grounded(t, everything, index)
    if not ok:
        notes = refusal_notes(t, reason, index)
        notes[0] = notes[0].replace("无法据此起草。", "无法据此起草提纲。")
        return Outline(title, [], [], False, notes)
    cites = Cites()
    kept: list[str] = []
    sections, found = [], 0
    cands = candidates(t, per_section, index)
    roles_: list[list[str]] = []
    picked: list = []
    every = drop_covered([section_points(t, cands[name], index, name, kept) for name, _, _ in STRUCTURE])
    for i, ((name, _, slot), chosen) in enumerate(zip(STRUCTURE, every)):
        points = [{"text": SLOT.format(slot), "citations": []}] if slot else []
        found += len(chosen)
        picked += chosen
        roles_.append([""] * len(points) + [p.role for p in chosen])
        points += [{"text": p.text, "citations": [cites.n(p.hit)]} for p in chosen]
        if not chosen:
            points.append({"text": SLOT.format(f"资料中没有{name}方面关于“{topic}”的内容，请补充"), "citations": []})
            roles_[-1].append("")
        sections.append({"heading": f"{ORDINALS[i]}、{name}", "points": points})
    notes = []
    if found < 4:
        notes.append(f"资料中关于“{topic}”的内容较少（只找到 {found} 条），提纲从简，请补充【待补充】处的材料。")
    notes += figure_conflicts(picked, index)
    return Outline(title, sections, cites.items, True, notes, roles_)


# a figure and its unit: “3057.18亿美元”, “13.8%”; what it measures is the word before it (measures())
FIGURE = re.compile(r"(\d[\d.,]*)(%|[万亿]?(?:美元|元|吨|人|家|个|户|亩|平方米|公里))")


SCOPES = frozenset("全国 全省 全市 全县 全区 全球 世界 全行业".split())  # 全国出口总额 and 全省出口总额 are two measures


def measures(n: str) -> list[tuple[str, str, str]]:
    """(what, unit, figure) of each figure in normalised text ``n``; what = the last two words before it,
    linking words dropped: “其中出口总额3057.18亿美元” → (出口总额, 美元, 3057.18亿美元), “占全国出口总额的13.8%” →
    (出口总额, %, 13.8%), “进出口总额5373.59亿美元” → (进出口总额, 美元, …): a share and an amount never meet."""
    import jieba

    out = []
    for m in FIGURE.finditer(n):
        before = re.sub(r"(?:的|为|达到|达|是|约|共|超过)$", "", n[max(0, m.start() - 10):m.start()])
        words = [w for w in jieba.lcut(re.split(r"[^\u4e00-\u9fff]", before)[-1]) if w]
        what = "".join(words[-3:] if len(words) >= 3 and words[-3] in SCOPES else words[-2:])
        if len(what) >= 3:
            out.append((what, "%" if m.group(2) == "%" else m.group(2).lstrip("万亿"), m.group(0)))
    return out


def figure_conflicts(points: list, index: Index) -> list[str]:
    """Notes on two points from different reports that give the same measure of the same place different
    figures: “深圳市…出口总额3057.18亿美元” (篇二) and “深圳市2024年出口总额1797.2亿美元” (珠三角): a writer must
    not copy both (the answer path says the same of conflicting figures)."""
    seen: dict[tuple[str, str, str], tuple[str, str]] = {}
    found: dict[str, list[str]] = {}
    for p in points:
        n = normalize(p.text)
        place = p.place or next(iter(places_in(n, index)), "")
        for what, unit, value in measures(n) if place else []:
            doc, earlier = p.hit.chunk.get("doc_id", ""), seen.get((place, what, unit))
            if earlier and earlier[0] != doc and earlier[1] != value:
                found.setdefault(place, []).append(f"“{what}”{earlier[1]}与{value}")
            seen.setdefault((place, what, unit), (doc, value))
    return [f"注意：不同报告给出的{place}数字不一致（{'；'.join(dict.fromkeys(d))}），引用前请核对原文。"
            for place, d in found.items()]


